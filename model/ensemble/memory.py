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
from model.ensemble.posterior import (
    PosteriorSet,
    draw_numbers,
    iter_draw_ids,
    iter_posterior_tasks,
)
from model.results.tables import Tables, build_tables
from model.sim.compiled import Compiled, compile_scenario
from model.sim.model import simulate
from model.sim.outputs import RunResult


class RunSeeds(Sequence[int]):
    """Every run's seed, spawned from one master seed and made only when asked for.

    Run ``i`` gets the ``i``-th child of ``SeedSequence(master_seed)`` (what
    ``SeedSequence.spawn`` hands out, independent streams), built on its own from its spawn
    key, so an ensemble of any size holds no list of seeds: memory stays flat in the number
    of runs, and the first run starts at once. A slice is a list of those seeds.

    Args:
        master_seed: The ensemble's master seed.
        runs: The number of runs.
    """

    def __init__(self, master_seed: int, runs: int):
        self.master_seed = int(master_seed)
        self.runs = int(runs)

    def __len__(self) -> int:
        return self.runs

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._seed(k) for k in range(*i.indices(self.runs))]
        k = i + self.runs if i < 0 else i
        if not 0 <= k < self.runs:
            raise IndexError(f"run {i} of {self.runs}")
        return self._seed(k)

    def __iter__(self) -> Iterator[int]:
        return self.starting_at(0)

    def starting_at(self, start: int) -> Iterator[int]:
        """The seeds of runs ``start``, ``start + 1``, ... made one at a time."""
        return (self._seed(k) for k in range(start, self.runs))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment] - equal to lists, so not hashable

    def __repr__(self) -> str:
        return f"RunSeeds(master_seed={self.master_seed}, runs={self.runs})"

    def _seed(self, k: int) -> int:
        child = np.random.SeedSequence(self.master_seed, spawn_key=(k,))
        return int(child.generate_state(1, dtype=np.uint32)[0])


def run_seeds(master_seed: int, runs: int) -> RunSeeds:
    """Per-run seeds spawned from one master seed (independent streams, reproducible)."""
    return RunSeeds(master_seed, runs)


def iter_runs(
    compiled: Compiled,
    seeds: Sequence[int],
    workers: int = 1,
    executor: Executor | None = None,
    start: int = 0,
) -> Iterator[RunResult]:
    """Yield run results in seed order, from the given executor or a local pool.

    Args:
        compiled: The compiled scenario.
        seeds: One seed per run.
        workers: Processes of the local pool when no executor is given; 1 runs here.
        executor: Where to run; overrides ``workers``.
        start: The first run to yield (runs before it are skipped, not run).
    """
    if executor is None:
        with make_executor("process", workers if len(seeds) - start > CHUNK else 1) as ex:
            yield from iter_runs(compiled, seeds, executor=ex, start=start)
        return
    if executor.name == "serial":
        for i in range(start, len(seeds)):
            yield simulate(compiled, seeds[i])
        return
    data = compiled.scenario.model_dump()
    key = scenario_digest(compiled.scenario)
    # Made as the executor asks for them: a task list would grow with the runs.
    tasks = ((key, data, seeds[i : i + CHUNK]) for i in range(start, len(seeds), CHUNK))
    for batch in executor.map(simulate_task, tasks):
        yield from batch


@dataclass(frozen=True)
class RunPlan:
    """The runs of one ensemble: each run's seed and, over a posterior, its parameter draw.

    Run ``i`` has the ``i``-th seed spawned from ``master_seed`` (``RunSeeds``); with a
    posterior, the parameter set of draw ``i // seeds_per_draw``, a seeded weighted resample
    that depends on the master seed alone (``posterior.iter_draw_ids``), so that run ``i``
    of every scenario uses the same draw and the same seed. Seeds and draws are made as runs
    start, so a plan of any size costs no memory.

    Attributes:
        master_seed: The seed every run's seed is spawned from.
        runs: The number of runs.
        posterior: The posterior runs draw their parameters from, or None.
        seeds_per_draw: Consecutive runs sharing one draw, with a posterior.
    """

    master_seed: int
    runs: int
    posterior: PosteriorSet | None = None
    seeds_per_draw: int = 1

    @property
    def seeds(self) -> RunSeeds:
        """Every run's seed, made when asked for."""
        return RunSeeds(self.master_seed, self.runs)

    def draw_numbers(self) -> np.ndarray | None:
        """Per run, the number of its posterior draw (None without a posterior)."""
        return None if self.posterior is None else draw_numbers(self.runs, self.seeds_per_draw)

    def results(
        self, compiled: Compiled, executor: Executor, start: int = 0
    ) -> Iterator[RunResult]:
        """Yield runs ``start..`` of the ensemble in seed order, computed by ``executor``."""
        if self.posterior is None:
            yield from iter_runs(compiled, self.seeds, executor=executor, start=start)
            return
        post = self.posterior
        ids = iter_draw_ids(post, self.runs, self.master_seed, self.seeds_per_draw, start)
        tasks = iter_posterior_tasks(compiled.scenario, post, self.seeds.starting_at(start), ids)
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
class ComparisonTables:
    """Several scenarios run with the same seeds, their tables held in memory.

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
) -> ComparisonTables:
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
    plan = RunPlan(int(master_seed), runs, posterior, seeds_per_draw)
    total, done = runs * len(scenarios), 0
    compiled, tables = [], []
    with (executor or ExecutorSpec("serial")).start(runs) as ex:
        for sc in scenarios:
            c = compile_scenario(sc)
            results = []
            for r in plan.results(c, ex):
                results.append(r)
                done += 1
                if on_progress is not None and (done % CHUNK == 0 or done == total):
                    on_progress(done, total)
            compiled.append(c)
            tables.append(build_tables(c, results))
    table = comparison_table(names, [t.runs for t in tables], compiled, plan.draw_numbers())
    return ComparisonTables(names, list(scenarios), compiled, tables, table, runs, int(master_seed))
