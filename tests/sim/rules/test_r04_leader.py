"""R4: the leader declines an offer while he believes he can fight on; he leaves when his
belief collapses or a column nears the capital; an accepted offer hands the capital over.
"""

from __future__ import annotations

import pytest
from sim_helpers import grid, strictly_increasing

from model.sim import rules
from model.sim.model import SyriaModel, simulate


def test_offer_acceptance_falls_as_believed_viability_rises():
    believed = grid(0.0, 1.0)
    p = [rules.below_threshold_probability(b, 0.3, 0.35) for b in believed]
    assert strictly_increasing(p[::-1])
    assert rules.below_threshold_probability(0.3, 0.3, 0.35) == pytest.approx(0.5)
    # A higher acceptance threshold makes him accept more readily.
    assert rules.below_threshold_probability(0.5, 0.6, 0.35) > rules.below_threshold_probability(
        0.5, 0.3, 0.35
    )


def test_the_leader_can_leave_while_the_capital_holds(compiled):
    m = SyriaModel(compiled, seed=1)
    m.step()
    m.leadership.believed = 0.0  # his own belief collapses; no force is near the capital
    m.leadership.consider_flight()
    assert m.leadership.left_day == 0
    assert m.battlefield.holder[compiled.capital] == 0
    assert m.battlefield.capital_threat() == 0.0


def test_the_capital_can_fall_while_the_leader_stays(compiled):
    m = SyriaModel(compiled, seed=1)
    m.step()
    cap, homs = compiled.capital, compiled.index["Homs"]
    m.battlefield.holder[homs] = m.north.code  # the north next to the capital ...
    m.battlefield.lines_moved()
    km = dict(compiled.neighbours[homs])[cap]
    m.north.progress[cap] = km * 0.95  # ... its column nearly in, the guard still answering
    m.north.strength = 1e7
    m.p = __import__("copy").deepcopy(m.p)
    m.p.actors.regime.capital_threat_threshold = 1.0  # he does not read it as the end
    m.leadership.consider_flight()
    assert m.leadership.present
    m.battlefield.battle()
    assert m.battlefield.holder[cap] == m.north.code
    assert m.leadership.present  # taken with the leader still in the country


def test_an_accepted_offer_hands_the_capital_over_instead_of_a_capture(load_override):
    c = load_override({"decisions": {"leader_accepts_offer": "accept"}})
    cap = c.capital
    runs = [simulate(c, s) for s in range(40)]
    handed = [r for r in runs if r.end_state == "negotiated_transition"]
    assert len(handed) >= 36
    for r in handed:
        changes = [e for e in r.events if e[2] == "holder_change" and e[3] == c.names[cap]]
        assert changes and changes[0][1] == "transitional_authority", changes
        assert not any(e[1] in ("northern_opposition", "southern_command") for e in changes)
