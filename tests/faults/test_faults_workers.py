"""Workers that hang (SIGSTOP) are treated like workers that die: real processes, no mocks.

``--worker-timeout 0.15`` makes a 25-run task's limit 0.15 x (25 + 10) = 5.25 s, so that a
stopped worker is noticed in seconds rather than the default 70 s.
"""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

import pytest
from faults import (
    BASELINE,
    SEED,
    _alive,
    _children,
    _cli,
    _hidden,
    _same,
    _started,
    _wait_for,
    signal_every_worker,
)

from model.cli import parser
from model.cli.main import main
from model.ensemble import tasks
from model.results.contract import INCOMPLETE

pytestmark = pytest.mark.faults

FAST = ("--worker-timeout", "0.15")


def _stopped(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] == "T"


def test_the_parser_states_the_executors_timeout():
    assert parser.WORKER_TIMEOUT == tasks.WORKER_TIMEOUT
    assert parser.TIMEOUT_SLACK_RUNS == tasks.TIMEOUT_SLACK_RUNS
    assert tasks.hang_limit(("k", {}, list(range(25))), tasks.WORKER_TIMEOUT) == 70.0


def test_a_hung_worker_is_replaced_and_the_results_are_identical(tmp_path, uninterrupted):
    out = tmp_path / "out"
    proc = _cli("run", BASELINE, "--runs", 1500, "--seed", SEED, "--workers", 2, *FAST,
                "--quiet", "--out", out, cwd=tmp_path)  # fmt: skip
    _wait_for(lambda: _started(tmp_path), 60, "a first block")
    worker = _children(proc.pid)[0]
    os.kill(worker, signal.SIGSTOP)  # alive, holding its task, answering nothing
    _, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    assert not _alive(worker)  # killed with the pool it hung, not left stopped
    _same(out, uninterrupted(1500))
    assert main(["verify", str(out)]) == 0


def test_workers_that_keep_hanging_stop_the_run_resumably(tmp_path, uninterrupted):
    out = tmp_path / "out"
    proc = _cli("run", BASELINE, "--runs", 1500, "--seed", SEED, "--workers", 2, *FAST,
                "--quiet", "--out", out, cwd=tmp_path)  # fmt: skip
    _wait_for(lambda: _started(tmp_path), 60, "a first block")
    stopped = signal_every_worker(proc, signal.SIGSTOP, 180, 0.05)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("ERROR worker processes died or stopped answering 3 times"), err
    assert "held its task for longer than its limit" in err and "Traceback" not in err
    cmd = err.split("continue with: ")[1].split()
    assert "--resume" in cmd and "--seed" in cmd
    hidden = _hidden(tmp_path, "out")
    assert (hidden / INCOMPLETE).exists() and main(["verify", str(hidden)]) == 0
    assert not any(_stopped(p) for p in stopped)  # none left behind, stopped for ever
    res = _cli(*cmd[3:], cwd=tmp_path)
    _, err = res.communicate(timeout=180)
    assert res.returncode == 0, err
    _same(out, uninterrupted(1500))


def _dask_workers(pid: int) -> list[int]:
    found = []
    for c in _children(pid):
        with contextlib.suppress(OSError):
            if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes():
                found.append(c)
    return found


def test_a_hung_dask_worker_is_replaced_and_the_results_are_identical(tmp_path, uninterrupted):
    pytest.importorskip("distributed")
    out = tmp_path / "out"
    proc = _cli("run", BASELINE, "--runs", 1500, "--seed", SEED, "--executor", "dask",
                "--workers", 2, *FAST, "--quiet", "--out", out, cwd=tmp_path)  # fmt: skip
    _wait_for(lambda: _started(tmp_path), 120, "a first block")
    worker = _wait_for(lambda: _dask_workers(proc.pid), 30, "the Dask workers")[0]
    os.kill(worker, signal.SIGSTOP)
    _, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err
    assert not _alive(worker)
    _same(out, uninterrupted(1500))
