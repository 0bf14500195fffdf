"""Figures drawn from arrays and tables in memory onto given axes; nothing here writes a file.

The saved-results plots (``plots``, ``runviews``) and the dashboard draw with these
functions, so a map or a survival curve looks the same wherever it is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from model.analysis.compare import wilson
from model.config.schema import TRANSITIONAL
from model.viz.style import (
    HOLDER_COLOURS,
    HOLDER_LABELS,
    scenario_colour,
    scenario_linestyle,
)


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


@dataclass
class MapArtists:
    """What ``draw_map`` drew that changes from day to day, for ``update_map``.

    Attributes:
        markers: One marker per place.
        labels: One label per place.
        arrows: The attacking columns' arrows.
    """

    markers: Any
    labels: list
    arrows: list


def draw_map(
    ax,
    places: dict[str, dict],
    routes: Sequence[tuple[str, str]],
    colours: Sequence[str],
    labels: Sequence[str],
    legend_title: str,
    columns: Sequence[Column] = (),
    faded: Sequence[bool] | None = None,
) -> MapArtists:
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

    Returns:
        The artists that ``update_map`` changes.
    """
    for a, b in routes:
        pa, pb = places[a], places[b]
        ax.plot([pa["lon"], pb["lon"]], [pa["lat"], pb["lat"]], color="#bbb", lw=1, zorder=1)
    pts = list(places.values())
    markers = ax.scatter(
        [p["lon"] for p in pts],
        [p["lat"] for p in pts],
        s=[marker_size(p["population"]) for p in pts],
        zorder=3,
    )
    texts = [
        ax.annotate(
            labels[k], (p["lon"], p["lat"]), xytext=(7, 4), textcoords="offset points", fontsize=8
        )  # fmt: skip
        for k, p in enumerate(pts)
    ]
    for holder, colour in HOLDER_COLOURS.items():
        ax.scatter([], [], color=colour, edgecolor="black", s=80, label=HOLDER_LABELS[holder])
    ax.legend(loc="lower right", fontsize=8, title=legend_title)
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    # Room on the right for the labels of the easternmost places.
    lons, lats = [p["lon"] for p in pts], [p["lat"] for p in pts]
    ax.set_xlim(min(lons) - 0.3, max(lons) + 1.0)
    ax.set_ylim(min(lats) - 0.3, max(lats) + 0.3)
    ax.set_aspect("equal")
    ax.grid(alpha=0.2)
    art = MapArtists(markers, texts, [])
    update_map(ax, art, colours, labels, columns, faded)
    return art


def update_map(
    ax,
    art: MapArtists,
    colours: Sequence[str],
    labels: Sequence[str],
    columns: Sequence[Column] = (),
    faded: Sequence[bool] | None = None,
) -> None:
    """Redraw what changes on the map: holders' colours, labels, hollow markers, columns.

    Args:
        ax: The axes ``draw_map`` drew on.
        art: What ``draw_map`` returned.
        colours: Marker colour per place.
        labels: Text beside each place.
        columns: Attacking columns.
        faded: Per place, whether its marker is drawn hollow; None: all filled.
    """
    hollow = [bool(f) for f in faded] if faded is not None else [False] * len(colours)
    art.markers.set_facecolors(["white" if h else c for h, c in zip(hollow, colours, strict=True)])
    art.markers.set_edgecolors([c if h else "black" for h, c in zip(hollow, colours, strict=True)])
    art.markers.set_linewidths([2.0 if h else 0.6 for h in hollow])
    for text, label in zip(art.labels, labels, strict=True):
        text.set_text(label)
    for arrow in art.arrows:
        arrow.remove()
    art.arrows = []
    for col in columns:
        (x0, y0), (x1, y1) = col.start, col.end
        share = min(max(col.share, 0.0), 1.0)
        art.arrows.append(
            ax.annotate(
                "",
                xy=(x0 + share * (x1 - x0), y0 + share * (y1 - y0)),
                xytext=(x0, y0),
                arrowprops={"arrowstyle": "-|>", "color": col.colour, "lw": 2.2},
                zorder=4,
            )
        )


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
        colour, style = scenario_colour(k), scenario_linestyle(k)
        ax.fill_between(x, lo, hi, color=colour, alpha=0.12, linewidth=0, step="post", zorder=1)
        ax.step(x, p.values, where="post", color=colour, linewidth=2.1, label=name,
                linestyle=style, zorder=10 - min(k, 5))  # fmt: skip
        # A negotiated hand-over is not a fall by force: where runs hand the capital over,
        # the share handed over is drawn too, with crosses, so that the drop is read right.
        handed = (daily[col] == TRANSITIONAL).groupby(daily["date"]).mean().sort_index()
        if handed.max() > 0:
            ax.step(x, handed.values, where="post", color=colour, linewidth=1.2, zorder=9,
                    linestyle=":", marker="x", markersize=4, markevery=2,
                    label=f"{name}: handed over (negotiated), share of runs")  # fmt: skip
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel(f"share of runs: the regime holds {capital}")
    ax.set_title(f"Does the regime still hold {capital}? (share of {runs} runs, 95 % interval)")
