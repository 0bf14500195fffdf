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
from model.config.uncertain import Ranges  # noqa: E402
from model.studies.hindcast import (  # noqa: E402
    consistent,
    origin_days,
    persistence,
    score_forecast,
    skill,
    split,
)
from model.studies.table import Table  # noqa: E402

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


def test_a_forecast_keeps_only_runs_in_which_nothing_still_to_come_had_happened():
    obs = load_observations()
    d0 = 7  # 4 December
    known, later = split(obs, d0, START)
    ranges = Ranges(("a",), np.zeros(1), np.ones(1), (False,))
    rng = np.random.default_rng(0)
    days = rng.integers(2, 16, (500, len(obs))).astype(float)
    days[:5] = np.nan  # never: not happened by the origin either
    t = Table(ranges, obs, np.arange(500), rng.random((500, 1)), np.arange(500, dtype=np.uint64),
              days, np.zeros((500, 5)), 30, START)  # fmt: skip
    ok = consistent(t, later, d0)
    for o in later:
        c = t.columns([o.id])[0]
        if o.day_range(START)[1] >= d0:  # documented from the origin on: not yet happened
            assert (t.filled()[ok, c] >= d0).all()
    assert ok[:5].all() and 0 < ok.mean() < 1


def test_persistence_continues_the_pace_so_far():
    # 4 events in 8 days: one every 2 days; 6 still to come take 12 days
    np.testing.assert_array_equal(persistence(4, 8, 6, 30), np.arange(8, 21))
    np.testing.assert_array_equal(persistence(0, 3, 6, 30), np.arange(3, 31))  # no pace yet
    assert persistence(1, 8, 50, 30).max() == 30  # never past the horizon


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


def test_skill_folds_the_seeds_into_its_interval():
    t = pd.DataFrame({
        "event": ["a", "b", "a", "b"], "seed": [0, 0, 1, 1],
        "model_crps": [1.0, 2.0, 3.0, 2.0], "prior_crps": [4.0, 4.0, 4.0, 4.0],
    })  # fmt: skip
    s = skill(t, "crps", "prior", seed=1)
    assert s["per_seed"] == pytest.approx([1 - 1.5 / 4, 1 - 2.5 / 4])
    assert s["skill"] == pytest.approx(np.mean(s["per_seed"]))
    assert s["low"] <= min(s["per_seed"]) and s["high"] >= max(s["per_seed"])
    assert s["events"] == 2
    assert skill(t.iloc[:0], "crps", "prior", 1)["skill"] is None


def test_origins_are_checked(baseline_path, run_cli):
    assert origin_days(["2024-11-30", "2024-12-06"], START, 30) == [3, 9]
    res = run_cli("hindcast", baseline_path, "--origins", "2024-13-01")
    assert res.code == 2 and res.err.startswith("ERROR --origins 2024-13-01")
    res = run_cli("hindcast", baseline_path, "--origins", "2025-06-01")
    assert res.code == 2 and "before the horizon" in res.err


def test_hindcast_writes_scores_against_three_baselines(baseline_path, run_cli, tmp_path):
    from model.cli.main import main

    ref = tmp_path / "ref"
    assert main(["reference", str(baseline_path), "--runs", "900", "--workers", "2",
                 "--out", str(ref)]) == 0  # fmt: skip
    out = tmp_path / "hc"
    res = run_cli("hindcast", baseline_path, "--reference", ref, "--origins",
                  "2024-11-28,2024-12-04", "--ess", "10", "--workers", "1", "--out", out)  # fmt: skip
    assert res.code == 0, res.err
    assert {p.name for p in out.iterdir()} >= {"scores.csv", "scores.json", "hindcast.png"}
    scores = pd.read_csv(out / "scores.csv")
    for col in ("origin", "event", "seed", "documented", "model_crps", "uniform_crps",
                "prior_crps", "persistence_crps", "model_is90", "model_logs"):  # fmt: skip
        assert col in scores
    held = {o.id for o in load_observations() if o.role == "held_out"}
    assert set(scores["event"]) <= held  # held-out events only
    assert set(scores["seed"]) == {0, 1, 2}
    first = scores[scores["origin"] == "2024-11-28"]
    # nothing is documented before 28 November (the appeal in Moscow): the model's forecast is the prior's
    assert (first["known_observations"] == 0).all()
    np.testing.assert_allclose(first["model_crps"], first["prior_crps"])
    later = scores[scores["origin"] == "2024-12-04"]
    assert (later["known_observations"] > 0).all()
    assert set(later["event"]) == {o.id for o in split(load_observations(), 7, START)[1]} & held
    doc = json.loads((out / "scores.json").read_text())
    for origin in ("2024-11-28", "2024-12-04", "all"):
        for baseline in ("uniform", "prior", "persistence"):
            s = doc["skill"][origin]["crps"][baseline]
            assert s["low"] <= s["skill"] <= s["high"] and len(s["per_seed"]) == 3
    assert doc["leakage"] == []
    assert "vs persistence" in res.out and "Leakage" in res.out
