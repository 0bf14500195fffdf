"""Checks pydantic cannot express per field: names that must exist, interventions, uncertain ranges.

Each check raises one ``ScenarioError`` naming the file that set the field and the field.
"""

from __future__ import annotations

import copy
import fnmatch
from typing import Any

from pydantic import (
    ValidationError,
)

from model.config.paths import set_in
from model.config.schema import (
    HOLDERS,
    INHERITED,
    LOCAL_ACTORS,
    OPPOSITION,
    PATRONS,
    Scenario,
    actor_key,
    iter_params,
)
from model.errors import ScenarioError

# Parameters read once when a run starts (sizes, starting states, drawn thresholds): an
# intervention on them would silently do nothing, so it is refused.
FIXED_AT_START = (
    "horizon_days",
    "actors.units.count",
    "actors.units.nominal_total",
    "actors.units.threshold_mean",
    "actors.units.threshold_sd",
    "actors.regime.capital",
    "actors.regime.initial_believed_viability",
    "actors.*.initial_belief",
    "actors.*.initial_momentum",
    "actors.*.strength",
    "actors.doha_participants.members",
)


def check_references(sc: Scenario) -> list[tuple[str, str]]:
    """Cross-field checks pydantic cannot express per field: every name must exist."""
    problems: list[tuple[str, str]] = []
    places = sc.places

    def need_place(name: str, field: str) -> None:
        if name not in places:
            problems.append((field, f"unknown place {name!r}; valid: {', '.join(places)}"))

    for i, r in enumerate(sc.routes):
        need_place(r.a, f"routes[{i}].a")
        need_place(r.b, f"routes[{i}].b")
        if r.a == r.b:
            problems.append((f"routes[{i}]", "a route must join two different places"))
    for name, er in sc.exit_routes.items():
        for j, p in enumerate(er.requires):
            need_place(p, f"exit_routes.{name}.requires[{j}]")
        for j, h in enumerate(er.passable_with):
            if h not in HOLDERS or h == "regime":
                problems.append((f"exit_routes.{name}.passable_with[{j}]", f"unknown holder {h!r}"))
        if er.guarantor is not None and er.guarantor not in PATRONS:
            problems.append(
                (
                    f"exit_routes.{name}.guarantor",
                    f"unknown actor {er.guarantor!r}; valid: {', '.join(PATRONS)}",
                )
            )
    a = sc.actors
    need_place(a.regime.capital.value, "actors.regime.capital")
    if a.regime.capital.value in places and places[a.regime.capital.value].holder != "regime":
        problems.append(("actors.regime.capital", "the capital must be regime-held at the start"))
    for j, rname in enumerate(a.regime.exit_routes.value):
        if rname not in sc.exit_routes:
            problems.append(
                (
                    f"actors.regime.exit_routes[{j}]",
                    f"unknown exit route {rname!r}; valid: {', '.join(sc.exit_routes)}",
                )
            )
    for i, ins in enumerate(a.insiders):
        for j, rname in enumerate(ins.routes):
            if rname not in sc.exit_routes:
                problems.append(
                    (
                        f"actors.insiders[{i}].routes[{j}]",
                        f"unknown exit route {rname!r}; valid: {', '.join(sc.exit_routes)}",
                    )
                )
    for j, p in enumerate(a.hezbollah.limited_reach.value):
        need_place(p, f"actors.hezbollah.limited_reach[{j}]")
    need_place(a.iraq.pmf_entry.value, "actors.iraq.pmf_entry")
    need_place(a.iran.militia_entry.value, "actors.iran.militia_entry")
    for key in ("northern_opposition", "southern_command"):  # the others may inherit these
        for name in INHERITED:
            if getattr(getattr(a, key), name) is None:
                problems.append((f"actors.{key}.{name}", "required"))
    for key in OPPOSITION:
        f = getattr(a, key)
        for field in ("scope", "present_in"):
            param = getattr(f, field)
            for j, p in enumerate(param.value if param is not None else []):
                need_place(p, f"actors.{key}.{field}[{j}]")
        if f.enemies is not None:
            for j, h in enumerate(f.enemies.value):
                if h not in HOLDERS or h == key:
                    problems.append((f"actors.{key}.enemies[{j}]", f"unknown or own holder {h!r}"))
        for h, where in (f.turns_on.value if f.turns_on is not None else {}).items():
            if h not in OPPOSITION or h == key:
                problems.append((f"actors.{key}.turns_on", f"unknown or own force {h!r}"))
            for j, p in enumerate(where):
                need_place(p, f"actors.{key}.turns_on.{h}[{j}]")
        if f.join_weights is not None:
            valid = ["weakness", "army_near", *(k for k in OPPOSITION if k != key)]
            for what in f.join_weights.value:
                if what not in valid:
                    problems.append(
                        (
                            f"actors.{key}.join_weights",
                            f"unknown signal {what!r}; valid: {', '.join(valid)}",
                        )
                    )
        elif key in LOCAL_ACTORS:
            problems.append((f"actors.{key}.join_weights", "required for a local actor (R11)"))
        if f.defers_to is not None and f.defers_to.value not in OPPOSITION:
            problems.append(
                (
                    f"actors.{key}.defers_to",
                    f"unknown actor {f.defers_to.value!r}; valid: {', '.join(OPPOSITION)}",
                )
            )
    for j, p in enumerate(a.units.elite_places.value):
        need_place(p, f"actors.units.elite_places[{j}]")
    if a.units.elite_insider.value not in {i.name for i in a.insiders}:
        problems.append(
            (
                "actors.units.elite_insider",
                f"not one of the insiders: {', '.join(i.name for i in a.insiders)}",
            )
        )
    for rname, route in sc.exit_routes.items():
        for j, p in enumerate(route.units_from):
            need_place(p, f"exit_routes.{rname}.units_from[{j}]")
    for k in a.units.patron_signal_weights.value:
        if k not in PATRONS:
            problems.append(
                (
                    "actors.units.patron_signal_weights",
                    f"unknown actor {k!r}; valid: {', '.join(PATRONS)}",
                )
            )
    states = restraining_states(sc)
    for state, forces in sc.restraint.items():
        if state not in states:
            problems.append(
                (f"restraint.{state}", f"unknown state {state!r}; valid: {', '.join(states)}")
            )
        for force in forces:
            if force not in OPPOSITION:
                problems.append(
                    (
                        f"restraint.{state}.{force}",
                        f"unknown force {force!r}; valid: {', '.join(OPPOSITION)}",
                    )
                )
    if not any(p.holder == "regime" for p in places.values()):
        problems.append(("places", "the regime must hold at least one place"))
    return problems


