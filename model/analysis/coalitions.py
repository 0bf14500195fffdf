"""Coalitions of flips: which scenario each combination of documented decisions (or rules) is.

A *player* is a documented decision a scenario can pin (``DECISIONS``) or a behavioural rule
(``RULE_IDS``). Every player has two states: its documented state (the decision's
documented answer, the rule in force) and its flip (the other answer, the rule switched
off). Coalition ``k`` flips the players whose bit is set in ``k`` (player ``i`` is bit
``i``), so coalition 0 is the documented sequence and coalition ``2**n - 1`` flips them all.

The documented answer of a decision is the scenario's own pin where it pins one; every
decision in ``DECISIONS`` is named for what did not happen (Turkey did not halt the
offensive, Iraq did not send the PMF, the leader did not accept the offer), so a decision the
scenario leaves to its rule is documented as ``refuse``. Both states are pinned: a
coalition's scenario never leaves a player to chance, so the game's value of a coalition is
the outcome of exactly that combination of answers.

Nothing here runs the model; ``model.ensemble.coalitions`` does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from model.config.schema import DECISIONS, RULE_IDS, RuleSwitches, Scenario
from model.errors import OptionError
from model.sim.outputs import RunResult

OVER = ("decisions", "rules")
MAX_PLAYERS = 10  # 1,024 coalitions: the most an exact enumeration is run over
FLIP = {"accept": "refuse", "refuse": "accept"}


def measures(capital: str) -> tuple[str, ...]:
    """The measures shared out, as ``compare`` names them (``model.analysis.compare``)."""
    return (
        f"{capital}_days_held",
        f"{capital}_held_at_horizon",
        "end_state:negotiated_transition",
        "leader_days_in_country",
    )


def candidates(sc: Scenario, over: str) -> list[str]:
    """Every player a scenario offers: the decisions it can pin, or the rules still in force.

    ``DECISIONS`` is read when called, so a decision added to the model is a player at once.
    """
    if over == "decisions":
        return list(DECISIONS)
    if over == "rules":
        return [r for r in RULE_IDS if r not in sc.rules.disabled]
    raise OptionError("over", over, f"unknown; valid: {', '.join(OVER)}")


def choose_players(sc: Scenario, over: str, chosen: Sequence[str] | None) -> list[str]:
    """The players of the game: ``chosen`` (checked), else every candidate.

    Raises:
        OptionError: An unknown or repeated player, or too many for an exact enumeration.
    """
    offered = candidates(sc, over)
    if chosen is None:
        players = offered
    else:
        players = list(chosen)
        for p in players:
            if p not in offered:
                raise OptionError("players", p, f"not one of the {over} offered; valid: "
                                  f"{', '.join(offered)}")  # fmt: skip
        if len(set(players)) != len(players):
            raise OptionError("players", ",".join(players), "names a player twice")
    if not players:
        raise OptionError("players", None, f"no {over} to share the outcome out among")
    if len(players) > MAX_PLAYERS:
        raise OptionError(
            "players", ",".join(players), f"{len(players)} players make {2 ** len(players):,} "
            f"coalitions; an exact enumeration is run over at most {MAX_PLAYERS} "
            f"({2 ** MAX_PLAYERS:,} coalitions): choose them with --players"
        )  # fmt: skip
    return players


def documented_answer(sc: Scenario, decision: str) -> str:
    """The decision's documented answer: the scenario's own pin, else ``refuse``."""
    pin = sc.decisions.get(decision, "auto")
    return pin if pin != "auto" else "refuse"


def states(sc: Scenario, over: str, players: Sequence[str]) -> list[tuple[str, str]]:
    """Each player's documented state and its flip, in words for the tables."""
    if over == "rules":
        return [("in force", "switched off") for _ in players]
    return [(documented_answer(sc, p), FLIP[documented_answer(sc, p)]) for p in players]


def members(k: int, players: Sequence[str]) -> list[str]:
    """The players coalition ``k`` flips."""
    return [p for i, p in enumerate(players) if k >> i & 1]


def coalition_label(k: int, players: Sequence[str]) -> str:
    """Coalition ``k`` in words: its flipped players joined by ``+`` (``none``: documented)."""
    return "+".join(members(k, players)) or "none"


def coalition_scenario(sc: Scenario, over: str, players: Sequence[str], k: int) -> Scenario:
    """The scenario of coalition ``k``: its players flipped, the other players documented.

    Validated again from its data, so that what runs is a scenario the schema accepts.
    """
    if over == "decisions":
        pins = dict(sc.decisions)
        for i, p in enumerate(players):
            doc = documented_answer(sc, p)
            pins[p] = FLIP[doc] if k >> i & 1 else doc
        out = sc.model_copy(update={"decisions": pins})
    else:
        off = sorted({*sc.rules.disabled, *members(k, players)}, key=RULE_IDS.index)
        out = sc.model_copy(update={"rules": RuleSwitches(disabled=off)})
    return Scenario.model_validate(out.model_dump())


def run_values(r: RunResult, capital: int, horizon: int) -> tuple[float, float, float, float]:
    """One run's value of each of ``measures``, as ``compare`` computes them.

    Days the capital is held and days the leader stays count the horizon where the event
    never happened (``model.analysis.compare.held_days``).
    """
    fall = int(r.fall_day[capital])
    leader = int(r.leader_exit_day)
    return (
        float(fall if fall >= 0 else horizon),
        float(fall < 0),
        float(r.end_state == "negotiated_transition"),
        float(leader if leader >= 0 else horizon),
    )


def run_digest(r: RunResult) -> str:
    """A short fingerprint of what happened in a run (holders, daily measures, falls, end).

    Who held each place on each day, the daily measures, the falls, the end and the leader's
    exit: two runs with the same seed and the same fingerprint took the same course in the world:
    a flip that leaves it unchanged never came up, or came up and changed nothing.
    """
    h = hashlib.blake2b(digest_size=8)
    for part in (r.metrics, r.holders, r.fall_day):
        h.update(np.ascontiguousarray(part).tobytes())
    h.update(f"{r.end_state}|{r.leader_exit_day}".encode())
    return h.hexdigest()


def log_digest(r: RunResult) -> str:
    """A short fingerprint of a run's event log, every answer and decision in it included.

    A flip that changes the log but not ``run_digest`` came up (its answer is recorded) and
    changed nothing that happened.
    """
    return hashlib.blake2b(repr(r.events).encode(), digest_size=8).hexdigest()


def flip_changes(digests: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per player, how often flipping it changed the course of a run.

    Args:
        digests: Runs x coalitions fingerprints (``run_digest``).

    Returns:
        Two arrays, one share per player: over every coalition without the player (each
        with every run), and from the documented sequence alone (coalition 0).
    """
    runs, size = digests.shape
    n = size.bit_length() - 1
    anywhere, alone = np.zeros(n), np.zeros(n)
    for i in range(n):
        without = np.array([k for k in range(size) if not k >> i & 1])
        changed = digests[:, without] != digests[:, without | (1 << i)]
        anywhere[i] = float(changed.mean()) if runs else np.nan
        alone[i] = float(changed[:, 0].mean()) if runs else np.nan
    return anywhere, alone
