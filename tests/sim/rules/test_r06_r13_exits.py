"""R6 and R13: exit routes and crossings open and close with who holds the places; an
insider leaves by his route, a unit that stops answering crosses, surrenders or dissolves.
"""

from __future__ import annotations

import copy

import numpy as np
from sim_helpers import many_runs, variant

from model.config.schema import HOLDERS
from model.sim.outputs import METRICS


def test_soldiers_cross_at_al_qaim_while_the_sdf_holds_al_bukamal(load_override):
    """R13/R6: the SDF's hold on al-Bukamal does not close the crossing (Reuters; Shafaq
    News; Iraqi News Agency: soldiers crossed at al-Qaim after the SDF entered al-Bukamal on
    6 Dec); another holder's does. Here the SDF holds al-Bukamal from the start."""
    k = METRICS.index("soldiers_crossed_iraq")

    def crossed(passable) -> float:
        c = load_override(
            {
                "places": {"al-Bukamal": {"holder": "sdf", "garrison_weight": 0}},
                "exit_routes": {"iraq_via_bukamal": {"passable_with": passable}},
            },
            name=f"sdf-bukamal-{len(passable)}",
        )
        return float(np.mean([r.metrics[-1, k] > 0 for r in many_runs(c)]))

    assert crossed(["sdf"]) > 0.5
    assert crossed([]) == 0.0


def test_soldiers_cross_into_iraq_only_while_the_crossing_is_open(compiled):
    k = METRICS.index("soldiers_crossed_iraq")
    runs = many_runs(compiled)
    assert np.mean([r.metrics[-1, k] > 0 for r in runs]) > 0.5
    assert all(np.all(np.diff(r.metrics[:, k]) >= 0) for r in runs)  # a count, never falls
    bukamal = compiled.index["al-Bukamal"]
    for r in runs:  # nobody crosses once a holder that closes it holds al-Bukamal
        holders = r.holders[:, bukamal]
        shut = np.flatnonzero((holders != 0) & (holders != HOLDERS.index("sdf")))
        if len(shut) and shut[0] + 1 < len(r.metrics):
            assert r.metrics[-1, k] == r.metrics[shut[0], k]
    none = many_runs(variant(compiled, off=["R13"]))
    assert all(r.metrics[-1, k] == 0 for r in none)


def test_units_from_the_north_east_make_for_the_crossing(compiled):
    """R13: units of the regime's enclaves in Hasakah and Qamishli may cross at al-Qaim."""
    k = METRICS.index("soldiers_crossed_iraq")

    def crossed(c) -> float:
        return float(np.mean([r.metrics[-1, k] for r in many_runs(c)]))

    near = copy.copy(compiled)
    near.p = copy.deepcopy(compiled.p)
    near.p.exit_routes["iraq_via_bukamal"].units_from = ["al-Bukamal", "Deir ez-Zor"]
    assert crossed(compiled) > crossed(near) + 100


def test_maher_al_assad_leaves_by_air(compiled):
    """R6: the insider's route is the one reported (Reuters, 13 Dec: by helicopter)."""
    runs = many_runs(compiled)
    left = [e for r in runs for e in r.events if e[1] == "Maher al-Assad" and e[2] == "departure"]
    assert left and all(e[4] == "iraq_by_air" for e in left if e[5] == "left")


def test_units_that_surrender_arm_their_attacker(compiled):
    strength = METRICS.index("opposition_strength")

    def final(c):
        return np.mean([r.metrics[-1, strength] for r in many_runs(c)])

    assert final(variant(compiled, actors__units__exit_surrender=0.9)) > final(
        variant(compiled, actors__units__exit_surrender=0.0)
    )
