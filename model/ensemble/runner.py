"""Ensembles: seeds spawned from one master seed, run by an executor, written into folders.

A run is a pure function of (scenario, seed). An ensemble is a list of seeds spawned from one
master seed; executors only decide where runs happen, never what they produce. Results are
written into a hidden temporary folder, block by block as runs finish (so memory does not
grow with the number of runs), and renamed into place at the end, so a folder that exists
under ``results/`` is always complete, with a manifest that lists every file's SHA-256.
A run stopped for any reason (an interrupt, a full disk, workers that kept dying) leaves its
hidden folder marked ``INCOMPLETE``, holding the complete blocks, with ``progress.json``
saying how far it got and each block's SHA-256; ``resume_to_dir`` checks and finishes it.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model.analysis import summary as summ
from model.config.schema import Scenario, scenario_digest
from model.ensemble.executors import Executor, ExecutorSpec
from model.ensemble.memory import run_seeds, runs_from
from model.ensemble.posterior import PosteriorSet, draw_numbers
from model.ensemble.progress import track
from model.errors import (
    Interrupted,
    ModelError,
    OptionError,
    Stopped,
    WorkerLost,
    describe_os_error,
)
from model.results.blocks import BlockWriter, new_progress
from model.results.contract import FORMATS, INCOMPLETE, MANIFEST, PROGRESS
from model.results.files import (
    hidden_dir,
    new_results_dir,
    publish,
    sole_writer,
    write_json,
    write_json_atomic,
)
from model.results.integrity import seal
from model.results.provenance import manifest
from model.results.tables import Tables, build_tables
from model.sim.compiled import Compiled, compile_scenario
from model.sim.outputs import RunResult

WRITE_CHUNK = 200  # runs per block written to disk: bounds memory, amortises pandas calls


def _blocks(it: Iterator[RunResult], size: int) -> Iterator[list[RunResult]]:
    block: list[RunResult] = []
    for r in it:
        block.append(r)
        if len(block) == size:
            yield block
            block = []
    if block:
        yield block


def stream_runs(
    folder: Path,
    compiled: Compiled,
    seeds: Sequence[int],
    executor: Executor,
    state: dict,
    resume: bool = False,
    label: str = "",
    progress: bool = False,
    posterior: PosteriorSet | None = None,
    master_seed: int = 0,
    seeds_per_draw: int = 1,
) -> dict:
    """Run the ensemble into ``folder`` block by block and write its summary.

    Args:
        folder: The (temporary) results folder; ``manifest.json`` is written by the caller.
        compiled: The compiled scenario.
        seeds: Every run's seed, in order.
        executor: Where runs happen.
        state: See ``BlockWriter``.
        resume: Continue an interrupted folder from ``state``.
        label: Progress bar label.
        progress: Show a progress bar.
        posterior: Draw each run's parameters from it (see ``runs_from``).
        master_seed: The seed the draws are spawned from, with a posterior.
        seeds_per_draw: Consecutive runs sharing one draw, with a posterior.

    Returns:
        The summary written to ``summary.json``.
    """
    writer = BlockWriter(folder, state, resume)
    done = writer.runs_done
    try:
        results = runs_from(
            compiled, seeds, executor, posterior, master_seed, seeds_per_draw, start=done
        )
        shown = track(results, len(seeds), label, progress, initial=done)
        for block in _blocks(shown, WRITE_CHUNK):
            tables = build_tables(compiled, block, writer.runs_done)
            writer.append(tables, summ.documented_counts(tables.runs, tables.events))
    except BaseException:
        with contextlib.suppress(Exception):
            writer.close()
        writer.discard_partial()  # the folder keeps complete blocks only
        raise
    writer.close()
    runs = pd.read_csv(folder / "runs.csv")
    runs.attrs["capital"] = compiled.names[compiled.capital]
    summary = summ.summarize(runs, None, compiled.names, writer.state["counts"])
    write_json(folder / "summary.json", summary)
    return summary


@dataclass(frozen=True)
class Job:
    """How a command runs its ensembles, as given on the command line.

    Attributes:
        master_seed: The runs' seeds are spawned from it; the same for every scenario.
        executor: Where runs happen.
        out: An explicit results folder (or file, for ``calibrate``); else a new one under
            ``results/``.
        argv: The command line, recorded with the results.
        progress: Show a progress bar.
        draw_run: Draws the plots of one scenario's folder, before the folder is published
            (the ensemble layer draws nothing itself).
        draw_comparison: Draws the plots and report of a comparison folder, likewise.
        posterior: Run ``i`` uses a parameter set drawn from this posterior (``infer``'s
            folder), the same draw for run ``i`` of every scenario; None: the scenario's own
            values.
        seeds_per_draw: Consecutive runs sharing one posterior draw.
    """

    master_seed: int
    executor: ExecutorSpec = ExecutorSpec()
    out: str | None = None
    argv: Sequence[str] | None = None
    progress: bool = True
    draw_run: Callable[[Path], object] | None = None
    draw_comparison: Callable[[Path], object] | None = None
    posterior: PosteriorSet | None = None
    seeds_per_draw: int = 1

    def draw_numbers(self, runs: int) -> np.ndarray | None:
        """Per run, the number of the posterior draw it uses (``run // seeds_per_draw``)."""
        if self.posterior is None:
            return None
        return draw_numbers(runs, self.seeds_per_draw)


@dataclass
class Ensemble:
    """One scenario's ensemble, in memory: the tables and their summary."""

    scenario: Scenario
    path: str
    compiled: Compiled
    tables: Tables
    summary: dict
    master_seed: int
    runs: int


def run_ensemble(sc: Scenario, scenario_path: str, runs: int, job: Job) -> Ensemble:
    """Run one scenario's ensemble in memory (seeds spawned from ``job.master_seed``).

    For ensembles too large for memory, ``run_scenario_to_dir`` writes blocks as they finish.
    """
    compiled = compile_scenario(sc)
    seeds = run_seeds(job.master_seed, runs)
    with job.executor.start(runs) as ex:
        results = runs_from(compiled, seeds, ex, job.posterior, job.master_seed, job.seeds_per_draw)
        results = list(track(results, runs, sc.name, job.progress))
    tables = build_tables(compiled, results)
    summary = summ.summarize(tables.runs, tables.events, compiled.names)
    return Ensemble(sc, str(scenario_path), compiled, tables, summary, job.master_seed, runs)


def ensemble_into(
    folder: Path,
    sc: Scenario,
    scenario_path: str,
    runs: int,
    job: Job,
    executor: Executor,
    state: dict,
    resume: bool = False,
) -> tuple[Compiled, dict]:
    """Write one scenario's full results contract into the existing ``folder``.

    The manifest is written first (without its file list, added when the folder is
    sealed); with ``resume``, the folder's own manifest and ``state`` are continued.
    """
    compiled = compile_scenario(sc)
    if not resume:
        doc = manifest(sc, scenario_path, job.master_seed, runs, job.argv)
        if job.posterior is not None:
            doc["posterior"] = {**job.posterior.manifest(), "seeds_per_draw": job.seeds_per_draw}
        write_json(folder / MANIFEST, doc)
    seeds = run_seeds(job.master_seed, runs)
    summary = stream_runs(
        folder, compiled, seeds, executor, state, resume, sc.name, job.progress,
        job.posterior, job.master_seed, job.seeds_per_draw,
    )  # fmt: skip
    if job.draw_run is not None:
        job.draw_run(folder)
    return compiled, summary


def _posterior_of(man: dict, folder: str) -> tuple[PosteriorSet | None, int]:
    """The posterior a resumed folder was started with, checked against its digest."""
    from model.ensemble.posterior import load_posterior

    rec = man.get("posterior")
    if not rec:
        return None, 1
    post = load_posterior(rec["folder"])
    if post.digest != rec["sha256"]:
        raise OptionError(
            "resume", folder, f"the posterior {rec['folder']} changed since this run started"
        )
    return post, int(rec.get("seeds_per_draw", 1))


def check_format(fmt: str) -> None:
    """Refuse an unknown daily-table format, or Parquet without pyarrow.

    Raises:
        OptionError: The format cannot be written.
    """
    if fmt not in FORMATS:
        raise OptionError("format", fmt, f"unknown; valid: {', '.join(FORMATS)}")
    if fmt == "parquet":
        try:
            import pyarrow.parquet  # noqa: F401
        except ImportError:
            raise OptionError(
                "format",
                "parquet",
                "pyarrow is not installed; install it with: pip install -e '.[parquet]'",
            ) from None


def run_scenario_to_dir(
    sc: Scenario,
    scenario_path: str,
    runs: int,
    job: Job,
    fmt: str = "csv",
) -> tuple[Path, dict]:
    """Run an ensemble and write its results folder, block by block, under a hidden name.

    On success the folder is sealed and renamed into place. Stopped for any reason (Ctrl-C
    or SIGTERM, a full disk, a vanished folder, workers that kept dying) it stays under its
    hidden name, marked ``INCOMPLETE`` and holding its complete blocks, for ``resume_to_dir``.

    Returns:
        The results folder and the summary.

    Raises:
        Interrupted: The ensemble was interrupted; the folder is kept.
        Stopped: The environment failed; the folder is kept where it could be.
    """
    check_format(fmt)
    final = new_results_dir(sc.name, job.out)
    # A scheduler that cannot be reached, or another writer, fails before any file.
    with job.executor.start(runs) as ex, sole_writer(final):
        tmp = start_hidden(final, f"python -m model run {scenario_path} --resume")
        state = new_progress(fmt, final.name)
        try:
            write_json_atomic(tmp / PROGRESS, state)
            _, summary = ensemble_into(tmp, sc, scenario_path, runs, job, ex, state)
            finish_folder(tmp, final)
        except BaseException as exc:
            raise stopped(exc, tmp, lambda: f"{runs_done(tmp)} of {runs} runs") from None
    return final, summary


def start_hidden(final: Path, resume_hint: str) -> Path:
    """Create the hidden folder that ``final`` is written in, marked ``INCOMPLETE``.

    Raises:
        Stopped: The folder cannot be created (nothing is left behind).
    """
    tmp = hidden_dir(final)
    try:
        tmp.mkdir()
        (tmp / INCOMPLETE).write_text(
            "This folder holds unfinished results; progress.json says how far they got.\n"
            f"Finish them with: {resume_hint} {tmp}\n",
            encoding="utf-8",
        )
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise Stopped(f"cannot create the results folder: {describe_os_error(exc)}") from None
    return tmp


def runs_done(folder: Path) -> int:
    """Runs completely written into an unfinished folder, as its ``progress.json`` says."""
    try:
        return int(json.loads((folder / PROGRESS).read_text(encoding="utf-8"))["runs_done"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def stopped(exc: BaseException, tmp: Path, how_far: Callable[[], str]) -> BaseException:
    """The error to raise for an ensemble writing into ``tmp`` that ``exc`` stopped.

    What was written is kept: an interrupt, an environment failure and workers that kept
    dying become one line naming the kept folder (the command line adds how to resume it);
    the package's own errors keep their message; anything else, a fault in this program,
    keeps its traceback, with a note saying where the unfinished results are.

    Args:
        exc: What stopped the ensemble.
        tmp: The unfinished folder.
        how_far: Says how far the ensemble got ("80 of 100 runs"), read when needed.
    """
    if isinstance(exc, Stopped):
        return exc
    if not isinstance(exc, (KeyboardInterrupt, OSError, WorkerLost)):
        if isinstance(exc, ModelError):
            return exc
        if isinstance(exc, Exception):
            exc.add_note(f"The unfinished results are kept in {tmp} (marked {INCOMPLETE}).")
        return exc
    if not (tmp / INCOMPLETE).is_file():
        what = describe_os_error(exc) if isinstance(exc, OSError) else str(exc) or "interrupted"
        return Stopped(f"{what}; the unfinished folder {tmp} is gone, nothing can be resumed")
    kept = f"the unfinished results are kept in {tmp} (marked {INCOMPLETE})"
    if isinstance(exc, KeyboardInterrupt):
        return Interrupted(f"interrupted after {how_far()}; {kept}", folder=tmp)
    what = describe_os_error(exc) if isinstance(exc, OSError) else str(exc)
    return Stopped(f"{what}; stopped after {how_far()}; {kept}", folder=tmp)


def finish_folder(tmp: Path, final: Path) -> None:
    """Seal a finished folder (its manifest lists every file) and rename it into place.

    The unfinished markers go only once the manifest is written, so that a failure while
    sealing leaves the folder resumable.
    """
    seal(tmp, exclude=(PROGRESS, INCOMPLETE))
    (tmp / PROGRESS).unlink(missing_ok=True)
    (tmp / INCOMPLETE).unlink(missing_ok=True)
    publish(tmp, final)


def resume_to_dir(
    sc: Scenario,
    scenario_path: str,
    folder: str,
    runs: int | None = None,
    master_seed: int | None = None,
    progress: bool = True,
    executor: ExecutorSpec | None = None,
    fmt: str | None = None,
    draw_run: Callable[[Path], object] | None = None,
) -> tuple[Path, dict]:
    """Finish an interrupted ensemble and rename its folder into place.

    The scenario must be the one the folder was started with (same SHA-256 of the resolved
    scenario); ``runs``, ``master_seed`` and ``fmt``, when given, must match too. Runs start
    again after the last block recorded in ``progress.json``, so the files end up identical
    to those of an uninterrupted run.

    Returns:
        The results folder and the summary.

    Raises:
        ModelError: The folder is not an unfinished ensemble, or does not match.
        Interrupted: Interrupted again; the folder is still resumable.
    """
    tmp = Path(folder)
    if not (tmp / INCOMPLETE).is_file() or not (tmp / PROGRESS).is_file():
        raise OptionError(
            "resume",
            folder,
            f"not an unfinished results folder ({INCOMPLETE} or {PROGRESS} missing)",
        )
    try:
        man = json.loads((tmp / MANIFEST).read_text(encoding="utf-8"))
        state = json.loads((tmp / PROGRESS).read_text(encoding="utf-8"))
        want = (man["scenario_sha256"], int(man["master_seed"]), int(man["runs"]))
        fmt_was, final = state["format"], tmp.parent / state["final"]
    except (OSError, ValueError, KeyError, TypeError):
        raise OptionError("resume", folder, f"manifest.json or {PROGRESS} unreadable") from None
    digest, seed, total = want
    if scenario_digest(sc) != digest:
        raise OptionError(
            "resume",
            folder,
            f"{scenario_path} is not the scenario this folder was started with (SHA-256 differs)",
        )
    for option, given, was in (
        ("seed", master_seed, seed),
        ("runs", runs, total),
        ("format", fmt, fmt_was),
    ):
        if given is not None and given != was:
            raise OptionError(option, given, f"differs from {was} in the resumed folder {folder}")
    check_format(fmt_was)
    spec = executor or ExecutorSpec("process", 1)
    compiled = compile_scenario(sc)
    seeds = run_seeds(seed, total)
    post, per_draw = _posterior_of(man, folder)
    with spec.start(total - int(state["runs_done"])) as ex, sole_writer(final, "resume"):
        try:
            summary = stream_runs(
                tmp, compiled, seeds, ex, state, True, sc.name, progress, post, seed, per_draw
            )
            if draw_run is not None:
                draw_run(tmp)
            finish_folder(tmp, final)
        except BaseException as exc:
            raise stopped(exc, tmp, lambda: f"{runs_done(tmp)} of {total} runs") from None
    return final, summary
