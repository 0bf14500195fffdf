"""The same runs through this project's executors and through ``mesa.batch_run``, as a ratio.

``mesa.batch_run`` drives a model class through keyword arguments. ``BatchSyriaModel`` wraps
``model.sim.model.SyriaModel`` for it: the scenario is compiled once per process (as our
executors do), the run's seed is a keyword, a ``DataCollector`` records every daily metric
(``data_collection_period=1``, the daily table's content), and ``running`` turns off at the
horizon. Both sides run the same seeds; the script checks that they give the same daily
metrics before it prints any timing. It asserts nothing about speed and is not a test:

    .venv/bin/python benchmarks/bench_batch_run.py               # 1000 runs, 1 and 2 processes
    .venv/bin/python benchmarks/bench_batch_run.py --runs 200
    .venv/bin/python benchmarks/bench_batch_run.py --runs 20 --repeats 1 --processes 1  # smoke
"""

from __future__ import annotations

import argparse
import functools
import os
import time

import mesa
import numpy as np
from mesa.batchrunner import batch_run

from model.config.loader import load_scenario
from model.ensemble.executors import ExecutorSpec
from model.ensemble.memory import iter_runs, run_seeds
from model.results.tables import build_tables
from model.sim.compiled import Compiled, compile_scenario
from model.sim.model import SyriaModel
from model.sim.outputs import METRICS

MASTER_SEED = 20241127  # the CLI's default master seed
SCENARIO = "scenarios/baseline.yaml"
_COMPILED: dict[str, Compiled] = {}


def _compiled(path: str) -> Compiled:
    c = _COMPILED.get(path)
    if c is None:
        c = _COMPILED[path] = compile_scenario(load_scenario(path))
    return c


def _metric(k: int, model: SyriaModel) -> float:
    return float(model.metrics[model.day, k]) if model.day >= 0 else 0.0


class BatchSyriaModel(SyriaModel):
    """``SyriaModel`` with the interface ``mesa.batch_run`` expects (keywords, collector)."""

    def __init__(self, scenario_path: str = SCENARIO, seed: int = 0, rng=None):
        super().__init__(_compiled(os.path.abspath(scenario_path)), seed=seed)
        reporters = {m: functools.partial(_metric, k) for k, m in enumerate(METRICS)}
        self.datacollector = mesa.DataCollector(model_reporters=reporters)
        self.running = True

    def step(self) -> None:
        super().step()
        self.datacollector.collect(self)
        if self.day + 1 >= self.horizon:
            self.running = False
            # batch_run still reads the model (running, the collector) after its last step,
            # so it cannot be released as simulate() releases its runs; only Mesa 3.3's
            # registry of agent ids, which would keep every model alive, lets go of it.
            ids = getattr(mesa.Agent, "_ids", None)
            if isinstance(ids, dict):
                ids.pop(self, None)


def time_ours(compiled: Compiled, seeds: list[int], workers: int, tables: bool) -> float:
    t0 = time.perf_counter()
    with ExecutorSpec("process", workers).start(len(seeds)) as ex:
        results = list(iter_runs(compiled, seeds, executor=ex))
    if tables:
        build_tables(compiled, results)
    return time.perf_counter() - t0


def time_batch_run(seeds: list[int], processes: int) -> tuple[float, list[dict]]:
    t0 = time.perf_counter()
    out = batch_run(
        BatchSyriaModel,
        parameters={"scenario_path": os.path.abspath(SCENARIO), "seed": seeds},
        number_processes=processes,
        iterations=1,
        data_collection_period=1,
        max_steps=10_000,
        display_progress=False,
    )
    return time.perf_counter() - t0, out


def check_same(compiled: Compiled, seeds: list[int], rows: list[dict]) -> None:
    """The two paths must have run the same model: compare every daily metric."""
    by_seed: dict[int, list[dict]] = {}
    for r in rows:
        by_seed.setdefault(r["seed"], []).append(r)
    for res in iter_runs(compiled, seeds, workers=1):
        got = sorted(by_seed[res.seed], key=lambda r: r["Step"])
        # The collector runs after each day, so batch_run's step k is day k.
        mine = np.array([[r[m] for m in METRICS] for r in got])
        np.testing.assert_allclose(mine, res.metrics, rtol=0, atol=0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000, help="runs per timing (default 1000)")
    ap.add_argument("--repeats", type=int, default=3, help="timings per figure; the best is shown")
    ap.add_argument(
        "--processes", type=int, nargs="+", default=[1, 2], help="pool sizes (default 1 2)"
    )
    args = ap.parse_args()
    compiled = _compiled(os.path.abspath(SCENARIO))
    seeds = run_seeds(MASTER_SEED, args.runs)

    _, rows = time_batch_run(seeds[:20], 1)
    check_same(compiled, seeds[:20], rows)
    print(f"same daily metrics from both paths for {min(20, args.runs)} seeds: yes")
    print(f"load average before timing: {os.getloadavg()}")
    print()
    print(f"{'processes':>9s} {'ours s':>8s} {'+tables s':>10s} {'batch_run s':>12s} "
          f"{'ours runs/s':>12s} {'batch_run runs/s':>17s} {'ratio':>6s}")  # fmt: skip
    for procs in args.processes:
        # Interleaved repeats, best of each: a busy machine only ever adds time.
        ours, ours_t, theirs = [], [], []
        for _ in range(args.repeats):
            ours.append(time_ours(compiled, seeds, procs, tables=False))
            ours_t.append(time_ours(compiled, seeds, procs, tables=True))
            theirs.append(time_batch_run(seeds, procs)[0])
        ours, ours_t, theirs = min(ours), min(ours_t), min(theirs)
        n = len(seeds)
        print(
            f"{procs:9d} {ours:8.2f} {ours_t:10.2f} {theirs:12.2f} {n / ours:12.0f} "
            f"{n / theirs:17.0f} {theirs / ours:6.2f}"
        )
    print()
    print("ratio: batch_run seconds / our seconds (runs only) for the same runs; > 1 is faster")
    print(f"load average after timing: {os.getloadavg()}")


if __name__ == "__main__":
    main()
