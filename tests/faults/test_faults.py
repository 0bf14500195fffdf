"""Nothing is lost: real faults (killed workers, a full or read-only disk, interrupts, flipped
bytes) against real processes and file systems, never mocks of them.

Each test that needs a mount (a small tmpfs) runs as root, as CI does, and is skipped with
the reason otherwise.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from faults import (
    BASELINE,
    SEED,
    TURKEY,
    _alive,
    _children,
    _cli,
    _default_sigint,
    _hidden,
    _runs_done,
    _same,
    _started,
    _tmpfs,
    _wait_for,
    needs_root,
    signal_every_worker,
)

from model.cli.main import main
from model.results.contract import INCOMPLETE, MANIFEST

pytestmark = pytest.mark.faults


def test_a_killed_worker_is_replaced_and_the_results_are_identical(tmp_path, uninterrupted):
    out = tmp_path / "out"
    proc = _cli("run", BASELINE, "--runs", 600, "--seed", SEED, "--workers", 2, "--quiet",
                "--out", out, cwd=tmp_path)  # fmt: skip
    workers = _wait_for(
        lambda: len(_children(proc.pid)) >= 2 and _children(proc.pid), 30, "workers"
    )
    os.kill(workers[0], signal.SIGKILL)  # what the out-of-memory killer does
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    _same(out, uninterrupted(600))
    assert main(["verify", str(out)]) == 0


def test_workers_that_keep_dying_stop_the_run_resumably(tmp_path, uninterrupted):
    out = tmp_path / "out"
    proc = _cli("run", BASELINE, "--runs", 600, "--seed", SEED, "--workers", 2, "--quiet",
                "--out", out, cwd=tmp_path)  # fmt: skip
    signal_every_worker(proc, signal.SIGKILL, 120, 0.02)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ERROR worker processes died"), err
    assert "--resume" in err and "Traceback" not in err
    hidden = _hidden(tmp_path, "out")
    assert (hidden / INCOMPLETE).exists()
    assert main(["verify", str(hidden)]) == 0
    res = _cli("run", BASELINE, "--resume", hidden, "--quiet", "--workers", 2, cwd=tmp_path)
    _, err = res.communicate(timeout=120)
    assert res.returncode == 0, err
    _same(out, uninterrupted(600))


def test_workers_die_with_a_killed_parent(tmp_path):
    proc = _cli("run", BASELINE, "--runs", 20000, "--workers", 2, "--quiet", "--out",
                tmp_path / "out", cwd=tmp_path)  # fmt: skip
    workers = _wait_for(
        lambda: len(_children(proc.pid)) >= 2 and _children(proc.pid), 30, "workers"
    )
    proc.kill()
    proc.wait(timeout=10)
    _wait_for(lambda: not any(_alive(w) for w in workers), 5, "the workers to die")


def test_sigterm_during_a_run_with_a_killed_worker_does_not_hang(tmp_path):
    # Before: the survivor caught the pool's SIGTERM as KeyboardInterrupt and blocked.
    proc = _cli("run", BASELINE, "--runs", 20000, "--workers", 2, "--quiet", "--out",
                tmp_path / "out", cwd=tmp_path)  # fmt: skip
    _wait_for(lambda: _started(tmp_path), 60, "a first block")
    os.kill(_children(proc.pid)[0], signal.SIGKILL)
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert err.startswith("ERROR interrupted after") and "--resume" in err


@needs_root
def test_a_full_disk_keeps_complete_blocks_and_resumes_identically(tmp_path, uninterrupted):
    with _tmpfs(tmp_path / "disk", "6m") as disk:
        out = disk / "out"
        proc = _cli("run", BASELINE, "--runs", 600, "--seed", SEED, "--workers", 2,
                    "--quiet", "--out", out, cwd=tmp_path)  # fmt: skip
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 1, err
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "No space left on device" in lines[0], err
        assert "--resume" in err and "Traceback" not in err
        hidden = _hidden(disk, "out")
        assert _runs_done(hidden) == 200  # one block (about 4 MB) fits in 6 MB, two do not
        assert main(["verify", str(hidden)]) == 0
        subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)
        proc = _cli("run", BASELINE, "--resume", hidden, "--quiet", cwd=tmp_path)
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        _same(out, uninterrupted(600))


@needs_root
def test_a_read_only_folder_is_one_line(tmp_path):
    with _tmpfs(tmp_path / "ro", "1m", ro=True) as ro:
        proc = _cli("run", BASELINE, "--runs", 30, "--quiet", "--out", ro / "out", cwd=tmp_path)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 1, err
        assert err.startswith("ERROR ") and len(err.strip().splitlines()) == 1, err
        assert "Read-only file system" in err


def test_out_below_a_file_or_inside_results_is_refused(run_cli, tmp_path):
    (tmp_path / "afile").write_text("x")
    res = run_cli("run", BASELINE, "--runs", 2, "--quiet", "--out", tmp_path / "afile" / "out")
    assert res.code == 2 and res.err.startswith("ERROR --out") and "is a file" in res.err
    done = tmp_path / "done"
    assert run_cli("run", BASELINE, "--runs", 2, "--quiet", "--out", done).code == 0
    res = run_cli("run", BASELINE, "--runs", 2, "--quiet", "--out", done / "inner")
    assert res.code == 2 and "inside the results folder" in res.err


def test_a_second_writer_into_the_same_folder_is_refused_at_once(tmp_path):
    out = tmp_path / "out"
    first = _cli("run", BASELINE, "--runs", 20000, "--workers", 1, "--quiet", "--out", out,
                 cwd=tmp_path)  # fmt: skip
    try:
        _wait_for(lambda: any(p.name.startswith(".incomplete-out-") for p in tmp_path.iterdir()),
                  30, "the first writer")  # fmt: skip
        t = time.monotonic()
        second = _cli("compare", BASELINE, TURKEY, "--runs", 20, "--quiet", "--out", out,
                      cwd=tmp_path)  # fmt: skip
        _, err = second.communicate(timeout=60)
        assert second.returncode == 2 and "another process is writing" in err, err
        assert time.monotonic() - t < 20  # refused before running anything
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=60)


def test_a_flipped_byte_is_caught_by_verify_plot_and_resume(run_cli, tmp_path):
    out = tmp_path / "out"
    assert run_cli("run", BASELINE, "--runs", 30, "--quiet", "--out", out).code == 0
    res = run_cli("verify", out)
    assert res.code == 0 and res.out.strip() == f"{out}: intact"
    data = bytearray((out / "runs.csv").read_bytes())
    i = data.index(b"\n") + 3
    data[i] = ord("7") if data[i] != ord("7") else ord("8")
    (out / "runs.csv").write_bytes(bytes(data))
    res = run_cli("verify", out)
    assert res.code == 2 and "runs.csv differs" in res.err
    res = run_cli("plot", out, "--timeline")
    assert res.code == 2 and "integrity" in res.err and len(res.err.strip().splitlines()) == 1
    res = run_cli("plot", out, "--timeline", "--no-verify")
    assert res.code == 0 and res.err.startswith("WARNING")
    # A plot redrawn is recorded; the changed table still fails.
    res = run_cli("verify", out)
    assert res.code == 2 and "runs.csv differs" in res.err and "timeline" not in res.err


def test_a_redrawn_plot_keeps_the_folder_intact(run_cli, tmp_path):
    out = tmp_path / "out"
    assert run_cli("run", BASELINE, "--runs", 30, "--quiet", "--out", out).code == 0
    assert run_cli("plot", out, "--map", "--day", "5").code == 0
    assert run_cli("verify", out).code == 0
    assert "map-2024-12-02.png" in json.loads((out / MANIFEST).read_text())["files"]


def test_a_changed_block_is_refused_on_resume(tmp_path):
    out = tmp_path / "out"
    proc = _cli("run", BASELINE, "--runs", 20000, "--workers", 1, "--quiet", "--out", out,
                cwd=tmp_path)  # fmt: skip
    _wait_for(lambda: _started(tmp_path), 60, "a first block")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    hidden = _hidden(tmp_path, "out")
    data = bytearray((hidden / "events.csv").read_bytes())
    data[200] = ord("#")
    (hidden / "events.csv").write_bytes(bytes(data))
    assert main(["verify", str(hidden)]) == 2
    proc = _cli("run", BASELINE, "--resume", hidden, "--quiet", cwd=tmp_path)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "changed since they were written" in err, err
    assert (hidden / INCOMPLETE).exists()


def test_an_interrupted_compare_resumes_to_the_same_files(tmp_path):
    runs = ["--runs", "300", "--seed", SEED]
    ref = tmp_path / "ref"
    assert main(["compare", str(BASELINE), str(TURKEY), *runs, "--executor", "serial",
                 "--quiet", "--out", str(ref)]) == 0  # fmt: skip
    out = tmp_path / "out"
    proc = _cli("compare", BASELINE, TURKEY, *runs, "--workers", 2, "--quiet", "--out", out,
                cwd=tmp_path)  # fmt: skip

    def second_started():
        hidden = [p for p in tmp_path.iterdir() if p.name.startswith(".incomplete-out-")]
        return hidden and _runs_done(hidden[0] / "turkey_restrains") > 0

    _wait_for(second_started, 120, "the second scenario's first block")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "1 of 2 scenarios" in err and "--resume" in err
    hidden = _hidden(tmp_path, "out")
    assert (hidden / "baseline" / MANIFEST).exists() and main(["verify", str(hidden)]) == 0
    # Other arguments than those it was started with are refused.
    assert main(["compare", str(BASELINE), str(TURKEY), "--runs", "200", "--seed", SEED,
                 "--resume", str(hidden), "--quiet"]) == 2  # fmt: skip
    cmd = err.split("continue with: ")[1].strip()
    assert cmd.startswith("python -m model compare") and "--out" not in cmd
    proc = subprocess.run([sys.executable, *cmd.split()[1:]], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120,
                          preexec_fn=_default_sigint)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert not hidden.exists()
    for sub in ("baseline", "turkey_restrains"):
        _same(out / sub, ref / sub)
    assert (out / "comparison.csv").read_bytes() == (ref / "comparison.csv").read_bytes()
    assert main(["verify", str(out)]) == 0
    shutil.rmtree(ref)


def test_a_plot_inside_a_comparison_keeps_the_comparison_intact(run_cli, tmp_path):
    out = tmp_path / "cmp"
    args = ("compare", BASELINE, TURKEY, "--runs", 10, "--workers", 1, "--quiet", "--out", out)
    assert run_cli(*args).code == 0
    assert run_cli("plot", out / "baseline", "--map", "--day", "5").code == 0
    res = run_cli("verify", out)
    assert res.code == 0, res.err
