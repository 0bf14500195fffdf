"""The predictive check per observation: how often runs land in its documented range.

For each documented observation and a set of runs (an ensemble, or posterior-predictive
runs): the share of runs inside its documented date or range, the probability integral
transform (PIT) of its documented best date under the runs' days, and whether any run
reaches it at all. A run that never produced the event counts as the horizon (it did not
happen by then). The PIT of a discrete day is the mid-point one, ``P(X < y) + P(X = y) / 2``:
0.5 is a date in the middle of the runs; near 0 a date earlier than nearly every run (the
runs are too late), near 1 one later than nearly every run (the runs are too early).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from model.config.observations import Observation

TAIL = 0.05  # a PIT below this or above 1 - this: the date lies in the runs' outer 10 %


def ppc_table(
    observations: Sequence[Observation], days: np.ndarray, start: dt.date, horizon: int
) -> pd.DataFrame:
    """One row per observation: ``id, role, inside, within_one_day, pit, reached, verdict``.

    Args:
        observations: The documented observations.
        days: Runs x observations, the day each run produced each (NaN: never).
        start: Day 0.
        horizon: The last simulated day (a run without the event counts as it).
    """
    d = np.where(np.isnan(days), float(horizon), days)
    rows = []
    for i, o in enumerate(observations):
        best, lo, hi = o.day_range(start)
        x = d[:, i]
        inside = float(np.mean((x >= lo) & (x <= hi))) if len(x) else float("nan")
        near = float(np.mean((x >= lo - 1) & (x <= hi + 1))) if len(x) else float("nan")
        pit = float(np.mean(x < best) + 0.5 * np.mean(x == best)) if len(x) else float("nan")
        if inside == 0:
            verdict = "cannot reach"
        elif pit < TAIL:
            verdict = "runs too late"
        elif pit > 1 - TAIL:
            verdict = "runs too early"
        else:
            verdict = "ok"
        rows.append({"id": o.id, "role": o.role, "inside": inside, "within_one_day": near,
                     "pit": pit, "reached": inside > 0, "verdict": verdict})  # fmt: skip
    return pd.DataFrame(rows)


def format_ppc(table: pd.DataFrame) -> str:
    """The predictive check for the terminal: the observations outside the runs' bulk."""
    lines = [
        "Predictive check per observation (share of runs inside the documented range; PIT of "
        "the documented date, 0.5 = in the middle of the runs):"
    ]
    off = table[table["verdict"] != "ok"]
    for r in off.itertuples():
        lines.append(
            f"  {r.id:<38s}{r.role:<12s}inside {r.inside:4.0%}  PIT {r.pit:4.2f}  {r.verdict}"
        )
    if off.empty:
        lines.append("  every documented date lies within the runs' central 90 %")
    unreachable = list(table.loc[~table["reached"], "id"])
    lines.append(
        "Cannot reach (no run inside the documented range): "
        + (", ".join(unreachable) if unreachable else "none")
    )
    return "\n".join(lines)
