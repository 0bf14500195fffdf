"""Summaries of an ensemble, computed from its saved tables (runs, events).

Working only from the tables means a saved results folder can always be summarised again
without running the model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.sim.outputs import END_STATES

Matcher = Callable[[pd.DataFrame, pd.DataFrame], pd.Series]


def _event(actor: str, kind: str, target: str | None = None, outcome: str | None = None):
    def match(runs: pd.DataFrame, events: pd.DataFrame) -> pd.Series:
        mask = (events["actor"] == actor) & (events["kind"] == kind)
        if target is not None:
            mask &= events["target"] == target
        if outcome is not None:
            mask &= events["outcome"].astype(str).str.startswith(outcome)
        hit = set(events.loc[mask, "run"])
        return runs["run"].isin(hit)

    return match


def _first_day(events: pd.DataFrame, runs: pd.DataFrame, **kw: str) -> pd.Series:
    mask = pd.Series(True, index=events.index)
    for k, v in kw.items():
        mask &= events[k] == v
    first = events[mask].groupby("run")["day"].min()
    return first.reindex(runs["run"]).reset_index(drop=True)


def _units_after_shift(runs: pd.DataFrame, events: pd.DataFrame) -> pd.Series:
    shift = _first_day(events, runs, actor="russia", kind="support_shift")
    capital = runs.attrs["capital"]
    quiet = _first_day(events, runs, actor="units", kind="unresponsive", target=capital)
    return (quiet >= shift).fillna(False).reset_index(drop=True).set_axis(runs.index)


def _hezbollah_before_leader(runs: pd.DataFrame, events: pd.DataFrame) -> pd.Series:
    """Hezbollah's withdrawal comes before the leader's departure in the run's events."""
    pos = pd.Series(np.arange(len(events)), index=events.index)  # the order things happened
    left = (events["actor"] == "hezbollah") & (events["kind"] == "withdrawal")
    gone = (
        (events["actor"] == "regime")
        & (events["kind"] == "departure")
        & events["outcome"].astype(str).str.startswith("left")
    )

    def first(mask: pd.Series) -> np.ndarray:
        at = pos[mask].groupby(events.loc[mask, "run"]).min()
        return at.reindex(runs["run"]).to_numpy(dtype=float)

    w, d = first(left), first(gone)
    return pd.Series(~np.isnan(w) & (np.isnan(d) | (w < d)), index=runs.index)


def _leader_before_capital(runs: pd.DataFrame, events: pd.DataFrame) -> pd.Series:
    exit_day = runs["leader_exit_day"]
    fall = runs[f"fall_day_{runs.attrs['capital']}"]
    return (exit_day >= 0) & ((fall < 0) | (exit_day <= fall))


def _insider_before_bukamal(runs: pd.DataFrame, events: pd.DataFrame) -> pd.Series:
    # An insider's arrival in Iraq by whatever route (Maher al-Assad flew, Reuters, 13 Dec).
    insiders = events["actor"] != "regime"
    mask = (events["kind"] == "departure") & (events["target"] == "Iraq") & insiders
    first = events[mask].groupby("run")["day"].min().reindex(runs["run"]).to_numpy(dtype=float)
    col = "fall_day_al-Bukamal"
    fall = runs[col].to_numpy(dtype=float) if col in runs else np.full(len(runs), -1.0)
    ok = ~np.isnan(first) & ((fall < 0) | (first <= fall))
    return pd.Series(ok, index=runs.index)


@dataclass(frozen=True)
class Documented:
    """A documented decision or behaviour, with what counts as the model producing it."""

    id: str
    what: str
    section: str
    match: Matcher


DOCUMENTED: tuple[Documented, ...] = (
    Documented(
        "turkey_refuses_appeal_relayed_by_iraq",
        "Turkey refuses the appeal relayed by Iraq",
        "Pleas to Turkey",
        _event("turkey", "answer", "regime", "refused"),
    ),
    Documented(
        "iran_mediation_in_ankara_fails",
        "Iran's mediation in Ankara fails",
        "Pleas to Turkey",
        _event("iran", "mediation", "turkey", "failed"),
    ),
    Documented(
        "hezbollah_support_limited_to_border",
        "Hezbollah's support stays near the Lebanese border",
        "Appeals to Iraq",
        _event("hezbollah", "answer", "regime", "limited"),
    ),
    Documented(
        "iraq_declines_pmf",
        "Iraq declines to send the PMF",
        "Appeals to Iraq",
        _event("iraq", "answer", "regime", "declined"),
    ),
    Documented(
        "iran_proposes_ceasefire_at_doha",
        "Iran proposes a ceasefire and dialogue at Doha",
        "Astana Process",
        _event("iran", "proposal", "turkey", "ceasefire"),
    ),
    Documented(
        "turkey_rejects_reining_in_opposition",
        "At Doha, Turkey rejects controlling the opposition",
        "Astana Process",
        _event("turkey", "answer", "iran", "rejected"),
    ),
    Documented(
        "transitional_body_discussed",
        "A transitional governing body is discussed at Doha",
        "Astana Process",
        _event("doha_participants", "discussion", outcome="transitional body"),
    ),
    Documented(
        "iran_rhetoric_shifts",
        "Iran begins to speak of the 'Syrian opposition'",
        "Astana Process",
        _event("iran", "rhetoric"),
    ),
    Documented(
        "russia_gives_no_response_in_moscow",
        "Assad's appeal in Moscow meets no response (Reuters, 13 Dec)",
        "other outlets: Reuters",
        _event("russia", "answer", "regime", "no response"),
    ),
    Documented(
        "hezbollah_withdraws_before_the_leader_leaves",
        "Hezbollah's fighters are withdrawn before the leader leaves (Reuters, 8 Dec)",
        "other outlets: Reuters; AFP",
        _hezbollah_before_leader,
    ),
    Documented(
        "iraqi_militias_cross_near_bukamal",
        "Iran-backed Iraqi militias cross near al-Bukamal (Reuters, 2 Dec)",
        "other outlets: Reuters",
        _event("iran", "deployment", "regime", "Iraqi militias crossed"),
    ),
    Documented(
        "russia_offers_safe_passage",
        "Russia offers protection and safe passage for a transition",
        "Russian Offers",
        _event("russia", "offer", "regime"),
    ),
    Documented(
        "leader_declines_offer",
        "The leader declines Russia's offer",
        "Russian Offers",
        _event("regime", "decision", "russia", "declined"),
    ),
    Documented(
        "capital_units_stop_answering_after_russian_shift",
        "Units around the capital stop answering after Russia's support shifts",
        "Russian Offers",
        _units_after_shift,
    ),
    Documented(
        "leader_leaves_in_secret",
        "The leader leaves in secret; command breaks",
        "Russian Offers",
        _event("regime", "departure", outcome="left (flight, secret)"),
    ),
    Documented(
        "leader_leaves_before_capital_falls",
        "The leader leaves on or before the day the capital falls",
        "Russian Offers; opening",
        _leader_before_capital,
    ),
    Documented(
        "insider_reaches_iraq_before_bukamal_falls",
        "An insider crosses into Iraq before al-Bukamal is taken",
        "Russian Offers",
        _insider_before_bukamal,
    ),
    Documented(
        "russia_coordinates_with_southern_command",
        "After the fall, Russia coordinates with the southern operational command",
        "Russian Offers",
        _event("russia", "coordination", "southern_command"),
    ),
)


