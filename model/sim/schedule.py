"""When things happen and what is left to chance: random streams, the agenda, decisions.

Every random draw of a run comes from one of its named streams, each spawned from the run's
seed, so that two scenarios run with the same seed draw the same numbers until something in
the world makes them differ (common random numbers).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable

import numpy as np

# Streams are keyed by position, so adding a stream at the end never shifts the others.
STREAMS = (
    "regime",
    "insiders",
    "unit_thresholds",
    "unit_daily",
    "combat",
    "turkey",
    "iraq",
    "iran",
    "hezbollah",
    "russia",
    "doha",
    "forces",
)


class Streams(dict):
    """The run's named random streams, each spawned from the run's seed on first use.

    A stream's numbers depend only on the seed and the stream's position in ``STREAMS``, so
    creating it late changes nothing; a run does not pay for streams it never draws from.
    """

    def __init__(self, seed: int):
        super().__init__()
        self.seed = int(seed)

    def __missing__(self, name: str) -> np.random.Generator:
        if name not in STREAMS:
            raise KeyError(name)
        k = STREAMS.index(name)
        rng = self[name] = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(k,)))
        return rng


class Agenda:
    """Actions due on a given day: messages in transit, answers after a lag, arrivals.

    Actions due the same day run in the order they were put on the agenda.
    """

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, Callable[[], None]]] = []
        self._seq = 0

    def put(self, day: int, action: Callable[[], None]) -> None:
        """Run ``action`` on ``day``, after what is already due that day."""
        self._seq += 1
        heapq.heappush(self._heap, (day, self._seq, action))

    def run_due(self, day: int) -> None:
        """Run every action due on or before ``day``, including any they add for that day."""
        heap = self._heap
        while heap and heap[0][0] <= day:
            heapq.heappop(heap)[2]()


class Decisions:
    """Documented decisions: drawn from the decider's stream, unless a scenario pins them.

    Args:
        streams: The run's random streams.
        pins: Decision name -> ``auto``, ``accept`` or ``refuse``.
    """

    def __init__(self, streams: Streams, pins: dict[str, str]):
        self.streams = streams
        self.pins = pins
        # Set to a list to keep (decision, probability, the decider's belief) of every
        # draw: ``explain`` reads the state at which each decision was taken.
        self.trace: list[tuple[str, float, float | None]] | None = None

    def decide(
        self, decision: str, probability: float, stream: str, belief: float | None = None
    ) -> bool:
        """Draw a decision; a pin overrides the draw.

        The draw is made even when pinned, so pinning one decision does not shift the
        random numbers of any other.

        Args:
            decision: The decision's name (see ``DECISIONS``).
            probability: The probability of accepting, from the decider's rule.
            stream: The decider's random stream.
            belief: The decider's belief in the regime when deciding, for the trace.
        """
        if self.trace is not None:
            self.trace.append((decision, probability, belief))
        u = self.streams[stream].random()
        pin = self.pins.get(decision, "auto")
        if pin == "auto":
            return bool(u < probability)
        return pin == "accept"
