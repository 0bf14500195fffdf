"""The run the timeline shows: the one nearest the median, with the documented refusals."""

from __future__ import annotations


def test_the_timeline_shows_a_run_with_the_documented_refusals():
    import pandas as pd

    from model.viz.runviews import representative_run, runs_with_documented_answers

    events = pd.DataFrame(
        [
            (0, 5, "turkey", "answer", "regime", "", "agreed to press for a halt", "R1"),
            (1, 5, "turkey", "answer", "regime", "", "refused to intervene", "R1"),
            (2, 5, "turkey", "answer", "regime", "", "refused to intervene", "R1"),
            (2, 9, "iraq", "answer", "regime", "", "agreed to send the PMF", "R1"),
        ],
        columns=["run", "day", "actor", "kind", "target", "channel", "outcome", "rule"],
    )
    assert runs_with_documented_answers(events) == {1}
    runs = pd.DataFrame({"run": [0, 1, 2], "fall_day_A": [5, 9, 5]})
    assert representative_run(runs, ["A"]) == (0, True)  # nearest the median alone
    assert representative_run(runs, ["A"], events) == (1, True)  # the one with the refusals
    none = events[events["run"] != 1]
    assert representative_run(runs[runs["run"] != 1], ["A"], none) == (0, False)
