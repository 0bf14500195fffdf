"""``calibrate``: every value a scenario marks calibrated, set from the calibration observations.

The one calibration pipeline. Every parameter whose assumption begins with "calibrated" must
have a range under ``uncertain:``; the reference table draws them all from those ranges,
the rejection ABC of ``infer`` accepts the runs nearest the calibration observations (and
them only: the held-out ones play no part), and each calibrated value starts at its
posterior mean (the nearest whole number where the parameter takes whole numbers). A
seeded search within the posterior's central 90 % then looks for the point whose runs fit
the calibration observations best, and keeps it only if it beats the mean on fresh seeds
(``refine``: a mean of 43 parameters is a value no accepted run had). The values go
to the calibration file the scenario names (``calibration: calibration/baseline.yaml``),
with what made them: the command, the seed and settings, the reference table, the
observations' SHA-256 and the code version. The same command on the same table writes the
same values (tested), and the loader sets them in the scenario.

A point estimate is what a scenario file holds; the posterior around it is ``infer``'s,
and ``run --posterior`` carries it into any ensemble.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import yaml

from model.config.calibration import KEY
from model.config.loader import load_scenario, read_yaml
from model.config.observations import DEFAULT_PATH, load_observations
from model.config.schema import Scenario
from model.config.uncertain import Ranges, calibrated_names, current_values
from model.errors import ModelError, OptionError, ScenarioError
from model.results.provenance import code_digest
from model.studies import abc, refine
from model.studies.infer import Settings, calibration, posterior_of
from model.studies.reference_folder import DEFAULT_RUNS, file_digest, reference_record, table_for

if TYPE_CHECKING:
    from model.ensemble.runner import Job

METHOD = (
    "posterior mean of each calibrated parameter (rejection ABC on the reference table), "
    "then the seeded search of model.studies.refine near it, if it fits better on fresh seeds"
)
DIGITS = 4  # decimals kept: the values are read and reviewed by people


def require_ranges(sc: Scenario, scenario_path: str | Path) -> list[str]:
    """The calibrated parameters, each checked to have a range under ``uncertain:``.

    Raises:
        ScenarioError: One marked calibrated without a range (no command could set it).
    """
    names = calibrated_names(sc)
    for name in names:
        if name not in sc.uncertain:
            raise ScenarioError(
                str(scenario_path), name, "marked calibrated but has no range under "
                "uncertain:, so no command can set it; give it a range, or a source"
            )  # fmt: skip
    if not names:
        raise ScenarioError(str(scenario_path), "calibrated", "no parameter is marked calibrated")
    return names


def point(post: abc.Posterior, names: list[str], ranges: Ranges) -> dict[str, float | int]:
    """Each parameter's posterior mean, whole where it takes whole numbers."""
    out: dict[str, float | int] = {}
    for name in names:
        j = ranges.names.index(name)
        x = float(np.sum(post.weights * post.values[:, j]))
        out[name] = int(round(x)) if ranges.whole[j] else round(float(x), DIGITS)
    return out


def calibration_path(scenario_path: str | Path) -> Path:
    """The calibration file the scenario file names under ``calibration:``.

    Raises:
        ScenarioError: It names none.
    """
    data = read_yaml(Path(scenario_path))
    named = data.get(KEY)
    if not isinstance(named, str):
        raise ScenarioError(str(scenario_path), KEY, "names no calibration file; give --out")
    return Path(scenario_path).parent / named


def current_file(scenario_path: str | Path) -> Path | None:
    """The calibration file the scenario names, if it names one and it exists."""
    try:
        path = calibration_path(scenario_path)
    except ScenarioError:
        return None
    return path if path.is_file() else None


def _commit() -> str | None:
    root = Path(__file__).resolve().parents[2]
    try:
        res = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                             text=True, check=True, timeout=10)  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return res.stdout.strip() or None


def calibration_text(sc, scenario_path, values, made_by) -> str:
    """The calibration file's YAML."""
    doc = {"scenario": Path(scenario_path).name, "values": values, "made_by": made_by}
    head = (
        f"# The values {Path(scenario_path).name} marks calibrated, written by\n"
        f"#   {made_by['command']}\n"
        "# from the calibration observations only. Do not edit by hand: run the command again\n"
        "# (docs/studies.md, 'calibrate'). The loader sets these values in the scenario.\n"
    )
    return head + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)


