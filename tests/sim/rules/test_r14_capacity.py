"""R14: a patron delivers no more than its capacity; allied fighters leave once their position
is untenable.
"""

from __future__ import annotations

import copy

import numpy as np
from sim_helpers import hezbollah_left, many_runs, variant

from model.sim.model import SyriaModel, release
from model.sim.outputs import METRICS


def test_russian_support_never_exceeds_its_capacity(compiled):
    # A surge (Russia answers the appeal in Moscow, R1) wants more than it can fly.
    k = METRICS.index("support_russia")
    c = variant(compiled)
    c.p.decisions = {**compiled.p.decisions, "russia_raises_air_effort": "accept"}
    cap = c.p.actors.russia.capacity
    assert cap < c.p.actors.russia.surge_support  # otherwise this test proves nothing
    on = many_runs(c, range(20))
    assert max(r.metrics[:, k].max() for r in on) <= cap + 1e-12
    off = many_runs(variant(c, off=["R14"]), range(20))
    assert max(r.metrics[:, k].max() for r in off) > cap + 0.05


def test_iran_delivers_no_more_than_it_can(compiled):
    k = METRICS.index("support_iran")
    cap = compiled.p.actors.iran.capacity
    assert cap < compiled.p.actors.iran.support_max
    assert max(r.metrics[:, k].max() for r in many_runs(compiled, range(20))) <= cap + 1e-12
    off = many_runs(variant(compiled, off=["R14"]), range(20))
    assert max(r.metrics[:, k].max() for r in off) > cap + 0.05


def test_hezbollah_sends_no_more_than_it_can(compiled):
    pinned = copy.deepcopy(compiled.p.decisions)
    pinned["hezbollah_full_commitment"] = "accept"
    c = variant(compiled)
    c.p.decisions = pinned
    cap = c.p.actors.hezbollah.capacity_fighters
    for s in range(10):
        m = SyriaModel(c, seed=s)
        for _ in range(m.horizon):
            m.step()
            assert m.hezbollah.deployed <= cap
        release(m)


def test_hezbollah_withdraws_once_its_position_is_untenable(compiled):
    runs = hezbollah_left(compiled)
    assert np.mean([d is not None for d, _, _ in runs]) > 0.8
    off = hezbollah_left(variant(compiled, off=["R14"]))
    assert not any(d is not None for d, _, _ in off)
