"""``infer``: the posterior of the uncertain parameters given the calibration observations.

Rejection ABC on the reference table (``abc``): the statistics are the calibration
observations the model does not tie to one another by a fixed lag, each run's distance to
the documented record is the sum of its capped day distances over a bias-aware scale, and
the ``ess`` nearest runs of each of ``seeds`` disjoint parts of the table are accepted. The
effective sample size is therefore ``seeds x ess`` (at least 200 per part), the parts'
quantiles say how far the inference itself moves from one independent table to another,
and the accepted runs are the posterior. A posterior-predictive check per observation runs
the model again at resampled accepted values with fresh seeds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.analysis.ppc import ppc_table
from model.config.observations import Observation
from model.config.runs import DEFAULT_SEED
from model.config.schema import Scenario
from model.studies import abc
from model.studies.reference import run_rows
from model.studies.table import Table

PREDICTIVE_RUNS = 300  # posterior-predictive runs behind predictive.csv
PREDICTIVE_TAG = 0x5052  # their SeedSequence stream
AGREE = 0.1  # the parts' quantiles agree when within this share of the prior range


@dataclass(frozen=True)
class Settings:
    """What an inference is asked to do (recorded in ``posterior.json``)."""

    seeds: int = abc.SEEDS
    ess: int = abc.ESS
    scale: str = "rmsd"
    seed: int = DEFAULT_SEED
    predictive_runs: int = PREDICTIVE_RUNS


def calibration(observations: Sequence[Observation]) -> list[str]:
    """The ids of the calibration observations."""
    return [o.id for o in observations if o.role == "calibration"]


def posterior_of(table: Table, ids: Sequence[str], settings: Settings) -> abc.Posterior:
    """The posterior given the observations ``ids`` (their independent ones)."""
    stats = abc.Statistics.of(table, ids)
    return abc.infer(table, stats, seeds=settings.seeds, ess=settings.ess, kind=settings.scale)


def information(table: Table, columns: Sequence[int]) -> dict:
    """How many independent pieces of information the statistics carry over the table.

    The principal components of the statistics' days (standardised; never = the horizon):
    the first one's share of their variance, and how many it takes to reach 90 %.
    """
    x = table.filled()[:, list(columns)]
    sd = x.std(axis=0)
    x = (x[:, sd > 0] - x[:, sd > 0].mean(axis=0)) / sd[sd > 0]
    if x.shape[1] == 0:
        return {"first_component_share": None, "components_for_90": 0}
    s = np.linalg.svd(x, full_matrices=False, compute_uv=False) ** 2
    share = s / s.sum()
    return {
        "statistics": int(x.shape[1]),
        "first_component_share": float(share[0]),
        "components_for_90": int(np.searchsorted(np.cumsum(share), 0.9) + 1),
    }


def resample(post: abc.Posterior, n: int, seed: int) -> np.ndarray:
    """Indices of ``n`` accepted runs drawn by weight (a seeded weighted resample)."""
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), PREDICTIVE_TAG]))
    return rng.choice(len(post.weights), size=n, replace=True, p=post.weights)


def predictive_days(
    sc: Scenario, observations: Sequence[Observation], values: np.ndarray, seed: int, executor
) -> np.ndarray:
    """One run per row of ``values``, seeds spawned from ``seed``: the days (NaN: never)."""
    ss = np.random.SeedSequence([int(seed), PREDICTIVE_TAG, 1])
    seeds = [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in ss.spawn(len(values))]  # fmt: skip
    days, _, _ = run_rows(sc, observations, values, seeds, executor)
    out = days.astype(float)
    out[out < 0] = np.nan
    return out


def predictive_table(
    observations: Sequence[Observation], days: np.ndarray, start: dt.date, horizon: int
) -> pd.DataFrame:
    """``predictive.csv``: per observation the predictive spread of its day and its check.

    A run that never produced the event counts as the horizon (it did not happen by then).
    ``inside_50`` / ``inside_90``: the central 50 % / 90 % predictive interval overlaps the
    documented date or range; ``inside``: the share of runs inside it; ``pit``: the
    mid-point PIT of the documented date (``analysis.ppc``).
    """
    rows = []
    d = np.where(np.isnan(days), float(horizon), days)
    for i, o in enumerate(observations):
        _, lo, hi = o.day_range(start)
        q = np.percentile(d[:, i], [5, 25, 50, 75, 95])
        rows.append({
            "observation": o.id, "role": o.role, "documented_low": lo, "documented_high": hi,
            "median": q[2], "p05": q[0], "p25": q[1], "p75": q[3], "p95": q[4],
            "inside_50": bool(q[1] <= hi and q[3] >= lo),
            "inside_90": bool(q[0] <= hi and q[4] >= lo),
            "share_produced": float(np.mean(~np.isnan(days[:, i]))),
        })  # fmt: skip
    t = pd.DataFrame(rows)
    check = ppc_table(observations, days, start, horizon)
    for col in ("inside", "within_one_day", "pit", "reached", "verdict"):
        t[col] = check[col].to_numpy()
    return t


def coverage(pred: pd.DataFrame) -> dict:
    """Share of observations inside the 50 % and 90 % predictive intervals, per role."""
    out = {}
    for role in ("calibration", "held_out"):
        t = pred[pred["role"] == role]
        out[role] = {
            "observations": int(len(t)),
            "inside_50": float(t["inside_50"].mean()) if len(t) else None,
            "inside_90": float(t["inside_90"].mean()) if len(t) else None,
            "cannot_reach": list(t.loc[t["verdict"] == "cannot reach", "observation"]),
        }
    return out


def format_spread(spread: pd.DataFrame) -> str:
    """Which parameters the dates constrain, and how far the parts (seeds) agree on them."""
    lines = [
        f"{'parameter':<44s}{'prior':>14s}{'posterior 5-95 %':>20s}{'sd ratio':>9s}"
        "  5 / 50 / 95 % in each part of the table (seeds)"
    ]
    for r in spread.sort_values("sd_ratio").itertuples():
        verdict = "constrained" if r.sd_ratio < abc.CONSTRAINED else "near its prior"
        seeds = "  ".join(
            f"{a:.3g}/{b:.3g}/{c:.3g}"
            for a, b, c in zip(r.seeds_p05, r.seeds_p50, r.seeds_p95, strict=True)
        )
        lines.append(
            f"{r.parameter:<44s}{f'[{r.prior_low:g}, {r.prior_high:g}]':>14s}"
            f"{f'[{r.posterior_p05:.3g}, {r.posterior_p95:.3g}]':>20s}{r.sd_ratio:9.2f}"
            f"  {verdict}" + (f": {seeds}" if r.sd_ratio < abc.CONSTRAINED else "")
        )
    tight = spread[spread["sd_ratio"] < abc.CONSTRAINED]
    worst = float(tight["seed_spread"].max()) if len(tight) else 0.0
    lines.append(
        f"sd ratio: posterior sd / prior sd; below {abc.CONSTRAINED} the dates constrain the "
        f"parameter. Across the parts, the constrained parameters' quantiles differ by at most "
        f"{worst:.0%} of their prior range ({'within' if worst <= AGREE else 'beyond'} "
        f"{AGREE:.0%})."
    )
    return "\n".join(lines)


def format_statistics(post: abc.Posterior) -> str:
    """The statistics used, those set aside as linked, each one's weight in the distance."""
    stats = post.statistics
    share = np.mean([f.share for f in post.fits], axis=0)
    decides = np.mean([f.decides for f in post.fits], axis=0)
    lines = [f"Statistics: {len(stats.ids)} observations; each one's share of the accepted runs' "
             "distance, and of what separates the runs (covariance with the distance):"]  # fmt: skip
    for i, s, d in sorted(zip(stats.ids, share, decides, strict=True), key=lambda t: -t[2]):
        lines.append(f"  {i:<40s}{s:6.1%}{d:8.1%}")
    for i, link in stats.linked.items():
        lines.append(f"  set aside: {i} {link.describe()}")
    return "\n".join(lines)


def seed_agreement(spread: pd.DataFrame) -> dict:
    """How far the parts' quantiles of the constrained parameters differ (share of the range)."""
    tight = spread[spread["sd_ratio"] < abc.CONSTRAINED]
    worst = float(tight["seed_spread"].max()) if len(tight) else 0.0
    return {
        "constrained": list(tight["parameter"]),
        "largest_difference_share_of_prior_range": worst,
        "agree_within": AGREE,
        "agree": bool(worst <= AGREE),
    }
