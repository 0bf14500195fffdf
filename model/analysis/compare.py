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

from model.analysis.pins import changes, format_pins, pin_warnings, pins_of
from model.analysis.posterior_compare import ROBUST as ROBUST_SHARE
from model.analysis.posterior_compare import holds as posterior_holds
from model.analysis.stats import paired_mean, wilson
from model.sim.outputs import END_STATES

__all__ = [
    "HEADLINE_STATES",
    "changes",
    "compare_runs",
    "format_cells",
    "END_STATE_LABELS",
    "findings",
    "fmt_number",
    "format_pins",
    "format_table",
    "is_share",
    "measure_label",
    "held_days",
    "paired_mean",
    "pin_warnings",
    "pins_of",
    "wilson",
]


def held_days(runs: pd.DataFrame, column: str, horizon: int) -> np.ndarray:
    """Days until an event (a fall, a departure), with runs where it never happened at the horizon."""
    v = runs[column].to_numpy(dtype=float)
    return np.where(v >= 0, v, horizon)


def compare_runs(
    names: Sequence[str],
    runs: Sequence[pd.DataFrame],
    capital: str,
    horizon: int,
    draw_ids: Sequence[int] | None = None,
    draw_ess: float | None = None,
) -> pd.DataFrame:
    """The comparison table: one row per scenario and measure, the first scenario is the base.

    Measures: each end state's share; the share of runs where the capital still holds at the
    horizon; days the capital holds (runs where it never falls count the horizon); the median
    fall day of the capital; days until the leader leaves (likewise); the share of runs where
    he leaves. Each has a 95 % interval and, for the other scenarios, the difference from
    the base paired by seed with its 95 % interval.

    With ``draw_ids`` (runs drawn from a posterior, ``--posterior``: per run, the number of
    its parameter draw), each difference also gets its total interval (seeds and parameters)
    and the shares of draws above, at and below zero with their Monte Carlo errors
    (``model.analysis.posterior_compare``; ``draw_ess``: the posterior's effective sample
    size); ``diff_low``/``diff_high`` are then the seed-only interval, from the spread of
    the differences within each draw.
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
            total: tuple = () if draw_ids is None else (math.nan,) * len(TOTAL_COLUMNS)
            if draw_ids is not None and r is not base:
                # Over a posterior the paired interval over all runs mixes the draws'
                # differences with the seeds' noise: the seed-only interval comes from
                # the spread within each draw.
                dlo, dhi, *total = _over_draws(x - b, draw_ids, draw_ess)
            rows.append((name, measure, value, lo, hi, d, dlo, dhi, n, *total))
        fell = r[fall_col][r[fall_col] >= 0]
        med = float(fell.median()) if len(fell) else math.nan
        blank = (math.nan,) * (5 if draw_ids is None else 5 + len(TOTAL_COLUMNS))
        rows.append((name, f"{capital}_median_fall_day", med, *blank[:5], int(len(fell)),
                     *blank[5:]))  # fmt: skip
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
            *(TOTAL_COLUMNS if draw_ids is not None else ()),
        ],
    )


TOTAL_COLUMNS = ("total_low", "total_high", "robust_share", "robust_low", "p_pos", "p_zero",
                 "p_neg", "share_se")  # fmt: skip


def effect_ranking(
    names: Sequence[str],
    runs: Sequence[pd.DataFrame],
    capital: str,
    horizon: int,
    draw_ids: Sequence[int],
) -> pd.DataFrame:
    """How often each scenario's effect on the days the capital is held ranks 1st, 2nd...

    Over the posterior draws (``draw_ids``: per run, its draw): the question "which decision
    mattered most" with the uncertainty the documented dates leave in the parameters.
    """
    from model.analysis.posterior_compare import rank_shares

    col = f"fall_day_{capital}"
    base = held_days(runs[0], col, horizon)
    effects = pd.DataFrame(
        {n: held_days(r, col, horizon) - base for n, r in zip(names[1:], runs[1:], strict=True)}
    )
    table = rank_shares(effects, draw_ids)
    table.index.name = "scenario"
    return table.reset_index()


def format_ranking(ranking: pd.DataFrame) -> str:
    """The ranking of the scenarios' effects across draws, for the terminal."""
    ranks = [c for c in ranking.columns if str(c).isdigit()]
    lines = ["Ranking by effect on the days the capital is held (share of posterior draws):"]
    for _, r in ranking.iterrows():
        shares = ", ".join(f"#{k} {r[k]:.0%}" for k in ranks)
        lines.append(f"  {r['scenario']:<26s}mean rank {r['mean_rank']:.1f}  ({shares})")
    return "\n".join(lines)


