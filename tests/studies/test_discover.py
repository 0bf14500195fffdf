"""Scenario discovery: PRIM on a planted box, the box chosen and said, the hypercube, the folder."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from repo import REPO_ROOT

from model.analysis import discovery as disc
from model.config.schema import DECISIONS
from model.studies.discover import cases_table

BASE = str(REPO_ROOT / "scenarios" / "baseline.yaml")


def _planted(n: int = 4000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Cases of interest where a > 0.6 and b < 0.5 and d is accept, with 2 % label noise."""
    rng = np.random.default_rng(seed)
    choice = lambda: pd.Categorical(np.where(rng.uniform(size=n) < 0.5, "accept", "refuse"))  # noqa: E731
    x = pd.DataFrame({"a": rng.uniform(size=n), "b": rng.uniform(size=n),
                      "c": rng.uniform(size=n), "d": choice(), "e": choice()})  # fmt: skip
    y = ((x.a > 0.6) & (x.b < 0.5) & (x.d == "accept")).to_numpy()
    return x, y ^ (rng.uniform(size=n) < 0.02)


def test_prim_recovers_a_planted_box():
    x, y = _planted()
    found = disc.discover(x, y, seed=1, resamples=4)
    assert found["reaches_goal"]
    step = found["trajectory"].loc[found["chosen"]]
    assert step.coverage >= 0.8 and step.density >= 0.8
    lims = {lim["input"]: lim for lim in found["limits"]}
    significant = {n for n, lim in lims.items()
                   if min(q for q in (lim["qp_low"], lim["qp_high"]) if q is not None) < 0.05}  # fmt: skip
    assert significant == {"a", "b", "d"}
    assert lims["a"]["low"] == pytest.approx(0.6, abs=0.03)
    assert lims["b"]["high"] == pytest.approx(0.5, abs=0.03)
    assert lims["d"]["values"] == ["accept"]
    assert found["stability"]["a"] == found["stability"]["b"] == 1.0
    words = disc.in_words(found["limits"])
    assert re.fullmatch(r"a above 0\.6\d* and b below 0\.(4[89]|5)\d* and d = accept", words)
    scores = found["feature_scores"]
    assert min(scores["a"], scores["b"], scores["d"]) > max(scores["c"], scores["e"])


def test_the_discovery_is_reproducible_and_leaves_numpy_as_it_was():
    x, y = _planted(1500, seed=4)
    np.random.seed(123)
    before = np.random.random()
    np.random.seed(123)
    a = disc.discover(x, y, seed=9, resamples=3)
    after = np.random.random()
    assert before == after  # the resampling's seeding was undone
    b = disc.discover(x, y, seed=9, resamples=3)
    assert a["stability"] == b["stability"] and a["feature_scores"] == b["feature_scores"]
    pd.testing.assert_frame_equal(a["trajectory"], b["trajectory"])


def test_the_chosen_box_is_the_simplest_that_reaches_the_goal_else_the_most_balanced():
    t = pd.DataFrame({"coverage": [1.0, 0.9, 0.85, 0.6], "density": [0.3, 0.82, 0.9, 0.99],
                      "res_dim": [0, 2, 3, 3]})  # fmt: skip
    assert disc.choose(t) == (1, True)
    t = pd.DataFrame({"coverage": [1.0, 0.7, 0.5], "density": [0.2, 0.6, 0.9],
                      "res_dim": [0, 1, 2]})  # fmt: skip
    assert disc.choose(t) == (1, False)


def test_a_box_in_words_leaves_out_what_is_not_significant():
    lims = [
        {"input": "u", "kind": "number", "low": 0.62, "high": None, "qp_low": 1e-9,
         "qp_high": None},
        {"input": "w", "kind": "number", "low": 0.1, "high": 0.4, "qp_low": 0.3, "qp_high": 0.01},
        {"input": "t", "kind": "choice", "values": ["accept"], "qp_low": 0.001, "qp_high": None},
        {"input": "s", "kind": "choice", "values": ["refuse"], "qp_low": 0.5, "qp_high": None},
    ]  # fmt: skip
    assert disc.in_words(lims) == "u above 0.62 and w below 0.4 and t = accept"


def test_the_cases_are_a_latin_hypercube_with_balanced_decisions(baseline):
    n = 200
    t = cases_table(baseline, n, 5)
    assert list(t.columns[:2]) == ["case", "seed"] and len(t) == n
    for name, rng in baseline.uncertain.items():
        # one case in each of the n equal strata of every range: a Latin hypercube
        strata = np.floor((t[name] - rng.low) / (rng.high - rng.low) * n).astype(int)
        assert sorted(strata) == list(range(n)), name
    for d in DECISIONS:
        assert set(t[d]) == {"accept", "refuse"} and (t[d] == "accept").sum() in (
            n // 2,
            n // 2 + 1,
        )
    pd.testing.assert_frame_equal(t, cases_table(baseline, n, 5))
    assert not t.equals(cases_table(baseline, n, 6))
    assert t.seed.is_unique


def test_discover_writes_a_sealed_folder(tmp_path, run_cli):
    out = tmp_path / "disc"
    res = run_cli("discover", BASE, "--cases", "120", "--resamples", "2", "--out", str(out),
                  "--executor", "serial")  # fmt: skip
    assert res.code == 0, res.err
    boxes = pd.read_csv(out / "boxes.csv")
    assert {"target", "step", "coverage", "density", "chosen"} <= set(boxes.columns)
    assert set(boxes.target) == {"held_8dec", "held_at_horizon"}
    doc = json.loads((out / "boxes.json").read_text())
    for t in doc["targets"]:
        assert 0 <= t["of_interest"] <= 1
        if t["chosen"] is not None:
            assert boxes[(boxes.target == t["id"]) & boxes.chosen].step.tolist() == [
                t["chosen"]["step"]
            ]
            assert t["chosen"]["words"] in res.out
    cases = pd.read_csv(out / "cases.csv")
    assert len(cases) == 120
    assert ((cases.capital_fall_day < 0) == cases.held_at_horizon).all()
    assert (out / "tradeoff.png").stat().st_size > 0
    assert run_cli("verify", str(out)).code == 0


def test_discover_without_uncertain_ranges_is_one_line(bare_scenario, run_cli):
    path = bare_scenario
    res = run_cli("discover", path, "--cases", "10")
    assert res.code == 2 and res.err.startswith(f"ERROR {path}: uncertain: no parameters")
    assert res.err.count("\n") == 1
