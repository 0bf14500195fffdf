"""A Dask cluster as an executor: a running one, or a local one started for the ensemble.

Dask reruns the task of a worker that dies. A worker that hangs (stopped, deadlocked) is
only dropped by the scheduler after its time-to-live (minutes), so the ensemble watches the
task it waits for: held by one worker (running it, or keeping its answer) for longer than its
limit (``tasks.hang_limit``), that worker is killed (a local cluster's nanny starts another) or, on a cluster elsewhere,
removed from the scheduler; either way Dask runs the task again elsewhere, and gives up
after its allowed failures as for a worker that died.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from model.ensemble.tasks import (
    MAX_WORKER_DEATHS,
    WINDOW_PER_WORKER,
    WORKER_TIMEOUT,
    Executor,
    hang_limit,
    ordered_window,
)
from model.errors import OptionError, Stopped, WorkerLost


class DaskExecutor(Executor):
    """A Dask cluster: a running one at ``scheduler``, or a local one on the loopback.

    Tasks are submitted in a bounded window and their results read in task order, so the
    cluster may finish them in any order without changing what is written.
    """

    name = "dask"

    def __init__(
        self, workers: int = 1, scheduler: str | None = None, timeout: float = WORKER_TIMEOUT
    ):
        self.timeout = float(timeout)
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
        watch = _DaskWatch(client, self.workers, self._cluster, self.timeout)
        try:
            yield from ordered_window(
                lambda t: _Watched(client.submit(fn, t, pure=False), watch, t),
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

    def __init__(self, client, workers: int, cluster=None, timeout: float = WORKER_TIMEOUT):
        self.client = client
        self.cluster = cluster
        self.timeout = timeout
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

    def held(self, w: _Watched) -> None:
        """Replace the worker holding ``w``'s task if it has held it past its limit.

        A worker holds a task while it runs it, and after: the answer stays on the worker
        until the client fetches it, which a stopped worker never sends.
        """
        now = time.monotonic()
        if w.since is None:
            key = w.future.key
            where = [a for a, keys in self.client.processing().items() if key in keys]
            where = where or list(self.client.who_has([w.future]).get(key, ()))
            if where:
                w.since, w.worker = now, where[0]
            return
        if now - w.since > hang_limit(w.task, self.timeout):
            self.replace(w.worker)
            w.since = None

    def replace(self, address: str) -> None:
        """Take a hung worker out: killed if this cluster is local, else removed."""
        for nanny in getattr(self.cluster, "workers", {}).values():
            if getattr(nanny, "worker_address", None) == address:
                with contextlib.suppress(OSError, AttributeError, TypeError):
                    os.kill(nanny.process.pid, signal.SIGKILL)  # the nanny starts another
                return
        with contextlib.suppress(Exception):  # noqa: BLE001 - a scheduler of another version
            self.client.run_on_scheduler(_remove_worker, address)


async def _remove_worker(address: str, dask_scheduler=None) -> None:
    # Run on the scheduler: its tasks go back to the others, as for a worker that died.
    await dask_scheduler.remove_worker(address=address, stimulus_id="hung-worker", close=True)


class _Watched:
    """A Dask future whose ``result()`` keeps an eye on the cluster while it waits."""

    def __init__(self, future, watch: _DaskWatch, task: Any = None):
        self.future = future
        self.watch = watch
        self.task = task
        self.since: float | None = None  # when first seen held by a worker
        self.worker: str | None = None

    def result(self):
        while True:
            try:
                out = self.future.result(timeout=self.watch.POLL)
            except TimeoutError:
                self.watch.waited()
                self.watch.held(self)
                continue
            self.watch.progress()
            return out
