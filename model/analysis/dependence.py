"""Which documented observations the model ties to one another by a fixed lag.

Two observations are *linked* in an ensemble when, in nearly every run, the day of one is
the day of the other plus the same lag (within ``WIDTH`` days: the model steps a day at a
time, so "the same day or the next" is one lag). A linked pair carries one piece of
information, not two: a held-out observation linked to a calibration one is not an
independent check of the model ("follows <event>"), and two linked calibration
observations would count the same fact twice in a distance. Linked *and* dated alike from a
source they share, two observations are duplicates: the same report entered twice.

Measured, never declared: the lag and its share come from the runs (``link``), so a change
of rules that ties or unties two events changes what is reported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from model.config.observations import Observation

SHARE = 0.95  # linked: the lag holds in at least this share of the runs with either event
WIDTH = 1  # days: a lag of L or L + 1 counts as one lag


@dataclass(frozen=True)
class Link:
    """How the day of observation ``of`` follows the day of ``to`` in an ensemble.

    Attributes:
        of: The observation that follows.
        to: The one it follows.
        lag: Days from ``to`` to ``of`` (``lag`` or ``lag + WIDTH``).
        share: Share of the runs (with either event) in which that lag holds.
        duplicate: Also dated alike from a source the two share (the same report twice).
    """

    of: str
    to: str
    lag: int
    share: float
    duplicate: bool = False

    def describe(self) -> str:
        """In words: ``follows russia_offer (0-1 days after it in 99 % of runs)``."""
        lo, hi = self.lag, self.lag + WIDTH
        if self.duplicate:
            what, when = (
                "duplicates",
                f"{_span(lo, hi)} days after it" if lo >= 0 else "the same day",
            )
        elif lo >= 0:
            what, when = "follows", f"{_span(lo, hi)} days after it"
        elif hi <= 0:
            what, when = "precedes", f"{_span(-hi, -lo)} days before it"
        else:
            what, when = "follows", "within a day of it"
        return f"{what} {self.to} ({when} in {self.share:.0%} of runs)"


def _span(a: int, b: int) -> str:
    return f"{a}" if a == b else f"{a}-{b}"


def link(a: np.ndarray, b: np.ndarray, width: int = WIDTH) -> tuple[int, float]:
    """The lag ``L`` for which ``b - a`` lies in ``[L, L + width]`` in most runs, and its share.

    Args:
        a: Per run, the day of the first observation (NaN: never).
        b: Per run, the day of the second.
        width: Days the lag may vary by.

    Returns:
        ``L`` and the share of the runs with either event in which ``b - a`` lies in
        ``[L, L + width]`` (a run with one event and not the other breaks the link; a run
        with neither says nothing).
    """
    either = ~(np.isnan(a) & np.isnan(b))
    both = ~np.isnan(a) & ~np.isnan(b)
    n = int(either.sum())
    if n == 0 or not both.any():
        return 0, 0.0
    diff = (b[both] - a[both]).astype(int)
    lo = int(diff.min())
    counts = np.bincount(diff - lo, minlength=width + 1)
    # runs in [L, L + width] for each L from the smallest lag; of windows holding as many
    # runs, the one starting at the lag most runs have (a constant lag L: [L, L + width])
    window = np.convolve(counts, np.ones(width + 1, dtype=int))[width:]
    best = int(np.argmax(window * (len(diff) + 1) + counts[: len(window)]))
    return lo + best, float(window[best] / n)


def _sources(o: Observation) -> set[str]:
    return {s.strip().lower() for s in o.source.split(";") if s.strip()}


def same_report(a: Observation, b: Observation) -> bool:
    """Dated alike (the same date and range) from at least one source entry they share."""
    dated = (a.date, a.earliest, a.latest) == (b.date, b.earliest, b.latest)
    return dated and bool(_sources(a) & _sources(b))


def documented_order(observations: Sequence[Observation], start: dt.date) -> list[int]:
    """Positions of the observations by documented day, then by their order in the file."""
    return sorted(range(len(observations)), key=lambda i: (observations[i].day_range(start), i))


def links_to(
    days: np.ndarray,
    observations: Sequence[Observation],
    targets: Sequence[int],
    sources: Sequence[int],
    share: float = SHARE,
) -> dict[int, Link]:
    """For each of ``targets``, its strongest link to one of ``sources`` (where linked).

    Args:
        days: Runs x observations, the day each run produced each (NaN: never).
        observations: The observations, one column of ``days`` each.
        targets: Columns tested (held-out observations, say).
        sources: Columns they may follow (calibration observations, say).
        share: The share a link needs.
    """
    out = {}
    for j in targets:
        best = None
        for i in sources:
            if i == j:
                continue
            lag, s = link(days[:, i], days[:, j])
            if s >= share and (best is None or s > best.share):
                dup = same_report(observations[i], observations[j]) and lag <= 0 <= lag + WIDTH
                best = Link(observations[j].id, observations[i].id, lag, s, dup)
        if best is not None:
            out[j] = best
    return out


def independent(
    days: np.ndarray, observations: Sequence[Observation], columns: Sequence[int], start: dt.date
) -> tuple[list[int], dict[int, Link]]:
    """The columns left once each linked to an earlier kept one is set aside.

    Taken in documented order, a column is kept unless it is linked to one already kept:
    of a linked pair the earlier stays (the later follows it).

    Returns:
        The kept columns (in documented order) and, per column set aside, its link.
    """
    order = [i for i in documented_order(observations, start) if i in set(columns)]
    kept: list[int] = []
    dropped: dict[int, Link] = {}
    for j in order:
        found = links_to(days, observations, [j], kept)
        if found:
            dropped[j] = found[j]
        else:
            kept.append(j)
    return kept, dropped
