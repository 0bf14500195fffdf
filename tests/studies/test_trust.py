"""Validation scores, uncertain declarations and sensitivity end to end."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pandas as pd
import pytest

from model.analysis.validate import score, summarize_scores
from model.cli.main import main
from model.config.loader import load_scenario
from model.config.observations import Observation, load_observations
from model.config.schema import iter_params
from model.config.uncertain import Ranges, calibrated_names
from model.errors import ScenarioError

START = dt.date(2024, 11, 27)
EVENT_COLUMNS = ["run", "day", "date", "actor", "kind", "target", "channel", "outcome", "rule"]


def obs(id_: str, match: dict, date: str, role: str, earliest=None, latest=None) -> Observation:
    d = {"id": id_, "what": id_, "date": dt.date.fromisoformat(date), "match": match}
    if earliest:
        d["earliest"] = dt.date.fromisoformat(earliest)
        d["latest"] = dt.date.fromisoformat(latest)
    return Observation.model_validate({**d, "role": role, "source": "test"})


def runs_table(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    return pd.DataFrame({"run": np.arange(n), **cols})


NO_EVENTS = pd.DataFrame(columns=EVENT_COLUMNS)

# A on day 3, B on days 5-6, C (leader exit) on day 8: documented order A < B < C.
OBSERVATIONS = [
    obs("A", {"place": "A"}, "2024-11-30", "calibration"),
    obs("B", {"place": "B"}, "2024-12-02", "held_out", "2024-12-02", "2024-12-03"),
    obs("C", {"leader_exit": True}, "2024-12-05", "held_out"),
]
RUNS = runs_table(
    fall_day_A=[3, 3, 4, 10],  # median 3.5: 0.5 days from day 3; 3 of 4 runs within a day
    fall_day_B=[5, 6, 9, 9],  # median 7.5: 1.5 days after the range 5-6; 2 of 4 within a day
    leader_exit_day=[-1, 8, 8, -1],  # produced in 2 runs, median 8: on the date
)


def test_score_per_observation_has_the_known_answers():
    t = score(OBSERVATIONS, RUNS, NO_EVENTS, START).set_index("id")
    assert t.loc["A", "median"] == 3.5 and t.loc["A", "distance"] == 0.5
    assert t.loc["B", "distance"] == 1.5 and t.loc["C", "distance"] == 0.0
    assert list(t["hit"]) == [True, False, True]
    assert list(t["within_one_day"]) == [0.75, 0.5, 0.5]
    assert list(t["share_produced"]) == [1.0, 1.0, 0.5]
    assert (t["doc_lo"].tolist(), t["doc_hi"].tolist()) == ([3, 5, 8], [3, 6, 8])
    # the medians keep every documented order
    assert list(t["order_kept"]) == [1.0, 1.0, 1.0]
    # run 3 puts A (day 10) after B (day 9); run 2 puts B (9) after C (8); a missing event
    # reverses nothing
    assert list(t["order_runs"]) == [0.75, 0.5, 0.75]


def test_summary_scores_split_by_role():
    s = summarize_scores(score(OBSERVATIONS, RUNS, NO_EVENTS, START))
    assert s["all"]["mae_days"] == pytest.approx(2 / 3)
    assert s["all"]["hit_share"] == pytest.approx(2 / 3)
    assert s["calibration"] == pytest.approx(
        {
            "observations": 1,
            "mae_days": 0.5,
            "hit_share": 1.0,
            "within_one_day_mean": 0.75,
            "order_kept_mean": 1.0,
            "order_runs_mean": 0.75,
            "not_produced": 0,
        }
    )
    assert s["held_out"]["mae_days"] == pytest.approx(0.75)
    assert s["held_out"]["hit_share"] == 0.5


def test_reversed_medians_and_unproduced_events():
    observations = [
        obs("early", {"place": "A"}, "2024-11-28", "calibration"),
        obs("late", {"place": "B"}, "2024-12-07", "calibration"),
        obs("never", {"place": "D"}, "2024-12-01", "calibration"),
    ]
    runs = runs_table(fall_day_A=[9, 9], fall_day_B=[2, 2], fall_day_D=[-1, -1])
    t = score(observations, runs, NO_EVENTS, START).set_index("id")
    assert t.loc["early", "order_kept"] == 0.0 and t.loc["early", "order_runs"] == 0.0
    assert math.isnan(t.loc["never", "median"]) and not t.loc["never", "hit"]
    s = summarize_scores(t.reset_index())
    assert s["calibration"]["not_produced"] == 1
    assert s["calibration"]["hit_share"] == 0.0


def test_event_observations_take_the_first_matching_entry():
    o = obs(
        "appeal",
        {"event": {"actor": "regime", "kind": "appeal", "target": "iraq"}},
        "2024-12-05",
        "held_out",
    )
    events = pd.DataFrame(
        [
            (0, 8, "", "regime", "appeal", "iraq", "", "", "R1"),
            (0, 9, "", "regime", "appeal", "iraq", "", "", "R1"),
            (1, 2, "", "regime", "appeal", "turkey", "", "", "R1"),
        ],
        columns=EVENT_COLUMNS,
    )
    t = score([o], runs_table(leader_exit_day=[1, 1]), events, START)
    assert t.loc[0, "median"] == 8 and t.loc[0, "share_produced"] == 0.5


def test_every_observation_has_a_role_and_both_roles_are_used():
    roles = {o.role for o in load_observations()}
    assert roles == {"calibration", "held_out"}


# ------------------------------------------------------------------ uncertain declarations


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"actors.units.no_such_thing": [0.1, 0.2]}, "unknown parameter"),
        ({"actors.units.threshold_mean": [0.7, 0.5]}, "empty or reversed range"),
        ({"actors.units.threshold_mean": [0.5, 0.5]}, "empty or reversed range"),
        ({"actors.units.threshold_mean": {"low": 0.5, "high": 1.5}}, "high (1.5) is outside"),
        ({"actors.regime.secret_departure": [0, 1]}, "not a numeric parameter"),
        ({"actors.iran.astana_convening_lag_days": [1.5, 3]}, "whole number"),
        ({"horizon_days": [10, 20]}, "cannot be explored"),
    ],
)
def test_bad_uncertain_declaration(make_scenario, run_cli, entry, message):
    path = make_scenario({"uncertain": entry})
    field = f"uncertain.{next(iter(entry))}"
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert err.value.path == str(path) and err.value.field == field
    assert message in err.value.message
    res = run_cli("sensitivity", path, "--workers", "1")
    lines = res.err.strip().splitlines()
    assert res.code == 2 and len(lines) == 1
    assert lines[0].startswith(f"ERROR {path}: {field}: ")


def test_uncertain_merges_through_extends(make_scenario, baseline):
    sc = load_scenario(
        make_scenario({"uncertain": {"combat.noise_sd": {"low": 0.1, "high": 0.5, "note": "n"}}})
    )
    assert set(sc.uncertain) == set(baseline.uncertain) | {"combat.noise_sd"}
    assert sc.uncertain["combat.noise_sd"].note == "n"


def test_baseline_uncertain_section(baseline):
    params = dict(iter_params(baseline))
    for name, rng in baseline.uncertain.items():
        # An assumption (hand-set or calibrated) with a reason, never a value only reported.
        assert params[name].assumption and rng.note
        assert rng.low <= params[name].value <= rng.high
    # every value marked calibrated has a range, so the calibration pipeline sets it
    assert set(calibrated_names(baseline)) <= set(baseline.uncertain)


def test_no_uncertain_parameters_is_an_error(baseline, bare_scenario, run_cli, tmp_path):
    with pytest.raises(ScenarioError, match="no parameters declared") as err:
        Ranges.of(baseline.model_copy(update={"uncertain": {}}), "x.yaml")
    assert err.value.field == "uncertain" and err.value.path == "x.yaml"
    path = bare_scenario
    res = run_cli("reference", path, "--runs", "5")
    assert res.code == 2 and res.err.startswith(f"ERROR {path}: uncertain: no parameters")
    assert not (tmp_path / "results").exists()


# ------------------------------------------------------------------ end to end


def test_validate_writes_its_folder(baseline_path, run_cli, tmp_path):
    out = tmp_path / "v"
    res = run_cli("validate", baseline_path, "--runs", "8", "--workers", "1", "--out", out)
    assert res.code == 0, res.err
    assert {p.name for p in out.iterdir()} == {
        "validation.csv",
        "validation.json",
        "validation.png",
        "manifest.json",
    }
    assert main(["verify", str(out)]) == 0  # sealed: every file's SHA-256 recorded
    doc = json.loads((out / "validation.json").read_text())
    assert set(doc["summary"]) == {"all", "calibration", "held_out", "held_out_linked",
                                   "held_out_all"}  # fmt: skip
    for o in doc["observations"]:
        assert {"linked_to", "inside", "pit", "verdict"} <= set(o)
    assert "Predictive check" in res.out and "Leave one region out: give --reference" in res.out
    assert "held out" in res.out and "mean absolute error" in res.out
    again = run_cli("validate", baseline_path, "--runs", "8", "--workers", "1", "--out", out)
    assert again.code == 2 and "never overwritten" in again.err


def test_morris_sensitivity_end_to_end(baseline_path, run_cli, tmp_path):
    out = tmp_path / "s"
    res = run_cli(
        "sensitivity", baseline_path, "--method", "morris", "--samples", "2",
        "--runs-per-sample", "2", "--workers", "1", "--out", out,
    )  # fmt: skip
    assert res.code == 0, res.err
    assert {p.name for p in out.iterdir()} == {
        "sensitivity.csv", "samples.csv", "sensitivity.json", "sensitivity.png", "manifest.json",
    }  # fmt: skip
    idx = pd.read_csv(out / "sensitivity.csv")
    assert list(idx.columns) == ["output", "parameter", "index", "value", "conf"]
    main = idx[idx["index"] == "mu_star"]
    assert len(main) >= 10 and np.isfinite(main[["value", "conf"]].to_numpy()).all()
    samples = pd.read_csv(out / "samples.csv")
    k = len(load_scenario(baseline_path).uncertain)
    assert len(samples) == 2 * (k + 1)  # trajectories x (parameters + 1)
    assert "Top drivers" in res.out


def test_sobol_needs_a_power_of_two(baseline_path, run_cli, tmp_path):
    res = run_cli(
        "sensitivity", baseline_path, "--method", "sobol", "--samples", "3", "--out", tmp_path / "x"
    )
    assert res.code == 2 and "power of 2" in res.err
    assert not (tmp_path / "x").exists()


def test_sensitivity_does_not_depend_on_the_number_of_workers(make_scenario, run_cli, tmp_path):
    # a whole-number parameter in the ranges exercises rounding of the sampled values
    src = make_scenario({"uncertain": {"actors.iran.astana_convening_lag_days": [1, 3]}})
    tables = []
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}"
        res = run_cli(
            "sensitivity", src, "--samples", "2", "--runs-per-sample", "2",
            "--workers", workers, "--out", out,
        )  # fmt: skip
        assert res.code == 0, res.err
        tables.append((out / "samples.csv").read_text())
    assert tables[0] == tables[1]
    assert set(
        pd.read_csv(tmp_path / "w1" / "samples.csv")["actors.iran.astana_convening_lag_days"]
    ) <= {1, 2, 3}
