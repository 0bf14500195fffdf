"""A pyabc sampler whose populations depend on the seed only, not on workers or timing.

pyabc's own parallel samplers (``MulticoreEvalParallelSampler``, ``DaskDistributedSampler``)
let each worker seed itself and accept particles in the order they finish, so the same
analysis gives a different posterior from one run to the next (pyabc issue #392: "only with
the SingleCoreSampler" is it deterministic). This sampler keeps pyabc's algorithm and makes
the evaluations reproducible instead: evaluation ``k`` of generation ``t`` seeds numpy's
global generator (which pyabc's proposals use) and the simulated run from
``SeedSequence([master_seed, t + 1, k])``, evaluations run in batches on the project's
executors (serial, local pool, Dask), and the population is the first ``n`` accepted
evaluations in index order. Evaluations after the ``n``-th acceptance in a batch are
discarded, whatever order the workers finished in.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable

import cloudpickle
import numpy as np
import pyabc

from model.ensemble.executors import Executor
from model.ensemble.progress import bar

EVALS_PER_TASK = 10  # evaluations per task: about 0.1 s of work, amortises pickling
MAX_BATCH = 4000  # evaluations submitted at once (bounds the work discarded at the end)

_CACHE: dict[str, Callable] = {}  # per worker process: the generation's simulate_one
_RUN_SEED: list[int] = [0]  # the seed of the run the current evaluation simulates


def run_seed() -> int:
    """The seed of the run that the evaluation in progress simulates."""
    return _RUN_SEED[0]


def evaluation_seeds(master_seed: int, t: int, start: int, count: int) -> list[tuple[int, int]]:
    """(numpy seed, run seed) of evaluations ``start .. start + count - 1`` of generation ``t``.

    Generation ``-1`` is pyabc's calibration sample from the prior.
    """
    out = []
    for k in range(start, start + count):
        s = np.random.SeedSequence([int(master_seed), t + 1, k]).generate_state(2, dtype=np.uint32)
        out.append((int(s[0]), int(s[1])))
    return out


def evaluate(task: tuple[str, bytes, list[tuple[int, int]]]) -> list:
    """Run one task's evaluations with their seeds (the function the executors map)."""
    digest, blob, seeds = task
    fn = _CACHE.get(digest)
    if fn is None:
        _CACHE.clear()  # one generation at a time
        fn = _CACHE[digest] = cloudpickle.loads(blob)
    out = []
    for np_seed, r_seed in seeds:
        np.random.seed(np_seed)
        _RUN_SEED[0] = r_seed
        out.append(fn())
    return out


class SeededSampler(pyabc.sampler.Sampler):
    """Samples pyabc populations reproducibly on one of the project's executors.

    Args:
        master_seed: Every evaluation's seeds derive from it.
        executor: An open executor (serial, process, dask).
        progress: Show a progress bar per generation.
        on_generation: Called with ``t`` as generation ``t`` starts (the ``t`` before it
            are in pyabc's history): how far an interrupted inference got.
    """

    def __init__(
        self,
        master_seed: int,
        executor: Executor,
        progress: bool = False,
        on_generation: Callable[[int], object] | None = None,
    ):
        super().__init__()
        self.master_seed = int(master_seed)
        self.executor = executor
        self.progress = progress
        self.on_generation = on_generation
        self.rate = 0.5  # expected acceptance rate: sizes batches only, never changes results
        self.discarded_ = 0

    def sample_until_n_accepted(
        self,
        n,
        simulate_one,
        t,
        *,
        max_eval=np.inf,
        all_accepted=False,
        ana_vars=None,
    ):
        """Evaluate in index order until ``n`` are accepted (see the module docstring)."""
        if self.on_generation is not None:
            self.on_generation(t)
        blob = cloudpickle.dumps(simulate_one)
        digest = hashlib.sha256(blob).hexdigest()
        sample = self._create_empty_sample()
        label = "prior sample" if t < 0 else f"generation {t}"
        shown = bar(n, label, "particle", self.progress)
        k = 0
        batch_accepted = 0
        try:
            while sample.n_accepted < n and k < max_eval:
                need = n - sample.n_accepted
                rate = 1.0 if all_accepted else max(self.rate, 1e-3)
                size = min(MAX_BATCH, max(math.ceil(1.2 * need / rate), 2 * self.executor.workers))
                size = math.ceil(size / EVALS_PER_TASK) * EVALS_PER_TASK
                seeds = evaluation_seeds(self.master_seed, t, k, size)
                tasks = [
                    (digest, blob, seeds[i : i + EVALS_PER_TASK])
                    for i in range(0, size, EVALS_PER_TASK)
                ]
                results = [p for part in self.executor.map(evaluate, tasks) for p in part]
                before = sample.n_accepted
                for j, particle in enumerate(results):
                    if sample.n_accepted >= n or k >= max_eval:
                        self.discarded_ += len(results) - j
                        break
                    sample.append(particle)
                    k += 1
                batch_accepted = sample.n_accepted - before
                if shown is not None:
                    shown.update(batch_accepted)
        finally:
            if shown is not None:
                shown.close()
        self.nr_evaluations_ = k
        if not all_accepted and k:
            self.rate = max(sample.n_accepted / k, 1e-3)
        if sample.n_accepted < n:
            sample.ok = False
        return sample
