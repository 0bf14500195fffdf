"""Validation as a study: run an ensemble, score it, write the folder and its plot."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from model.analysis.validate import HIT_DAYS, country_patterns, score, summarize_scores
from model.config.observations import DEFAULT_PATH, load_observations
from model.config.schema import Scenario
from model.ensemble.runner import Job
from model.results.files import new_results_dir
from model.results.lifecycle import study_manifest
from model.results.provenance import provenance


def validate_to_dir(
    sc: Scenario,
    scenario_path: str,
    runs: int,
    job: Job,
    observations_path: str | Path = DEFAULT_PATH,
) -> tuple[Path, pd.DataFrame, dict, dict]:
    """Run the scenario's ensemble, score it and write a validation folder.

    It holds its runs in memory and writes its folder once, at the end: interrupted, it
    keeps nothing (``results.lifecycle``, not resumable).

    Returns:
        The folder, the per-observation table, the summary scores and the ensemble's
        ``country_patterns`` (written under ``patterns`` in ``validation.json``).
    """
    from model.ensemble.runner import run_ensemble
    from model.viz import trust_plots

    observations = load_observations(observations_path)  # a bad file fails before running
    final = new_results_dir(f"{sc.name}-validation", job.out)
    with job.study_folder("validation", final, sc, runs=runs) as folder:
        ens = run_ensemble(sc, scenario_path, runs, job)
        table = score(observations, ens.tables.runs, ens.tables.events, sc.start_date)
        summary = summarize_scores(table)
        patterns = country_patterns(
            ens.tables.runs,
            list(sc.places),
            sc.start_date,
            daily=ens.tables.daily,
            capital=sc.actors.regime.capital.value,
        )
        doc = {
            **provenance(sc, scenario_path, job.argv),
            "observations_file": str(observations_path),
            "runs": runs,
            "master_seed": int(job.master_seed),
            "start_date": sc.start_date.isoformat(),
            "hit_days": HIT_DAYS,
            "summary": summary,
            "patterns": patterns,
            "observations": json.loads(table.to_json(orient="records")),
        }
        tmp = folder.path
        table.to_csv(tmp / "validation.csv", index=False, float_format="%.6g")
        (tmp / "validation.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        trust_plots.plot_validation(
            table, sc.start_date, f"{sc.name}, {runs} runs", tmp / "validation.png"
        )
        folder.publish(study_manifest("validation"))
    return final, table, summary, patterns
