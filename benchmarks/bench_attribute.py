"""attribute and discover, each beside a plain command that makes the same number of runs.

    .venv/bin/python benchmarks/bench_attribute.py                  # the default budgets
    .venv/bin/python benchmarks/bench_attribute.py --runs 20 --cases 1000
    .venv/bin/python benchmarks/bench_attribute.py --se results/baseline-attribution/...

- ``attribute`` with every decision (512 coalitions x ``--runs``), timed alone against its
  10-minute budget; then ``attribute`` over the first ``--players`` decisions against
  ``compare`` of the same coalitions written as scenario files, with the same runs and seeds:
  the same runs, the comparison's full folders (daily tables and plots for each) instead of
  the game arithmetic.
- ``discover`` (``--cases`` cases, one run each) against ``run`` of the baseline with as
  many runs: the same number of runs, not the same parameter sets.

Each command runs as a child process (``--workers`` 2, ``--quiet``), the pairs interleaved,
``--rounds`` times; the script prints wall time, the CPU time of the command and its workers
(``wait4``), and the ratio to its plain counterpart. It asserts nothing.

``--se FOLDER`` instead reads an attribution folder and says, per decision, how its
standard error on the days held arises: the spread of its per-run Shapley values, and the
runs per coalition a standard error of 0.1 day would take.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

REPO = Path(__file__).resolve().parent.parent
BASE = REPO / "scenarios" / "baseline.yaml"


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (the command and every child it waited for)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stderr.read().decode()}")
    return wall, usage.ru_utime + usage.ru_stime


def players(n: int | None) -> list[str]:
    """The baseline's first ``n`` decisions (all, if None)."""
    sys.path.insert(0, str(REPO))
    from model.analysis.coalitions import choose_players
    from model.config.loader import load_scenario

    every = choose_players(load_scenario(BASE), "decisions", None)
    return every if n is None else every[:n]


def coalition_files(folder: Path, players: list[str]) -> list[Path]:
    """The coalitions of ``players`` as scenario files (coalition 0 first)."""
    from model.analysis.coalitions import documented_answer
    from model.config.loader import load_scenario

    sc = load_scenario(BASE)
    paths = []
    for k in range(1 << len(players)):
        pins = {p: ("accept" if k >> i & 1 else documented_answer(sc, p))
                for i, p in enumerate(players)}  # fmt: skip
        path = folder / f"c{k:03d}.yaml"
        text = yaml.safe_dump({"name": f"c{k:03d}", "decisions": pins}, sort_keys=False)
        path.write_text(f"extends: {json.dumps(str(BASE))}\n{text}", encoding="utf-8")
        paths.append(path)
    return paths


