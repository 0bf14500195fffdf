"""``explain``: every rule with its parameters, their values and sources, and what a file changes."""

from __future__ import annotations

import textwrap
from pathlib import Path

from model.config.loader import load_scenario, read_yaml
from model.config.schema import OPPOSITION, PATRONS, Param, iter_params
from model.sim.rules import RULES


def _provenance(p: Param) -> str:
    bits = []
    if p.set_in:
        bits.append(f"set in {Path(p.set_in).name}")
    if p.source:
        bits.append(f"source: {p.source}")
    if p.assumption:
        bits.append(f"assumption: {p.assumption}")
    return "; ".join(bits)


def _expand(name: str) -> list[str]:
    if "<patron>" in name:
        return [name.replace("<patron>", k) for k in PATRONS]
    if "<opposition>" in name:
        return [name.replace("<opposition>", k) for k in OPPOSITION]
    return [name]


def _actors(sc) -> list[str]:
    """The armed actors that take places: where each starts, acts and whom it answers to."""
    out = ["Actors that take places (R7; the local ones decide when to act, R11):"]
    for key in OPPOSITION:
        f = getattr(sc.actors, key)
        held = [n for n, p in sc.places.items() if p.holder == key] or ["none"]

        def val(param, default):
            return default if param is None else param.value

        out.append(
            f"    {key}: holds {', '.join(held)}; acts on "
            f"{', '.join(val(f.scope, ['any place']))}; already in "
            f"{', '.join(val(f.present_in, []) or ['none'])}; attacks "
            f"{', '.join(val(f.enemies, ['regime']))}; restrained by "
            f"{_restrainers(sc, key)}; defers to {val(f.defers_to, 'no one')}"
        )
    out.append("")
    return out


def _restrainers(sc, force: str) -> str:
    """The states of the restraint table that can restrain ``force``, and how far."""
    held = [(s, t[force].value) for s, t in sc.restraint.items() if force in t]
    return ", ".join(f"{s} (as far as {v})" for s, v in held if v > 0) or "no state"


def explain(path: str) -> str:
    """Text listing every rule, its parameters with values and provenance, and the changes.

    Args:
        path: A scenario file.
    """
    sc = load_scenario(path)
    params = dict(iter_params(sc))
    wrap = textwrap.TextWrapper(width=100, initial_indent="      ", subsequent_indent="      ")
    out = [f"Scenario {sc.name}: {sc.title}"]
    if sc.rationale:
        out += wrap.wrap(sc.rationale.strip())
    out.append("")
    for rule in RULES.values():
        out.append(f"{rule.id}  {rule.title}")
        where = "sources" if rule.section.startswith("other outlets") else "article section"
        out.append(f"    {where}: {rule.section}")
        out += wrap.wrap(f'"{rule.quote}"')
        out += wrap.wrap("code: " + ", ".join(rule.code))
        for name in rule.params:
            table = [k for k in params if k.startswith("restraint.")]  # the R8/R17 table
            for full in table if name == "restraint" else _expand(name):
                if full in params:
                    p = params[full]
                    out.append(f"    {full} = {p.value!r}")
                    out += wrap.wrap(_provenance(p))
                elif full == "actors.insiders":
                    for ins in sc.actors.insiders:
                        out.append(
                            f"    insider {ins.name} ({ins.role}): exit_threshold="
                            f"{ins.exit_threshold}, belief_update_rate={ins.belief_update_rate},"
                            f" routes={ins.routes}"
                        )
                        out += wrap.wrap(f"source: {ins.source}")
                elif full == "exit_routes":
                    for rname, er in sc.exit_routes.items():
                        out.append(f"    exit route {rname}: open while {er.requires} are held")
                        out += wrap.wrap(f"source: {er.source}")
        out.append("")
    out += _actors(sc)
    pins = {k: v for k, v in sc.decisions.items() if v != "auto"}
    out.append("Pinned decisions: " + (", ".join(f"{k}={v}" for k, v in pins.items()) or "none"))
    out.append("Rules switched off: " + (", ".join(sc.rules.disabled) or "none"))
    for iv in sc.interventions:
        sets = ", ".join(f"{k}={v!r}" for k, v in iv.set.items())
        out.append(f"Intervention from {iv.date.isoformat()}: {sets}  {iv.note}")
    parent = read_yaml(Path(path)).get("extends")
    if isinstance(parent, str):
        from model.analysis.compare import changes

        ppath = Path(path).parent / parent
        base = load_scenario(ppath)
        diff = changes(base, sc)
        out.append("")
        out.append(f"Changes relative to {ppath} ({base.name}):")
        for c in diff:
            out.append(f"    {c['what']}: {c['base']!r} -> {c['new']!r}")
        if not diff:
            out.append("    none")
    out.append("")
    out += decision_lines(sc)
    return "\n".join(out)


