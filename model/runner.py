"""Ensembles and results on disk.

A run is a pure function of (scenario, seed). An ensemble is a list of seeds spawned from one
master seed; executors only decide where runs happen, never what they produce. Results are
written into a temporary folder and renamed into place at the end, so a folder that exists
under ``results/`` is always complete.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import shutil
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from model import summary as summ
from model.compiled import Compiled, compile_scenario
from model.core import METRICS, RunResult, simulate
from model.errors import ModelError
from model.executors import Executor, make_executor, simulate_task
from model.rules import RULES
from model.scenario import HOLDERS, Scenario, scenario_digest

RESULTS_ROOT = Path("results")
# Rule id -> the "source" column of events.csv; "S" marks a scenario's own intervention.
EVENT_SOURCES = {
    **{r.id: f"article: {r.section}" for r in RULES.values()},
    "S": "scenario file (scheduled intervention)",
}
FORMAT_VERSION = 1
CHUNK = 25  # runs per task: large enough to amortise pickling, small enough to balance


def run_seeds(master_seed: int, runs: int) -> list[int]:
    """Per-run seeds spawned from one master seed (independent streams, reproducible)."""
    children = np.random.SeedSequence(int(master_seed)).spawn(int(runs))
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]


def iter_runs(
    compiled: Compiled,
    seeds: Sequence[int],
    workers: int = 1,
    executor: Executor | None = None,
) -> Iterator[RunResult]:
    """Yield run results in seed order, from the given executor or a local pool.

    Args:
        compiled: The compiled scenario.
        seeds: One seed per run.
        workers: Processes of the local pool when no executor is given; 1 runs here.
        executor: Where to run; overrides ``workers``.
    """
    if executor is None:
        with make_executor("process", workers if len(seeds) > CHUNK else 1) as ex:
            yield from iter_runs(compiled, seeds, executor=ex)
        return
    if executor.workers <= 1:
        for s in seeds:
            yield simulate(compiled, s)
        return
    data = compiled.scenario.model_dump()
    key = scenario_digest(compiled.scenario)
    tasks = [(key, data, seeds[i : i + CHUNK]) for i in range(0, len(seeds), CHUNK)]
    for batch in executor.map(simulate_task, tasks):
        yield from batch


@dataclass
class Tables:
    """An ensemble's results as the tables written to disk."""

    daily: pd.DataFrame
    events: pd.DataFrame
    runs: pd.DataFrame


def build_tables(compiled: Compiled, results: Sequence[RunResult]) -> Tables:
    """Turn run results into the daily, events and runs tables of the results contract."""
    names = compiled.names
    start = compiled.p.start_date
    horizon = compiled.p.horizon_days
    dates = [(start + dt.timedelta(days=d)).isoformat() for d in range(horizon)]
    n = len(results)
    metrics = np.concatenate([r.metrics for r in results]) if n else np.zeros((0, len(METRICS)))
    holders = (
        np.concatenate([r.holders for r in results]) if n else np.zeros((0, len(names)), np.int8)
    )
    holder_names = np.array(HOLDERS, dtype=object)
    daily = pd.DataFrame(
        {
            "run": np.repeat(np.arange(n), horizon),
            "seed": np.repeat([r.seed for r in results], horizon),
            "day": np.tile(np.arange(horizon), n),
            "date": np.tile(dates, n),
            **{m: metrics[:, k] for k, m in enumerate(METRICS)},
            **{f"holder_{p}": holder_names[holders[:, k]] for k, p in enumerate(names)},
        }
    )
    rows = []
    for i, r in enumerate(results):
        for day, actor, kind, target, channel, outcome, rule in r.events:
            rows.append((i, day, actor, kind, target, channel, outcome, rule))
    events = pd.DataFrame(
        rows, columns=["run", "day", "actor", "kind", "target", "channel", "outcome", "rule"]
    )
    events.insert(2, "date", [(start + dt.timedelta(days=int(d))).isoformat() for d in events.day])
    events["source"] = events["rule"].map(EVENT_SOURCES)
    runs = pd.DataFrame(
        {
            "run": np.arange(n),
            "seed": [r.seed for r in results],
            "end_state": [r.end_state for r in results],
            "leader_exit_day": [r.leader_exit_day for r in results],
            **{f"fall_day_{p}": [int(r.fall_day[k]) for r in results] for k, p in enumerate(names)},
        }
    )
    runs.attrs["capital"] = names[compiled.capital]
    return Tables(daily=daily, events=events, runs=runs)


