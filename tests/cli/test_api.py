"""The Python API (``import model``) gives what the command line writes, from the same seeds."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import model
from model.config.schema import Scenario
from model.errors import OptionError, ScenarioError


def _read(folder, name):
    return pd.read_csv(folder / name)


def _cli_folder(run_cli, tmp_path, *args):
    res = run_cli(*args, "--quiet", "--out", tmp_path / "cli")
    assert res.code == 0, res.err
    return tmp_path / "cli"


def test_top_level_names_are_the_documented_api():
    for name in ("load", "run", "compare", "simulate", "Ensemble", "Comparison"):
        assert name in dir(model) and callable(getattr(model, name))
    with pytest.raises(AttributeError):
        model.no_such_thing  # noqa: B018


def test_load_returns_a_scenario(baseline_path):
    sc = model.load(baseline_path)
    assert isinstance(sc, Scenario) and sc.name == "baseline"


def test_run_gives_the_cli_runs_for_the_same_seed(run_cli, tmp_path, baseline_path):
    # 60 runs on two workers: more than one task, so the pool really splits the work.
    ens = model.run(baseline_path, runs=60, seed=7, workers=2)
    folder = _cli_folder(run_cli, tmp_path, "run", baseline_path, "--runs", "60", "--seed", "7",
                         "--workers", "1")  # fmt: skip
    pd.testing.assert_frame_equal(ens.runs, _read(folder, "runs.csv"), check_dtype=False)
    pd.testing.assert_frame_equal(
        ens.events.fillna(""), _read(folder, "events.csv").fillna(""), check_dtype=False
    )
    pd.testing.assert_frame_equal(
        ens.daily, _read(folder, "daily.csv"), check_dtype=False, rtol=1e-5
    )
    written = json.loads((folder / "summary.json").read_text())
    mine, theirs = pd.json_normalize(ens.summary).iloc[0], pd.json_normalize(written).iloc[0]
    pd.testing.assert_series_equal(mine, theirs, check_dtype=False, rtol=1e-9)
    assert len(ens.seeds) == 60 and ens.master_seed == 7


def test_simulate_is_one_run_of_the_ensemble(baseline):
    ens = model.run(baseline, runs=5, seed=3, workers=1)
    one = model.simulate(baseline, ens.seeds[3])
    row = ens.runs[ens.runs.run == 3].drop(columns="run").reset_index(drop=True)
    pd.testing.assert_frame_equal(one.runs.drop(columns="run"), row)
    daily = ens.daily[ens.daily.run == 3].drop(columns="run").reset_index(drop=True)
    pd.testing.assert_frame_equal(one.daily.drop(columns="run"), daily)


def test_compare_gives_the_cli_comparison(run_cli, tmp_path, baseline_path):
    cf = baseline_path.parent / "counterfactuals" / "assad_accepts_offer.yaml"
    cmp = model.compare([baseline_path, cf], runs=30, seed=11)
    folder = _cli_folder(run_cli, tmp_path, "compare", baseline_path, cf, "--runs", "30",
                         "--seed", "11", "--workers", "1")  # fmt: skip
    written = _read(folder, "comparison.csv")
    pd.testing.assert_frame_equal(cmp.table, written, check_dtype=False, rtol=1e-5)
    assert cmp.names == ["baseline", "assad_accepts_offer"]
    accepted = cmp["assad_accepts_offer"].runs
    pd.testing.assert_frame_equal(
        accepted, _read(folder / "assad_accepts_offer", "runs.csv"), check_dtype=False
    )


def test_bad_arguments_raise_the_package_errors(baseline_path, make_scenario):
    with pytest.raises(OptionError):
        model.run(baseline_path, runs=0)
    with pytest.raises(OptionError):
        model.compare([baseline_path], runs=5)
    bad = make_scenario(raw="decisions:\n  leader_accepts_offer: yes\n", name="bad")
    with pytest.raises(ScenarioError):
        model.run(bad, runs=2)
