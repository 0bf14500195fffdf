"""Where runs happen: in this process, in a local process pool, or elsewhere.

An executor maps a picklable function over a list of tasks and yields the answers in task
order. It decides only where the work happens, never what it produces: a task carries the
scenario as plain data and the seeds to run, so every executor gives identical results.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from model.config.schema import Scenario
from model.errors import OptionError, Stopped, WorkerLost
from model.sim.compiled import Compiled, compile_scenario
from model.sim.model import simulate
from model.sim.outputs import RunResult

EXECUTORS = ("serial", "process", "dask")
CHUNK = 25  # runs per task: large enough to amortise pickling, small enough to balance
WINDOW_PER_WORKER = 4  # tasks in flight per worker: keeps workers busy, bounds memory
# A task whose worker died is run again on a fresh pool (a run is a pure function of its
# scenario and seed, so the retry gives the same answer); one that was in flight when
# workers died this many times stops the ensemble rather than retrying for ever.
MAX_WORKER_DEATHS = 3

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


def _init_worker() -> None:
    """Set up a pool worker: only its parent decides when it stops, and it dies with it.

    Ctrl-C and a SIGTERM to the process group reach every worker; the parent alone acts on
    them, so that it can stop in order and keep what has been written (a worker that raised
    KeyboardInterrupt could block for ever writing its answer into a full pipe). A worker
    whose parent is killed outright (SIGKILL, the out-of-memory killer) must not live on.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the death signal was set
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _watch_parent(parent: int) -> None:
    # Where prctl is not available (or the parent thread that forked has ended), a worker
    # still notices within a second that it has been orphaned.
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


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

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close()


class ProcessExecutor(Executor):
    """A local process pool (the default), which survives the death of its workers.

    When a worker dies (killed by the out-of-memory killer, say), the pool is broken: the
    survivors are killed, a fresh pool is started, and the tasks that had not finished are
    submitted again in order. A task in flight at ``MAX_WORKER_DEATHS`` deaths stops the
    ensemble with ``WorkerLost``.
    """

    name = "process"

    def __init__(self, workers: int):
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self.restarts = 0

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=_pool_context(), initializer=_init_worker
            )
        return self._pool

    def _submit(self, fn: Callable[[Any], Any], task: Any) -> Future:
        try:
            return self._start().submit(fn, task)
        except BrokenProcessPool as exc:  # a worker died since the last answer was read
            f: Future = Future()
            f.set_exception(exc)
            return f

    def _restart(self) -> None:
        self.restarts += 1
        self.close()

    def _wait(self, future: Future) -> Any:
        """The task's answer; a worker found dead that the pool has not noticed breaks it.

        The pool notices a dead worker at once, unless the worker died while writing its
        answer: the pool's reading thread then waits for the rest of that answer for ever.
        """
        stalled = 0.0
        while True:
            try:
                return future.result(timeout=_POLL)
            except TimeoutError:
                dead = any(p.exitcode is not None for p in _workers_of(self._pool))
                stalled = stalled + _POLL if dead else 0.0
                if stalled >= _STALLED:
                    raise BrokenProcessPool("a worker died while answering") from None

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield ``fn(task)`` for each task, in task order, computed in the pool.

        Raises:
            WorkerLost: Workers died ``MAX_WORKER_DEATHS`` times while a task was in flight.
        """
        window = WINDOW_PER_WORKER * self.workers
        pending: deque[list] = deque()  # [task, future, deaths while in flight]
        it = iter(tasks)

        def fill() -> None:
            for t in it:
                pending.append([t, self._submit(fn, t), 0])
                if len(pending) >= window:
                    return

        fill()
        while pending:
            head = pending[0]
            try:
                result = self._wait(head[1])
            except BrokenProcessPool:
                self._restart()
                for item in pending:
                    f = item[1]
                    if f.done() and not f.cancelled() and f.exception() is None:
                        continue  # finished before the pool broke: its answer stands
                    item[2] += 1
                    if item[2] >= MAX_WORKER_DEATHS:
                        raise WorkerLost(
                            f"worker processes died {item[2]} times while running the same "
                            "runs (killed by the system, e.g. for lack of memory?)"
                        ) from None
                    item[1] = self._submit(fn, item[0])
                continue
            pending.popleft()
            fill()
            yield result

    def close(self) -> None:
        """Shut the pool down; its workers are killed, not asked to stop.

        Every answer wanted has been read when an ensemble closes its pool, and a worker
        holds nothing that needs saving. Asked to stop, a worker would be sent SIGTERM by a
        pool that broke meanwhile (a worker killed after the last answer), which it ignores
        (see ``_init_worker``), and the shutdown would wait for it for ever.
        """
        pool, self._pool = self._pool, None
        if pool is None:
            return
        try:
            _kill_workers(pool)
            pool.shutdown(wait=True, cancel_futures=True)
        except BaseException:
            # A second Ctrl-C while waiting: the workers would wait for ever for the end
            # of a shutdown that will not come, and the interpreter's exit for them.
            _kill_workers(pool)
            raise


def _workers_of(pool: ProcessPoolExecutor | None) -> list:
    # concurrent.futures keeps its processes private; nothing public lists them.
    return list((getattr(pool, "_processes", None) or {}).values()) if pool else []


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    # The pool itself stops workers with SIGTERM, which they ignore (see _init_worker).
    for p in _workers_of(pool):
        if p.is_alive():
            p.kill()
    # A worker killed while it wrote an answer leaves half a message in the answers' pipe,
    # and the pool's reading thread would wait for the rest for ever (this process holds
    # the pipe's other end too, so no end of file comes): closing that end, with every
    # worker gone, gives the reader its end of file and lets the pool shut down.
    writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
    if writer is not None:
        with contextlib.suppress(OSError):
            writer.close()


_POLL = 1.0  # seconds between looks at the workers while waiting for an answer
_STALLED = 5.0  # seconds a dead worker may go unnoticed by the pool before it is replaced


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
                    # Workers dying (the faults this tool survives) would print tracebacks
                    # of the cluster's own; the one line the command prints says it all.
                    silence_logs=logging.CRITICAL,
                )
                self._client = Client(self._cluster)
        except (OSError, TimeoutError) as exc:
            self.close()
            where = scheduler or "a local cluster"
            raise OptionError("scheduler", where, f"cannot connect ({exc})") from None
        except RuntimeError as exc:  # a local worker died while the cluster started
            self.close()
            raise Stopped(f"the local Dask cluster could not start ({exc})") from None
        n = len(self._client.scheduler_info().get("workers", {}))
        self.workers = max(n, 1)

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield ``fn(task)`` for each task, in task order, computed on the cluster."""
        from distributed import KilledWorker

        client = self._client
        # pure=False: two chunks with equal arguments are still two pieces of work. Dask
        # itself reruns the task of a worker that died, up to its allowed-failures setting.
        watch = _DaskWatch(client, self.workers)
        try:
            yield from ordered_window(
                lambda t: _Watched(client.submit(fn, t, pure=False), watch),
                tasks,
                WINDOW_PER_WORKER * self.workers,
            )
        except KilledWorker as exc:
            raise WorkerLost(
                f"Dask workers died each time they ran the same runs ({exc}); Dask gave up "
                "after its allowed failures (distributed.scheduler.allowed-failures)"
            ) from None

    def close(self) -> None:
        """Close the connection, and the local cluster if this executor started one."""
        client = getattr(self, "_client", None)
        if client is not None:
            client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


