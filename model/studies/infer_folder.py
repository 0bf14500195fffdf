"""``infer``'s results folder: the posterior, its predictive check and how it was made.

The inference reads a reference table (``--reference``, or one made first and published
beside it), so it takes seconds and writes its folder once, at the end, through the
lifecycle of ``results.lifecycle`` (hidden until complete; interrupted, it keeps nothing and
runs again to the same files; the table it reads is the resumable part).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from model.config.observations import DEFAULT_PATH, load_observations
from model.config.schema import Scenario
from model.config.uncertain import Ranges, current_values
from model.errors import ModelError
from model.results.files import new_results_dir
from model.results.lifecycle import study_manifest
from model.results.provenance import provenance
from model.studies import abc
from model.studies.infer import (
    Settings,
    calibration,
    coverage,
    information,
    posterior_of,
    predictive_days,
    predictive_table,
    resample,
    seed_agreement,
)
from model.studies.reference_folder import DEFAULT_RUNS, reference_record, table_for

if TYPE_CHECKING:
    from model.ensemble.runner import Job

METHOD = (
    "rejection ABC on a reference table of prior-predictive runs: the runs nearest the "
    "record accepted in each of several disjoint parts of the table"
)


def require(*modules: str) -> None:
    """Refuse to start without the ``infer`` extra (pyabc, scoringrules, and ``modules``).

    Args:
        modules: Further modules of the extra the caller needs (``sbc``: arviz's ECDF bands),
            checked at the start rather than after the runs.

    Raises:
        ModelError: One of them is not installed.
    """
    for module in ("pyabc", "scoringrules", *modules):
        try:
            __import__(module)
        except ImportError:
            raise ModelError(
                f"{module} is not installed; install it with: pip install -e '.[infer]'"
            ) from None


def infer_to_dir(
    sc: Scenario,
    scenario_path: str,
    settings: Settings,
    job: Job,
    reference: str | Path | None = None,
    runs: int = DEFAULT_RUNS,
    observations_path: str | Path = DEFAULT_PATH,
) -> tuple[Path, abc.Posterior, pd.DataFrame, dict]:
    """Infer the posterior from the reference table and write its folder.

    Args:
        sc: The scenario; its ``uncertain:`` ranges are the priors.
        scenario_path: Its file.
        settings: Seeds (parts of the table), accepted runs per part, scale, predictive runs.
        job: Where to run, the output folder, the command line.
        reference: A reference folder to read; None: make one of ``runs`` rows first.
        runs: Rows of a table made here.
        observations_path: The observations.

    Returns:
        The folder, the posterior, the predictive table and the ``posterior.json`` document.
    """
    require()
    Ranges.of(sc, scenario_path)
    observations = load_observations(observations_path)
    ids = calibration(observations)
    if not ids:
        raise ModelError(f"{observations_path}: no 'role: calibration' observations")
    ref, table = table_for(sc, scenario_path, job, reference, runs, observations_path)
    final = new_results_dir(f"{sc.name}-posterior", job.out)
    started = time.perf_counter()
    with job.study_folder("infer", final, sc, **_identity(settings, ref, table)) as folder:
        post = posterior_of(table, ids, settings)
        picks = resample(post, settings.predictive_runs, settings.seed)
        with job.executor.start(settings.predictive_runs) as ex:
            days = predictive_days(sc, observations, post.values[picks], settings.seed, ex)
        pred = predictive_table(observations, days, sc.start_date, sc.horizon_days.value)
        doc = document(sc, scenario_path, job, settings, post, pred, table, ref)
        doc["wall_time_s"] = round(time.perf_counter() - started, 1)
        write(folder.path, sc, settings, post, pred, doc)
        folder.publish(study_manifest("posterior"))
    return final, post, pred, doc


def _identity(settings: Settings, ref: Path, table) -> dict:
    return {
        "settings": asdict(settings),
        "reference_sha256": reference_record(ref, table)["sha256"],
    }


def document(sc, scenario_path, job, settings, post, pred, table, ref) -> dict:
    """``posterior.json``: how the posterior was inferred, its spread and its checks."""
    spread = post.spread()
    stats = post.statistics
    return {
        **provenance(sc, scenario_path, job.argv),
        "method": METHOD,
        "settings": asdict(settings),
        "reference": reference_record(ref, table),
        "observations_used": list(stats.ids),
        "observations_linked": {k: asdict(v) for k, v in stats.linked.items()},
        "distance": {
            "per_observation": "days from the run's day to the documented date or range, "
            f"capped at {abc.CAP_DAYS:g}; a run without the event counts as the horizon, so "
            "as the cap",
            "scale": f"{settings.scale}: pyabc.distance.scale over the part's runs, at least "
            f"{abc.MIN_SCALE:g} day",
            "combined": "sum over observations of distance / scale",
            "parts": [
                {
                    "epsilon": f.epsilon,
                    "accepted": int(len(f.rows)),
                    "candidates": f.candidates,
                    "scales": dict(zip(stats.ids, f.scales.tolist(), strict=True)),
                    "share_of_distance": dict(zip(stats.ids, f.share.tolist(), strict=True)),
                    "share_of_separation": dict(zip(stats.ids, f.decides.tolist(), strict=True)),
                }
                for f in post.fits
            ],
        },  # fmt: skip
        "information": information(table, stats.columns),
        # the scenario's own values: a scenario run with --posterior keeps a parameter it
        # sets to another value than these (model/ensemble/posterior.py)
        "scenario_values": current_values(sc),
        "priors": table.ranges.document(),
        "simulations": int(len(table.rows)) + settings.predictive_runs,
        "effective_sample_size": post.ess,
        "effective_sample_size_per_part": [float(len(f.rows)) for f in post.fits],
        "spread": json.loads(spread.to_json(orient="records")),
        "seed_agreement": seed_agreement(spread),
        "coverage": coverage(pred),
    }


def write(tmp: Path, sc: Scenario, settings: Settings, post, pred, doc: dict) -> None:
    """The folder's files: ``posterior.csv``, ``predictive.csv``, ``posterior.json``, the plot."""
    from model.viz.posterior_plots import plot_posterior

    post.table().to_csv(tmp / "posterior.csv", index=False)  # full precision: weights sum to 1
    pred.to_csv(tmp / "predictive.csv", index=False, float_format="%.6g")
    (tmp / "posterior.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    n = len(post.weights)
    plot_posterior(
        post.table(),
        post.spread(),
        f"{sc.name}: posterior of the uncertain parameters ({n} accepted runs from "
        f"{settings.seeds} parts of the reference table)",
        tmp / "posterior.png",
    )
