"""Helpers for the simulation's tests (``tests/sim/``, ``tests/cli/test_explain.py``): what a
run's event log says, variants of the compiled baseline with rules switched off or values set,
and many seeded runs of one scenario.
"""

from __future__ import annotations

import copy

import numpy as np

from model.config.paths import set_in
from model.config.schema import HOLDERS
from model.sim.model import simulate


def events_of(result, actor: str, kind: str, target: str | None = None) -> list[tuple]:
    """The entries of a run's event log by ``actor`` of ``kind`` (and ``target``, if given)."""
    return [
        e
        for e in result.events
        if e[1] == actor and e[2] == kind and (target is None or e[3] == target)
    ]


def first_day(result, actor: str, kind: str, target: str | None = None) -> int | None:
    """The day of the first such entry, or None."""
    return next((e[0] for e in events_of(result, actor, kind, target)), None)


def grid(lo: float, hi: float, n: int = 25) -> np.ndarray:
    return np.linspace(lo, hi, n)


def strictly_increasing(values) -> bool:
    return bool(np.all(np.diff(np.asarray(values, dtype=float)) > 0))


def variant(compiled, off=(), **values):
    """The compiled baseline with rules switched off and parameters set (dotted names)."""
    c = copy.copy(compiled)
    c.p = copy.deepcopy(compiled.p)
    set_in(c.p, "rules.disabled", list(off))
    for k, v in values.items():
        set_in(c.p, k.replace("__", "."), v)
    return c


def many_runs(c, seeds=range(60)):
    return [simulate(c, s) for s in seeds]


def taken_by(results, c, place: str) -> list[str]:
    k = c.index[place]
    return [HOLDERS[r.taken_by[k]] if r.taken_by[k] >= 0 else "" for r in results]


def hezbollah_left(c):
    """Per run, positions in its sequence of events of Hezbollah's withdrawal (None: never),
    the fall of Homs and the leader's departure (None: not in the run)."""

    def at(r, pred):
        return next((i for i, e in enumerate(r.events) if pred(e)), None)

    return [
        (
            at(r, lambda e: e[1:3] == ("hezbollah", "withdrawal")),
            at(r, lambda e: e[2] == "holder_change" and e[3] == "Homs"),
            at(r, lambda e: e[1:3] == ("regime", "departure") and e[5].startswith("left")),
        )
        for r in many_runs(c)
    ]
