"""Observations matched by who took a place and by the regime's end, and the patterns across
the country that ``validate`` prints (``model/analysis/observed.py``, ``validate.py``).
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from model.analysis.observed import observed_days
from model.analysis.validate import country_patterns, format_patterns, score
from model.config.observations import Observation, load_observations
from model.config.schema import HOLDERS

# ------------------------------------------------- observations: who took a place, the regime's end

START = dt.date(2024, 11, 27)
NO_EVENTS = pd.DataFrame(columns=["run", "day", "actor", "kind", "target", "outcome"])


def _obs(match: dict) -> Observation:
    return Observation.model_validate(
        {
            "id": "x",
            "what": "x",
            "date": dt.date(2024, 12, 1),
            "match": match,
            "role": "held_out",
            "source": "test",
        }
    )


def _runs(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    return pd.DataFrame({"run": np.arange(n), **cols})


def test_match_by_counts_only_runs_where_that_holder_took_the_place():
    runs = _runs(
        fall_day_Daraa=[9, 10, 11, -1],
        taken_by_Daraa=["southern_command", "northern_opposition", "southern_command", ""],
    )
    days = observed_days(_obs({"place": "Daraa", "by": "southern_command"}), runs, NO_EVENTS)
    np.testing.assert_array_equal(days, [9, np.nan, 11, np.nan])
    # without by, whoever took it counts
    days = observed_days(_obs({"place": "Daraa"}), runs, NO_EVENTS)
    np.testing.assert_array_equal(days, [9, 10, 11, np.nan])


def test_match_by_reads_a_csv_with_nobody_as_nan(tmp_path):
    path = tmp_path / "runs.csv"
    _runs(fall_day_Daraa=[-1, 4], taken_by_Daraa=["", "sdf"]).to_csv(path, index=False)
    runs = pd.read_csv(path)
    assert runs["taken_by_Daraa"].isna()[0]  # "" comes back as NaN
    days = observed_days(_obs({"place": "Daraa", "by": "sdf"}), runs, NO_EVENTS)
    np.testing.assert_array_equal(days, [np.nan, 4])


@pytest.mark.parametrize(
    ("match", "message"),
    [
        ({"place": "Daraa", "by": "martians"}, "unknown holder"),
        ({"leader_exit": True, "by": "sdf"}, "by goes only with place"),
        ({"place": "Daraa", "regime_gone": True}, "exactly one of place, leader_exit"),
        ({"by": "sdf"}, "exactly one of place, leader_exit, event, regime_gone"),
        ({"regime_gone": False}, "can only be true"),
    ],
)
def test_bad_match_is_refused(match, message):
    with pytest.raises(ValueError, match=message):
        _obs(match)


def test_regime_gone_uses_the_first_day_the_regime_holds_nothing():
    runs = _runs(regime_gone_day=[12, -1, 11])
    days = observed_days(_obs({"regime_gone": True}), runs, NO_EVENTS)
    np.testing.assert_array_equal(days, [12, np.nan, 11])


def test_old_runs_table_without_the_new_columns_gives_nan():
    old = _runs(fall_day_Daraa=[9, 10], leader_exit_day=[11, -1])  # no taken_by_, regime_gone_day
    for match in ({"place": "Daraa", "by": "southern_command"}, {"regime_gone": True}):
        days = observed_days(_obs(match), old, NO_EVENTS)
        assert days.shape == (2,) and np.isnan(days).all(), match
    np.testing.assert_array_equal(observed_days(_obs({"place": "Daraa"}), old, NO_EVENTS), [9, 10])
    t = score([_obs({"regime_gone": True})], old, NO_EVENTS, START)
    assert t.loc[0, "share_produced"] == 0.0 and np.isnan(t.loc[0, "median"])
    p = country_patterns(old, ["Daraa"], START)
    assert p["places"]["Daraa"]["taker"] is None
    assert p["regime_gone"]["share"] is None and p["capital"]["shares"] == {}
    text = format_patterns(p)
    assert "not recorded" in text and "Daraa" in text


def test_observations_file_uses_by_and_regime_gone_with_known_holders():
    obs = load_observations()
    by = [o for o in obs if o.match.by]
    assert by and all(o.match.by in HOLDERS for o in by)
    assert sum(bool(o.match.regime_gone) for o in obs) == 1


# ------------------------------------------------------------------------- country patterns

PATTERN_RUNS = _runs(
    fall_day_A=[2, 3, 3, 4, -1],
    taken_by_A=["sdf", "sna", "sna", "sna", ""],
    fall_day_B=[5, 5, 5, 5, 5],
    taken_by_B=["southern_command"] * 5,
    fall_day_C=[-1] * 5,  # never changes hands: left out
    taken_by_C=[""] * 5,
    fall_day_D=[1, -1, -1, -1, -1],
    taken_by_D=["sdf", "", "", "", ""],
    fall_day_E=[3, 3, 3, 3, 3],  # same median as A, later 5 %: after A
    taken_by_E=["northern_opposition"] * 5,
    regime_gone_day=[10, 14, 15, -1, 12],
    capital_holder_end=[
        "northern_opposition",
        "northern_opposition",
        "transitional_authority",
        "regime",
        "northern_opposition",
    ],
)


def test_country_patterns_has_the_known_answers():
    p = country_patterns(PATTERN_RUNS, ["A", "B", "C", "D", "E", "F"], START, capital="Z")
    assert set(p["places"]) == {"A", "B", "D", "E"}
    a = p["places"]["A"]
    # days 2, 3, 3, 4: median 3; 5 % 2.15 -> day 2; 95 % 3.85 -> day 4
    assert (a["median_day"], a["median"], a["p05"], a["p95"]) == (
        3.0,
        "2024-11-30",
        "2024-11-29",
        "2024-12-01",
    )
    assert a["share"] == 0.8 and a["taker"] == "sna" and a["taker_share"] == 0.75
    b = p["places"]["B"]
    assert (b["median"], b["p05"], b["p95"], b["share"]) == ("2024-12-02",) * 3 + (1.0,)
    assert (b["taker"], b["taker_share"]) == ("southern_command", 1.0)
    assert p["places"]["D"]["share"] == 0.2 and p["places"]["D"]["median"] == "2024-11-28"
    assert p["order"] == ["D", "A", "E", "B"]
    g = p["regime_gone"]
    # days 10, 12, 14, 15: median 13; 5 % 10.3 -> 10; 95 % 14.85 -> 15; by day 14: 3 of 5
    assert (g["median"], g["p05"], g["p95"]) == ("2024-12-10", "2024-12-07", "2024-12-12")
    assert g["share"] == 0.8 and g["share_by_horizon"] == 0.6
    assert p["horizon_date"] == "2024-12-11"
    cap = p["capital"]
    assert cap["place"] == "Z" and cap["date"] is None  # no daily table: the last day
    assert list(cap["shares"].items()) == [
        ("northern_opposition", 0.6),
        ("regime", 0.2),
        ("transitional_authority", 0.2),
    ]
    json.dumps(p, allow_nan=False)  # the folder's JSON takes it as it is


def test_country_patterns_reads_the_capital_at_the_horizon_from_the_daily_table():
    daily = pd.DataFrame(
        {
            "run": np.repeat([0, 1], 4),
            "day": np.tile(np.arange(4), 2),
            "holder_Z": ["regime"] * 3 + ["sdf"] + ["regime", "sna", "sna", "sna"],
        }
    )
    runs = _runs(capital_holder_end=["sdf", "sna"])
    p = country_patterns(runs, [], START, horizon_day=2, daily=daily, capital="Z")
    assert p["capital"]["date"] == "2024-11-29"
    assert p["capital"]["shares"] == {"regime": 0.5, "sna": 0.5}
    p = country_patterns(runs, [], START, horizon_day=9, daily=daily, capital="Z")
    assert p["capital"]["date"] == "2024-11-30"  # past the table's last day: its last day
    assert p["capital"]["shares"] == {"sdf": 0.5, "sna": 0.5}


def test_format_patterns_names_the_holders_in_words():
    text = format_patterns(country_patterns(PATTERN_RUNS, ["A", "B", "D", "E"], START))
    assert text.startswith("Across the country")
    assert "SNA (Turkish-backed Syrian National Army) (75%)" in text
    assert "Order of the falls (by median day): D, A, E, B." in text
    assert "The regime holds no place: 12-10 [12-07..12-12], in 80% of runs" in text
    assert "by 11 Dec (day 14) in 60%" in text
    assert "northern opposition (HTS-led offensive) 60%" in text
    for raw in ("northern_opposition", "southern_command", "transitional_authority"):
        assert raw not in text


def test_validate_prints_the_patterns_and_writes_them(baseline_path, run_cli, tmp_path):
    out = tmp_path / "v"
    res = run_cli("validate", baseline_path, "--runs", "20", "--workers", "1", "--out", out)
    assert res.code == 0, res.err
    head, _, tail = res.out.partition("Across the country")
    assert "mean absolute error" in head and tail  # after the scores table
    assert "Order of the falls" in tail and "The regime" in tail
    doc = json.loads((out / "validation.json").read_text())
    p = doc["patterns"]
    assert set(p) >= {"places", "order", "regime_gone", "capital"}
    assert p["capital"]["place"] == "Damascus" and p["capital"]["date"] == "2024-12-11"
    assert sorted(p["order"]) == sorted(p["places"])
    assert abs(sum(p["capital"]["shares"].values()) - 1.0) < 1e-9
