"""``infer``: the posterior of the uncertain parameters given the documented dates.

Approximate Bayesian computation by sequential Monte Carlo (pyabc's ``ABCSMC``). The priors
are uniform over the scenario's ``uncertain:`` ranges. One evaluation draws a parameter set,
runs the model once with its own seed and measures the distance of that run's dates to the
calibration observations (``abcsim``: capped day distances, each divided by its spread over
prior-predictive pilot runs, summed). Each generation lowers the acceptance threshold to the
median distance of the one before (pyabc's ``QuantileEpsilon``). The sampler
(``abc_sampler.SeededSampler``) makes the posterior a function of the seed alone.

pyabc keeps every finished generation in its SQLite history as it goes, so an interrupted
inference keeps them, and ``fit`` given that history samples only the generations still
missing; a resumed inference gives the posterior an uninterrupted one gives. The command's
folder (``infer_folder``) is resumable for that reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from model.config.observations import Observation
from model.config.runs import DEFAULT_SEED
from model.config.schema import Scenario
from model.studies.abcsim import (
    Prior,
    Simulator,
    distances,
    key,
    scales_from,
    simulate_sets,
    synthetic,
)

if TYPE_CHECKING:
    pass

DEFAULT_PARTICLES = 300
DEFAULT_GENERATIONS = 6
PILOT_RUNS = 300  # prior-predictive runs that set each observation's scale
PREDICTIVE_RUNS = 300  # posterior-predictive runs behind predictive.csv
CONSTRAINED = 0.75  # posterior sd / prior sd below this: the dates constrain the parameter
TRANSITION_SCALING = 2.0  # kernel width x Silverman's: a smoother proposal, more even weights
# SeedSequence tags: the pilot, the predictive draws and their runs use streams of their own
PILOT_TAG, PREDICTIVE_TAG, SBC_TAG = 0x5049, 0x5052, 0x5342
SBC_LEVELS = (0.5, 0.9)


@dataclass(frozen=True)
class Settings:
    """What an inference is asked to do (recorded, and checked on ``--resume``)."""

    particles: int = DEFAULT_PARTICLES
    generations: int = DEFAULT_GENERATIONS
    seed: int = DEFAULT_SEED
    min_epsilon: float | None = None
    pilot_runs: int = PILOT_RUNS
    predictive_runs: int = PREDICTIVE_RUNS


@dataclass
class Posterior:
    """A finished inference: particles, weights and the history's record.

    Attributes:
        prior: The priors.
        values: Particles x parameters.
        weights: One weight per particle, summing to 1.
        distance: Each particle's distance.
        populations: pyabc's table of generations (t, epsilon, samples, particles).
        ess: Effective sample size per generation.
    """

    prior: Prior
    values: np.ndarray
    weights: np.ndarray
    distance: np.ndarray
    populations: pd.DataFrame
    ess: list[float]

    def table(self) -> pd.DataFrame:
        """``posterior.csv``: one row per particle, each parameter, ``weight``, ``distance``."""
        t = pd.DataFrame(self.values, columns=list(self.prior.names))
        t.insert(0, "particle", np.arange(len(t)))
        t["weight"] = self.weights
        t["distance"] = self.distance
        return t

    def spread(self) -> pd.DataFrame:
        """Per parameter: prior and posterior mean, sd, 5-95 % and their sd ratio."""
        rows = []
        w = self.weights
        for j, name in enumerate(self.prior.names):
            x = self.values[:, j]
            mean = float(np.sum(w * x))
            sd = float(np.sqrt(np.sum(w * (x - mean) ** 2)))
            order = np.argsort(x)
            cw = np.cumsum(w[order])
            q = [float(x[order][np.searchsorted(cw, p * cw[-1])]) for p in (0.05, 0.95)]
            prior_sd = float(self.prior.sd[j])
            rows.append(
                {
                    "parameter": name,
                    "prior_low": float(self.prior.low[j]),
                    "prior_high": float(self.prior.high[j]),
                    "prior_sd": prior_sd,
                    "posterior_mean": mean,
                    "posterior_sd": sd,
                    "posterior_p05": q[0],
                    "posterior_p95": q[1],
                    "sd_ratio": sd / prior_sd if prior_sd > 0 else float("nan"),
                }
            )
        return pd.DataFrame(rows)


class AbcModel:
    """The model pyabc calls: a parameter set to each observation's standardised distance."""

    def __init__(self, sim: Simulator, prior: Prior, ids: Sequence[str]):
        self.sim = sim
        self.prior = prior
        self.ids = list(ids)

    def __call__(self, pars) -> dict[str, float]:
        """One run with the evaluation's seed; capped day distance per observation."""
        from model.studies.abc_sampler import run_seed

        u = np.array([float(pars[key(n)]) for n in self.prior.names])
        values = dict(zip(self.prior.names, self.prior.values(u).tolist(), strict=True))
        return dict(zip(self.ids, self.sim.distances(values, run_seed()).tolist(), strict=True))


