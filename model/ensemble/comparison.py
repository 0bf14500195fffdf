"""Comparisons: several scenarios run with the same seeds into one folder."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from model.config.schema import Scenario, scenario_digest
from model.ensemble.memory import comparison_table, unique_names
from model.ensemble.runner import Job, check_format, ensemble_into
from model.results.blocks import new_progress
from model.results.contract import FORMAT_VERSION, PROGRESS
from model.results.files import (
    AtomicDir,
    new_results_dir,
    write_json,
)
from model.results.provenance import package_versions


def compare_to_dir(
    scenarios: Sequence[tuple[Scenario, str]],
    runs: int,
    job: Job,
    fmt: str = "csv",
) -> tuple[Path, pd.DataFrame]:
    """Run every scenario with the same seeds and write one comparison folder atomically.

    The first scenario is the base. Each scenario's results (same contract as ``run``) go
    into a subfolder, written block by block; ``comparison.csv``/``.json``, the overlaid
    plots and ``report.html`` sit at the top. An interrupted comparison is removed.

    Returns:
        The folder and the comparison table.
    """
    from model.analysis import compare

    check_format(fmt)
    final = new_results_dir("compare", job.out)
    base_sc = scenarios[0][0]
    names = unique_names([sc.name for sc, _ in scenarios])
    final.parent.mkdir(parents=True, exist_ok=True)
    with job.executor.start(runs) as ex, AtomicDir(final) as tmp:
        runs_tables, compiled = [], []
        for name, (sc, path) in zip(names, scenarios, strict=True):
            (tmp / name).mkdir()
            c, _ = ensemble_into(tmp / name, sc, path, runs, job, ex, new_progress(fmt))
            (tmp / name / PROGRESS).unlink()
            runs_tables.append(pd.read_csv(tmp / name / "runs.csv"))
            compiled.append(c)
        table = comparison_table(names, runs_tables, compiled)
        capital = compiled[0].names[compiled[0].capital]
        horizon = compiled[0].p.horizon_days
        entries = [
            {
                "name": name,
                "title": sc.title,
                "rationale": sc.rationale,
                "flips": sc.flips,
                "path": str(path),
                "folder": name,
                "scenario_sha256": scenario_digest(sc),
                "changes": compare.changes(base_sc, sc) if k else [],
            }
            for k, (name, (sc, path)) in enumerate(zip(names, scenarios, strict=True))
        ]
        table.to_csv(tmp / "comparison.csv", index=False, float_format="%.6g")
        doc = {
            "format_version": FORMAT_VERSION,
            "base": names[0],
            "capital": capital,
            "horizon_days": horizon,
            "runs": runs,
            "master_seed": int(job.master_seed),
            "scenarios": entries,
            "table": json.loads(table.to_json(orient="records")),
            "command_line": list(job.argv) if job.argv is not None else sys.argv,
            "packages": package_versions(),
            "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        write_json(tmp / "comparison.json", doc)
        if job.draw_comparison is not None:
            job.draw_comparison(tmp)
    return final, table
