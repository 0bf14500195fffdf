"""The reference table as the studies read it: rows of parameters, seeds, days and outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from model.config.observations import Observation
from model.config.uncertain import Ranges


@dataclass
class Table:
    """The reference table, read from its folder (or made in memory by a test).

    Attributes:
        ranges: The priors the rows were drawn from.
        observations: The documented observations, one column of ``days`` each.
        rows: Row numbers (``i``: what made the row).
        values: Rows x parameters.
        seeds: Each row's run seed.
        days: Rows x observations, the day the run produced each (NaN: never).
        outcomes: Rows x ``OUTCOMES``.
        horizon: The last simulated day.
        start: Day 0.
        info: ``reference.json`` (identity, timing).
    """

    ranges: Ranges
    observations: list[Observation]
    rows: np.ndarray
    values: np.ndarray
    seeds: np.ndarray
    days: np.ndarray
    outcomes: np.ndarray
    horizon: int
    start: object
    info: dict = field(default_factory=dict)

    @property
    def ids(self) -> list[str]:
        """The observations' ids, in column order."""
        return [o.id for o in self.observations]

    def columns(self, ids: Sequence[str]) -> np.ndarray:
        """Column numbers of the observations ``ids``."""
        where = {o: j for j, o in enumerate(self.ids)}
        return np.array([where[i] for i in ids], dtype=int)

    def filled(self) -> np.ndarray:
        """``days`` with a day never reached counted as the horizon (not by then)."""
        return np.where(np.isnan(self.days), float(self.horizon), self.days)

    def subset(self, mask: np.ndarray) -> Table:
        """The rows where ``mask`` holds."""
        return Table(self.ranges, self.observations, self.rows[mask], self.values[mask],
                     self.seeds[mask], self.days[mask], self.outcomes[mask], self.horizon,
                     self.start, self.info)  # fmt: skip

    def parts(self, count: int) -> list[np.ndarray]:
        """``count`` disjoint masks of the rows (row ``i`` in part ``i mod count``).

        The rows are independent draws, so each part is a reference table of its own: an
        inference repeated on each is an independent repetition (an "inference seed").
        """
        return [self.rows % count == k for k in range(count)]
