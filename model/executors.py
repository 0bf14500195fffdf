"""Where runs happen: in this process, in a local process pool, or elsewhere.

An executor maps a picklable function over a list of tasks and yields the answers in task
order. It decides only where the work happens, never what it produces: a task carries the
scenario as plain data and the seeds to run, so every executor gives identical results.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from model.compiled import Compiled, compile_scenario
from model.core import RunResult, simulate
from model.errors import ModelError
from model.scenario import Scenario

EXECUTORS = ("serial", "process")

# A task: (key, scenario data, seeds). The key identifies the scenario so that a worker
# compiles each scenario once, however many chunks of seeds it receives.
Task = tuple[str, dict, Sequence[int]]

_CACHE: dict[str, Compiled] = {}
_CACHE_SIZE = 8  # a comparison holds a handful of scenarios; a sensitivity sample is used once


def compiled_for(key: str, scenario_data: dict) -> Compiled:
    """The compiled scenario for ``key``, compiled at most once per process while cached."""
    c = _CACHE.get(key)
    if c is None:
        # The scenario travels as plain data: pydantic's generic classes do not pickle.
        c = compile_scenario(Scenario.model_validate(scenario_data))
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = c
    return c


def simulate_task(task: Task) -> list[RunResult]:
    """Run every seed of a task; the function every executor maps."""
    key, data, seeds = task
    compiled = compiled_for(key, data)
    return [simulate(compiled, s) for s in seeds]


def _pool_context() -> mp.context.BaseContext:
    # `import mesa` forces the global start method to "spawn" (mesa.batchrunner); fork is
    # much faster to start where the platform has it, and results do not depend on it.
    methods = mp.get_all_start_methods()
    return mp.get_context("fork" if "fork" in methods else "spawn")


class Executor:
    """Runs tasks serially in this process; the base of the other executors.

    Use as a context manager so that pools and connections are closed.
    """

    name = "serial"
    workers = 1

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield ``fn(task)`` for each task, in task order."""
        for t in tasks:
            yield fn(t)

    def close(self) -> None:
        """Release whatever the executor holds."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ProcessExecutor(Executor):
    """A local process pool (the default)."""

    name = "process"

    def __init__(self, workers: int):
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield ``fn(task)`` for each task, in task order, computed in the pool."""
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=_pool_context())
        yield from self._pool.map(fn, tasks)

    def close(self) -> None:
        """Shut the pool down, cancelling what has not started."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def make_executor(kind: str = "process", workers: int = 1) -> Executor:
    """The executor of the given kind.

    Args:
        kind: ``serial`` or ``process``.
        workers: Processes of the local pool; a pool of one runs serially.

    Raises:
        ModelError: An unknown kind.
    """
    if kind == "serial" or (kind == "process" and workers <= 1):
        return Executor()
    if kind == "process":
        return ProcessExecutor(workers)
    raise ModelError(f"--executor {kind}: unknown; valid: {', '.join(EXECUTORS)}")
