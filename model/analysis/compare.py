"""Comparison of scenarios run with the same seeds (common random numbers).

Run *i* of every scenario uses the same seed, so differences are paired by seed: the
uncertainty of a difference comes from the run-to-run spread of the paired differences,
which is much smaller than that of two independent ensembles.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from model.analysis.stats import paired_mean, wilson
from model.config.schema import Scenario, iter_params
from model.sim.outputs import END_STATES

__all__ = [
    "HEADLINE_STATES",
    "changes",
    "compare_runs",
    "format_cells",
    "format_table",
    "held_days",
    "paired_mean",
    "wilson",
]


def held_days(runs: pd.DataFrame, column: str, horizon: int) -> np.ndarray:
    """Days until an event (a fall, a departure), with runs where it never happened at the horizon."""
    v = runs[column].to_numpy(dtype=float)
    return np.where(v >= 0, v, horizon)


def compare_runs(
    names: Sequence[str], runs: Sequence[pd.DataFrame], capital: str, horizon: int
) -> pd.DataFrame:
    """The comparison table: one row per scenario and measure, the first scenario is the base.

    Measures: each end state's share; the share of runs where the capital still holds at the
    horizon; days the capital holds (runs where it never falls count the horizon); the median
    fall day of the capital; days until the leader leaves (likewise); the share of runs where
    he leaves. Each has a 95 % interval and, for the other scenarios, the difference from
    the base paired by seed with its 95 % interval.
    """
    base = runs[0]
    rows = []
    fall_col = f"fall_day_{capital}"
    for name, r in zip(names, runs, strict=True):
        if not np.array_equal(r["seed"].to_numpy(), base["seed"].to_numpy()):
            raise ValueError("scenarios were not run with the same seeds")
        n = len(r)
        measures: list[tuple[str, np.ndarray, np.ndarray, str]] = []
        for state in END_STATES:
            measures.append(
                (
                    f"end_state:{state}",
                    (r["end_state"] == state).to_numpy(float),
                    (base["end_state"] == state).to_numpy(float),
                    "share",
                )
            )
        measures.append(
            (
                f"{capital}_held_at_horizon",
                (r[fall_col] < 0).to_numpy(float),
                (base[fall_col] < 0).to_numpy(float),
                "share",
            )
        )
        measures.append(
            (
                f"{capital}_days_held",
                held_days(r, fall_col, horizon),
                held_days(base, fall_col, horizon),
                "mean",
            )
        )
        measures.append(
            (
                "leader_days_in_country",
                held_days(r, "leader_exit_day", horizon),
                held_days(base, "leader_exit_day", horizon),
                "mean",
            )
        )
        measures.append(
            (
                "leader_left",
                (r["leader_exit_day"] >= 0).to_numpy(float),
                (base["leader_exit_day"] >= 0).to_numpy(float),
                "share",
            )
        )
        for measure, x, b, kind in measures:
            if kind == "share":
                value = float(x.mean()) if n else math.nan
                lo, hi = wilson(x.sum(), n)
            else:
                value, lo, hi = paired_mean(x)
            d, dlo, dhi = (0.0, 0.0, 0.0) if r is base else paired_mean(x - b)
            rows.append((name, measure, value, lo, hi, d, dlo, dhi, n))
        fell = r[fall_col][r[fall_col] >= 0]
        med = float(fell.median()) if len(fell) else math.nan
        rows.append(
            (
                name,
                f"{capital}_median_fall_day",
                med,
                math.nan,
                math.nan,
                math.nan,
                math.nan,
                math.nan,
                int(len(fell)),
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "scenario",
            "measure",
            "value",
            "ci_low",
            "ci_high",
            "diff",
            "diff_low",
            "diff_high",
            "n",
        ],
    )


def changes(base: Scenario, other: Scenario) -> list[dict]:
    """What ``other`` changes relative to ``base``: parameters, pinned decisions, interventions."""
    out = []
    bp = dict(iter_params(base))
    for name, param in iter_params(other):
        old = bp.get(name)
        if old is None or old.value != param.value:
            out.append(
                {"what": name, "base": None if old is None else old.value, "new": param.value}
            )
    for key, pin in other.decisions.items():
        if base.decisions.get(key, "auto") != pin:
            out.append(
                {"what": f"decision {key}", "base": base.decisions.get(key, "auto"), "new": pin}
            )
    for iv in other.interventions:
        for path, value in iv.set.items():
            out.append(
                {
                    "what": f"from {iv.date.isoformat()}: {path}",
                    "base": bp[path].value if path in bp else None,
                    "new": value,
                }
            )
    if base.places != other.places:
        out.append({"what": "places", "base": "baseline places", "new": "changed"})
    if base.routes != other.routes:
        out.append({"what": "routes", "base": "baseline routes", "new": "changed"})
    return out


def format_table(table: pd.DataFrame) -> str:
    """The comparison table for the terminal."""
    lines = []
    show = list(HEADLINE_STATES)
    capital_rows = [m for m in table["measure"].unique() if m.endswith("_days_held")]
    show += capital_rows + ["leader_days_in_country"]
    scen = list(dict.fromkeys(table["scenario"]))
    width = max(len(s) for s in scen) + 2
    for measure in show:
        lines.append(measure.replace("end_state:", "end state: "))
        for s in scen:
            row = table[(table.scenario == s) & (table.measure == measure)].iloc[0]
            val, diff = format_cells(row, measure.startswith("end_state"), s == scen[0])
            lines.append(f"  {s:<{width}s}{val:<26s}{diff}")
    return "\n".join(lines)


# The measures a reader compares first, in the order the terminal and the dashboard show them.
HEADLINE_STATES = (
    "end_state:collapse_and_flight",
    "end_state:negotiated_transition",
    "end_state:regime_holds",
    "end_state:divided",
)


def format_cells(row: pd.Series, pct: bool, base: bool) -> tuple[str, str]:
    """One row of the comparison table as text: the value and the difference from the base.

    Args:
        row: A row of ``compare_runs``'s table.
        pct: Show shares as percentages (else one decimal).
        base: The row is the base scenario's: its difference reads ``(base)``.

    Returns:
        ``"value [low, high]"`` and ``"+diff [low, high]"`` (95 % intervals).
    """
    fmt = (lambda v: f"{v:6.0%}") if pct else (lambda v: f"{v:6.1f}")
    val = f"{fmt(row.value)} [{fmt(row.ci_low).strip()}, {fmt(row.ci_high).strip()}]"
    if base:
        return val, "(base)"
    sign = (lambda v: f"{v:+.0%}") if pct else (lambda v: f"{v:+.1f}")
    return val, f"{sign(row['diff'])} [{sign(row.diff_low)}, {sign(row.diff_high)}]"
