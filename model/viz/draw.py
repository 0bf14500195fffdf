"""Figures drawn from arrays and tables in memory onto given axes; nothing here writes a file.

The saved-results plots (``plots``, ``runviews``) and the dashboard draw with these
functions, so a map or a survival curve looks the same wherever it is shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.analysis.compare import wilson
from model.viz.style import HOLDER_COLOURS, HOLDER_LABELS, SCENARIO_COLOURS, format_dates


@dataclass(frozen=True)
class Column:
    """An attacking column on the road to a place: how far along it is.

    Attributes:
        start: (lon, lat) of the place it advances from.
        end: (lon, lat) of the place it advances on.
        share: Share of the road covered, 0..1.
        colour: The force's colour.
    """

    start: tuple[float, float]
    end: tuple[float, float]
    share: float
    colour: str


def marker_size(population: float) -> float:
    """Marker area for a place of this population (the schematic map's only scale)."""
    return 60 + 500 * (population / 3_000_000) ** 0.7


def draw_map(
    ax,
    places: dict[str, dict],
    routes: Sequence[tuple[str, str]],
    colours: Sequence[str],
    labels: Sequence[str],
    legend_title: str,
    columns: Sequence[Column] = (),
    faded: Sequence[bool] | None = None,
) -> None:
    """The schematic map: roads, a marker per place coloured by holder, a label beside each.

    Args:
        ax: Matplotlib axes to draw on.
        places: Place name -> mapping with ``lat``, ``lon`` and ``population``, in order.
        routes: Roads as pairs of place names.
        colours: Marker colour per place, in the order of ``places``.
        labels: Text beside each place, in the same order.
        legend_title: Title of the holders' legend.
        columns: Attacking columns, drawn as arrows along the road as far as they got.
        faded: Per place, whether its marker is drawn hollow (a garrison that stopped
            answering); None draws every marker filled.
    """
    for a, b in routes:
        pa, pb = places[a], places[b]
        ax.plot([pa["lon"], pb["lon"]], [pa["lat"], pb["lat"]], color="#bbb", lw=1, zorder=1)
    for k, p in enumerate(places.values()):
        hollow = bool(faded[k]) if faded is not None else False
        ax.scatter(
            p["lon"],
            p["lat"],
            s=marker_size(p["population"]),
            color="white" if hollow else colours[k],
            edgecolor=colours[k] if hollow else "black",
            linewidth=2.0 if hollow else 0.6,
            zorder=3,
        )
        ax.annotate(labels[k], (p["lon"], p["lat"]), xytext=(7, 4), textcoords="offset points",
                    fontsize=8)  # fmt: skip
    for col in columns:
        (x0, y0), (x1, y1) = col.start, col.end
        share = min(max(col.share, 0.0), 1.0)
        ax.annotate(
            "",
            xy=(x0 + share * (x1 - x0), y0 + share * (y1 - y0)),
            xytext=(x0, y0),
            arrowprops={"arrowstyle": "-|>", "color": col.colour, "lw": 2.2},
            zorder=4,
        )
    for holder, colour in HOLDER_COLOURS.items():
        ax.scatter([], [], color=colour, edgecolor="black", s=80, label=HOLDER_LABELS[holder])
    ax.legend(loc="lower right", fontsize=8, title=legend_title)
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.set_aspect("equal")
    ax.grid(alpha=0.2)


def draw_capital_survival(
    ax, dailies: Sequence[tuple[str, pd.DataFrame]], capital: str, runs: int
) -> None:
    """Share of runs in which the regime still holds the capital, by date, per scenario.

    Args:
        ax: Matplotlib axes to draw on.
        dailies: (scenario name, daily table with ``date`` and ``holder_<capital>``).
        capital: The capital's name.
        runs: Runs per scenario (for the title).
    """
    col = f"holder_{capital}"
    for k, (name, daily) in enumerate(dailies):
        g = (daily[col] == "regime").groupby(daily["date"])
        p, n = g.mean().sort_index(), g.size().sort_index()
        lo, hi = zip(*(wilson(pi * ni, int(ni)) for pi, ni in zip(p, n, strict=True)), strict=True)
        x = pd.to_datetime(p.index)
        colour = SCENARIO_COLOURS[k % len(SCENARIO_COLOURS)]
        ax.fill_between(x, lo, hi, color=colour, alpha=0.2, linewidth=0)
        ax.step(x, p.values, where="post", color=colour, linewidth=2, label=name)
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel(f"probability the regime still holds {capital}")
    ax.set_title(f"Does the regime still hold {capital}? (share of {runs} runs, 95 % interval)")


# The replay's four panels: (title, [(metric, label, colour)]).
RUN_PANELS = (
    ("Regime-held population (share)", [("regime_population_share", "regime-held", "#c0392b")]),
    (
        "Regime units answering commands (share)",
        [("units_responsive_share", "answering", "#34495e")],
    ),
    (
        "Patron support (0 none, 1 full)",
        [
            ("support_russia", "Russia", "#c0392b"),
            ("support_iran", "Iran", "#27ae60"),
            ("support_hezbollah", "Hezbollah", "#f39c12"),
            ("support_iraq", "Iraq", "#2980b9"),
            ("support_turkey", "Turkey", "#7f8c8d"),
        ],
    ),
    (
        "The regime's viability: believed by the leader vs actual",
        [
            ("regime_believed_viability", "believed", "#8e44ad"),
            ("regime_actual_viability", "actual", "#2c3e50"),
        ],
    ),
)


def draw_run_curves(
    axes, start: dt.date, horizon: int, metrics: dict[str, np.ndarray], today: int
) -> None:
    """The curves of one run up to ``today``, on a fixed axis over the whole horizon.

    Args:
        axes: Four matplotlib axes, one per panel of ``RUN_PANELS``.
        start: The date of day 0.
        horizon: Days in the run.
        metrics: Metric name -> one value per day (at least ``today + 1`` values).
        today: The last day simulated; -1 draws empty panels.
    """
    dates = pd.to_datetime([start + dt.timedelta(days=d) for d in range(horizon)])
    n = today + 1
    for ax, (title, series) in zip(axes, RUN_PANELS, strict=True):
        for metric, label, colour in series:
            ax.plot(dates[:n], metrics[metric][:n], color=colour, lw=2, marker="o", ms=3,
                    label=label)  # fmt: skip
        ax.set_xlim(dates[0] - pd.Timedelta(hours=12), dates[-1] + pd.Timedelta(hours=12))
        ax.set_ylim(-0.02, 1.02)
        ax.set_title(title, fontsize=10)
        format_dates(ax, every=4)
        ax.tick_params(labelsize=8)
        if len(series) > 1:
            ax.legend(fontsize=7, loc="lower left", ncol=len(series) if len(series) < 4 else 3)
