"""Where runs happen: in this process, in a local pool or on a Dask cluster, one interface.

The local pool (``pool``) and the Dask cluster (``dask_cluster``) are ``tasks.Executor``s;
every executor gives identical results, since a task carries its scenario and seeds.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from model.ensemble.dask_cluster import DaskExecutor
from model.ensemble.pool import ProcessExecutor
from model.ensemble.tasks import (  # noqa: F401 - the executors' shared names, used from here
    CHUNK,
    MAX_WORKER_DEATHS,
    WINDOW_PER_WORKER,
    WORKER_TIMEOUT,
    Executor,
    compiled_for,
    ordered_window,
    simulate_task,
)
from model.errors import OptionError

EXECUTORS = ("serial", "process", "dask")
WORKERS_PER_CORE = 8  # local worker processes beyond this only share the cores and memory


def make_executor(
    kind: str = "process",
    workers: int = 1,
    scheduler: str | None = None,
    timeout: float = WORKER_TIMEOUT,
) -> Executor:
    """The executor of the given kind.

    Args:
        kind: ``serial``, ``process`` or ``dask``.
        workers: Processes of the local pool or local Dask cluster; a pool of one runs
            serially.
        scheduler: Address of a running Dask scheduler (``tcp://host:port``); only with
            ``dask``.
        timeout: Seconds a run may take before its worker is taken for hung
            (``tasks.hang_limit``).

    Raises:
        ModelError: An unknown kind, a scheduler without ``dask``, or dask not installed.
    """
    if scheduler and kind != "dask":
        raise OptionError("scheduler", scheduler, "only meaningful with the dask executor")
    most = WORKERS_PER_CORE * (os.cpu_count() or 1)
    if kind != "serial" and not scheduler and workers > most:
        # A pool started by fork starts all its workers at once.
        raise OptionError(
            "workers", workers, f"more than {WORKERS_PER_CORE} local processes per core (this "
            f"machine has {os.cpu_count() or 1}); a cluster elsewhere takes --scheduler"
        )  # fmt: skip
    if kind == "serial" or (kind == "process" and workers <= 1):
        return Executor()
    if kind == "process":
        return ProcessExecutor(workers, timeout)
    if kind == "dask":
        return DaskExecutor(workers, scheduler, timeout)
    raise OptionError("executor", kind, f"unknown; valid: {', '.join(EXECUTORS)}")


@dataclass(frozen=True)
class ExecutorSpec:
    """Which executor to start for an ensemble, as chosen on the command line.

    Attributes:
        kind: ``serial``, ``process`` or ``dask``.
        workers: Processes of the local pool or local Dask cluster.
        scheduler: Address of a running Dask scheduler, if any.
        timeout: Seconds a run may take before its worker is taken for hung.
    """

    kind: str = "process"
    workers: int = 1
    scheduler: str | None = None
    timeout: float = WORKER_TIMEOUT

    def start(self, runs: int) -> Executor:
        """Start the executor for an ensemble of ``runs`` runs.

        A local pool is not worth starting for fewer runs than one task holds.
        """
        workers = self.workers if runs > CHUNK or self.kind != "process" else 1
        return make_executor(self.kind, workers, self.scheduler, self.timeout)
