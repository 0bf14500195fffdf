"""Every scenario parameter is read by the model: changing it changes some run.

Each parameter of the baseline is perturbed in turn and the scenario recompiled; it must
change the metrics, holders, event log, end state or the probability of a decision in at
least one of a few seeds, in the
baseline or, for parameters that only act in a counterfactual world (the PMF's size, a
compliance with a halt nobody asks for), in one of the shipped counterfactuals.
"""

from __future__ import annotations

import pytest
from repo import REPO_ROOT

from model.config.loader import load_scenario
from model.config.paths import get_in
from model.config.schema import HOLDERS, Param, iter_params
from model.ensemble.runner import run_seeds
from model.sim.compiled import compile_scenario
from model.sim.model import SyriaModel, release

PROBES = [
    REPO_ROOT / "scenarios" / "baseline.yaml",
    *sorted((REPO_ROOT / "scenarios" / "counterfactuals").glob("*.yaml")),
]
SEEDS = run_seeds(7, 20)
BASELINE = load_scenario(PROBES[0])


def perturbed(value, places: list[str]):
    """A clearly different value of the same type (and within its allowed range)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 2
    if isinstance(value, float):
        if 0.0 <= value <= 1.0:
            return value - 0.3 if value > 0.5 else value + 0.3
        return value * 1.5 if value > 0 else value - 0.5
    if isinstance(value, str):
        return next(p for p in places if p != value)
    if isinstance(value, list):
        if len(value) > 1:
            return value[1:]
        if value and value[0] in places:  # one place: another place
            return [next(p for p in places if p not in value)]
        if value and value[0] in HOLDERS:  # one holder: another holder
            return [next(h for h in HOLDERS if h not in value)]
        return [] if value else value + value
    if isinstance(value, dict) and all(isinstance(v, list) for v in value.values()):
        return {k: [] for k in value}  # holder -> places: none
    if isinstance(value, dict):  # scale one entry only: a uniform scale may be normalised away
        first = next(iter(value))
        return {k: (v * 0.2 if k == first else v) for k, v in value.items()}
    raise TypeError(f"no perturbation for {value!r}")


def signature(compiled) -> list:
    """What the runs did, and the probability every decider saw at every decision.

    The probabilities count too: a parameter whose effect is rare (an initial belief that
    has mostly faded by the time its holder answers) still moves a decision's odds.
    """
    out = []
    for s in SEEDS:
        m = SyriaModel(compiled, seed=s)
        m.decisions.trace = []
        for _ in range(m.horizon):
            m.step()
        out.append(
            (
                m.metrics.tobytes(),
                m.holders.tobytes(),
                tuple(m.events),
                m.end_state(),
                tuple(m.decisions.trace),
            )
        )
        release(m)
    return out


def _with(sc, name: str, value):
    sc2 = sc.model_copy(deep=True)
    param = get_in(sc2, name)
    assert isinstance(param, Param)
    object.__setattr__(param, "value", value)  # bypass validation: a probe, not user input
    return compile_scenario(sc2)


@pytest.fixture(scope="module")
def probes():
    scs = [load_scenario(p) for p in PROBES]
    return [(sc, signature(compile_scenario(sc))) for sc in scs]


def test_every_parameter_changes_some_run(probes):
    places = list(BASELINE.places)
    dead = []
    for name, param in iter_params(BASELINE):
        new = perturbed(param.value, places)
        tries = [new]
        v = param.value
        if isinstance(v, float) and not isinstance(v, bool) and 0.0 <= v <= 1.0:
            # and the far end: at the calibrated values (issue 28) the units' pull of a broken
            # chain of command changes no run within +-0.3 (the leader leaves once the
            # capital is all but lost), only near 0
            tries.append(0.1 if v > 0.5 else 0.9)
        if not any(signature(_with(sc, name, x)) != base for x in tries for sc, base in probes):
            dead.append(f"{name} ({param.value!r} -> {new!r})")
    assert not dead, "parameters that change no run: " + "; ".join(dead)


def test_the_probe_finds_a_parameter_whose_rule_is_switched_off():
    # The check can fail: with R8 and R17 off, nothing reads Russia's hold on the south.
    name, new = ("restraint.russia.southern_command", 0.0)
    on = BASELINE
    off = BASELINE.model_copy(
        update={"rules": BASELINE.rules.model_copy(update={"disabled": ["R8", "R17"]})}
    )
    assert signature(_with(off, name, new)) == signature(compile_scenario(off))
    assert signature(_with(on, name, new)) != signature(compile_scenario(on))
