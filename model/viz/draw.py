"""Figures drawn from arrays and tables in memory onto given axes; nothing here writes a file.

The saved-results plots (``plots``, ``runviews``) and the dashboard draw with these
functions, so a map or a survival curve looks the same wherever it is shown.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import pandas as pd
from matplotlib import patheffects
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Polygon
from matplotlib.transforms import Bbox

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
    """Marker area for a place of this population (the map's only scale)."""
    return 60 + 500 * (population / 3_000_000) ** 0.7


OUTLINE = "levant_admin0.geojson"  # Natural Earth admin-0, clipped: tools/make_outline.py


def outlines() -> list[tuple[str, list[list[tuple[float, float]]]]]:
    """Country outlines around Syria: (name, rings of (lon, lat)) from the shipped file."""
    doc = json.loads(resources.files("model.viz").joinpath("data", OUTLINE).read_text("utf-8"))
    out = []
    for f in doc["features"]:
        rings = [ring for poly in f["geometry"]["coordinates"] for ring in poly]
        out.append((f["properties"]["name"], rings))
    return out


# Where the neighbours' names go (lon, lat): inside each country and away from the places.
COUNTRY_LABELS = {
    "Turkey": (38.3, 37.1),
    "Iraq": (41.5, 33.3),
    "Jordan": (37.4, 32.0),
    "Lebanon": (35.85, 33.9),
    "Syria": (39.0, 34.1),
}


def draw_background(ax, extent: tuple[float, float, float, float]) -> None:
    """Sea, Syria and its neighbours from Natural Earth, their names; no lon/lat axes.

    Args:
        ax: The axes.
        extent: (lon_min, lon_max, lat_min, lat_max) of the map.
    """
    ax.set_facecolor("#e6eef5")  # the sea: what no country covers
    for name, rings in outlines():
        syria = name == "Syria"
        for ring in rings:
            ax.add_patch(Polygon(ring, closed=True, facecolor="#fbf8f1" if syria else "#ececec",
                                 edgecolor="#8a8a8a" if syria else "#b5b5b5",
                                 lw=1.2 if syria else 0.7, zorder=0))  # fmt: skip
    x0, x1, y0, y1 = extent
    for name, (lon, lat) in COUNTRY_LABELS.items():
        if x0 < lon < x1 and y0 < lat < y1:
            ax.text(lon, lat, name.upper() if name == "Syria" else name, ha="center",
                    va="center", fontsize=11 if name == "Syria" else 9, color="#9a9a9a",
                    style="italic", zorder=0.5)  # fmt: skip
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    # Degrees of longitude are shorter than degrees of latitude at 34-35 N.
    ax.set_aspect(1 / math.cos(math.radians((y0 + y1) / 2)))
    ax.set_xticks([])
    ax.set_yticks([])


@dataclass
class MapArtists:
    """What ``draw_map`` drew that changes from day to day, for ``update_map``.

    Attributes:
        markers: One marker per place.
        labels: One label per place.
        arrows: The attacking columns' artists.
        xy: Each place's (lon, lat), in order (to place the labels).
        sizes: Each marker's area in points squared.
    """

    markers: Any
    labels: list
    arrows: list
    xy: list = field(default_factory=list)
    sizes: list = field(default_factory=list)


# Where a label may go relative to its place, in points, tried in this order.
LABEL_SLOTS = ((8, 2, "left", "center"), (-8, 2, "right", "center"), (0, 9, "center", "bottom"),
               (0, -9, "center", "top"), (7, 7, "left", "bottom"), (-7, 7, "right", "bottom"),
               (7, -7, "left", "top"), (-7, -7, "right", "top"),
               # farther out, for crowded corners of the map (Homs and al-Qusayr, the south)
               (0, 22, "center", "bottom"), (0, -22, "center", "top"), (20, 14, "left", "bottom"),
               (-20, 14, "right", "bottom"), (20, -14, "left", "top"), (-20, -14, "right", "top"),
               (24, 0, "left", "center"), (-24, 0, "right", "center"))  # fmt: skip


def place_labels(ax, art: MapArtists) -> None:
    """Move each label to the first slot around its place that overlaps nothing drawn yet.

    Places are labelled in order of marker size (largest first), each avoiding the labels
    already placed and every marker; a label with no free slot keeps its best slot (the one
    with the least overlap). Sizes are measured by the renderer, so this works for any text.
    """
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    to_px = ax.transData.transform
    ppp = fig.dpi / 72  # pixels per point
    boxes = []
    for (x, y), s in zip(art.xy, art.sizes, strict=True):
        cx, cy = to_px((x, y))
        r = math.sqrt(s / math.pi) * ppp + 1
        boxes.append(Bbox.from_extents(cx - r, cy - r, cx + r, cy + r))
    order = sorted(range(len(art.labels)), key=lambda i: -art.sizes[i])
    axes_box = ax.get_window_extent(renderer)
    placed: dict[int, Bbox] = {}

    def put(i: int) -> float:
        """Move label ``i`` to its least crowded slot; return what it still overlaps."""
        text = art.labels[i]
        best, best_cost = None, math.inf
        r = math.sqrt(art.sizes[i] / math.pi)  # marker radius in points
        markers = [o for j, o in enumerate(boxes) if j != i]
        labels = [o for j, o in placed.items() if j != i]
        for dx, dy, ha, va in LABEL_SLOTS:
            off = (dx + math.copysign(r * 0.7, dx) if dx else 0,
                   dy + math.copysign(r * 0.7, dy) if dy else 0)  # fmt: skip
            text.set_position(art.xy[i])
            text.xyann = off
            text.set_ha(ha)
            text.set_va(va)
            bb = text.get_window_extent(renderer).padded(2)
            clash = sum(_overlap(bb, o) for o in labels)
            # Text over text is unreadable; text over a marker only hides a dot.
            cost = 4 * clash + sum(_overlap(bb, o) for o in markers)
            cost += 10 * max(0.0, bb.width * bb.height - _overlap(bb, axes_box))  # off the map
            if cost < best_cost:
                best, best_cost = (off, ha, va, bb, clash), cost
            if cost == 0:
                break
        off, ha, va, bb, clash = best
        text.xyann = off
        text.set_ha(ha)
        text.set_va(va)
        placed[i] = bb
        return clash

    crowded = [i for i in order if put(i) > 0]
    # A label placed early cannot see those placed after it: each still over another label
    # gets another look, now with every other label in place, and so do its neighbours.
    for _ in range(4):
        if not crowded:
            break
        again = set(crowded)
        for i in crowded:
            again |= {j for j, o in placed.items() if j != i and _overlap(placed[i], o) > 0}
        crowded = [i for i in order if i in again and put(i) > 0]


def _overlap(a: Bbox, b: Bbox) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


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
    """The map: country outlines, roads, a marker per place coloured by holder, its label.

    Args:
        ax: Matplotlib axes to draw on.
        places: Place name -> mapping with ``lat``, ``lon`` and ``population``, in order.
        routes: Roads as pairs of place names.
        colours: Marker colour per place, in the order of ``places``.
        labels: Text beside each place, in the same order.
        legend_title: Title of the holders' legend.
        columns: Attacking columns, drawn along the road as far as they got.
        faded: Per place, whether its marker is drawn hollow (a garrison that stopped
            answering); None draws every marker filled.

    Returns:
        The artists that ``update_map`` changes.
    """
    pts = list(places.values())
    lons, lats = [p["lon"] for p in pts], [p["lat"] for p in pts]
    draw_background(ax, (min(lons) - 0.9, max(lons) + 1.3, min(lats) - 0.75, max(lats) + 1.1))
    for a, b in routes:
        pa, pb = places[a], places[b]
        ax.plot([pa["lon"], pb["lon"]], [pa["lat"], pb["lat"]], color="#9c9c9c", lw=1.3,
                zorder=1, solid_capstyle="round")  # fmt: skip
    sizes = [marker_size(p["population"]) for p in pts]
    markers = ax.scatter(lons, lats, s=sizes, zorder=3)
    halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    texts = [
        ax.annotate(
            labels[k],
            (p["lon"], p["lat"]),
            xytext=(8, 2),
            textcoords="offset points",
            fontsize=8,
            zorder=5,
            path_effects=halo,
            linespacing=1.05,
        )  # fmt: skip
        for k, p in enumerate(pts)
    ]
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markerfacecolor=colour,
            markeredgecolor="black",
            markersize=8,
            label=HOLDER_LABELS[holder],
        )  # fmt: skip
        for holder, colour in HOLDER_COLOURS.items()
    ]
    handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="white",
                          markeredgecolor=HOLDER_COLOURS["regime"], markeredgewidth=2,
                          markersize=8, label="garrison no longer answering"))  # fmt: skip
    handles.append(
        Line2D([], [], color="#555555", lw=3.5, label="column on the road (arrow: its front)")
    )
    ax.legend(handles=handles, loc="lower right", fontsize=7.5, title=legend_title,
              title_fontsize=8, framealpha=0.92)  # fmt: skip
    art = MapArtists(markers, texts, [], list(zip(lons, lats, strict=True)), sizes)
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
    if art.xy:
        place_labels(ax, art)
    for arrow in art.arrows:
        arrow.remove()
    art.arrows = []
    outline = [patheffects.withStroke(linewidth=5.5, foreground="white")]
    for col in columns:
        (x0, y0), (x1, y1) = col.start, col.end
        share = min(max(col.share, 0.0), 1.0)
        # The whole road ahead, thin and dashed, then the distance covered, thick, ending in
        # an arrowhead at the column's front: visible even when it has only just set out.
        (road,) = ax.plot([x0, x1], [y0, y1], color=col.colour, lw=1.4, linestyle=(0, (3, 2)),
                          zorder=2.5)  # fmt: skip
        front = (x0 + share * (x1 - x0), y0 + share * (y1 - y0))
        arrow = FancyArrowPatch((x0, y0), front, arrowstyle="-|>", mutation_scale=16,
                                color=col.colour, lw=3.5, zorder=4, shrinkA=0, shrinkB=0,
                                path_effects=outline)  # fmt: skip
        ax.add_patch(arrow)
        art.arrows += [road, arrow]


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
    # Imported here: the intervals load scipy.stats, which a run's own plots never need.
    from model.analysis.compare import wilson

    col = f"holder_{capital}"
    handed_any = False
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
        # Its colour says whose it is; one legend entry says what the crosses mean (one per
        # scenario would double a catalogue's legend, wider than the figure).
        handed = (daily[col] == TRANSITIONAL).groupby(daily["date"]).mean().sort_index()
        if handed.max() > 0:
            handed_any = True
            ax.step(x, handed.values, where="post", color=colour, linewidth=1.2, zorder=9,
                    linestyle=":", marker="x", markersize=4, markevery=2,
                    label=f"_{name}: handed over by agreement")  # fmt: skip
    if handed_any:
        ax.plot([], [], color="#555555", linewidth=1.2, linestyle=":", marker="x", markersize=4,
                label="handed over by agreement (share of runs)")  # fmt: skip
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel(f"share of runs: the regime holds {capital}")
    ax.set_title(f"Does the regime still hold {capital}? (share of {runs} runs, 95 % interval)")
