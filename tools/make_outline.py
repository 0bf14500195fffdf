"""Write model/viz/data/levant_admin0.geojson: country outlines for the map (run once).

Source: Natural Earth 1:110m Cultural Vectors, Admin 0 - Countries (public domain,
https://www.naturalearthdata.com/about/terms-of-use/), as shipped in the geopandas 0.14.4
wheel (``geopandas/datasets/naturalearth_lowres``). No network is needed beyond PyPI:

    pip download --no-deps geopandas==0.14.4 -d /tmp/gpd
    unzip -q /tmp/gpd/geopandas-0.14.4-py3-none-any.whl 'geopandas/datasets/*' -d /tmp/gpd/x
    pip install --target /tmp/pyshp pyshp
    PYTHONPATH=/tmp/pyshp python tools/make_outline.py \
        /tmp/gpd/x/geopandas/datasets/naturalearth_lowres/naturalearth_lowres [OUT.geojson]

Every polygon ring is clipped to the map's box (Sutherland-Hodgman, exact for a rectangle)
and its coordinates rounded to 0.01 degrees (about 1 km, far below the 110m data's own
precision); countries with nothing inside the box are left out. pyshp is needed only here,
not by the package.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import shapefile  # pyshp

BOX = (33.0, 30.5, 44.5, 39.0)  # lon_min, lat_min, lon_max, lat_max: Syria and around it
OUT = Path(__file__).resolve().parent.parent / "model" / "viz" / "data" / "levant_admin0.geojson"


def _clip(ring: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """A polygon ring clipped to BOX (Sutherland-Hodgman against each edge in turn)."""
    x0, y0, x1, y1 = BOX
    edges = (
        (lambda p: p[0] >= x0, lambda a, b: _at_x(a, b, x0)),
        (lambda p: p[0] <= x1, lambda a, b: _at_x(a, b, x1)),
        (lambda p: p[1] >= y0, lambda a, b: _at_y(a, b, y0)),
        (lambda p: p[1] <= y1, lambda a, b: _at_y(a, b, y1)),
    )
    out = ring
    for inside, cross in edges:
        pts, out = out, []
        for i, cur in enumerate(pts):
            prev = pts[i - 1]
            if inside(cur):
                if not inside(prev):
                    out.append(cross(prev, cur))
                out.append(cur)
            elif inside(prev):
                out.append(cross(prev, cur))
        if not out:
            return []
    return out


def _at_x(a, b, x):
    t = (x - a[0]) / (b[0] - a[0])
    return (x, a[1] + t * (b[1] - a[1]))


def _at_y(a, b, y):
    t = (y - a[1]) / (b[1] - a[1])
    return (a[0] + t * (b[0] - a[0]), y)


def _rings(shape) -> list[list[tuple[float, float]]]:
    parts = list(shape.parts) + [len(shape.points)]
    return [shape.points[parts[i] : parts[i + 1]] for i in range(len(parts) - 1)]


def main(source: str, out: Path = OUT) -> None:
    """Read the shapefile at ``source`` (path without extension) and write ``out``."""
    reader = shapefile.Reader(source)
    features = []
    for rec in reader.shapeRecords():
        polys = []
        for ring in _rings(rec.shape):
            clipped = _clip([(float(x), float(y)) for x, y in ring])
            rounded = []
            for x, y in clipped:
                p = [round(x, 2), round(y, 2)]
                if not rounded or p != rounded[-1]:
                    rounded.append(p)
            if len(rounded) >= 3:
                if rounded[0] != rounded[-1]:
                    rounded.append(rounded[0])
                polys.append([rounded])
        if polys:
            features.append(
                {
                    "type": "Feature",
                    "properties": {"name": rec.record["name"], "iso_a3": rec.record["iso_a3"]},
                    "geometry": {"type": "MultiPolygon", "coordinates": polys},
                }
            )
    doc = {
        "type": "FeatureCollection",
        "provenance": (
            "Natural Earth 1:110m Admin 0 - Countries (public domain), from the geopandas "
            "0.14.4 wheel's naturalearth_lowres; clipped to lon 33-44.5, lat 30.5-39 and "
            "rounded to 0.01 degrees by tools/make_outline.py"
        ),
        "bbox": list(BOX),
        "features": sorted(features, key=lambda f: f["properties"]["name"]),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {out}: {len(features)} countries, {out.stat().st_size} bytes")


if __name__ == "__main__":
    # An optional second argument writes elsewhere (the smoke test writes a temporary file).
    main(sys.argv[1], Path(sys.argv[2]) if len(sys.argv) > 2 else OUT)
