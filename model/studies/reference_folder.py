"""The reference table's results folder: written in chunks, resumable, sealed, then read.

``python -m model reference SCENARIO --runs 50000`` goes through the one lifecycle of
``results.lifecycle``: under a hidden name, one writer, each chunk of ``CHUNK`` rows written
atomically (``rows-<first row>.npz``) with its SHA-256 in ``progress.json``, so an
interrupted table keeps its chunks and ``--resume`` makes only the rows still missing (each
row depends on the seed and its number alone: the table is the one an uninterrupted build
writes). Published, the folder holds ``reference.npz`` (every row) and ``reference.json``
(what the table depends on, its observations and parameters, how long it took).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from model.config.observations import DEFAULT_PATH, Observation, load_observations
from model.config.schema import Scenario
from model.config.uncertain import Ranges
from model.errors import ResultsError
from model.results.contract import MANIFEST
from model.results.integrity import is_read, require_intact, sha256_file
from model.results.provenance import code_digest, provenance
from model.studies.reference import OUTCOMES, make_rows, prior_digest, simulation_digest
from model.studies.table import Table

if TYPE_CHECKING:
    from model.ensemble.runner import Job

KIND = "reference"
CHUNK = 2000  # rows per chunk file: what an interruption can lose, at most
ROWS, INFO = "reference.npz", "reference.json"
DEFAULT_RUNS = 50_000


def file_digest(path: str | Path) -> str:
    """SHA-256 of a file's bytes."""
    return sha256_file(Path(path))


def identity(sc: Scenario, runs: int, seed: int, observations_path: str | Path) -> dict:
    """What a table depends on (checked by ``--resume`` and by every reader)."""
    return {
        "prior_sha256": prior_digest(sc),
        "simulation_sha256": simulation_digest(),
        "observations_sha256": file_digest(observations_path),
        "priors": Ranges.of(sc).document(),
        "master_seed": int(seed),
        "runs": int(runs),
        "code_sha256": code_digest(),
    }


def _save_npz(path: Path, **arrays) -> None:
    """Write arrays to ``path`` atomically (a reader sees the whole file or none)."""
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_bytes(buf.getvalue())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise


def reference_to_dir(
    sc: Scenario,
    scenario_path: str,
    runs: int,
    job: Job,
    observations_path: str | Path = DEFAULT_PATH,
    resume: str | None = None,
    given: dict | None = None,
) -> tuple[Path, Table]:
    """Make the reference table of ``sc`` and write its folder, or finish an interrupted one.

    Args:
        sc: The scenario; its ``uncertain:`` ranges are the priors.
        scenario_path: Its file.
        runs: Rows (of a new table).
        job: Seed, executor, output folder, command line.
        observations_path: The documented observations (every one is a column).
        resume: An interrupted table's hidden folder.
        given: With ``resume``, the identity entries given on the command line.

    Returns:
        The published folder and the table.
    """
    from model.ensemble.progress import bar
    from model.results.files import new_results_dir
    from model.results.lifecycle import ResultsFolder, study_manifest

    Ranges.of(sc, scenario_path)  # no uncertain: one error line before anything runs
    observations = load_observations(observations_path)
    ident = identity(sc, runs, job.master_seed, observations_path)
    if resume is None:
        final = new_results_dir(f"{sc.name}-reference", job.out)
        lifecycle = ResultsFolder.create(
            KIND, final, ident, job.command_line(), {"seed": job.master_seed},
            state={"runs_done": 0, "chunks": [], "wall_time_s": 0.0, "cpu_time_s": 0.0,
                   "load_average": []},
        )  # fmt: skip
    else:
        fixed = (
            "prior_sha256",
            "simulation_sha256",
            "observations_sha256",
            "priors",
            "code_sha256",
        )
        lifecycle = ResultsFolder.reopen(resume, KIND, {k: ident[k] for k in fixed} | (given or {}))
    with lifecycle as folder:
        runs, seed = int(folder.identity["runs"]), int(folder.identity["master_seed"])
        state = folder.state
        for c in state["chunks"]:
            if sha256_file(folder.path / c["file"]) != c["sha256"]:
                raise ResultsError(f"{folder.path}: cannot resume, {c['file']} changed since "
                                   "it was written")  # fmt: skip
        shown = bar(runs, f"{sc.name} reference table", "run", job.progress)
        if shown is not None:
            shown.update(state["runs_done"])
        with job.executor.start(runs) as ex:
            while state["runs_done"] < runs:
                start = state["runs_done"]
                count = min(CHUNK, runs - start)
                began = time.perf_counter()
                values, seeds, days, outs, cpu = make_rows(sc, observations, seed, start, count, ex)
                name = f"rows-{start:09d}.npz"
                _save_npz(folder.path / name, values=values, seeds=seeds, days=days,
                          outcomes=outs)  # fmt: skip
                state["chunks"].append({"file": name, "start": start, "rows": count,
                                        "sha256": sha256_file(folder.path / name)})  # fmt: skip
                state["runs_done"] = start + count
                state["wall_time_s"] += time.perf_counter() - began
                state["cpu_time_s"] += cpu
                state["load_average"].append(round(os.getloadavg()[0], 2))
                folder.save()
                if shown is not None:
                    shown.update(count)
        if shown is not None:
            shown.close()
        parts = [np.load(folder.path / c["file"]) for c in state["chunks"]]
        arrays = {k: np.concatenate([p[k] for p in parts]) for k in ("values", "seeds", "days",
                                                                        "outcomes")}  # fmt: skip
        _save_npz(folder.path / ROWS, **arrays)
        for c in state["chunks"]:
            (folder.path / c["file"]).unlink()
        doc = {
            **provenance(sc, scenario_path, job.argv),
            "identity": folder.identity,
            "observations_file": str(observations_path),
            "observations": [json.loads(o.model_dump_json()) for o in observations],
            "parameters": list(sc.uncertain),
            "outcomes": list(OUTCOMES),
            "start_date": sc.start_date.isoformat(),
            "horizon": sc.horizon_days.value,
            "time": {
                "wall_s": round(state["wall_time_s"], 1),
                "workers_cpu_s": round(state["cpu_time_s"], 1),
                "workers": job.executor.workers,
                "load_average_1min": state["load_average"],
            },
        }
        (folder.path / INFO).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        folder.publish(study_manifest(KIND))
    return folder.final, load_reference(folder.final)


