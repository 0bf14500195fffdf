"""Ensembles over the posterior: run ``i`` uses a parameter set drawn from an ``infer`` folder.

``run``, ``compare``, ``validate`` and ``ablate`` with ``--posterior DIR`` draw, for run
``i``, the parameter set ``draw_ids(...)[i]``: a weighted resample of the posterior's
particles seeded from the master seed alone, so that run ``i`` of every scenario of a
comparison uses the same draw and (as always) the same seed, and differences stay paired.
With ``seeds_per_draw = K`` runs ``K*g .. K*g + K - 1`` share draw ``g``.

A draw is applied as ``calibrate`` and ``sensitivity`` apply parameter values: set in the
scenario's data, validated and compiled. What a scenario file sets itself overrides the
draw: a parameter whose value in the scenario differs from its value in the scenario the
posterior was inferred from (``scenario_values`` in ``posterior.json``) keeps the
scenario's value; pinned decisions and interventions are not parameters and are untouched.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model.config.paths import set_in
from model.config.schema import Scenario, iter_params, scenario_digest
from model.ensemble.executors import CHUNK, Executor, simulate_task
from model.errors import ResultsError, ScenarioError
from model.results.contract import MANIFEST
from model.results.integrity import is_read, require_intact
from model.sim.outputs import RunResult

DRAW_TAG = 0x4452  # the draws' stream, apart from the runs' seeds (SeedSequence entropy)
WEIGHT_TOLERANCE = 1e-6


@dataclass(frozen=True)
class PosteriorSet:
    """A posterior folder, loaded.

    Attributes:
        folder: Where it was read from.
        names: Dotted parameter names.
        values: Particles x parameters.
        weights: One per particle, summing to 1.
        scenario_values: The inferred scenario's own values of the parameters.
        digest: SHA-256 of ``posterior.csv`` and ``posterior.json`` (for the manifest).
    """

    folder: Path
    names: tuple[str, ...]
    values: np.ndarray
    weights: np.ndarray
    scenario_values: dict[str, float]
    digest: str

    def manifest(self) -> dict:
        """What a results manifest records about the posterior used."""
        return {"folder": str(self.folder), "sha256": self.digest, "particles": len(self.weights)}


def load_posterior(folder: str | Path) -> PosteriorSet:
    """Read ``posterior.csv`` and ``posterior.json`` of an ``infer`` folder, checked first.

    The folder must be as ``infer`` sealed it: every file it reads is checked against the
    SHA-256 in its ``manifest.json``, so an edited posterior is refused, never used.

    Raises:
        ScenarioError: A file is missing or a field is wrong (names the file and field).
        ResultsError: The folder is not sealed by ``infer``, or a file changed since.
    """
    folder = Path(os.path.abspath(folder))  # recorded in manifests: a resume may run elsewhere
    csv, js = folder / "posterior.csv", folder / "posterior.json"
    for f in (csv, js):
        if not f.is_file():
            raise ScenarioError(str(f), "file", "not found; give a folder written by infer")
    _require_sealed(folder)
    try:
        doc = json.loads(js.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ScenarioError(str(js), "json", str(exc)) from None
    names = tuple(doc.get("priors", {}))
    if not names:
        raise ScenarioError(str(js), "priors", "no parameters listed")
    table = pd.read_csv(csv)
    for col in (*names, "weight"):
        if col not in table:
            raise ScenarioError(str(csv), col, "column missing")
    w = table["weight"].to_numpy(float)
    if not np.all(np.isfinite(w)) or (w < 0).any() or abs(w.sum() - 1.0) > WEIGHT_TOLERANCE:
        raise ScenarioError(str(csv), "weight", "weights must be non-negative and sum to 1")
    digest = hashlib.sha256(csv.read_bytes() + js.read_bytes()).hexdigest()
    return PosteriorSet(
        folder,
        names,
        table[list(names)].to_numpy(float),
        w / w.sum(),
        {k: float(v) for k, v in doc.get("scenario_values", {}).items()},
        digest,
    )


_DRAW_BLOCK = 1 << 16  # draws made at a time: memory stays flat however many runs


def iter_draw_ids(
    post: PosteriorSet, n_runs: int, master_seed: int, seeds_per_draw: int = 1, start: int = 0
) -> Iterator[int]:
    """Per run from ``start``, the index of the posterior particle it uses, made as needed.

    A seeded weighted resample: draw ``g`` is the ``g``-th of
    ``rng.choice(particles, replace=True, p=weights)`` (the generator's uniforms against the
    weights' cumulative sum, as numpy's ``choice`` does), made a block at a time; runs
    ``K*g .. K*g + K - 1`` use draw ``g``.
    """
    k = max(int(seeds_per_draw), 1)
    rng = np.random.default_rng(np.random.SeedSequence([int(master_seed), DRAW_TAG]))
    cdf = np.asarray(post.weights, dtype=float).cumsum()
    cdf /= cdf[-1]
    draws = math.ceil(n_runs / k)
    first = start // k
    g = 0
    while g < draws:
        m = min(_DRAW_BLOCK, draws - g)
        uniform = rng.random(m)  # drawn even when skipped: later draws must not move
        if g + m > first:
            picks = cdf.searchsorted(uniform, side="right")
            for j in range(max(first - g, 0), m):
                runs = range(max((g + j) * k, start), min((g + j + 1) * k, n_runs))
                yield from (int(picks[j]) for _ in runs)
        g += m


def _require_sealed(folder: Path) -> None:
    """Refuse a posterior folder that ``infer`` did not seal, or that changed since."""
    try:
        kind = json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("kind")
    except (OSError, ValueError, AttributeError):
        kind = None
    if kind != "posterior":
        raise ResultsError(
            f"{folder}: not a posterior folder sealed by infer ({MANIFEST} missing or of "
            "another kind); its files cannot be checked, so it is not used"
        )
    require_intact(folder, is_read)


def draw_ids(
    post: PosteriorSet, n_runs: int, master_seed: int, seeds_per_draw: int = 1
) -> np.ndarray:
    """Per run, the index of the posterior particle it uses (a seeded weighted resample)."""
    ids = iter_draw_ids(post, n_runs, master_seed, seeds_per_draw)
    return np.fromiter(ids, dtype=np.int64, count=int(n_runs))


def draw_numbers(n_runs: int, seeds_per_draw: int = 1) -> np.ndarray:
    """Per run, the number of the draw it belongs to (``run // seeds_per_draw``).

    Not the particle: a particle drawn twice in a row is two draws. This is what
    ``model.analysis.posterior_compare`` groups the paired differences by.
    """
    return np.arange(int(n_runs)) // max(int(seeds_per_draw), 1)


def draws_for_runs(
    posterior_dir: str | Path, n_runs: int, master_seed: int, seeds_per_draw: int = 1
) -> list[dict[str, float]]:
    """Per run, the parameter values drawn for it (see the module docstring)."""
    post = load_posterior(posterior_dir)
    ids = draw_ids(post, n_runs, master_seed, seeds_per_draw)
    return [dict(zip(post.names, post.values[i].tolist(), strict=True)) for i in ids]


def overridden(sc: Scenario, post: PosteriorSet) -> list[str]:
    """The posterior's parameters the scenario sets to a value of its own (kept, not drawn)."""
    params = dict(iter_params(sc))
    out = []
    for name in post.names:
        if name not in params:
            raise ScenarioError(
                sc.name, name, "in the posterior but not a parameter of the scenario"
            )
        own = post.scenario_values.get(name)
        if own is not None and not math.isclose(float(params[name].value), own, rel_tol=1e-12):
            out.append(name)
    return out


def scenario_with_draw(sc: Scenario, post: PosteriorSet, values: dict[str, float]) -> dict:
    """The scenario's data with a draw's values set, except those the scenario overrides."""
    params = dict(iter_params(sc))
    keep = set(overridden(sc, post))
    data = copy.deepcopy(sc.model_dump())
    for name, x in values.items():
        if name in keep:
            continue
        whole = isinstance(params[name].value, int)
        set_in(data, f"{name}.value", int(round(x)) if whole else float(x))
    return data


def iter_posterior_tasks(
    sc: Scenario, post: PosteriorSet, seeds: Iterable[int], ids: Iterable[int]
) -> Iterator[tuple[str, dict, list[int]]]:
    """Executor tasks in run order, made as they are asked for.

    Consecutive runs with the same draw share one task, of at most ``CHUNK`` runs.

    Args:
        sc: The scenario.
        post: The posterior.
        seeds: Every run's seed, in run order (``RunSeeds``), unchanged.
        ids: Every run's particle index (``iter_draw_ids``).
    """
    base = scenario_digest(sc)
    cache: dict[int, tuple[str, dict]] = {}  # at most one entry per particle
    task: tuple[str, dict, list[int]] | None = None
    last = None
    for seed, i in zip(seeds, ids, strict=True):
        i = int(i)
        if task is not None and i == last and len(task[2]) < CHUNK:
            task[2].append(int(seed))
            continue
        if task is not None:
            yield task
        if i not in cache:
            values = dict(zip(post.names, post.values[i].tolist(), strict=True))
            data = scenario_with_draw(sc, post, values)
            key = hashlib.sha256(f"{base}:{post.digest}:{i}".encode()).hexdigest()
            cache[i] = (key, data)
        task = (*cache[i], [int(seed)])
        last = i
    if task is not None:
        yield task


def posterior_tasks(
    sc: Scenario, post: PosteriorSet, seeds: Sequence[int], ids: Sequence[int]
) -> list[tuple[str, dict, list[int]]]:
    """Every task of ``iter_posterior_tasks``, as a list."""
    return list(iter_posterior_tasks(sc, post, seeds, ids))


def iter_posterior_runs(
    sc: Scenario,
    post: PosteriorSet,
    seeds: Sequence[int],
    master_seed: int,
    executor: Executor,
    seeds_per_draw: int = 1,
) -> Iterator[RunResult]:
    """Yield the runs of an ensemble over the posterior, in seed order."""
    ids = iter_draw_ids(post, len(seeds), master_seed, seeds_per_draw)
    for batch in executor.map(simulate_task, iter_posterior_tasks(sc, post, seeds, ids)):
        yield from batch
