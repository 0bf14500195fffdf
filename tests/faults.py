"""What the fault tests share: real processes, their children, tmpfs mounts, reference runs.

Imported by the ``test_faults*`` files (pytest puts this folder on ``sys.path``).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from repo import BASELINE_PATH as BASELINE
from repo import CATALOGUE

from model.cli.main import main
from model.results.contract import PROGRESS

TURKEY = CATALOGUE / "turkey_restrains.yaml"
DATA = ("daily.csv", "events.csv", "runs.csv", "summary.json")
SEED = "77"


def _default_sigint() -> None:
    # A shell runs background jobs with SIGINT ignored, and Python then keeps ignoring it;
    # the command under test must see Ctrl-C as a user's terminal sends it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _cli(*args, cwd: Path, **kw) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "model", *map(str, args)]
    return subprocess.Popen(cmd, cwd=cwd, stderr=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, preexec_fn=_default_sigint, **kw)  # fmt: skip


def _children(pid: int) -> list[int]:
    """The live child processes of ``pid``, read from /proc."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(d.name))
    return out


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def _wait_for(cond, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = cond()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _hidden(parent: Path, name: str) -> Path:
    found = [p for p in parent.iterdir() if p.name.startswith(f".incomplete-{name}-")]
    assert len(found) == 1, found
    return found[0]


def _started(parent: Path, name: str = "out") -> bool:
    """Whether the hidden folder of ``name`` has a first complete block."""
    found = [p for p in parent.iterdir() if p.name.startswith(f".incomplete-{name}-")]
    return bool(found) and _runs_done(found[0]) > 0


def _runs_done(folder: Path) -> int:
    try:
        return json.loads((folder / PROGRESS).read_text())["runs_done"]
    except (OSError, ValueError, KeyError):
        return 0


def _same(a: Path, b: Path, names=DATA) -> None:
    for n in names:
        assert (a / n).read_bytes() == (b / n).read_bytes(), n


def make_reference(tmp_path_factory):
    """Uninterrupted runs of the baseline, serially, by number of runs (and format)."""
    made: dict[tuple[int, str], Path] = {}

    def make(runs: int, fmt: str = "csv") -> Path:
        if (runs, fmt) not in made:
            out = tmp_path_factory.mktemp("ref") / f"r{runs}-{fmt}"
            args = ["run", str(BASELINE), "--runs", str(runs), "--seed", SEED, "--format", fmt]
            assert main([*args, "--executor", "serial", "--quiet", "--out", str(out)]) == 0
            made[runs, fmt] = out
        return made[runs, fmt]

    return make


@contextlib.contextmanager
def _tmpfs(path: Path, size: str, ro: bool = False):
    path.mkdir()
    opts = f"size={size}" + (",ro" if ro else "")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(path)],
                       capture_output=True, text=True)  # fmt: skip
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({r.stderr.strip() or 'not root'})")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root")


def signal_every_worker(proc, sig: int, seconds: float, pause: float) -> set[int]:
    """Send ``sig`` once to every worker ``proc`` starts, until it exits or ``seconds`` pass.

    Returns:
        The workers signalled.
    """
    done: set[int] = set()
    deadline = time.monotonic() + seconds
    while proc.poll() is None and time.monotonic() < deadline:
        for pid in _children(proc.pid):
            if pid not in done:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
                done.add(pid)
        time.sleep(pause)
    return done
