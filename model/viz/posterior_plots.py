"""Plots of ``infer`` and ``hindcast``: posterior marginals and pairs, the hindcast fan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, never a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

PRIOR_COLOUR = "#999999"
POSTERIOR_COLOUR = "#1f77b4"
PAIRS = 3  # pairs of the most constrained parameters drawn under the marginals


def _short(name: str) -> str:
    return name.replace("actors.", "").replace("combat.", "combat ")


def plot_posterior(table: pd.DataFrame, spread: pd.DataFrame, title: str, path: Path) -> Path:
    """Prior and posterior marginals of every parameter; pairs of the most constrained.

    Args:
        table: ``posterior.csv`` (one row per particle, each parameter and ``weight``).
        spread: ``Posterior.spread()`` (prior range and sd ratio per parameter).
        title: The figure title.
        path: The PNG to write.
    """
    names = list(spread["parameter"])
    cols = 5
    rows = -(-len(names) // cols)
    fig = plt.figure(figsize=(3.2 * cols, 2.6 * (rows + 1) + 0.6))
    grid = fig.add_gridspec(rows + 1, cols)
    w = table["weight"].to_numpy(float)
    for i, r in enumerate(spread.itertuples()):
        ax = fig.add_subplot(grid[i // cols, i % cols])
        x = table[r.parameter].to_numpy(float)
        bins = np.linspace(r.prior_low, r.prior_high, 16)
        ax.hist(x, bins=bins, weights=w, density=True, color=POSTERIOR_COLOUR, alpha=0.7)
        ax.axhline(1.0 / (r.prior_high - r.prior_low), color=PRIOR_COLOUR, ls="--", lw=1.5)
        ax.set_title(f"{_short(r.parameter)}\nsd ratio {r.sd_ratio:.2f}", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_yticks([])
    ranked = spread.sort_values("sd_ratio")["parameter"].tolist()[: PAIRS + 1]
    pairs = [(ranked[a], ranked[b]) for a in range(len(ranked)) for b in range(a + 1, len(ranked))]
    lim = {r.parameter: (r.prior_low, r.prior_high) for r in spread.itertuples()}
    for k, (a, b) in enumerate(pairs[:cols]):
        ax = fig.add_subplot(grid[rows, k])
        ax.scatter(table[a], table[b], s=4 + 400 * w, alpha=0.4, color=POSTERIOR_COLOUR)
        ax.set_xlim(*lim[a])
        ax.set_ylim(*lim[b])
        ax.set_xlabel(_short(a), fontsize=7)
        ax.set_ylabel(_short(b), fontsize=7)
        ax.tick_params(labelsize=7)
    fig.suptitle(
        f"{title}\nbars: posterior (weighted particles); dashed: uniform prior; "
        "bottom row: pairs of the most constrained parameters",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_hindcast(
    fans: Sequence[tuple[str, np.ndarray]],
    documented: tuple[int, int],
    start: dt.date,
    horizon: int,
    title: str,
    path: Path,
) -> Path:
    """The forecast of one event's day as seen from each origin, a fan with the record marked.

    Args:
        fans: ``(origin label, forecast days)`` per origin; a day at the horizon means the
            event had not happened by then.
        documented: The documented (earliest, latest) day.
        start: Day 0.
        horizon: The last simulated day.
        title: The figure title.
        path: The PNG to write.
    """
    fig, ax = plt.subplots(figsize=(9, 1.0 * len(fans) + 2.2))
    levels = ((5, 95, 0.18), (25, 75, 0.35))
    for k, (_label, days) in enumerate(fans):
        y = len(fans) - 1 - k
        for lo, hi, alpha in levels:
            a, b = np.percentile(days, [lo, hi])
            ax.fill_betweenx([y - 0.3, y + 0.3], a, b, color=POSTERIOR_COLOUR, alpha=alpha, lw=0)
        ax.plot([np.median(days)] * 2, [y - 0.3, y + 0.3], color=POSTERIOR_COLOUR, lw=2)
        ax.text(horizon + 0.3, y, f"{np.mean(days >= horizon):.0%} not by day {horizon}",
                va="center", fontsize=7)  # fmt: skip
    ax.axvspan(documented[0] - 0.5, documented[1] + 0.5, color="#d95f02", alpha=0.25,
               label="documented")  # fmt: skip
    ax.set_yticks(range(len(fans)), [f for f, _ in reversed(fans)])
    ticks = list(range(0, horizon + 1, 3))
    ax.set_xticks(ticks, [(start + dt.timedelta(days=d)).strftime("%d %b") for d in ticks],
                  fontsize=7)  # fmt: skip
    ax.set_xlim(0, horizon + 6)
    ax.set_ylabel("forecast made on")
    ax.set_xlabel("day of the event (median line; bands 50 % and 90 %)")
    ax.set_title(title, fontsize=9)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_sbc(
    cases: pd.DataFrame, summary: pd.DataFrame, band: tuple, title: str, path: Path
) -> Path:
    """The calibration check per parameter: rank ECDF minus uniform, in its simultaneous band.

    Args:
        cases: One row per case and parameter, with its ``rank`` (``studies.sbc.check``).
        summary: Per parameter its coverage and verdict (``studies.sbc.summary``).
        band: The evaluation points and the band's lower and upper ECDF values.
        title: The figure title.
        path: The PNG to write.
    """
    x, lo, hi = (np.asarray(a, dtype=float) for a in band)
    names = list(summary["parameter"])
    cols = 6
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(13, 1.55 * rows + 0.8), sharex=True,
                             sharey=True, squeeze=False)  # fmt: skip
    verdicts = summary.set_index("parameter")
    for k, ax in enumerate(axes.flat):
        if k >= len(names):
            ax.axis("off")
            continue
        name = names[k]
        ranks = np.sort(cases.loc[cases["parameter"] == name, "rank"].to_numpy(float))
        ecdf = np.searchsorted(ranks, x, side="right") / max(len(ranks), 1)
        ok = verdicts.loc[name, "verdict"] == "calibrated"
        ax.fill_between(x, lo - x, hi - x, color="#bbbbbb", alpha=0.6, lw=0)
        ax.axhline(0, color="black", lw=0.6)
        ax.plot(x, ecdf - x, color=POSTERIOR_COLOUR if ok else "#d95f02", lw=1.4)
        r = verdicts.loc[name]
        ax.set_title(f"{_short(name)}\n50 %: {r['covered_0.5']:.0%}  90 %: {r['covered_0.9']:.0%}",
                     fontsize=6.5, color="black" if ok else "#d95f02")  # fmt: skip
        ax.tick_params(labelsize=6)
    fig.supxlabel("rank of the truth among the accepted values", fontsize=8)
    fig.supylabel("rank ECDF minus uniform (grey: simultaneous 95 % band)", fontsize=8)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
