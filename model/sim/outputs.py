"""What a run produces: the metrics, the end states and the run result."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.config.schema import PATRONS

METRICS = (
    "regime_population_share",
    "units_responsive_share",
    *(f"support_{p}" for p in PATRONS),
    "regime_believed_viability",
    "regime_actual_viability",
    "opposition_strength",
    "soldiers_crossed_iraq",
    "soldiers_crossed_lebanon",
)


END_STATES = ("regime_holds", "collapse_and_flight", "negotiated_transition", "divided")


Event = tuple[int, str, str, str, str, str, str]  # day, actor, kind, target, channel, outcome, rule


@dataclass
class RunResult:
    """What one run produces.

    Attributes:
        seed: The run's seed.
        metrics: Days x len(METRICS) array.
        holders: Days x places array of holder codes (index into ``HOLDERS``).
        events: The event log.
        end_state: One of ``END_STATES``.
        fall_day: Per place, the first day it left the hands of its holder at the start (for
            most places the regime), or -1.
        leader_exit_day: The day the leader left, or -1.
        taken_by: Per place, the holder code of whoever first took it from its holder at the
            start, or -1.
        regime_gone_day: The first day the regime held no place, or -1.
    """

    seed: int
    metrics: np.ndarray
    holders: np.ndarray
    events: list[Event]
    end_state: str
    fall_day: np.ndarray
    leader_exit_day: int
    taken_by: np.ndarray | None = None
    regime_gone_day: int = -1
