"""The scenario schema: every parameter with its provenance, validated by pydantic.

Each parameter is ``{value, source}`` (a named outlet) or ``{value, assumption}``; the
models here say which values are allowed. Reading files is ``loader``'s job.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

# The transitional authority holds no place at the start: it receives the capital when a
# transition is agreed (rule R4), so it is last and never a starting holder.
# Codes are positions in this tuple and are stored in results: new holders go at the end.
HOLDERS = (
    "regime",
    "northern_opposition",
    "southern_command",
    "sdf",
    "transitional_authority",
    "druze_factions",
    "syrian_free_army",
    "sna",
)
TRANSITIONAL = "transitional_authority"

# Each holder in words, for legends, tables and the terminal.
HOLDER_LABELS = {
    "regime": "regime (Assad government)",
    "northern_opposition": "northern opposition (HTS-led offensive)",
    "southern_command": "southern operational command",
    "sdf": "SDF (Syrian Democratic Forces)",
    "transitional_authority": "transitional authority",
    "druze_factions": "Suwayda's Druze factions",
    "syrian_free_army": "Syrian Free Army (al-Tanf)",
    "sna": "SNA (Turkish-backed Syrian National Army)",
}


# Every armed actor other than the regime that takes places (rule R7), in the order they act.
OPPOSITION = (
    "northern_opposition",
    "southern_command",
    "druze_factions",
    "syrian_free_army",
    "sdf",
    "sna",
)
# Those of them that are local: they decide for themselves when to act (rule R11).
LOCAL_ACTORS = OPPOSITION[1:]
# How a force fights, which a local actor may leave to be as the southern command's.
INHERITED = (
    "initial_momentum",
    "momentum_gain",
    "momentum_decay",
    "momentum_weight",
    "focus",
    "capture_gain",
    "halt_compliance",
)


PATRONS = ("russia", "iran", "hezbollah", "iraq", "turkey")


def actor_key(name: str) -> str:
    """A state's name as an actor key: ``Saudi Arabia`` -> ``saudi_arabia``."""
    return name.strip().lower().replace(" ", "_")


