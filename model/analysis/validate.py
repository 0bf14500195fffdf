"""``validate``: how far the simulated dates lie from the documented ones.

Each documented observation (``scenarios/observations.yaml``) is compared with the
distribution of the day the model produces it. Scores work from the saved tables (runs,
events), so a results folder can be scored again without running the model.

Definitions (also in the README):

- distance: days from the simulated median to the documented date or range (0 inside it);
- hit: the distance is at most one day;
- within one day: share of runs whose day lies within one day of the documented range (a
  run that never produced the observation counts as a miss);
- order: for every other observation whose documented range does not overlap this one's,
  whether the simulated medians keep the documented order (a tie counts as kept, since
  one step is one day); ``order_runs`` is the share of runs in which no such pair involving
  this observation is reversed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from model.analysis.observed import observed_days
from model.config.observations import Observation

if TYPE_CHECKING:
    pass


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

    return {"all": part(table), **{r: part(table[table["role"] == r]) for r in ROLES}}


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
    for key, label in (("calibration", "calibration"), ("held_out", "held out"), ("all", "all")):
        s = summary[key]
        if not s["observations"]:
            lines.append(f"{label:<12s} no observations")
            continue
        mae = "-" if s["mae_days"] is None else f"{s['mae_days']:.2f}"
        lines.append(
            f"{label:<12s} {s['observations']:2d} observations: mean absolute error {mae} days, "
            f"hit within one day {s['hit_share']:.0%}, not produced {s['not_produced']}"
        )
    return "\n".join(lines)
