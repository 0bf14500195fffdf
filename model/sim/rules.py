"""The behavioural rules as pure functions: what a patron answers, a unit feels, a column covers.

Sections refer to ``source-article.txt`` ("Appeals, Offers, and Betrayal", Barran Press,
December 2024): *opening* (the paragraphs before "Pleas to Turkey"), *Pleas to Turkey*,
*Appeals to Iraq*, *Astana Process*, *Russian Offers*.

The functions here are pure: numbers in, numbers out. The agents and the pieces of the world
they act on (``leadership``, ``patrons``, ``allies``, ``russia``, ``doha``, ``forces``,
``garrison``, ``combat``, ``model``) call them and write the event log. The registry of the
rules, ``RULES``, lives in ``model.sim.registry`` (each rule's ``code`` names where it is
carried out) and is importable from here.
"""

from __future__ import annotations

import math

import numpy as np

from model.sim.registry import RULES
from model.sim.rule import Rule

__all__ = ["RULES", "Rule"]  # the registry, read from here by explain and the dashboard


def logistic(x: float) -> float:
    """Numerically safe logistic function."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def answer_probability(
    alignment: float,
    viability_weight: float,
    belief: float,
    domestic_cost: float,
    condition_penalty: float,
    condition_met: bool,
    temperature: float,
) -> float:
    """Rule R1: probability that a patron grants a request.

    The patron's utility is its alignment with the regime, plus the weight it puts on the
    regime's viability times its belief in it, minus its domestic cost and, if its condition
    (a political process, for Turkey) is unmet, the condition penalty.

    Returns:
        The probability of acceptance, ``logistic(utility / temperature)``.
    """
    utility = alignment + viability_weight * belief - domestic_cost
    if not condition_met:
        utility -= condition_penalty
    return logistic(utility / temperature)


def below_threshold_probability(belief: float, threshold: float, temperature: float) -> float:
    """Rules R3/R4: the chance an actor acts the further its belief has fallen below a threshold.

    The leader accepts an offer of transition only once he believes he cannot go on (R4);
    the Doha participants discuss a transitional body as their belief falls (R3).

    Returns:
        ``logistic((threshold - belief) / temperature)``.
    """
    return logistic((threshold - belief) / temperature)


def update_belief(belief: float, observed: float, rate: float) -> float:
    """Rules R3/R4: beliefs move part of the way toward what is observed each day."""
    return belief + rate * (observed - belief)


def support_level(belief: float, support_max: float, threshold: float, width: float) -> float:
    """Rule R3: support given falls smoothly as belief in survival drops below a threshold."""
    return support_max * logistic((belief - threshold) / width)


def unit_pressure(
    nearby: np.ndarray,
    threat: np.ndarray,
    momentum: float,
    patron_drop: float,
    command_broken: bool,
    w_nearby: float,
    w_momentum: float,
    w_patron: float,
    w_command: float,
    w_threat: float,
) -> np.ndarray:
    """Rule R5: the pressure on units at each place to stop answering commands.

    Args:
        nearby: Per place, the share of units nearby (the place and its neighbours) that no
            longer answer.
        threat: Per place, 1 where an opposition force is adjacent, else 0.
        momentum: The opposition's momentum, 0..1.
        patron_drop: How far the patron support the units see has fallen from its level at
            the start, -1..1: negative where it has risen (the level, not only its fall,
            counts: a surge of support holds units).
        command_broken: Whether the leader has left in secret.
        w_nearby: Weight of nearby units.
        w_momentum: Weight of momentum.
        w_patron: Weight of the patron signal.
        w_command: Weight of a broken chain of command.
        w_threat: Weight of an adjacent attacker.

    Returns:
        Per place pressure; a unit stops answering when pressure plus its daily noise exceeds
        its own threshold.
    """
    common = w_momentum * momentum + w_patron * patron_drop + (w_command if command_broken else 0.0)
    return w_nearby * nearby + w_threat * threat + common


def advance_km(
    attack: float, defense: float, max_km: float, exponent: float, noise: float
) -> float:
    """Rule R7: km an attacker advances toward a place in a day.

    The advance is the maximum daily advance scaled by the attacker's share of the combined
    force raised to ``exponent``, times lognormal noise ``exp(noise)``.
    """
    if attack <= 0.0:
        return 0.0
    share = attack / (attack + defense)
    return max_km * share**exponent * math.exp(noise)