def pilot_scales(
    sim: Simulator, prior: Prior, runs: int, seed: int, executor, progress: bool = False
) -> np.ndarray:
    """Each observation's scale: the sd of its capped distance over prior-predictive runs."""
    ss = np.random.SeedSequence([int(seed), PILOT_TAG])
    rng = np.random.default_rng(ss.spawn(1)[0])
    x = prior.draw(rng, runs)
    seeds = [int(c.generate_state(1)[0]) for c in ss.spawn(runs)]
    days = simulate_sets(sim, executor, x, seeds, progress, "pilot runs")
    return scales_from(distances(days, sim.ranges, sim.horizon))


def _abc(
    sim: Simulator, prior: Prior, scales: np.ndarray, settings: Settings, executor, progress,
    on_generation=None,
):  # fmt: skip
    import pyabc

    from model.studies.abc_sampler import SeededSampler

    ids = [o.id for o in sim.observations]
    dist = pyabc.PNormDistance(
        p=1, fixed_weights={i: 1.0 / float(s) for i, s in zip(ids, scales, strict=True)}
    )
    sampler = SeededSampler(settings.seed, executor, progress, on_generation)
    abc = pyabc.ABCSMC(
        AbcModel(sim, prior, ids),
        prior.pyabc(),
        dist,
        population_size=settings.particles,
        sampler=sampler,
        eps=pyabc.QuantileEpsilon(alpha=0.5),
        transitions=pyabc.MultivariateNormalTransition(scaling=TRANSITION_SCALING),
    )
    return abc, {i: 0.0 for i in ids}


def _quiet_pyabc() -> None:
    import logging

    import pyabc  # noqa: F401 - pyabc sets its loggers' levels when imported

    for name in ("ABC", "pyabc", "Sampler", "Epsilon", "Distance", "Acceptor", "History"):
        logging.getLogger(name).setLevel(logging.WARNING)


def fit(
    sc: Scenario,
    observations: Sequence[Observation],
    settings: Settings,
    executor,
    db: Path,
    scales: np.ndarray | None = None,
    progress: bool = False,
    on_generation: Callable[[int], object] | None = None,
) -> tuple[Posterior, np.ndarray]:
    """Run (or continue, when ``db`` holds finished generations) the inference.

    Args:
        sc: The scenario; its ``uncertain:`` ranges are the priors.
        observations: The observations the posterior is conditioned on.
        settings: Particles, generations, seed, final epsilon.
        executor: An open executor.
        db: pyabc's history file; continued if it holds generations.
        scales: The observations' scales (recomputed from the pilot when None).
        progress: Show progress bars.
        on_generation: Called with ``t`` as generation ``t`` starts (``t`` are finished).

    Returns:
        The posterior and the scales used.
    """
    _quiet_pyabc()
    prior = Prior.of(sc)
    sim = Simulator(sc, observations)
    if scales is None:
        scales = pilot_scales(sim, prior, settings.pilot_runs, settings.seed, executor, progress)
    abc, observed = _abc(sim, prior, scales, settings, executor, progress, on_generation)
    url = f"sqlite:///{db}"
    done = 0
    if db.exists():
        try:
            abc.load(url, 1, observed)
            done = abc.history.max_t + 1
        except Exception:  # noqa: BLE001 - an interruption before the first generation
            done = 0
        if done <= 0:
            db.unlink()
            abc, observed = _abc(sim, prior, scales, settings, executor, progress, on_generation)
    if done <= 0:
        abc.new(url, observed)
    np.random.seed(np.random.SeedSequence([settings.seed, 1]).generate_state(1)[0])
    left = settings.generations - done
    if left > 0 and not _reached(abc.history, settings.min_epsilon):
        abc.run(max_nr_populations=left, minimum_epsilon=settings.min_epsilon)
    return read_posterior(abc.history, prior), scales


