"""infer and hindcast under real faults: two resumes at once, a resume from elsewhere, kill -9.

Slow (an inference takes tens of seconds): run by ``make test-slow`` and in CI.
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

INFER = ("--particles", "20", "--generations", "3", "--workers", "1")
HINDCAST = ("--origins", "2024-11-30,2024-12-04", "--particles", "20", "--generations", "2",
            "--forecast-runs", "40", "--workers", "1")  # fmt: skip


def _state(parent: Path, name: str) -> dict:
    found = [p for p in parent.iterdir() if p.name.startswith(f".incomplete-{name}-")]
    try:
        return json.loads((found[0] / PROGRESS).read_text()) if found else {}
    except (OSError, ValueError):
        return {}


def _model(*args, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "model", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)  # fmt: skip


def test_two_infer_resumes_at_once_publish_one_posterior_from_any_directory(tmp_path):
    whole = _model("infer", BASELINE, *INFER, "--out", "whole", cwd=tmp_path)
    assert whole.returncode == 0, whole.stderr
    proc = _cli("infer", BASELINE, *INFER, "--out", "post", cwd=tmp_path)  # a relative --out
    _wait_for(lambda: _state(tmp_path, "post").get("generations_done", 0) >= 1, 300, "gen 0")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "--seed 20241127 --resume" in err, err
    hidden = _hidden(tmp_path, "post").resolve()
    check = _model("verify", hidden, cwd=tmp_path)
    assert check.returncode == 0 and "interrupted, resumable: 1 of 3 generations" in check.stdout
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    args = [sys.executable, "-m", "model", "infer", str(BASELINE), *INFER, "--resume", str(hidden)]
    both = [subprocess.Popen(args, cwd=elsewhere, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _ in range(2)]  # fmt: skip
    done = [p.communicate(timeout=300) for p in both]
    codes = sorted(p.returncode for p in both)
    assert codes == [0, 2], done
    refused = next(e for (_, e), p in zip(done, both, strict=True) if p.returncode == 2)
    assert "another process is writing these results now" in refused
    assert not list(elsewhere.iterdir())  # published where it was started, not here
    post = tmp_path / "post"
    assert (post / "posterior.csv").read_bytes() == (
        tmp_path / "whole" / "posterior.csv"
    ).read_bytes()
    doc = json.loads((post / "posterior.json").read_text())
    assert [g["t"] for g in doc["generations"]] == [0, 1, 2]
    assert _model("verify", post, cwd=tmp_path).returncode == 0


def test_a_killed_hindcast_keeps_its_finished_origins_and_resumes(tmp_path):
    whole = _model("hindcast", BASELINE, *HINDCAST, "--out", "whole", cwd=tmp_path)
    assert whole.returncode == 0, whole.stderr
    proc = _cli("hindcast", BASELINE, *HINDCAST, "--out", "hc", cwd=tmp_path)
    _wait_for(lambda: len(_state(tmp_path, "hc").get("origins_done", [])) >= 1, 300, "an origin")
    proc.kill()
    proc.wait(timeout=10)
    hidden = _hidden(tmp_path, "hc")
    check = _model("verify", hidden, cwd=tmp_path)
    assert check.returncode == 0 and "interrupted, resumable: 1 of 2 origins" in check.stdout
    cmd = check.stdout.split("continue with: ")[1].split()
    res = _model(*cmd[3:], cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    for name in ("scores.csv", "origin-2024-11-30.json", "origin-2024-12-04.json"):
        assert (tmp_path / "hc" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes()
    assert _model("verify", tmp_path / "hc", cwd=tmp_path).returncode == 0


def test_an_interrupted_hindcast_says_how_to_continue(tmp_path):
    proc = _cli("hindcast", BASELINE, *HINDCAST, "--out", "hc", cwd=tmp_path)
    _wait_for(lambda: _state(tmp_path, "hc").get("kind") == "hindcast", 120, "the folder")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and len(err.strip().splitlines()) == 1, err
    assert "no results folder was written" not in err and "--resume" in err
