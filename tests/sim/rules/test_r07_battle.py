"""R7: battle at a contested place."""

from __future__ import annotations

import pytest
from sim_helpers import grid, strictly_increasing

from model.sim import rules


def test_advance_grows_with_attack_and_shrinks_with_defence():
    attack = [rules.advance_km(a, 1000.0, 30.0, 2.0, 0.0) for a in grid(100.0, 10000.0)]
    defence = [rules.advance_km(1000.0, d, 30.0, 2.0, 0.0) for d in grid(100.0, 10000.0)]
    assert strictly_increasing(attack)
    assert strictly_increasing(defence[::-1])
    assert rules.advance_km(0.0, 1000.0, 30.0, 2.0, 0.0) == 0.0
    assert rules.advance_km(1000.0, 0.0, 30.0, 2.0, 0.0) == pytest.approx(30.0)