# decision -> the actor whose rule draws it (None: it follows another decision)
DECIDERS = {
    "turkey_holds_back_offensive": "turkey",
    "turkey_halts_offensive": "turkey",
    "turkey_deescalates_for_iran": "turkey",
    "turkey_reins_in_opposition": "turkey",
    "hezbollah_full_commitment": "hezbollah",
    "iraq_sends_pmf": "iraq",
    "ceasefire_accepted": None,
    "leader_accepts_offer": "regime",
    "russia_raises_air_effort": "russia",
}
BELIEFS = (0.0, 0.25, 0.5, 0.75, 1.0)


def probability_at(sc, decision: str, belief: float, condition: bool | None = None) -> float:
    """The probability the decider's rule gives ``decision`` at a given belief in the regime.

    Patrons' answers follow R1 with the scenario's parameters (Turkey's condition as the
    scenario sets it before any transition, unless ``condition`` says otherwise); the
    leader's acceptance follows R4.
    """
    from model.sim import rules

    who = DECIDERS[decision]
    temperature = sc.decision_temperature.value
    if who == "regime":
        threshold = sc.actors.regime.offer_accept_threshold.value
        return rules.below_threshold_probability(belief, threshold, temperature)
    pp = getattr(sc.actors, who)
    if condition is None:
        condition = who != "turkey" or sc.actors.regime.political_process_before_offensive.value
    penalty = pp.condition_penalty.value if who == "turkey" else 0.0
    return rules.answer_probability(
        pp.alignment.value,
        pp.viability_weight.value,
        belief,
        pp.domestic_cost.value,
        penalty,
        condition,
        temperature,
    )


def decision_states(sc, runs: int = 50) -> dict[str, list[tuple[float, float | None]]]:
    """(probability, belief) of every draw of each decision, over ``runs`` runs."""
    from model.config.runs import DEFAULT_SEED
    from model.ensemble.memory import run_seeds
    from model.sim.compiled import compile_scenario
    from model.sim.model import SyriaModel, release

    c = compile_scenario(sc)
    seen: dict[str, list[tuple[float, float | None]]] = {d: [] for d in DECIDERS}
    for seed in run_seeds(DEFAULT_SEED, runs):
        m = SyriaModel(c, seed=seed)
        m.decisions.trace = []
        for _ in range(m.horizon):
            m.step()
        for decision, prob, belief in m.decisions.trace:
            seen.setdefault(decision, []).append((prob, belief))
        release(m)
    return seen


def _spread(values: list[float]) -> str:
    import numpy as np

    lo, med, hi = np.percentile(values, [5, 50, 95])
    return f"{med:.2f} [{lo:.2f}-{hi:.2f}]"


def decision_lines(sc, runs: int = 50) -> list[str]:
    """Each documented decision: its probability at the state the runs reach, and its curve.

    The state is the decider's belief in the regime when it decides, in ``runs`` runs of the
    scenario (seeds spawned from the default master seed); the curve is the rule's probability across that
    belief with every other input as the scenario sets it.
    """
    states = decision_states(sc, runs)
    out = [
        f"Decisions: probability of accepting, at the state reached in {runs} runs "
        "(median [5-95 %]) and across the decider's belief in the regime",
        "    belief:" + "".join(f"{b:>8.2f}" for b in BELIEFS),
    ]
    for decision, who in DECIDERS.items():
        pin = sc.decisions.get(decision, "auto")
        drawn = states.get(decision, [])
        head = f"  {decision} ({who or 'follows Turkey at Doha'}; pin: {pin})"
        if drawn:
            probs = [p for p, _ in drawn]
            beliefs = [b for _, b in drawn if b is not None]
            at = f"drawn in {len(drawn)} runs at p = {_spread(probs)}"
            if beliefs:
                at += f", belief {_spread(beliefs)}"
        else:
            at = "not reached in these runs"
        out.append(f"{head}: {at}")
        if who is not None:
            curve = "".join(f"{probability_at(sc, decision, b):>8.3f}" for b in BELIEFS)
            out.append("    p:     " + curve)
        if who == "turkey":  # the other state Turkey's answer turns on: its condition
            met = not sc.actors.regime.political_process_before_offensive.value
            curve = "".join(f"{probability_at(sc, decision, b, met):>8.3f}" for b in BELIEFS)
            label = "with a political process" if met else "without a political process"
            out.append(f"    p:     {curve}   ({label})")
    return out