def _reached(history, min_epsilon: float | None) -> bool:
    if min_epsilon is None or history.max_t < 0:
        return False
    return float(history.get_all_populations()["epsilon"].iloc[-1]) <= min_epsilon


def read_posterior(history, prior: Prior) -> Posterior:
    """The last generation of a pyabc history as a ``Posterior``."""
    df, w = history.get_distribution(m=0, t=history.max_t)
    u = np.column_stack([df[key(n)].to_numpy(dtype=float) for n in prior.names])
    values = prior.values(u)
    wd = history.get_weighted_distances(t=history.max_t)
    pops = history.get_all_populations()
    ess = []
    for t in range(history.max_t + 1):
        wt = history.get_weighted_distances(t=t)["w"].to_numpy(dtype=float)
        ess.append(float(wt.sum() ** 2 / np.sum(wt**2)))
    # get_distribution and get_weighted_distances list the particles in the same order
    w = np.asarray(w, dtype=float)
    return Posterior(prior, values, w / w.sum(), wd["distance"].to_numpy(float), pops, ess)


def resample(posterior: Posterior, n: int, seed: int, tag: int = PREDICTIVE_TAG) -> np.ndarray:
    """Indices of ``n`` particles drawn by weight (a seeded weighted resample)."""
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), tag]))
    return rng.choice(len(posterior.weights), size=n, replace=True, p=posterior.weights)


def predictive_days(
    sc: Scenario,
    observations: Sequence[Observation],
    values: np.ndarray,
    seed: int,
    executor,
    progress: bool = False,
    tag: int = PREDICTIVE_TAG,
) -> np.ndarray:
    """One run per parameter set (row of ``values``), seeds spawned from ``seed``."""
    ss = np.random.SeedSequence([int(seed), tag, 1])
    seeds = [int(c.generate_state(1)[0]) for c in ss.spawn(len(values))]
    return simulate_sets(Simulator(sc, observations), executor, values, seeds, progress, "runs")


def predictive_table(
    observations: Sequence[Observation], days: np.ndarray, start: dt.date, horizon: int
) -> pd.DataFrame:
    """``predictive.csv``: per observation the predictive spread of its day and coverage.

    A run that never produced the event counts as the horizon (it did not happen by then).
    ``inside_50`` / ``inside_90``: the central 50 % / 90 % predictive interval overlaps the
    documented date or range.
    """
    rows = []
    d = np.where(np.isnan(days), float(horizon), days)
    for i, o in enumerate(observations):
        _, lo, hi = o.day_range(start)
        q = np.percentile(d[:, i], [5, 25, 50, 75, 95])
        rows.append(
            {
                "observation": o.id,
                "role": o.role,
                "documented_low": lo,
                "documented_high": hi,
                "median": q[2],
                "p05": q[0],
                "p25": q[1],
                "p75": q[3],
                "p95": q[4],
                "inside_50": bool(q[1] <= hi and q[3] >= lo),
                "inside_90": bool(q[0] <= hi and q[4] >= lo),
                "share_produced": float(np.mean(~np.isnan(days[:, i]))),
            }
        )
    return pd.DataFrame(rows)


def coverage(pred: pd.DataFrame) -> dict:
    """Share of observations inside the 50 % and 90 % predictive intervals, per role."""
    out = {}
    for role in ("calibration", "held_out"):
        t = pred[pred["role"] == role]
        out[role] = {
            "observations": int(len(t)),
            "inside_50": float(t["inside_50"].mean()) if len(t) else None,
            "inside_90": float(t["inside_90"].mean()) if len(t) else None,
        }
    return out


