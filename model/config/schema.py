"""The scenario schema: every parameter with its provenance, validated by pydantic.

Each parameter is ``{value, source}`` (a named outlet) or ``{value, assumption}``; the
models here say which values are allowed (a parameter itself is ``params.Param``, the actors'
parameters are in ``actors``). Reading files is ``loader``'s job.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from model.config.actors import Actors, CombatParams
from model.config.params import Date, Param, Unit, Weight, _Strict

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
    uncertain: dict[str, Uncertain] = Field(default_factory=dict, max_length=100)
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