class _DaskWatch:
    """Notices Dask workers that die before they finish anything, which Dask never gives up on.

    Dask reruns a task whose worker died and gives up after its allowed failures
    (``KilledWorker``); but workers killed before they start a task (at start-up, or as
    soon as a nanny restarts them) count against no task, and the ensemble would wait for
    ever. While no task finishes, this counts the workers that joined the cluster to replace
    others, and the time with no worker at all.
    """

    POLL = 1.0  # seconds between looks at the cluster while waiting for a task
    NO_WORKER_TIMEOUT = 60.0  # seconds with no worker connected

    def __init__(self, client, workers: int):
        self.client = client
        self.limit = MAX_WORKER_DEATHS * max(1, workers)
        self.known: set[str] = set(self._workers())
        self.replaced = 0
        self.alone = 0.0

    def _workers(self) -> list[str]:
        return list(self.client.scheduler_info().get("workers", {}))

    def progress(self) -> None:
        self.replaced = 0
        self.alone = 0.0

    def waited(self) -> None:
        now = set(self._workers())
        self.replaced += len(now - self.known) if self.known else 0
        self.known |= now
        self.alone = self.alone + self.POLL if not now else 0.0
        if self.replaced >= self.limit:
            raise WorkerLost(
                f"Dask workers keep dying: {self.replaced} replaced while no task finished"
            )
        if self.alone >= self.NO_WORKER_TIMEOUT:
            raise WorkerLost(f"no Dask worker connected for {self.NO_WORKER_TIMEOUT:.0f} s")


class _Watched:
    """A Dask future whose ``result()`` keeps an eye on the cluster while it waits."""

    def __init__(self, future, watch: _DaskWatch):
        self.future = future
        self.watch = watch

    def result(self):
        while True:
            try:
                out = self.future.result(timeout=self.watch.POLL)
            except TimeoutError:
                self.watch.waited()
                continue
            self.watch.progress()
            return out


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
