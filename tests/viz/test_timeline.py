"""The timeline's two pictures read at their size: no text on another, nothing cut, labels whole.

The event log used to write each day's entries beside its markers, so that on 7-9 December
they ran into each other, and the documented events' labels were cut at 60 characters. The
checks measure the drawn text itself (matplotlib's renderer), not the code that places it.
"""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.text import Text

from model.cli.main import main
from model.config.observations import DEFAULT_PATH, load_observations
from model.viz.timeline import entry_text, timeline_figures
from model.viz.words import name_of


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("timeline") / "base"
    argv = ["run", "scenarios/baseline.yaml", "--runs", "12", "--executor", "serial", "--quiet"]
    assert main([*argv, "--out", str(out)]) == 0
    return out


def _texts(fig) -> list[tuple[str, object]]:
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    out = []
    for t in fig.findobj(Text):
        if t.get_visible() and t.get_text().strip():
            out.append((t.get_text(), t.get_window_extent(renderer)))
    return out


def overlaps(fig, tolerance: float = 0.5) -> list[tuple[str, str]]:
    """Pairs of drawn texts whose boxes overlap by more than ``tolerance`` pixels."""
    boxes = _texts(fig)
    bad = []
    for (a, ba), (b, bb) in itertools.combinations(boxes, 2):
        w = min(ba.x1, bb.x1) - max(ba.x0, bb.x0)
        h = min(ba.y1, bb.y1) - max(ba.y0, bb.y0)
        if w > tolerance and h > tolerance:
            bad.append((a[:40], b[:40]))
    return bad


def outside(fig) -> list[str]:
    """Texts that reach beyond the figure's edges (cut off in the saved picture)."""
    w, h = fig.canvas.get_width_height()
    return [t[:40] for t, b in _texts(fig) if b.x0 < 0 or b.y0 < 0 or b.x1 > w or b.y1 > h]


@pytest.mark.parametrize("run", [None, 0, 5])
def test_no_text_overlaps_or_is_cut(folder, run):
    for fig in timeline_figures(folder, run):
        try:
            assert not overlaps(fig), overlaps(fig)[:5]
            assert not outside(fig), outside(fig)[:5]
        finally:
            plt.close(fig)


def test_every_documented_label_is_whole(folder):
    panel, log = timeline_figures(folder)
    try:
        shown = {" ".join(t.get_text().split()) for t in panel.axes[0].get_yticklabels()}
        for o in load_observations(DEFAULT_PATH):
            assert " ".join(o.what.split()) in shown, o.what
    finally:
        plt.close(panel)
        plt.close(log)


def test_the_log_shows_every_event_of_the_run(folder):
    """Each event's target, in words, is somewhere on the event log (none dropped)."""
    events = pd.read_csv(folder / "events.csv", keep_default_na=False)
    panel, log = timeline_figures(folder, 0)
    try:
        drawn = " ".join(" ".join(t for t, _ in _texts(log)).split())
        for target in set(events[events["run"] == 0]["target"]) - {""}:
            assert name_of(target) in drawn, target
    finally:
        plt.close(panel)
        plt.close(log)


def test_entries_in_words():
    assert entry_text("regime", "appeal", ["turkey"], "iraq", "asked to halt", "R1") == (
        "regime · appeal → Turkey, via Iraq: asked to halt [R1]"
    )
    assert entry_text("iran", "mediation", ["turkey"], "ankara", "failed", "R1") == (
        "Iran · mediation → Turkey, in Ankara: failed [R1]"
    )
    assert entry_text("units", "unresponsive", ["Homs", "Hama"], "", "x", "R5") == (
        "army units · garrisons stop answering: Homs, Hama [R5]"
    )
    assert "southern operational command" in entry_text(
        "northern_opposition", "holder_change", ["Damascus"], "", "handed over by the "
        "southern_command", "R8"
    )  # fmt: skip
