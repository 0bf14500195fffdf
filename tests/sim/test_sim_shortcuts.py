"""The simulation core's shortcuts for speed (issue 17) change no number and keep Mesa's API.

``tests/test_regression.py`` checks the results byte for byte; these tests pin the reasons
the shortcuts are exact, so that a change that breaks one fails here with a clear message.
"""

from __future__ import annotations

import numpy as np
import pytest

from model.sim.garrison import Unit
from model.sim.model import SyriaModel, release, simulate
from model.sim.schedule import DailyNoise, NormalDraws


@pytest.mark.parametrize("shape", [(120,), (2, 17)])
def test_daily_noise_rows_are_the_daily_normal_draws(shape):
    """Drawing the horizon at once gives, bit for bit, what one draw a day would give."""
    for seed in range(20):
        sd = 0.05 + 0.1 * seed
        days = 7
        stream = np.random.default_rng(seed)
        block = DailyNoise(lambda g=stream: g, shape, days)
        daily = np.random.default_rng(seed)
        for d in range(2 * days + 3):  # past the first block, too
            assert np.array_equal(block.day(d) * sd, daily.normal(0.0, sd, shape)), (seed, d)


@pytest.mark.parametrize("block", [1, 5, 32])
def test_normal_draws_are_the_scalar_normal_draws(block):
    """One number at a time from blocks gives, bit for bit, what one call per number gives."""
    for seed in range(20):
        stream = np.random.default_rng(seed)
        draws = NormalDraws(lambda g=stream: g, block)
        scalar = np.random.default_rng(seed)
        for k in range(3 * block + 2):
            sd = 0.01 * (1 + k % 7)  # the scale may differ from one draw to the next
            assert sd * draws.next() == scalar.normal(0.0, sd), (seed, k)


def test_unit_agents_are_created_only_when_asked_for(compiled):
    m = SyriaModel(compiled, seed=3)
    assert Unit not in m._agents_by_type  # a plain run registers no unit
    units = list(m.agents_by_type[Unit])
    assert len(units) == len(m.garrison.place) == len(m.garrison.units)
    assert len(m.agents) == (
        len(units) + len(m.observer_list) + len(m.force_list) + len(m.insider_list)
    )
    for _ in range(m.horizon):
        m.step()
    g = m.garrison
    assert [u.responsive for u in units] == g.responsive.tolist()
    assert [u.threshold for u in units] == g.theta.tolist()
    assert [u.dissolved for u in units] == (~g.alive).tolist()
    release(m)


def test_asking_for_the_units_changes_no_result(compiled):
    plain = simulate(compiled, 11)
    m = SyriaModel(compiled, seed=11)
    m.agents_by_type  # noqa: B018 - creates the unit agents before the run
    for _ in range(m.horizon):
        m.step()
    assert np.array_equal(m.metrics, plain.metrics)
    assert np.array_equal(m.holders, plain.holders)
    assert m.events == plain.events
    release(m)


def test_agent_sets_hold_the_actors_in_the_order_they_act(compiled):
    m = SyriaModel(compiled, seed=0)
    assert list(m.forces) == [m.north, *m.locals] == list(m.force_list)
    assert [f.key for f in m.locals][0] == "southern_command" and m.south is m.locals[0]
    assert list(m.patrons) == list(m.patron_list)
    assert list(m.observers) == [m.leadership, *m.patron_list, m.doha]
    assert list(m.insiders) == list(m.insider_list)
    release(m)


def test_mesa_files_every_agent_when_asked(compiled):
    """Registration is deferred (``SyriaModel.register_agent``), never lost or reordered."""
    m = SyriaModel(compiled, seed=2)
    actors = [*m.observer_list, *m.insider_list, *m.force_list]
    assert sorted(a.unique_id for a in m.agents if a in actors) == sorted(
        a.unique_id for a in actors
    )
    by_id = sorted(m.agents, key=lambda a: a.unique_id)
    assert list(m.agents) == by_id  # filed in the order they were created
    m.doha.remove()  # Mesa's own removal still works on a deferred agent
    assert m.doha not in m.agents
    assert {type(a) for a in m.agents} <= set(m.agent_types)
    release(m)


def _same(a, b) -> bool:
    return (
        np.array_equal(a.metrics, b.metrics)
        and np.array_equal(a.holders, b.holders)
        and a.events == b.events
    )


def test_what_runs_share_follows_the_rules_and_forces_of_each_run(compiled):
    """Front lines worked out once are shared only by runs with the same setup.

    A run's setup (rules switched off, the forces' scopes and enemies) may change between
    runs of one compiled scenario, in place or in a copy; results must be those of a
    scenario compiled afresh with that setup.
    """
    import copy

    from model.config.paths import set_in
    from model.sim.compiled import compile_scenario

    seeds = range(12)
    on = [simulate(compiled, s) for s in seeds]  # fills the shared store
    fresh = compile_scenario(compiled.scenario)
    set_in(fresh.p, "rules.disabled", ["R8"])
    want = [simulate(fresh, s) for s in seeds]
    assert not all(_same(a, b) for a, b in zip(on, want, strict=True))  # the rules matter

    copied = copy.copy(compiled)
    copied.p = copy.deepcopy(compiled.p)
    set_in(copied.p, "rules.disabled", ["R8"])
    assert all(_same(simulate(copied, s), w) for s, w in zip(seeds, want, strict=True))

    in_place = compile_scenario(compiled.scenario)
    [simulate(in_place, s) for s in seeds]
    set_in(in_place.p, "rules.disabled", ["R8"])
    assert all(_same(simulate(in_place, s), w) for s, w in zip(seeds, want, strict=True))
    assert copy.copy(compiled).memo == {} and copy.deepcopy(compiled).memo == {}


def test_the_shared_store_stays_small(monkeypatch):
    """The store of front lines is emptied when full, so memory is flat in the runs."""
    from model.sim import compiled as comp

    monkeypatch.setattr(comp, "MEMO_SIZE", 5)
    memo = comp.Memo()
    made = [memo.remember((k,), lambda k=k: [k]) for k in range(23)]
    assert made == [[k] for k in range(23)] and len(memo) <= 5
    assert memo.remember((22,), lambda: None) == [22]  # kept: made once, not again


def test_a_run_with_interventions_copies_only_what_it_changes():
    """``copy_along``: the run changes its own copy of the changed path, not the scenario's."""
    from model.config.loader import load_scenario
    from model.config.paths import get_in
    from model.sim.compiled import compile_scenario

    c = compile_scenario(load_scenario("scenarios/counterfactuals/russia_withdraws_early.yaml"))
    (path,) = [p for _, changes in c.interventions for p in changes]
    before = get_in(c.p, path)
    m = SyriaModel(c, seed=4)
    for _ in range(m.horizon):
        m.step()
    assert get_in(m.p, path) != before and get_in(c.p, path) == before
    assert m.p.actors.iran is c.p.actors.iran  # untouched branches are shared
    assert m.p.actors.russia is not c.p.actors.russia
    release(m)
    a, b = simulate(c, 4), simulate(c, 4)
    assert np.array_equal(a.metrics, b.metrics) and a.events == b.events
