"""``explain``'s decision curves are the rules at the state the runs reach."""

from __future__ import annotations

import pytest
from sim_helpers import grid, strictly_increasing


def test_explain_curves_are_the_rules_at_the_state_the_runs_reach(baseline):
    from model.cli.explain import DECIDERS, decision_lines, decision_states, probability_at

    states = decision_states(baseline, runs=10)
    checked = 0
    for decision, who in DECIDERS.items():
        if who is None or decision == "turkey_reins_in_opposition":
            continue  # at Doha Turkey's condition may already be met by an agreed transition
        for prob, belief in states[decision]:
            assert probability_at(baseline, decision, belief) == pytest.approx(prob)
            checked += 1
    assert checked > 30
    text = "\n".join(decision_lines(baseline, runs=5))
    assert "leader_accepts_offer (regime; pin: auto): drawn in 5 runs" in text
    leader = [probability_at(baseline, "leader_accepts_offer", b) for b in grid(0.0, 1.0)]
    assert strictly_increasing(leader[::-1])


def test_every_documented_answer_moves_materially_with_what_its_decider_sees(baseline):
    # Issue 10 item 4: no answer is pinned near 0 or 1 by its parameters. Across belief the
    # odds of every patron's yes change at least tenfold, and it reaches 0.1 at full belief or,
    # for Turkey's, once its condition (a political process) is met: at the values calibrate
    # wrote Turkey's unmet condition weighs so much that it refuses at any belief (0.012 at
    # full belief, 0.96 with the condition met); Turkey's condition alone turns a likely no
    # into a likely yes.
    from model.cli.explain import DECIDERS, probability_at

    for decision, who in DECIDERS.items():
        if who is None:
            continue
        a, b = (probability_at(baseline, decision, x) for x in (0.25, 1.0))
        low, high = sorted((a, b))  # the leader accepts more the less he believes
        if who == "turkey":
            high = max(high, probability_at(baseline, decision, 1.0, condition=True))
        assert high > 10 * low and high >= 0.1, (decision, a, b)
    for decision in ("turkey_halts_offensive", "turkey_reins_in_opposition"):
        unmet = probability_at(baseline, decision, 0.8, condition=False)
        met = probability_at(baseline, decision, 0.8, condition=True)
        assert unmet < 0.15 < 0.5 < met, (decision, unmet, met)
