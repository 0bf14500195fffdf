"""Bad scenario files are refused before anything runs: one line naming file and field, exit 2.

Also: observations matched by who took a place and by the regime's end, and the patterns
across the country that ``validate`` prints.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from model.analysis.observed import observed_days
from model.analysis.validate import country_patterns, format_patterns, score
from model.config.loader import load_scenario
from model.config.observations import Observation, load_observations
from model.config.schema import HOLDERS, Param, iter_params
from model.errors import ScenarioError


def _assert_refused(run_cli, tmp_path: Path, scenario: Path, *fragments: str) -> str:
    """Run the CLI on ``scenario``; check the one-line error; return that line."""
    out = tmp_path / "out"
    res = run_cli("run", scenario, "--runs", "2", "--quiet", "--workers", "1", "--out", out)
    assert res.code == 2, res
    lines = res.err.strip().splitlines()
    assert len(lines) == 1, res.err
    line = lines[0]
    assert line.startswith("ERROR "), line
    assert "Traceback" not in res.err
    for frag in fragments:
        assert frag in line, (frag, line)
    assert res.out == ""
    assert not out.exists()
    results = tmp_path / "results"
    assert not results.exists() or not any(results.iterdir())
    return line


# Each case: overrides (or raw YAML), the field the error must name, fragments of the message.
# The file named must be the override file: that is where the mistake is.
CASES = [
    pytest.param(
        {"actors": {"units": {"thresold_mean": 0.5}}},
        None,
        "actors.units.thresold_mean",
        ("unknown key", "valid keys", "threshold_mean", "threshold_sd"),
        id="unknown-key",
    ),
    pytest.param(
        {"colour": "blue"},
        None,
        "colour",
        ("unknown key", "valid keys", "horizon_days", "actors"),
        id="unknown-top-level-key",
    ),
    pytest.param(
        {"actors": {"units": {"threshold_mean": {"value": 0.5, "sourc": "x"}}}},
        None,
        "actors.units.threshold_mean.sourc",
        ("unknown key", "source", "assumption"),
        id="unknown-key-in-parameter",
    ),
    pytest.param(
        {"actors": {"units": {"threshold_mean": 5}}},
        None,
        "actors.units.threshold_mean",
        ("less than or equal to 1", "5"),
        id="out-of-range",
    ),
    pytest.param(
        {"combat": {"max_advance_km_per_day": -3.0}},
        None,
        "combat.max_advance_km_per_day",
        ("greater than 0",),
        id="out-of-range-negative",
    ),
    pytest.param(
        {"actors": {"units": {"threshold_mean": "high"}}},
        None,
        "actors.units.threshold_mean",
        ("valid number", "high"),
        id="wrong-type-string",
    ),
    pytest.param(
        {"actors": {"units": {"count": 12.5}}},
        None,
        "actors.units.count",
        ("valid integer",),
        id="wrong-type-float-for-int",
    ),
    pytest.param(
        {"actors": {"units": {"threshold_mean": math.nan}}},
        None,
        "actors.units.threshold_mean",
        ("finite",),
        id="nan",
    ),
    pytest.param(
        {"combat": {"noise_sd": math.inf}},
        None,
        "combat.noise_sd",
        ("finite",),
        id="inf",
    ),
    pytest.param(
        {"actors": {"units": {"threshold_mean": {"source": "no value"}}}},
        None,
        "actors.units.threshold_mean",
        ("value",),
        id="override-without-value",
    ),
    pytest.param(
        {"routes": [{"a": "Damascus", "b": "Atlantis", "km": 10, "source": "y"}]},
        None,
        "routes[0].b",
        ("unknown place", "Atlantis", "Damascus"),
        id="unknown-place-route",
    ),
    pytest.param(
        {"actors": {"hezbollah": {"limited_reach": ["Homs", "Atlantis"]}}},
        None,
        "actors.hezbollah.limited_reach",
        ("unknown place", "Atlantis"),
        id="unknown-place-hezbollah-reach",
    ),
    pytest.param(
        {"actors": {"regime": {"capital": "Atlantis"}}},
        None,
        "actors.regime.capital",
        ("unknown place", "Atlantis"),
        id="unknown-place-capital",
    ),
    pytest.param(
        {
            "actors": {
                "units": {"patron_signal_weights": {"value": {"russia": 0.5, "martians": 0.5}}}
            }
        },
        None,
        "actors.units.patron_signal_weights",
        ("unknown actor", "martians", "russia"),
        id="unknown-actor",
    ),
    pytest.param(
        {"decisions": {"turkey_invades_moon": "accept"}},
        None,
        "decisions",
        ("unknown decision", "turkey_invades_moon", "turkey_halts_offensive"),
        id="unknown-decision",
    ),
    pytest.param(
        {"decisions": {"turkey_halts_offensive": "maybe"}},
        None,
        "decisions.turkey_halts_offensive",
        ("accept", "refuse", "maybe"),
        id="bad-decision-pin",
    ),
    pytest.param(
        None,
        "actors: {units: [threshold_mean: 1\n",
        None,
        ("malformed YAML", "line"),
        id="malformed-yaml",
    ),
    pytest.param(
        None,
        """
        actors:
          units:
            threshold_mean: &t {value: 0.5, assumption: x}
            threshold_sd: *t
        """,
        None,
        ("alias",),
        id="yaml-alias",
    ),
    pytest.param(
        None,
        """
        actors:
          units:
            threshold_mean: !!python/object/apply:os.system ["echo pwned"]
        """,
        None,
        ("python/object",),
        id="python-object-tag",
    ),
]


@pytest.mark.parametrize(("overrides", "raw", "field", "fragments"), CASES)
def test_bad_override_is_refused(
    make_scenario, run_cli, tmp_path, request, overrides, raw, field, fragments
):
    name = request.node.callspec.id
    path = make_scenario(overrides, raw=raw, name=name)

    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    assert Path(err.path).resolve() == path.resolve(), f"blames {err.path}"
    if field is None:
        assert err.field is None
    else:
        assert err.field is not None and err.field.startswith(field), err.field

    line = _assert_refused(run_cli, tmp_path, path, *fragments)
    assert path.name in line, line
    assert "baseline.yaml" not in line, line
    if field is not None:
        assert field in line, line


def test_python_tag_does_not_execute(make_scenario, tmp_path):
    marker = tmp_path / "pwned"
    path = make_scenario(
        raw=f"""
        actors:
          units:
            threshold_mean: !!python/object/apply:os.system ["touch {marker}"]
        """
    )
    with pytest.raises(ScenarioError):
        load_scenario(path)
    assert not marker.exists()


def test_not_a_mapping(make_scenario, run_cli, tmp_path):
    path = make_scenario(raw="- a\n- b\n", extends=None, name="a_list")
    _assert_refused(run_cli, tmp_path, path, "a_list.yaml", "mapping")


def test_missing_file(run_cli, tmp_path):
    path = tmp_path / "scen" / "no-such-scenario.yaml"
    line = _assert_refused(run_cli, tmp_path, path, "no-such-scenario.yaml", "not found")
    assert "Traceback" not in line


def test_missing_parent_file(make_scenario, run_cli, tmp_path):
    path = make_scenario(extends="no-such-parent.yaml", name="orphan")
    _assert_refused(run_cli, tmp_path, path, "orphan.yaml", "extends", "no-such-parent.yaml")


def test_extends_loop(make_scenario, run_cli, tmp_path):
    a = make_scenario({"title": "a"}, extends="loop_b.yaml", name="loop_a")
    make_scenario({"title": "b"}, extends="loop_a.yaml", name="loop_b")
    with pytest.raises(ScenarioError) as info:
        load_scenario(a)
    assert info.value.field == "extends"
    assert Path(info.value.path).name in ("loop_a.yaml", "loop_b.yaml")
    line = _assert_refused(run_cli, tmp_path, a, "extends", "loop", "loop_a.yaml", "loop_b.yaml")
    assert "extends:" in line


def _baseline_without(baseline_path: Path, dotted: str) -> dict:
    """The baseline as data, with the provenance of one parameter removed."""
    data = yaml.safe_load(baseline_path.read_text(encoding="utf-8"))
    if "calibration" in data:  # written elsewhere: the calibration file by absolute path
        data["calibration"] = str(baseline_path.parent / data["calibration"])
    node = data
    for key in dotted.split("."):
        node = node[key]
    assert "value" in node
    node.pop("source", None)
    node.pop("assumption", None)
    return data


@pytest.mark.parametrize(
    "dotted", ["actors.units.readiness", "horizon_days", "actors.russia.offer_threshold"]
)
def test_parameter_without_provenance_is_refused(
    baseline_path, scenario_dir, run_cli, tmp_path, dotted
):
    path = scenario_dir / "no_provenance.yaml"
    path.write_text(yaml.safe_dump(_baseline_without(baseline_path, dotted)), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.field == dotted
    _assert_refused(run_cli, tmp_path, path, "no_provenance.yaml", dotted, "source", "assumption")


def test_every_baseline_parameter_has_a_source_or_an_assumption(baseline):
    params = list(iter_params(baseline))
    assert len(params) > 100  # the walk reaches every actor, not just the top level
    names = {n for n, _ in params}
    assert {"horizon_days", "actors.units.threshold_mean", "combat.collapse_share"} <= names
    for name, p in params:
        assert isinstance(p, Param)
        assert (p.source or "").strip() or (p.assumption or "").strip(), name
        assert p.set_in is None, name  # the baseline sets everything itself


def test_every_baseline_row_names_its_source(baseline):
    for name, place in baseline.places.items():
        assert place.source.strip(), name
    for i, route in enumerate(baseline.routes):
        assert route.source.strip(), i
    for name, er in baseline.exit_routes.items():
        assert er.source.strip(), name
    for ins in baseline.actors.insiders:
        assert ins.source.strip(), ins.name


def test_override_records_the_file_that_set_it(make_scenario):
    path = make_scenario({"actors": {"iraq": {"domestic_cost": 0.7}}})
    sc = load_scenario(path)
    p = sc.actors.iraq.domestic_cost
    assert p.value == 0.7
    assert Path(p.set_in).resolve() == path.resolve()
    assert sc.actors.turkey.domestic_cost.set_in is None


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


@pytest.mark.parametrize(
    ("table", "field"),
    [
        ({"atlantis": {"sdf": {"value": 0.5, "assumption": "x"}}}, "restraint.atlantis"),
        ({"russia": {"nobody": {"value": 0.5, "assumption": "x"}}}, "restraint.russia.nobody"),
    ],
)
def test_a_restraint_table_naming_an_unknown_state_or_force_is_refused(make_scenario, table, field):
    from model.config.loader import load_scenario
    from model.errors import ScenarioError

    with pytest.raises(ScenarioError) as exc:
        load_scenario(make_scenario({"restraint": table}))
    assert exc.value.field == field
