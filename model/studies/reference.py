"""The reference table: prior-predictive runs, made once and read by every inference.

Row ``i`` is one run: its parameter values drawn uniformly on the scenario's ``uncertain:``
ranges (``Ranges.draw``), its run seed, the day it produced each documented observation
(``observed.run_days``; -1: never) and a few outcomes. Row ``i`` depends on the master seed
and ``i`` alone (``SeedSequence([seed, TAG, i])`` gives its uniforms and its seed), so a row
can be made again on its own, in any chunk, on any executor, and a run is a pure function
of scenario, parameters and seed: its events after any day *are* the continuation of its
own state on that day. ``infer``, ``calibrate``, the calibration check, ``hindcast`` and
``validate --reference`` read the same table (``abc``), so none of them runs the model again.

What a table depends on (``prior_digest``) is the scenario with the values of its uncertain
parameters left out: those are drawn in every row, so a baseline whose calibrated values
change keeps its table.
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from model.analysis.observed import run_days
from model.config.observations import Observation
from model.config.schema import Scenario
from model.config.uncertain import Ranges, with_values
from model.sim.compiled import Compiled, compile_scenario
from model.sim.model import simulate
from model.sim.outputs import END_STATES, METRICS, RunResult

TAG = 0x5246  # the reference table's SeedSequence stream, apart from every other study's
TASK_ROWS = 20  # rows per executor task: about 0.1 s of work, amortises the pickling
OUTCOMES = (
    "capital_fall_day",
    "leader_exit_day",
    "regime_gone_day",
    "end_state",
    "regime_population_share_8dec",
)
DOCUMENTED_END_DAY = 11  # 8 December 2024, day 11 from 27 November


# What a row depends on besides the resolved scenario: the simulation, the schema that
# validates a row's scenario, how values are set and drawn, how a run's days are read, and
# this module (how rows are made). Reading files (the loader) is upstream of the scenario,
# whose digest covers it.
_ROW_CODE = (
    "sim",
    "config/schema.py",
    "config/paths.py",
    "config/uncertain.py",
    "config/observations.py",
    "analysis/observed.py",
    "studies/reference.py",
)


@functools.cache
def simulation_digest() -> str:
    """SHA-256 of the code a row depends on: a table made by other code is not read."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for part in _ROW_CODE:
        p = root / part
        for f in sorted(p.rglob("*.py")) if p.is_dir() else [p]:
            h.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def prior_digest(sc: Scenario) -> str:
    """SHA-256 of the scenario without the values of its uncertain parameters."""
    data = sc.model_dump(mode="json")
    for name in sc.uncertain:
        node = data
        for part in name.split("."):
            node = node[part]
        node["value"] = None
        for k in ("assumption", "source", "set_in"):
            node.pop(k, None)
    blob = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def row_draws(ranges: Ranges, seed: int, start: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``start .. start + count - 1``: their parameter values and run seeds."""
    values = np.empty((count, len(ranges.names)))
    seeds = np.empty(count, dtype=np.uint64)
    for k in range(count):
        ss = np.random.SeedSequence([int(seed), TAG, start + k])
        u_seq, run_seq = ss.spawn(2)
        values[k] = ranges.draw(np.random.default_rng(u_seq).random(len(ranges.names)))
        seeds[k] = run_seq.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)
    return values, seeds


def outcomes(compiled: Compiled, r: RunResult) -> list[float]:
    """One run's ``OUTCOMES`` (days: -1 for never; the end state as its index)."""
    day = min(DOCUMENTED_END_DAY, compiled.p.horizon_days - 1)
    k = METRICS.index("regime_population_share")
    return [
        float(r.fall_day[compiled.capital]),
        float(r.leader_exit_day),
        float(r.regime_gone_day),
        float(END_STATES.index(r.end_state)),
        float(r.metrics[day, k]),
    ]


_BASE: dict[str, tuple[Scenario, dict]] = {}  # per worker: the scenario the rows vary


def rows_task(task: tuple) -> tuple[np.ndarray, np.ndarray, float]:
    """Run a task's rows (the function the executors map; its seeds come last).

    Returns:
        Rows x observations days (-1: never), rows x outcomes, and the CPU seconds it took.
    """
    digest, data, names, observations, values, seeds = task
    started = time.process_time()
    if digest not in _BASE:
        _BASE.clear()
        _BASE[digest] = (Scenario.model_validate(data), data)
    sc, base = _BASE[digest]
    days = np.empty((len(seeds), len(observations)), dtype=np.int8)
    outs = np.empty((len(seeds), len(OUTCOMES)))
    for k, (row, seed) in enumerate(zip(values, seeds, strict=True)):
        d = with_values(sc, dict(zip(names, row, strict=True)), base)
        c = compile_scenario(Scenario.model_validate(d))
        r = simulate(c, int(seed))
        got = run_days(observations, c, r)
        days[k] = np.where(np.isnan(got), -1, got).astype(np.int8)
        outs[k] = outcomes(c, r)
    return days, outs, time.process_time() - started


def tasks(
    sc: Scenario, observations: Sequence[Observation], values: np.ndarray, seeds: np.ndarray
) -> list[tuple]:
    """Executor tasks for these rows, ``TASK_ROWS`` at a time."""
    data = sc.model_dump()
    digest = prior_digest(sc)
    names = list(sc.uncertain)
    obs = list(observations)
    return [
        (digest, data, names, obs, values[i : i + TASK_ROWS].tolist(),
         [int(s) for s in seeds[i : i + TASK_ROWS]])
        for i in range(0, len(seeds), TASK_ROWS)
    ]  # fmt: skip


def run_rows(
    sc: Scenario, observations: Sequence[Observation], values: np.ndarray, seeds, executor
) -> tuple[np.ndarray, np.ndarray, float]:
    """One run per row of ``values`` with its seed, on ``executor``.

    Returns:
        Days (-1: never, int8), outcomes and the workers' CPU seconds.
    """
    days, outs, cpu = [], [], 0.0
    for d, o, c in executor.map(rows_task, tasks(sc, observations, values, np.asarray(seeds))):
        days.append(d)
        outs.append(o)
        cpu += c
    return np.concatenate(days), np.concatenate(outs), cpu


def make_rows(
    sc: Scenario,
    observations: Sequence[Observation],
    seed: int,
    start: int,
    count: int,
    executor,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """Rows ``start .. start + count - 1`` of the table of ``sc`` and ``seed``, run on ``executor``.

    Returns:
        Values, seeds, days (-1: never, int8), outcomes and the workers' CPU seconds.
    """
    values, seeds = row_draws(Ranges.of(sc), seed, start, count)
    return (values, seeds, *run_rows(sc, observations, values, seeds, executor))
