"""What an unfinished ensemble folder must be before it is continued, beyond its blocks' SHA-256.

A block's SHA-256 (``results.integrity``) says the bytes are those written; it cannot say
that they are what this command would write. These checks can: the folder's identity
(``run_identity``: the scenario's digest, seed, runs, format, posterior, code) against the
command's, the manifest written at the start against that identity, the seed of the first
run of every block against the seed spawned for it, and, in a comparison, each scenario's
folder against the scenario of that name. ``--resume`` refuses a folder that fails, and
``verify`` reports it as damaged.
"""

from __future__ import annotations

import json
from pathlib import Path

from model.config.schema import Scenario, scenario_digest
from model.ensemble.memory import RunSeeds
from model.results.contract import MANIFEST, PROGRESS
from model.results.integrity import sha256_file
from model.results.lifecycle import unfinished_manifest
from model.results.provenance import code_digest


def run_identity(
    sc: Scenario, runs: int, master_seed: int, fmt: str, posterior, seeds_per_draw: int, block: int
) -> dict:
    """What one scenario's ensemble folder depends on (its ``progress.json`` identity).

    Args:
        sc: The scenario.
        runs: Its runs.
        master_seed: The master seed.
        fmt: The daily table's format.
        posterior: The ``PosteriorSet`` runs draw from, or None.
        seeds_per_draw: Runs per draw, with a posterior.
        block: Runs per block written.
    """
    return {
        "scenario_sha256": scenario_digest(sc),
        "master_seed": int(master_seed),
        "runs": int(runs),
        "format": fmt,
        "posterior_sha256": None if posterior is None else posterior.digest,
        "seeds_per_draw": int(seeds_per_draw) if posterior is not None else 1,
        "block_runs": int(block),
        "code_sha256": code_digest(),
    }


def run_problems(folder: Path, state: dict) -> list[str]:
    """What makes an unfinished scenario folder other than its identity says (none: [])."""
    ident = state.get("identity") or {}
    man = unfinished_manifest(folder)
    if man is None:
        # Killed between making the folder and writing its manifest: nothing to continue.
        return [] if not state.get("blocks") else [f"{MANIFEST} missing or unreadable"]
    problems = []
    post = (man.get("posterior") or {}).get("sha256")
    for what, written, recorded in (
        ("scenario_sha256", man.get("scenario_sha256"), ident.get("scenario_sha256")),
        ("master_seed", man.get("master_seed"), ident.get("master_seed")),
        ("runs", man.get("runs"), ident.get("runs")),
        ("posterior", post, ident.get("posterior_sha256")),
    ):
        if written != recorded:
            problems.append(
                f"{MANIFEST} gives {what} {written}, {PROGRESS} {recorded}: one was changed"
            )
    if problems:
        return problems
    return _seed_problems(folder, state, int(ident["master_seed"]))


def _seed_problems(folder: Path, state: dict, master_seed: int) -> list[str]:
    """Each block's first run must carry the seed spawned for it from the master seed."""
    if not state.get("blocks"):
        return []
    seeds = RunSeeds(master_seed, int(state.get("identity", {}).get("runs", 0)))
    start, run = 0, 0
    try:
        with open(folder / "runs.csv", "rb") as f:
            for k, block in enumerate(state.get("blocks", [])):
                f.seek(start)
                if k == 0:
                    f.readline()  # the header
                fields = f.readline().decode("utf-8").split(",")
                got_run, got_seed = int(fields[0]), int(fields[1])
                if got_run != run or got_seed != seeds[run]:
                    return [
                        f"runs.csv block {k + 1}: run {got_run} has seed {got_seed}, not the "
                        f"seed spawned for run {run} from master seed {master_seed}"
                    ]
                start, run = int(block["end"]["runs.csv"]), run + int(block["runs"])
    except (OSError, ValueError, IndexError, KeyError, TypeError):
        return ["runs.csv unreadable where progress.json records a block"]
    return []


def compare_problems(folder: Path, state: dict) -> list[str]:
    """What makes an unfinished comparison other than its identity says (none: [])."""
    ident = state.get("identity") or {}
    names, digests = ident.get("names", []), ident.get("scenarios", [])
    finished = state.get("finished", [])
    recorded = state.get("finished_sha256", {})
    problems = []
    for name, digest in zip(names, digests, strict=False):
        sub = folder / name
        if name in finished:
            if sha256_file(sub / MANIFEST) != recorded.get(name):
                problems.append(f"{name}/{MANIFEST} is not the one written when {name} finished")
                continue
            man = json.loads((sub / MANIFEST).read_text(encoding="utf-8"))
        elif (sub / PROGRESS).is_file():
            sub_state = json.loads((sub / PROGRESS).read_text(encoding="utf-8"))
            man = sub_state.get("identity") or {}
            problems += [f"{name}/{p}" for p in run_problems(sub, sub_state)]
        else:
            continue
        if man.get("scenario_sha256") != digest:
            problems.append(f"{name}/ holds another scenario's results than {name}'s (SHA-256)")
        for key in ("master_seed", "runs"):
            if man.get(key) != ident.get(key):
                problems.append(
                    f"{name}/ has {key} {man.get(key)}, the comparison {ident.get(key)}"
                )
    return problems


def problems(folder: Path) -> list[str]:
    """What makes an unfinished ``run`` or ``compare`` folder inconsistent (none: [])."""
    try:
        state = json.loads((Path(folder) / PROGRESS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []  # the integrity check says so
    try:
        if state.get("kind") == "compare":
            return compare_problems(Path(folder), state)
        if state.get("kind") == "run":
            return run_problems(Path(folder), state)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return [f"{PROGRESS} or a manifest malformed"]
    return []