def restraining_states(sc: Scenario) -> list[str]:
    """The states the restraint table may name: the patrons and the Doha participants."""
    members = [actor_key(m) for m in sc.actors.doha_participants.members.value]
    return [*PATRONS, *(m for m in members if m not in PATRONS)]


def check_interventions(sc: Scenario, data: dict, owner) -> None:
    """Each intervention names an existing parameter, a valid value and a date in range."""
    if not sc.interventions:
        return
    params = dict(iter_params(sc))
    horizon = sc.horizon_days.value
    for i, iv in enumerate(sc.interventions):
        field = f"interventions[{i}]"
        day = (iv.date - sc.start_date).days
        if not 0 <= day < horizon:
            raise ScenarioError(
                owner(field), f"{field}.date", f"must fall within the {horizon}-day horizon"
            )
        for path, value in iv.set.items():
            f = f"{field}.set.{path}"
            if path not in params:
                raise ScenarioError(owner(field), f, "unknown parameter (see `explain`)")
            if any(fnmatch.fnmatchcase(path, pat) for pat in FIXED_AT_START):
                raise ScenarioError(
                    owner(field), f, "is read only when a run starts; it cannot change during one"
                )
            problem = _invalid_value(data, path, value)
            if problem:
                raise ScenarioError(owner(field), f, problem)


def _invalid_value(data: dict, path: str, value: Any) -> str | None:
    """Why ``value`` is not allowed for parameter ``path`` (by re-validating), or None."""
    trial = copy.deepcopy(data)
    set_in(trial, f"{path}.value", value)
    try:
        Scenario.model_validate(trial)
    except ValidationError as exc:
        return exc.errors()[0]["msg"]
    return None


# Parameters that shape the run itself rather than a behaviour; exploring them is not meaningful.
FIXED_PARAMS = ("horizon_days", "actors.units.count")


def check_uncertain(sc: Scenario, data: dict, owner) -> None:
    """Each uncertain range names a numeric parameter and lies within its allowed values."""
    params = dict(iter_params(sc))
    for path, rng in sc.uncertain.items():
        field = f"uncertain.{path}"
        where = owner(field)
        param = params.get(path)
        if param is None:
            raise ScenarioError(
                where,
                field,
                "unknown parameter; valid names are the dotted names `python -m model explain "
                "SCENARIO` prints (e.g. actors.units.threshold_mean)",
            )
        if path in FIXED_PARAMS:
            raise ScenarioError(where, field, "shapes the run itself and cannot be explored")
        value = param.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ScenarioError(where, field, f"not a numeric parameter (its value is {value!r})")
        if not rng.low < rng.high:
            raise ScenarioError(
                where,
                field,
                f"empty or reversed range: low ({rng.low}) must be below high ({rng.high})",
            )
        for bound in ("low", "high"):
            x = getattr(rng, bound)
            if isinstance(value, int):
                if x != int(x):
                    raise ScenarioError(where, field, f"{bound} must be a whole number (got {x})")
                x = int(x)
            problem = _invalid_value(data, path, x)
            if problem:
                raise ScenarioError(
                    where,
                    field,
                    f"{bound} ({x}) is outside the parameter's allowed values: {problem}",
                )