def bench(args: argparse.Namespace) -> None:
    py = [sys.executable, "-m", "model"]
    common = ["--workers", str(args.workers), "--quiet"]
    tmp = Path(tempfile.mkdtemp(prefix="bench-attribute-"))
    try:
        few = players(args.players)
        files = coalition_files(tmp, few)
        budget = players(args.budget_players)
        chosen = [] if args.budget_players is None else ["--players", ",".join(budget)]
        alone = timed([*py, "attribute", str(BASE), *chosen, "--runs", str(args.runs), *common,
                       "--out", str(tmp / "full")])  # fmt: skip
        who = "every decision" if args.budget_players is None else f"{len(budget)} decisions"
        print(f"attribute, {who} ({1 << len(budget)} coalitions x {args.runs} "
              f"runs): wall {alone[0]:.0f} s, CPU {alone[1]:.0f} s")  # fmt: skip
        shutil.rmtree(tmp / "full", ignore_errors=True)
        pairs = {
            f"attribute, {len(few)} decisions": (
                lambda out: [*py, "attribute", str(BASE), "--players", ",".join(few), "--runs",
                             str(args.runs), *common, "--out", out],
                lambda out: [*py, "compare", *map(str, files), "--runs", str(args.runs),
                             *common, "--out", out],
                f"compare of the same {len(files)} coalitions x {args.runs} runs",
            ),
            "discover": (
                lambda out: [*py, "discover", str(BASE), "--cases", str(args.cases), *common,
                             "--out", out],
                lambda out: [*py, "run", str(BASE), "--runs", str(args.cases), *common,
                             "--out", out],
                f"run of the baseline, {args.cases} runs",
            ),
        }  # fmt: skip
        for name, (cmd, plain, what) in pairs.items():
            rows = []
            for r in range(args.rounds):
                a = timed(cmd(str(tmp / f"{name}-{r}")))
                b = timed(plain(str(tmp / f"{name}-plain-{r}")))
                rows.append((*a, *b))
                shutil.rmtree(tmp / f"{name}-{r}", ignore_errors=True)
                shutil.rmtree(tmp / f"{name}-plain-{r}", ignore_errors=True)
            w, c, pw, pc = np.median(np.array(rows), axis=0)
            print(f"{name}: wall {w:.0f} s, CPU {c:.0f} s | {what}: wall {pw:.0f} s, CPU "
                  f"{pc:.0f} s | ratio wall {w / pw:.2f}, CPU {c / pc:.2f} "
                  f"(median of {args.rounds})")  # fmt: skip
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def standard_errors(folder: Path) -> None:
    sys.path.insert(0, str(REPO))
    from model.analysis.attribution import game_values

    doc = json.loads((folder / "attribution.json").read_text())
    rows = pd.read_csv(folder / "coalition_runs.csv", dtype={"digest": str})
    runs, size = doc["runs"], doc["coalitions"]
    table = rows.sort_values(["coalition", "run"])["days_held"].to_numpy().reshape(size, runs).T
    sv, _, _ = game_values(table)
    n = len(doc["players"])
    perm_sd = _one_permutation_sd(table, n)
    # The same number of runs spent on seeds, one random order of the flips per seed (n + 1
    # coalitions along it): each seed's marginal contributions still add up exactly.
    seeds = runs * size / (n + 1)
    print(f"{folder}: {runs} runs per coalition; days held; per-run Shapley values")
    print(f"  {'decision':<30s}{'value':>7s}{'sd':>7s}{'se':>7s}{'|v_r|>1 day':>13s}"
          f"{'runs for se 0.1':>17s}{'se by orders':>14s}")  # fmt: skip
    for i, p in enumerate(doc["players"]):
        v = sv[:, i]
        sd = v.std(ddof=1)
        print(f"  {p['name']:<30s}{v.mean():>+7.2f}{sd:>7.2f}{sd / np.sqrt(runs):>7.2f}"
              f"{np.mean(np.abs(v) > 1):>13.0%}{int(np.ceil((sd / 0.1) ** 2)):>17,d}"
              f"{perm_sd[i] / np.sqrt(seeds):>14.3f}")  # fmt: skip
    print(f"  se by orders: projected, if the same {runs * size:,d} runs went to {seeds:,.0f} seeds "
          f"with one random order each (permutation sampling), from the spread of one order's "
          f"contributions over these {runs} seeds")  # fmt: skip


def _one_permutation_sd(table: np.ndarray, n: int, orders: int = 200) -> np.ndarray:
    """Per player: the sd of its marginal contribution along one random order, over runs and orders.

    Args:
        table: runs x coalitions, coalition ``k`` flipping the players whose bit is set in ``k``.
        n: The number of players.
        orders: random orders drawn per run (a fixed generator: the projection is reproducible).
    """
    rng = np.random.default_rng(0)
    out = []
    for row in table:
        for _ in range(orders):
            k, contrib = 0, np.zeros(n)
            for p in rng.permutation(n):
                contrib[p] = row[k | (1 << p)] - row[k]
                k |= 1 << p
            out.append(contrib)
    return np.asarray(out).std(axis=0, ddof=1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=100, help="runs per coalition (default 100)")
    ap.add_argument("--cases", type=int, default=5000, help="discovery cases (default 5000)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--players", type=int, default=4,
                    help="decisions of the side-by-side with compare (default 4: 16 coalitions; "
                    "compare writes a full folder per coalition, so 512 take hours)")  # fmt: skip
    ap.add_argument("--budget-players", type=int, default=None,
                    help="decisions of the timed budget run (default every one; the smoke "
                    "test uses fewer)")  # fmt: skip
    ap.add_argument("--rounds", type=int, default=1, help="interleaved rounds (default 1)")
    ap.add_argument("--se", type=Path, default=None, help="an attribution folder to explain")
    args = ap.parse_args()
    if args.se is not None:
        standard_errors(args.se)
    else:
        bench(args)


if __name__ == "__main__":
    main()
