"""The folders of the studies that read the reference table: ``hindcast`` and ``sbc``.

Each reads a table (``--reference``, or one made first and published beside it), takes
seconds, and writes its folder once, at the end, through the lifecycle of
``results.lifecycle`` (hidden until complete; interrupted, it keeps nothing, and the same
command writes the same files).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from model.config.observations import DEFAULT_PATH, load_observations
from model.config.schema import Scenario
from model.config.uncertain import Ranges
from model.results.files import new_results_dir
from model.results.lifecycle import study_manifest
from model.results.provenance import provenance
from model.studies import hindcast as hc
from model.studies import sbc
from model.studies.infer import Settings, calibration
from model.studies.infer_folder import require
from model.studies.reference_folder import DEFAULT_RUNS, reference_record, table_for

if TYPE_CHECKING:
    from model.ensemble.runner import Job


def hindcast_to_dir(
    sc: Scenario,
    scenario_path: str,
    settings: Settings,
    job: Job,
    origins: tuple[str, ...] = hc.DEFAULT_ORIGINS,
    reference: str | Path | None = None,
    runs: int = DEFAULT_RUNS,
    observations_path: str | Path = DEFAULT_PATH,
) -> tuple[Path, pd.DataFrame, dict]:
    """Forecast the held-out events from every origin and write the hindcast folder.

    Returns:
        The folder, ``scores.csv`` as a table and the ``scores.json`` document.
    """
    from model.viz.posterior_plots import plot_hindcast

    require()
    Ranges.of(sc, scenario_path)
    observations = load_observations(observations_path)
    days0 = hc.origin_days(origins, sc.start_date, sc.horizon_days.value)  # checked first
    ref, table = table_for(sc, scenario_path, job, reference, runs, observations_path)
    final = new_results_dir(f"{sc.name}-hindcast", job.out)
    ident = {"settings": asdict(settings), "origins": list(origins),
             "reference_sha256": reference_record(ref, table)["sha256"]}  # fmt: skip
    with job.study_folder("hindcast", final, sc, **ident) as folder:
        rows, records = [], []
        for text, d0 in zip(origins, days0, strict=True):
            r, rec = hc.forecast_origin(table, observations, text, d0, settings)
            rows += r
            records.append(rec)
        scores = pd.DataFrame(rows)
        doc = {
            **provenance(sc, scenario_path, job.argv),
            "settings": asdict(settings),
            "reference": reference_record(ref, table),
            "origins": [{k: v for k, v in rec.items() if k != "fan"} for rec in records],
            "scores": hc.SCORE_NOTES,
            "skill": hc.skills(scores, origins, settings.seed),
            "skill_definition": "1 - mean score of the model / mean score of the baseline over "
            "the held-out events forecast from the origin, per seed (part of the reference "
            "table); skill: the mean over seeds; interval: the central 95 % of "
            f"{hc.BOOTSTRAP} bootstrap resamples of the events for every seed, widened to "
            "take in each seed's own skill",
            "leakage": hc.leakage(sc),
        }
        tmp = folder.path
        scores.to_csv(tmp / "scores.csv", index=False, float_format="%.6g")
        (tmp / "scores.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        fans = [(rec["fan"][0], np.array(rec["fan"][1])) for rec in records if rec["fan"]]
        if fans:
            cap = next(o for o in observations if o.id == hc.CAPITAL_EVENT)
            plot_hindcast(
                fans, cap.day_range(sc.start_date)[1:], sc.start_date, sc.horizon_days.value,
                f"{sc.name}: the capital's fall as forecast from each origin (the reference "
                f"table's runs consistent with the origin, {settings.ess} nearest per seed)",
                tmp / "hindcast.png",
            )  # fmt: skip
        folder.publish(study_manifest("hindcast"))
    return final, scores, doc


def sbc_to_dir(
    sc: Scenario,
    scenario_path: str,
    settings: Settings,
    job: Job,
    cases: int = sbc.DEFAULT_CASES,
    reference: str | Path | None = None,
    runs: int = DEFAULT_RUNS,
    observations_path: str | Path = DEFAULT_PATH,
) -> tuple[Path, pd.DataFrame, dict]:
    """The calibration check of ``infer`` at its settings; write its folder.

    Returns:
        The folder, the per-parameter summary and the ``sbc.json`` document.
    """
    from model.viz.posterior_plots import plot_sbc

    require("arviz")
    Ranges.of(sc, scenario_path)
    observations = load_observations(observations_path)
    ref, table = table_for(sc, scenario_path, job, reference, runs, observations_path)
    final = new_results_dir(f"{sc.name}-sbc", job.out)
    ident = {"settings": asdict(settings), "cases": cases,
             "reference_sha256": reference_record(ref, table)["sha256"]}  # fmt: skip
    with job.study_folder("sbc", final, sc, **ident) as folder:
        cases_table = sbc.check(table, calibration(observations), settings, cases)
        summary = sbc.summary(cases_table)
        x, lo, hi = sbc.bands(int(cases_table["case"].nunique()))
        doc = {
            **provenance(sc, scenario_path, job.argv),
            "settings": asdict(settings),
            "cases": int(cases_table["case"].nunique()),
            "reference": reference_record(ref, table),
            "levels": list(sbc.LEVELS),
            "pooled": {
                f"covered_{lv:g}": float(cases_table[f"inside_{lv:g}"].mean()) for lv in sbc.LEVELS
            },  # fmt: skip
            "parameters": json.loads(summary.to_json(orient="records")),
            "outside": list(summary.loc[summary["verdict"] != "calibrated", "parameter"]),
            "ecdf_band": {
                "points": x.tolist(),
                "low": lo.tolist(),
                "high": hi.tolist(),
                "probability": sbc.BAND,
            },  # fmt: skip
        }
        tmp = folder.path
        cases_table.to_csv(tmp / "sbc.csv", index=False, float_format="%.6g")
        summary.to_csv(tmp / "coverage.csv", index=False, float_format="%.6g")
        (tmp / "sbc.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        plot_sbc(
            cases_table, summary, (x, lo, hi),
            f"{sc.name}: calibration check, {doc['cases']} cases at infer's settings "
            f"({settings.seeds} x {settings.ess} accepted runs); truth inside the 50 % "
            f"intervals {doc['pooled']['covered_0.5']:.0%}, the 90 % ones "
            f"{doc['pooled']['covered_0.9']:.0%}",
            tmp / "sbc.png",
        )  # fmt: skip
        folder.publish(study_manifest("sbc"))
    return final, summary, doc
