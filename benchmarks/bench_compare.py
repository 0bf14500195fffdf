"""Time the current tree against another commit, side by side: per-run CPU time and end to end.

This script prints figures; it asserts nothing and is not part of the test suite. On a
shared machine absolute times drift from minute to minute, so both sides are measured in
interleaved rounds (A B, B A, A B, ...) and compared by the ratio of their best rounds.

    .venv/bin/python benchmarks/bench_compare.py 00cf6d2            # or: make bench-compare REF=00cf6d2
    .venv/bin/python benchmarks/bench_compare.py 00cf6d2 --rounds 9 --e2e-rounds 5
    .venv/bin/python benchmarks/bench_compare.py HEAD~3 --no-e2e

The commit ``REF`` is extracted with ``git archive`` into a temporary folder (the
repository, its worktrees and branches are left as they are). Each side runs in its own
Python process with its own tree first on ``sys.path`` and this virtual environment's
packages, so the two differ only by the project's code.

1. One run: in each round, a fresh process per side loads and compiles the scenario, makes
   five warm-up runs, then runs the same seeds (``--runs``, spawned from the master seed
   20241127 as the command line does) ``--passes`` times, in chunks of 20 seeds timed with
   ``time.process_time()``; each chunk's quickest pass counts (a slow spell of the machine
   lasts longer than a chunk). The figure per side is the minimum over rounds; the ratio is
   REF / current (above 1: the current tree is faster), with the median of the rounds' own
   ratios (each round times both sides one after the other) beside it. Each side also reports a digest of its results (metrics,
   holders, events, end states), printed so that a speed-up that changed a number shows.
2. End to end: ``python -m model run SCENARIO --runs 1000 --workers 2 --out TMP`` from
   start to exit (wall time, output to a fresh temporary folder, removed afterwards), in
   interleaved rounds; minimum and median per side, and their ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent  # the current tree's root

# Runs inside a child process whose working directory is the tree being timed.
CHILD = r"""
import hashlib, json, sys, time
import model
from model.config.loader import load_scenario
from model.ensemble.runner import run_seeds
from model.sim.compiled import compile_scenario
from model.sim.model import simulate

scenario, runs, master, passes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
compiled = compile_scenario(load_scenario(scenario))
seeds = run_seeds(master, runs)
for s in seeds[:5]:
    simulate(compiled, s)
# Each chunk of seeds is timed in every pass and its quickest pass kept: the machine's
# slow spells last seconds, and a chunk takes a fraction of one.
chunks = [seeds[i : i + 20] for i in range(0, len(seeds), 20)]
best = [float("inf")] * len(chunks)
for _ in range(passes):
    results = []
    for k, chunk in enumerate(chunks):
        t0 = time.process_time()
        results += [simulate(compiled, s) for s in chunk]
        best[k] = min(best[k], time.process_time() - t0)
cpu = sum(best)
h = hashlib.sha256()
for r in results:
    for a in (r.metrics, r.holders, r.fall_day):
        h.update(a.tobytes())
    h.update(repr((r.events, r.end_state, r.leader_exit_day)).encode())
print(json.dumps({"per_run": cpu / runs, "digest": h.hexdigest()[:16], "file": model.__file__}))
"""


def _env(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(root)  # ahead of the editable install of the current tree
    env.pop("PYTHONHASHSEED", None)
    return env


def extract(ref: str, into: Path) -> str:
    """Write the tree of commit ``ref`` into ``into``; return the full commit hash."""
    commit = subprocess.run(
        ["git", "rev-parse", "--verify", f"{ref}^{{commit}}"],
        cwd=HERE,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit], cwd=HERE, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return commit


def time_runs(root: Path, scenario: str, runs: int, master: int, passes: int) -> dict:
    """One round for one side: CPU seconds per run and the results' digest."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, scenario, str(runs), str(master), str(passes)],
        cwd=root,
        env=_env(root),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    answer = json.loads(out.strip().splitlines()[-1])
    if not Path(answer["file"]).resolve().is_relative_to(root.resolve()):
        raise RuntimeError(f"{root}: imported the package from {answer['file']}")
    return answer


