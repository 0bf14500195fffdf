"""The map: real outlines shipped with the package, labels that do not collide, visible columns."""

from __future__ import annotations

import itertools
import json
from importlib import resources

import matplotlib.pyplot as plt
import pytest
from matplotlib.patches import FancyArrowPatch

from model.viz.draw import Column, draw_map, outlines


def test_outline_file_is_small_public_domain_and_covers_syria_and_neighbours():
    res = resources.files("model.viz").joinpath("data", "levant_admin0.geojson")
    doc = json.loads(res.read_text("utf-8"))
    assert "Natural Earth" in doc["provenance"] and "public domain" in doc["provenance"]
    assert len(res.read_bytes()) < 20_000
    names = {name for name, _ in outlines()}
    assert {"Syria", "Turkey", "Iraq", "Jordan", "Lebanon"} <= names


def _baseline_map(baseline, labels=None, columns=()):
    fig, ax = plt.subplots(figsize=(9.6, 7.6), layout="constrained")
    places = {n: {"lat": p.lat, "lon": p.lon, "population": p.population}
              for n, p in baseline.places.items()}  # fmt: skip
    routes = [(r.a, r.b) for r in baseline.routes]
    labels = labels or [f"{n}\nregime 100%" for n in places]
    art = draw_map(ax, places, routes, ["#c0392b"] * len(places), labels, "holder", columns)
    return fig, ax, art


@pytest.mark.parametrize("suffix", ["\nregime 100%", "\n12.3k troops\n+2,000 allied"])
def test_labels_do_not_overlap_each_other(baseline, suffix):
    fig, ax, art = _baseline_map(baseline, [f"{n}{suffix}" for n in baseline.places])
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(r)) for t in art.labels]
    clashes = [(a, b) for (a, ba), (b, bb) in itertools.combinations(boxes, 2) if ba.overlaps(bb)]
    assert not clashes, clashes
    plt.close(fig)


def test_a_column_that_has_just_set_out_is_visible(baseline):
    dam, homs = baseline.places["Damascus"], baseline.places["Homs"]
    col = Column((homs.lon, homs.lat), (dam.lon, dam.lat), 0.05, "#27ae60")
    fig, ax, art = _baseline_map(baseline, columns=[col])
    arrows = [a for a in art.arrows if isinstance(a, FancyArrowPatch)]
    assert len(arrows) == 1 and arrows[0].get_mutation_scale() >= 12
    fig.canvas.draw()
    roads = [a for a in art.arrows if a not in arrows]
    assert roads and roads[0].get_xdata()[-1] == pytest.approx(dam.lon)  # the road ahead shown
    plt.close(fig)