def package_versions() -> dict[str, str]:
    """Versions of the packages that shape results."""
    out = {"python": sys.version.split()[0]}
    for pkg in ("assad-fall-abm", "mesa", "numpy", "pandas", "pydantic", "matplotlib", "PyYAML"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def new_results_dir(scenario_name: str, out: str | None) -> Path:
    """The final folder for a new result; never one that exists already.

    Args:
        scenario_name: Used under ``results/`` when ``out`` is not given.
        out: An explicit folder, which must not exist or be empty.

    Raises:
        ModelError: ``out`` exists and is not empty.
    """
    if out is not None:
        path = Path(out)
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise ModelError(f"--out {out}: exists and is not empty; results are never overwritten")
        return path
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    root = RESULTS_ROOT / scenario_name
    while True:
        path = root / f"{stamp}-{secrets.token_hex(3)}"
        if not path.exists():
            return path


class AtomicDir:
    """A temporary folder beside ``final`` that is renamed to ``final`` only on success."""

    def __init__(self, final: Path):
        self.final = final
        self.tmp = final.parent / f".incomplete-{final.name}-{secrets.token_hex(3)}"

    def __enter__(self) -> Path:
        self.tmp.mkdir(parents=True)
        return self.tmp

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return
        if self.final.exists():
            self.final.rmdir()  # only an empty folder can be here (checked before running)
        os.replace(self.tmp, self.final)


def write_tables(folder: Path, tables: Tables) -> None:
    """Write daily.csv, events.csv and runs.csv."""
    tables.daily.to_csv(folder / "daily.csv", index=False, float_format="%.6g")
    tables.events.to_csv(folder / "events.csv", index=False)
    tables.runs.to_csv(folder / "runs.csv", index=False)


def manifest(
    sc: Scenario, path: str, master_seed: int, runs: int, argv: Sequence[str] | None
) -> dict:
    """The manifest.json contract."""
    return {
        "format_version": FORMAT_VERSION,
        "scenario": {"name": sc.name, "title": sc.title, "path": str(path)},
        "scenario_sha256": scenario_digest(sc),
        "resolved_scenario": sc.model_dump(mode="json"),
        "master_seed": int(master_seed),
        "runs": int(runs),
        "places": list(sc.places),
        "capital": sc.actors.regime.capital.value,
        "packages": package_versions(),
        "command_line": list(argv) if argv is not None else sys.argv,
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


@dataclass
class Ensemble:
    """One scenario's ensemble, in memory: the tables and their summary."""

    scenario: Scenario
    path: str
    compiled: Compiled
    tables: Tables
    summary: dict
    master_seed: int
    runs: int


def run_ensemble(
    sc: Scenario,
    scenario_path: str,
    runs: int,
    master_seed: int,
    workers: int,
    progress: bool = True,
) -> Ensemble:
    """Run one scenario's ensemble (seeds spawned from ``master_seed``) and summarise it."""
    compiled = compile_scenario(sc)
    seeds = run_seeds(master_seed, runs)
    results = list(_progress(iter_runs(compiled, seeds, workers), runs, sc.name, progress))
    tables = build_tables(compiled, results)
    summary = summ.summarize(tables.runs, tables.events, compiled.names)
    return Ensemble(sc, str(scenario_path), compiled, tables, summary, master_seed, runs)


def write_ensemble(folder: Path, ens: Ensemble, argv: Sequence[str] | None) -> None:
    """Write one scenario's results contract into ``folder`` (which must exist)."""
    from model import plotting  # matplotlib is imported only when files are written

    write_tables(folder, ens.tables)
    _write_json(folder / "summary.json", ens.summary)
    _write_json(
        folder / "manifest.json", manifest(ens.scenario, ens.path, ens.master_seed, ens.runs, argv)
    )
    plotting.plot_results(folder)


def run_scenario_to_dir(
    sc: Scenario,
    scenario_path: str,
    runs: int,
    master_seed: int,
    workers: int,
    out: str | None = None,
    argv: Sequence[str] | None = None,
    progress: bool = True,
) -> tuple[Path, dict]:
    """Run an ensemble and write its results folder atomically.

    Returns:
        The results folder and the summary.
    """
    final = new_results_dir(sc.name, out)
    ens = run_ensemble(sc, scenario_path, runs, master_seed, workers, progress)
    final.parent.mkdir(parents=True, exist_ok=True)
    with AtomicDir(final) as tmp:
        write_ensemble(tmp, ens, argv)
    return final, ens.summary


def _write_json(path: Path, obj: dict) -> None:
    path.write_text(json.dumps(obj, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def _progress(it: Iterator[RunResult], total: int, label: str, show: bool) -> Iterator[RunResult]:
    if not show or total < 2:
        yield from it
        return
    from tqdm import tqdm

    yield from tqdm(it, total=total, desc=label, unit="run", leave=False, file=sys.stderr)


def compare_to_dir(
    scenarios: Sequence[tuple[Scenario, str]],
    runs: int,
    master_seed: int,
    workers: int,
    out: str | None = None,
    argv: Sequence[str] | None = None,
    progress: bool = True,
) -> tuple[Path, pd.DataFrame]:
    """Run every scenario with the same seeds and write one comparison folder atomically.

    The first scenario is the base. Each scenario's results (same contract as ``run``) go
    into a subfolder; ``comparison.csv``/``.json``, the overlaid plots and ``report.html``
    sit at the top.

    Returns:
        The folder and the comparison table.
    """
    from model import compare, plotting, report

    final = new_results_dir("compare", out)
    ensembles = [run_ensemble(sc, p, runs, master_seed, workers, progress) for sc, p in scenarios]
    base = ensembles[0]
    names = _unique([e.scenario.name for e in ensembles])
    capital = base.compiled.names[base.compiled.capital]
    horizon = base.compiled.p.horizon_days
    table = compare.compare_runs(names, [e.tables.runs for e in ensembles], capital, horizon)
    entries = [
        {
            "name": name,
            "title": e.scenario.title,
            "rationale": e.scenario.rationale,
            "flips": e.scenario.flips,
            "path": e.path,
            "folder": name,
            "scenario_sha256": scenario_digest(e.scenario),
            "changes": compare.changes(base.scenario, e.scenario) if e is not base else [],
        }
        for name, e in zip(names, ensembles, strict=True)
    ]
    final.parent.mkdir(parents=True, exist_ok=True)
    with AtomicDir(final) as tmp:
        for name, e in zip(names, ensembles, strict=True):
            (tmp / name).mkdir()
            write_ensemble(tmp / name, e, argv)
        table.to_csv(tmp / "comparison.csv", index=False, float_format="%.6g")
        doc = {
            "format_version": FORMAT_VERSION,
            "base": names[0],
            "capital": capital,
            "horizon_days": horizon,
            "runs": runs,
            "master_seed": int(master_seed),
            "scenarios": entries,
            "table": json.loads(table.to_json(orient="records")),
            "command_line": list(argv) if argv is not None else sys.argv,
            "packages": package_versions(),
            "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        _write_json(tmp / "comparison.json", doc)
        plotting.plot_comparison(tmp)
        report.write_report(tmp)
    return final, table


def _unique(names: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}-{seen[n]}")
    return out