DECISIONS = {
    "turkey_halts_offensive": "Turkey's answer to the appeal relayed by Iraq (Pleas to Turkey)",
    "turkey_deescalates_for_iran": "Turkey's answer to Iran's mediation in Ankara (Pleas to Turkey)",
    "hezbollah_full_commitment": "Hezbollah commits beyond the border area (Appeals to Iraq)",
    "iraq_sends_pmf": "Iraq sends the Popular Mobilization Forces (Appeals to Iraq)",
    "turkey_reins_in_opposition": "Turkey agrees at Doha to rein in the opposition (Astana Process)",
    "ceasefire_accepted": "The ceasefire Iran proposed at Doha is accepted (Astana Process)",
    "leader_accepts_offer": "The leader accepts Russia's offer of safe passage (Russian Offers)",
    "turkey_holds_back_offensive": "Turkey holds the northern coalition back before it attacks "
    "(Pleas to Turkey: its condition, a political process)",
    "russia_raises_air_effort": "Russia answers the appeal in Moscow by raising its air effort "
    "(Reuters, 13 Dec: 'no response in the Kremlin')",
}


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
        replaces: The value of the file it extends, where ``set_in`` overrode one (recorded
            by the loader): a counterfactual's flip is a value that differs from it.
    """

    value: T
    source: str | None = None
    assumption: str | None = None
    set_in: str | None = None
    replaces: Any = None

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
    holder: Literal[
        "regime",
        "northern_opposition",
        "southern_command",
        "sdf",
        "druze_factions",
        "syrian_free_army",
        "sna",
    ]
    garrison_weight: Annotated[float, Field(ge=0.0, le=10_000.0)]
    strategic_weight: Weight
    major_city: bool = False
    source: str


class Route(_Strict):
    """A road between two places; ``km`` is the distance an attacker must cover."""

    a: str
    b: str
    km: Annotated[float, Field(gt=0.0, le=2000.0)]
    source: str


class ExitRoute(_Strict):
    """A way out of the country, open while every place in ``requires`` is regime-held.

    ``passable_with``: holders under whom a required place still lets the regime's people
    through (R6, R13: the SDF at al-Bukamal, where soldiers kept crossing at al-Qaim).
    """

    requires: list[str] = Field(min_length=1, max_length=20)
    destination: str
    guarantor: str | None = None
    units_from: list[str] = Field(default_factory=list, max_length=50)
    passable_with: list[str] = Field(default_factory=list, max_length=10)
    source: str


class RegimeParams(_Strict):
    """The leadership (rules R1 appeals, R4 belief lag, secret flight, offer decision)."""

    initial_believed_viability: Param[Unit]
    belief_update_rate: Param[Unit]
    viability_weight_population: Param[Unit]
    # R1: days from what the leader sees to his appeal (the offensive, the first major city
    # lost, a place in Hezbollah's reach on a front, Hezbollah's answer).
    russia_appeal_lag_days: Param[Days]
    turkey_appeal_lag_days: Param[Days]
    hezbollah_appeal_lag_days: Param[Days]
    pmf_appeal_lag_days: Param[Days]
    offer_accept_threshold: Param[Unit]
    flight_threshold: Param[Unit]
    offer_flight_weight: Param[Unit]
    capital_threat_threshold: Param[Unit]
    secret_departure: Param[bool]
    political_process_before_offensive: Param[bool]
    capital: Param[str]
    exit_routes: Param[list[str]]
    pay_rise_threshold: Param[Unit]


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
    elite_share: Param[Unit]
    elite_places: Param[list[str]]
    elite_insider: Param[str]
    elite_threshold_shift: Param[Signed]
    conscript_share: Param[Unit]
    conscript_threshold_shift: Param[Signed]
    weight_insider: Param[Weight]
    pay_rise_effect: Param[Signed]
    exit_cross: Param[Unit]
    exit_surrender: Param[Unit]
    exit_dissolve: Param[Unit]


class OppositionParams(_Strict):
    """An armed actor that takes places: strength, momentum, targets (R7), joining (R11).

    ``scope`` lists the only places it acts on (all, if absent); ``present_in`` the places
    where its fighters already are, inside or around a place another holds, so that it can
    take them without a road to cover; ``enemies`` whose places it attacks (the regime's, if
    absent); ``defers_to`` the force it hands places outside its scope to (R8). Which state
    can restrain it, and how far, is the scenario's ``restraint`` table (R8, R17).
    """

    strength: Param[Force]
    join_threshold: Param[Unit]
    # R11: what a local actor reads, each with its weight: ``weakness``, ``army_near`` or the
    # key of an actor whose moves it watches (a documented tie or a neighbour).
    join_weights: Param[dict[str, Weight]] | None = None
    # A local actor that does not give these fights as the southern command does
    # (``INHERITED``; filled in when the scenario is compiled).
    initial_momentum: Param[Unit] | None = None
    momentum_gain: Param[Unit] | None = None
    momentum_decay: Param[Unit] | None = None
    momentum_weight: Param[Weight] | None = None
    focus: Param[Weight] | None = None
    capture_gain: Param[Unit] | None = None
    halt_compliance: Param[Unit] | None = None
    scope: Param[list[str]] | None = None
    present_in: Param[list[str]] | None = None
    enemies: Param[list[str]] | None = None
    # R19: after the regime's end, holder -> the places it takes from that holder.
    turns_on: Param[dict[str, list[str]]] | None = None
    defers_to: Param[str] | None = None


class JoinParams(_Strict):
    """How uncertain a local actor's reading is (rule R11); what it reads is its own."""

    noise_sd: Param[Annotated[float, Field(ge=0.0, le=1.0)]]
    threshold_sd: Param[Annotated[float, Field(ge=0.0, le=1.0)]]


class CombatParams(_Strict):
    """Battle at contested places (rule R7)."""

    max_advance_km_per_day: Param[Positive]
    unopposed_km_per_day: Param[Positive]
    ratio_exponent: Param[Weight]
    noise_sd: Param[Annotated[float, Field(ge=0.0, le=2.0)]]
    air_power_multiplier: Param[Weight]
    collapse_share: Param[Unit]
    present_km: Param[Positive]


class BeliefParams(_Strict):
    """How a foreign actor's belief in the regime's survival moves (rule R3)."""

    initial_belief: Param[Unit]
    belief_update_rate: Param[Unit]


class PatronParams(BeliefParams):
    """A patron asked for help: how it weighs an appeal (rule R1)."""

    alignment: Param[Signed]
    domestic_cost: Param[Weight]
    viability_weight: Param[Weight]
    answer_lag_days: Param[Days]


class TurkeyParams(PatronParams):
    """Turkey, whose help has a condition: a political process (Pleas to Turkey)."""

    condition_penalty: Param[Weight]


class SupportParams(BeliefParams):
    """A patron whose support falls with its belief in the regime (rule R3)."""

    support_max: Param[Unit]
    support_threshold: Param[Unit]
    support_width: Param[Annotated[float, Field(gt=0.0, le=1.0)]]
    capacity: Param[Unit]


