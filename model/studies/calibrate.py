"""``calibrate``: fit the uncertain parameters to the calibration observations.

optuna's TPE sampler, seeded, proposes values within the ranges under ``uncertain:``; each
trial runs the same seeds (common random numbers), so the same seed gives the same fit.
The objective is the mean absolute day error of the simulated median against the
documented date or range over the calibration observations, plus ``MISS_PENALTY`` times
the mean share of runs in which an observation did not occur; an observation produced in
no run counts as ``horizon`` days away. The result is a new scenario file that extends the
input with the fitted values, each marked as calibrated.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import yaml

from model.analysis.validate import format_scores, score, summarize_scores
from model.config.loader import load_scenario
from model.config.observations import DEFAULT_PATH, Observation, load_observations
from model.config.paths import nest
from model.config.schema import Scenario, iter_params
from model.ensemble.progress import bar
from model.errors import ModelError, OptionError
from model.results.files import write_new_file
from model.sim.compiled import compile_scenario
from model.studies.sensitivity import problem, run_samples, sample_tasks

if TYPE_CHECKING:
    from model.ensemble.runner import Job

MISS_PENALTY = 10.0  # days: a run without the event weighs like ten days of error


def objective(table: pd.DataFrame, horizon: int) -> float:
    """The calibration objective of a ``validate.score`` table (calibration rows only).

    Mean over the calibration observations of the distance (days) from the simulated
    median to the documented range, ``horizon`` where no run produced it, plus
    ``MISS_PENALTY`` times the mean share of runs that did not produce it.
    """
    t = table[table["role"] == "calibration"]
    if t.empty:
        raise ModelError("the observations file has no 'role: calibration' observations")
    dist = t["distance"].fillna(float(horizon))
    return float(dist.mean() + MISS_PENALTY * (1.0 - t["share_produced"]).mean())


class Evaluator:
    """Runs a parameter set with the common seeds and scores it against the observations."""

    def __init__(
        self,
        sc: Scenario,
        observations: Sequence[Observation],
        seeds: Sequence[int],
        executor,
        progress: bool = False,
    ):
        self.sc = sc
        self.observations = list(observations)
        self.seeds = list(seeds)
        self.executor = executor
        self.compiled = compile_scenario(sc)  # names, dates and horizon do not vary
        self.names = problem(sc)["names"]
        self.chunks = max(1, min(executor.workers, len(self.seeds)))
        self.progress = progress

    def table(self, values: dict[str, float]) -> pd.DataFrame:
        """The ``validate.score`` table of the scenario with ``values`` set."""
        from model.results.tables import build_tables

        row = np.array([[values[n] for n in self.names]], dtype=float)
        tasks = sample_tasks(self.sc, row, self.names, self.seeds, self.chunks)
        runs = next(run_samples(self.executor, tasks, len(self.seeds), False, ""))
        tables = build_tables(self.compiled, runs)
        return score(self.observations, tables.runs, tables.events, self.sc.start_date)


def current_values(sc: Scenario) -> dict[str, float]:
    """The scenario's own values of its uncertain parameters."""
    params = dict(iter_params(sc))
    return {n: float(params[n].value) for n in sc.uncertain}


