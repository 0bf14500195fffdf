"""Ensemble plots from saved results: one scenario's curves and comparisons of several."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import pandas as pd  # noqa: E402

from model.results.readers import read_daily
from model.viz.draw import draw_capital_survival
from model.viz.style import (
    BINARY_SUPPORT,
    CITY_COLOURS,
    PATRON_COLOURS,
    PATRON_SUPPORT_MEANING,
    band,
    documented_city_falls,
    major_cities,
    mark_documented,
    quantiles,
    scenario_colour,
    scenario_linestyle,
    story_axis,
)


def plot_curves(daily: pd.DataFrame, manifest: dict, path: Path) -> None:
    """The daily curves of one scenario: median and 5-95 % band, documented dates marked."""
    falls = documented_city_falls(major_cities(manifest))
    runs = daily["run"].nunique()
    title = manifest["scenario"]["title"]
    dates = pd.to_datetime(daily["date"].unique())
    start, horizon = dates.min().date(), len(dates)
    fig, axes = plt.subplots(2, 3, figsize=(15, 8.5), layout="constrained")
    fig.suptitle(f"{title}\n{runs} runs: median and 5-95 % band of runs", fontsize=12)

    ax = axes[0, 0]
    band(ax, quantiles(daily, "regime_population_share"), "#34495e", "regime")
    ax.set_title("Share of population in regime-held places")
    ax.set_ylim(0, 1.02)
    ax = axes[0, 1]
    band(ax, quantiles(daily, "units_responsive_share"), "#8e44ad", "units")
    ax.set_title("Share of regime units still answering commands")
    ax.set_ylim(0, 1.02)
    ax = axes[0, 2]
    for k, city in enumerate(CITY_COLOURS):
        col = f"holder_{city}"
        if col in daily:
            share = (daily[col] == "regime").groupby(daily["date"]).mean().sort_index()
            ax.step(pd.to_datetime(share.index), share.values, where="post", linewidth=2,
                    color=CITY_COLOURS[city], linestyle=scenario_linestyle(k), label=city)  # fmt: skip
    ax.set_title("Share of runs in which the regime still holds each city")
    ax.set_ylim(-0.02, 1.02)

    ax = axes[1, 0]
    for patron, colour in PATRON_COLOURS.items():
        col = f"support_{patron}"
        if col not in daily or daily[col].max() <= 0:
            continue
        if patron in BINARY_SUPPORT:
            share = daily.groupby("date")[col].mean().sort_index()
            ax.step(pd.to_datetime(share.index), share.values, where="post", color=colour, lw=2,
                    linestyle=":", label=f"{patron.capitalize()} (share of runs)")  # fmt: skip
        else:
            band(ax, quantiles(daily, col), colour, patron.capitalize())
    ax.set_title("Patron support (0-1; Iraq, Turkey: share of runs)")
    ax.set_ylim(0, 1.02)
    ax = axes[1, 1]
    band(ax, quantiles(daily, "regime_actual_viability"), "#2c3e50", "actual")
    band(ax, quantiles(daily, "regime_believed_viability"), "#e67e22", "believed by the leader",
         linestyle=(0, (5, 2)))  # fmt: skip
    ax.set_title("Regime viability: actual and believed")
    ax.set_ylim(0, 1.02)
    ax = axes[1, 2]
    band(ax, quantiles(daily, "opposition_strength"), "#16a085", "active opposition forces")
    ax.set_title("Opposition strength (fighters in active forces)")
    ax.set_ylim(bottom=0)  # a count: from zero, so that a change reads at its true size
    ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))

    for ax in axes.flat:
        ax.set_title(ax.get_title(), fontsize=10)
        story_axis(ax, start, horizon, every=4)
        mark_documented(ax, falls, labels=False)  # named in the note: the panels are narrow
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    fig.supxlabel(_note(falls, named=False), fontsize=8, color="#444444")
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def _note(falls, named: bool) -> str:
    """The figure's note: the date axis, the shading and the dotted lines (named if not on them)."""
    if named or not falls:
        return NOTE
    dates = ", ".join(f"{p} {d.day} {d:%b}" for p, d in falls.items())
    return NOTE.replace("documented fall dates", f"documented falls ({dates})")


