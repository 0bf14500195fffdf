"""Where runs happen: in this process, in a local process pool, or elsewhere.

An executor maps a picklable function over a list of tasks and yields the answers in task
order. It decides only where the work happens, never what it produces: a task carries the
scenario as plain data and the seeds to run, so every executor gives identical results.
"""

from __future__ import annotations

import multiprocessing as mp
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from model.config.schema import Scenario
from model.errors import OptionError
from model.sim.compiled import Compiled, compile_scenario
from model.sim.model import simulate
from model.sim.outputs import RunResult

EXECUTORS = ("serial", "process", "dask")
CHUNK = 25  # runs per task: large enough to amortise pickling, small enough to balance
WINDOW_PER_WORKER = 4  # tasks in flight per worker: keeps workers busy, bounds memory

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


def _ignore_sigint() -> None:
    # Ctrl-C reaches the whole process group; only the parent should act on it, so that it
    # can stop the pool in order and keep what has been written.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def ordered_window(
    submit: Callable[[Any], Any], tasks: Iterable[Any], window: int
) -> Iterator[Any]:
    """Yield the results of submitted tasks in task order, at most ``window`` in flight.

    Results of finished tasks wait in memory only until the tasks before them are done, so
    memory stays bounded however many tasks there are.

    Args:
        submit: Starts one task and returns a future with a ``result()`` method.
        tasks: The tasks, consumed lazily.
        window: Largest number of tasks submitted but not yet yielded.
    """
    pending: deque = deque()
    it = iter(tasks)
    for t in it:
        pending.append(submit(t))
        if len(pending) >= window:
            break
    while pending:
        result = pending.popleft().result()
        for t in it:
            pending.append(submit(t))
            break
        yield result


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
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=_pool_context(), initializer=_ignore_sigint
            )
        pool = self._pool
        yield from ordered_window(
            lambda t: pool.submit(fn, t), tasks, WINDOW_PER_WORKER * self.workers
        )

    def close(self) -> None:
        """Shut the pool down, cancelling what has not started."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskExecutor(Executor):
    """A Dask cluster: a running one at ``scheduler``, or a local one on the loopback.

    Tasks are submitted in a bounded window and their results read in task order, so the
    cluster may finish them in any order without changing what is written.
    """

    name = "dask"

    def __init__(self, workers: int = 1, scheduler: str | None = None):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise OptionError(
                "executor",
                "dask",
                "dask.distributed is not installed; install it with: pip install -e '.[dask]'",
            ) from None
        self._cluster = None
        try:
            if scheduler:
                self._client = Client(scheduler, timeout="10s")
            else:
                self._cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                )
                self._client = Client(self._cluster)
        except (OSError, TimeoutError) as exc:
            self.close()
            where = scheduler or "a local cluster"
            raise OptionError("scheduler", where, f"cannot connect ({exc})") from None
        n = len(self._client.scheduler_info().get("workers", {}))
        self.workers = max(n, 1)

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield ``fn(task)`` for each task, in task order, computed on the cluster."""
        client = self._client
        # pure=False: two chunks with equal arguments are still two pieces of work.
        yield from ordered_window(
            lambda t: client.submit(fn, t, pure=False), tasks, WINDOW_PER_WORKER * self.workers
        )

    def close(self) -> None:
        """Close the connection, and the local cluster if this executor started one."""
        client = getattr(self, "_client", None)
        if client is not None:
            client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


def make_executor(
    kind: str = "process", workers: int = 1, scheduler: str | None = None
) -> Executor:
    """The executor of the given kind.

    Args:
        kind: ``serial``, ``process`` or ``dask``.
        workers: Processes of the local pool or local Dask cluster; a pool of one runs
            serially.
        scheduler: Address of a running Dask scheduler (``tcp://host:port``); only with
            ``dask``.

    Raises:
        ModelError: An unknown kind, a scheduler without ``dask``, or dask not installed.
    """
    if scheduler and kind != "dask":
        raise OptionError("scheduler", scheduler, "only meaningful with the dask executor")
    if kind == "serial" or (kind == "process" and workers <= 1):
        return Executor()
    if kind == "process":
        return ProcessExecutor(workers)
    if kind == "dask":
        return DaskExecutor(workers, scheduler)
    raise OptionError("executor", kind, f"unknown; valid: {', '.join(EXECUTORS)}")


@dataclass(frozen=True)
class ExecutorSpec:
    """Which executor to start for an ensemble, as chosen on the command line.

    Attributes:
        kind: ``serial``, ``process`` or ``dask``.
        workers: Processes of the local pool or local Dask cluster.
        scheduler: Address of a running Dask scheduler, if any.
    """

    kind: str = "process"
    workers: int = 1
    scheduler: str | None = None

    def start(self, runs: int) -> Executor:
        """Start the executor for an ensemble of ``runs`` runs.

        A local pool is not worth starting for fewer runs than one task holds.
        """
        workers = self.workers if runs > CHUNK or self.kind != "process" else 1
        return make_executor(self.kind, workers, self.scheduler)
