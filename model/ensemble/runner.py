"""Ensembles: seeds spawned from one master seed, run by an executor, written into folders.

A run is a pure function of (scenario, seed). An ensemble is a ``RunPlan``: every run's
seed spawned from one master seed, made as runs start; executors only decide where runs
happen, never what they produce. A results folder goes through the one lifecycle of
``results.lifecycle``: written under a hidden name by one writer, block by block as runs
finish (so memory does not grow with the number of runs), sealed with a manifest that lists
every file's SHA-256 and renamed into place. A run stopped for any reason (an interrupt, a
full disk, workers that kept dying or hung) leaves its hidden folder marked ``INCOMPLETE``,
holding the complete blocks, with ``progress.json`` saying how far it got and each block's
SHA-256; ``resume_to_dir`` checks that it is what this command would write, and finishes it.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model.analysis import summary as summ
from model.config.runs import DEFAULT_SEED
from model.config.schema import Scenario, scenario_digest
from model.ensemble.checks import run_identity, run_problems
from model.ensemble.executors import Executor, ExecutorSpec
from model.ensemble.memory import RunPlan, run_seeds  # noqa: F401 - run_seeds re-exported
from model.ensemble.posterior import PosteriorSet, load_posterior
from model.ensemble.progress import track
from model.errors import OptionError, ResultsError
from model.results.blocks import BlockWriter, new_progress
from model.results.contract import FORMATS, MANIFEST
from model.results.files import new_results_dir, write_json
from model.results.lifecycle import ResultsFolder
from model.results.provenance import code_digest, manifest
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


@dataclass(frozen=True)
class Job:
    """How a command runs its ensembles: the settings it carries down to every run.

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
        fmt: Format of the daily table (``csv`` or ``parquet``).
    """

    master_seed: int = DEFAULT_SEED
    executor: ExecutorSpec = ExecutorSpec()
    out: str | None = None
    argv: Sequence[str] | None = None
    progress: bool = True
    draw_run: Callable[[Path], object] | None = None
    draw_comparison: Callable[[Path], object] | None = None
    posterior: PosteriorSet | None = None
    seeds_per_draw: int = 1
    fmt: str = "csv"

    def plan(self, runs: int) -> RunPlan:
        """The runs of an ensemble of ``runs`` runs under these settings."""
        return RunPlan(int(self.master_seed), int(runs), self.posterior, self.seeds_per_draw)

    def draw_numbers(self, runs: int) -> np.ndarray | None:
        """Per run, the number of the posterior draw it uses (``run // seeds_per_draw``)."""
        return self.plan(runs).draw_numbers()

    def command_line(self) -> list[str]:
        """The command line recorded with the results."""
        return list(self.argv) if self.argv is not None else list(sys.argv)

    def recorded(self) -> dict:
        """What an unfinished folder records to find its posterior again on resume."""
        folder = None if self.posterior is None else str(self.posterior.folder)
        return {"posterior_folder": folder}

    def study_folder(self, kind: str, final: Path, sc: Scenario, **identity):
        """The lifecycle of a study's folder (``validation``...), which is not resumable.

        A study holds its runs in memory and writes its files once, at the end: the folder
        is written under its hidden name by one writer, and interrupted, keeps nothing.

        Args:
            kind: The study.
            final: Its folder.
            sc: Its scenario.
            **identity: What else its results depend on (runs...).
        """
        ident = {"scenario_sha256": scenario_digest(sc), "master_seed": int(self.master_seed)}
        ident |= {**identity, "code_sha256": code_digest()}
        return ResultsFolder.create(kind, final, ident, self.command_line(), resumable=False)

    def identity(self, sc: Scenario, runs: int) -> dict:
        """What one scenario's ensemble folder written with these settings depends on."""
        return run_identity(
            sc, runs, self.master_seed, self.fmt, self.posterior, self.seeds_per_draw, WRITE_CHUNK
        )


def stream_runs(
    folder: Path, compiled: Compiled, plan: RunPlan, executor: Executor, state: dict, label=None
) -> dict:
    """Run the ensemble into ``folder`` block by block, continuing ``state``; write its summary.

    Args:
        folder: The (hidden) scenario folder; its ``manifest.json`` is written by the caller.
        compiled: The compiled scenario.
        plan: The runs.
        executor: Where runs happen.
        state: The folder's progress (``BlockWriter``): new, or that of an interrupted one.
        label: Show a progress bar with this label; None: none.

    Returns:
        The summary written to ``summary.json``.
    """
    writer = BlockWriter(folder, state, resume=True)
    done = writer.runs_done
    try:
        results = plan.results(compiled, executor, start=done)
        shown = track(results, plan.runs, label or "", label is not None, initial=done)
        for block in _blocks(shown, writer.block_runs):
            tables = build_tables(compiled, block, writer.runs_done)
            writer.append(tables, summ.documented_counts(tables.runs, tables.events))
    except BaseException:
        writer.discard_partial()  # the folder keeps complete blocks only
        raise
    runs = pd.read_csv(folder / "runs.csv")
    runs.attrs["capital"] = compiled.names[compiled.capital]
    summary = summ.summarize(runs, None, compiled.names, writer.state["counts"])
    write_json(folder / "summary.json", summary)
    return summary


@dataclass
class EnsembleTables:
    """One scenario's ensemble held in memory: its tables and their summary."""

    scenario: Scenario
    path: str
    compiled: Compiled
    tables: Tables
    summary: dict
    master_seed: int
    runs: int


def run_ensemble(sc: Scenario, scenario_path: str, runs: int, job: Job) -> EnsembleTables:
    """Run one scenario's ensemble in memory (seeds spawned from ``job.master_seed``).

    For ensembles too large for memory, ``run_scenario_to_dir`` writes blocks as they finish.
    """
    compiled = compile_scenario(sc)
    with job.executor.start(runs) as ex:
        results = list(track(job.plan(runs).results(compiled, ex), runs, sc.name, job.progress))
    tables = build_tables(compiled, results)
    summary = summ.summarize(tables.runs, tables.events, compiled.names)
    return EnsembleTables(sc, str(scenario_path), compiled, tables, summary, job.master_seed, runs)


def ensemble_into(
    folder: Path,
    sc: Scenario,
    scenario_path: str,
    runs: int,
    job: Job,
    executor: Executor,
    state: dict,
) -> tuple[Compiled, dict]:
    """Write (or continue) one scenario's full results contract in the existing ``folder``.

    The manifest is written first (without its file list, added when the folder is
    sealed); a folder continued keeps its own.
    """
    compiled = compile_scenario(sc)
    if not (folder / MANIFEST).is_file():
        doc = manifest(sc, scenario_path, job.master_seed, runs, job.argv)
        if job.posterior is not None:
            doc["posterior"] = {**job.posterior.manifest(), "seeds_per_draw": job.seeds_per_draw}
        write_json(folder / MANIFEST, doc)
    label = sc.name if job.progress else None
    summary = stream_runs(folder, compiled, job.plan(runs), executor, state, label)
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


def run_scenario_to_dir(sc: Scenario, scenario_path: str, runs: int, job: Job) -> tuple[Path, dict]:
    """Run an ensemble and write its results folder, block by block, under a hidden name.

    On success the folder is sealed and renamed into place. Stopped for any reason (Ctrl-C
    or SIGTERM, a full disk, a vanished folder, workers that kept dying or hung) it stays
    under its hidden name, marked ``INCOMPLETE`` and holding its complete blocks, for
    ``resume_to_dir``.

    Returns:
        The results folder and the summary.

    Raises:
        Interrupted: The ensemble was interrupted; the folder is kept.
        Stopped: The environment failed; the folder is kept where it could be.
    """
    check_format(job.fmt)
    final = new_results_dir(sc.name, job.out)
    # A scheduler that cannot be reached, or another writer, fails before any file.
    with (
        job.executor.start(runs) as ex,
        ResultsFolder.create(
            "run",
            final,
            job.identity(sc, runs),
            job.command_line(),
            {"seed": int(job.master_seed)},
            state={**new_progress(job.fmt, WRITE_CHUNK), **job.recorded()},
        ) as folder,
    ):
        _, summary = ensemble_into(folder.path, sc, scenario_path, runs, job, ex, folder.state)
        folder.publish()
    return final, summary


def given_identity(sc: Scenario, given: dict) -> dict:
    """The identity entries a resume checks: the scenario and code always, options if given."""
    return {"scenario_sha256": scenario_digest(sc), "code_sha256": code_digest(), **given}


def posterior_of(state: dict, hidden: str, job: Job) -> Job:
    """``job`` with the posterior an unfinished folder was started with (loaded and checked).

    Given on the command line, it must be that one; else it is read from where the folder's
    ``progress.json`` recorded it (an absolute path).

    Raises:
        OptionError: The posterior differs, or is gone.
    """
    ident = state["identity"]
    want = ident.get("posterior_sha256")
    if want is None:
        if job.posterior is not None:
            raise OptionError("posterior", str(job.posterior.folder), "the resumed folder "
                              f"{hidden} was started without a posterior")  # fmt: skip
        return job
    post = job.posterior or load_posterior(state.get("posterior_folder") or "")
    if post.digest != want:
        raise OptionError("resume", hidden, "the posterior changed since these runs started")
    return dataclasses.replace(job, posterior=post, seeds_per_draw=ident["seeds_per_draw"])


def resume_to_dir(
    sc: Scenario, scenario_path: str, hidden: str, job: Job, given: dict | None = None
) -> tuple[Path, dict]:
    """Finish an interrupted ensemble and rename its folder into place.

    The folder must be what this command would write: the same scenario (SHA-256 of the
    resolved scenario), the same code, and the ``master_seed``, ``runs``, ``format`` and
    posterior in ``given`` (None: not given, the folder's are kept); its manifest must agree
    with its progress record and every block's first run must carry its own seed. Runs start
    again after the last block recorded in ``progress.json``, with the block size recorded
    there, so the files end up identical to those of an uninterrupted run, in every format.

    Args:
        sc: The scenario.
        scenario_path: Its file.
        hidden: The hidden folder to finish.
        job: Where and how to run (executor, progress, drawing; the seed and format come
            from the folder).
        given: Identity entries given on the command line (``master_seed``, ``runs``,
            ``format``, ``posterior_sha256``).

    Returns:
        The results folder and the summary.

    Raises:
        ModelError: The folder is not an unfinished ensemble, or does not match.
        Interrupted: Interrupted again; the folder is still resumable.
    """
    with ResultsFolder.reopen(hidden, "run", given_identity(sc, given or {})) as folder:
        ident = folder.identity
        problems = run_problems(folder.path, folder.state)
        if problems:
            raise ResultsError(f"{hidden}: cannot resume, it is not what it says it is "
                               f"({'; '.join(problems[:3])})")  # fmt: skip
        check_format(ident["format"])
        job = posterior_of(folder.state, hidden, job)
        job = dataclasses.replace(job, master_seed=ident["master_seed"], fmt=ident["format"])
        runs = int(ident["runs"])
        with job.executor.start(runs - int(folder.state["runs_done"])) as ex:
            _, summary = ensemble_into(folder.path, sc, scenario_path, runs, job, ex, folder.state)
            folder.publish()
    return folder.final, summary
