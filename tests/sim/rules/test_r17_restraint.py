"""R17: a state restrains only the forces it backs, as far as it can."""

from __future__ import annotations

import numpy as np
from sim_helpers import many_runs, variant

from model.sim.model import SyriaModel, release


def test_turkey_holding_the_offensive_back_delays_aleppo(compiled):
    aleppo = compiled.index["Aleppo"]
    pinned = variant(compiled)
    pinned.p.decisions = {**compiled.p.decisions, "turkey_holds_back_offensive": "accept"}

    def mean_fall(c):
        d = np.array([r.fall_day[aleppo] for r in many_runs(c)], dtype=float)
        return np.mean(np.where(d >= 0, d, c.p.horizon_days))

    assert mean_fall(pinned) > mean_fall(compiled) + 2.0
    off = variant(pinned, off=["R17"])
    assert abs(mean_fall(off) - mean_fall(compiled)) < 0.5


def test_turkey_s_condition_met_makes_holding_back_likelier(compiled):
    def prob(c):
        m = SyriaModel(c, seed=1)
        m.decisions.trace = []
        m.step()
        p = next(p for d, p, _ in m.decisions.trace if d == "turkey_holds_back_offensive")
        release(m)
        return p

    met = variant(compiled, actors__regime__political_process_before_offensive=True)
    assert prob(met) > 2 * prob(compiled)


def _ceasefire_halts(c) -> tuple[dict[str, int], dict[str, int]]:
    """Per force, the runs in which the Doha ceasefire halted it, and those it did not bind."""
    halted: dict[str, int] = {}
    not_binding: dict[str, int] = {}
    for r in many_runs(c):
        for who in {e[1] for e in r.events if e[2] == "halt" and e[5] == "ceasefire"}:
            halted[who] = halted.get(who, 0) + 1
        for who in {e[1] for e in r.events if e[2] == "halt_not_binding"}:
            not_binding[who] = not_binding.get(who, 0) + 1
    return halted, not_binding


def test_a_doha_ceasefire_binds_only_the_forces_states_at_the_table_restrain(compiled):
    c = variant(compiled)
    c.p.decisions = {**compiled.p.decisions, "ceasefire_accepted": "accept"}
    halted, not_binding = _ceasefire_halts(c)
    # Turkey restrains the north, Russia (at the table) the south, as far as the table says;
    # no state at the table restrains the SDF.
    assert halted.get("northern_opposition", 0) > 0 and halted.get("southern_command", 0) > 0
    assert "sdf" not in halted and not_binding.get("sdf", 0) > 0
    off = variant(c, off=["R17"])
    assert _ceasefire_halts(off)[0].get("sdf", 0) > 0  # without R17 every force is asked


def test_one_restraint_table_is_read_by_the_ceasefire_and_by_russia_s_choice_of_partner(compiled):
    """R8 and R17 read the same table: Russia's hold on the south binds it at Doha and makes
    it Russia's partner after the fall; without that hold, neither."""
    c = variant(compiled)
    c.p.decisions = {**compiled.p.decisions, "ceasefire_accepted": "accept"}
    none = variant(c, restraint__russia__southern_command=0.0)
    assert _ceasefire_halts(c)[0].get("southern_command", 0) > 0
    assert _ceasefire_halts(none)[0].get("southern_command", 0) == 0

    def south_partner(v) -> float:  # share of runs in which Russia works with the south
        return np.mean(
            [any(e[1:4] == ("russia", "coordination", "southern_command") for e in r.events)
             for r in many_runs(v)]
        )  # fmt: skip

    held = south_partner(compiled)
    assert held > 0.5
    # Without its hold, Russia works with the south only where no other force is at hand.
    assert south_partner(variant(compiled, restraint__russia__southern_command=0.0)) < held - 0.2
