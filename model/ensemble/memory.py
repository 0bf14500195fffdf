"""Ensembles in memory: seeds, runs and the comparison of scenarios; writes nothing.

The command line's folders (``runner``, ``comparison``) and the dashboard share this code,
so a comparison shown in the dashboard is computed exactly as ``compare`` computes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.config.schema import Scenario, scenario_digest
from model.ensemble.executors import CHUNK, Executor, ExecutorSpec, make_executor, simulate_task
from model.ensemble.posterior import PosteriorSet, draw_ids, draw_numbers, posterior_tasks
from model.results.tables import Tables, build_tables
from model.sim.compiled import Compiled, compile_scenario
from model.sim.model import simulate
from model.sim.outputs import RunResult


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
    if executor.name == "serial":
        for s in seeds:
            yield simulate(compiled, s)
        return
    data = compiled.scenario.model_dump()
    key = scenario_digest(compiled.scenario)
    tasks = [(key, data, seeds[i : i + CHUNK]) for i in range(0, len(seeds), CHUNK)]
    for batch in executor.map(simulate_task, tasks):
        yield from batch


def runs_from(
    compiled: Compiled,
    seeds: Sequence[int],
    executor: Executor,
    posterior: PosteriorSet | None = None,
    master_seed: int = 0,
    seeds_per_draw: int = 1,
    start: int = 0,
) -> Iterator[RunResult]:
    """Yield runs ``start..`` of an ensemble in seed order, over a posterior if one is given.

    With a posterior, run ``i`` uses the parameter set of draw ``i // seeds_per_draw``, a
    seeded weighted resample that depends on the master seed alone (``posterior.draw_ids``),
    so that run ``i`` of every scenario uses the same draw and the same seed.
    """
    if posterior is None:
        yield from iter_runs(compiled, seeds[start:], executor=executor)
        return
    ids = draw_ids(posterior, len(seeds), master_seed, seeds_per_draw)[start:]
    tasks = posterior_tasks(compiled.scenario, posterior, seeds[start:], ids)
    for batch in executor.map(simulate_task, tasks):
        yield from batch


def unique_names(names: Sequence[str]) -> list[str]:
    """Scenario names made unique by a suffix (``baseline``, ``baseline-2``), in order."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}-{seen[n]}")
    return out


def comparison_table(
    names: Sequence[str],
    runs_tables: Sequence[pd.DataFrame],
    compiled: Sequence[Compiled],
    draw_ids: Sequence[int] | None = None,
) -> pd.DataFrame:
    """The comparison table of scenarios run with the same seeds; the first is the base.

    The capital and the horizon are the base scenario's; ``draw_ids`` (per run, its
    posterior draw) adds the total intervals and robust shares.
    """
    # Imported here: it loads scipy.stats, which a plain ``run`` never needs.
    from model.analysis import compare

    capital = compiled[0].names[compiled[0].capital]
    horizon = compiled[0].p.horizon_days
    return compare.compare_runs(names, runs_tables, capital, horizon, draw_ids)


@dataclass
class Comparison:
    """Several scenarios run with the same seeds, held in memory.

    Attributes:
        names: The scenarios' unique names; the first is the base.
        scenarios: The scenarios, in the same order.
        compiled: The compiled scenarios.
        tables: Each scenario's daily, events and runs tables.
        table: The comparison table (``model.analysis.compare.compare_runs``).
        runs: Runs per scenario.
        master_seed: The seed every scenario's run seeds were spawned from.
    """

    names: list[str]
    scenarios: list[Scenario]
    compiled: list[Compiled]
    tables: list[Tables]
    table: pd.DataFrame
    runs: int
    master_seed: int


def compare_in_memory(
    scenarios: Sequence[Scenario],
    runs: int,
    master_seed: int,
    executor: ExecutorSpec | None = None,
    on_progress: Callable[[int, int], object] | None = None,
    posterior: PosteriorSet | None = None,
    seeds_per_draw: int = 1,
) -> Comparison:
    """Run every scenario with the same seeds and compare them, writing nothing.

    Args:
        scenarios: The base first, then the scenarios compared with it.
        runs: Runs per scenario.
        master_seed: The run seeds are spawned from it, the same for every scenario.
        executor: Where runs happen (default: this process).
        on_progress: Called with (runs done, runs in all) as runs finish.
        posterior: Draw run ``i``'s parameters from it, the same draw for every scenario;
            the table then has the total intervals and robust shares.
        seeds_per_draw: Consecutive runs sharing one draw, with a posterior.
    """
    names = unique_names([sc.name for sc in scenarios])
    seeds = run_seeds(master_seed, runs)
    total, done = runs * len(scenarios), 0
    compiled, tables = [], []
    with (executor or ExecutorSpec("serial")).start(runs) as ex:
        for sc in scenarios:
            c = compile_scenario(sc)
            results = []
            for r in runs_from(c, seeds, ex, posterior, master_seed, seeds_per_draw):
                results.append(r)
                done += 1
                if on_progress is not None and (done % CHUNK == 0 or done == total):
                    on_progress(done, total)
            compiled.append(c)
            tables.append(build_tables(c, results))
    draws = None if posterior is None else draw_numbers(runs, seeds_per_draw)
    table = comparison_table(names, [t.runs for t in tables], compiled, draws)
    return Comparison(names, list(scenarios), compiled, tables, table, runs, int(master_seed))