def fit(
    sc: Scenario, trials: int, evaluator: Evaluator, seed: int, progress: bool = False
) -> tuple[dict[str, float], float]:
    """Search the uncertain ranges with optuna's seeded TPE sampler.

    Returns:
        The best values and their objective.
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    params = dict(iter_params(sc))
    horizon = sc.horizon_days.value

    def trial_fn(trial: optuna.Trial) -> float:
        values = {}
        for name, rng in sc.uncertain.items():
            if isinstance(params[name].value, int):
                values[name] = float(trial.suggest_int(name, int(rng.low), int(rng.high)))
            else:
                values[name] = trial.suggest_float(name, rng.low, rng.high)
        return objective(evaluator.table(values), horizon)

    study = optuna.create_study(
        direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed % 2**32)
    )
    # the scenario's own values are the first trial (when inside the ranges), so the fit is
    # never worse than them on the calibration objective
    start = {
        n: int(v) if isinstance(params[n].value, int) else v
        for n, v in current_values(sc).items()
        if sc.uncertain[n].low <= v <= sc.uncertain[n].high
    }
    if len(start) == len(sc.uncertain):
        study.enqueue_trial(start)
    shown = bar(trials, f"{sc.name} calibrate", "trial", progress)
    callbacks = [] if shown is None else [lambda study, trial: shown.update(1)]
    study.optimize(trial_fn, n_trials=trials, callbacks=callbacks)
    if shown is not None:
        shown.close()
    best = {n: float(study.best_params[n]) for n in sc.uncertain}
    return best, float(study.best_value)


def output_path(scenario_path: str | Path, out: str | None) -> Path:
    """Where the calibrated scenario goes; never an existing file.

    Raises:
        ModelError: ``out`` exists.
    """
    if out is not None:
        path = Path(out)
        if path.exists():
            raise OptionError("out", out, "exists; files are never overwritten")
        if path.suffix not in (".yaml", ".yml"):
            raise OptionError("out", out, "a scenario file must end in .yaml")
        return path
    src = Path(scenario_path)
    path = src.with_name(f"{src.stem}_calibrated.yaml")
    k = 2
    while path.exists():
        path = src.with_name(f"{src.stem}_calibrated-{k}.yaml")
        k += 1
    return path


def calibrated_text(
    sc: Scenario,
    scenario_path: str | Path,
    target: Path,
    best: dict[str, float],
    score_value: float,
    trials: int,
    runs_per_trial: int,
    seed: int,
) -> str:
    """The YAML of a scenario that extends ``scenario_path`` with the fitted values."""
    params = dict(iter_params(sc))
    today = dt.datetime.now(dt.UTC).date().isoformat()
    note = (
        f"calibrated by `python -m model calibrate` against the calibration observations on "
        f"{today}, objective {score_value:.3f}, {trials} trials"
    )
    entries = {}
    for name, x in best.items():
        value = int(round(x)) if isinstance(params[name].value, int) else round(float(x), 4)
        entries[name] = {"value": value, "assumption": note}
    extends = os.path.relpath(Path(scenario_path).resolve(), target.resolve().parent)
    doc = {
        "extends": Path(extends).as_posix(),
        "name": f"{sc.name}_calibrated",
        "title": f"{sc.title} (calibrated)",
        "description": (
            f"{sc.name} with its uncertain parameters fitted to the calibration observations "
            f"({trials} trials x {runs_per_trial} runs, seed {seed}); objective {score_value:.3f}"
        ),
        **nest(entries),
    }
    header = (
        f"# Written by `python -m model calibrate` on {today}. Objective: mean absolute day error\n"
        f"# over the calibration observations plus {MISS_PENALTY:g} x the share of runs missing one.\n"
    )
    return header + yaml.safe_dump(
        doc, sort_keys=False, allow_unicode=True, width=100, default_flow_style=None
    )


def _fit(part: dict) -> str:
    if not part["observations"]:
        return "no observations"
    mae = "-" if part["mae_days"] is None else f"{part['mae_days']:.2f}"
    return f"MAE {mae}, hit {part['hit_share']:.0%}"


def calibrate_to_file(
    sc: Scenario,
    scenario_path: str,
    trials: int,
    runs_per_trial: int,
    job: Job,
    observations_path: str | Path = DEFAULT_PATH,
) -> tuple[Path, str]:
    """Fit, write the calibrated scenario, and report the fit before and after.

    Returns:
        The file written and the report text.
    """
    from model.ensemble.runner import run_seeds

    problem(sc, scenario_path)  # no uncertain parameters: fail before anything runs
    observations = load_observations(observations_path)
    target = output_path(scenario_path, job.out)
    target.parent.mkdir(parents=True, exist_ok=True)
    seeds = run_seeds(job.master_seed, runs_per_trial)
    with job.executor.start(trials * runs_per_trial) as ex:
        ev = Evaluator(sc, observations, seeds, ex)
        before = ev.table(current_values(sc))
        best, value = fit(sc, trials, ev, job.master_seed, job.progress)
        after = ev.table(best)
    write_new_file(
        target,
        calibrated_text(
            sc, scenario_path, target, best, value, trials, runs_per_trial, job.master_seed
        ),
        check=load_scenario,  # the file must load before it takes its name
    )
    horizon = sc.horizon_days.value
    lines = [
        f"Scenario {sc.name}: {trials} trials x {runs_per_trial} runs, master seed {job.master_seed}",
        f"objective before {objective(before, horizon):.3f}, after {value:.3f}",
        "",
        f"{'parameter':<44s}{'before':>10s}{'after':>10s}   range",
    ]
    old = current_values(sc)
    for name, rng in sc.uncertain.items():
        lines.append(
            f"{name:<44s}{old[name]:10.4g}{best[name]:10.4g}   [{rng.low:g}, {rng.high:g}]"
        )
    lines += ["", "Fit on the same runs (mean absolute error in days; hit within one day):"]
    sb, sa = summarize_scores(before), summarize_scores(after)
    for role, label in (("calibration", "calibration"), ("held_out", "held out")):
        lines.append(f"  {label:<12s}before {_fit(sb[role])}   after {_fit(sa[role])}")
    lines += ["", f"After ({runs_per_trial} runs):", format_scores(after, sa, sc.start_date)]
    return target, "\n".join(lines)
