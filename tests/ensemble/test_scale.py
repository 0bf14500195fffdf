"""Large ensembles: executors, block-wise writing, Parquet, interrupts and --resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from model.ensemble import runner
from model.ensemble.memory import iter_runs, run_seeds
from model.results import blocks, files
from model.results.contract import INCOMPLETE, PROGRESS
from model.results.tables import build_tables, write_tables

FILES = ("daily.csv", "events.csv", "runs.csv", "summary.json")
RUNS = 100
SEED = 515


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch):
    # Blocks of 40 runs: three blocks in a 100-run ensemble, the last one partial.
    monkeypatch.setattr(runner, "WRITE_CHUNK", 40)


@pytest.fixture(scope="module")
def reference(tmp_path_factory, compiled) -> Path:
    """The files as the in-memory path writes them: the whole ensemble in one table each."""
    from model.analysis import summary as summ

    folder = tmp_path_factory.mktemp("reference")
    tables = build_tables(compiled, list(iter_runs(compiled, run_seeds(SEED, RUNS))))
    write_tables(folder, tables)
    s = summ.summarize(tables.runs, tables.events, compiled.names)
    files.write_json(folder / "summary.json", s)
    return folder


def _common(baseline_path, out):
    return ("run", baseline_path, "--runs", str(RUNS), "--seed", str(SEED), "--quiet", "--out", out)


def _assert_same_files(a: Path, b: Path, names=FILES) -> None:
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


@pytest.mark.parametrize(
    "options",
    [
        ("--executor", "serial"),
        ("--workers", "1"),
        ("--workers", "2"),
    ],
    ids=["serial", "process-1", "process-2"],
)
def test_executors_write_the_same_bytes_as_one_table(
    run_cli, tmp_path, baseline_path, reference, options
):
    out = tmp_path / "out"
    res = run_cli(*_common(baseline_path, out), *options)
    assert res.code == 0, res.err
    _assert_same_files(out, reference)
    assert not {PROGRESS, INCOMPLETE} & {p.name for p in out.iterdir()}


def test_dask_cluster_writes_the_same_bytes(run_cli, tmp_path, baseline_path, reference):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        out = tmp_path / "out"
        res = run_cli(
            *_common(baseline_path, out),
            "--executor",
            "dask",
            "--scheduler",
            cluster.scheduler_address,
        )
        assert res.code == 0, res.err
    _assert_same_files(out, reference)


def test_dask_missing_is_one_error_line(run_cli, tmp_path, baseline_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import fails as if absent
    out = tmp_path / "out"
    res = run_cli(*_common(baseline_path, out), "--executor", "dask")
    assert res.code == 2
    assert res.err.count("\n") == 1 and res.err.startswith("ERROR ") and "dask" in res.err
    assert not out.exists()


@pytest.mark.parametrize(
    "options, fragment",
    [
        (("--executor", "cloud"), "argument --executor: invalid choice: 'cloud'"),
        (("--scheduler", "tcp://127.0.0.1:8786"), "--scheduler"),
        (("--format", "xlsx"), "argument --format: invalid choice: 'xlsx'"),
    ],
)
def test_bad_executor_options(run_cli, tmp_path, baseline_path, options, fragment):
    out = tmp_path / "out"
    res = run_cli(*_common(baseline_path, out), *options)
    assert res.code == 2
    assert res.err.count("\n") == 1 and res.err.startswith("ERROR ") and fragment in res.err
    assert not out.exists()


def test_parquet_holds_the_same_daily_table(run_cli, tmp_path, baseline_path, reference):
    out = tmp_path / "out"
    res = run_cli(*_common(baseline_path, out), "--format", "parquet", "--workers", "1")
    assert res.code == 0, res.err
    assert not (out / "daily.csv").exists()
    _assert_same_files(out, reference, ("events.csv", "runs.csv", "summary.json"))
    got = pd.read_parquet(out / "daily.parquet")
    want = pd.read_csv(reference / "daily.csv")
    pd.testing.assert_frame_equal(got, want, check_dtype=False, rtol=1e-5)
    assert (out / "curves.png").exists()
    res = run_cli("plot", out, "--map", "--day", "5")
    assert res.code == 0, res.err


def _interrupt_after(monkeypatch, calls: int) -> None:
    """Raise KeyboardInterrupt on the ``calls``-th CSV append, after earlier files of its block
    were written: the worst moment, a block half on disk."""
    real = blocks._append
    seen = {"n": 0}

    def append(text, path, first):
        seen["n"] += 1
        if seen["n"] == calls:
            raise KeyboardInterrupt
        return real(text, path, first)

    monkeypatch.setattr(blocks, "_append", append)


def _hidden(out: Path) -> Path:
    found = [p for p in out.parent.iterdir() if p.name.startswith(f".incomplete-{out.name}-")]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_interrupted_run_is_kept_marked_and_resumes_to_the_same_bytes(
    run_cli, tmp_path, baseline_path, reference, monkeypatch, fmt
):
    out = tmp_path / "out"
    # csv: three files per block, so call 8 is the second file of the third block.
    # parquet: two CSV files per block, so call 6 is the second file of the third block.
    _interrupt_after(monkeypatch, 8 if fmt == "csv" else 6)
    res = run_cli(*_common(baseline_path, out), "--workers", "1", "--format", fmt)
    assert res.code == 130
    assert res.err.startswith("ERROR interrupted after 80 of 100 runs") and "--resume" in res.err
    assert not out.exists()
    hidden = _hidden(out)
    assert (hidden / INCOMPLETE).exists()
    assert not (hidden / "summary.json").exists()
    assert json.loads((hidden / PROGRESS).read_text())["runs_done"] == 80
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(runner, "WRITE_CHUNK", 40)

    res = run_cli("run", baseline_path, "--resume", hidden, "--quiet", "--workers", "2")
    assert res.code == 0, res.err
    assert res.out.strip() == f"Results written to {out}"
    assert not hidden.exists()
    names = {p.name for p in out.iterdir()}
    assert not {PROGRESS, INCOMPLETE} & names
    assert "curves.png" in names
    if fmt == "csv":
        _assert_same_files(out, reference)
    else:
        _assert_same_files(out, reference, ("events.csv", "runs.csv", "summary.json"))
        got = pd.read_parquet(out / "daily.parquet")
        pd.testing.assert_frame_equal(
            got, pd.read_csv(reference / "daily.csv"), check_dtype=False, rtol=1e-5
        )


def test_resume_refuses_another_scenario_or_seed(
    run_cli, tmp_path, baseline_path, make_scenario, monkeypatch
):
    out = tmp_path / "out"
    _interrupt_after(monkeypatch, 4)
    assert run_cli(*_common(baseline_path, out), "--workers", "1").code == 130
    hidden = _hidden(out)
    other = make_scenario({"actors": {"iraq": {"domestic_cost": 0.3}}})
    res = run_cli("run", other, "--resume", hidden, "--quiet")
    assert res.code == 2 and "SHA-256" in res.err
    res = run_cli("run", baseline_path, "--resume", hidden, "--seed", "1", "--quiet")
    assert res.code == 2 and "--seed 1" in res.err
    res = run_cli("run", baseline_path, "--resume", tmp_path, "--quiet")
    assert res.code == 2 and "not an unfinished results folder" in res.err
    out.mkdir()
    (out / "earlier.txt").write_text("earlier results")
    res = run_cli("run", baseline_path, "--resume", hidden, "--quiet")
    assert res.code == 2 and "never overwritten" in res.err
    assert (out / "earlier.txt").read_text() == "earlier results"
    assert (hidden / INCOMPLETE).exists()


def test_sigterm_leaves_a_resumable_folder(tmp_path, baseline_path):
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "model", "run", str(baseline_path), "--runs", "20000"]
    cmd += ["--workers", "2", "--quiet", "--out", str(out)]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = [p / PROGRESS for p in tmp_path.iterdir() if p.name.startswith(".incomplete-")]
        # progress.json is replaced atomically, but appears just after the folder does.
        if found and found[0].exists() and json.loads(found[0].read_text())["runs_done"] > 0:
            break
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.startswith("ERROR interrupted after") and "Traceback" not in err
    assert not out.exists()
    hidden = _hidden(out)
    assert (hidden / INCOMPLETE).exists()
    assert (
        json.loads((hidden / PROGRESS).read_text())["runs_done"] % 200 == 0
    )  # child: blocks of 200


@pytest.mark.parametrize("name", ["..", ".", "...", "a/b", "../up"])
def test_scenario_name_never_leaves_results(run_cli, tmp_path, make_scenario, name):
    path = make_scenario({"name": name}, name="named")
    res = run_cli("run", path, "--runs", "2", "--quiet", "--workers", "1")
    assert res.code == 2
    assert res.err.startswith("ERROR ") and ": name: " in res.err
    assert sorted(os.listdir(tmp_path)) == ["scen"]
