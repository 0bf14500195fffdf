"""Paired differences over the posterior: seed-only and total intervals, robust share, ranking.

With ``--posterior``, run ``i`` of every scenario uses posterior draw ``g(i)`` and seed ``i``;
each draw is run with ``K`` seeds. The paired difference ``d_i`` (other minus base) then
varies with the seed and with the parameters. With ``m_g`` the mean of draw ``g``'s ``K``
differences, ``G`` draws and ``N = G K`` runs:

- seed-only interval: ``mean ± z sqrt(w / N)``, with ``w`` the mean over draws of the sample
  variance of their ``K`` differences: the random draws at fixed parameters, what the tool
  reported before (it shrinks as runs are added);
- total interval: the central 95 % of the per-draw means ``m_g``: where the effect lies
  across the parameter sets the posterior leaves open, plus the seed noise of ``K`` runs
  (it does not shrink with more draws). Percentiles rather than a normal interval: the
  effects are skewed (``russia_stays`` adds 0 to 20 days depending on the draw, never less);
- ``p_pos``, ``p_zero``, ``p_neg``: the shares of draws whose mean difference ``m_g`` is
  above, exactly at and below zero (a draw with no effect in any of its seeds is none of
  "for" or "against"), each with its Monte Carlo standard error ``sqrt(p (1 - p) / n)``,
  where ``n`` is the draws' effective number: ``G`` draws resampled from a posterior whose
  own effective sample size is ``E`` carry ``1 / (1 / G + 1 / E)`` independent ones (the
  resample's noise and the posterior's own);
- ``robust_share``: the share with the sign of the overall mean (``p_pos`` or ``p_neg``; 0
  when the mean is 0), and ``robust_low``, the lower end of its 95 % Wilson interval over
  those ``n``: a conclusion *holds* only when ``robust_low`` clears ``ROBUST`` (with 24
  effective draws, 89 % against 90 % is noise, and so is 24 of 24: its lower end is 86 %).

With ``K = 1`` seed and parameter variation cannot be told apart: the seed-only interval
then treats all variation as seed noise (as ``compare`` does without a posterior) and the
total interval and robust share read single runs, the cautious reading; use ``K >= 2``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from model.analysis.stats import Z95

ROBUST = 0.9  # a conclusion "holds" when its sign's share of draws surely clears this


def _normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def per_draw(diffs: np.ndarray, draw_ids: Sequence[int]) -> tuple[np.ndarray, np.ndarray, int]:
    """Per draw (consecutive runs with one draw number): mean, sample variance, and K."""
    d = np.asarray(diffs, dtype=float)
    ids = np.asarray(draw_ids)
    if d.shape != ids.shape:
        raise ValueError("one draw id per difference")
    # consecutive runs share a draw (posterior.draw_ids); group by block, not by particle id,
    # since one particle may be drawn twice
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    groups = np.split(d, starts[1:])
    k = min(len(g) for g in groups)
    means = np.array([g.mean() for g in groups])
    var = np.array([g.var(ddof=1) if len(g) > 1 else np.nan for g in groups])
    return means, var, k


def total_interval(
    diffs: np.ndarray, draw_ids: Sequence[int], z: float = Z95, ess: float | None = None
) -> dict[str, float]:
    """Mean paired difference with its seed-only and total intervals and robust share.

    Args:
        diffs: Per run, the paired difference (other minus base), in run order.
        draw_ids: Per run, the number of the draw it belongs to (``run // seeds_per_draw``),
            not the particle: a particle drawn twice in a row is two draws.
        z: The normal quantile of the intervals (95 %).
        ess: The posterior's effective sample size (None: the draws count as independent).

    Returns:
        ``diff, seed_low, seed_high, total_low, total_high, p_pos, p_zero, p_neg`` and their
        ``_se``, ``robust_share, robust_low, draws, effective_draws, seeds_per_draw``.
    """
    d = np.asarray(diffs, dtype=float)
    means, var, k = per_draw(d, draw_ids)
    n, g = len(d), len(means)
    mean = float(d.mean()) if n else math.nan
    within = float(np.nanmean(var)) if k > 1 else (float(d.var(ddof=1)) if n > 1 else math.nan)
    seed_half = z * math.sqrt(within / n) if n > 1 else math.nan
    q = 100 * (1 - 2 * (1 - _normal_cdf(z)))  # the level z stands for (95 % for Z95)
    lo, hi = np.percentile(means, [50 - q / 2, 50 + q / 2]) if g > 1 else (math.nan, math.nan)
    sign = np.sign(mean) if n else 0.0
    neff = g if ess is None else 1.0 / (1.0 / g + 1.0 / max(float(ess), 1e-9))
    shares = {f"p_{k_}": float(np.mean(f(means))) for k_, f in
              (("pos", lambda m: m > 0), ("zero", lambda m: m == 0), ("neg", lambda m: m < 0))}  # fmt: skip
    robust = shares["p_pos"] if sign > 0 else shares["p_neg"] if sign < 0 else 0.0
    return {
        "diff": mean,
        "seed_low": mean - seed_half,
        "seed_high": mean + seed_half,
        "total_low": float(lo),
        "total_high": float(hi),
        **shares,
        **{f"{k_}_se": float(math.sqrt(v * (1 - v) / neff)) for k_, v in shares.items()},
        "robust_share": robust,
        "robust_low": wilson_low(robust, neff, z),
        "draws": int(g),
        "effective_draws": float(neff),
        "seeds_per_draw": int(k),
    }


def wilson_low(p: float, n: float, z: float = Z95) -> float:
    """The lower end of the Wilson score interval of a share ``p`` over ``n`` (effective) draws."""
    if n <= 0:
        return 0.0
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return float(max((centre - half) / (1 + z * z / n), 0.0))


def holds(row) -> bool:
    """Whether a difference's sign holds: the lower end of its robust share clears ``ROBUST``."""
    low = row.get("robust_low", row.get("robust_share"))
    return bool(low is not None and not pd.isna(low) and low >= ROBUST)


def total_intervals(
    paired_differences: pd.DataFrame,
    draw_ids: Sequence[int],
    z: float = Z95,
    ess: float | None = None,
) -> pd.DataFrame:
    """``total_interval`` for every column (scenario or measure) of a runs x columns table.

    Args:
        paired_differences: One row per run (run order), one column per scenario-measure
            difference from the base (e.g. ``"russia_stays:Damascus_days_held"``).
        draw_ids: Per run, the number of the draw it belongs to (``run // seeds_per_draw``).
        z: The normal quantile of the intervals (95 %).
        ess: The posterior's effective sample size.

    Returns:
        One row per column: ``name`` and the fields of ``total_interval``, plus
        ``holds`` (``robust_low >= ROBUST``).
    """
    rows = []
    for name in paired_differences.columns:
        r = total_interval(paired_differences[name].to_numpy(float), draw_ids, z, ess)
        rows.append({"name": name, **r, "holds": holds(r)})
    return pd.DataFrame(rows)


def rank_shares(
    effects: pd.DataFrame, draw_ids: Sequence[int], descending: bool = True
) -> pd.DataFrame:
    """How often each scenario's effect ranks first, second... across posterior draws.

    Args:
        effects: One row per run, one column per scenario: its paired difference from the
            base on one measure.
        draw_ids: Per run, the number of the draw it belongs to (``run // seeds_per_draw``).
        descending: Rank the largest effect first.

    Returns:
        Scenario x rank (1 = largest effect) table of shares of draws, with ``mean_rank``.
    """
    cols = list(effects.columns)
    means = np.column_stack([per_draw(effects[c].to_numpy(float), draw_ids)[0] for c in cols])
    order = np.argsort(-means if descending else means, axis=1, kind="stable")
    ranks = np.empty_like(order)
    rows = np.arange(len(means))[:, None]
    ranks[rows, order] = np.arange(1, len(cols) + 1)[None, :]
    table = pd.DataFrame(
        {r: (ranks == r).mean(axis=0) for r in range(1, len(cols) + 1)}, index=cols
    )
    table["mean_rank"] = ranks.mean(axis=0)
    return table.sort_values("mean_rank")
