"""Peak memory and wall time of the command line for large ensembles.

Runs ``python -m model run`` in a child process for each ensemble size and reports the
child's peak resident set size (``ru_maxrss`` from ``wait4``: the largest of the CLI
process and any pool worker it waited for) and wall time. Results go to a temporary folder
that is removed afterwards. It asserts nothing and is not a test:

    .venv/bin/python benchmarks/bench_memory.py                       # 1,000 and 20,000 runs
    .venv/bin/python benchmarks/bench_memory.py --runs 1000 5000 --workers 1
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def measure(scenario: str, runs: int, workers: int, fmt: str) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MB and bytes written for one CLI run."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        cmd = [sys.executable, "-m", "model", "run", scenario, "--runs", str(runs)]
        cmd += ["--workers", str(workers), "--format", fmt, "--quiet", "--out", str(out)]
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} exited with {proc.returncode}")
        size = sum(p.stat().st_size for p in out.iterdir())
    return wall, usage.ru_maxrss / 1024, size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, nargs="+", default=[1000, 20000])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--format", default="csv", choices=("csv", "parquet"))
    ap.add_argument("--scenario", default="scenarios/baseline.yaml")
    args = ap.parse_args()
    print(f"load average before: {os.getloadavg()}")
    print(f"{'runs':>8s} {'workers':>8s} {'format':>8s} {'wall s':>8s} {'peak RSS MB':>12s} "
          f"{'written MB':>11s}")  # fmt: skip
    for n in args.runs:
        wall, rss, size = measure(args.scenario, n, args.workers, args.format)
        print(
            f"{n:8,d} {args.workers:8d} {args.format:>8s} {wall:8.1f} {rss:12.0f} {size / 1e6:11.0f}"
        )
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
