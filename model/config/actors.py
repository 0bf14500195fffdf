"""Every actor's parameters: the leadership, insiders, units, armed forces and patrons."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from model.config.params import Days, Force, Param, Positive, Signed, Unit, Weight, _Strict


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
