"""R16: the regime's measures to keep its army (the pay rise)."""

from __future__ import annotations

import numpy as np
from sim_helpers import variant

from model.sim.garrison import CONSCRIPT
from model.sim.model import SyriaModel, release


def test_the_pay_rise_raises_career_units_thresholds_only(compiled):
    m = SyriaModel(compiled, seed=3)
    g = m.garrison
    before = g.theta.copy()
    for _ in range(m.horizon):
        m.step()
        if m.leadership.pay_raised:
            break
    assert m.leadership.pay_raised
    raised = g.theta - before
    effect = compiled.p.actors.units.pay_rise_effect
    assert np.allclose(raised[g.kind == CONSCRIPT], 0.0)
    assert np.allclose(raised[g.kind != CONSCRIPT], effect)
    release(m)
    off = SyriaModel(variant(compiled, off=["R16"]), seed=3)
    for _ in range(off.horizon):
        off.step()
    assert not off.leadership.pay_raised
    release(off)
