"""Digests of the results files of every shipped scenario, for the regression test.

Run ``python tests/regression.py`` to re-record them after a change that alters results on
purpose (say so in the commit); ``tests/test_regression.py`` compares against the record.
Beside each scenario's digests the record keeps a readable summary (the capital's days held
and fall day, the leader's exit, the end states' shares), so that the diff of a re-record,
and a failing test, show what moved.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from pathlib import Path

from repo import CATALOGUE, REPO_ROOT, TEST_DATA

RECORD = TEST_DATA / "regression_digests.json"
RUNS = 50
SEED = 20241127
FILES = ("runs.csv", "daily.csv", "events.csv")


def scenario_paths() -> list[str]:
    """The baseline and every counterfactual, as paths relative to the project root."""
    cfs = sorted(CATALOGUE.glob("*.yaml"))
    return ["scenarios/baseline.yaml", *(str(p.relative_to(REPO_ROOT)) for p in cfs)]


def record_of(path: str) -> dict:
    """One scenario's record: the SHA-256 of each results file and a readable summary."""
    from model.config.loader import load_scenario
    from model.ensemble.executors import ExecutorSpec
    from model.ensemble.runner import Job, run_ensemble
    from model.results.tables import write_tables

    sc = load_scenario(REPO_ROOT / path)
    ens = run_ensemble(sc, path, RUNS, Job(SEED, ExecutorSpec("serial"), progress=False))
    with tempfile.TemporaryDirectory() as d:
        write_tables(Path(d), ens.tables)
        sha = {n: hashlib.sha256((Path(d) / n).read_bytes()).hexdigest() for n in FILES}
    return {"sha256": sha, "summary": readable(ens.summary, sc.actors.regime.capital.value)}


def readable(summary: dict, capital: str) -> dict:
    """What a reader checks first: the capital, the leader, the end states (rounded)."""
    fall = summary["fall_day"][capital]
    leader = summary.get("leader_exit_day") or {}
    return {
        "capital_fall_median_day": fall["median"],
        "capital_share_fallen": round(fall["share_fallen"], 3),
        "leader_exit_median_day": leader.get("median"),
        "end_states": {k: round(v, 3) for k, v in summary["end_states"].items()},
    }


def moved(was: dict, now: dict) -> str:
    """The summary entries that differ between two records, in words."""
    a, b = was.get("summary", {}), now["summary"]
    diffs = [f"{k}: {a.get(k)} -> {b[k]}" for k in b if a.get(k) != b[k]]
    return "; ".join(diffs) or "no summary entry moved (only the bytes)"


if __name__ == "__main__":
    record = {p: record_of(p) for p in scenario_paths()}
    RECORD.parent.mkdir(exist_ok=True)
    RECORD.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"recorded {len(record)} scenarios in {RECORD}", file=sys.stderr)
