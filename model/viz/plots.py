"""Ensemble plots from saved results: one scenario's curves and comparisons of several."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from model.results.readers import read_daily
from model.viz.draw import draw_capital_survival
from model.viz.style import (
    CITY_COLOURS,
    PATRON_COLOURS,
    SCENARIO_COLOURS,
    band,
    documented_city_falls,
    documented_legend,
    format_dates,
    mark_documented,
    quantiles,
)


def plot_curves(daily: pd.DataFrame, manifest: dict, path: Path) -> None:
    """The daily curves of one scenario: median and 5-95 % band, documented dates marked."""
    places = manifest["places"]
    falls = documented_city_falls(places)
    runs = daily["run"].nunique()
    title = manifest["scenario"]["title"]
    fig, axes = plt.subplots(2, 3, figsize=(15, 8.5), constrained_layout=True)
    fig.suptitle(
        f"{title}\n{runs} runs: median and 5-95 % band of runs; dotted lines: documented fall dates",
        fontsize=12,
    )

    ax = axes[0, 0]
    band(ax, quantiles(daily, "regime_population_share"), "#34495e", "regime")
    ax.set_title("Share of population in regime-held places")
    ax.set_ylim(0, 1)
    ax = axes[0, 1]
    band(ax, quantiles(daily, "units_responsive_share"), "#8e44ad", "units")
    ax.set_title("Share of regime units still answering commands")
    ax.set_ylim(0, 1.02)
    ax = axes[0, 2]
    for city, colour in CITY_COLOURS.items():
        col = f"holder_{city}"
        if col in daily:
            share = (daily[col] == "regime").groupby(daily["date"]).mean().sort_index()
            ax.plot(
                pd.to_datetime(share.index), share.values, color=colour, linewidth=2, label=city
            )
    ax.set_title("Probability the regime still holds each city")
    ax.set_ylim(-0.02, 1.02)
    ax.legend(fontsize=8, loc="lower left")

    ax = axes[1, 0]
    for patron, colour in PATRON_COLOURS.items():
        col = f"support_{patron}"
        if col in daily and daily[col].max() > 0:
            band(ax, quantiles(daily, col), colour, patron.capitalize())
    ax.set_title("Patron support (0 none, 1 full)")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8, loc="lower left")
    ax = axes[1, 1]
    band(ax, quantiles(daily, "regime_actual_viability"), "#2c3e50", "actual")
    band(ax, quantiles(daily, "regime_believed_viability"), "#e67e22", "believed by the leader")
    ax.set_title("Regime viability: actual and believed")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8, loc="lower left")
    ax = axes[1, 2]
    band(ax, quantiles(daily, "opposition_strength"), "#16a085", "active opposition forces")
    ax.set_title("Opposition strength (fighters, active forces)")
    ax.legend(fontsize=8, loc="upper left")

    for ax in axes.flat:
        mark_documented(ax, falls)
        format_dates(ax)
        ax.set_xlabel("date (2024)")
    documented_legend(fig, falls)
    fig.savefig(path, dpi=110)
    plt.close(fig)


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


def _overlay(ax, dailies, column: str) -> None:
    many = len(dailies) > OVERLAY_MAX  # then medians only: the bands would hide each other
    for k, (name, _, daily) in enumerate(dailies):
        q = quantiles(daily, column)
        colour = SCENARIO_COLOURS[k % len(SCENARIO_COLOURS)]
        if many:
            ax.plot(pd.to_datetime(q.index), q["median"], color=colour, linewidth=1.8, label=name)
        else:
            band(ax, q, colour, name)


OVERLAY_MAX = 4  # beyond this many scenarios, overlaid bands hide each other


def _scenario_figure(dailies, column: str, ylabel: str, title: str, falls, path: Path) -> Path:
    """One column's curves: overlaid for a few scenarios, else one panel per scenario.

    In the panels each scenario is drawn beside the base (grey), so every comparison the
    reader makes is with the base, at the same scale.
    """
    if len(dailies) <= OVERLAY_MAX:
        fig, ax = plt.subplots(figsize=(10, 5.5), constrained_layout=True)
        _overlay(ax, dailies, column)
        ax.set_ylim(0, 1.02)
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        return _finish(fig, [ax], falls, path)
    others = dailies[1:]
    ncols = 4
    nrows = -(-len(others) // ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(4.2 * ncols, 3.0 * nrows + 1.2),
        sharex=True,
        sharey=True,
        constrained_layout=True,
        squeeze=False,
    )
    base_q = quantiles(dailies[0][2], column)
    used = []
    for k, (ax, (name, _, daily)) in enumerate(zip(axes.flat, others, strict=False), start=1):
        band(ax, base_q, "#7f7f7f", dailies[0][0])
        band(ax, quantiles(daily, column), SCENARIO_COLOURS[k % len(SCENARIO_COLOURS)], name)
        ax.set_title(name, fontsize=10)
        ax.set_ylim(0, 1.02)
        ax.legend(fontsize=7, loc="lower left")
        used.append(ax)
    for ax in list(axes.flat)[len(others) :]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel(ylabel, fontsize=8)
    fig.suptitle(title)
    return _finish(fig, used, falls, path, legend=False, tick_days=8)


def _finish(fig, ax_list, falls, path: Path, legend: bool = True, tick_days: int = 4) -> Path:
    for ax in ax_list:
        mark_documented(ax, falls)
        format_dates(ax, tick_days)
        ax.set_xlabel("date (2024)")
    if legend:
        ax_list[0].legend(fontsize=8, loc="best")
    documented_legend(fig, falls)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_comparison(folder: Path) -> list[Path]:
    """Overlaid curves of every scenario in a comparison folder; returns the files written."""
    comparison = json.loads((folder / "comparison.json").read_text(encoding="utf-8"))
    dailies = _scenario_dailies(folder, comparison)
    places = json.loads(
        (folder / comparison["scenarios"][0]["folder"] / "manifest.json").read_text()
    )["places"]
    falls = documented_city_falls(places)
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

    fig, ax = plt.subplots(figsize=(10, 5.5), constrained_layout=True)
    draw_capital_survival(ax, [(name, daily) for name, _, daily in dailies], capital, runs)
    written.append(_finish(fig, [ax], falls, folder / "capital_survival.png"))

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

    fig, axes = plt.subplots(2, 2, figsize=(13, 8), constrained_layout=True, sharey=True)
    for ax, patron in zip(axes.flat, ("russia", "iran", "hezbollah", "iraq"), strict=True):
        _overlay(ax, dailies, f"support_{patron}")
        ax.set_title(f"{patron.capitalize()}: support (0 none, 1 full)")
        ax.set_ylim(0, 1.02)
    what = "median" if len(dailies) > OVERLAY_MAX else "median, 5-95 % band"
    fig.suptitle(f"Patron support by scenario ({runs} runs each; {what})")
    written.append(_finish(fig, list(axes.flat), falls, folder / "patron_support.png"))
    return written
