"""R9: a halted force takes no place until its halt lapses."""

from __future__ import annotations

from sim_helpers import events_of

from model.sim.model import simulate

SEEDS = range(100)


def _taken_while_halted(result, force: str) -> tuple[bool, list]:
    """Whether ``force`` was ever halted, and the places it took while halted.

    The event log is in the order things happened within a day: a halt logged after the
    day's battle (Russia's partner stopping to hold the capital it just took) does not
    cover that battle.
    """
    halted, ever, taken = False, False, []
    for e in result.events:
        if e[1] != force:
            continue
        if e[2] == "halt":
            halted = ever = True
        elif e[2] == "halt_ended":
            halted = False
        elif e[2] == "holder_change" and halted:
            taken.append(e)
    return ever, taken


def test_a_halted_force_takes_no_place(load_override):
    c = load_override({"decisions": {"ceasefire_accepted": "accept"}})
    halted_runs = 0
    for s in SEEDS:
        r = simulate(c, s)
        for force in ("northern_opposition", "southern_command", "sna"):
            ever, taken = _taken_while_halted(r, force)
            halted_runs += ever
            assert not taken, (s, force, taken)
    # R17: the ceasefire binds the north (Turkey restrains it), not the southern factions.
    assert halted_runs > 0.5 * len(SEEDS)


def _ceasefire_with_compliance(load_override, compliance: float):
    """The Doha ceasefire pinned, both forces with the given halt compliance."""
    return load_override(
        {
            "decisions": {"ceasefire_accepted": "accept"},
            "actors": {
                # One mapping each: YAML aliases are refused.
                "northern_opposition": {"halt_compliance": compliance},
                "southern_command": {"halt_compliance": compliance},
            },
            # Turkey's hold on the north is made complete, so that its compliance is the
            # halt's only chance (R17).
            "restraint": {"turkey": {"northern_opposition": 1.0}},
        },
        name=f"ceasefire-{compliance:g}",
    )


def test_halts_lapse_with_the_complement_of_compliance(load_override):
    strict = _ceasefire_with_compliance(load_override, 1.0)
    loose = _ceasefire_with_compliance(load_override, 0.5)
    strict_runs = [simulate(strict, s) for s in range(40)]
    loose_runs = [simulate(loose, s) for s in range(40)]
    assert not any(events_of(r, "northern_opposition", "halt_ended") for r in strict_runs)
    assert not any(events_of(r, "northern_opposition", "halt_refused") for r in strict_runs)
    ended = sum(bool(events_of(r, "northern_opposition", "halt_ended")) for r in loose_runs)
    refused = sum(bool(events_of(r, "northern_opposition", "halt_refused")) for r in loose_runs)
    assert ended > 5 and refused > 5
