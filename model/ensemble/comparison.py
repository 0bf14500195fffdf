"""Comparisons: several scenarios run with the same seeds into one folder."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from model.config.schema import Scenario, scenario_digest
from model.ensemble.checks import compare_problems, run_problems
from model.ensemble.memory import comparison_table, unique_names
from model.ensemble.runner import (
    WRITE_CHUNK,
    Job,
    check_format,
    ensemble_into,
    given_identity,
    posterior_of,
)
from model.errors import ResultsError
from model.results.blocks import new_progress
from model.results.contract import FORMAT_VERSION, MANIFEST, PROGRESS
from model.results.files import new_results_dir, write_json, write_json_atomic
from model.results.integrity import require_intact, seal, sha256_file
from model.results.lifecycle import ResultsFolder, describe
from model.results.provenance import package_versions
from model.sim.compiled import Compiled, compile_scenario


def _identity(scenarios: Sequence[tuple[Scenario, str]], runs: int, job: Job) -> dict:
    one = job.identity(scenarios[0][0], runs)
    del one["scenario_sha256"]
    return {
        "names": unique_names([sc.name for sc, _ in scenarios]),
        "scenarios": [scenario_digest(sc) for sc, _ in scenarios],
        **one,
    }


def compare_to_dir(
    scenarios: Sequence[tuple[Scenario, str]], runs: int, job: Job
) -> tuple[Path, pd.DataFrame]:
    """Run every scenario with the same seeds and write one comparison folder.

    The first scenario is the base. Each scenario's results (same contract as ``run``) go
    into a subfolder, written block by block; ``comparison.csv``/``.json``, the overlaid
    plots and ``report.html`` sit at the top. The folder is written under a hidden name and
    renamed into place when sealed. Stopped for any reason, it is kept, marked
    ``INCOMPLETE``, with each finished scenario and the complete blocks of the one being
    written; ``resume_compare`` finishes it, giving the same files as an uninterrupted
    comparison.

    Returns:
        The folder and the comparison table.

    Raises:
        Interrupted: Interrupted; the folder is kept.
        Stopped: The environment failed; the folder is kept where it could be.
    """
    check_format(job.fmt)
    final = new_results_dir("compare", job.out)
    with (
        job.executor.start(runs) as ex,
        ResultsFolder.create(
            "compare",
            final,
            _identity(scenarios, runs, job),
            job.command_line(),
            {"seed": int(job.master_seed), "runs": int(runs)},
            state={"finished": [], "finished_sha256": {}, **job.recorded()},
        ) as folder,
    ):
        folder.how_far = lambda: describe(folder.state, folder.path)
        table = _write_all(folder, scenarios, runs, job, ex)
    return final, table


def resume_compare(
    scenarios: Sequence[tuple[Scenario, str]], hidden: str, job: Job, given: dict | None = None
) -> tuple[Path, pd.DataFrame]:
    """Finish an interrupted comparison, once it is checked to be what this command writes.

    The scenarios (in the same order) must be those it was started with, and the code too;
    ``given`` holds the options given (``master_seed``, ``runs``, ``format``,
    ``posterior_sha256``; None: the folder's). Each finished scenario's folder must be the
    one recorded when it finished and hold that scenario's results; the one being written is
    checked as ``run --resume`` checks a folder.

    Raises:
        OptionError: Another comparison, or other options.
        ResultsError: A scenario's folder is not what the comparison recorded.
    """
    names = unique_names([sc.name for sc, _ in scenarios])
    expected = given_identity(scenarios[0][0], given or {})
    del expected["scenario_sha256"]
    expected |= {"names": names, "scenarios": [scenario_digest(sc) for sc, _ in scenarios]}
    with ResultsFolder.reopen(hidden, "compare", expected) as folder:
        folder.how_far = lambda: describe(folder.state, folder.path)
        problems = compare_problems(folder.path, folder.state)
        if problems:
            raise ResultsError(f"{hidden}: cannot resume, it is not what it says it is "
                               f"({'; '.join(problems[:3])})")  # fmt: skip
        ident = folder.identity
        check_format(ident["format"])
        job = posterior_of(folder.state, hidden, job)
        job = dataclasses.replace(job, master_seed=ident["master_seed"], fmt=ident["format"])
        runs = int(ident["runs"])
        with job.executor.start(runs) as ex:
            table = _write_all(folder, scenarios, runs, job, ex)
    return folder.final, table


def _write_all(folder: ResultsFolder, scenarios, runs: int, job: Job, ex) -> pd.DataFrame:
    names = folder.identity["names"]
    compiled = [
        _scenario_into(folder, name, sc, path, runs, job, ex)
        for name, (sc, path) in zip(names, scenarios, strict=True)
    ]
    table = _write_comparison(folder.path, names, scenarios, compiled, runs, job)
    folder.publish()
    return table


def _scenario_into(
    folder: ResultsFolder, name: str, sc: Scenario, path: str, runs: int, job: Job, ex
) -> Compiled:
    """Write (or finish, or check) one scenario's subfolder of an unfinished comparison."""
    sub = folder.path / name
    if name in folder.state["finished"]:
        require_intact(sub)  # a finished scenario is used as written, so it must be intact
        return compile_scenario(sc)
    if (sub / PROGRESS).is_file():
        sub_state = json.loads((sub / PROGRESS).read_text(encoding="utf-8"))
        if sub_state.get("identity") != job.identity(sc, runs):
            raise ResultsError(f"{folder.path}: cannot resume, {name}/ holds other results than "
                               f"{name}'s with these settings")  # fmt: skip
        problems = run_problems(sub, sub_state)
        if problems:
            raise ResultsError(f"{folder.path}: cannot resume, {name}/: {problems[0]}")
    else:
        shutil.rmtree(sub, ignore_errors=True)  # started, but no progress recorded: again
        sub.mkdir()
        sub_state = {**new_progress(job.fmt, WRITE_CHUNK), "identity": job.identity(sc, runs)}
        write_json_atomic(sub / PROGRESS, sub_state)
    c, _ = ensemble_into(sub, sc, path, runs, job, ex, sub_state)
    seal(sub, exclude=(PROGRESS,))
    (sub / PROGRESS).unlink()
    folder.state["finished"].append(name)
    folder.state["finished_sha256"][name] = sha256_file(sub / MANIFEST)
    folder.save()
    return c


def _pins(folder: Path) -> dict:
    """A scenario's pins' shares, from the summary in its folder."""
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    return {k: summary.get(k, {}) for k in ("pins_applied", "pins_came_up")}


def _write_comparison(tmp: Path, names, scenarios, compiled, runs: int, job: Job) -> pd.DataFrame:
    """The comparison's own files at the top of its folder; returns the table."""
    from model.analysis import compare

    base_sc = scenarios[0][0]
    runs_tables = [pd.read_csv(tmp / name / "runs.csv") for name in names]
    ess = None if job.posterior is None else job.posterior.ess
    table = comparison_table(names, runs_tables, compiled, job.draw_numbers(runs), ess)
    capital = compiled[0].names[compiled[0].capital]
    horizon = compiled[0].p.horizon_days
    entries = [
        {
            "name": name,
            "title": sc.title,
            "rationale": sc.rationale,
            "flips": sc.flips,
            "path": str(path),
            "folder": name,
            "scenario_sha256": scenario_digest(sc),
            "changes": compare.changes(base_sc, sc) if k else [],
            **_pins(tmp / name),
        }
        for k, (name, (sc, path)) in enumerate(zip(names, scenarios, strict=True))
    ]
    table.attrs["pins"] = compare.pins_of(entries)
    table.to_csv(tmp / "comparison.csv", index=False, float_format="%.6g")
    ranking = None
    if job.posterior is not None and len(names) > 2:
        ranking = compare.effect_ranking(
            names, runs_tables, capital, horizon, job.draw_numbers(runs)
        )
        ranking.to_csv(tmp / "ranking.csv", index=False, float_format="%.6g")
    doc = {
        "format_version": FORMAT_VERSION,
        "base": names[0],
        "capital": capital,
        "horizon_days": horizon,
        "runs": runs,
        "master_seed": int(job.master_seed),
        "posterior": None
        if job.posterior is None
        else {**job.posterior.manifest(), "seeds_per_draw": job.seeds_per_draw},
        "scenarios": entries,
        "table": json.loads(table.to_json(orient="records")),
        "ranking": None if ranking is None else json.loads(ranking.to_json(orient="records")),
        "command_line": list(job.argv) if job.argv is not None else sys.argv,
        "packages": package_versions(),
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    write_json(tmp / "comparison.json", doc)
    if job.draw_comparison is not None:
        job.draw_comparison(tmp)
    # The comparison's manifest: what it is, and (when sealed) every file under it.
    write_json(tmp / MANIFEST, {"format_version": FORMAT_VERSION, "kind": "compare",
                                "base": names[0], "scenarios": list(names)})  # fmt: skip
    return table
