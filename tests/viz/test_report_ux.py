"""What a reader sees first: report.html's findings and labels, and plots that stay legible."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from PIL import Image

from model.analysis.compare import findings, fmt_number, format_table
from model.config.schema import PATRONS
from model.viz import plots
from model.viz.draw import draw_capital_survival
from model.viz.style import PATRON_COLOURS, PATRON_SUPPORT_MEANING

# The conftest's comparison fixture compares the baseline with these, RUNS runs each.
COMPARED = ("assad_accepts_offer", "russia_stays", "iraq_sends_pmf")
RUNS = 30


@pytest.mark.parametrize(
    ("v", "pct", "signed", "shown"),
    [(-0.004, True, True, "0%"), (-0.04, False, True, "0.0"), (0.0, True, True, "0%"),
     (0.16, True, True, "+16%"), (-0.16, True, False, "-16%"), (10.54, False, True, "+10.5"),
     (float("nan"), False, False, "-")],
)  # fmt: skip
def test_numbers_never_read_minus_or_plus_zero(v, pct, signed, shown):
    assert fmt_number(v, pct, signed) == shown


def _html(comparison) -> str:
    return (comparison / "report.html").read_text(encoding="utf-8")


def _table_html(html: str) -> str:
    return html[
        html.index("<h2>Outcomes</h2>") : html.index("</table>", html.index("<h2>Outcomes"))
    ]


def test_report_leads_with_one_finding_per_scenario(comparison):
    html = _html(comparison)
    assert html.index("<h2>Findings</h2>") < html.index("<h2>Outcomes</h2>") < html.index("<img")
    items = re.findall(r"<li>(.*?)</li>", html[html.index("<h2>Findings") :], flags=re.S)
    assert len(items) == 3
    offer = next(i for i in items if "assad_accepts_offer" in i)
    assert "Damascus" in offer and "95 % interval" in offer
    assert "negotiated transition, the capital handed over" in offer  # what changes at the end


def test_findings_claim_nothing_where_the_interval_includes_zero():
    t = pd.DataFrame(
        [("b", "Damascus_days_held", 12.0, 11, 13, 0, 0, 0, 10),
         ("x", "Damascus_days_held", 12.1, 11, 13, 0.1, -0.2, 0.4, 10)]
        + [(s, f"end_state:{e}", 0.5, 0.4, 0.6, 0.0, -0.1, 0.1, 10) for s in "bx"
           for e in ("collapse_and_flight", "negotiated_transition", "regime_holds", "divided")],
        columns=["scenario", "measure", "value", "ci_low", "ci_high", "diff", "diff_low",
                 "diff_high", "n"],
    )  # fmt: skip
    (f,) = findings(t, "Damascus", 30)
    assert f["text"].startswith("No clear difference") and "do not change clearly" in f["text"]


def test_outcome_table_is_grouped_by_measure_in_words(comparison):
    table = _table_html(_html(comparison))
    assert (
        "end_state:" not in table and "_days_held" not in table and "_median_fall_day" not in table
    )
    assert "End state: negotiated transition, the capital handed over" in table
    assert "Days the regime held Damascus" in table and "(days)" in table
    assert table.count("(base)") == table.count('class="measure"')  # one base row per measure
    cells = re.findall(r"<td>([^<]*)</td>", table)
    assert cells and not [c for c in cells if re.search(r"(?<![\d.])[+-]0(\.0)?%?(?![\d.])", c)], (
        cells
    )
    assert re.search(r"day \d+, \d+ Dec", table)  # the median fall day as a day and a date


def test_terminal_table_uses_the_same_labels(comparison):
    text = format_table(pd.read_csv(comparison / "comparison.csv"), 30)
    assert "end_state:" not in text and "End state: collapse and flight" in text
    assert "Days the regime held Damascus, counting 30 where it held (days)" in text
    assert not re.search(r"(?<![\d.])[+-]0(\.0)?%?(?![\d.])", text), text


def test_figures_are_drawn_at_the_page_width(comparison):
    html = _html(comparison)
    assert "img{width:100%" in html
    for name in ("population.png", "units.png", "capital_survival.png", "patron_support.png"):
        width, _ = Image.open(comparison / name).size
        assert 900 <= width <= 1050, (name, width)  # shown at 1:1 on a 1020-px page


def test_every_patron_has_a_panel_saying_what_its_support_means():
    assert set(PATRON_SUPPORT_MEANING) == set(PATRONS) == set(PATRON_COLOURS)
    assert {f"support_{p}" for p in PATRONS} <= set(plots.CURVE_COLUMNS)


def _daily(shares: list[list[float]]) -> pd.DataFrame:
    rows = []
    for run, series in enumerate(shares):
        for day, v in enumerate(series):
            rows.append((run, f"2024-11-{27 + day}", v))
    return pd.DataFrame(rows, columns=["run", "date", "x"])


def test_medians_are_drawn_above_every_band_in_distinct_styles():
    fig, ax = plt.subplots()
    a = _daily([[1, 0.8, 0.5, 0.2], [1, 0.9, 0.6, 0.1], [1, 0.7, 0.4, 0.3]])
    dailies = [("base", "", a), ("b", "", a.assign(x=a.x * 0.9)), ("c", "", a.assign(x=a.x * 0.8))]
    plots._overlay(ax, dailies, "x")
    medians = [ln for ln in ax.get_lines() if ln.get_label() in ("base", "b", "c")]
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(medians) == 3 and len(bands) == 3
    assert min(m.get_zorder() for m in medians) > max(b.get_zorder() for b in bands)
    styles = {str(m._unscaled_dash_pattern) for m in medians}  # no public getter for the dashes
    assert len({m.get_color() for m in medians}) == 3 and len(styles) == 3
    plt.close(fig)


def test_a_negotiated_hand_over_is_drawn_apart_from_a_fall():
    fig, ax = plt.subplots()
    held = pd.DataFrame({"date": ["2024-11-27", "2024-11-28"] * 2, "run": [0, 0, 1, 1],
                         "holder_Damascus": ["regime", "transitional_authority",
                                             "regime", "northern_opposition"]})  # fmt: skip
    draw_capital_survival(ax, [("offer", held)], "Damascus", 2)
    labels = [ln.get_label() for ln in ax.get_lines()]
    assert any("handed over" in lab for lab in labels), labels
    plt.close(fig)


def test_count_axes_start_at_zero(comparison, monkeypatch):
    seen = []
    monkeypatch.setattr(plots.plt, "close", lambda fig: seen.append(fig))
    plots.plot_results(comparison / "baseline")
    (fig,) = seen
    ax = next(a for a in fig.axes if a.get_title().startswith("Opposition strength"))
    assert ax.get_ylim()[0] == 0
