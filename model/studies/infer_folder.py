"""``infer``'s results folder: the posterior, its predictive check, resumable generation by generation.

The folder goes through the one lifecycle of ``results.lifecycle``: written under a hidden
name by one writer (a second ``infer --resume`` of the same folder is refused at once),
with ``progress.json`` recording the inference's identity (scenario, observations file,
particles, generations, seed, code) and how far it got. pyabc keeps every finished
generation in its history (``abc.db``), so an interrupted inference keeps them, and
``--resume`` (checked against that identity) samples only the generations still missing;
a resumed inference gives the posterior an uninterrupted one gives.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from model.config.observations import DEFAULT_PATH, load_observations
from model.config.schema import Scenario, scenario_digest
from model.errors import ModelError
from model.results.files import new_results_dir
from model.results.lifecycle import ResultsFolder, study_manifest
from model.results.provenance import code_digest, provenance
from model.studies.abcsim import CAP_DAYS, Prior, Simulator, require
from model.studies.calibrate import current_values
from model.studies.infer import (
    Posterior,
    Settings,
    coverage,
    fit,
    pilot_scales,
    predictive_days,
    predictive_table,
    resample,
)

if TYPE_CHECKING:
    from model.ensemble.runner import Job

DB = "abc.db"
METHOD = (
    "ABC-SMC (pyabc ABCSMC, QuantileEpsilon alpha 0.5, MultivariateNormalTransition, SeededSampler)"
)


def file_digest(path: str | Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def identity(sc: Scenario, settings: Settings, observations_path: str | Path) -> dict:
    """What an inference's folder depends on (checked by ``--resume``)."""
    return {
        "scenario_sha256": scenario_digest(sc),
        "observations_sha256": file_digest(observations_path),
        "master_seed": settings.seed,
        "particles": settings.particles,
        "generations": settings.generations,
        "min_epsilon": settings.min_epsilon,
        "pilot_runs": settings.pilot_runs,
        "predictive_runs": settings.predictive_runs,
        "code_sha256": code_digest(),
    }


def settings_of(ident: dict) -> Settings:
    """The settings an inference's folder records."""
    return Settings(
        particles=ident["particles"],
        generations=ident["generations"],
        seed=ident["master_seed"],
        min_epsilon=ident["min_epsilon"],
        pilot_runs=ident["pilot_runs"],
        predictive_runs=ident["predictive_runs"],
    )


def infer_to_dir(
    sc: Scenario,
    scenario_path: str,
    settings: Settings,
    job: Job,
    resume: str | None = None,
    observations_path: str | Path = DEFAULT_PATH,
    given: dict | None = None,
) -> tuple[Path, Posterior, pd.DataFrame, dict]:
    """Infer the posterior and write its folder (hidden until complete), or finish one.

    Args:
        sc: The scenario; its ``uncertain:`` ranges are the priors.
        scenario_path: Its file.
        settings: Particles, generations, seed, final epsilon (of a new inference).
        job: Where to run, the output folder, the command line.
        resume: An interrupted inference's hidden folder to finish.
        observations_path: The observations.
        given: With ``resume``, the identity entries given on the command line
            (``particles``, ``generations``, ``master_seed``, ``min_epsilon``; None: not
            given, the folder's are kept).

    Returns:
        The folder, the posterior, the predictive table and the ``posterior.json`` document.

    Raises:
        Interrupted: Ctrl-C; the finished generations stay in the hidden folder.
        OptionError: ``resume`` is not an interrupted inference of this scenario, these
            observations and settings, or another process continues it.
    """
    require()
    prior = Prior.of(sc, scenario_path)
    observations = load_observations(observations_path)
    used = [o for o in observations if o.role == "calibration"]
    if not used:
        raise ModelError(f"{observations_path}: no 'role: calibration' observations")
    ident = identity(sc, settings, observations_path)
    if resume is None:
        final = new_results_dir(f"{sc.name}-posterior", job.out)
        lifecycle = ResultsFolder.create(
            "infer", final, ident, job.command_line(), {"seed": settings.seed},
            state={"scales": None, "wall_time_s": 0.0, "generations_done": 0},
        )  # fmt: skip
    else:
        fixed = ("scenario_sha256", "observations_sha256", "code_sha256")
        expected = {k: ident[k] for k in fixed} | (given or {})
        lifecycle = ResultsFolder.reopen(resume, "infer", expected)
    with job.executor.start(10**6) as ex, lifecycle as folder:
        settings = settings_of(folder.identity)
        started = time.perf_counter()
        wall = float(folder.state.get("wall_time_s", 0.0))

        def generation(t: int) -> None:
            folder.state["generations_done"] = max(t, 0)
            folder.save()

        try:
            scales = folder.state.get("scales")
            if scales is None:
                scales = pilot_scales(
                    Simulator(sc, used), prior, settings.pilot_runs, settings.seed, ex,
                    job.progress,
                ).tolist()  # fmt: skip
                folder.state["scales"] = scales
                folder.save()
            posterior, _ = fit(
                sc, used, settings, ex, folder.path / DB, np.array(scales, dtype=float),
                job.progress, on_generation=generation,
            )  # fmt: skip
        finally:
            folder.state["wall_time_s"] = wall + time.perf_counter() - started
            folder.save()
        picks = resample(posterior, settings.predictive_runs, settings.seed)
        days = predictive_days(
            sc, observations, posterior.values[picks], settings.seed, ex, job.progress
        )
        pred = predictive_table(observations, days, sc.start_date, sc.horizon_days.value)
        wall = float(folder.state["wall_time_s"])
        doc = _document(
            sc, scenario_path, job, settings, prior, used, scales, posterior, pred, wall
        )
        _write(folder.path, sc, settings, posterior, pred, doc)
        folder.publish(study_manifest("posterior"))
    return folder.final, posterior, pred, doc


