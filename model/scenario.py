"""Scenario files: defaults, overrides, validation and provenance.

A scenario is a YAML file. The baseline holds every parameter, each as
``{value: ..., source: "..."}`` (a named outlet) or ``{value: ..., assumption: "..."}``.
Another file says ``extends: baseline.yaml`` and overrides only what it changes; a plain
value there is recorded as set in that file. The merged result is validated by pydantic
before anything runs, and every problem is reported as one ``ScenarioError`` naming the
file and the dotted field.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, TypeVar

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from model.errors import ScenarioError

MAX_FILE_BYTES = 256 * 1024  # a scenario is a few kB; refuse anything far larger early
MAX_EXTENDS_DEPTH = 8
MAX_NESTING = 32  # the schema nests 7 levels deep; far deeper input is junk or an attack

HOLDERS = ("regime", "northern_opposition", "southern_command", "sdf")
OPPOSITION = ("northern_opposition", "southern_command")
PATRONS = ("russia", "iran", "hezbollah", "iraq", "turkey")
DECISIONS = {
    "turkey_halts_offensive": "Turkey's answer to the appeal relayed by Iraq (Pleas to Turkey)",
    "turkey_deescalates_for_iran": "Turkey's answer to Iran's mediation in Ankara (Pleas to Turkey)",
    "hezbollah_full_commitment": "Hezbollah commits beyond the border area (Appeals to Iraq)",
    "iraq_sends_pmf": "Iraq sends the Popular Mobilization Forces (Appeals to Iraq)",
    "turkey_reins_in_opposition": "Turkey agrees at Doha to rein in the opposition (Astana Process)",
    "ceasefire_accepted": "The ceasefire Iran proposed at Doha is accepted (Astana Process)",
    "leader_accepts_offer": "The leader accepts Russia's offer of safe passage (Russian Offers)",
}

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

T = TypeVar("T")

Unit = Annotated[float, Field(ge=0.0, le=1.0)]
Signed = Annotated[float, Field(ge=-1.0, le=1.0)]
Weight = Annotated[float, Field(ge=0.0, le=10.0)]
Positive = Annotated[float, Field(gt=0.0, le=1e6)]
Force = Annotated[float, Field(ge=0.0, le=1e7)]
Days = Annotated[int, Field(ge=0, le=365)]
# A date may be written bare (YAML reads it as a date) or quoted as ISO text.
Date = Annotated[dt.date, Field(strict=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)


class Param(_Strict, Generic[T]):
    """One parameter value with its provenance.

    Attributes:
        value: The value the model uses.
        source: The outlet(s) the value is taken from, when it is reported.
        assumption: Why the value was chosen, when it is not reported.
        set_in: The scenario file that overrode the baseline value, if any.
    """

    value: T
    source: str | None = None
    assumption: str | None = None
    set_in: str | None = None

    @model_validator(mode="after")
    def _has_provenance(self) -> Param:
        if not (self.source or self.assumption or self.set_in):
            raise ValueError("a parameter needs a 'source' or an 'assumption'")
        return self


class Place(_Strict):
    """A place on the schematic map; the row's ``source`` names where its figures come from."""

    lat: Annotated[float, Field(ge=29.0, le=40.0)]
    lon: Annotated[float, Field(ge=33.0, le=45.0)]
    population: Annotated[int, Field(ge=0, le=20_000_000)]
    holder: Literal["regime", "northern_opposition", "southern_command", "sdf"]
    garrison_weight: Annotated[float, Field(ge=0.0, le=10_000.0)]
    strategic_weight: Weight
    major_city: bool = False
    source: str


class Route(_Strict):
    """A road between two places; ``km`` is the distance an attacker must cover."""

    a: str
    b: str
    km: Annotated[float, Field(gt=0.0, le=2000.0)]
    road: str
    source: str


class ExitRoute(_Strict):
    """A way out of the country, open while every place in ``requires`` is regime-held."""

    requires: list[str] = Field(min_length=1, max_length=20)
    destination: str
    source: str