CURVE_COLUMNS = (
    "run",
    "date",
    "regime_population_share",
    "units_responsive_share",
    *(f"support_{p}" for p in PATRON_COLOURS),
    "regime_believed_viability",
    "regime_actual_viability",
    "opposition_strength",
    *(f"holder_{c}" for c in CITY_COLOURS),
)


def read_results(folder: Path) -> tuple[pd.DataFrame, dict]:
    """Load a results folder's daily table (the columns the curves use) and manifest."""
    daily = read_daily(folder, CURVE_COLUMNS)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return daily, manifest


def plot_results(folder: Path) -> list[Path]:
    """Draw every plot of one scenario's results folder; return the files written."""
    daily, manifest = read_results(folder)
    out = folder / "curves.png"
    plot_curves(daily, manifest, out)
    return [out]


def _scenario_dailies(folder: Path, comparison: dict) -> list[tuple[str, str, pd.DataFrame]]:
    out = []
    for entry in comparison["scenarios"]:
        daily = read_daily(folder / entry["folder"], CURVE_COLUMNS)
        out.append((entry["name"], entry["title"], daily))
    return out


def _overlay(ax, dailies, column: str, binary: bool = False, indices=None) -> None:
    """Every scenario's median (and band) on one axes: bands first, then every median above.

    Args:
        ax: The axes.
        dailies: (name, title, daily table) per scenario; the first is the base.
        column: The daily column.
        binary: The column is 0 or 1 in each run: draw the share of runs, not median and band.
        indices: Each scenario's position in the comparison (its colour and line style);
            default 0, 1, 2, ...
    """
    idx = list(indices) if indices is not None else list(range(len(dailies)))
    many = len(dailies) > OVERLAY_MAX  # then medians only: the bands would hide each other
    qs = [quantiles(daily, column) for _, _, daily in dailies]
    if not (many or binary):
        for k, q in zip(idx, qs, strict=True):
            x = pd.to_datetime(q.index)
            colour = scenario_colour(k)
            ax.fill_between(x, q["lo"], q["hi"], color=colour, alpha=0.07, linewidth=0,
                            step="post", zorder=1)  # fmt: skip
            for edge in ("lo", "hi"):  # a band's outline says whose band it is
                ax.step(x, q[edge], where="post", color=colour, lw=0.9, alpha=0.8, zorder=2,
                        linestyle=scenario_linestyle(k))  # fmt: skip
    for k, (name, _, daily), q in zip(idx, dailies, qs, strict=True):
        y = daily.groupby("date")[column].mean().sort_index() if binary else q["median"]
        # The base is drawn widest and first, every other median narrower on top of it: where
        # medians coincide, each still shows (a coloured dash inside the base's dark line).
        ax.step(pd.to_datetime(y.index), y.to_numpy(), where="post", color=scenario_colour(k),
                linestyle=scenario_linestyle(k), lw=3.6 if k == 0 else 1.8, label=name,
                zorder=4 + k)  # fmt: skip


NOTE = (
    "date (2024); shaded: the documented period, 27 Nov - 8 Dec; after 14 Dec the axis is "
    "compressed\ndotted lines: documented fall dates"
)
OVERLAY_MAX = 4  # beyond this many scenarios, overlaid bands hide each other
FIG_WIDTH = 9.6  # inches: at DPI, the width report.html shows figures at (no shrinking)
DPI = 105


def _span(dailies) -> tuple:
    dates = pd.to_datetime(dailies[0][2]["date"].unique())
    start = dates.min().date()
    return start, int((dates.max().date() - start).days) + 1


def _scenario_figure(dailies, column: str, ylabel: str, title: str, falls, path: Path) -> Path:
    """One column's curves: overlaid for a few scenarios, else one panel per scenario.

    In the panels each scenario is drawn beside the base (its own colour, as everywhere), so
    every comparison the reader makes is with the base, at the same scale.
    """
    start, horizon = _span(dailies)
    if len(dailies) <= OVERLAY_MAX:
        fig, ax = plt.subplots(figsize=(FIG_WIDTH, 5.0), layout="constrained")
        _overlay(ax, dailies, column)
        ax.set_ylim(0, 1.02)
        ax.set_ylabel(ylabel)
        ax.set_title(title, fontsize=11)
        return _finish(fig, [ax], falls, path, start, horizon)
    others = dailies[1:]
    ncols = 3
    nrows = -(-len(others) // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(FIG_WIDTH, 2.6 * nrows + 1.0), sharex=True, sharey=True,
        layout="constrained", squeeze=False,
    )  # fmt: skip
    used = []
    for k, (ax, entry) in enumerate(zip(axes.flat, others, strict=False), start=1):
        _overlay(ax, [dailies[0], entry], column, indices=(0, k))
        ax.set_title(entry[0], fontsize=9)
        ax.set_ylim(0, 1.02)
        used.append(ax)
    for ax in list(axes.flat)[len(others) :]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel(ylabel, fontsize=8)
    fig.suptitle(f"{title}; each panel beside {dailies[0][0]}", fontsize=11)
    return _finish(fig, used, falls, path, start, horizon, legend=False, labels=False, every=4)


