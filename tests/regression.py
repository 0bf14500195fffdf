"""Digests of the results files of every shipped scenario, for the regression test.

Run ``python tests/regression.py`` to re-record them after a change that alters results on
purpose (say so in the commit); ``tests/test_regression.py`` compares against the record.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RECORD = Path(__file__).resolve().parent / "data" / "regression_digests.json"
RUNS = 50
SEED = 20241127
FILES = ("runs.csv", "daily.csv", "events.csv")


def scenario_paths() -> list[str]:
    """The baseline and every counterfactual, as paths relative to the project root."""
    cfs = sorted((ROOT / "scenarios" / "counterfactuals").glob("*.yaml"))
    return ["scenarios/baseline.yaml", *(str(p.relative_to(ROOT)) for p in cfs)]


def digests(path: str) -> dict[str, str]:
    """SHA-256 of runs.csv, daily.csv and events.csv for one scenario (50 runs, fixed seed)."""
    from model.config.loader import load_scenario
    from model.ensemble.executors import ExecutorSpec
    from model.ensemble.runner import Job, run_ensemble
    from model.results.tables import write_tables

    sc = load_scenario(ROOT / path)
    ens = run_ensemble(sc, path, RUNS, Job(SEED, ExecutorSpec("serial"), progress=False))
    with tempfile.TemporaryDirectory() as d:
        write_tables(Path(d), ens.tables)
        return {n: hashlib.sha256((Path(d) / n).read_bytes()).hexdigest() for n in FILES}


if __name__ == "__main__":
    record = {p: digests(p) for p in scenario_paths()}
    RECORD.parent.mkdir(exist_ok=True)
    RECORD.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"recorded {len(record)} scenarios in {RECORD}", file=sys.stderr)
