"""The attribution picture: from the documented sequence to all flips, one share at a time.

Drawn from ``attribution.json`` alone (``model.analysis.attribution_text.document``), so the
command and the dashboard draw the same figure.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from model.analysis.attribution_text import TINY
from model.analysis.compare import is_share
from model.viz import style  # noqa: F401  (sets the file-only backend)

# Purple and orange (the ends of ColorBrewer's PuOr): a sign, not a verdict. Green and red
# would read as good and bad news about a real conflict, and red-green is the pair that
# colour-blind readers most often cannot tell apart.
UP, DOWN, END = "#5e3c99", "#e66101", "#546e7a"


def _shapley(doc: dict, measure: str) -> dict[str, dict]:
    return {r["decision"]: r for r in doc["values"]
            if r["measure"] == measure and r["index"] == "shapley"}  # fmt: skip


def _label(doc: dict, name: str) -> str:
    r = next(r for r in doc["values"] if r["decision"] == name)
    changed = r.get("flip_changes_run")
    return name + (" *" if changed is not None and changed < 0.95 else "")


def _waterfall(ax, doc: dict, order: list[str]) -> None:
    m = doc["measures"][0]
    mid = m["id"]
    rows = _shapley(doc, mid)
    base, top = m["documented"]["value"], m["all_flipped"]["value"]
    y = np.arange(len(order) + 2)[::-1]
    ax.barh(y[0], base, color=END, height=0.6)
    ax.text(base, y[0], f" {base:.1f}", va="center", fontsize=8)
    level = base
    seen = [base, top]
    for k, name in enumerate(order, start=1):
        r = rows[name]
        v = r["value"]
        seen += [level, level + v, level + v - (v - r["low"]), level + r["high"]]
        ax.barh(y[k], v, left=level, color=UP if v >= 0 else DOWN, height=0.6)
        ax.errorbar(level + v, y[k], xerr=[[v - r["low"]], [r["high"] - v]], fmt="none",
                    ecolor="#222", capsize=3, lw=1)  # fmt: skip
        ax.annotate(f"{v:+.2f}" if abs(v) >= TINY else "0",
                    (max(level, level + v, level + r["high"]), y[k]),
                    xytext=(6, 0), textcoords="offset points", va="center", fontsize=8)  # fmt: skip
        level += v
    ax.barh(y[-1], top, color=END, height=0.6)
    ax.text(top, y[-1], f" {top:.1f}", va="center", fontsize=8)
    # The shares are small beside the totals: the axis shows the range they span, and the
    # two totals' bars run in from its left edge.
    lo, hi = min(seen), max(seen)
    pad = max(0.08 * (hi - lo), 0.25)
    ax.set_xlim(lo - pad, hi + 2 * pad)
    ax.set_yticks(y, ["documented answers", *[_label(doc, n) for n in order], "all flipped"],
                  fontsize=8)  # fmt: skip
    ax.set_xlabel(f"{m['label']} ({m['unit']})", fontsize=9)
    ax.grid(alpha=0.3, axis="x")
    ax.set_title(
        f"Shapley values: each flip's share of the change, {base:.1f} -> {top:.1f}\n"
        f"(bars add up exactly; efficiency gap {m['efficiency_gap']:.0e}; whiskers: "
        f"{doc['interval']})",
        fontsize=9,
    )


def _interactions(ax, doc: dict, order: list[str]) -> None:
    mid = doc["measures"][0]["id"]
    pos = {n: i for i, n in enumerate(order)}
    n = len(order)
    grid = np.full((n, n), np.nan)
    clear = np.zeros((n, n), bool)
    for r in doc["interactions"]:
        if r["measure"] != mid or r["index"] != "shapley_interaction":
            continue
        i, j = pos[r["decision_a"]], pos[r["decision_b"]]
        grid[i, j] = grid[j, i] = r["value"]
        clear[i, j] = clear[j, i] = r["low"] > TINY or r["high"] < -TINY
    lim = max(np.nanmax(np.abs(grid)) if n > 1 else 0.0, 1e-9)
    im = ax.imshow(grid, cmap="RdBu", vmin=-lim, vmax=lim)
    for i in range(n):
        for j in range(n):
            if i != j and not np.isnan(grid[i, j]):
                ax.text(j, i, f"{grid[i, j]:+.1f}", ha="center", va="center", fontsize=7,
                        fontweight="bold" if clear[i, j] else "normal",
                        color="#111" if clear[i, j] else "#777")  # fmt: skip
    ax.set_xticks(range(n), [str(k + 1) for k in range(n)], fontsize=8)
    ax.set_yticks(range(n), [f"{k + 1} {name}" for k, name in enumerate(order)], fontsize=7)
    ax.set_title("Pairs: Shapley interaction (days)\nblue: reinforce, red: cancel; bold: "
                 "interval excludes 0", fontsize=9)  # fmt: skip
    ax.figure.colorbar(im, ax=ax, shrink=0.7)


def _small(ax, doc: dict, m: dict, order: list[str]) -> None:
    mid = m["id"]
    rows = _shapley(doc, mid)
    pct = is_share(mid)
    scale = 100.0 if pct else 1.0
    y = np.arange(len(order))[::-1]
    v = np.array([rows[n]["value"] for n in order]) * scale
    lo = np.array([rows[n]["low"] for n in order]) * scale
    hi = np.array([rows[n]["high"] for n in order]) * scale
    ax.barh(y, v, color=[UP if x >= 0 else DOWN for x in v], height=0.6)
    ax.errorbar(v, y, xerr=[v - lo, hi - v], fmt="none", ecolor="#222", capsize=2, lw=1)
    ax.axvline(0, color="grey", lw=1)
    ax.set_yticks(y, [_label(doc, n) for n in order], fontsize=7)
    unit = "percentage points" if pct else m["unit"]
    e = m["all_flips_effect"]["value"] * scale
    ax.set_xlabel(f"Shapley value ({unit}); all flips: {e:+.1f}", fontsize=8)
    ax.set_title(m["label"], fontsize=9, wrap=True)
    ax.grid(alpha=0.3, axis="x")


def attribution_figure(doc: dict) -> Figure:
    """The figure: the waterfall of the days held, the pairs, the other measures' shares."""
    head = doc["measures"][0]["id"]
    rows = _shapley(doc, head)
    order = sorted(rows, key=lambda n: -abs(rows[n]["value"]))
    fig = Figure(figsize=(15, 10), layout="constrained")
    grid = fig.add_gridspec(2, 3, height_ratios=[1.25, 1])
    _waterfall(fig.add_subplot(grid[0, :2]), doc, order)
    _interactions(fig.add_subplot(grid[0, 2]), doc, order)
    for k, m in enumerate(doc["measures"][1:4]):
        _small(fig.add_subplot(grid[1, k]), doc, m, order)
    who = "decisions" if doc["over"] == "decisions" else "rules switched off"
    note = "; * its flip changed what happened in fewer than 95 % of paired runs (see the findings)"
    fig.suptitle(
        f"{doc['scenario']}: which of {len(doc['players'])} {who} mattered, acting together "
        f"({doc['coalitions']} coalitions x {doc['runs']} runs, the same seeds){note}",
        fontsize=10,
    )
    return fig


def plot_attribution(doc: dict, path: Path) -> Path:
    """Draw ``attribution_figure`` into ``path`` (PNG)."""
    fig = attribution_figure(doc)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