def _refuse_existing(path: Path, replace: bool) -> None:
    if path.exists() and not replace:
        raise OptionError("out", str(path), "exists; give --replace to write the new calibration "
                          "over it")  # fmt: skip


def _write(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically (a reader sees the old file or the new)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def calibrate_to_file(
    sc: Scenario,
    scenario_path: str,
    job: Job,
    settings: Settings,
    reference: str | Path | None = None,
    runs: int = DEFAULT_RUNS,
    observations_path: str | Path = DEFAULT_PATH,
    out: str | Path | None = None,
    replace: bool = False,
    trials: int = refine.TRIALS,
) -> tuple[Path, str]:
    """Set every calibrated value from the calibration observations; write the calibration file.

    Args:
        sc: The scenario, read without its calibration file the first time.
        scenario_path: Its file (the calibration file it names is the default target).
        job: The executor and the command line recorded.
        settings: The inference's settings (seeds, ess, scale, seed).
        reference: The reference table's folder (None: make one, published beside).
        runs: Rows of a table made here.
        observations_path: The documented observations.
        out: The file to write instead of the one the scenario names.
        replace: Write over an existing file.
        trials: Points the search near the posterior mean scores (0: write the mean).

    Returns:
        The file written and the report (each value before and after, with its range).
    """
    names = require_ranges(sc, scenario_path)
    target = Path(out) if out is not None else calibration_path(scenario_path)
    _refuse_existing(target, replace)  # before anything runs
    observations = load_observations(observations_path)
    ids = calibration(observations)
    if not ids:
        raise ModelError(f"{observations_path}: no 'role: calibration' observations")
    ref, table = table_for(sc, scenario_path, job, reference, runs, observations_path)
    post = posterior_of(table, ids, settings)
    values = point(post, names, table.ranges)
    used = [o for o in observations if o.id in set(post.statistics.ids)]
    whole = [table.ranges.whole[table.ranges.names.index(n)] for n in names]
    with job.executor.start(max(trials * refine.RUNS, refine.CHECK_RUNS)) as ex:
        values, found = refine.search(sc, used, post, names, whole, values, ex,
                                      settings.seed, trials=trials, digits=DIGITS)  # fmt: skip
    argv = job.command_line()
    made_by = {
        "command": " ".join(argv),
        "method": METHOD,
        "settings": asdict(settings),
        "reference": {k: v for k, v in reference_record(ref, table).items() if k != "folder"}
        | {
            "folder": Path(ref).name,
            "command": " ".join(table.info.get("command_line", [])),
        },  # fmt: skip
        "observations_file": Path(observations_path).name,
        "observations_sha256": file_digest(observations_path),
        "observations_used": list(post.statistics.ids),
        "effective_sample_size": post.ess,
        "search": found.record(),
        "code_sha256": code_digest(),
        "git_commit": _commit(),
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    _write(target, calibration_text(sc, scenario_path, values, made_by))
    load_scenario(scenario_path)  # the scenario reads the file it names
    old = current_values(sc, names)
    lines = [f"Scenario {sc.name}: {len(names)} calibrated values from {len(post.statistics.ids)} "
             f"calibration observations, {len(post.weights)} accepted runs of "
             f"{len(table.rows):,}", "",
             f"{'parameter':<46s}{'before':>10s}{'after':>10s}   range"]  # fmt: skip
    for name in names:
        r = sc.uncertain[name]
        lines.append(f"{name:<46s}{old[name]:10.4g}{values[name]:10.4g}   [{r.low:g}, {r.high:g}]")
    moved = np.mean([abs(values[n] - old[n]) / (sc.uncertain[n].high - sc.uncertain[n].low)
                     for n in names])  # fmt: skip
    lines.append(f"\nmean change: {moved:.0%} of a range")
    if trials:
        lines.append(f"mean day distance to the calibration observations ({found.check_runs} "
                     f"fresh runs): posterior mean {found.mean_loss:.3f}, search's best "
                     f"{found.best_loss:.3f} ({found.trials} points x {found.runs} runs); "
                     f"written: the {found.chosen}")  # fmt: skip
    return target, "\n".join(lines)