class RegimeParams(_Strict):
    """The leadership (rules R1 appeals, R4 belief lag, secret flight, offer decision)."""

    initial_believed_viability: Param[Unit]
    belief_update_rate: Param[Unit]
    viability_weight_population: Param[Unit]
    turkey_appeal_threshold: Param[Unit]
    hezbollah_appeal_threshold: Param[Unit]
    pmf_appeal_threshold: Param[Unit]
    offer_accept_threshold: Param[Unit]
    flight_threshold: Param[Unit]
    capital_guard_threshold: Param[Unit]
    secret_departure: Param[bool]
    political_process_before_offensive: Param[bool]
    capital: Param[str]
    exit_routes: Param[list[str]]


class Insider(_Strict):
    """A regime insider who may leave while an exit route is open (rule R6)."""

    name: str
    role: str
    belief_update_rate: Unit
    exit_threshold: Unit
    routes: list[str] = Field(max_length=10)
    source: str


class UnitParams(_Strict):
    """Regime army units and the responsiveness cascade (rule R5)."""

    count: Param[Annotated[int, Field(ge=1, le=100_000)]]
    nominal_total: Param[Force]
    readiness: Param[Unit]
    threshold_mean: Param[Unit]
    threshold_sd: Param[Annotated[float, Field(ge=0.0, le=1.0)]]
    weight_nearby: Param[Weight]
    weight_momentum: Param[Weight]
    weight_patron: Param[Weight]
    weight_command: Param[Weight]
    weight_threat: Param[Weight]
    noise_sd: Param[Annotated[float, Field(ge=0.0, le=1.0)]]
    patron_signal_weights: Param[dict[str, Weight]]


class OppositionParams(_Strict):
    """An opposition force: its strength, momentum and choice of targets (rule R7)."""

    strength: Param[Force]
    activation_viability: Param[Unit]
    initial_momentum: Param[Unit]
    momentum_gain: Param[Unit]
    momentum_decay: Param[Unit]
    momentum_weight: Param[Weight]
    focus: Param[Weight]
    capture_gain: Param[Unit]
    halt_compliance: Param[Unit]


class CombatParams(_Strict):
    """Battle at contested places (rule R7)."""

    max_advance_km_per_day: Param[Positive]
    ratio_exponent: Param[Weight]
    noise_sd: Param[Annotated[float, Field(ge=0.0, le=2.0)]]
    air_power_multiplier: Param[Weight]
    collapse_share: Param[Unit]


class PatronParams(_Strict):
    """How a patron weighs an appeal and how its belief and support move (rules R1-R3)."""

    alignment: Param[Signed]
    domestic_cost: Param[Weight]
    viability_weight: Param[Weight]
    condition_penalty: Param[Weight]
    initial_belief: Param[Unit]
    belief_update_rate: Param[Unit]
    support_max: Param[Unit]
    support_threshold: Param[Unit]
    support_width: Param[Annotated[float, Field(gt=0.0, le=1.0)]]
    answer_lag_days: Param[Days]


class IraqParams(PatronParams):
    """Iraq as intermediary to Turkey and as potential sender of the PMF."""

    relay_lag_days: Param[Days]
    pmf_fighters: Param[Force]
    pmf_arrival_days: Param[Days]
    pmf_entry: Param[str]


class IranParams(PatronParams):
    """Iran's mediation, its ceasefire proposal and its change of words."""

    mediation_threshold: Param[Unit]
    ceasefire_threshold: Param[Unit]
    rhetoric_threshold: Param[Unit]
    transition_signal: Param[Unit]
    astana_convening_lag_days: Param[Days]


class HezbollahParams(PatronParams):
    """Hezbollah's support and its geographic limit (rule R2)."""

    limited_fighters: Param[Force]
    full_fighters: Param[Force]
    limited_reach: Param[list[str]]
    deploy_lag_days: Param[Days]


class RussiaParams(PatronParams):
    """Russia's air support, conditional offer and partners after the fall (rule R3)."""

    offer_threshold: Param[Unit]
    shift_after_decline: Param[Unit]
    partner_affinity: Param[dict[str, Unit]]


class DohaParams(_Strict):
    """Qatar, Saudi Arabia and Jordan at the last Astana-format round."""

    members: Param[list[str]]
    initial_belief: Param[Unit]
    belief_update_rate: Param[Unit]
    transition_threshold: Param[Unit]