def load_reference(
    folder: str | Path, sc: Scenario | None = None, observations_path: str | Path | None = None
) -> Table:
    """Read a sealed reference folder, checked against its manifest (and ``sc``, the file).

    Raises:
        ResultsError: Not a reference folder sealed by ``reference``, a file changed, or the
            table was made from another scenario than ``sc`` (its rules, fixed values or
            ``uncertain:`` ranges differ) or from another observations file.
    """
    folder = Path(os.path.abspath(folder))
    try:
        kind = json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("kind")
    except (OSError, ValueError, AttributeError):
        kind = None
    if kind != KIND:
        raise ResultsError(f"{folder}: not a reference table sealed by python -m model "
                           "reference; it is not used")  # fmt: skip
    require_intact(folder, is_read)
    doc = json.loads((folder / INFO).read_text(encoding="utf-8"))
    if sc is not None and doc["identity"]["prior_sha256"] != prior_digest(sc):
        raise ResultsError(
            f"{folder}: made from another scenario than {sc.name} (its rules, fixed values or "
            "uncertain: ranges differ); make a new table with python -m model reference"
        )
    if doc["identity"].get("simulation_sha256") != simulation_digest():
        raise ResultsError(
            f"{folder}: made by another version of the simulation (SHA-256 of model/sim, "
            "model/config and the rows' code differs); make a new table with python -m model "
            "reference"
        )
    if observations_path is not None and doc["identity"]["observations_sha256"] != file_digest(
        observations_path
    ):
        raise ResultsError(
            f"{folder}: made from another observations file than {observations_path}; make a "
            "new table with python -m model reference"
        )
    ranges = Ranges.of(sc) if sc is not None else _ranges(doc)
    with np.load(folder / ROWS) as z:
        days = z["days"].astype(float)
        days[days < 0] = np.nan
        return Table(
            ranges,
            [Observation.model_validate_json(json.dumps(o)) for o in doc["observations"]],
            np.arange(len(days)),
            z["values"],
            z["seeds"],
            days,
            z["outcomes"],
            int(doc["horizon"]),
            dt.date.fromisoformat(doc["start_date"]),
            doc,
        )


def _ranges(doc: dict) -> Ranges:
    pri = doc["identity"]["priors"]
    names = tuple(pri)
    return Ranges(names, np.array([pri[n]["low"] for n in names]),
                  np.array([pri[n]["high"] for n in names]),
                  tuple(bool(pri[n]["whole"]) for n in names))  # fmt: skip


def table_for(
    sc: Scenario,
    scenario_path: str,
    job: Job,
    reference: str | Path | None,
    runs: int = DEFAULT_RUNS,
    observations_path: str | Path = DEFAULT_PATH,
) -> tuple[Path, Table]:
    """The reference table a study reads: the folder given (checked), or a new one made now.

    A new table is published in a folder of its own (``results/<scenario>-reference/...``),
    named on stderr, so that the next study reuses it with ``--reference``.
    """
    import dataclasses
    import sys

    if reference is not None:
        return Path(reference), load_reference(reference, sc, observations_path)
    print(f"making a reference table of {runs} runs (give --reference DIR to reuse one)",
          file=sys.stderr)  # fmt: skip
    made = dataclasses.replace(job, out=None)
    folder, table = reference_to_dir(sc, scenario_path, runs, made, observations_path)
    print(f"reference table written to {folder}", file=sys.stderr)
    return folder, table


def reference_record(folder: Path, table: Table) -> dict:
    """What a study's results record of the table they were read from."""
    return {
        "folder": str(Path(os.path.abspath(folder))),
        "sha256": file_digest(Path(folder) / ROWS),
        "runs": int(len(table.rows)),
        "master_seed": table.info.get("identity", {}).get("master_seed"),
        "time": table.info.get("time"),
    }
