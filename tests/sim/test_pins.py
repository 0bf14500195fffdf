"""Pins that apply, said plainly (issue 27 item 1).

Every pinned decision, intervention and parameter flip of a scenario records whether it came
up and took effect in each run (``model.sim.pins``); the summaries count the runs, and
``compare`` shows the shares and warns below 95 %.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from sim_helpers import events_of

from model.analysis.pins import pin_warnings
from model.analysis.summary import summarize
from model.config.loader import load_scenario
from model.ensemble.runner import run_seeds
from model.results.tables import build_tables
from model.sim.compiled import compile_scenario
from model.sim.model import simulate

SEEDS = run_seeds(27, 40)


def _pins(results) -> list[tuple]:
    return [e for r in results for e in r.events if e[1:3] == ("scenario", "pin")]


def _summary(c, results) -> dict:
    t = build_tables(c, results)
    return summarize(t.runs, t.events, c.names)


def test_a_pin_whose_decision_never_comes_up_is_said_to_have_never_applied(make_scenario):
    # Russia never believes little enough to make its offer, so the leader is never asked.
    path = make_scenario(
        {
            "decisions": {"leader_accepts_offer": "accept"},
            "actors": {"russia": {"offer_threshold": 0.0}},
        },
        name="offer_never_made",
    )
    c = compile_scenario(load_scenario(path))
    results = [simulate(c, s) for s in SEEDS]
    ledger = [e for e in _pins(results) if e[3] == "leader_accepts_offer"]
    assert len(ledger) == len(SEEDS)  # one entry per run
    assert all(e[5].startswith("never came up") for e in ledger)
    s = _summary(c, results)
    assert s["pins_applied"]["leader_accepts_offer"] == 0.0
    assert s["pins_came_up"]["leader_accepts_offer"] == 0.0
    assert s["runs"] == len(SEEDS)
    (warning,) = [
        w for w in pin_warnings("x", s["pins_applied"], s["pins_came_up"], len(SEEDS))
        if "leader_accepts_offer" in w
    ]  # fmt: skip
    assert (
        warning
        == f"x: leader_accepts_offer: came up in 0 of {len(SEEDS)} runs; the pin never applied"
    )


def test_a_flip_that_changes_nothing_never_applies_and_one_that_does_applies(make_scenario):
    # A parameter only R16 reads, flipped with R16 off, changes no run; with R16 on, every run
    # in which the pay rise is decreed.
    dead = make_scenario(
        {"rules": {"disabled": ["R16"]}, "actors": {"units": {"pay_rise_effect": 0.3}}},
        name="dead_flip",
    )
    live = make_scenario({"actors": {"units": {"pay_rise_effect": 0.3}}}, name="live_flip")
    for path, expect in ((dead, 0.0), (live, 1.0)):
        c = compile_scenario(load_scenario(path))
        (pin,) = c.pins
        assert (pin.kind, pin.name) == ("parameter", "actors.units.pay_rise_effect")
        s = _summary(c, [simulate(c, x) for x in SEEDS])
        assert s["pins_applied"]["actors.units.pay_rise_effect"] == pytest.approx(expect, abs=0.1)


def test_a_flip_takes_effect_on_the_first_day_the_world_differs(make_scenario):
    path = make_scenario(
        {"interventions": [{"date": "2024-12-03", "set": {"actors.russia.support_max": 0.2}}]},
        name="cut",
    )
    c = compile_scenario(load_scenario(path))
    standing = 0
    for s in SEEDS:
        r = simulate(c, s)
        (entry,) = _pins([r])
        ended = 0 <= r.fall_day[c.capital] <= 6  # Russia's support to the regime had ended (R8)
        surge = any(e[1:3] == ("russia", "answer") and e[5].startswith("raised") for e in r.events)
        if ended or surge:  # a raised effort is not what support_max caps
            assert entry[5].startswith("never came up"), entry
            continue
        standing += 1
        assert entry[0] == 6 and entry[5] == "took effect on day 6", entry
    assert standing > 0.8 * len(SEEDS)


def test_a_run_with_pins_is_otherwise_the_run_without_the_ledger(compiled, make_scenario):
    path = make_scenario({"decisions": {"turkey_halts_offensive": "refuse"}}, name="pinned")
    c = compile_scenario(load_scenario(path))
    same = 0
    for s in SEEDS:
        a = simulate(compiled, s)
        if not any(e[1:3] == ("turkey", "answer") and e[5].startswith("refused") for e in a.events):
            continue  # Turkey agreed in this run: the pin changes it
        b = simulate(c, s)
        same += 1
        np.testing.assert_array_equal(a.metrics, b.metrics)
        assert a.events == [e for e in b.events if e[1:3] != ("scenario", "pin")]
    assert same >= 20
    assert not compiled.pins and not _pins([simulate(compiled, SEEDS[0])])


def test_axis_holds_sends_the_pmf(baseline_path):
    """The appeal to Iraq follows Hezbollah's answer whatever it is (issue 27 item 1)."""
    c = compile_scenario(
        load_scenario(baseline_path.parent / "counterfactuals" / "axis_holds.yaml")
    )
    results = [simulate(c, s) for s in run_seeds(20241127, 100)]
    s = _summary(c, results)
    assert s["pins_came_up"]["iraq_sends_pmf"] >= 0.9, s["pins_came_up"]
    asked = np.mean(
        [any(e[1:4] == ("regime", "appeal", "iraq") for e in r.events) for r in results]
    )
    assert asked >= 0.9


