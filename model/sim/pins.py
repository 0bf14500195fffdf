"""Whether a scenario's what-ifs came up and took effect in a run (the pins' ledger).

A counterfactual changes the world in three ways: it pins a documented decision
(``decisions:``), schedules a change of parameters (``interventions:``), or sets a parameter
to another value than the file it extends (a flip). None of them is a change in the world
unless the run reaches the point where it matters: a pin on a decision nobody is asked to
take, or a flip of a parameter that is never read where it would change something, changes
nothing, and the tool must say so.

- A pinned decision came up when its decider reached it; it took effect when its
  consequence followed (for a yes whose consequence comes later, such as the PMF's arrival
  through a crossing that may have closed, when that happened: ``Decisions.consequence``).
- A flip or an intervention took effect on the first day the run's world (its daily metrics
  or holders) differs from the same seed's run without it. Common random numbers make that
  comparison exact: the two runs draw the same numbers until something differs.

Each pin's outcome is appended to the run's event log as ``("scenario", "pin", name, kind,
outcome)`` on the day it came up (the last day if it never did), which is all the summaries
need (``model.analysis.summary``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.config.schema import Scenario, iter_params

# What a pinned decision's coming up means, in words (the pin's ``never came up`` line).
ASKED = {
    "turkey_halts_offensive": "Turkey was asked, through Iraq, to halt the offensive",
    "turkey_deescalates_for_iran": "Iran asked Turkey in Ankara to de-escalate",
    "hezbollah_full_commitment": "the regime asked Hezbollah for fighters",
    "iraq_sends_pmf": "the regime asked Iraq for the PMF",
    "turkey_reins_in_opposition": "Iran asked Turkey at Doha to rein in the opposition",
    "ceasefire_accepted": "a ceasefire was proposed at Doha",
    "leader_accepts_offer": "Russia made its offer",
    "turkey_holds_back_offensive": "Turkey weighed holding the offensive back",
    "russia_raises_air_effort": "the regime appealed to Russia in Moscow",
}


@dataclass(frozen=True)
class Pin:
    """One what-if of a scenario.

    Attributes:
        kind: ``decision``, ``intervention`` or ``parameter``.
        name: The decision's name; ``from <date>: <paths>`` for an intervention; the dotted
            parameter for a flip.
        index: For an intervention, its position among the scenario's interventions in date
            order (``Compiled.interventions``).
        path: For a flip, the parameter's dotted name.
        replaces: For a flip, the value of the file it extends.
    """

    kind: str
    name: str
    index: int = -1
    path: str = ""
    replaces: object = None


def scenario_pins(sc: Scenario) -> tuple[Pin, ...]:
    """The scenario's pinned decisions, interventions and parameter flips, in that order."""
    pins = [Pin("decision", k) for k, v in sc.decisions.items() if v != "auto"]
    for i, iv in enumerate(sorted(sc.interventions, key=lambda iv: iv.date)):
        pins.append(Pin("intervention", f"from {iv.date.isoformat()}: {', '.join(iv.set)}", i))
    for path, param in iter_params(sc):
        if param.set_in is not None and param.replaces is not None:
            if param.replaces != param.value:
                pins.append(Pin("parameter", path, path=path, replaces=param.replaces))
    return tuple(pins)


def without(sc: Scenario, pin: Pin) -> Scenario:
    """The scenario with one intervention or flip undone (its twin, for the comparison)."""
    if pin.kind == "intervention":
        dated = sorted(sc.interventions, key=lambda iv: iv.date)
        return sc.model_copy(update={"interventions": dated[: pin.index] + dated[pin.index + 1 :]})
    data = sc.model_dump()
    node = data
    *parents, last = pin.path.split(".")
    for part in parents:
        node = node[part]
    node[last] = {**node[last], "value": pin.replaces, "replaces": None}
    return Scenario.model_validate(data)


def first_difference(a_metrics, a_holders, b_metrics, b_holders) -> int | None:
    """The first day two runs' worlds differ (metrics or holders), or None."""
    days = np.flatnonzero(
        (a_metrics != b_metrics).any(axis=1) | (a_holders != b_holders).any(axis=1)
    )
    return int(days[0]) if len(days) else None


def decision_outcome(name: str, decisions, horizon: int) -> tuple[int, str]:
    """A pinned decision's day and outcome in a finished run's ledger (``Decisions``)."""
    if name not in decisions.came_up:
        return horizon - 1, f"never came up: {ASKED.get(name, name)} in no day of the run"
    day = decisions.came_up[name]
    effect = decisions.effect.get(name)
    if effect is None:
        return day, f"came up on day {day}, no effect by the horizon"
    if effect[1]:
        return day, f"came up on day {day}, no effect: {effect[1]}"
    return day, f"took effect on day {effect[0]}"


def flip_outcome(day: int | None, horizon: int) -> tuple[int, str]:
    """A flip's or intervention's day and outcome, from the first day the twin differs."""
    if day is None:
        return horizon - 1, "never came up: the run is the same without it"
    return day, f"took effect on day {day}"