def _dist(values: np.ndarray) -> dict[str, float | None]:
    v = values[values >= 0]
    if len(v) == 0:
        return {"median": None, "p05": None, "p95": None}
    return {
        "median": float(np.median(v)),
        "p05": float(np.percentile(v, 5)),
        "p95": float(np.percentile(v, 95)),
    }


# Keys of ``documented_counts`` that count a pin's runs rather than a documented behaviour.
CAME_UP, APPLIED = "pin_came_up:", "pin_applied:"


def pin_counts(events: pd.DataFrame) -> dict[str, int]:
    """Per pin (``model.sim.pins``), the runs in which it came up and those it took effect in.

    Every run of a scenario with pins logs each pin once (``actor`` scenario, ``kind`` pin,
    ``target`` its name), so the pins are known from the log even where none came up.
    """
    pins = events[(events["actor"] == "scenario") & (events["kind"] == "pin")]
    out: dict[str, int] = {}
    if not len(pins):
        return out
    outcome = pins["outcome"].astype(str)
    for name, rows in pins.groupby("target", sort=False):
        o = outcome.loc[rows.index]
        applied = o.str.startswith("took effect")
        out[CAME_UP + str(name)] = int(
            rows.loc[applied | o.str.startswith("came up"), "run"].nunique()
        )
        out[APPLIED + str(name)] = int(rows.loc[applied, "run"].nunique())
    return out


def documented_counts(runs: pd.DataFrame, events: pd.DataFrame) -> dict[str, int]:
    """Number of runs in which each documented decision or behaviour occurred, and each pin.

    Every matcher looks at one run at a time, so counts of consecutive blocks of runs (with
    their events) add up to the count of the whole ensemble.
    """
    return {**{d.id: int(d.match(runs, events).sum()) for d in DOCUMENTED}, **pin_counts(events)}


def documented_shares(runs: pd.DataFrame, events: pd.DataFrame) -> dict[str, float]:
    """Share of runs in which each documented decision or behaviour occurred."""
    n = max(len(runs), 1)
    return {k: float(v) / n for k, v in documented_counts(runs, events).items()}


def summarize(
    runs: pd.DataFrame,
    events: pd.DataFrame | None,
    places: list[str],
    counts: dict[str, int] | None = None,
) -> dict:
    """The ``summary.json`` contract.

    Args:
        runs: One row per run: ``run``, ``end_state``, ``leader_exit_day``, ``fall_day_<place>``;
            ``runs.attrs['capital']`` names the capital.
        events: The event log; may be None when ``counts`` is given.
        places: Place names in scenario order.
        counts: ``documented_counts`` already summed over blocks of runs, so that the event
            log of a large ensemble need not be held in memory.
    """
    n = len(runs)
    if counts is None:
        counts = documented_counts(runs, events)
    shares = runs["end_state"].value_counts().reindex(END_STATES, fill_value=0) / max(n, 1)
    fall = {}
    for p in places:
        v = runs[f"fall_day_{p}"].to_numpy()
        fall[p] = {**_dist(v), "share_fallen": float((v >= 0).mean()) if n else 0.0}
    exit_days = runs["leader_exit_day"].to_numpy()
    return {
        "runs": n,
        "end_states": {k: float(v) for k, v in shares.items()},
        "fall_day": fall,
        "leader_exit_day": {
            **_dist(exit_days),
            "share": float((exit_days >= 0).mean()) if n else 0.0,
        },
        "documented_decisions": {
            k: float(v) / max(n, 1) for k, v in counts.items() if not k.startswith("pin_")
        },
        # Share of runs in which each pinned decision, intervention and parameter flip took
        # effect, and in which it came up at all (``model.sim.pins``).
        "pins_applied": _pin_shares(counts, APPLIED, n),
        "pins_came_up": _pin_shares(counts, CAME_UP, n),
    }


def _pin_shares(counts: dict[str, int], prefix: str, n: int) -> dict[str, float]:
    return {
        k.removeprefix(prefix): v / max(n, 1) for k, v in counts.items() if k.startswith(prefix)
    }
