"""The local process pool: workers die with their parent, and are replaced if they die or hang.

A worker that dies (the out-of-memory killer, a SIGKILL) breaks the pool, which notices at
once; a worker that hangs (stopped by SIGSTOP, deadlocked, swapped out for good) breaks
nothing, and the ensemble would wait for ever. So the pool is watched while an answer is
awaited: a task that a worker has held for longer than its limit (``tasks.hang_limit``:
``--worker-timeout`` seconds a run, plus slack) counts as a death, and the pool is replaced
as when a worker dies.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from model.ensemble.tasks import (
    MAX_WORKER_DEATHS,
    WINDOW_PER_WORKER,
    WORKER_TIMEOUT,
    Executor,
    hang_limit,
)
from model.errors import WorkerLost


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


class ProcessExecutor(Executor):
    """A local process pool (the default), which survives the death or hang of its workers.

    When a worker dies (killed by the out-of-memory killer, say) or hangs, the pool is
    replaced: every worker is killed, a fresh pool is started, and the tasks that had not
    finished are submitted again in order (a run is a pure function of its scenario and
    seed, so the retry gives the same answer). A task in flight at ``MAX_WORKER_DEATHS``
    deaths or hangs stops the ensemble with ``WorkerLost``.

    Args:
        workers: Worker processes.
        timeout: Seconds a run may take before its worker is taken for hung
            (``tasks.hang_limit``).
    """

    name = "process"

    def __init__(self, workers: int, timeout: float = WORKER_TIMEOUT):
        self.workers = workers
        self.timeout = float(timeout)
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

    def _wait(self, pending: deque[list]) -> Any:
        """The first pending task's answer, watching the pool meanwhile.

        A worker found dead that the pool has not noticed breaks it: the pool notices a dead
        worker at once, unless it died while writing its answer, when the pool's reading
        thread waits for the rest of that answer for ever. A task held for longer than its
        limit breaks it too (a hung worker).

        Raises:
            BrokenProcessPool: A worker died or hung.
        """
        future = pending[0][1]
        stalled = 0.0
        while True:
            try:
                return future.result(timeout=_POLL)
            except TimeoutError:
                dead = any(p.exitcode is not None for p in _workers_of(self._pool))
                stalled = stalled + _POLL if dead else 0.0
                if stalled >= _STALLED:
                    raise BrokenProcessPool("a worker died while answering") from None
                if self._hung(pending):
                    raise _Hung("a worker stopped answering") from None

    def _hung(self, pending: deque[list]) -> bool:
        """Whether a task has been held by a worker for longer than its limit.

        A task counts from the moment it is first seen running (handed to a worker, or
        queued right behind a busy one: hence the limit's slack).
        """
        now = time.monotonic()
        for item in pending:
            if item[3] is None and item[1].running():
                item[3] = now
            if item[3] is not None and now - item[3] > hang_limit(item[0], self.timeout):
                return True
        return False

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield ``fn(task)`` for each task, in task order, computed in the pool.

        Raises:
            WorkerLost: Workers died or hung ``MAX_WORKER_DEATHS`` times while a task was
                in flight.
        """
        window = WINDOW_PER_WORKER * self.workers
        pending: deque[list] = deque()  # [task, future, deaths while in flight, running since]
        it = iter(tasks)

        def fill() -> None:
            for t in it:
                pending.append([t, self._submit(fn, t), 0, None])
                if len(pending) >= window:
                    return

        fill()
        while pending:
            try:
                result = self._wait(pending)
            except BrokenProcessPool as exc:
                self._restart()
                for item in pending:
                    f = item[1]
                    if f.done() and not f.cancelled() and f.exception() is None:
                        continue  # finished before the pool broke: its answer stands
                    item[2] += 1
                    if item[2] >= MAX_WORKER_DEATHS:
                        why = (
                            f"the last held its task for longer than its limit, "
                            f"{self.timeout:g} s a run plus slack"
                            if isinstance(exc, _Hung)
                            else "killed by the system, e.g. for lack of memory?"
                        )
                        raise WorkerLost(
                            f"worker processes died or stopped answering {item[2]} times while "
                            f"running the same runs ({why})"
                        ) from None
                    item[1], item[3] = self._submit(fn, item[0]), None
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


class _Hung(BrokenProcessPool):
    """A worker held a task for longer than its limit: treated as if it had died."""


_POLL = 1.0  # seconds between looks at the workers while waiting for an answer
_STALLED = 5.0  # seconds a dead worker may go unnoticed by the pool before it is replaced
