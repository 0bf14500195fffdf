"""Ensembles: seeds spawned from one master seed, run by an executor, written into folders.

A run is a pure function of (scenario, seed). An ensemble is a list of seeds spawned from one
master seed; executors only decide where runs happen, never what they produce. Results are
written into a hidden temporary folder, block by block as runs finish (so memory does not
grow with the number of runs), and renamed into place at the end, so a folder that exists
under ``results/`` is always complete. An interrupted run leaves its hidden folder marked
``INCOMPLETE``, with ``progress.json`` saying how far it got; ``resume_to_dir`` finishes it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from model.analysis import summary as summ
from model.config.schema import Scenario, scenario_digest
from model.ensemble.executors import Executor, ExecutorSpec
from model.ensemble.memory import iter_runs, run_seeds
from model.ensemble.progress import track
from model.errors import Interrupted, ModelError, OptionError
from model.results.blocks import BlockWriter, new_progress
from model.results.contract import FORMATS, INCOMPLETE, PROGRESS
from model.results.files import (
    hidden_dir,
    new_results_dir,
    publish,
    write_json,
    write_json_atomic,
)
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

    Returns:
        The summary written to ``summary.json``.
    """
    writer = BlockWriter(folder, state, resume)
    done = writer.runs_done
    try:
        results = iter_runs(compiled, seeds[done:], executor=executor)
        shown = track(results, len(seeds), label, progress, initial=done)
        for block in _blocks(shown, WRITE_CHUNK):
            tables = build_tables(compiled, block, writer.runs_done)
            writer.append(tables, summ.documented_counts(tables.runs, tables.events))
    finally:
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
    """

    master_seed: int
    executor: ExecutorSpec = ExecutorSpec()
    out: str | None = None
    argv: Sequence[str] | None = None
    progress: bool = True
    draw_run: Callable[[Path], object] | None = None
    draw_comparison: Callable[[Path], object] | None = None


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
        results = iter_runs(compiled, seeds, executor=ex)
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
) -> tuple[Compiled, dict]:
    """Write one scenario's full results contract into the existing ``folder``."""
    compiled = compile_scenario(sc)
    doc = manifest(sc, scenario_path, job.master_seed, runs, job.argv)
    write_json(folder / "manifest.json", doc)
    seeds = run_seeds(job.master_seed, runs)
    summary = stream_runs(folder, compiled, seeds, executor, state, False, sc.name, job.progress)
    if job.draw_run is not None:
        job.draw_run(folder)
    return compiled, summary


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

    On success the folder is renamed into place. On an interrupt (Ctrl-C, or SIGTERM turned
    into one by the CLI) it stays under its hidden name, marked ``INCOMPLETE``, for
    ``resume_to_dir``; on any other error it is removed.

    Returns:
        The results folder and the summary.

    Raises:
        Interrupted: The ensemble was interrupted; the message says how to resume it.
    """
    check_format(fmt)
    final = new_results_dir(sc.name, job.out)
    with job.executor.start(runs) as ex:  # a scheduler that cannot be reached fails before any file
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = hidden_dir(final)
        tmp.mkdir()
        (tmp / INCOMPLETE).write_text(
            "This folder holds an unfinished ensemble; progress.json says how far it got.\n"
            f"Finish it with: python -m model run {scenario_path} --resume {tmp}\n",
            encoding="utf-8",
        )
        state = new_progress(fmt, final.name)
        write_json_atomic(tmp / PROGRESS, state)
        try:
            _, summary = ensemble_into(tmp, sc, scenario_path, runs, job, ex, state)
        except KeyboardInterrupt:
            raise _interrupted(tmp, scenario_path, runs) from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    _finish_folder(tmp, final)
    return final, summary


def _interrupted(tmp: Path, scenario_path: str, runs: int) -> Interrupted:
    done = 0
    try:
        done = json.loads((tmp / PROGRESS).read_text(encoding="utf-8"))["runs_done"]
    except (OSError, ValueError, KeyError):
        pass
    return Interrupted(
        f"interrupted after {done} of {runs} runs; the unfinished results are kept in {tmp} "
        f"(marked {INCOMPLETE})",
        folder=tmp,
        scenario_path=scenario_path,
    )


def _finish_folder(tmp: Path, final: Path) -> None:
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
        man = json.loads((tmp / "manifest.json").read_text(encoding="utf-8"))
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
    if final.exists() and (not final.is_dir() or any(final.iterdir())):
        raise ModelError(f"{final}: exists and is not empty; results are never overwritten")
    spec = executor or ExecutorSpec("process", 1)
    compiled = compile_scenario(sc)
    seeds = run_seeds(seed, total)
    with spec.start(total - int(state["runs_done"])) as ex:
        try:
            summary = stream_runs(tmp, compiled, seeds, ex, state, True, sc.name, progress)
        except KeyboardInterrupt:
            raise _interrupted(tmp, scenario_path, total) from None
    if draw_run is not None:
        draw_run(tmp)
    _finish_folder(tmp, final)
    return final, summary
