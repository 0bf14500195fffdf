"""The point ``calibrate`` writes: the posterior mean, then a seeded search near it.

The rejection ABC of ``infer`` gives a posterior over every uncertain parameter at once; its
mean is a fair summary of each parameter but not the best single scenario: averaging 43
parameters of runs that each fit the record in their own way gives values no accepted run
had. Measured on the baseline (400 fresh runs per point, calibration observations only): the
posterior mean missed the calibration medians by 0.62 days on average. A scenario file holds
one point, so ``calibrate`` then searches for the point whose ensemble fits best:

- where: each calibrated parameter within the central 90 % of its posterior (the region
  the calibration observations allow; a parameter they do not constrain keeps about its
  prior range);
- what: the mean over the calibration statistics (those ``infer`` uses: no mechanically
  linked duplicate counts twice) and over ``runs`` fixed-seed runs of the capped day distance
  to the documented date or range (``abc.capped``), the same distance the ABC uses, in days;
- how: optuna's TPE sampler, seeded, ``trials`` points, the posterior mean first;
- a check against chance: the search's best point and the posterior mean are scored again
  on ``check_runs`` fresh seeds, and the better of the two there is written. A search that
  only found lucky seeds loses to the mean and changes nothing.

Uncertain parameters not marked calibrated keep the scenario's values throughout. The same
table, settings and seed give the same point (tested).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from model.config.observations import Observation
from model.config.schema import Scenario
from model.studies import abc
from model.studies.reference import run_rows

TRIALS = 150  # points the search scores: about a minute on two cores at RUNS runs each
RUNS = 100  # fixed-seed runs per point
CHECK_RUNS = 400  # fresh-seed runs scoring the search's best point against the mean
TAG = 0x5246494E  # the search's SeedSequence stream


@dataclass(frozen=True)
class Search:
    """What the search was asked to do and what it found (recorded in the calibration file)."""

    trials: int
    runs: int
    check_runs: int
    mean_loss: float  # the posterior mean's, on the check's fresh seeds (days)
    best_loss: float  # the search's best point's, on the same seeds
    search_loss: float  # the best point's on the search's own seeds
    chosen: str  # "search" or "posterior mean"

    def record(self) -> dict:
        """The search as the calibration file's ``made_by.search`` records it."""
        return {
            "method": "optuna TPE (seeded) within each calibrated parameter's posterior "
            "5-95 %, scored by the mean capped day distance to the calibration observations",
            "trials": self.trials, "runs_per_point": self.runs, "check_runs": self.check_runs,
            "loss_days": {"posterior_mean": round(self.mean_loss, 4),
                          "search_best": round(self.best_loss, 4),
                          "search_best_on_its_own_seeds": round(self.search_loss, 4)},
            "chosen": self.chosen,
        }  # fmt: skip


def _seeds(seed: int, stream: int, n: int) -> list[int]:
    ss = np.random.SeedSequence([int(seed), TAG, stream])
    return [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in ss.spawn(n)]


class _Loss:
    """The mean capped day distance of a point's runs to the calibration observations."""

    def __init__(self, sc: Scenario, observations: Sequence[Observation], executor):
        self.sc, self.observations, self.executor = sc, list(observations), executor
        self.names = list(sc.uncertain)
        self.ranges = abc.ranges_of(self.observations, sc.start_date)
        self.horizon = float(sc.horizon_days.value)

    def __call__(self, full: np.ndarray, seeds: list[int]) -> float:
        values = np.tile(full, (len(seeds), 1))
        days, _, _ = run_rows(self.sc, self.observations, values, seeds, self.executor)
        d = days.astype(float)
        d[d < 0] = self.horizon  # never: not by the horizon, the cap away at most
        return float(abc.capped(d, self.ranges).mean())


def search(
    sc: Scenario,
    observations: Sequence[Observation],
    post: abc.Posterior,
    names: Sequence[str],
    whole: Sequence[bool],
    start: dict[str, float],
    executor,
    seed: int,
    trials: int = TRIALS,
    runs: int = RUNS,
    check_runs: int = CHECK_RUNS,
    digits: int = 4,
) -> tuple[dict[str, float], Search]:
    """The calibrated point: the search's best or the posterior mean, whichever fits better.

    Args:
        sc: The scenario (its uncertain parameters not in ``names`` keep their values).
        observations: The calibration statistics' observations.
        post: The posterior (its accepted runs bound the search).
        names: The calibrated parameters.
        whole: Which of them take whole numbers.
        start: Their posterior mean (the first point scored).
        executor: Runs each point's runs.
        seed: The master seed.
        trials: Points scored (0: the posterior mean, unscored).
        runs: Fixed-seed runs per point.
        check_runs: Fresh-seed runs of the final comparison.
        digits: Decimals kept of a real-valued parameter.

    Returns:
        The values to write and what the search did.
    """
    import optuna

    if trials == 0:
        return dict(start), Search(0, runs, 0, float("nan"), float("nan"), float("nan"),
                                   "posterior mean")  # fmt: skip
    loss = _Loss(sc, observations, executor)
    current = _values(sc, loss.names)
    col = {n: post.names.index(n) for n in names}
    whole = dict(zip(names, whole, strict=True))
    bounds = {}
    for n in names:
        lo, hi = _weighted_quantiles(post.values[:, col[n]], post.weights, (0.05, 0.95))
        bounds[n] = (int(np.floor(lo)), int(np.ceil(hi))) if whole[n] else (lo, hi)

    def full(point: dict[str, float]) -> np.ndarray:
        return np.array([point.get(n, current[n]) for n in loss.names], dtype=float)

    def clip(point: dict[str, float]) -> dict[str, float]:
        return {n: min(max(v, bounds[n][0]), bounds[n][1]) for n, v in point.items()}

    fixed = _seeds(seed, 1, runs)

    def objective(trial) -> float:
        point = {}
        for n in names:
            lo, hi = bounds[n]
            if lo == hi:
                point[n] = lo
            elif whole[n]:
                point[n] = trial.suggest_int(n, lo, hi)
            else:
                point[n] = trial.suggest_float(n, lo, hi)
        return loss(full(point), fixed)

    logging.getLogger("optuna").setLevel(logging.WARNING)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=seed % 2**32, multivariate=True)
    study = optuna.create_study(direction="minimize", sampler=sampler)
    study.enqueue_trial({n: v for n, v in clip(start).items() if bounds[n][0] != bounds[n][1]})
    study.optimize(objective, n_trials=trials)
    best = {n: study.best_params.get(n, bounds[n][0]) for n in names}
    best = {n: int(v) if whole[n] else round(float(v), digits) for n, v in best.items()}
    fresh = _seeds(seed, 2, check_runs)
    mean_loss, best_loss = loss(full(start), fresh), loss(full(best), fresh)
    chosen = "search" if best_loss < mean_loss else "posterior mean"
    found = Search(trials, runs, check_runs, mean_loss, best_loss, study.best_value, chosen)
    return (best if chosen == "search" else dict(start)), found


def _values(sc: Scenario, names: Sequence[str]) -> dict[str, float]:
    from model.config.uncertain import current_values

    return current_values(sc, list(names))


def _weighted_quantiles(x: np.ndarray, w: np.ndarray, qs: Sequence[float]) -> list[float]:
    order = np.argsort(x)
    cum = np.cumsum(w[order]) / np.sum(w)
    return [float(x[order][min(np.searchsorted(cum, q), len(x) - 1)]) for q in qs]
