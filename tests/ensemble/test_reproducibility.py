"""A run is a pure function of (scenario, seed); executors never change what runs produce."""

from __future__ import annotations

import numpy as np
import pandas.testing as pdt

from model.config.loader import load_scenario
from model.ensemble.memory import iter_runs, run_seeds
from model.results.tables import build_tables
from model.sim.compiled import compile_scenario
from model.sim.model import simulate


def _assert_same_run(a, b) -> None:
    assert a.seed == b.seed
    np.testing.assert_array_equal(a.metrics, b.metrics)
    np.testing.assert_array_equal(a.holders, b.holders)
    np.testing.assert_array_equal(a.fall_day, b.fall_day)
    assert a.events == b.events
    assert a.end_state == b.end_state
    assert a.leader_exit_day == b.leader_exit_day


def test_same_scenario_and_seed_give_identical_runs(compiled):
    for seed in (0, 7, 20241127):
        _assert_same_run(simulate(compiled, seed), simulate(compiled, seed))


def test_identical_from_a_freshly_loaded_scenario(compiled, baseline_path):
    fresh = load_scenario(baseline_path)
    for seed in (3, 11):
        _assert_same_run(simulate(compiled, seed), simulate(fresh, seed))
        _assert_same_run(simulate(compiled, seed), simulate(compile_scenario(fresh), seed))


def test_runs_do_not_depend_on_what_ran_before(compiled):
    alone = simulate(compiled, 5)
    for s in (1, 2, 3):
        simulate(compiled, s)
    _assert_same_run(alone, simulate(compiled, 5))


def test_different_seeds_give_different_runs(compiled):
    # Guards the tests above against a model that ignores its seed.
    runs = [simulate(compiled, s) for s in range(6)]
    distinct = {r.metrics.tobytes() for r in runs}
    assert len(distinct) == len(runs)


def test_run_seeds_are_deterministic_and_distinct():
    a = run_seeds(20241127, 50)
    assert a == run_seeds(20241127, 50)
    assert len(set(a)) == 50
    assert run_seeds(20241127, 10) == a[:10]  # more runs extend, never reshuffle
    assert run_seeds(1, 10) != a[:10]
    assert all(isinstance(s, int) and s >= 0 for s in a)


def test_pool_gives_the_same_tables_as_serial(compiled):
    seeds = run_seeds(99, 60)
    serial = build_tables(compiled, list(iter_runs(compiled, seeds, workers=1)))
    pooled = build_tables(compiled, list(iter_runs(compiled, seeds, workers=2)))
    pdt.assert_frame_equal(serial.daily, pooled.daily)
    pdt.assert_frame_equal(serial.events, pooled.events)
    pdt.assert_frame_equal(serial.runs, pooled.runs)
    assert len(serial.runs) == 60
    assert serial.daily["run"].nunique() == 60


def test_cli_workers_do_not_change_result_files(run_cli, tmp_path, baseline_path):
    out1, out2 = tmp_path / "w1", tmp_path / "w2"
    common = ("run", baseline_path, "--runs", "30", "--seed", "4242", "--quiet")
    r1 = run_cli(*common, "--workers", "1", "--out", out1)
    r2 = run_cli(*common, "--workers", "2", "--out", out2)
    assert r1.code == 0, r1.err
    assert r2.code == 0, r2.err
    for name in ("daily.csv", "events.csv", "runs.csv", "summary.json"):
        assert (out1 / name).read_bytes() == (out2 / name).read_bytes(), name
    # A different master seed does change them.
    out3 = tmp_path / "w3"
    r3 = run_cli("run", baseline_path, "--runs", "30", "--seed", "4243", "--quiet", "--out", out3)
    assert r3.code == 0, r3.err
    assert (out3 / "daily.csv").read_bytes() != (out1 / "daily.csv").read_bytes()
