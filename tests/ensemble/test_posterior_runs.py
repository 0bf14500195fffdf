"""Ensembles over a posterior (model/ensemble/posterior.py) and their paired differences
(model/analysis/posterior_compare.py); no inference runs here: posterior folders are written
by hand."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from posterior_helpers import NAMES, write_posterior
from repo import REPO_ROOT

from model.analysis.posterior_compare import rank_shares, total_interval, total_intervals
from model.config.loader import load_scenario
from model.config.schema import Scenario
from model.ensemble.executors import Executor
from model.ensemble.memory import run_seeds
from model.ensemble.posterior import (
    draw_ids,
    draws_for_runs,
    iter_posterior_runs,
    load_posterior,
    overridden,
    posterior_tasks,
)
from model.errors import ScenarioError
from model.sim.compiled import compile_scenario
from model.sim.model import simulate


@pytest.fixture
def post_dir(tmp_path, baseline):
    values = np.array([[0.50, 25.0], [0.60, 30.0], [0.70, 45.0], [0.55, 40.0]])
    return write_posterior(tmp_path / "post", baseline, values, np.array([0.5, 0.3, 0.2, 0.0]))


def test_draws_are_a_seeded_weighted_resample(post_dir):
    post = load_posterior(post_dir)
    a = draw_ids(post, 400, 7)
    assert np.array_equal(a, draw_ids(post, 400, 7))
    assert not np.array_equal(a, draw_ids(post, 400, 8))
    assert 3 not in a  # weight 0 is never drawn
    share = np.bincount(a, minlength=4) / len(a)
    np.testing.assert_allclose(share[:3], [0.5, 0.3, 0.2], atol=0.07)
    # K seeds per draw: runs K*g .. K*g+K-1 share draw g
    k = draw_ids(post, 9, 7, seeds_per_draw=3)
    assert len(k) == 9 and (k[:3] == k[0]).all() and (k[3:6] == k[3]).all()
    values = draws_for_runs(post_dir, 5, 7)
    assert [v[NAMES[0]] for v in values] == [post.values[i, 0] for i in a[:5]]


def test_a_run_is_its_draw_with_its_own_seed(post_dir, baseline):
    post = load_posterior(post_dir)
    seeds = run_seeds(11, 6)
    runs = list(iter_posterior_runs(baseline, post, seeds, 11, Executor()))
    ids = draw_ids(post, 6, 11)
    for r, seed, i in zip(runs, seeds, ids, strict=True):
        data = baseline.model_dump()
        data["actors"]["units"]["threshold_mean"]["value"] = post.values[i, 0]
        data["combat"]["max_advance_km_per_day"]["value"] = post.values[i, 1]
        expected = simulate(compile_scenario(Scenario.model_validate(data)), seed)
        assert r.seed == seed
        np.testing.assert_array_equal(r.metrics, expected.metrics)


def test_what_a_scenario_sets_itself_overrides_the_draw(post_dir, make_scenario):
    post = load_posterior(post_dir)
    sc = load_scenario(make_scenario({"combat": {"max_advance_km_per_day": 12.5}}))
    assert overridden(sc, post) == ["combat.max_advance_km_per_day"]
    seeds = run_seeds(3, 8)
    tasks = posterior_tasks(sc, post, seeds, draw_ids(post, 8, 3))
    assert [s for t in tasks for s in t[2]] == seeds  # every run keeps its seed, in order
    for _key, data, _seeds in tasks:
        assert data["combat"]["max_advance_km_per_day"]["value"] == 12.5
        assert data["actors"]["units"]["threshold_mean"]["value"] in post.values[:, 0]


def test_a_bad_posterior_folder_names_the_file_and_field(tmp_path, baseline, post_dir):
    with pytest.raises(ScenarioError, match="not found"):
        load_posterior(tmp_path / "nothing")
    bad = write_posterior(tmp_path / "bad", baseline, np.ones((2, 2)), np.array([0.5, 0.7]))
    with pytest.raises(ScenarioError) as err:
        load_posterior(bad)
    assert err.value.field == "weight" and err.value.path.endswith("posterior.csv")


def test_total_interval_separates_seeds_from_parameters():
    rng = np.random.default_rng(0)
    g, k = 400, 4
    effect = rng.normal(2.0, 3.0, g)  # the effect varies with the parameters (tau = 3)
    diffs = np.repeat(effect, k) + rng.normal(0.0, 1.0, g * k)  # seed noise (sigma = 1)
    ids = np.repeat(np.arange(g), k)
    r = total_interval(diffs, ids)
    seed_half = (r["seed_high"] - r["seed_low"]) / 2
    total_half = (r["total_high"] - r["total_low"]) / 2
    np.testing.assert_allclose(seed_half, 1.96 * 1.0 / np.sqrt(g * k), rtol=0.1)
    # the central 95 % of per-draw means: effect (tau 3) plus the noise of K = 4 seeds
    np.testing.assert_allclose(total_half, 1.96 * np.sqrt(9.0 + 1.0 / k), rtol=0.12)
    np.testing.assert_allclose(r["robust_share"], np.mean(np.sign(effect) == 1), atol=0.03)
    assert r["draws"] == g and r["seeds_per_draw"] == k
    # without a parameter effect the total interval is the noise of K seeds only
    flat = total_interval(2.0 + rng.normal(0.0, 1.0, g * k), ids)
    np.testing.assert_allclose(flat["total_high"] - flat["total_low"], 2 * 1.96 / 2, rtol=0.15)
    assert flat["robust_share"] > 0.99
    # skewed effects: the interval follows the draws, never below zero when no draw is
    skewed = total_interval(np.repeat(rng.exponential(5.0, g), k), ids)
    assert skewed["total_low"] >= 0 and skewed["robust_share"] == 1.0


def test_shares_above_at_and_below_zero_with_their_monte_carlo_error():
    ids = np.repeat(np.arange(100), 2)
    effect = np.r_[np.full(70, 1.0), np.zeros(20), np.full(10, -1.0)]  # 20 draws: no effect
    r = total_interval(np.repeat(effect, 2), ids)
    assert (r["p_pos"], r["p_zero"], r["p_neg"]) == (0.7, 0.2, 0.1)
    # a draw with no effect is not counted for the conclusion: 70 %, not 90 %
    assert r["robust_share"] == 0.7
    assert r["p_pos_se"] == pytest.approx(np.sqrt(0.7 * 0.3 / 100))


def test_total_intervals_flag_what_holds_and_rank_shares():
    ids = np.repeat(np.arange(5), 2)
    diffs = pd.DataFrame(
        {
            "a": [3, 3, 2, 2, 4, 4, 3, 3, 5, 5],  # positive in every draw
            "b": [1, 1, -1, -1, 2, 2, 1, 1, -2, -2],  # sign changes with the draw
        },
        dtype=float,
    )
    t = total_intervals(diffs, ids).set_index("name")
    # positive in all 5 draws, yet 5 draws cannot show 90 %: the lower end of its share is 57 %
    assert t.loc["a", "robust_share"] == 1.0 and not t.loc["a", "holds"]
    assert t.loc["a", "robust_low"] == pytest.approx(0.566, abs=0.01)
    assert t.loc["b", "robust_share"] == 0.6 and not t.loc["b", "holds"]
    many = np.repeat(np.arange(60), 2)
    sure = total_intervals(pd.DataFrame({"a": np.repeat(np.arange(1.0, 61.0), 2)}), many)
    assert sure.loc[0, "holds"] and sure.loc[0, "robust_low"] > 0.9
    # the posterior's own effective sample size counts too: 60 draws of 24 effective particles
    few = total_intervals(pd.DataFrame({"a": np.repeat(np.arange(1.0, 61.0), 2)}), many, ess=24)
    assert few.loc[0, "effective_draws"] == pytest.approx(1 / (1 / 60 + 1 / 24))
    assert not few.loc[0, "holds"]
    ranks = rank_shares(diffs, ids)
    assert ranks.index[0] == "a" and ranks.loc["a", 1] == 1.0 and ranks.loc["b", 2] == 1.0


# --- the command line: run, compare, validate and ablate with --posterior ------------------


def test_run_with_a_posterior_draws_each_runs_parameters(
    run_cli, tmp_path, baseline_path, post_dir
):
    plain, post = tmp_path / "plain", tmp_path / "post_run"
    common = ("run", baseline_path, "--runs", "16", "--seed", "5", "--workers", "1", "--quiet")
    assert run_cli(*common, "--out", plain).code == 0
    res = run_cli(*common, "--posterior", post_dir, "--seeds-per-draw", "4", "--out", post)
    assert res.code == 0, res.err
    a, b = pd.read_csv(plain / "runs.csv"), pd.read_csv(post / "runs.csv")
    assert list(a.seed) == list(b.seed)  # the seeds stay those of the master seed
    assert not a.equals(b)  # the drawn parameters change what happens
    man = json.loads((post / "manifest.json").read_text())
    assert man["posterior"]["sha256"] == load_posterior(post_dir).digest
    assert man["posterior"]["seeds_per_draw"] == 4
    again = tmp_path / "again"
    assert (
        run_cli(*common, "--posterior", post_dir, "--seeds-per-draw", "4", "--out", again).code == 0
    )
    assert (again / "runs.csv").read_bytes() == (post / "runs.csv").read_bytes()


def test_compare_with_a_posterior_pairs_draws_and_gives_total_intervals(
    run_cli, tmp_path, baseline_path, make_scenario, post_dir
):
    same = make_scenario({"name": "same"})  # the baseline again: every paired difference is 0
    russia = REPO_ROOT / "scenarios" / "counterfactuals" / "russia_stays.yaml"
    out = tmp_path / "cmp"
    res = run_cli("compare", baseline_path, same, russia, "--runs", "24", "--seed", "5",
                  "--workers", "1", "--posterior", post_dir, "--seeds-per-draw", "4",
                  "--out", out)  # fmt: skip
    assert res.code == 0, res.err
    t = pd.read_csv(out / "comparison.csv")
    assert {"total_low", "total_high", "robust_share"} <= set(t.columns)
    s = t[(t.scenario == "same") & t["diff"].notna()]
    assert (s["diff"] == 0).all() and (s["total_low"] == 0).all() and (s["total_high"] == 0).all()
    r = t[(t.scenario == "russia_stays") & (t.measure == "Damascus_days_held")].iloc[0]
    assert r.total_low <= r["diff"] <= r.total_high and 0 <= r.robust_share <= 1
    assert "total [" in res.out and "Ranking by effect" in res.out
    assert (out / "ranking.csv").is_file()
    plain = tmp_path / "plain"
    assert run_cli("compare", baseline_path, russia, "--runs", "8", "--workers", "1",
                   "--quiet", "--out", plain).code == 0  # fmt: skip
    assert "total_low" not in pd.read_csv(plain / "comparison.csv").columns


def test_validate_and_ablate_take_a_posterior(run_cli, tmp_path, baseline_path, post_dir):
    res = run_cli("validate", baseline_path, "--runs", "8", "--workers", "1", "--posterior",
                  post_dir, "--out", tmp_path / "v")  # fmt: skip
    assert res.code == 0, res.err
    res = run_cli("run", baseline_path, "--posterior", tmp_path / "nothing", "--quiet")
    assert res.code == 2 and res.err.startswith("ERROR") and "posterior.csv" in res.err


def test_the_dashboards_ensemble_takes_a_posterior(baseline, make_scenario, post_dir):
    ens = pytest.importorskip("model.dashboard.ensemble", reason="the dashboard extra")
    other = load_scenario(REPO_ROOT / "scenarios" / "counterfactuals" / "russia_stays.yaml")
    # The page offers the posterior folders under its results root, by their relative name.
    root = post_dir.parent
    assert ens.posterior_folders(root) == [post_dir.name]
    cmp = ens.run_comparison([baseline, other], 16, 5, workers=1, posterior_dir=post_dir.name,
                             seeds_per_draw=4, results_root=root)  # fmt: skip
    assert {"total_low", "total_high", "robust_share"} <= set(cmp.table.columns)
    assert "total [" in ens.table_html(cmp) and "of draws" in ens.table_html(cmp)
    plain = ens.run_comparison([baseline, other], 16, 5, workers=1)
    assert "total [" not in ens.table_html(plain)
    with pytest.raises(ScenarioError):
        ens.run_comparison([baseline, other], 4, 5, workers=1, posterior_dir=str(post_dir),
                           results_root=root)  # fmt: skip
