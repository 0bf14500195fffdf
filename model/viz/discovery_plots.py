"""Scenario discovery's pictures: the coverage-density trade-off and the chosen box's pairs."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from model.viz import style  # noqa: F401  (sets the file-only backend)


def tradeoff_figure(doc: dict) -> Figure:
    """Per target, each step of PRIM's peeling: coverage against density, the chosen one marked."""
    targets = doc["targets"]
    fig = Figure(figsize=(6 * len(targets), 5.2), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(targets)))
    goal = doc["goal"]
    for ax, t in zip(axes, targets, strict=True):
        steps = t["trajectory"]
        if steps:
            cov = np.array([s["coverage"] for s in steps])
            den = np.array([s["density"] for s in steps])
            dims = np.array([s["res_dim"] for s in steps])
            sc = ax.scatter(cov, den, c=dims, cmap="viridis", s=28, zorder=3)
            fig.colorbar(sc, ax=ax, label="inputs restricted", shrink=0.8)
        c = t["chosen"]
        if c is not None:
            ax.scatter([c["coverage"]], [c["density"]], s=220, facecolors="none",
                       edgecolors="#c62828", linewidths=2, zorder=4, label="chosen box")  # fmt: skip
            ax.annotate(f"coverage {c['coverage']:.2f}\ndensity {c['density']:.2f}",
                        (c["coverage"], c["density"]), xytext=(-90, -40),
                        textcoords="offset points", fontsize=8,
                        arrowprops={"arrowstyle": "-", "color": "#c62828"})  # fmt: skip
        ax.axhline(goal, color="grey", ls=":", lw=1)
        ax.axvline(goal, color="grey", ls=":", lw=1, label=f"goal {goal:.0%} both")
        ax.axhline(t["of_interest"], color="#8d6e63", ls="--", lw=1,
                   label=f"density of all cases {t['of_interest']:.0%}")  # fmt: skip
        ax.set_xlim(0, 1.05)
        ax.set_ylim(0, 1.05)
        ax.set_xlabel("coverage: share of the cases of interest inside the box")
        ax.set_ylabel("density: share of the box's cases that are of interest")
        ax.set_title(f"{t['label'][0].upper() + t['label'][1:]}\n"
                     f"({t['cases_of_interest']} of {doc['cases']} cases)", fontsize=10)  # fmt: skip
        ax.legend(fontsize=8, loc="upper right")
        ax.grid(alpha=0.3)
    fig.suptitle(f"{doc['scenario']}: PRIM's coverage-density trade-off over "
                 f"{doc['cases']} cases", fontsize=11)  # fmt: skip
    return fig


def plot_tradeoff(doc: dict, path: Path) -> Path:
    """Draw ``tradeoff_figure`` into ``path`` (PNG)."""
    fig = tradeoff_figure(doc)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


PAIRS = 4  # inputs in the pair plot: a grid of more is too small to read


def pair_inputs(limits: list[dict]) -> list[str]:
    """The box's inputs to draw: those whose limits matter most (smallest quasi-p) first."""

    def qp(lim: dict) -> float:
        return min((q for q in (lim["qp_low"], lim["qp_high"]) if q is not None), default=1.0)

    return [lim["input"] for lim in sorted(limits, key=qp)[:PAIRS]]


def plot_pairs(box, step: int, limits: list[dict], label: str, path: Path) -> Path:
    """EMA Workbench's pair plot of the chosen box's inputs: cases of interest and its limits.

    Args:
        box: The ``PrimBox`` (``model.analysis.discovery.discover``'s ``box``).
        step: The chosen step of its trajectory.
        limits: The box's limits (``model.analysis.discovery.limits``), to pick the inputs.
        label: The outcome of interest, for the title.
        path: The PNG to write.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # seaborn's and pandas' FutureWarnings
        grid = box.show_pairs_scatter(step, dims=pair_inputs(limits), upper="scatter",
                                      lower="hist")  # fmt: skip
    grid.figure.suptitle(f"The chosen box (step {step}): {label}", y=1.01, fontsize=11)
    grid.figure.savefig(path, dpi=80, bbox_inches="tight")
    plt.close(grid.figure)
    return path
