"""What every executor shares: the task, the function it maps, and how long a task may take.

An executor maps a picklable function over a list of tasks and yields the answers in task
order. It decides only where the work happens, never what it produces: a task carries the
scenario as plain data and the seeds to run, so every executor gives identical results.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from model.config.schema import Scenario
from model.sim.compiled import Compiled, compile_scenario
from model.sim.model import simulate
from model.sim.outputs import RunResult

CHUNK = 25  # runs per task: large enough to amortise pickling, small enough to balance
WINDOW_PER_WORKER = 4  # tasks in flight per worker: keeps workers busy, bounds memory
# A task whose worker died is run again on a fresh pool (a run is a pure function of its
# scenario and seed, so the retry gives the same answer); one that was in flight when
# workers died this many times stops the ensemble rather than retrying for ever.
MAX_WORKER_DEATHS = 3

# A worker that holds a task of n runs and has not answered for
# WORKER_TIMEOUT * (n + TIMEOUT_SLACK_RUNS) seconds is taken for hung (stopped, deadlocked,
# swapped out for good) and treated like a dead one: replaced, and its runs run again. A
# baseline run takes a few milliseconds; two seconds a run leaves room for machines a
# hundred times slower, and 70 s for a task of 25 runs. --worker-timeout changes it.
WORKER_TIMEOUT = 2.0
TIMEOUT_SLACK_RUNS = 10


def task_runs(task: Any) -> int:
    """Runs in a task: the length of its last element (its seeds), else 1."""
    try:
        return max(len(task[-1]), 1)
    except (TypeError, IndexError, KeyError):
        return 1


def hang_limit(task: Any, per_run: float) -> float:
    """Seconds a worker may hold ``task`` without answering before it is taken for hung."""
    return per_run * (task_runs(task) + TIMEOUT_SLACK_RUNS)


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
