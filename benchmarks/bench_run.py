"""How fast the model runs: one run, an ensemble on a process pool, and many more units.

This script prints figures; it asserts nothing and is not part of the test suite (timings
depend on the machine and on whatever else it is doing). Run it from the repository root:

    .venv/bin/python benchmarks/bench_run.py            # or: make bench
    .venv/bin/python benchmarks/bench_run.py --quick    # fewer repeats, about half the time
    .venv/bin/python benchmarks/bench_run.py --runs 200 --scenario scenarios/baseline.yaml
    .venv/bin/python benchmarks/bench_run.py --runs 10 --quick --units 100   # a smoke test
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from importlib import metadata

from model.config.loader import load_scenario
from model.config.schema import Scenario
from model.ensemble.memory import iter_runs, run_seeds
from model.sim.compiled import Compiled, compile_scenario
from model.sim.model import simulate

MASTER_SEED = 20241127  # the CLI's default master seed
UNIT_COUNTS = (100, 1_000, 10_000)


def time_per_run(compiled: Compiled, seeds: list[int], repeats: int) -> float:
    """Seconds per run: the median over ``repeats`` passes over ``seeds``, after a warm-up."""
    for s in seeds[:5]:
        simulate(compiled, s)
    per_run = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for s in seeds:
            simulate(compiled, s)
        per_run.append((time.perf_counter() - t0) / len(seeds))
    return statistics.median(per_run)


def time_ensemble(compiled: Compiled, seeds: list[int], workers: int) -> float:
    """Wall seconds for ``iter_runs`` to deliver every result, pool start-up included."""
    t0 = time.perf_counter()
    for _ in iter_runs(compiled, seeds, workers):
        pass
    return time.perf_counter() - t0


def with_units(sc: Scenario, count: int) -> Scenario:
    """The scenario with ``actors.units.count`` overridden (nested models are frozen)."""
    data = sc.model_dump()
    data["actors"]["units"]["count"]["value"] = count
    return Scenario.model_validate(data)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000, help="ensemble size (default 1000)")
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    ap.add_argument("--scenario", default="scenarios/baseline.yaml", help="scenario file")
    ap.add_argument("--workers", type=int, default=2, help="pool size (default 2)")
    ap.add_argument(
        "--units",
        type=int,
        nargs="+",
        default=list(UNIT_COUNTS),
        help="army sizes to time (default 100 1000 10000)",
    )
    args = ap.parse_args()
    repeats = 3 if args.quick else 7

    sc = load_scenario(args.scenario)
    compiled = compile_scenario(sc)
    seeds = run_seeds(MASTER_SEED, args.runs)
    units = int(sc.actors.units.count.value)

    print(f"scenario     {args.scenario} ({units} units, {compiled.p.horizon_days} days)")
    print(
        f"machine      {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
        f"Python {platform.python_version()}, mesa {metadata.version('mesa')}, "
        f"numpy {metadata.version('numpy')}"
    )
    print()

    one = time_per_run(compiled, seeds[:100], repeats)
    print(f"{'one run, serial':40s} {one * 1e3:8.2f} ms   (median of {repeats} x 100 runs)")
    print(f"{'runs per second, serial':40s} {1 / one:8.0f}")

    serial = time_ensemble(compiled, seeds, 1)
    parallel = time_ensemble(compiled, seeds, args.workers)
    n = len(seeds)
    print(f"{f'{n:,} runs, 1 process':40s} {serial:8.2f} s    {n / serial:6.0f} runs/s")
    print(
        f"{f'{n:,} runs, {args.workers} workers (incl. start-up)':40s} {parallel:8.2f} s    "
        f"{n / parallel:6.0f} runs/s"
    )
    print(f"{'parallel efficiency':40s} {serial / (args.workers * parallel):8.2f}")
    print()

    print(f"{'units':>8s} {'ms per run':>11s} {'x 120-unit run':>15s}")
    for count in args.units:
        c = compile_scenario(with_units(sc, count))
        k = max(3, (30 if args.quick else 100) * 100 // count)  # fewer runs for big models
        t = time_per_run(c, seeds[:k], repeats)
        print(f"{count:8,d} {t * 1e3:11.2f} {t / one:15.1f}")


if __name__ == "__main__":
    main()