def test_compare_shows_the_pins_and_warns(run_cli, make_scenario, baseline_path, tmp_path):
    never = make_scenario(
        {
            "decisions": {"leader_accepts_offer": "accept"},
            "actors": {"russia": {"offer_threshold": 0.0}},
        },
        name="offer_never_made",
    )
    out = tmp_path / "cmp"
    res = run_cli("compare", baseline_path, never, "--runs", "10", "--workers", "1", "--out", out)
    assert res.code == 0, res.err
    assert "WARNING offer_never_made: leader_accepts_offer: came up in 0 of 10 runs" in res.out
    doc = json.loads((out / "comparison.json").read_text())
    entry = doc["scenarios"][1]
    assert entry["pins_applied"]["leader_accepts_offer"] == 0.0
    assert "actors.russia.offer_threshold" in entry["pins_applied"]
    html = (out / "report.html").read_text()
    assert "Did the pins apply?" in html and "the pin never applied" in html
    summary = json.loads((out / entry["folder"] / "summary.json").read_text())
    assert summary["pins_applied"] == entry["pins_applied"]


# --------------------------------------------------------------------------- pinned answers


def test_pinned_turkey_halt_is_always_agreed_and_halts_the_north(load_override):
    c = load_override({"decisions": {"turkey_halts_offensive": "accept"}})
    seeds = range(60)
    answered = 0
    for s in seeds:
        r = simulate(c, s)
        answers = events_of(r, "turkey", "answer", target="regime")
        if not answers:
            continue
        answered += 1
        assert all(e[5].startswith("agreed") for e in answers), (s, answers)
        # R9: asked to halt, the north complies or refuses, on the day of the answer.
        asked = sorted(
            events_of(r, "northern_opposition", "halt")
            + events_of(r, "northern_opposition", "halt_refused")
        )
        assert asked and asked[0][0] <= answers[0][0], (s, asked)
    assert answered >= len(seeds) * 0.9


def test_pinned_turkey_refusal_is_always_refused(load_override):
    c = load_override({"decisions": {"turkey_halts_offensive": "refuse"}})
    seeds = range(40)
    answers = [e for s in seeds for e in events_of(simulate(c, s), "turkey", "answer", "regime")]
    assert len(answers) >= len(seeds) * 0.9
    assert all(e[5].startswith("refused") for e in answers)


def test_pin_does_not_shift_other_random_draws(compiled, load_override):
    """Pinning a decision to what was drawn anyway leaves the run unchanged."""
    pinned = load_override({"decisions": {"hezbollah_full_commitment": "refuse"}})
    same = 0
    for s in range(40):
        a = simulate(compiled, s)
        if not any(e[5].startswith("limited") for e in events_of(a, "hezbollah", "answer")):
            continue
        b = simulate(pinned, s)
        # The pinned run says whether its pin came up (model.sim.pins); nothing else differs.
        ledger = [e for e in b.events if e[1:3] == ("scenario", "pin")]
        assert [e[3] for e in ledger] == ["hezbollah_full_commitment"], s
        assert a.events == [e for e in b.events if e not in ledger], s
        np.testing.assert_array_equal(a.metrics, b.metrics)
        same += 1
    assert same >= 20
