"""Results folders under real faults: kill -9 and full disks in every format, tampered hidden
folders, links, mount points, edited posteriors, absurd sizes. Real processes and file
systems, never mocks.

Each test names the fault of issue 25 it reproduces; each fails with its fix removed.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from faults import (
    BASELINE,
    SEED,
    TURKEY,
    _cli,
    _hidden,
    _runs_done,
    _started,
    _tmpfs,
    _wait_for,
    needs_root,
)

from model.results.contract import INCOMPLETE, MANIFEST, PROGRESS
from model.results.integrity import seal

pytestmark = pytest.mark.faults


def _data_files(folder: Path) -> list[str]:
    """Every file a run writes from its runs (not the manifest, which records the time)."""
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.name != MANIFEST and p.suffix != ".png"
    )


def _identical(a: Path, b: Path) -> None:
    assert _data_files(a) == _data_files(b)
    for name in _data_files(a):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def _run_printed(err: str, cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess:
    """Run the command an ERROR line (or verify) printed after 'continue with: '."""
    cmd = err.split("continue with: ")[1].strip().split()
    assert cmd[:3] == ["python", "-m", "model"]
    return subprocess.run([sys.executable, *cmd[1:]], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)  # fmt: skip


def _verify(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "model", "verify", str(folder)],
                          capture_output=True, text=True, timeout=60)  # fmt: skip


# -- Parquet loses everything: kill -9, then the printed --resume ------------------------


@pytest.mark.parametrize("fmt, moment", [("parquet", 0), ("parquet", 1), ("csv", 2)])
def test_kill_9_at_a_random_moment_resumes_to_identical_files(tmp_path, uninterrupted, fmt, moment):
    out = tmp_path / "out"
    proc = _cli("run", BASELINE, "--runs", 2000, "--seed", SEED, "--workers", 2, "--format",
                fmt, "--quiet", "--out", out, cwd=tmp_path)  # fmt: skip
    _wait_for(lambda: _started(tmp_path), 60, "a first block")
    time.sleep(random.Random(moment).uniform(0.0, 1.5))  # inside a block, or between two
    proc.kill()
    proc.wait(timeout=10)
    hidden = _hidden(tmp_path, "out")
    check = _verify(hidden)
    assert check.returncode == 0 and "interrupted, resumable" in check.stdout, check
    assert "--seed 77" in check.stdout
    res = _run_printed(check.stdout, tmp_path)
    assert res.returncode == 0, res.stderr
    _identical(out, uninterrupted(2000, fmt))
    assert _verify(out).returncode == 0


@needs_root
def test_a_full_disk_with_parquet_resumes_identically(tmp_path, uninterrupted):
    with _tmpfs(tmp_path / "disk", "3m") as disk:
        out = disk / "out"
        proc = _cli("run", BASELINE, "--runs", 1000, "--seed", SEED, "--workers", 2,
                    "--format", "parquet", "--quiet", "--out", out, cwd=tmp_path)  # fmt: skip
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 1, err
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "No space left on device" in lines[0], err
        hidden = _hidden(disk, "out")
        assert 0 < _runs_done(hidden) < 1000
        assert _verify(hidden).returncode == 0
        subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)
        res = _run_printed(err, tmp_path)
        assert res.returncode == 0, res.stderr
        _identical(out, uninterrupted(1000, "parquet"))


def test_verify_hashes_the_parquet_daily_table_per_block(run_cli, tmp_path):
    out = tmp_path / "out"
    assert run_cli("run", BASELINE, "--runs", 30, "--format", "parquet", "--quiet",
                   "--out", out).code == 0  # fmt: skip
    part = next((out / "daily.parquet").iterdir())
    data = bytearray(part.read_bytes())
    data[len(data) // 2] ^= 0xFF
    part.write_bytes(bytes(data))
    res = run_cli("verify", out)
    assert res.code == 2 and f"daily.parquet/{part.name} differs" in res.err


# -- A resume continues whatever it finds -------------------------------------------------


def _interrupted(tmp_path: Path, *args, ready=None) -> tuple[Path, str]:
    """Start a command, Ctrl-C it once ``ready`` holds; return its hidden folder and error."""
    proc = _cli(*args, "--quiet", "--out", tmp_path / "out", cwd=tmp_path)
    _wait_for(ready or (lambda: _started(tmp_path)), 120, "something written")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    return _hidden(tmp_path, "out"), err


def test_swapped_scenario_folders_in_a_comparison_are_refused(tmp_path):
    def second_started():
        found = [p for p in tmp_path.iterdir() if p.name.startswith(".incomplete-out-")]
        return found and _runs_done(found[0] / "turkey_restrains") > 0

    hidden, err = _interrupted(tmp_path, "compare", BASELINE, TURKEY, "--runs", 600, "--seed",
                               SEED, "--workers", 2, ready=second_started)  # fmt: skip
    base, turkey, spare = hidden / "baseline", hidden / "turkey_restrains", hidden / "x"
    base.rename(spare)
    turkey.rename(base)
    spare.rename(turkey)
    check = _verify(hidden)
    assert check.returncode == 2 and "damaged" in check.stderr, check
    res = _run_printed(err, tmp_path)
    assert res.returncode == 2, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "cannot resume" in res.stderr
    assert (hidden / INCOMPLETE).exists() and not (tmp_path / "out").exists()


def test_an_edited_master_seed_is_refused_and_the_resume_command_carries_the_seed(tmp_path):
    # No --seed given: the printed command must say which seed the folder was started with.
    hidden, err = _interrupted(tmp_path, "run", BASELINE, "--runs", 20000, "--workers", 2)
    assert "--seed 20241127 --resume" in err
    man = json.loads((hidden / MANIFEST).read_text())
    man["master_seed"] = 20241126
    (hidden / MANIFEST).write_text(json.dumps(man))
    check = _verify(hidden)
    assert check.returncode == 2 and "master_seed" in check.stderr, check
    res = subprocess.run([sys.executable, "-m", "model", "run", str(BASELINE), "--runs", "20000",
                          "--resume", str(hidden), "--quiet"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=60)  # fmt: skip
    assert res.returncode == 2 and "cannot resume" in res.stderr, res.stderr
    # Edited in progress.json as well, the seeds already written give it away.
    state = json.loads((hidden / PROGRESS).read_text())
    state["identity"]["master_seed"] = 20241126
    (hidden / PROGRESS).write_text(json.dumps(state))
    check = _verify(hidden)
    assert check.returncode == 2 and "not the seed spawned for run 0" in check.stderr, check
    res = _run_printed(err.replace("20241127", "20241126"), tmp_path)
    assert res.returncode == 2 and "cannot resume" in res.stderr, res.stderr
    assert (hidden / INCOMPLETE).exists()


# -- Links and mount points ---------------------------------------------------------------


@needs_root
def test_out_at_an_empty_mount_point_is_refused_before_anything_runs(tmp_path):
    with _tmpfs(tmp_path / "mnt", "8m") as mnt:
        t = time.monotonic()
        res = subprocess.run([sys.executable, "-m", "model", "run", str(BASELINE), "--runs",
                              "20000", "--quiet", "--out", str(mnt)], cwd=tmp_path,
                             capture_output=True, text=True, timeout=60)  # fmt: skip
        assert res.returncode == 2 and "is a mount point" in res.stderr, res.stderr
        assert len(res.stderr.strip().splitlines()) == 1
        assert time.monotonic() - t < 30  # refused at the start, not after 20,000 runs
        assert not os.listdir(mnt) and sorted(os.listdir(tmp_path)) == ["mnt"]


def test_out_through_a_link_is_written_where_it_leads(run_cli, tmp_path):
    target = tmp_path / "elsewhere" / "empty"
    target.mkdir(parents=True)
    (tmp_path / "link").symlink_to(target)
    res = run_cli("run", BASELINE, "--runs", 30, "--quiet", "--out", tmp_path / "link")
    assert res.code == 0, res.err
    assert res.out.strip() == f"Results written to {target}"
    assert (target / "runs.csv").is_file() and run_cli("verify", target).code == 0
    (tmp_path / "full").symlink_to(target)  # now not empty: refused, as the folder itself
    res = run_cli("run", BASELINE, "--runs", 30, "--quiet", "--out", tmp_path / "full")
    assert res.code == 2 and "not empty" in res.err


def test_a_link_inside_a_folder_is_refused_by_plot_verify_and_resume(run_cli, tmp_path):
    out = tmp_path / "out"
    assert run_cli("run", BASELINE, "--runs", 30, "--quiet", "--out", out).code == 0
    victim = tmp_path / "precious.txt"
    victim.write_text("not a plot")
    (out / "curves.png").unlink()
    (out / "curves.png").symlink_to(victim)
    for args in (("plot", out), ("plot", out, "--no-verify"), ("verify", out)):
        res = run_cli(*args)
        assert res.code == 2 and "symbolic link" in res.err, (args, res.err)
        assert len(res.err.strip().splitlines()) == 1
    assert victim.read_text() == "not a plot"


def test_a_link_inside_an_unfinished_folder_is_refused_by_resume(tmp_path):
    hidden, err = _interrupted(tmp_path, "run", BASELINE, "--runs", 20000, "--workers", 1)
    victim = tmp_path / "precious.csv"
    shutil.copy(hidden / "events.csv", victim)
    before = victim.read_bytes()
    (hidden / "events.csv").unlink()
    (hidden / "events.csv").symlink_to(victim)  # a resume would cut it back, elsewhere
    assert _verify(hidden).returncode == 2
    res = _run_printed(err, tmp_path)
    assert res.returncode == 2 and "symbolic link" in res.stderr, res.stderr
    assert victim.read_bytes() == before


# -- --posterior uses an edited posterior.csv ---------------------------------------------


def _posterior_folder(folder: Path) -> Path:
    folder.mkdir()
    names = ("actors.units.threshold_mean", "combat.max_advance_km_per_day")
    t = pd.DataFrame([[0.5, 25.0], [0.6, 30.0]], columns=list(names))
    t.insert(0, "particle", range(2))
    t["weight"] = [0.5, 0.5]
    t.to_csv(folder / "posterior.csv", index=False)
    doc = {"priors": {n: {"low": 0.0, "high": 100.0} for n in names}, "scenario_values": {}}
    (folder / "posterior.json").write_text(json.dumps(doc))
    seal(folder, {"format_version": 2, "kind": "posterior"})  # as infer seals it
    return folder


def test_an_edited_posterior_is_refused(run_cli, tmp_path):
    post = _posterior_folder(tmp_path / "post")
    args = ("run", BASELINE, "--runs", 4, "--quiet", "--posterior", post)
    assert run_cli(*args, "--out", tmp_path / "a").code == 0
    edited = pd.read_csv(post / "posterior.csv")
    edited["weight"] = [0.9, 0.1]  # still a valid posterior: only its check can tell
    edited.to_csv(post / "posterior.csv", index=False)
    res = run_cli(*args, "--out", tmp_path / "b")
    assert res.code == 2 and "posterior.csv differs" in res.err, res.err
    assert len(res.err.strip().splitlines()) == 1 and not (tmp_path / "b").exists()
    (post / MANIFEST).unlink()
    res = run_cli(*args, "--out", tmp_path / "c")
    assert res.code == 2 and "not a posterior folder sealed by infer" in res.err


# -- Absurd sizes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "option, value",
    [
        ("--runs", "1000000000000"),
        ("--runs", str(10**23)),
        ("--seed", str(2**63)),
        ("--workers", "1000000000"),
        ("--runs", "9" * 5000),
    ],  # fmt: skip
)
def test_absurd_sizes_are_one_error_line(run_cli, tmp_path, option, value):
    res = run_cli("run", BASELINE, option, value, "--quiet", "--out", tmp_path / "out")
    assert res.code == 2 and res.err.startswith(f"ERROR python -m model run: argument {option}")
    assert len(res.err.strip().splitlines()) == 1 and not (tmp_path / "out").exists()


def test_more_local_workers_than_the_cores_can_carry_are_refused(run_cli, tmp_path):
    # A pool started by fork starts every worker at once: a thousand would be forked here.
    res = run_cli("run", BASELINE, "--workers", 4096, "--quiet", "--out", tmp_path / "out")
    assert res.code == 2 and res.err.startswith("ERROR --workers 4096: more than 8 local")
    assert not (tmp_path / "out").exists()


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def test_seeds_are_made_as_runs_start(tmp_path):
    # Two million runs: every seed built first took 1.06 GB and 20 s before the first run.
    proc = _cli("run", BASELINE, "--runs", 2_000_000, "--workers", 1, "--quiet", "--out",
                tmp_path / "out", cwd=tmp_path)  # fmt: skip
    try:
        _wait_for(lambda: _started(tmp_path), 60, "a first block")
        assert _peak_rss_mb(proc.pid) < 400
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)


def test_lazy_seeds_and_draws_are_those_built_at_once():
    from model.ensemble.memory import RunSeeds
    from model.ensemble.posterior import PosteriorSet, draw_ids, iter_draw_ids

    children = np.random.SeedSequence(77).spawn(300)
    assert list(RunSeeds(77, 300)) == [int(c.generate_state(1, np.uint32)[0]) for c in children]
    assert RunSeeds(77, 300)[120:125] == list(RunSeeds(77, 300))[120:125]
    w = np.array([0.5, 0.3, 0.2, 0.0])
    post = PosteriorSet(Path("."), ("a",), np.zeros((4, 1)), w, {}, "x")
    for n, k in ((1, 1), (700, 1), (700, 3), (140_001, 2)):
        rng = np.random.default_rng(np.random.SeedSequence([9, 0x4452]))
        picks = rng.choice(4, size=-(-n // k), replace=True, p=w)  # as drawn before
        assert np.array_equal(draw_ids(post, n, 9, k), np.repeat(picks, k)[:n])
        rest = list(iter_draw_ids(post, n, 9, k, start=n // 2))
        assert rest == np.repeat(picks, k)[n // 2 : n].tolist()
