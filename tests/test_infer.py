"""infer: the simulator's days and distances, a reproducible posterior, resume, the CLI, SBC.

Inference runs are kept small (tens of particles, two or three generations); what they check
(same seed => same posterior whatever the executor; a resumed inference equals an
uninterrupted one; synthetic records are covered at about the nominal rate) does not need
a large posterior.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

pytest.importorskip("pyabc")

from model.analysis.validate import observation_days  # noqa: E402
from model.config.loader import load_scenario  # noqa: E402
from model.config.observations import load_observations  # noqa: E402
from model.ensemble.executors import Executor, make_executor  # noqa: E402
from model.results.tables import build_tables  # noqa: E402
from model.sim.compiled import compile_scenario  # noqa: E402
from model.sim.model import simulate  # noqa: E402
from model.studies import abc_sampler  # noqa: E402
from model.studies.abcsim import (  # noqa: E402
    CAP_DAYS,
    Prior,
    Simulator,
    day_ranges,
    distances,
    run_days,
    synthetic,
)
from model.studies.infer import Settings, calibration_check, coverage_curve, fit  # noqa: E402

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
SMALL = Settings(particles=24, generations=2, seed=3, pilot_runs=30, predictive_runs=30)


@pytest.fixture(scope="module")
def calibration():
    return [o for o in load_observations() if o.role == "calibration"]


# ------------------------------------------------------------------ the simulator


@pytest.mark.parametrize("scenario", ["baseline.yaml", "counterfactuals/assad_accepts_offer.yaml"])
def test_run_days_read_the_runs_as_validate_reads_the_tables(scenario):
    # the accepted offer: an event of the same actor, kind and target with another outcome
    compiled = compile_scenario(load_scenario(SCENARIOS / scenario))
    obs = load_observations()
    results = [simulate(compiled, s) for s in range(25)]
    tables = build_tables(compiled, results)
    expected = observation_days(obs, tables.runs, tables.events)
    got = np.array([run_days(obs, compiled, r) for r in results])
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_array_equal(got[~np.isnan(got)], expected[~np.isnan(expected)])


def test_distances_are_zero_inside_the_range_capped_and_a_miss_is_the_horizon():
    ranges = np.array([[3.0, 5.0], [10.0, 10.0], [4.0, 4.0]])
    days = np.array([[4.0, 12.0, np.nan], [2.0, 30.0, 4.0]])
    d = distances(days, ranges, horizon=30)
    np.testing.assert_array_equal(d, [[0.0, 2.0, CAP_DAYS], [1.0, CAP_DAYS, 0.0]])
    # a synthetic record dates a missed event on the horizon: a run missing it is 0 away
    assert distances(np.array([np.nan]), np.array([[30.0, 30.0]]), horizon=30)[0] == 0.0


def test_prior_coordinates_are_uniform_on_the_ranges(baseline):
    prior = Prior.of(baseline)
    rng = np.random.default_rng(0)
    x = prior.values(rng.logistic(size=(20000, len(prior.names))))
    assert (x >= prior.low).all() and (x <= prior.high).all()
    np.testing.assert_allclose(x.mean(axis=0), (prior.low + prior.high) / 2, rtol=0.02)
    np.testing.assert_allclose(x.std(axis=0), prior.sd, rtol=0.03)


def test_synthetic_record_is_the_run_itself(baseline, calibration):
    sim = Simulator(baseline, calibration)
    days = sim.days({}, 5)
    record = synthetic(calibration, days, baseline.start_date, sim.horizon)
    ranges = day_ranges(record, baseline.start_date)
    assert (distances(days, ranges, sim.horizon) == 0).all()


# ------------------------------------------------------------------ the posterior


def test_same_seed_same_posterior_whatever_the_executor(baseline, calibration, tmp_path):
    a, scales = fit(baseline, calibration, SMALL, Executor(), tmp_path / "a.db")
    with make_executor("process", 2) as ex:
        b, _ = fit(baseline, calibration, SMALL, ex, tmp_path / "b.db")
    np.testing.assert_array_equal(a.values, b.values)
    np.testing.assert_array_equal(a.weights, b.weights)
    assert abs(a.weights.sum() - 1) < 1e-12
    other = Settings(**{**SMALL.__dict__, "seed": 4})
    c, _ = fit(baseline, calibration, other, Executor(), tmp_path / "c.db", scales)
    assert not np.array_equal(a.values, c.values)


# Slow (tens of seconds): run by `make test-slow`, which CI runs as well.
@pytest.mark.slow
def test_resumed_inference_equals_an_uninterrupted_one(
    baseline, calibration, tmp_path, monkeypatch
):
    three = Settings(**{**SMALL.__dict__, "generations": 3})
    full, scales = fit(baseline, calibration, three, Executor(), tmp_path / "full.db")
    fit(baseline, calibration, SMALL, Executor(), tmp_path / "part.db", scales)
    sampled = []
    original = abc_sampler.SeededSampler.sample_until_n_accepted

    def record(self, n, simulate_one, t, **kw):
        sampled.append(t)
        return original(self, n, simulate_one, t, **kw)

    monkeypatch.setattr(abc_sampler.SeededSampler, "sample_until_n_accepted", record)
    resumed, _ = fit(baseline, calibration, three, Executor(), tmp_path / "part.db", scales)
    assert sampled == [2]  # only the missing generation is sampled
    np.testing.assert_array_equal(full.values, resumed.values)
    np.testing.assert_array_equal(full.weights, resumed.weights)
    assert list(resumed.populations["t"]) == [-1, 0, 1, 2]


def test_infer_writes_its_folder(baseline_path, run_cli, tmp_path):
    out = tmp_path / "post"
    res = run_cli("infer", baseline_path, "--particles", "20", "--generations", "2",
                  "--workers", "1", "--out", out)  # fmt: skip
    assert res.code == 0, res.err
    assert {"posterior.csv", "posterior.json", "posterior.png", "predictive.csv"} <= {
        p.name for p in out.iterdir()
    }
    post = pd.read_csv(out / "posterior.csv")
    doc = json.loads((out / "posterior.json").read_text())
    assert len(post) == 20 and abs(post["weight"].sum() - 1) < 1e-9
    assert set(doc["priors"]) <= set(post.columns)
    for name, p in doc["priors"].items():
        assert post[name].between(p["low"], p["high"]).all()
    assert [g["t"] for g in doc["generations"]] == [0, 1]
    assert {"epsilon", "acceptance_rate", "ess", "simulations"} <= set(doc["generations"][0])
    pred = pd.read_csv(out / "predictive.csv")
    assert list(pred.columns[:11]) == ["observation", "role", "documented_low",
        "documented_high", "median", "p05", "p25", "p75", "p95", "inside_50", "inside_90"]  # fmt: skip
    assert len(pred) == len(load_observations())
    assert (pred["p05"] <= pred["p25"]).all() and (pred["p75"] <= pred["p95"]).all()
    assert "constrained" in res.out or "near its prior" in res.out
    assert not list(tmp_path.glob(".incomplete-*"))
    assert run_cli("verify", out).code == 0  # sealed: every file's SHA-256 in manifest.json


# Slow (tens of seconds): run by `make test-slow`, which CI runs as well.
@pytest.mark.slow
def test_interrupted_inference_keeps_its_generations_and_resumes(
    baseline_path, run_cli, tmp_path, monkeypatch
):
    args = ["--particles", "20", "--generations", "2", "--workers", "1"]
    res = run_cli("infer", baseline_path, *args, "--out", tmp_path / "whole")
    assert res.code == 0, res.err
    original = abc_sampler.SeededSampler.sample_until_n_accepted

    def stop_at_second(self, n, simulate_one, t, **kw):
        if t == 1:
            raise KeyboardInterrupt
        return original(self, n, simulate_one, t, **kw)

    monkeypatch.setattr(abc_sampler.SeededSampler, "sample_until_n_accepted", stop_at_second)
    res = run_cli("infer", baseline_path, *args, "--out", tmp_path / "cut")
    assert res.code == 130 and "--resume" in res.err
    (hidden,) = tmp_path.glob(".incomplete-cut-*")
    assert (hidden / "abc.db").is_file() and not (tmp_path / "cut").exists()
    monkeypatch.setattr(abc_sampler.SeededSampler, "sample_until_n_accepted", original)
    res = run_cli("infer", baseline_path, "--workers", "1", "--resume", hidden)
    assert res.code == 0, res.err
    assert not hidden.exists()
    a = (tmp_path / "whole" / "posterior.csv").read_bytes()
    assert a == (tmp_path / "cut" / "posterior.csv").read_bytes()


def test_bad_inputs_are_one_error_line(baseline_path, run_cli, tmp_path):
    bare = yaml.safe_load(baseline_path.read_text(encoding="utf-8"))
    del bare["uncertain"]
    path = tmp_path / "bare.yaml"
    path.write_text(yaml.safe_dump(bare), encoding="utf-8")
    res = run_cli("infer", path, "--particles", "5")
    assert res.code == 2 and res.err.startswith(f"ERROR {path}: uncertain: no parameters")
    res = run_cli("infer", baseline_path, "--resume", tmp_path)
    assert res.code == 2 and res.err.startswith("ERROR --resume")
    assert "not an unfinished results folder" in res.err
    assert len(res.err.strip().splitlines()) == 1
    res = run_cli("infer", baseline_path, "--resume", tmp_path, "--out", tmp_path / "x")
    assert res.code == 2 and res.err.startswith("ERROR --out")
    assert "cannot be given with --resume" in res.err


# ------------------------------------------------------------------ calibration check

SBC_CASES = 20


@pytest.mark.slow
def test_simulation_based_calibration(baseline, calibration, tmp_path):
    """Synthetic records from known parameters: the truth is covered at about the nominal rate.

    20 cases x the baseline's uncertain parameters; a posterior that is too narrow (or
    ignores the record) fails:
    coverage must be near nominal and the posterior narrower than the prior on average.
    Set SBC_FIGURE=docs to redraw the README's figure.
    """
    settings = Settings(particles=120, generations=3, seed=20241127, pilot_runs=60)
    with make_executor("process", min(2, os.cpu_count() or 1)) as ex:
        table = calibration_check(baseline, calibration, SBC_CASES, settings, ex, tmp_path)
    assert table["case"].nunique() == SBC_CASES
    c50, c90 = table["inside_0.5"].mean(), table["inside_0.9"].mean()
    # The intervals of one case share its record, so the cases are the independent draws:
    # each rate must lie within two binomial standard errors of nominal over SBC_CASES cases
    # (50 %: 0.28 to 0.72; 90 %: 0.77 and above at 20 cases).
    for rate, nominal in ((c50, 0.5), (c90, 0.9)):
        margin = 2 * math.sqrt(nominal * (1 - nominal) / SBC_CASES)
        assert nominal - margin <= rate <= min(nominal + margin, 0.995), (nominal, rate)
    assert table["sd_ratio"].mean() < 0.95  # the record informs the posterior
    target = os.environ.get("SBC_FIGURE")
    if target:
        from model.viz.posterior_plots import plot_calibration_check

        Path(target).mkdir(exist_ok=True)
        plot_calibration_check(
            coverage_curve(table, np.linspace(0.1, 0.9, 9)),
            f"Simulation-based calibration: {SBC_CASES} synthetic records,\n"
            f"{settings.particles} particles x {settings.generations} generations; "
            f"truth inside the 50 % interval {c50:.0%}, the 90 % interval {c90:.0%}",
            Path(target) / "sbc.png",
        )
        table.to_csv(Path(target) / "sbc.csv", index=False)


# Slow (tens of seconds): run by `make test-slow`, which CI runs as well.
@pytest.mark.slow
def test_dask_gives_the_posterior_of_a_serial_run(baseline_path, run_cli, tmp_path):
    pytest.importorskip("distributed")
    args = ["--particles", "12", "--generations", "2"]
    res = run_cli("infer", baseline_path, *args, "--executor", "serial", "--out", tmp_path / "s")
    assert res.code == 0, res.err
    res = run_cli("infer", baseline_path, *args, "--executor", "dask", "--workers", "2",
                  "--out", tmp_path / "d")  # fmt: skip
    assert res.code == 0, res.err
    for name in ("posterior.csv", "predictive.csv"):
        assert (tmp_path / "s" / name).read_bytes() == (tmp_path / "d" / name).read_bytes()