class Actors(_Strict):
    """Every actor's parameters."""

    regime: RegimeParams
    insiders: list[Insider] = Field(max_length=50)
    units: UnitParams
    northern_opposition: OppositionParams
    southern_command: OppositionParams
    turkey: PatronParams
    iraq: IraqParams
    iran: IranParams
    hezbollah: HezbollahParams
    russia: RussiaParams
    doha_participants: DohaParams


class Outcomes(_Strict):
    """How the end state of a run is classified."""

    divided_below_population_share: Param[Unit]


DecisionPin = Literal["auto", "accept", "refuse"]


class Uncertain(_Strict):
    """The range an uncertain parameter is explored over (sensitivity, calibration).

    Written ``{low: 0.45, high: 0.75, note: "why"}`` or, briefly, ``[0.45, 0.75]``.

    Attributes:
        low: The smallest value explored.
        high: The largest value explored.
        note: Why this range, in a sentence.
    """

    low: float
    high: float
    note: str = ""

    @model_validator(mode="before")
    @classmethod
    def _pair(cls, v: Any) -> Any:
        if isinstance(v, list | tuple):
            if len(v) != 2:
                raise ValueError("give [low, high] or {low: ..., high: ..., note: ...}")
            return {"low": v[0], "high": v[1]}
        return v

    @field_validator("low", "high", mode="before")
    @classmethod
    def _number(cls, v: Any) -> Any:
        # strict mode refuses an int for a float field; a range written [2, 4] is meant as numbers
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v


class Intervention(_Strict):
    """Parameter changes that take effect on a date and hold from that day on.

    Attributes:
        date: The first day the new values apply.
        set: Dotted parameter path (as in ``explain``) -> new value.
        note: Why, in a sentence.
    """

    date: Date
    set: dict[str, Any] = Field(min_length=1, max_length=50)
    note: str = ""


class Scenario(_Strict):
    """A fully resolved scenario (after ``extends`` is applied)."""

    name: Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.-]+$")]
    title: str
    description: str = ""
    rationale: str = ""
    flips: str = ""
    start_date: Date
    horizon_days: Param[Annotated[int, Field(ge=1, le=365)]]
    decision_temperature: Param[Annotated[float, Field(gt=0.0, le=10.0)]]
    places: dict[str, Place] = Field(min_length=2, max_length=500)
    routes: list[Route] = Field(min_length=1, max_length=5000)
    exit_routes: dict[str, ExitRoute] = Field(max_length=50)
    actors: Actors
    combat: CombatParams
    outcomes: Outcomes
    decisions: dict[str, DecisionPin] = Field(default_factory=dict)
    interventions: list[Intervention] = Field(default_factory=list, max_length=50)
    uncertain: dict[str, Uncertain] = Field(default_factory=dict, max_length=50)

    @field_validator("name")
    @classmethod
    def _not_a_relative_path(cls, v: str) -> str:
        # The name becomes a folder under results/; "." or ".." would point outside it.
        if set(v) == {"."}:
            raise ValueError("a name made only of dots would point outside results/")
        return v

    @field_validator("decisions")
    @classmethod
    def _known_decisions(cls, v: dict[str, str]) -> dict[str, str]:
        for key in v:
            if key not in DECISIONS:
                raise ValueError(f"unknown decision {key!r}; valid: {', '.join(DECISIONS)}")
        return v


def _check_references(sc: Scenario) -> list[tuple[str, str]]:
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
    for k in a.units.patron_signal_weights.value:
        if k not in PATRONS:
            problems.append(
                (
                    "actors.units.patron_signal_weights",
                    f"unknown actor {k!r}; valid: {', '.join(PATRONS)}",
                )
            )
    for k in a.russia.partner_affinity.value:
        if k not in OPPOSITION:
            problems.append(
                (
                    "actors.russia.partner_affinity",
                    f"unknown actor {k!r}; valid: {', '.join(OPPOSITION)}",
                )
            )
    if not any(p.holder == "regime" for p in places.values()):
        problems.append(("places", "the regime must hold at least one place"))
    return problems


# --------------------------------------------------------------------------- loading