class IraqParams(PatronParams):
    """Iraq as intermediary to Turkey and as potential sender of the PMF."""

    relay_lag_days: Param[Days]
    warning_signal: Param[Unit]
    pmf_fighters: Param[Force]
    pmf_arrival_days: Param[Days]
    pmf_entry: Param[str]


class IranParams(BeliefParams):
    """Iran's support, mediation, ceasefire proposal, change of words and militias."""

    support_max: Param[Unit]
    capacity: Param[Unit]
    mediation_lag_days: Param[Days]
    ceasefire_threshold: Param[Unit]
    rhetoric_threshold: Param[Unit]
    transition_signal: Param[Unit]
    rhetoric_signal: Param[Unit]
    astana_convening_lag_days: Param[Days]
    evacuation_threshold: Param[Unit]
    # R18: the Iran-backed Iraqi militias that crossed near al-Bukamal (Reuters, 2 Dec).
    militia_fighters: Param[Force]
    militia_lag_days: Param[Days]
    militia_entry: Param[str]


class HezbollahParams(PatronParams):
    """Hezbollah's support and its geographic limit (rule R2)."""

    limited_fighters: Param[Force]
    full_fighters: Param[Force]
    limited_reach: Param[list[str]]
    deploy_lag_days: Param[Days]
    capacity_fighters: Param[Force]
    withdraw_at: Param[Unit]  # R18: how far a column comes toward its positions before it leaves


class RussiaParams(SupportParams):
    """Russia's air support, its answer in Moscow, its conditional offer (R1, R3, R14)."""

    alignment: Param[Signed]
    domestic_cost: Param[Weight]
    viability_weight: Param[Weight]
    answer_lag_days: Param[Days]
    surge_support: Param[Unit]  # R1: the air effort it would give if it answered the appeal
    offer_threshold: Param[Unit]
    shift_after_decline: Param[Unit]


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
    druze_factions: OppositionParams
    syrian_free_army: OppositionParams
    sdf: OppositionParams
    sna: OppositionParams
    local_actors: JoinParams
    turkey: TurkeyParams
    iraq: IraqParams
    iran: IranParams
    hezbollah: HezbollahParams
    russia: RussiaParams
    doha_participants: DohaParams


class Outcomes(_Strict):
    """How the end state of a run is classified."""

    divided_below_population_share: Param[Unit]


def _not_a_yaml_boolean(v: Any) -> Any:
    """Refuse ``yes``/``no``/``true``/``false`` with a message that says what to write.

    YAML 1.1 reads an unquoted ``yes``, ``no``, ``on``, ``off``, ``true`` or ``false`` as a
    boolean, so ``leader_accepts_offer: yes`` arrives here as ``True``; the generic "should
    be 'auto', 'accept' or 'refuse'" would leave the user wondering where ``True`` came from.
    """
    if isinstance(v, bool):
        raise PydanticCustomError(
            "decision_boolean",
            "write accept, refuse or auto (YAML reads an unquoted yes/no/true/false/on/off "
            "as {value}, which is not a decision)",
            {"value": str(v).lower()},
        )
    return v


DecisionPin = Annotated[Literal["auto", "accept", "refuse"], BeforeValidator(_not_a_yaml_boolean)]


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


# The behavioural rules' ids (the rules themselves are ``model.sim.rules.RULES``).
RULE_IDS = tuple(f"R{i}" for i in range(1, 20))
RuleId = Literal[
    "R1",
    "R2",
    "R3",
    "R4",
    "R5",
    "R6",
    "R7",
    "R8",
    "R9",
    "R10",
    "R11",
    "R12",
    "R13",
    "R14",
    "R15",
    "R16",
    "R17",
    "R18",
    "R19",
]


class RuleSwitches(_Strict):
    """Rules switched off, to see what each contributes (``python -m model ablate``).

    The key is ``disabled``, not ``off``: YAML reads a bare ``off`` as the boolean false.
    """

    disabled: list[RuleId] = Field(default_factory=list, max_length=len(RULE_IDS))


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
    # R8, R17: state -> force -> how far the state can make that force halt, 0 to 1.
    restraint: dict[str, dict[str, Param[Unit]]] = Field(default_factory=dict, max_length=20)
    uncertain: dict[str, Uncertain] = Field(default_factory=dict, max_length=50)
    rules: RuleSwitches = Field(default_factory=RuleSwitches)

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
    elif isinstance(node, dict):  # the restraint table: state -> force -> parameter
        for key, value in node.items():
            if isinstance(value, Param | dict):
                yield from iter_params(value, f"{prefix}.{key}" if prefix else str(key))
