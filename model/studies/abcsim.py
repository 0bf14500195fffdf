"""The simulator and distance shared by ``infer`` and ``hindcast``.

A parameter set is applied exactly as ``calibrate`` and ``sensitivity`` apply one: the
scenario's data with the values set (``sensitivity.with_values``), validated and compiled.
One evaluation is one run with its own seed; its data are the days on which the run
produced each documented observation. The distance to the documented record is, per
observation, the days from the simulated day to the documented date or range (0 inside
it), capped at ``CAP_DAYS``, divided by that observation's scale (the spread of its distance
over prior-predictive runs), and summed. An event the run never produced counts as happening
on the horizon (after the last day): for a documented event that is more than the cap away,
and it lets a synthetic record say that an event did not happen (documented on the horizon).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from model.config.observations import Observation
from model.config.schema import HOLDERS, Scenario, iter_params
from model.errors import ModelError
from model.sim.compiled import Compiled, compile_scenario
from model.sim.model import simulate
from model.sim.outputs import RunResult
from model.studies.sensitivity import problem, with_values

CAP_DAYS = 10.0  # a run without the event, or one further off, counts as this many days
MIN_SCALE = 0.5  # days: an observation every prior run hits does not get an infinite weight


def require() -> None:
    """Refuse to start without the ``infer`` extra (pyabc, scoringrules).

    Raises:
        ModelError: One of them is not installed.
    """
    for module in ("pyabc", "scoringrules"):
        try:
            __import__(module)
        except ImportError:
            raise ModelError(
                f"{module} is not installed; install it with: pip install -e '.[infer]'"
            ) from None


def run_days(observations: Sequence[Observation], compiled: Compiled, r: RunResult) -> np.ndarray:
    """The day one run produced each observation (NaN: never), as ``observed_days`` reads it.

    Works on the run result itself, so that an evaluation does not build tables.
    """
    out = np.full(len(observations), np.nan)
    for i, o in enumerate(observations):
        m = o.match
        if m.place is not None:
            if m.place in compiled.names:
                k = compiled.names.index(m.place)
                d = int(r.fall_day[k])
                if m.by is not None:  # only if the documented actor took it
                    t = -1 if r.taken_by is None else int(r.taken_by[k])
                    if t < 0 or HOLDERS[t] != m.by:
                        d = -1
                out[i] = d if d >= 0 else np.nan
        elif m.leader_exit:
            out[i] = r.leader_exit_day if r.leader_exit_day >= 0 else np.nan
        elif m.regime_gone:
            out[i] = r.regime_gone_day if r.regime_gone_day >= 0 else np.nan
        else:
            e = m.event
            for day, actor, kind, target, _channel, outcome, _rule in r.events:
                if (
                    actor == e.actor
                    and kind == e.kind
                    and (e.target is None or target == e.target)
                    and (e.outcome is None or str(outcome).startswith(e.outcome))
                    and day >= 0
                ):
                    out[i] = day
                    break
    return out


def synthetic(
    observations: Sequence[Observation], days: np.ndarray, start, horizon: int
) -> list[Observation]:
    """The observations as a synthetic record: each dated on the day one run produced it.

    An event the run never produced is dated on the horizon (it did not happen by then).
    Used to check the inference on records whose true parameters are known.
    """
    import datetime as dt

    out = []
    for o, d in zip(observations, days, strict=True):
        day = horizon if np.isnan(d) else int(d)
        date = start + dt.timedelta(days=day)
        out.append(o.model_copy(update={"date": date, "earliest": None, "latest": None}))
    return out


def day_ranges(observations: Sequence[Observation], start) -> np.ndarray:
    """Observations x 2 array of the documented (earliest, latest) day."""
    return np.array([o.day_range(start)[1:] for o in observations], dtype=float).reshape(-1, 2)


def distances(
    days: np.ndarray, ranges: np.ndarray, horizon: int, cap: float = CAP_DAYS
) -> np.ndarray:
    """Capped day distances of simulated ``days`` (... x observations) to documented ranges.

    A day that is NaN (never produced) counts as ``horizon``.
    """
    lo, hi = ranges[:, 0], ranges[:, 1]
    days = np.where(np.isnan(days), float(horizon), days)
    d = np.maximum(np.maximum(lo - days, 0.0), days - hi)
    return np.minimum(d, cap)


def scales_from(pilot: np.ndarray) -> np.ndarray:
    """Per observation, the standard deviation of its capped distance over pilot runs.

    Args:
        pilot: Runs x observations capped distances (prior-predictive runs).
    """
    return np.maximum(pilot.std(axis=0), MIN_SCALE)


@dataclass(frozen=True)
class Prior:
    """Uniform priors over the scenario's ``uncertain:`` ranges.

    Attributes:
        names: Dotted parameter names.
        low: Lower ends.
        high: Upper ends.
        whole: Which parameters take whole numbers (rounded when applied).
    """

    names: tuple[str, ...]
    low: np.ndarray
    high: np.ndarray
    whole: tuple[bool, ...]

    @classmethod
    def of(cls, sc: Scenario, scenario_path: str | None = None) -> Prior:
        """The priors of ``sc`` (one ``ERROR`` line when it declares no ``uncertain:``)."""
        prob = problem(sc, scenario_path)
        params = dict(iter_params(sc))
        b = np.array(prob["bounds"], dtype=float)
        whole = tuple(isinstance(params[n].value, int) for n in prob["names"])
        return cls(tuple(prob["names"]), b[:, 0], b[:, 1], whole)

    @property
    def sd(self) -> np.ndarray:
        """Each uniform prior's standard deviation."""
        return (self.high - self.low) / np.sqrt(12.0)

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` x parameters values drawn from the priors."""
        return self.low + (self.high - self.low) * rng.random((n, len(self.names)))

    def pyabc(self):
        """The priors as a ``pyabc.Distribution`` over the unbounded coordinates ``u``.

        ``x = low + (high - low) * expit(u)`` with ``u`` standard logistic is exactly
        uniform on ``[low, high]``. Sampling in ``u`` keeps pyabc's Gaussian proposals
        away from the box's edges and corners, where in ten dimensions most of a kernel's
        mass falls outside the prior and a few particles take most of the weight (measured
        on the baseline: effective sample size 5 of 300 particles in the uniform coordinates).
        """
        import pyabc

        return pyabc.Distribution(**{key(n): pyabc.RV("logistic", 0.0, 1.0) for n in self.names})

    def values(self, u: np.ndarray) -> np.ndarray:
        """Parameter values of unbounded coordinates ``u`` (... x parameters)."""
        from scipy.special import expit

        return self.low + (self.high - self.low) * expit(u)


def key(name: str) -> str:
    """A parameter name as pyabc stores it (its database columns take no dots)."""
    return name.replace(".", "__")


class Simulator:
    """Runs one parameter set with one seed and returns the observations' days.

    Compiles each parameter set once (a particle is run once, but pilot and predictive
    runs reuse a set).
    """

    def __init__(self, sc: Scenario, observations: Sequence[Observation]):
        self.sc = sc
        self.data = sc.model_dump()
        self.observations = list(observations)
        self.ranges = day_ranges(self.observations, sc.start_date)
        self.horizon = sc.horizon_days.value
        self._last: tuple[tuple, Compiled] | None = None

    def compiled(self, values: dict[str, float]) -> Compiled:
        """The scenario compiled with ``values`` set (the mechanism calibrate uses)."""
        k = tuple(sorted(values.items()))
        if self._last is None or self._last[0] != k:
            d = with_values(self.sc, self.data, values)
            self._last = (k, compile_scenario(Scenario.model_validate(d)))
        return self._last[1]

    def days(self, values: dict[str, float], seed: int) -> np.ndarray:
        """The day each observation happened in one run (NaN: never)."""
        c = self.compiled(values)
        return run_days(self.observations, c, simulate(c, int(seed)))

    def distances(self, values: dict[str, float], seed: int) -> np.ndarray:
        """Capped day distances of one run to each documented range."""
        return distances(self.days(values, seed), self.ranges, self.horizon)


def simulate_sets(
    sim: Simulator,
    executor,
    matrix: np.ndarray,
    seeds: Sequence[int],
    progress: bool = False,
    label: str = "",
) -> np.ndarray:
    """Run parameter set ``i`` (row ``i`` of ``matrix``) once with seed ``i``, on ``executor``.

    Returns:
        Sets x observations array of the day each run produced each observation (NaN: never).
    """
    import hashlib
    import json

    from model.config.schema import scenario_digest
    from model.studies.sensitivity import run_samples

    base = scenario_digest(sim.sc)
    names = list(problem(sim.sc)["names"])
    tasks = []
    for row, seed in zip(matrix, seeds, strict=True):
        values = dict(zip(names, (float(x) for x in row), strict=True))
        k = hashlib.sha256((base + json.dumps(values, sort_keys=True)).encode()).hexdigest()
        tasks.append((k, with_values(sim.sc, sim.data, values), [int(seed)]))
    names_compiled = compile_scenario(sim.sc)  # place names do not depend on the values
    out = np.full((len(tasks), len(sim.observations)), np.nan)
    for i, runs in enumerate(run_samples(executor, tasks, 1, progress, label)):
        out[i] = run_days(sim.observations, names_compiled, runs[0])
    return out