def _over_draws(d: np.ndarray, draw_ids, ess: float | None) -> tuple[float, ...]:
    """Seed-only interval, then total interval and the shares of draws, of one difference."""
    from model.analysis.posterior_compare import total_interval

    t = total_interval(d, draw_ids, ess=ess)
    seed = (t["seed_low"], t["seed_high"])
    if not all(map(math.isfinite, seed)):  # one run per draw: seeds and draws not apart
        seed = paired_mean(d)[1:]
    sign = "p_pos_se" if t["diff"] >= 0 else "p_neg_se"
    return (*seed, *(t[c] for c in TOTAL_COLUMNS[:-1]), t[sign])


# What each end state means, in words a reader of the table needs no glossary for.
END_STATE_LABELS = {
    "collapse_and_flight": "collapse and flight, the capital taken by force",
    "negotiated_transition": "negotiated transition, the capital handed over",
    "regime_holds": "the regime holds the capital",
    "divided": "divided, the regime keeps the capital but under half the population",
}


def measure_label(measure: str, horizon: int | None = None) -> tuple[str, str]:
    """A measure of ``compare_runs``'s table in words, and the unit its values are in.

    Args:
        measure: The measure's id (``end_state:divided``, ``Damascus_days_held``).
        horizon: The horizon in days, said where a measure counts it for runs without the event.

    Returns:
        ``(label, unit)``, e.g. ``("Days the regime held Damascus", "days")``.
    """
    at = f", counting {horizon} where it held" if horizon else ""
    if measure.startswith("end_state:"):
        state = measure.split(":", 1)[1]
        return f"End state: {END_STATE_LABELS.get(state, state.replace('_', ' '))}", "% of runs"
    if measure.endswith("_held_at_horizon"):
        place = measure.removesuffix("_held_at_horizon")
        return f"{place} still in the regime's hands at the horizon", "% of runs"
    if measure.endswith("_days_held"):
        place = measure.removesuffix("_days_held")
        return f"Days the regime held {place}{at}", "days"
    if measure.endswith("_median_fall_day"):
        place = measure.removesuffix("_median_fall_day")
        return f"Median day {place} left the regime's hands, in the runs where it did", "day"
    if measure == "leader_days_in_country":
        stayed = f", counting {horizon} where he stayed" if horizon else ""
        return f"Days the leader stayed in the country{stayed}", "days"
    if measure == "leader_left":
        return "The leader left the country", "% of runs"
    return measure.replace("_", " "), ""


def is_share(measure: str) -> bool:
    """Whether a measure is a share of runs (shown as a percentage)."""
    return measure.startswith("end_state:") or measure.endswith(("_at_horizon", "leader_left"))


def fmt_number(v: float, pct: bool, signed: bool = False) -> str:
    """A value as the table shows it: ``98%``, ``11.9``, ``+10.5``; never ``-0`` or ``+0``.

    A value that rounds to zero is shown unsigned (``0%``, ``0.0``): a sign there would claim
    a direction the rounding does not show.
    """
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    text = f"{abs(v):.0%}" if pct else f"{abs(v):.1f}"
    if text in ("0%", "0.0"):
        return text
    sign = "-" if v < 0 else ("+" if signed else "")
    return sign + text


def format_table(table: pd.DataFrame, horizon: int | None = None, pins: dict | None = None) -> str:
    """The comparison table for the terminal: one block per measure, in words, scenarios as rows.

    Args:
        table: ``compare_runs``'s table.
        horizon: The horizon in days.
        pins: Per scenario, its pins' shares (``pins_of``); default ``table.attrs["pins"]``.
    """
    lines = []
    show = list(HEADLINE_STATES)
    capital_rows = [m for m in table["measure"].unique() if m.endswith("_days_held")]
    show += capital_rows + ["leader_days_in_country"]
    scen = list(dict.fromkeys(table["scenario"]))
    width = max(len(s) for s in scen) + 2
    for measure in show:
        label, unit = measure_label(measure, horizon)
        lines.append(f"{label} ({unit})" if unit else label)
        for s in scen:
            row = table[(table.scenario == s) & (table.measure == measure)].iloc[0]
            val, diff = format_cells(row, is_share(measure), s == scen[0])
            lines.append(f"  {s:<{width}s}{val:<26s}{diff}")
    pins = table.attrs.get("pins") if pins is None else pins
    if pins:
        runs = int(table["n"].iloc[0]) if len(table) else 0
        lines += format_pins(pins, runs)
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
        ``"value [low, high]"`` and ``"+diff [low, high]"`` (95 % intervals). A share's
        interval is shown within what a share can be (0 to 100 %, a difference -100 % to
        +100 %): the normal approximation of a paired difference can reach past it.
    """
    if pct:
        row = row.copy()
        row[["ci_low", "ci_high"]] = row[["ci_low", "ci_high"]].clip(0.0, 1.0)
        row[["diff_low", "diff_high"]] = row[["diff_low", "diff_high"]].clip(-1.0, 1.0)
    val = (
        f"{fmt_number(row.value, pct):>6s} "
        f"[{fmt_number(row.ci_low, pct)}, {fmt_number(row.ci_high, pct)}]"
    )
    if base:
        return val, "(base)"
    diff = (
        f"{fmt_number(row['diff'], pct, True)} "
        f"[{fmt_number(row.diff_low, pct, True)}, {fmt_number(row.diff_high, pct, True)}]"
    )
    if "total_low" in row and not pd.isna(row.total_low):
        diff += (
            f"  total [{fmt_number(row.total_low, pct, True)}, "
            f"{fmt_number(row.total_high, pct, True)}], same sign in "
            f"{_share(row)} of draws"
        )
    return val, diff


def _clear(row: pd.Series) -> bool:
    """Whether a paired difference's 95 % interval excludes zero."""
    return bool(row.diff_low > 0 or row.diff_high < 0)


