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
- ``robust_share``: the share of draws whose mean difference ``m_g`` has the sign of the
  overall mean (0 when the mean is 0).

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

ROBUST = 0.9  # a conclusion "holds" when its sign is the same in at least this share of draws


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


def total_interval(diffs: np.ndarray, draw_ids: Sequence[int], z: float = Z95) -> dict[str, float]:
    """Mean paired difference with its seed-only and total intervals and robust share.

    Args:
        diffs: Per run, the paired difference (other minus base), in run order.
        draw_ids: Per run, the number of the draw it belongs to (``run // seeds_per_draw``),
            not the particle: a particle drawn twice in a row is two draws.
        z: The normal quantile of the intervals (95 %).

    Returns:
        ``diff, seed_low, seed_high, total_low, total_high, robust_share, draws,
        seeds_per_draw``.
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
    robust = float(np.mean(np.sign(means) == sign)) if sign != 0 else 0.0
    return {
        "diff": mean,
        "seed_low": mean - seed_half,
        "seed_high": mean + seed_half,
        "total_low": float(lo),
        "total_high": float(hi),
        "robust_share": robust,
        "draws": int(g),
        "seeds_per_draw": int(k),
    }


def total_intervals(
    paired_differences: pd.DataFrame, draw_ids: Sequence[int], z: float = Z95
) -> pd.DataFrame:
    """``total_interval`` for every column (scenario or measure) of a runs x columns table.

    Args:
        paired_differences: One row per run (run order), one column per scenario-measure
            difference from the base (e.g. ``"russia_stays:Damascus_days_held"``).
        draw_ids: Per run, the number of the draw it belongs to (``run // seeds_per_draw``).
        z: The normal quantile of the intervals (95 %).

    Returns:
        One row per column: ``name`` and the fields of ``total_interval``, plus
        ``holds`` (``robust_share >= ROBUST``).
    """
    rows = []
    for name in paired_differences.columns:
        r = total_interval(paired_differences[name].to_numpy(float), draw_ids, z)
        rows.append({"name": name, **r, "holds": bool(r["robust_share"] >= ROBUST)})
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