def format_spread(spread: pd.DataFrame) -> str:
    """Which parameters the dates constrain and which stay near their prior."""
    lines = [
        f"{'parameter':<44s}{'prior':>16s}{'posterior 5-95 %':>22s}{'sd ratio':>10s}",
    ]
    for r in spread.sort_values("sd_ratio").itertuples():
        verdict = "constrained" if r.sd_ratio < CONSTRAINED else "near its prior"
        lines.append(
            f"{r.parameter:<44s}{f'[{r.prior_low:g}, {r.prior_high:g}]':>16s}"
            f"{f'[{r.posterior_p05:.3g}, {r.posterior_p95:.3g}]':>22s}{r.sd_ratio:10.2f}  {verdict}"
        )
    lines.append(
        f"sd ratio: posterior sd / prior sd; below {CONSTRAINED} the dates constrain the parameter."
    )
    return "\n".join(lines)


def format_coverage(pred: pd.DataFrame) -> str:
    """Predictive coverage lines for the terminal."""
    cov = coverage(pred)
    lines = ["Posterior-predictive coverage (documented date or range inside the interval):"]
    for role, label in (("calibration", "calibration"), ("held_out", "held out")):
        c = cov[role]
        if c["observations"]:
            lines.append(
                f"  {label:<12s}{c['observations']:3d} observations: 50 % interval "
                f"{c['inside_50']:.0%}, 90 % interval {c['inside_90']:.0%}"
            )
    return "\n".join(lines)


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    """The ``q`` quantile of ``x`` with weights ``w`` (the first value reaching it)."""
    order = np.argsort(x)
    cw = np.cumsum(w[order])
    return float(x[order][min(np.searchsorted(cw, q * cw[-1]), len(x) - 1)])


def calibration_check(
    sc: Scenario,
    observations: Sequence[Observation],
    cases: int,
    settings: Settings,
    executor,
    folder: Path,
    levels: Sequence[float] = SBC_LEVELS,
) -> pd.DataFrame:
    """Simulation-based calibration: infer from synthetic records with known parameters.

    Each case draws true values from the priors, runs the model once with them and uses
    that run's days as the record (``abcsim.synthetic``), then infers the posterior with
    ``settings`` (its seed varied per case). A calibrated inference puts the truth inside
    its central ``level`` interval in about ``level`` of the cases.

    Returns:
        One row per case and parameter: ``case, parameter, truth, rank`` (weighted share
        of particles below the truth), ``sd_ratio`` and ``inside_<level>`` per level.
    """
    prior = Prior.of(sc)
    sim = Simulator(sc, observations)
    ss = np.random.SeedSequence([int(settings.seed), SBC_TAG])
    rng = np.random.default_rng(ss.spawn(1)[0])
    truths = prior.draw(rng, cases)
    rows = []
    for c in range(cases):
        values = dict(zip(prior.names, truths[c].tolist(), strict=True))
        run = int(np.random.SeedSequence([int(settings.seed), SBC_TAG, c]).generate_state(1)[0])
        record = synthetic(observations, sim.days(values, run), sc.start_date, sim.horizon)
        s = Settings(**{**asdict(settings), "seed": run})
        post, _ = fit(sc, record, s, executor, folder / f"sbc-{c}.db")
        spread = post.spread().set_index("parameter")
        for j, name in enumerate(prior.names):
            x, w, t = post.values[:, j], post.weights, truths[c, j]
            row = {
                "case": c,
                "parameter": name,
                "truth": float(t),
                "rank": float(np.sum(w[x < t])),
                "sd_ratio": float(spread.loc[name, "sd_ratio"]),
            }
            for level in levels:
                lo = weighted_quantile(x, w, (1 - level) / 2)
                hi = weighted_quantile(x, w, (1 + level) / 2)
                row[f"inside_{level:g}"] = bool(lo <= t <= hi)
            rows.append(row)
    return pd.DataFrame(rows)


def coverage_curve(table: pd.DataFrame, levels: Sequence[float]) -> pd.DataFrame:
    """Per parameter and level, the share of cases whose truth lies in the central interval.

    Read from each case's ``rank`` (weighted share of particles below the truth), so any
    level can be drawn from one ``calibration_check`` table; ``parameter`` ``all`` pools them.
    """
    rows = []
    groups = [*table.groupby("parameter", sort=False), ("all", table)]
    for name, t in groups:
        for lv in levels:
            inside = ((t["rank"] >= (1 - lv) / 2) & (t["rank"] <= (1 + lv) / 2)).mean()
            rows.append({"parameter": name, "level": float(lv), "covered": float(inside)})
    return pd.DataFrame(rows)
