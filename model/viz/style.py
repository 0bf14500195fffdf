"""What every plot shares: the backend, colours, bands, dates and the documented falls."""

from __future__ import annotations

import datetime as dt

import matplotlib
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from model.config.observations import DEFAULT_PATH, load_observations  # noqa: E402
from model.config.schema import HOLDER_LABELS  # noqa: E402, F401 - re-exported for the plots

matplotlib.use("Agg")  # files only, never a window


BAND = (0.05, 0.95)


CITY_COLOURS = {"Aleppo": "#1b9e77", "Hama": "#d95f02", "Homs": "#7570b3", "Damascus": "#e7298a"}


PATRON_COLOURS = {
    "russia": "#c0392b",
    "iran": "#27ae60",
    "hezbollah": "#f39c12",
    "iraq": "#2980b9",
    "turkey": "#7f8c8d",
}


# What each patron's daily support column measures (daily.csv), said where it is drawn.
PATRON_SUPPORT_MEANING = {
    "russia": "Russia: support level (0 none, 1 full air support)",
    "iran": "Iran: support level (0 none, 1 full)",
    "hezbollah": "Hezbollah: fighters deployed (share of a full commitment)",
    "iraq": "Iraq: share of runs with the PMF in Syria",
    "turkey": "Turkey: share of runs in which it presses the opposition to halt",
}


# Support columns that are 0 or 1 in each run: their median is 0 or 1 and their 5-95 % band
# spans everything as soon as a few runs differ, so they are drawn as a share of runs.
BINARY_SUPPORT = ("iraq", "turkey")


def quantiles(daily: pd.DataFrame, column: str) -> pd.DataFrame:
    """Median and 5-95 % band of a daily column across runs, by date."""
    g = daily.groupby("date")[column]
    return pd.DataFrame(
        {"median": g.median(), "lo": g.quantile(BAND[0]), "hi": g.quantile(BAND[1])}
    ).sort_index()


def band(ax, q: pd.DataFrame, colour: str, label: str, linestyle="-", alpha: float = 0.2) -> None:
    """Draw a median line with its band, both as steps (a day's value holds for the day).

    The band sits below every line (``zorder``), so that overlaid medians are never hidden
    by another scenario's band.
    """
    x = pd.to_datetime(q.index)
    ax.fill_between(x, q["lo"], q["hi"], color=colour, alpha=alpha, linewidth=0, step="post",
                    zorder=1)  # fmt: skip
    ax.step(x, q["median"], where="post", color=colour, linewidth=2, label=label,
            linestyle=linestyle, zorder=3)  # fmt: skip


def major_cities(manifest: dict) -> list[str]:
    """The scenario's major cities, from a results manifest (all its places if unmarked)."""
    resolved = manifest.get("resolved_scenario", {}).get("places", {})
    majors = [n for n, p in resolved.items() if p.get("major_city")]
    return majors or list(manifest.get("places", []))


def documented_city_falls(places: list[str]) -> dict[str, dt.date]:
    """Documented fall dates of places, from the observations file.

    Give the major cities: every place's line would hide the curves (the others are in
    ``validate``).
    """
    out = {}
    for o in load_observations(DEFAULT_PATH):
        if o.match.place in places:
            out[o.match.place] = o.date
    return out


def mark_documented(ax, falls: dict[str, dt.date], labels: bool = True) -> None:
    """Grey dotted vertical lines at the documented fall dates, named on a top axis.

    Grey, not a colour: the colours belong to the scenarios. The names sit above the axes
    (slanted, so that falls a day apart do not collide), never over the data or a legend.
    """
    for date in falls.values():
        ax.axvline(pd.Timestamp(date), color="#555555", linestyle=":", lw=1.1, zorder=2)
    if labels:
        for place, date in falls.items():
            ax.annotate(f"{place} {date.day} {date:%b}", (pd.Timestamp(date), 1.0),
                        xycoords=("data", "axes fraction"), xytext=(1, 3),
                        textcoords="offset points", rotation=30, ha="left", va="bottom",
                        fontsize=7.5, color="#444444", annotation_clip=False)  # fmt: skip


