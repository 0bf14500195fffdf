"""``sbc``: the calibration check of ``infer``, at the settings ``infer`` uses.

Simulation-based calibration (Talts et al. 2018) on the reference table: each case takes one
row of the table as the record (its run's days, the point dates a perfectly documented
history would give; an event it never produced dated on the horizon), leaves that row out,
and infers the parameters from the rest exactly as ``infer`` does (the same statistics,
scale, parts and accepted runs). The row's own parameter values are the truth. A calibrated
inference ranks the truth uniformly among the accepted values: the rank (the truth's place
among the n accepted values, ties broken and the place spread over its 1 / (n + 1) by seeded
uniforms, so that it is uniform on (0, 1)) has a uniform ECDF, and
the truth lies inside the central 50 % and 90 % intervals in 50 % and 90 % of the cases.

The ECDF bands are arviz's simultaneous 95 % bands for that many cases
(``arviz.stats.ecdf_utils.ecdf_confidence_band``, Säilynoja et al. 2022); the coverage
bands are the binomial 95 % intervals for that many cases. A parameter outside either is
named.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from model.studies import abc
from model.studies.infer import Settings
from model.studies.table import Table

DEFAULT_CASES = 200
LEVELS = (0.5, 0.9)
BAND = 0.95  # the bands' probability
TAG = 0x5342  # the cases' SeedSequence stream


def cases_of(table: Table, cases: int, seed: int) -> np.ndarray:
    """Table positions of the cases: a seeded draw without replacement."""
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), TAG]))
    return np.sort(rng.choice(len(table.rows), size=min(cases, len(table.rows)), replace=False))


def check(
    table: Table, ids: Sequence[str], settings: Settings, cases: int = DEFAULT_CASES
) -> pd.DataFrame:
    """One row per case and parameter: ``case, row, parameter, truth, rank, inside_<level>``."""
    stats = abc.Statistics.of(table, ids)
    cols = list(stats.columns)
    filled = table.filled()
    rng = np.random.default_rng(np.random.SeedSequence([int(settings.seed), TAG, 1]))
    rows = []
    for c, r in enumerate(cases_of(table, cases, settings.seed)):
        record = np.column_stack([filled[r, cols], filled[r, cols]])
        post = abc.infer(table, stats, record, settings.seeds, settings.ess, settings.scale,
                         exclude=int(r))  # fmt: skip
        tie, jitter = rng.random((2, len(table.ranges.names)))
        n = len(post.weights)
        for j, name in enumerate(table.ranges.names):
            x, w, t = post.values[:, j], post.weights, table.values[r, j]
            # the truth's place among the n accepted values (a tie: a uniform place among
            # the tied), spread uniformly over its 1 / (n + 1): uniform on (0, 1) if calibrated
            k = np.sum(x < t) + np.floor(tie[j] * (np.sum(x == t) + 1))
            rank = float((k + jitter[j]) / (n + 1))
            row = {"case": c, "row": int(table.rows[r]), "parameter": name, "truth": float(t),
                   "rank": rank, "sd_ratio": float(np.sqrt(np.cov(x, aweights=w)) /
                                                   table.ranges.sd[j])}  # fmt: skip
            for lv in LEVELS:
                row[f"inside_{lv:g}"] = bool((1 - lv) / 2 <= rank <= (1 + lv) / 2)
            rows.append(row)
    return pd.DataFrame(rows)


def bands(cases: int, points: int = 21) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Simultaneous ``BAND`` bands of a uniform rank ECDF over ``cases`` (arviz).

    Returns:
        The evaluation points, the band's lower and upper ECDF values.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # arviz announces its refactor
        from arviz.stats.ecdf_utils import ecdf_confidence_band

    x = np.linspace(0.0, 1.0, points)
    rng = np.random.default_rng(0)  # arviz simulates the optimised band; fixed, reproducible
    lo, hi = ecdf_confidence_band(cases, x, x, prob=BAND, method="optimized", rng=rng)
    return x, np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per parameter: coverage at each level with its binomial band, and the ECDF verdict."""
    from scipy.stats import binom

    n = int(table["case"].nunique())
    x, lo, hi = bands(n)
    out = []
    for name, t in table.groupby("parameter", sort=False):
        ranks = np.sort(t["rank"].to_numpy(float))
        ecdf = np.searchsorted(ranks, x, side="right") / len(ranks)
        row = {"parameter": name, "cases": n,
               "ecdf_inside_band": bool(np.all((ecdf >= lo - 1e-12) & (ecdf <= hi + 1e-12))),
               "sd_ratio": float(t["sd_ratio"].mean())}  # fmt: skip
        flags = []
        for lv in LEVELS:
            cov = float(t[f"inside_{lv:g}"].mean())
            a, b = (np.asarray(binom.interval(BAND, n, lv)) / n).tolist()
            row |= {f"covered_{lv:g}": cov, f"band_low_{lv:g}": a, f"band_high_{lv:g}": b}
            if not a <= cov <= b:
                flags.append(f"{lv:.0%} interval covers {cov:.0%}")
        if not row["ecdf_inside_band"]:
            flags.append("rank ECDF leaves its band")
        row["verdict"] = "; ".join(flags) or "calibrated"
        out.append(row)
    return pd.DataFrame(out)


def format_summary(s: pd.DataFrame) -> str:
    """The check per parameter for the terminal, the parameters outside their bands named."""
    n = int(s["cases"].iloc[0]) if len(s) else 0
    a50, b50 = s["band_low_0.5"].iloc[0], s["band_high_0.5"].iloc[0]
    a90, b90 = s["band_low_0.9"].iloc[0], s["band_high_0.9"].iloc[0]
    lines = [
        f"Calibration check: {n} cases; truth inside the central 50 % interval (binomial band "
        f"{a50:.0%}-{b50:.0%}) and 90 % interval ({a90:.0%}-{b90:.0%}); rank ECDF against its "
        f"simultaneous {BAND:.0%} band",
        f"{'parameter':<46s}{'50 %':>6s}{'90 %':>6s}  verdict",
    ]
    for r in s.to_dict(orient="records"):
        lines.append(f"{r['parameter']:<46s}{r['covered_0.5']:6.0%}{r['covered_0.9']:6.0%}  "
                     f"{r['verdict']}")  # fmt: skip
    pooled = {lv: float(s[f"covered_{lv:g}"].mean()) for lv in LEVELS}
    off = s[s["verdict"] != "calibrated"]
    lines.append(
        f"All parameters: {pooled[0.5]:.0%} inside the 50 % intervals, {pooled[0.9]:.0%} inside "
        f"the 90 % ones; outside their bands: "
        + (", ".join(off["parameter"]) if len(off) else "none")
    )
    return "\n".join(lines)
