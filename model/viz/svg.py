"""Small line charts as SVG text, for pages that redraw after every step of a run.

A matplotlib figure takes a few tenths of a second to draw; this text takes about a
millisecond, and the browser draws it.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence

import numpy as np


def line_chart(
    title: str,
    series: Sequence[tuple[str, str, np.ndarray]],
    start: dt.date,
    horizon: int,
    today: int,
    width: int = 460,
    height: int = 180,
) -> str:
    """Lines of daily values between 0 and 1, up to ``today``, on a fixed axis over the horizon.

    Args:
        title: Shown above the chart.
        series: (legend label, colour, one value per day) for each line.
        start: The date of day 0.
        horizon: Days on the axis.
        today: The last day drawn; -1 draws the axes only.
        width: Width in pixels.
        height: Height in pixels.

    Returns:
        An ``<svg>`` element.
    """
    left, right, top, bottom = 34, width - 8, 40, height - 24
    span = max(horizon - 1, 1)

    def x(d: float) -> float:
        return left + (right - left) * d / span

    def y(v: float) -> float:
        return bottom - (bottom - top) * min(max(v, 0.0), 1.0)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" style="max-width:100%;height:auto;font-family:sans-serif">',
        f'<text x="{width / 2}" y="15" text-anchor="middle" font-size="13">{html.escape(title)}</text>',
    ]
    for v in (0.0, 0.25, 0.5, 0.75, 1.0):
        out.append(f'<line x1="{left}" x2="{right}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
                   'stroke="#ddd" stroke-width="1"/>')  # fmt: skip
        if v in (0.0, 0.5, 1.0):
            out.append(f'<text x="{left - 4}" y="{y(v) + 4:.1f}" text-anchor="end" '
                       f'font-size="10">{v:g}</text>')  # fmt: skip
    for d in range(0, horizon, 4):
        label = (start + dt.timedelta(days=d)).strftime("%d %b")
        out.append(f'<line x1="{x(d):.1f}" x2="{x(d):.1f}" y1="{top}" y2="{bottom}" '
                   'stroke="#eee" stroke-width="1"/>')  # fmt: skip
        out.append(f'<text x="{x(d):.1f}" y="{bottom + 14}" text-anchor="middle" '
                   f'font-size="10">{label}</text>')  # fmt: skip
    out.append(f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" '
               'fill="none" stroke="#999"/>')  # fmt: skip
    lx = left
    for label, colour, values in series:
        n = today + 1
        if n > 0:
            pts = " ".join(f"{x(d):.1f},{y(float(v)):.1f}" for d, v in enumerate(values[:n]))
            out.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" '
                       'stroke-width="2"/>')  # fmt: skip
            out.append(f'<circle cx="{x(n - 1):.1f}" cy="{y(float(values[n - 1])):.1f}" r="3" '
                       f'fill="{colour}"><title>{html.escape(label)}: '
                       f"{float(values[n - 1]):.2f}</title></circle>")  # fmt: skip
        if len(series) > 1:
            out.append(f'<rect x="{lx}" y="24" width="10" height="4" fill="{colour}"/>')
            out.append(f'<text x="{lx + 13}" y="30" font-size="10">{html.escape(label)}</text>')
            lx += 22 + 6 * len(label)
    out.append("</svg>")
    return "".join(out)
