"""Plots drawn from saved results only (daily.csv, manifest.json); the model is never run here."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, never a window

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from model.observations import DEFAULT_PATH, load_observations  # noqa: E402

BAND = (0.05, 0.95)
CITY_COLOURS = {"Aleppo": "#1b9e77", "Hama": "#d95f02", "Homs": "#7570b3", "Damascus": "#e7298a"}
PATRON_COLOURS = {"russia": "#c0392b", "iran": "#27ae60", "hezbollah": "#f39c12", "iraq": "#2980b9"}


def _quantiles(daily: pd.DataFrame, column: str) -> pd.DataFrame:
    g = daily.groupby("date")[column]
    return pd.DataFrame(
        {"median": g.median(), "lo": g.quantile(BAND[0]), "hi": g.quantile(BAND[1])}
    ).sort_index()


def _band(ax, q: pd.DataFrame, colour: str, label: str) -> None:
    x = pd.to_datetime(q.index)
    ax.fill_between(x, q["lo"], q["hi"], color=colour, alpha=0.2, linewidth=0)
    ax.plot(x, q["median"], color=colour, linewidth=2, label=label)


def documented_city_falls(places: list[str]) -> dict[str, dt.date]:
    """Documented fall dates of places, from the observations file."""
    out = {}
    for o in load_observations(DEFAULT_PATH):
        if o.match.place in places:
            out[o.match.place] = o.date
    return out


def _mark_documented(ax, falls: dict[str, dt.date], label: bool) -> None:
    for place, date in falls.items():
        colour = CITY_COLOURS.get(place, "grey")
        ax.axvline(pd.Timestamp(date), color=colour, linestyle=":", linewidth=1.2)
        if label:
            ax.text(
                pd.Timestamp(date),
                1.02,
                place,
                rotation=45,
                fontsize=7,
                color=colour,
                transform=ax.get_xaxis_transform(),
                ha="left",
                va="bottom",
            )


def _format_dates(ax) -> None:
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=4))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    ax.grid(alpha=0.3)


def plot_curves(daily: pd.DataFrame, manifest: dict, path: Path) -> None:
    """The daily curves of one scenario: median and 5-95 % band, documented dates marked."""
    places = manifest["places"]
    falls = documented_city_falls(places)
    runs = daily["run"].nunique()
    title = manifest["scenario"]["title"]
    fig, axes = plt.subplots(2, 3, figsize=(15, 8.5), constrained_layout=True)
    fig.suptitle(
        f"{title}: {runs} runs, median and 5-95 % band "
        "(dotted lines: documented fall dates)",
        fontsize=12,
    )

    ax = axes[0, 0]
    _band(ax, _quantiles(daily, "regime_population_share"), "#34495e", "regime")
    ax.set_title("Share of population in regime-held places")
    ax.set_ylim(0, 1)
    ax = axes[0, 1]
    _band(ax, _quantiles(daily, "units_responsive_share"), "#8e44ad", "units")
    ax.set_title("Share of regime units still answering commands")
    ax.set_ylim(0, 1.02)
    ax = axes[0, 2]
    for city, colour in CITY_COLOURS.items():
        col = f"holder_{city}"
        if col in daily:
            share = (daily[col] == "regime").groupby(daily["date"]).mean().sort_index()
            ax.plot(pd.to_datetime(share.index), share.values, color=colour, linewidth=2, label=city)
    ax.set_title("Probability the regime still holds each city")
    ax.set_ylim(-0.02, 1.02)
    ax.legend(fontsize=8, loc="lower left")

    ax = axes[1, 0]
    for patron, colour in PATRON_COLOURS.items():
        col = f"support_{patron}"
        if col in daily and daily[col].max() > 0:
            _band(ax, _quantiles(daily, col), colour, patron.capitalize())
    ax.set_title("Patron support (0 none, 1 full)")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8, loc="lower left")
    ax = axes[1, 1]
    _band(ax, _quantiles(daily, "regime_actual_viability"), "#2c3e50", "actual")
    _band(ax, _quantiles(daily, "regime_believed_viability"), "#e67e22", "believed by the leader")
    ax.set_title("Regime viability: actual and believed")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8, loc="lower left")
    ax = axes[1, 2]
    _band(ax, _quantiles(daily, "opposition_strength"), "#16a085", "active opposition forces")
    ax.set_title("Opposition strength (fighters, active forces)")
    ax.legend(fontsize=8, loc="upper left")

    for k, ax in enumerate(axes.flat):
        _mark_documented(ax, falls, label=k < 3)
        _format_dates(ax)
        ax.set_xlabel("date (2024)")
    fig.savefig(path, dpi=110)
    plt.close(fig)


def read_results(folder: Path) -> tuple[pd.DataFrame, dict]:
    """Load a results folder's daily table and manifest."""
    daily = pd.read_csv(folder / "daily.csv")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return daily, manifest


def plot_results(folder: Path) -> list[Path]:
    """Draw every plot of one scenario's results folder; return the files written."""
    daily, manifest = read_results(folder)
    out = folder / "curves.png"
    plot_curves(daily, manifest, out)
    return [out]
