"""R3: a patron's belief in the regime's survival, and the support it gives."""

from __future__ import annotations

import pytest
from sim_helpers import grid, strictly_increasing

from model.sim import rules


def test_support_level_falls_as_belief_drops():
    beliefs = grid(0.0, 1.0)
    s = [rules.support_level(b, 0.9, 0.4, 0.1) for b in beliefs]
    assert strictly_increasing(s)  # i.e. decreasing as belief drops
    assert all(0.0 <= x <= 0.9 for x in s)
    assert rules.support_level(0.4, 0.9, 0.4, 0.1) == pytest.approx(0.45)
    assert rules.support_level(1.0, 0.0, 0.4, 0.1) == 0.0


def test_belief_moves_part_way_toward_what_is_observed():
    assert rules.update_belief(1.0, 0.5, 0.2) == pytest.approx(0.9)
    assert rules.update_belief(0.4, 0.8, 0.5) == pytest.approx(0.6)
    assert rules.update_belief(0.7, 0.2, 0.0) == 0.7
    assert rules.update_belief(0.7, 0.2, 1.0) == pytest.approx(0.2)