def _document(sc, scenario_path, job, settings, prior, used, scales, posterior, pred, wall):
    """``posterior.json``: how the posterior was inferred, its spread and coverage."""
    pops = posterior.populations
    gens = pops[pops["t"] >= 0]
    return {
        **provenance(sc, scenario_path, job.argv),
        "method": METHOD,
        "settings": asdict(settings),
        "observations_used": [o.id for o in used],
        "distance": {
            "per_observation": "days from the run's day to the documented date or range, "
            f"capped at {CAP_DAYS:g}; a run without the event counts as the horizon, "
            "so as the cap",
            "standardised_by": "sd of the capped distance over prior-predictive pilot runs",
            "scales": dict(zip([o.id for o in used], list(scales), strict=True)),
            "combined": "sum over observations of distance / scale",
        },
        # the scenario's own values: a scenario run with --posterior keeps a parameter it
        # sets to another value than these (model/ensemble/posterior.py)
        "scenario_values": current_values(sc),
        "priors": {
            n: {"low": float(lo), "high": float(hi), "distribution": "uniform"}
            for n, lo, hi in zip(prior.names, prior.low, prior.high, strict=True)
        },
        "generations": [
            {
                "t": int(r.t),
                "epsilon": float(r.epsilon),
                "simulations": int(r.samples),
                "acceptance_rate": float(r.particles / r.samples) if r.samples else None,
                "ess": posterior.ess[int(r.t)],
            }
            for r in gens.itertuples()
        ],
        "simulations": int(gens["samples"].sum()) + settings.pilot_runs,
        "effective_sample_size": posterior.ess[-1] if posterior.ess else None,
        "wall_time_s": round(wall, 1),
        "spread": posterior.spread().to_dict(orient="records"),
        "coverage": coverage(pred),
    }


def _write(tmp: Path, sc: Scenario, settings: Settings, posterior, pred, doc: dict) -> None:
    from model.viz.posterior_plots import plot_posterior

    gens = len(doc["generations"])
    posterior.table().to_csv(tmp / "posterior.csv", index=False)  # full precision: weights sum to 1
    pred.to_csv(tmp / "predictive.csv", index=False, float_format="%.6g")
    (tmp / "posterior.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    plot_posterior(
        posterior.table(),
        posterior.spread(),
        f"{sc.name}: posterior of the uncertain parameters ({settings.particles} particles, "
        f"{gens} generations)",
        tmp / "posterior.png",
    )
