"""What every plot shares: the backend, colours, bands, dates and the documented falls."""

from __future__ import annotations

import datetime as dt

import matplotlib
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from model.config.observations import DEFAULT_PATH, load_observations  # noqa: E402

matplotlib.use("Agg")  # files only, never a window


BAND = (0.05, 0.95)


CITY_COLOURS = {"Aleppo": "#1b9e77", "Hama": "#d95f02", "Homs": "#7570b3", "Damascus": "#e7298a"}


PATRON_COLOURS = {"russia": "#c0392b", "iran": "#27ae60", "hezbollah": "#f39c12", "iraq": "#2980b9"}


def quantiles(daily: pd.DataFrame, column: str) -> pd.DataFrame:
    """Median and 5-95 % band of a daily column across runs, by date."""
    g = daily.groupby("date")[column]
    return pd.DataFrame(
        {"median": g.median(), "lo": g.quantile(BAND[0]), "hi": g.quantile(BAND[1])}
    ).sort_index()


def band(ax, q: pd.DataFrame, colour: str, label: str) -> None:
    """Draw a median line with its band."""
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


def mark_documented(ax, falls: dict[str, dt.date]) -> None:
    """Dotted vertical lines at the documented fall dates."""
    for place, date in falls.items():
        ax.axvline(pd.Timestamp(date), color=CITY_COLOURS.get(place, "grey"), linestyle=":", lw=1.2)


def documented_legend(fig, falls: dict[str, dt.date]) -> None:
    """One legend for the documented fall dates, below the figure."""
    # One key for the whole figure: labels written beside each line collided with titles.
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], color=CITY_COLOURS.get(p, "grey"), linestyle=":", lw=1.5) for p in falls
    ]
    labels = [f"{p} fell (documented {d:%d %b})" for p, d in falls.items()]
    fig.legend(
        handles,
        labels,
        loc="outside lower center",
        ncol=max(1, min(len(falls), int(fig.get_figwidth() // 3.5))),
        fontsize=9,
        frameon=False,
    )


def format_dates(ax, every: int = 4) -> None:
    """Date ticks every ``every`` days, and a light grid."""
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=every))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    ax.grid(alpha=0.3)


# Paired-free palette with room for a full catalogue comparison (eleven scenarios and more).
SCENARIO_COLOURS = plt.get_cmap("tab10").colors + plt.get_cmap("Dark2").colors


HOLDER_COLOURS = {
    "regime": "#c0392b",
    "northern_opposition": "#27ae60",
    "southern_command": "#2980b9",
    "sdf": "#f1c40f",
    "transitional_authority": "#8e44ad",
}


HOLDER_LABELS = {
    "regime": "regime",
    "northern_opposition": "northern opposition",
    "southern_command": "southern operational command",
    "sdf": "SDF",
    "transitional_authority": "transitional authority",
}
