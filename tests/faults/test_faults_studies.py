"""The reference table under real faults: Ctrl-C, two resumes at once, a resume from elsewhere,
kill -9, and a chunk changed while it waited.

Slow (a table of thousands of runs takes tens of seconds): run by ``make test-slow`` and in CI.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from faults import BASELINE, _cli, _hidden, _wait_for

from model.results.contract import PROGRESS

pytestmark = [pytest.mark.faults, pytest.mark.slow]

# three chunks of 2,000 rows, one worker: a chunk takes seconds, so a signal lands mid-table
TABLE = ("--runs", "6000", "--workers", "1")


def _state(parent: Path, name: str) -> dict:
    found = [p for p in parent.iterdir() if p.name.startswith(f".incomplete-{name}-")]
    try:
        return json.loads((found[0] / PROGRESS).read_text()) if found else {}
    except (OSError, ValueError):
        return {}


def _model(*args, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "model", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)  # fmt: skip


@pytest.fixture(scope="module")
def whole(tmp_path_factory) -> Path:
    """An uninterrupted table, to compare the resumed ones with."""
    where = tmp_path_factory.mktemp("whole")
    res = _model("reference", BASELINE, *TABLE, "--out", "whole", cwd=where)
    assert res.returncode == 0, res.stderr
    return where / "whole"


def test_two_resumes_at_once_publish_one_table_from_any_directory(tmp_path, whole):
    proc = _cli("reference", BASELINE, *TABLE, "--out", "ref", cwd=tmp_path)  # a relative --out
    _wait_for(lambda: _state(tmp_path, "ref").get("runs_done", 0) >= 2000, 300, "a chunk")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "--seed 20241127 --resume" in err, err
    assert len(err.strip().splitlines()) == 1
    hidden = _hidden(tmp_path, "ref").resolve()
    check = _model("verify", hidden, cwd=tmp_path)
    assert check.returncode == 0 and "interrupted, resumable:" in check.stdout
    assert "of 6000 runs" in check.stdout
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    args = [sys.executable, "-m", "model", "reference", str(BASELINE), "--workers", "1",
            "--resume", str(hidden)]  # fmt: skip
    both = [subprocess.Popen(args, cwd=elsewhere, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _ in range(2)]  # fmt: skip
    done = [p.communicate(timeout=600) for p in both]
    assert sorted(p.returncode for p in both) == [0, 2], done
    refused = next(e for (_, e), p in zip(done, both, strict=True) if p.returncode == 2)
    assert "another process is writing these results now" in refused
    assert not list(elsewhere.iterdir())  # published where it was started, not here
    ref = tmp_path / "ref"
    assert (ref / "reference.npz").read_bytes() == (whole / "reference.npz").read_bytes()
    assert _model("verify", ref, cwd=tmp_path).returncode == 0


def test_a_killed_table_keeps_its_chunks_and_resumes_to_the_same_file(tmp_path, whole):
    proc = _cli("reference", BASELINE, *TABLE, "--out", "ref", cwd=tmp_path)
    _wait_for(lambda: _state(tmp_path, "ref").get("runs_done", 0) >= 2000, 300, "a chunk")
    proc.kill()
    proc.wait(timeout=10)
    hidden = _hidden(tmp_path, "ref")
    check = _model("verify", hidden, cwd=tmp_path)
    assert check.returncode == 0 and "continue with: " in check.stdout
    cmd = check.stdout.split("continue with: ")[1].split()
    res = _model(*cmd[3:], cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "ref" / "reference.npz").read_bytes() == (
        whole / "reference.npz"
    ).read_bytes()


def test_a_chunk_changed_while_it_waited_is_refused(tmp_path):
    proc = _cli("reference", BASELINE, *TABLE, "--out", "ref", cwd=tmp_path)
    _wait_for(lambda: _state(tmp_path, "ref").get("runs_done", 0) >= 2000, 300, "a chunk")
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=60)
    hidden = _hidden(tmp_path, "ref")
    chunk = next(hidden.glob("rows-*.npz"))
    chunk.write_bytes(chunk.read_bytes()[:-10] + b"0123456789")
    res = _model("reference", BASELINE, "--workers", "1", "--resume", hidden, cwd=tmp_path)
    assert res.returncode == 2 and f"{chunk.name} changed since it was written" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