def time_end_to_end(root: Path, scenario: str, runs: int, workers: int) -> float:
    """One round for one side: wall seconds of the ``run`` command, start to exit."""
    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as tmp:
        cmd = [
            sys.executable,
            "-m",
            "model",
            "run",
            scenario,
            "--runs",
            str(runs),
            "--workers",
            str(workers),
            "--out",
            str(Path(tmp) / "out"),
        ]
        t0 = time.perf_counter()
        subprocess.run(
            cmd,
            cwd=root,
            env=_env(root),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return time.perf_counter() - t0


def interleaved(rounds: int, sides: dict[str, Path], measure) -> dict[str, list]:
    """Measure each side once per round, alternating which goes first."""
    names = list(sides)
    got: dict[str, list] = {n: [] for n in names}
    for r in range(rounds):
        for n in names if r % 2 == 0 else names[::-1]:
            got[n].append(measure(sides[n]))
            print(".", end="", flush=True, file=sys.stderr)
    print(file=sys.stderr)
    return got


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ref", help="the commit to compare with (hash, tag or branch)")
    ap.add_argument("--scenario", default="scenarios/baseline.yaml", help="scenario file")
    ap.add_argument("--runs", type=int, default=200, help="runs per round (default 200)")
    ap.add_argument("--seed", type=int, default=20241127, help="master seed")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    ap.add_argument("--passes", type=int, default=3, help="passes over the seeds per round (3)")
    ap.add_argument("--e2e-runs", type=int, default=1000, help="runs of the command (1000)")
    ap.add_argument("--e2e-rounds", type=int, default=3, help="rounds of the command (3)")
    ap.add_argument("--workers", type=int, default=2, help="--workers of the command (2)")
    ap.add_argument("--no-e2e", action="store_true", help="skip the end-to-end timing")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-ref-") as tmp:
        ref_root = Path(tmp)
        commit = extract(args.ref, ref_root)
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "model"],
            cwd=HERE,
            capture_output=True,
            text=True,
        ).stdout.strip()
        sides = {"ref": ref_root, "current": HERE}
        print(f"ref      {args.ref} = {commit[:10]}")
        print(f"current  {HERE} at {head}{' + uncommitted changes' if dirty else ''}")
        print(
            f"machine  {platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}; load average {os.getloadavg()[0]:.2f} at start"
        )
        print()

        one = interleaved(
            args.rounds,
            sides,
            lambda root: time_runs(root, args.scenario, args.runs, args.seed, args.passes),
        )
        best = {n: min(a["per_run"] for a in one[n]) for n in sides}
        digests = {n: {a["digest"] for a in one[n]} for n in sides}
        print(
            f"one run of {args.scenario}: CPU time per run, minimum of {args.rounds} "
            f"interleaved rounds of {args.runs} runs (seeds from {args.seed})"
        )
        for n in sides:
            med = statistics.median(a["per_run"] for a in one[n])
            print(
                f"  {n:8s} min {best[n] * 1e3:7.3f} ms   median {med * 1e3:7.3f} ms   "
                f"results digest {', '.join(sorted(digests[n]))}"
            )
        same = "identical" if digests["ref"] == digests["current"] else "DIFFERENT"
        paired = statistics.median(
            a["per_run"] / b["per_run"] for a, b in zip(one["ref"], one["current"], strict=True)
        )
        print(
            f"  ratio ref / current: {best['ref'] / best['current']:.2f}x (minima), "
            f"{paired:.2f}x (median of the rounds' ratios)   (results {same})"
        )

        if not args.no_e2e:
            print()
            e2e = interleaved(
                args.e2e_rounds,
                sides,
                lambda root: time_end_to_end(root, args.scenario, args.e2e_runs, args.workers),
            )
            print(
                f"python -m model run {args.scenario} --runs {args.e2e_runs} --workers "
                f"{args.workers}: wall time, start to exit, {args.e2e_rounds} interleaved "
                "rounds"
            )
            for n in sides:
                print(
                    f"  {n:8s} min {min(e2e[n]):6.2f} s   median {statistics.median(e2e[n]):6.2f} s"
                )
            paired = statistics.median(
                a / b for a, b in zip(e2e["ref"], e2e["current"], strict=True)
            )
            print(
                f"  ratio ref / current: {min(e2e['ref']) / min(e2e['current']):.2f}x (min), "
                f"{statistics.median(e2e['ref']) / statistics.median(e2e['current']):.2f}x "
                f"(median), {paired:.2f}x (median of the rounds' ratios)"
            )


if __name__ == "__main__":
    main()
