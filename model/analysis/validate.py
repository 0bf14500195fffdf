"""``validate``: how far the simulated dates lie from the documented ones.

Each documented observation (``scenarios/observations.yaml``) is compared with the
distribution of the day the model produces it. Scores work from the saved tables (runs,
events), so a results folder can be scored again without running the model.

Definitions (also in docs/studies.md):

- distance: days from the simulated median to the documented date or range (0 inside it);
- hit: the distance is at most one day;
- within one day: share of runs whose day lies within one day of the documented range (a
  run that never produced the observation counts as a miss);
- order: for every other observation whose documented range does not overlap this one's,
  whether the simulated medians keep the documented order (a tie counts as kept, since
  one step is one day); ``order_runs`` is the share of runs in which no such pair involving
  this observation is reversed.

``country_patterns`` describes the ensemble across the country rather than against the
record: when and by whom each place changed hands, the order of the falls, the day the
regime held nothing and who held the capital at the horizon.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd

from model.analysis.observed import observed_days
from model.config.observations import Observation
from model.config.schema import HOLDER_LABELS

ROLES = ("calibration", "held_out")


HIT_DAYS = 1


def observation_days(
    observations: Sequence[Observation], runs: pd.DataFrame, events: pd.DataFrame
) -> np.ndarray:
    """Runs x observations array of the day each run produced each observation (NaN: never)."""
    if not observations:
        return np.zeros((len(runs), 0))
    return np.column_stack([observed_days(o, runs, events) for o in observations])


def _distance(day: float, lo: int, hi: int) -> float:
    return float(max(lo - day, 0.0, day - hi))


def score(
    observations: Sequence[Observation],
    runs: pd.DataFrame,
    events: pd.DataFrame,
    start: dt.date,
) -> pd.DataFrame:
    """One row per observation: documented range, simulated distribution and scores.

    Args:
        observations: The documented events.
        runs: One row per run (``runs.csv``).
        events: The event log (``events.csv``).
        start: Day 0.

    Returns:
        Columns ``id, what, role, documented, earliest, latest, doc_day, doc_lo, doc_hi,
        share_produced, median, p05, p95, distance, hit, within_one_day, order_kept,
        order_runs, source``; day columns count from ``start``; NaN where the model never
        produced the observation.
    """
    days = observation_days(observations, runs, events)
    ranges = np.array([o.day_range(start) for o in observations], dtype=float).reshape(-1, 3)
    lo, hi = ranges[:, 1], ranges[:, 2]
    n_runs = days.shape[0]
    produced = ~np.isnan(days)
    with np.errstate(all="ignore"):
        med = np.array(
            [np.median(c[~np.isnan(c)]) if (~np.isnan(c)).any() else np.nan for c in days.T]
        )
    # before[i, j]: documented i strictly before j (ranges do not overlap)
    before = hi[:, None] < lo[None, :]
    rows = []
    for i, o in enumerate(observations):
        col = days[:, i]
        ok = col[~np.isnan(col)]
        near = (col >= lo[i] - HIT_DAYS) & (col <= hi[i] + HIT_DAYS)
        others = [j for j in range(len(observations)) if before[i, j] or before[j, i]]
        kept, reversed_any = [], np.zeros(n_runs, dtype=bool)
        for j in others:
            first, second = (i, j) if before[i, j] else (j, i)
            if not np.isnan(med[first]) and not np.isnan(med[second]):
                kept.append(med[first] <= med[second])
            # NaN comparisons are False: a run missing either event reverses nothing
            reversed_any |= days[:, first] > days[:, second]
        dist = _distance(med[i], lo[i], hi[i]) if not np.isnan(med[i]) else np.nan
        rows.append(
            {
                "id": o.id,
                "what": o.what,
                "role": o.role,
                "documented": o.date.isoformat(),
                "earliest": (o.earliest or o.date).isoformat(),
                "latest": (o.latest or o.date).isoformat(),
                "doc_day": ranges[i, 0],
                "doc_lo": lo[i],
                "doc_hi": hi[i],
                "share_produced": float(produced[:, i].mean()) if n_runs else 0.0,
                "median": med[i],
                "p05": float(np.percentile(ok, 5)) if len(ok) else np.nan,
                "p95": float(np.percentile(ok, 95)) if len(ok) else np.nan,
                "distance": dist,
                "hit": bool(dist <= HIT_DAYS) if not np.isnan(dist) else False,
                "within_one_day": float(near.mean()) if n_runs else 0.0,
                "order_kept": float(np.mean(kept)) if kept else np.nan,
                "order_runs": float((~reversed_any).mean()) if others and n_runs else np.nan,
                "source": o.source,
            }
        )
    return pd.DataFrame(rows)


def summarize_scores(table: pd.DataFrame) -> dict:
    """Summary scores of a ``score`` table: all observations and each role separately.

    ``mae_days`` is the mean distance over the observations the model produced at least
    once; ``not_produced`` counts the others, which are also counted as misses in
    ``hit_share``.
    """

    def part(t: pd.DataFrame) -> dict:
        d = t["distance"].dropna()
        return {
            "observations": int(len(t)),
            "mae_days": float(d.mean()) if len(d) else None,
            "hit_share": float(t["hit"].mean()) if len(t) else None,
            "within_one_day_mean": float(t["within_one_day"].mean()) if len(t) else None,
            "order_kept_mean": float(t["order_kept"].mean())
            if t["order_kept"].notna().any()
            else None,
            "order_runs_mean": float(t["order_runs"].mean())
            if t["order_runs"].notna().any()
            else None,
            "not_produced": int(t["median"].isna().sum()),
        }

    out = {"all": part(table), **{r: part(table[table["role"] == r]) for r in ROLES}}
    if "linked_to" in table:
        # held out means held out: one the model ties to a calibration observation by a fixed
        # lag is no independent check, and is scored apart (``analysis.dependence``)
        held = table["role"] == "held_out"
        linked = table["linked_to"].fillna("").astype(str) != ""
        out["held_out"] = part(table[held & ~linked])
        out["held_out_linked"] = part(table[held & linked])
        out["held_out_all"] = part(table[held])
    return out


def add_checks(
    table: pd.DataFrame,
    observations: Sequence[Observation],
    days: np.ndarray,
    start: dt.date,
    horizon: int,
) -> pd.DataFrame:
    """A ``score`` table with each held-out observation's link and the predictive check.

    Adds ``linked_to`` (the calibration observation a held-out one follows by a fixed lag,
    else empty), ``link`` (in words), ``duplicate``, and from ``analysis.ppc`` ``inside``,
    ``pit`` and ``verdict``.
    """
    from model.analysis.dependence import links_to
    from model.analysis.ppc import ppc_table

    cal = [i for i, o in enumerate(observations) if o.role == "calibration"]
    held = [i for i, o in enumerate(observations) if o.role == "held_out"]
    links = links_to(days, observations, held, cal)
    t = table.copy()
    t["linked_to"] = [links[i].to if i in links else "" for i in range(len(observations))]
    t["link"] = [links[i].describe() if i in links else "" for i in range(len(observations))]
    t["duplicate"] = [bool(i in links and links[i].duplicate) for i in range(len(observations))]
    check = ppc_table(observations, days, start, horizon)
    for col in ("inside", "pit", "reached", "verdict"):
        t[col] = check[col].to_numpy()
    return t


def format_scores(table: pd.DataFrame, summary: dict, start: dt.date) -> str:
    """The validation table and its summary as text for the terminal."""

    def date(day: float) -> str:
        return "-" if np.isnan(day) else (start + dt.timedelta(days=round(day))).isoformat()[5:]

    lines = [
        f"{'observation':<38s}{'role':<12s}{'documented':<15s}{'median [5-95 %]':<24s}"
        f"{'dist':>5s}{'±1d':>6s}{'order':>7s}{'runs':>6s}"
    ]
    for r in table.itertuples():
        doc = r.documented[5:] if r.earliest == r.latest else f"{r.earliest[5:]}..{r.latest[5:]}"
        sim = f"{date(r.median)} [{date(r.p05)}..{date(r.p95)}]"
        dist = "-" if np.isnan(r.distance) else f"{r.distance:.1f}"
        order = "-" if np.isnan(r.order_kept) else f"{r.order_kept:.0%}"
        order_runs = "-" if np.isnan(r.order_runs) else f"{r.order_runs:.0%}"
        lines.append(
            f"{r.id:<38s}{r.role:<12s}{doc:<15s}{sim:<24s}{dist:>5s}{r.within_one_day:>6.0%}{order:>7s}{order_runs:>6s}"
        )
    lines.append("")
    lines.append("dist: days from the simulated median to the documented date or range;")
    lines.append("±1d: share of runs within one day of it; order: share of documented pairwise")
    lines.append("orders the medians keep; runs: share of runs reversing none of them.")
    lines.append("")
    linked = table[table.get("linked_to", pd.Series("", index=table.index)).fillna("") != ""]
    if len(linked):
        lines.append("Held out but tied to a calibration observation (scored apart):")
        lines += [f"  {r.id:<34s}{r.link}" for r in linked.itertuples()]
        lines.append("")
    labels = [
        ("calibration", "calibration"),
        ("held_out", "held out" if not len(linked) else "held out, independent"),
        ("held_out_linked", "held out, tied"),
        ("all", "all"),
    ]
    for key, label in (kv for kv in labels if kv[0] in summary):
        s = summary[key]
        if not s["observations"]:
            lines.append(f"{label:<22s} no observations")
            continue
        mae = "-" if s["mae_days"] is None else f"{s['mae_days']:.2f}"
        lines.append(
            f"{label:<22s} {s['observations']:2d} observations: mean absolute error {mae} days, "
            f"hit within one day {s['hit_share']:.0%}, not produced {s['not_produced']}"
        )
    return "\n".join(lines)


HORIZON_DAY = 14  # 11 December 2024, three days after the fall of Damascus


def _iso(start: dt.date, day: float | None) -> str | None:
    return None if day is None else (start + dt.timedelta(days=round(day))).isoformat()


def _spread(days: np.ndarray, start: dt.date) -> dict:
    """Median and 5-95 % of ``days`` (non-negative, no NaN) as day numbers and dates."""
    if not len(days):
        return {k: None for k in ("median_day", "median", "p05", "p95")}
    med = float(np.median(days))
    return {
        "median_day": med,
        "median": _iso(start, med),
        "p05": _iso(start, float(np.percentile(days, 5))),
        "p95": _iso(start, float(np.percentile(days, 95))),
    }


def _shares(values: pd.Series) -> dict[str, float]:
    """Share of each value, largest first (ties by name); empty values left out."""
    v = values.fillna("").astype(str)
    v = v[v != ""]
    if not len(v):
        return {}
    counts = sorted(v.value_counts().items(), key=lambda kv: (-kv[1], kv[0]))
    return {str(k): float(c / len(values)) for k, c in counts}


def country_patterns(
    runs: pd.DataFrame,
    places: list[str],
    start: dt.date,
    horizon_day: int = HORIZON_DAY,
    *,
    daily: pd.DataFrame | None = None,
    capital: str | None = None,
) -> dict:
    """What happened across the country in an ensemble, from its saved tables.

    Args:
        runs: One row per run (``runs.csv``): ``fall_day_<place>``, ``taken_by_<place>``,
            ``regime_gone_day``, ``capital_holder_end``. A table written before one of these
            columns existed gives None for what needs it.
        places: The places to describe (those that never changed hands are left out).
        start: Day 0.
        horizon_day: The day the last two parts are read at (14: 11 December).
        daily: The daily table; if given (with ``holder_<capital>``), the capital's holder
            is read on ``horizon_day``, else on the last simulated day
            (``capital_holder_end``).
        capital: The capital's name (default: ``runs.attrs["capital"]``).

    Returns:
        ``places``: per place that changed hands in any run, ``median``, ``p05``, ``p95``
        (ISO dates of the day it changed hands, over the runs where it did),
        ``median_day``, ``share`` (of runs in which it changed hands), ``taker`` (the
        holder that most often took it, ties by name) and ``taker_share`` (its share of
        the runs in which the place changed hands); ``order``: those places by median day
        (ties by 5 % day, then name); ``regime_gone``: the spread of the first day the
        regime held no place, ``share`` of runs in which that happened at all and
        ``share_by_horizon`` of runs in which it happened by ``horizon_day``;
        ``capital``: ``place``, ``date`` it is read on (None: the last simulated day) and
        ``shares`` by holder.
    """
    n = len(runs)
    out_places: dict[str, dict] = {}
    for place in places:
        col = f"fall_day_{place}"
        if col not in runs:
            continue
        day = pd.to_numeric(runs[col], errors="coerce").to_numpy(dtype=float)
        fell = day >= 0
        if not fell.any():
            continue
        entry = {**_spread(day[fell], start), "share": float(fell.mean())}
        taker, taker_share = None, None
        if f"taken_by_{place}" in runs:
            takers = _shares(runs.loc[fell, f"taken_by_{place}"])
            if takers:
                taker, taker_share = next(iter(takers.items()))
        entry["taker"], entry["taker_share"] = taker, taker_share
        out_places[place] = entry
    order = sorted(
        out_places,
        key=lambda p: (out_places[p]["median_day"], out_places[p]["p05"], p),
    )
    if "regime_gone_day" in runs and n:
        g = pd.to_numeric(runs["regime_gone_day"], errors="coerce").to_numpy(dtype=float)
        gone = g >= 0
        regime_gone = {
            **_spread(g[gone], start),
            "share": float(gone.mean()),
            "share_by_horizon": float((gone & (g <= horizon_day)).mean()),
        }
    else:
        regime_gone = {
            **_spread(np.array([]), start),
            "share": None,
            "share_by_horizon": None,
        }
    capital = capital or runs.attrs.get("capital")
    cap = {"place": capital, "date": None, "shares": {}}
    col = f"holder_{capital}"
    if daily is not None and capital and col in daily and len(daily):
        day = min(horizon_day, int(daily["day"].max()))
        at = daily[daily["day"] == day]
        cap.update(date=_iso(start, day), shares=_shares(at[col]))
    elif "capital_holder_end" in runs and n:
        cap["shares"] = _shares(runs["capital_holder_end"])
    return {
        "horizon_day": horizon_day,
        "horizon_date": _iso(start, horizon_day),
        "runs": n,
        "places": out_places,
        "order": order,
        "regime_gone": regime_gone,
        "capital": cap,
    }


def format_patterns(patterns: dict) -> str:
    """``country_patterns`` as text for the terminal, with the holders' names in words."""

    def md(iso: str | None) -> str:
        return "-" if iso is None else iso[5:]

    def who(holder: str) -> str:
        return HOLDER_LABELS.get(holder, holder.replace("_", " "))

    horizon = dt.date.fromisoformat(patterns["horizon_date"])
    by = f"{horizon.day} {horizon:%b} (day {patterns['horizon_day']})"
    lines = ["Across the country", ""]
    places = patterns["places"]
    if not places:
        lines.append("No place changed hands in any run.")
    else:
        lines.append(
            f"{'place':<16s}{'changed hands [5-95 %]':<25s}{'runs':>6s}"
            "  most often taken by (share of those runs)"
        )
        for place in patterns["order"]:
            p = places[place]
            when = f"{md(p['median'])} [{md(p['p05'])}..{md(p['p95'])}]"
            taker = "-" if p["taker"] is None else f"{who(p['taker'])} ({p['taker_share']:.0%})"
            lines.append(f"{place:<16s}{when:<25s}{p['share']:>6.0%}  {taker}")
        lines.append("")
        lines += textwrap.wrap(
            "Order of the falls (by median day): " + ", ".join(patterns["order"]) + ".", 100
        )
    g = patterns["regime_gone"]
    if g["share"] is None:
        lines.append("The regime holding no place: not recorded in these results.")
    elif g["median"] is None:
        lines.append("The regime held at least one place to the end in every run.")
    else:
        lines.append(
            f"The regime holds no place: {md(g['median'])} [{md(g['p05'])}..{md(g['p95'])}], "
            f"in {g['share']:.0%} of runs; by {by} in {g['share_by_horizon']:.0%}."
        )
    cap = patterns["capital"]
    if cap["shares"]:
        on = by if cap["date"] else "the last simulated day"
        shares = "; ".join(f"{who(h)} {s:.0%}" for h, s in cap["shares"].items())
        lines.append(f"{cap['place'] or 'The capital'} on {on}: {shares}.")
    else:
        lines.append("Who holds the capital: not recorded in these results.")
    return "\n".join(lines)
