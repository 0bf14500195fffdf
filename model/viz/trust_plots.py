"""Plots of the trust commands: validation against documented dates, sensitivity indices."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, never a window

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

ROLE_COLOURS = {"calibration": "#1f77b4", "held_out": "#d95f02"}
ROLE_LABELS = {"calibration": "calibration", "held_out": "held out"}


def plot_validation(table: pd.DataFrame, start: dt.date, subtitle: str, path: Path) -> Path:
    """Documented dates (or ranges) against simulated 5-95 % intervals and medians.

    Args:
        table: The ``validate.score`` table.
        start: Day 0.
        subtitle: Scenario and ensemble size, for the title.
        path: The PNG to write.
    """

    def to_date(day: float) -> dt.datetime:
        return dt.datetime.combine(start, dt.time()) + dt.timedelta(days=float(day))

    n = len(table)
    fig, ax = plt.subplots(figsize=(10, 0.45 * n + 2.8))
    for k, r in enumerate(table.itertuples()):
        y = n - 1 - k
        # a documented day covers the whole calendar day: draw it from its start to its end
        ax.barh(
            y,
            width=(r.doc_hi - r.doc_lo + 1),
            left=mdates.date2num(to_date(r.doc_lo - 0.5)),
            height=0.6,
            color="#bbbbbb",
            edgecolor="#777777",
        )
        ax.plot(to_date(r.doc_day), y, marker="|", color="black", markersize=14)
        colour = ROLE_COLOURS[r.role]
        if not np.isnan(r.median):
            ax.plot([to_date(r.p05), to_date(r.p95)], [y, y], color=colour, linewidth=2.5)
            ax.plot(to_date(r.median), y, "o", color=colour, markersize=7, markeredgecolor="white")
        else:
            ax.text(to_date(r.doc_hi + 1), y, "not produced in any run", va="center", fontsize=8)
    ax.set_yticks(range(n))
    ax.set_yticklabels(
        [textwrap.shorten(w, 52, placeholder="...") for w in table["what"][::-1]], fontsize=8
    )
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=2))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    ax.grid(axis="x", color="#eeeeee")
    ax.set_axisbelow(True)
    ax.set_xlabel("date (2024)")
    handles = [
        Patch(facecolor="#bbbbbb", edgecolor="#777777", label="documented date or range"),
        Line2D([], [], marker="|", color="black", linestyle="", markersize=12, label="best date"),
        *(
            Line2D(
                [],
                [],
                color=c,
                marker="o",
                linewidth=2.5,
                label=f"simulated median and 5-95 % ({ROLE_LABELS[k]})",
            )
            for k, c in ROLE_COLOURS.items()
        ),
    ]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.4, -0.08), ncol=2, fontsize=8)
    ax.set_title(f"Simulated against documented dates\n{subtitle}", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_sensitivity(indices: pd.DataFrame, main_index: str, title: str, path: Path) -> Path:
    """One bar chart per output: each parameter's main index with its confidence interval.

    Args:
        indices: The ``sensitivity.csv`` table (``output, parameter, index, value, conf``).
        main_index: The index to draw (``ST`` for Sobol, ``mu_star`` for Morris).
        title: The figure title.
        path: The PNG to write.
    """
    part = indices[indices["index"] == main_index]
    outputs = list(dict.fromkeys(part["output"]))
    fig, axes = plt.subplots(
        1, max(len(outputs), 1), figsize=(5 * max(len(outputs), 1), 4.8), squeeze=False
    )
    for ax, out in zip(axes[0], outputs, strict=False):
        t = part[part["output"] == out].sort_values("value")
        ax.barh(
            t["parameter"],
            t["value"],
            xerr=t["conf"].fillna(0),
            color="#4c72b0",
            ecolor="#333333",
            capsize=3,
        )
        ax.set_title(out, fontsize=10)
        ax.set_xlabel(main_index)
        ax.tick_params(axis="y", labelsize=8)
        ax.grid(axis="x", color="#eeeeee")
        ax.set_axisbelow(True)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