def _finish(fig, ax_list, falls, path: Path, start, horizon, legend=True, labels: bool = True,
            every: int = 2) -> Path:  # fmt: skip
    """Axes, documented dates, one legend outside the data (below, or in ``legend`` axes)."""
    for ax in ax_list:
        story_axis(ax, start, horizon, every=every)
        mark_documented(ax, falls, labels=labels)
        if labels and ax.get_title():  # room above the axes for the slanted date labels
            ax.set_title(ax.get_title(), pad=46, fontsize=11)
    if len(ax_list) == 1:
        ax_list[0].set_xlabel(_note(falls, labels), fontsize=8, color="#444444")
    else:
        fig.supxlabel(_note(falls, labels), fontsize=8, color="#444444")
    if legend is True:
        handles, names = ax_list[0].get_legend_handles_labels()
        fig.legend(handles, names, loc="outside lower center", fontsize=8.5, frameon=False,
                   ncols=min(3, len(names)), handlelength=3.5)  # fmt: skip
    elif legend is not False:  # an empty axes of the grid holds the legend
        handles, names = ax_list[0].get_legend_handles_labels()
        legend.set_visible(True)
        legend.axis("off")
        legend.legend(handles, names, loc="center", fontsize=9, frameon=False, title="scenario",
                      handlelength=3.5)  # fmt: skip
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def plot_comparison(folder: Path) -> list[Path]:
    """Overlaid curves of every scenario in a comparison folder; returns the files written."""
    comparison = json.loads((folder / "comparison.json").read_text(encoding="utf-8"))
    dailies = _scenario_dailies(folder, comparison)
    base_manifest = json.loads(
        (folder / comparison["scenarios"][0]["folder"] / "manifest.json").read_text()
    )
    falls = documented_city_falls(major_cities(base_manifest))
    capital = comparison["capital"]
    runs = comparison["runs"]
    written = []

    written.append(
        _scenario_figure(
            dailies,
            "regime_population_share",
            "share of population in regime-held places",
            f"Regime-held population by scenario ({runs} runs each; median, 5-95 % band)",
            falls,
            folder / "population.png",
        )
    )

    start, horizon = _span(dailies)
    fig, ax = plt.subplots(figsize=(FIG_WIDTH, 5.0), layout="constrained")
    draw_capital_survival(ax, [(name, daily) for name, _, daily in dailies], capital, runs)
    written.append(_finish(fig, [ax], falls, folder / "capital_survival.png", start, horizon))

    written.append(
        _scenario_figure(
            dailies,
            "units_responsive_share",
            "share of regime units answering commands",
            f"Units still answering commands ({runs} runs each; median, 5-95 % band)",
            falls,
            folder / "units.png",
        )
    )

    fig, axes = plt.subplots(3, 2, figsize=(FIG_WIDTH, 9.0), layout="constrained", sharey=True)
    for ax, patron in zip(axes.flat, PATRON_COLOURS, strict=False):
        binary = patron in BINARY_SUPPORT
        _overlay(ax, dailies, f"support_{patron}", binary=binary)
        ax.set_title(PATRON_SUPPORT_MEANING[patron], fontsize=9)
        ax.set_ylim(0, 1.02)
    spare = axes.flat[-1]
    spare.set_visible(False)
    what = "median" if len(dailies) > OVERLAY_MAX else "median and 5-95 % band"
    fig.suptitle(f"Patron support by scenario ({runs} runs each; {what}; Iraq and Turkey: "
                 "share of runs)", fontsize=11)  # fmt: skip
    used = [ax for ax in axes.flat if ax.get_visible()]
    written.append(_finish(fig, used, falls, folder / "patron_support.png", start, horizon,
                           legend=spare, labels=False, every=4))  # fmt: skip
    return written