def mark_window(ax, start: dt.date, end: dt.date) -> None:
    """Shade the documented period (27 Nov - 8 Dec) lightly behind the data."""
    ax.axvspan(pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(days=1), color="#f3f3f3",
               zorder=0, linewidth=0)  # fmt: skip


# The documented period the story covers; the horizon runs on to show what happens after.
DOCUMENTED_END = dt.date(2024, 12, 8)


def story_axis(ax, start: dt.date, horizon: int, end: dt.date = DOCUMENTED_END,
               share: float = 0.75, every: int = 2) -> None:  # fmt: skip
    """A date axis giving the documented period most of the width, the horizon the rest.

    The documented period and six days after it take ``share`` of the width and the rest of
    the horizon the remainder; the documented period is shaded. The curves are mostly flat after the story ends; an even axis gave them half the width.
    The x scale is piecewise linear (matplotlib's "function" scale), so nothing is hidden.
    """
    t0 = mdates.date2num(pd.Timestamp(start))
    t_end = mdates.date2num(pd.Timestamp(start) + pd.Timedelta(days=horizon))  # end of last day
    knee = min(mdates.date2num(pd.Timestamp(end) + pd.Timedelta(days=6)), t_end)
    a = share / (knee - t0)
    b = (1 - share) / max(t_end - knee, 1e-9)

    def fwd(x):
        x = np.asarray(x, dtype=float)
        return np.where(x <= knee, (x - t0) * a, share + (x - knee) * b)

    def inv(y):
        y = np.asarray(y, dtype=float)
        return np.where(y <= share, t0 + y / a, knee + (y - share) / b)

    mark_window(ax, start, end)
    ax.set_xscale("function", functions=(fwd, inv))
    ax.set_xlim(t0, t_end)
    first = [pd.Timestamp(start) + pd.Timedelta(days=d)
             for d in range(0, int(knee - t0) - every // 2 + 1, every)]  # fmt: skip
    last = (horizon - 1,) if every > 2 else (int(knee - t0) + 5, horizon - 1)  # narrow: fewer
    later = [pd.Timestamp(start) + pd.Timedelta(days=d) for d in last if d < horizon]
    ax.set_xticks([mdates.date2num(t) for t in first + later])
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%-d %b"))
    ax.tick_params(axis="x", labelsize=8)
    for lab in ax.get_xticklabels():
        lab.set_rotation(0)
    ax.grid(alpha=0.3, zorder=0)


def format_dates(ax, every: int = 4) -> None:
    """Date ticks every ``every`` days, and a light grid."""
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=every))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    ax.grid(alpha=0.3)


# One palette for every picture of a comparison (CLI plots, report, dashboard): the base in
# near-black, then the Okabe-Ito colours (distinguishable with the common colour-vision
# deficiencies; its yellow is left out, unreadable on white), then Dark2 for long catalogues.
# Colour k always goes with line style k, so overlaid medians differ in two ways.
BASE_COLOUR = "#333333"
SCENARIO_COLOURS = (
    BASE_COLOUR,
    "#E69F00",  # orange
    "#0072B2",  # blue
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
) + tuple(matplotlib.colors.to_hex(c) for c in plt.get_cmap("Dark2").colors)
SCENARIO_LINESTYLES = ("-", (0, (5, 2)), (0, (1, 1.5)), (0, (6, 2, 1, 2)), (0, (3, 1, 1, 1, 1, 1)))


def scenario_colour(k: int) -> str:
    """The colour of the k-th scenario of a comparison (0: the base), as a hex string."""
    return SCENARIO_COLOURS[k % len(SCENARIO_COLOURS)]


def scenario_linestyle(k: int):
    """The line style of the k-th scenario's median (0: the base, solid)."""
    return SCENARIO_LINESTYLES[k % len(SCENARIO_LINESTYLES)]


HOLDER_COLOURS = {
    "regime": "#c0392b",
    "northern_opposition": "#27ae60",
    "southern_command": "#2980b9",
    "sdf": "#f1c40f",
    "transitional_authority": "#8e44ad",
    "druze_factions": "#16a085",
    "syrian_free_army": "#7f8c8d",
    "sna": "#d35400",
}