class _NoAliasLoader(yaml.SafeLoader):
    """``yaml.safe_load`` semantics, but aliases are refused (they are the YAML bomb vector)."""

    def compose_node(self, parent, index):  # noqa: D102
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in scenario files", event.start_mark
            )
        return super().compose_node(parent, index)


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise ScenarioError(str(path), None, "file not found")
    if not path.is_file():
        raise ScenarioError(str(path), None, "not a file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ScenarioError(
            str(path), None, f"file is {size} bytes; scenario files are limited to {MAX_FILE_BYTES}"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(str(path), None, "file is not UTF-8 text") from None
    try:
        data = yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(str(path), None, f"malformed YAML{where}: {problem}") from None
    except RecursionError:
        raise ScenarioError(str(path), None, "YAML nesting is too deep") from None
    if not isinstance(data, dict):
        raise ScenarioError(str(path), None, "a scenario file must be a mapping of keys to values")
    field = _too_deep(data)
    if field is not None:
        raise ScenarioError(
            str(path), field, f"nested more than {MAX_NESTING} levels deep; scenarios nest 7"
        )
    return data


def _too_deep(data: Any) -> str | None:
    """The dotted field where ``data`` nests deeper than ``MAX_NESTING``, if anywhere.

    Walks without recursion, so that the check itself cannot exhaust the stack; everything
    after it (merging, validation) may then recurse safely.
    """
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        node, where, depth = stack.pop()
        if depth > MAX_NESTING:
            return where
        if isinstance(node, dict):
            items = ((f".{k}", v) for k, v in node.items())
        elif isinstance(node, list):
            items = ((f"[{i}]", v) for i, v in enumerate(node))
        else:
            continue
        for label, v in items:
            sub = where + label if where else label.removeprefix(".")
            stack.append((v, sub, depth + 1))
    return None


def _is_param(node: Any) -> bool:
    return isinstance(node, dict) and "value" in node


def _merge(base: Any, over: Any, fname: str, path: str, origins: dict[str, str]) -> Any:
    """Deep-merge ``over`` onto ``base``; record which file set each overridden path."""
    if _is_param(base):
        if isinstance(over, dict) and "value" in over:
            merged = dict(over)
        elif isinstance(over, dict) and not isinstance(base["value"], dict):
            raise ScenarioError(fname, path, "a parameter override needs a 'value'")
        else:
            merged = {"value": over}
        merged.setdefault("set_in", fname)
        _mark(merged, fname, path, origins)
        return merged
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            sub = f"{path}.{k}" if path else str(k)
            # an uncertain range is replaced whole, so an inherited note never outlives its range
            replace = k not in base or path == "uncertain"
            out[k] = v if replace else _merge(base[k], v, fname, sub, origins)
            if replace:
                _mark(v, fname, sub, origins)
        return out
    _mark(over, fname, path, origins)
    return over


def _mark(node: Any, fname: str, path: str, origins: dict[str, str]) -> None:
    origins[path] = fname
    if isinstance(node, dict):
        for k, v in node.items():
            _mark(v, fname, f"{path}.{k}" if path else str(k), origins)


def _resolve(path: Path, chain: tuple[Path, ...], origins: dict[str, str]) -> dict[str, Any]:
    path = path.resolve() if path.exists() else path
    if path in chain:
        loop = " -> ".join(p.name for p in (*chain, path))
        raise ScenarioError(str(chain[-1]), "extends", f"'extends' loop: {loop}")
    if len(chain) >= MAX_EXTENDS_DEPTH:
        # Named after the file whose 'extends' goes one level too far.
        raise ScenarioError(
            str(chain[-1]), "extends", f"more than {MAX_EXTENDS_DEPTH} levels of 'extends'"
        )
    data = _read_yaml(path)
    parent = data.pop("extends", None)
    fname = str(path)
    if parent is None:
        _mark(data, fname, "", origins)
        return data
    if not isinstance(parent, str) or not parent:
        raise ScenarioError(fname, "extends", "must be the path of another scenario file")
    ppath = path.parent / parent
    if not ppath.exists():
        raise ScenarioError(fname, "extends", f"file not found: {ppath}")
    if not ppath.is_file():
        raise ScenarioError(fname, "extends", f"not a file: {ppath}")
    base = _resolve(ppath, (*chain, path), origins)
    # What a file says about itself is not inherited: its own name, rationale, flipped decision.
    data.setdefault("name", path.stem)
    for k in ("rationale", "flips", "description"):
        if k not in data:
            base.pop(k, None)
    return _merge(base, data, fname, "", origins)


def _field_of(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _owner_file(field: str, origins: dict[str, str], default: str) -> str:
    probe = field
    while probe:
        if probe in origins:
            return origins[probe]
        if probe.endswith("]"):
            probe = probe[: probe.rindex("[")]
        else:
            probe = probe.rsplit(".", 1)[0] if "." in probe else ""
    return default


def _valid_keys(loc: tuple[Any, ...]) -> list[str]:
    """Field names valid at the parent of ``loc`` (for 'unknown key' messages)."""
    model: Any = Scenario
    for part in loc[:-1]:
        if isinstance(part, int) or model is None:
            continue
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            # Inside a dict[str, Model] the key is a free name: keep the value model.
            model = _inner_model(model)
            if model is None or not hasattr(model, "model_fields"):
                return []
            continue
        model = _inner_model(fields[part].annotation)
    return list(getattr(model, "model_fields", {}))


def _inner_model(ann: Any) -> Any:
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for arg in getattr(ann, "__args__", ()) or ():
        inner = _inner_model(arg)
        if inner is not None:
            return inner
    return None


def load_scenario(path: str | Path) -> Scenario:
    """Read, merge and validate a scenario file.

    Args:
        path: The scenario file; ``extends`` paths are relative to it.

    Returns:
        The validated scenario.

    Raises:
        ScenarioError: One problem, naming the file and the field.
    """
    path = Path(path)
    origins: dict[str, str] = {}
    data = _resolve(path, (), origins)
    top = str(path)
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        # pydantic adds the generic's parameter name to the location; users never wrote it
        loc = tuple(p for p in loc if not (isinstance(p, str) and p.startswith(("Param[",))))
        field = _field_of(loc)
        if err["type"] == "extra_forbidden":
            valid = _valid_keys(loc)
            msg = "unknown key" + (f"; valid keys: {', '.join(valid)}" if valid else "")
        elif err["type"] == "missing":
            msg = "required field is missing"
        else:
            got = err.get("input")
            shown = repr(got) if not isinstance(got, dict | list) else type(got).__name__
            if len(shown) > 60:
                shown = shown[:57] + "..."
            msg = f"{err['msg']} (got {shown})"
        raise ScenarioError(_owner_file(field, origins, top), field, msg) from None
    problems = _check_references(sc)
    if problems:
        field, msg = problems[0]
        raise ScenarioError(_owner_file(field, origins, top), field, msg)
    _check_interventions(sc, data, lambda f: _owner_file(f, origins, top))
    _check_uncertain(sc, data, lambda f: _owner_file(f, origins, top))
    return sc


def _set_path(data: dict, dotted: str, value: Any) -> None:
    node = data
    parts = dotted.split(".")
    for part in parts[:-1]:
        node = node[part]
    node[parts[-1]] = {**node[parts[-1]], "value": value}


def _check_interventions(sc: Scenario, data: dict, owner) -> None:
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
    trial = _deep_copy(data)
    _set_path(trial, path, value)
    try:
        Scenario.model_validate(trial)
    except ValidationError as exc:
        return exc.errors()[0]["msg"]
    return None


# Parameters that shape the run itself rather than a behaviour; exploring them is not meaningful.
FIXED_PARAMS = ("horizon_days", "actors.units.count")


def _check_uncertain(sc: Scenario, data: dict, owner) -> None:
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


def _deep_copy(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _deep_copy(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_deep_copy(v) for v in node]
    return node


def scenario_digest(sc: Scenario) -> str:
    """SHA-256 of the resolved scenario, stable across runs and machines."""
    blob = json.dumps(sc.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def iter_params(node: Any, prefix: str = ""):
    """Yield ``(dotted_name, Param)`` for every parameter in a scenario, depth first."""
    if isinstance(node, Param):
        yield prefix, node
        return
    if isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from iter_params(getattr(node, name), f"{prefix}.{name}" if prefix else name)
