"""The Python API: load a scenario, run an ensemble, compare scenarios, simulate one run.

For analysts in a notebook or a script, without the command line::

    import model

    base = model.load("scenarios/baseline.yaml")
    ens = model.run(base, runs=200, seed=7, workers=2)
    ens.runs.end_state.value_counts(normalize=True)
    ens.daily.groupby("day").regime_population_share.median()

    cmp = model.compare(["scenarios/baseline.yaml",
                         "scenarios/counterfactuals/russia_stays.yaml"], runs=200)
    cmp.table

Everything here runs in memory and writes nothing. The tables are those the command line
writes (``daily.csv``, ``events.csv``, ``runs.csv``; ``docs/results.md`` says what each
column means), computed by the same functions from the same seeds, so
``model.run(path, runs=N, seed=S)`` gives the runs of ``python -m model run path --runs N
--seed S`` whatever the number of workers. Problems raise the package's own exceptions
(``model.errors.ScenarioError`` naming the file and field, ``OptionError``), which the
command line would turn into its one ``ERROR`` line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from model.analysis import summary as summ
from model.config.loader import load_scenario
from model.config.runs import (
    DEFAULT_RUNS,
    DEFAULT_SEED,
    MAX_RUNS,
    MAX_RUNS_IN_MEMORY,
    MAX_SEED,
    MAX_WORKERS,
)
from model.config.schema import Scenario
from model.ensemble.executors import ExecutorSpec
from model.ensemble.memory import compare_in_memory, iter_runs, run_seeds
from model.errors import OptionError
from model.results.tables import build_tables
from model.sim.compiled import compile_scenario
from model.sim.model import simulate as _simulate_one

__all__ = ["DEFAULT_SEED", "Comparison", "Ensemble", "compare", "load", "run", "simulate"]


@dataclass
class Ensemble:
    """One scenario's runs, held in memory.

    Attributes:
        scenario: The validated scenario that was run.
        runs: One row per run: ``run``, ``seed``, ``end_state``, ``leader_exit_day`` and
            ``fall_day_<place>`` (days after the start; -1: never).
        daily: One row per run and day: the metrics and ``holder_<place>``.
        events: The event log: ``run, day, date, actor, kind, target, channel, outcome,
            rule, source``.
        summary: The ``summary.json`` contract: end-state shares, fall days per place, the
            leader's exit day, the share of runs reproducing each documented decision.
        master_seed: The seed the run seeds were spawned from (None for ``simulate``).
        seeds: Each run's own seed, in run order.
    """

    scenario: Scenario
    runs: pd.DataFrame
    daily: pd.DataFrame
    events: pd.DataFrame
    summary: dict
    master_seed: int | None
    seeds: list[int] = field(default_factory=list)

    @property
    def end_states(self) -> pd.Series:
        """The share of runs ending in each end state."""
        return pd.Series(self.summary["end_states"], name="share")

    def __repr__(self) -> str:
        shares = ", ".join(f"{k} {v:.0%}" for k, v in self.summary["end_states"].items() if v)
        return (
            f"<Ensemble {self.scenario.name!r}: {len(self.runs)} runs, "
            f"master seed {self.master_seed}; {shares}>"
        )


@dataclass
class Comparison:
    """Several scenarios run with the same seeds (common random numbers); the first is the base.

    Attributes:
        table: One row per scenario and measure, as ``comparison.csv``: ``value`` with its
            95 % interval (``ci_low``, ``ci_high``) and ``diff`` from the base with its
            interval paired by seed (``diff_low``, ``diff_high``).
        names: The scenarios' unique names, base first.
        ensembles: Each scenario's runs, by name.
        master_seed: The seed every scenario's run seeds were spawned from.
    """

    table: pd.DataFrame
    names: list[str]
    ensembles: dict[str, Ensemble]
    master_seed: int

    def __getitem__(self, name: str) -> Ensemble:
        return self.ensembles[name]

    def __repr__(self) -> str:
        runs = len(next(iter(self.ensembles.values())).runs) if self.ensembles else 0
        return (
            f"<Comparison of {', '.join(self.names)}: {runs} runs each, "
            f"master seed {self.master_seed}>"
        )


def load(path: str | Path) -> Scenario:
    """Read, merge (``extends``) and validate a scenario file.

    Raises:
        ScenarioError: One problem, naming the file and the field.
    """
    return load_scenario(path)


def _scenario(scenario: Scenario | str | Path) -> Scenario:
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, str | Path):
        return load_scenario(scenario)
    raise TypeError(f"expected a Scenario or the path of a scenario file, got {type(scenario)!r}")


def _count(name: str, value: int, least: int, most: int = MAX_RUNS) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        raise OptionError(name, value, f"must be a whole number from {least} to {most:,}")
    return value


def run(
    scenario: Scenario | str | Path,
    runs: int = DEFAULT_RUNS,
    seed: int = DEFAULT_SEED,
    workers: int = 1,
    executor: str = "process",
    scheduler: str | None = None,
) -> Ensemble:
    """Run one scenario's ensemble in memory.

    Args:
        scenario: A scenario from ``load`` or the path of a scenario file.
        runs: Number of runs.
        seed: Master seed; run *i* gets the *i*-th seed spawned from it, as on the command
            line (``python -m model run --seed``).
        workers: Processes of the local pool (1 runs in this process). Results do not
            depend on it.
        executor: ``process`` (a local pool), ``serial`` or ``dask``.
        scheduler: A running Dask scheduler's address, with ``executor="dask"``.

    Returns:
        The runs, daily and events tables and the summary.
    """
    sc = _scenario(scenario)
    _count("runs", runs, 1, MAX_RUNS_IN_MEMORY)
    _count("workers", workers, 1, MAX_WORKERS)
    _count("seed", seed, 0, MAX_SEED)
    compiled = compile_scenario(sc)
    seeds = list(run_seeds(seed, runs))
    with ExecutorSpec(executor, workers, scheduler).start(runs) as ex:
        results = list(iter_runs(compiled, seeds, executor=ex))
    tables = build_tables(compiled, results)
    summary = summ.summarize(tables.runs, tables.events, compiled.names)
    return Ensemble(sc, tables.runs, tables.daily, tables.events, summary, int(seed), seeds)


def simulate(scenario: Scenario | str | Path, seed: int) -> Ensemble:
    """Run one scenario once with one run seed (not a master seed).

    ``simulate(sc, s)`` is the run of an ensemble whose ``seeds`` contain ``s``: run 3 of
    ``run(sc, seed=7)`` is ``simulate(sc, run(sc, seed=7).seeds[3])``.

    Returns:
        An ``Ensemble`` of one run (``runs`` has one row; ``daily`` one row per day).
    """
    sc = _scenario(scenario)
    compiled = compile_scenario(sc)
    result = _simulate_one(compiled, int(seed))
    tables = build_tables(compiled, [result])
    summary = summ.summarize(tables.runs, tables.events, compiled.names)
    return Ensemble(sc, tables.runs, tables.daily, tables.events, summary, None, [int(seed)])


def compare(
    scenarios: Sequence[Scenario | str | Path],
    runs: int = DEFAULT_RUNS,
    seed: int = DEFAULT_SEED,
    workers: int = 1,
    executor: str = "process",
    scheduler: str | None = None,
) -> Comparison:
    """Run scenarios with the same seeds and compare each with the first (the base).

    Args:
        scenarios: The base first, then the scenarios compared with it; each a scenario
            from ``load`` or a path. All are validated before any runs.
        runs: Runs per scenario.
        seed: Master seed, the same for every scenario (common random numbers).
        workers: Processes of the local pool; results do not depend on it.
        executor: ``process``, ``serial`` or ``dask``.
        scheduler: A running Dask scheduler's address, with ``executor="dask"``.

    Returns:
        The comparison table (as ``comparison.csv``) and each scenario's runs.
    """
    if isinstance(scenarios, str | Path | Scenario) or len(scenarios) < 2:
        raise OptionError("scenarios", None, "give a list of at least two: the base, then others")
    loaded = [_scenario(s) for s in scenarios]
    _count("runs", runs, 1, MAX_RUNS_IN_MEMORY)
    _count("workers", workers, 1, MAX_WORKERS)
    _count("seed", seed, 0, MAX_SEED)
    cmp = compare_in_memory(loaded, runs, seed, ExecutorSpec(executor, workers, scheduler))
    seeds = list(run_seeds(seed, runs))
    ensembles = {}
    for name, sc, c, t in zip(cmp.names, cmp.scenarios, cmp.compiled, cmp.tables, strict=True):
        summary = summ.summarize(t.runs, t.events, c.names)
        ensembles[name] = Ensemble(sc, t.runs, t.daily, t.events, summary, int(seed), seeds)
    return Comparison(cmp.table, list(cmp.names), ensembles, int(seed))
