"""Rejection ABC on the reference table: statistics, a bias-aware scale, a stop rule on ESS.

The statistics are the days of the documented observations, less those the model ties to
another by a fixed lag (``analysis.dependence.independent``: the relay to Turkey is the
appeal plus ``relay_lag_days``; the answer to Russia's offer falls on the offer's day), so
no fact counts twice. Per statistic, the distance of a run to the record is the days from
its day to the documented date or range (0 inside), capped at ``CAP_DAYS``, divided by a
scale; the run's distance is their sum.

The scale is pyabc's root mean square deviation of the statistic over the table's runs from
the documented date (``pyabc.distance.scale.rmsd``: the square root of the spread squared
plus the bias squared). Scaled by the spread alone, an observation the model always misses
by about the same days (a small spread, a large bias) weighed most, and its day-to-day
noise decided which runs were kept (``Fit.decides``). With the bias in the scale, a miss
nobody can move weighs like a spread of its size, and the observations the parameters do
move decide.

Rejection: the runs nearest the record are accepted, as many as ``ess`` (ties at the last
distance all kept), so the effective sample size is at least ``ess`` by construction, every
accepted run weighing the same. Repeated on ``seeds`` disjoint parts of the table (each an
independent reference table), the spread of the parts' quantiles is the inference's own
Monte Carlo error; the posterior is the parts' accepted runs together.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.analysis.dependence import Link, independent
from model.studies.table import Table

CAP_DAYS = 10.0  # a run without the event, or one further off, counts as this many days
MIN_SCALE = 0.5  # days: a statistic every run hits on one day does not get infinite weight
ESS = 200  # accepted runs per part: the effective sample size of each repetition
SEEDS = 3  # disjoint parts of the table: independent repetitions of the inference
CONSTRAINED = 0.75  # posterior sd / prior sd below this: the dates constrain the parameter
SCALES = ("rmsd", "sd", "pcmad")


def ranges_of(observations, start) -> np.ndarray:
    """Observations x 2 array of the documented (earliest, latest) day."""
    return np.array([o.day_range(start)[1:] for o in observations], dtype=float).reshape(-1, 2)


def capped(days: np.ndarray, ranges: np.ndarray, cap: float = CAP_DAYS) -> np.ndarray:
    """Capped day distances of ``days`` (runs x statistics, never = horizon) to ``ranges``."""
    d = np.maximum(np.maximum(ranges[:, 0] - days, 0.0), days - ranges[:, 1])
    return np.minimum(d, cap)


def scales(days: np.ndarray, ranges: np.ndarray, kind: str = "rmsd") -> np.ndarray:
    """Each statistic's scale over the runs ``days`` (see the module docstring).

    Args:
        days: Runs x statistics (never: the horizon); clipped to the capped window around
            the documented range first, so that a run without the event is the cap away.
        ranges: The documented (earliest, latest) day per statistic.
        kind: ``rmsd`` (spread and bias, the default), ``sd`` (spread alone, what the
            inference used before) or ``pcmad`` (pyabc's median absolute deviations to the
            samples' median and to the observation).
    """
    from pyabc.distance import scale as pyabc_scale

    logging.getLogger("ABC.Distance").setLevel(logging.ERROR)  # per-statistic bias notes
    x = np.clip(days, ranges[:, 0] - CAP_DAYS, ranges[:, 1] + CAP_DAYS)
    s0 = ranges.mean(axis=1)
    ids = [str(i) for i in range(x.shape[1])]
    if kind == "sd":
        s = x.std(axis=0)
    elif kind == "rmsd":
        s = pyabc_scale.rmsd(samples=x, s0=s0, s_ids=ids)
    elif kind == "pcmad":
        s = pyabc_scale.pcmad(samples=x, s0=s0, s_ids=ids)
    else:
        raise ValueError(f"unknown scale {kind!r}; valid: {', '.join(SCALES)}")
    return np.maximum(np.asarray(s, dtype=float), MIN_SCALE)


@dataclass(frozen=True)
class Statistics:
    """The observations a distance uses, and those set aside as linked to one of them.

    Attributes:
        columns: Table columns used.
        ids: Their observation ids.
        linked: Per observation set aside, its link to one used.
    """

    columns: tuple[int, ...]
    ids: tuple[str, ...]
    linked: dict[str, Link]

    @classmethod
    def of(cls, table: Table, ids: Sequence[str]) -> Statistics:
        """The independent ones of ``ids``, measured on ``table``'s runs."""
        cols = [int(c) for c in table.columns(ids)]
        kept, dropped = independent(table.days, table.observations, cols, table.start)
        return cls(
            tuple(kept),
            tuple(table.ids[c] for c in kept),
            {table.ids[c]: link for c, link in dropped.items()},
        )


@dataclass
class Fit:
    """One rejection: the runs accepted from one table (part) for one record.

    Attributes:
        rows: Positions (in the table given) of the accepted runs.
        distance: Their distances.
        epsilon: The largest distance accepted.
        scales: Each statistic's scale.
        share: Each statistic's mean share of the accepted runs' distance (a statistic no
            run reaches keeps its share however little it weighs).
        decides: Each statistic's share of what separates the candidate runs: its
            covariance with their distance over the distance's variance (summing to 1). A
            scale that rewards misfit lets a statistic the parameters cannot move decide.
        candidates: Runs the rejection chose from.
    """

    rows: np.ndarray
    distance: np.ndarray
    epsilon: float
    scales: np.ndarray
    share: np.ndarray
    decides: np.ndarray
    candidates: int


def reject(
    days: np.ndarray,
    ranges: np.ndarray,
    ess: int = ESS,
    kind: str = "rmsd",
    allowed: np.ndarray | None = None,
) -> Fit:
    """Accept the ``ess`` runs nearest the record (ties at the last distance kept).

    Args:
        days: Runs x statistics (never: the horizon).
        ranges: The record: documented (earliest, latest) day per statistic.
        ess: Runs to accept (at least).
        kind: The scale (``scales``).
        allowed: Runs that may be accepted (a hindcast's runs consistent with its origin);
            the scales are measured over them.
    """
    pool = np.arange(len(days)) if allowed is None else np.flatnonzero(allowed)
    if len(pool) == 0:
        raise ValueError("no run to accept")
    x = days[pool]
    sc = scales(x, ranges, kind) if ranges.shape[0] else np.zeros(0)
    per = capped(x, ranges) / sc if ranges.shape[0] else np.zeros((len(x), 0))
    dist = per.sum(axis=1)
    k = min(ess, len(dist))
    eps = float(np.partition(dist, k - 1)[k - 1])
    keep = dist <= eps
    total = per[keep].sum(axis=1, keepdims=True)
    share = (per[keep] / np.where(total > 0, total, np.inf)).mean(axis=0)
    centred = dist - dist.mean()
    var = float(np.mean(centred**2))
    decides = (per - per.mean(axis=0)).T @ centred / (len(dist) * var) if var > 0 else share * 0
    return Fit(pool[keep], dist[keep], eps, sc, share, decides, len(pool))


@dataclass
class Posterior:
    """The accepted runs of every part together, with each part's own.

    Attributes:
        names: Parameters.
        low: Their priors' lower ends.
        high: Upper ends.
        prior_sd: The priors' standard deviations.
        values: Accepted runs x parameters.
        weights: One per accepted run (each part weighs ``1 / seeds``), summing to 1.
        part: Which part each accepted run came from.
        rows: Their table row numbers.
        distance: Their distances.
        fits: Each part's rejection.
        statistics: The statistics used.
    """

    names: tuple[str, ...]
    low: np.ndarray
    high: np.ndarray
    prior_sd: np.ndarray
    values: np.ndarray
    weights: np.ndarray
    part: np.ndarray
    rows: np.ndarray
    distance: np.ndarray
    fits: list[Fit]
    statistics: Statistics

    @property
    def ess(self) -> float:
        """Effective sample size of the weights."""
        return float(self.weights.sum() ** 2 / np.sum(self.weights**2))

    def table(self) -> pd.DataFrame:
        """``posterior.csv``: one row per accepted run; parameters, weight, distance, part, row."""
        t = pd.DataFrame(self.values, columns=list(self.names))
        t.insert(0, "particle", np.arange(len(t)))
        t["weight"] = self.weights
        t["distance"] = self.distance
        t["part"] = self.part
        t["row"] = self.rows
        return t

    def spread(self) -> pd.DataFrame:
        """Per parameter: prior, posterior mean, sd, 5/50/95 %, sd ratio, per-part quantiles."""
        rows = []
        for j, name in enumerate(self.names):
            x, w = self.values[:, j], self.weights
            mean = float(np.sum(w * x))
            sd = float(np.sqrt(np.sum(w * (x - mean) ** 2)))
            q = [weighted_quantile(x, w, p) for p in (0.05, 0.5, 0.95)]
            per = np.array([[weighted_quantile(x[self.part == k], w[self.part == k], p)
                             for p in (0.05, 0.5, 0.95)] for k in np.unique(self.part)])  # fmt: skip
            width = float(self.high[j] - self.low[j])
            spread = per.max(axis=0) - per.min(axis=0)
            rows.append({
                "parameter": name, "prior_low": float(self.low[j]),
                "prior_high": float(self.high[j]), "prior_sd": float(self.prior_sd[j]),
                "posterior_mean": mean, "posterior_sd": sd, "posterior_p05": q[0],
                "posterior_p50": q[1], "posterior_p95": q[2],
                "sd_ratio": sd / float(self.prior_sd[j]),
                "seeds_p05": per[:, 0].tolist(), "seeds_p50": per[:, 1].tolist(),
                "seeds_p95": per[:, 2].tolist(),
                "seed_spread": float(spread.max() / width) if width > 0 else 0.0,
            })  # fmt: skip
        return pd.DataFrame(rows)


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    """The ``q`` quantile of ``x`` with weights ``w`` (the first value reaching it)."""
    order = np.argsort(x, kind="stable")
    cw = np.cumsum(w[order])
    return float(x[order][min(np.searchsorted(cw, q * cw[-1]), len(x) - 1)])


def infer(
    table: Table,
    stats: Statistics,
    ranges: np.ndarray | None = None,
    seeds: int = SEEDS,
    ess: int = ESS,
    kind: str = "rmsd",
    exclude: int | None = None,
    allowed: np.ndarray | None = None,
) -> Posterior:
    """The posterior from ``seeds`` disjoint parts of ``table``, ``ess`` runs accepted in each.

    Args:
        table: The reference table.
        stats: The statistics (``Statistics.of``).
        ranges: The record, per statistic (default: the documented observations').
        seeds: Parts of the table (independent repetitions).
        ess: Runs accepted per part.
        kind: The scale.
        exclude: A table position left out (the calibration check's pseudo-observed run).
        allowed: Table positions that may be accepted (default: all).
    """
    cols = list(stats.columns)
    if ranges is None:
        ranges = ranges_of([table.observations[c] for c in cols], table.start)
    days = table.filled()[:, cols]
    mask = np.ones(len(days), dtype=bool) if allowed is None else allowed.copy()
    if exclude is not None:
        mask[exclude] = False
    fits, picks, parts = [], [], []
    for k, part in enumerate(table.parts(seeds)):
        where = np.flatnonzero(part)
        fit = reject(days[where], ranges, ess, kind, mask[where])
        fit.rows = where[fit.rows]
        fits.append(fit)
        picks.append(fit.rows)
        parts.append(np.full(len(fit.rows), k))
    pos = np.concatenate(picks)
    part = np.concatenate(parts)
    w = np.concatenate([np.full(len(p), 1.0 / (len(p) * seeds)) for p in picks])
    r = table.ranges
    return Posterior(r.names, r.low, r.high, r.sd, table.values[pos], w / w.sum(), part,
                     table.rows[pos], np.concatenate([f.distance for f in fits]), fits,
                     stats)  # fmt: skip
