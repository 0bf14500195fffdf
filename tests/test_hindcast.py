"""hindcast: what each origin knows, forecasts that know it, library scores, skill, the CLI."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pyabc")
pytest.importorskip("scoringrules")

from model.config.observations import load_observations  # noqa: E402
from model.studies.hindcast import (  # noqa: E402
    MIN_KEPT,
    conditioned,
    origin_days,
    score_forecast,
    skill,
    split,
)

START = dt.date(2024, 11, 27)


def test_an_origin_knows_only_what_was_documented_before_it():
    obs = load_observations()
    known, later = split(obs, 6, START)  # 3 December
    assert {o.id for o in known} == {
        o.id for o in obs if (o.latest or o.date) < dt.date(2024, 12, 3)
    }
    assert "aleppo_falls" in {o.id for o in known}  # 29 Nov - 1 Dec, wholly before
    assert "iraq_relays_to_turkey" in {o.id for o in later}  # on the origin day itself
    assert len(known) + len(later) == len(obs)
    assert split(obs, 1, START)[0] == []


def test_a_forecast_leaves_out_runs_in_which_the_event_already_happened():
    days = np.r_[np.full(50, 2.0), np.full(30, 9.0), np.full(20, np.nan)]
    sample, share = conditioned(days, 5, 30)
    assert share == 0.5 and sorted(set(sample)) == [9.0, 30.0]
    few = np.r_[np.full(100 - MIN_KEPT + 1, 2.0), np.full(MIN_KEPT - 1, 9.0)]
    sample, _ = conditioned(few, 5, 30)
    assert len(sample) == 100 and sample.min() == 5.0  # too few: clipped to the origin


def test_scores_come_from_scoringrules_and_reward_the_right_forecast():
    rng = np.random.default_rng(1)
    near = rng.normal(11.0, 1.0, 300).round()
    far = rng.normal(20.0, 1.0, 300).round()
    doc = (11, 10, 11)
    a, b = score_forecast(near, doc), score_forecast(far, doc)
    assert a["crps"] < b["crps"] and a["is90"] < b["is90"] and a["logs"] < b["logs"]
    # the ensemble CRPS: E|X - y| - E|X - X'| / 2
    crps = np.abs(near - 11).mean() - 0.5 * np.abs(near[:, None] - near[None, :]).mean()
    np.testing.assert_allclose(a["crps"], crps, rtol=1e-6)


def test_skill_is_one_minus_the_ratio_with_a_bootstrap_interval():
    t = pd.DataFrame({"model_crps": [1.0, 2.0, 1.0, 2.0], "uniform_crps": [4.0, 4.0, 4.0, 4.0]})
    s = skill(t, "crps", "uniform", seed=1)
    assert s["skill"] == pytest.approx(1 - 1.5 / 4.0)
    assert s["low"] <= s["skill"] <= s["high"] and s["events"] == 4
    assert skill(t.iloc[:0], "crps", "uniform", 1)["skill"] is None


def test_origins_are_checked(baseline_path, run_cli):
    assert origin_days(["2024-11-30", "2024-12-06"], START, 30) == [3, 9]
    res = run_cli("hindcast", baseline_path, "--origins", "2024-13-01")
    assert res.code == 2 and res.err.startswith("ERROR --origins 2024-13-01")
    res = run_cli("hindcast", baseline_path, "--origins", "2025-06-01")
    assert res.code == 2 and "before the horizon" in res.err


def test_hindcast_writes_scores_against_three_baselines(baseline_path, run_cli, tmp_path):
    out = tmp_path / "hc"
    res = run_cli("hindcast", baseline_path, "--origins", "2024-11-28,2024-12-04",
                  "--particles", "20", "--generations", "2", "--forecast-runs", "40",
                  "--workers", "1", "--out", out)  # fmt: skip
    assert res.code == 0, res.err
    assert {p.name for p in out.iterdir()} >= {"scores.csv", "scores.json", "hindcast.png"}
    scores = pd.read_csv(out / "scores.csv")
    for col in ("origin", "event", "documented", "model_crps", "uniform_crps", "prior_crps",
                "handset_crps", "model_is90", "model_logs"):  # fmt: skip
        assert col in scores
    first = scores[scores["origin"] == "2024-11-28"]
    # nothing is documented before 28 November (the appeal in Moscow): the model's forecast
    # is the prior's
    assert (first["known_observations"] == 0).all()
    np.testing.assert_allclose(first["model_crps"], first["prior_crps"])
    later = scores[scores["origin"] == "2024-12-04"]
    assert (later["known_observations"] > 0).all()
    assert set(later["event"]) == {o.id for o in split(load_observations(), 7, START)[1]}
    doc = json.loads((out / "scores.json").read_text())
    for origin in ("2024-11-28", "2024-12-04", "all"):
        for baseline in ("uniform", "prior", "handset"):
            s = doc["skill"][origin]["crps"][baseline]
            assert s["low"] <= s["skill"] <= s["high"]
    assert "vs uniform" in res.out
