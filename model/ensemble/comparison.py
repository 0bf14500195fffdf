"""Comparisons: several scenarios run with the same seeds into one folder."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from model.config.schema import Scenario, scenario_digest
from model.ensemble.memory import comparison_table, unique_names
from model.ensemble.runner import (
    Job,
    check_format,
    ensemble_into,
    finish_folder,
    runs_done,
    start_hidden,
    stopped,
)
from model.errors import OptionError
from model.results.blocks import new_progress
from model.results.contract import FORMAT_VERSION, INCOMPLETE, MANIFEST, PROGRESS
from model.results.files import new_results_dir, sole_writer, write_json, write_json_atomic
from model.results.integrity import require_intact, seal
from model.results.provenance import package_versions
from model.sim.compiled import Compiled, compile_scenario


def compare_to_dir(
    scenarios: Sequence[tuple[Scenario, str]],
    runs: int,
    job: Job,
    fmt: str = "csv",
    resume: str | None = None,
) -> tuple[Path, pd.DataFrame]:
    """Run every scenario with the same seeds and write one comparison folder.

    The first scenario is the base. Each scenario's results (same contract as ``run``) go
    into a subfolder, written block by block; ``comparison.csv``/``.json``, the overlaid
    plots and ``report.html`` sit at the top. The folder is written under a hidden name and
    renamed into place when sealed. Stopped for any reason, it is kept, marked
    ``INCOMPLETE``, with each finished scenario and the complete blocks of the one being
    written; ``resume`` (that folder, with the same scenarios, runs, seed and format)
    finishes it, giving the same files as an uninterrupted comparison.

    Returns:
        The folder and the comparison table.

    Raises:
        OptionError: ``resume`` is not an unfinished comparison of these arguments.
        Interrupted: Interrupted; the folder is kept.
        Stopped: The environment failed; the folder is kept where it could be.
    """
    check_format(fmt)
    names = unique_names([sc.name for sc, _ in scenarios])
    digests = [scenario_digest(sc) for sc, _ in scenarios]
    if resume is not None:
        tmp = Path(resume)
        state = _resumable(tmp, digests, runs, int(job.master_seed), fmt)
        post = None if job.posterior is None else job.posterior.digest
        if (state.get("posterior_sha256"), state.get("seeds_per_draw", 1)) != (
            post,
            job.seeds_per_draw,
        ):
            raise OptionError(
                "posterior", post, "differs from the posterior (or --seeds-per-draw) the "
                "resumed comparison was started with"
            )  # fmt: skip
        final = tmp.parent / state["final"]
    else:
        final = new_results_dir("compare", job.out)
    with job.executor.start(runs) as ex, sole_writer(final, "out" if resume is None else "resume"):
        if resume is None:
            paths = " ".join(str(p) for _, p in scenarios)
            tmp = start_hidden(final, f"python -m model compare {paths} --runs {runs} "
                               f"--seed {job.master_seed} --resume")  # fmt: skip
            state = {
                "kind": "compare",
                "final": final.name,
                "names": names,
                "scenario_sha256": digests,
                "runs": runs,
                "master_seed": int(job.master_seed),
                "format": fmt,
                "posterior_sha256": None if job.posterior is None else job.posterior.digest,
                "seeds_per_draw": job.seeds_per_draw,
                "finished": [],
            }
        try:
            if resume is None:
                write_json_atomic(tmp / PROGRESS, state)
            compiled = [
                _scenario_into(tmp, name, sc, path, runs, job, ex, state, fmt)
                for name, (sc, path) in zip(names, scenarios, strict=True)
            ]
            table = _write_comparison(tmp, names, scenarios, compiled, runs, job)
            finish_folder(tmp, final)
        except BaseException as exc:
            raise stopped(exc, tmp, lambda: _how_far(tmp, state, runs)) from None
    return final, table


def _resumable(tmp: Path, digests: list[str], runs: int, seed: int, fmt: str) -> dict:
    """The progress of an unfinished comparison, checked against the arguments given."""
    if not (tmp / INCOMPLETE).is_file() or not (tmp / PROGRESS).is_file():
        raise OptionError(
            "resume", str(tmp), f"not an unfinished comparison ({INCOMPLETE} or {PROGRESS} missing)"
        )
    try:
        state = json.loads((tmp / PROGRESS).read_text(encoding="utf-8"))
        was = (state["scenario_sha256"], int(state["runs"]), int(state["master_seed"]))
        fmt_was = state["format"]
        state["final"], state["finished"], state["names"]  # noqa: B018 - must be present
    except (OSError, ValueError, KeyError, TypeError):
        raise OptionError(
            "resume", str(tmp), f"{PROGRESS} unreadable or not a comparison's"
        ) from None
    if state.get("kind") != "compare":
        raise OptionError(
            "resume", str(tmp), "an unfinished run, not a comparison: resume it with run"
        )
    if list(was[0]) != digests:
        raise OptionError(
            "resume", str(tmp), "the scenarios differ from those this comparison was started with "
            "(give the same files, in the same order; SHA-256 of the resolved scenarios)"
        )  # fmt: skip
    for option, given, had in (
        ("runs", runs, was[1]),
        ("seed", seed, was[2]),
        ("format", fmt, fmt_was),
    ):
        if given != had:
            raise OptionError(option, given, f"differs from {had} in the resumed comparison {tmp}")
    return state


def _scenario_into(
    tmp: Path, name: str, sc: Scenario, path: str, runs: int, job: Job, ex, state: dict, fmt: str
) -> Compiled:
    """Write (or finish, or check) one scenario's subfolder of an unfinished comparison."""
    sub = tmp / name
    if name in state["finished"]:
        require_intact(sub)  # a finished scenario is used as written, so it must be intact
        return compile_scenario(sc)
    resume = (sub / PROGRESS).is_file() and (sub / MANIFEST).is_file()
    if not resume:
        shutil.rmtree(sub, ignore_errors=True)  # started but no block recorded: start again
        sub.mkdir()
        write_json_atomic(sub / PROGRESS, new_progress(fmt))
    sub_state = json.loads((sub / PROGRESS).read_text(encoding="utf-8"))
    c, _ = ensemble_into(sub, sc, path, runs, job, ex, sub_state, resume=resume)
    seal(sub, exclude=(PROGRESS,))
    (sub / PROGRESS).unlink()
    state["finished"].append(name)
    write_json_atomic(tmp / PROGRESS, state)
    return c


def _how_far(tmp: Path, state: dict, runs: int) -> str:
    done = len(state["finished"])
    text = f"{done} of {len(state['names'])} scenarios"
    if done < len(state["names"]):
        current = state["names"][done]
        text += f" (and {runs_done(tmp / current)} of {runs} runs of {current})"
    return text


def _pins(folder: Path) -> dict:
    """A scenario's pins' shares, from the summary in its folder."""
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    return {k: summary.get(k, {}) for k in ("pins_applied", "pins_came_up")}


def _write_comparison(tmp: Path, names, scenarios, compiled, runs: int, job: Job) -> pd.DataFrame:
    """The comparison's own files at the top of its folder; returns the table."""
    from model.analysis import compare

    base_sc = scenarios[0][0]
    runs_tables = [pd.read_csv(tmp / name / "runs.csv") for name in names]
    table = comparison_table(names, runs_tables, compiled, job.draw_numbers(runs))
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
