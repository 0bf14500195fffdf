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
    "local_actors",
    "unit_exits",
    "local_thresholds",
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
        ss = np.random.SeedSequence(self.seed, spawn_key=(STREAMS.index(name),))
        # What ``default_rng(ss)`` makes, without its checks of what it was given.
        rng = self[name] = np.random.Generator(np.random.PCG64(ss))
        return rng


class DailyNoise:
    """A stream's standard normal draws for each day, drawn a block of days at a time.

    numpy's Generator fills an array from one sequence, element after element, so the rows
    of one ``(days, *shape)`` draw are exactly the numbers that one draw of ``shape`` a day
    would give, and ``scale * noise.day(d)`` is bit for bit ``normal(0.0, scale, shape)``
    drawn on day ``d``; one call for a block of days saves a call a day. Only for a stream
    that nothing else draws from, by a rule that draws every day.

    Args:
        stream: The stream to draw from, on first use.
        shape: The shape of one day's draw.
        days: Days to draw at a time. A block is drawn only when a day in it is asked for:
            the rules that use this stop drawing once the fighting or the units' choices are
            over, often halfway through the horizon.
    """

    def __init__(self, stream: Callable[[], np.random.Generator], shape: tuple, days: int = 8):
        self._stream = stream
        self._shape = tuple(shape)
        self._days = max(int(days), 1)
        self._blocks: list[np.ndarray] = []

    def day(self, d: int) -> np.ndarray:
        """The standard normal draws of day ``d`` (0 on the start date)."""
        k, row = divmod(d, self._days)
        blocks = self._blocks
        while len(blocks) <= k:  # in order: the blocks are the stream's numbers in sequence
            blocks.append(self._stream().standard_normal((self._days, *self._shape)))
        return blocks[k][row]


class NormalDraws:
    """A stream's standard normal draws, handed out one at a time, drawn a block at a time.

    As for ``DailyNoise``, the n-th number handed out is the n-th standard normal of the
    stream, so ``scale * next()`` is bit for bit the ``normal(0.0, scale)`` drawn in its
    place, at a fraction of the cost of a call to the generator per number. Only for a
    stream that nothing else draws from.

    Args:
        stream: The stream to draw from, on first use.
        block: Numbers drawn at a time.
    """

    def __init__(self, stream: Callable[[], np.random.Generator], block: int = 32):
        self._stream = stream
        self._block = block
        self._left: list[float] = []  # the block's numbers not yet handed out, last first

    def next(self) -> float:
        """The stream's next standard normal draw."""
        if not self._left:
            self._left = self._stream().standard_normal(self._block).tolist()[::-1]
        return self._left.pop()


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

    A pinned decision is recorded when it first comes up (the decider reaches it) and when its
    consequence takes effect, so that a run can say whether the pin applied at all
    (``model.sim.pins``): a pin on a decision nobody reaches changes nothing.

    Args:
        streams: The run's random streams.
        pins: Decision name -> ``auto``, ``accept`` or ``refuse``.
        clock: Today's day number.
    """

    def __init__(
        self, streams: Streams, pins: dict[str, str], clock: Callable[[], int] = lambda: 0
    ):
        self.streams = streams
        self.pins = pins
        self._clock = clock
        # Set to a list to keep (decision, probability, the decider's belief) of every
        # draw: ``explain`` reads the state at which each decision was taken.
        self.trace: list[tuple[str, float, float | None]] | None = None
        # Pinned decisions: the day each first came up, and (day, outcome) of its effect.
        self.came_up: dict[str, int] = {}
        self.effect: dict[str, tuple[int, str]] = {}

    def decide(
        self,
        decision: str,
        probability: float,
        stream: str,
        belief: float | None = None,
        later: bool = False,
    ) -> bool:
        """Draw a decision; a pin overrides the draw.

        The draw is made even when pinned, so pinning one decision does not shift the
        random numbers of any other.

        Args:
            decision: The decision's name (see ``DECISIONS``).
            probability: The probability of accepting, from the decider's rule.
            stream: The decider's random stream.
            belief: The decider's belief in the regime when deciding, for the trace.
            later: A yes takes effect only later, if at all (an arrival, a halt): the caller
                reports it with ``consequence``. A no takes effect at once.
        """
        if self.trace is not None:
            self.trace.append((decision, probability, belief))
        u = self.streams[stream].random()
        pin = self.pins.get(decision, "auto")
        if pin == "auto":
            return bool(u < probability)
        if decision not in self.came_up:
            self.came_up[decision] = self._clock()
            if pin == "refuse" or not later:
                self.effect[decision] = (self._clock(), "")
        return pin == "accept"

    def consequence(self, decision: str, took: bool, why: str = "") -> None:
        """Report whether a pinned yes decided with ``later`` took effect (once; else ignored).

        Args:
            decision: The decision's name.
            took: Whether its consequence happened.
            why: What stopped it, when it did not.
        """
        if decision in self.came_up and decision not in self.effect:
            self.effect[decision] = (self._clock(), "" if took else why)
