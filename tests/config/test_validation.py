"""Bad scenario files are refused before anything runs: one line naming file and field, exit 2.

The observations and the patterns ``validate`` prints are checked in
``tests/analysis/test_observed.py``.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from model.config.loader import load_scenario
from model.config.schema import Param, iter_params
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