def findings(table: pd.DataFrame, capital: str, horizon: int | None = None) -> list[dict]:
    """One sentence per scenario other than the base: its main effect and what it changes.

    The main effect is the paired difference in the days the capital is held, with its 95 %
    interval; then every end state whose share changes with an interval that excludes zero,
    with the base's share beside it. Nothing is claimed where the interval includes zero.

    Returns:
        ``[{"scenario": name, "text": sentence}, ...]`` in the table's order.
    """
    scen = list(dict.fromkeys(table["scenario"]))
    base = scen[0]

    def row(s: str, m: str) -> pd.Series:
        return table[(table.scenario == s) & (table.measure == m)].iloc[0]

    out = []
    for s in scen[1:]:
        held = row(s, f"{capital}_days_held")
        b = row(base, f"{capital}_days_held")
        seeds_only = "total_low" in table and not pd.isna(held.get("total_low"))
        interval = (
            f"{'seed-only ' if seeds_only else ''}95 % interval "
            f"{fmt_number(held.diff_low, False, True)} to "
            f"{fmt_number(held.diff_high, False, True)}"
        )
        if _clear(held):
            more = "longer" if held["diff"] > 0 else "less"
            text = (
                f"the regime holds {capital} {abs(held['diff']):.1f} days {more} than in "
                f"{base} ({interval}; {held.value:.1f} days against {b.value:.1f})"
            )
        else:
            text = (
                f"no clear difference in the days the regime holds {capital} "
                f"({fmt_number(held['diff'], False, True)} days, {interval})"
            )
        changed = []
        for m in HEADLINE_STATES:
            r = row(s, m)
            if _clear(r):
                label = END_STATE_LABELS.get(m.split(":", 1)[1], m)
                changed.append(
                    f"{label} in {r.value:.0%} of runs ({base}: {row(base, m).value:.0%})"
                )
        if changed:
            text += "; end states: " + ", ".join(changed)
        else:
            top = max(HEADLINE_STATES, key=lambda m: row(s, m).value)
            label = END_STATE_LABELS.get(top.split(":", 1)[1], top)
            text += f"; the end states do not change clearly ({label} in {row(s, top).value:.0%} of runs)"
        if "total_low" in table and not pd.isna(held.total_low):
            holds = "holds" if posterior_holds(held) else "does not hold"
            text += (
                f"; over the posterior's parameter sets the days held differ by "
                f"{fmt_number(held.total_low, False, True)} to "
                f"{fmt_number(held.total_high, False, True)} (seeds and parameters), with the "
                f"sign of the mean in {_share(held)} of draws: the conclusion {holds} "
                f"in at least {ROBUST_SHARE:.0%} of draws (beyond its Monte Carlo error)"
            )
        out.append({"scenario": s, "text": text[0].upper() + text[1:] + "."})
    return out


def robust_conclusions(table: pd.DataFrame, horizon: int | None = None) -> list[str]:
    """The differences whose sign surely holds in ``ROBUST_SHARE`` of draws (``holds``)."""
    if "robust_share" not in table:
        return []
    out = []
    for _, r in table.iterrows():
        if pd.isna(r.robust_share) or not posterior_holds(r) or r["diff"] == 0:
            continue
        label, unit = measure_label(r.measure, horizon)
        pct = is_share(r.measure)
        out.append(
            f"{r.scenario}: {label} {fmt_number(r['diff'], pct, True)}"
            f"{'' if pct else ' ' + unit} (same sign in {_share(r)} of draws)"
        )
    return out


def _share(row) -> str:
    """A robust share with its Monte Carlo error: ``92 % ± 3 %`` (the error where recorded)."""
    se = row.get("share_se") if hasattr(row, "get") else None
    return f"{row['robust_share']:.0%}" + ("" if se is None or pd.isna(se) else f" ± {se:.0%}")
