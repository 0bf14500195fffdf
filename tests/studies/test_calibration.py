"""The one calibration pipeline: the baseline's calibrated values are its calibration file's,
made by ``python -m model calibrate`` from the calibration observations, and the command
reproduces its file."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml
from repo import REPO_ROOT, TEST_DATA

from model.config.loader import load_scenario
from model.config.schema import iter_params
from model.config.uncertain import calibrated_names
from model.errors import ScenarioError

SCENARIOS = REPO_ROOT / "scenarios"
SHIPPED = SCENARIOS / "calibration" / "baseline.yaml"
REDUCED = TEST_DATA / "calibration-4000.yaml"
# The reduced run the slow test repeats; to record it again (after a change of the model or
# of the observations), run these two commands and copy the file to tests/data:
#   python -m model reference scenarios/baseline.yaml --runs 4000 --out /tmp/ref4000
#   python -m model calibrate scenarios/baseline.yaml --reference /tmp/ref4000 \
#       --out tests/data/calibration-4000.yaml
REDUCED_RUNS = 4000


def _file(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_the_baselines_calibrated_values_are_its_calibration_files(baseline):
    cal = _file(SHIPPED)
    params = dict(iter_params(baseline))
    # every value marked calibrated is in the file, and nothing else is
    assert set(cal["values"]) == set(calibrated_names(baseline))
    for name, value in cal["values"].items():
        assert params[name].value == value, name
    # made from the observations shipped now, by the command at infer's settings
    made = cal["made_by"]
    obs = (SCENARIOS / "observations.yaml").read_bytes()
    assert made["observations_sha256"] == hashlib.sha256(obs).hexdigest(), (
        "the observations changed since the calibration: run python -m model calibrate again "
        "(docs/studies.md, 'calibrate')"
    )
    assert made["command"].startswith("python -m model calibrate scenarios/baseline.yaml")
    assert made["reference"]["runs"] >= 50_000 and made["settings"]["ess"] >= 200
    # the hand-set values the file replaced are not what the baseline runs with
    hand = load_scenario(SCENARIOS / "baseline.yaml", calibrated=False)
    hand_params = dict(iter_params(hand))
    assert any(hand_params[n].value != v for n, v in cal["values"].items())


def test_a_scenario_extending_the_baseline_inherits_the_calibration_and_may_override_it(
    make_scenario,
):
    cal = _file(SHIPPED)["values"]
    sc = load_scenario(make_scenario({"actors": {"units": {"threshold_mean": 0.5}}}))
    params = dict(iter_params(sc))
    assert params["actors.units.threshold_mean"].value == 0.5
    assert params["actors.units.weight_nearby"].value == cal["actors.units.weight_nearby"]


def test_a_bad_calibration_file_is_one_error_naming_the_file_and_field(scenario_dir):
    base = yaml.safe_load((SCENARIOS / "baseline.yaml").read_text(encoding="utf-8"))
    cal = scenario_dir / "cal.yaml"
    cal.write_text(yaml.safe_dump({"scenario": "b.yaml", "values": {"actors.units.nope": 1.0}}))
    path = scenario_dir / "b.yaml"
    path.write_text(yaml.safe_dump({**base, "calibration": "cal.yaml"}), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert err.value.path == str(cal) and err.value.field == "values.actors.units.nope"
    cal.write_text(yaml.safe_dump({"scenario": "b.yaml", "values": {}, "extra": 1}))
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert err.value.path == str(cal)
    path.write_text(yaml.safe_dump({**base, "calibration": "missing.yaml"}), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert err.value.field == "calibration" and "file not found" in err.value.message


def test_calibrate_writes_the_values_and_never_over_a_file_unasked(run_cli, tmp_path):
    from model.cli.main import main

    ref = tmp_path / "ref"
    assert main(["reference", str(SCENARIOS / "baseline.yaml"), "--runs", "600", "--workers", "2",
                 "--out", str(ref)]) == 0  # fmt: skip
    out = tmp_path / "cal.yaml"
    # A short search (4 points, not 150): what is checked here is the file, not the fit; the
    # search at its default budget is the slow test's (about 80 s a call).
    args = ("calibrate", SCENARIOS / "baseline.yaml", "--reference", ref, "--ess", "30",
            "--trials", "4", "--workers", "1", "--out", out)  # fmt: skip
    res = run_cli(*args)
    assert res.code == 0, res.err
    made = _file(out)
    assert set(made["values"]) == set(_file(SHIPPED)["values"])
    assert "mean change" in res.out
    again = run_cli(*args)
    assert again.code == 2 and "give --replace" in again.err
    assert run_cli(*args, "--replace").code == 0
    assert _file(out)["values"] == made["values"]  # the same table, the same values


@pytest.mark.slow
def test_the_calibration_command_reproduces_its_recorded_file(tmp_path):
    """The reduced run recorded in tests/data: the same commands give the same values."""
    from model.cli.main import main

    ref = tmp_path / "ref"
    assert main(["reference", str(SCENARIOS / "baseline.yaml"), "--runs", str(REDUCED_RUNS),
                 "--out", str(ref)]) == 0  # fmt: skip
    out = tmp_path / "cal.yaml"
    assert main(["calibrate", str(SCENARIOS / "baseline.yaml"), "--reference", str(ref),
                 "--out", str(out)]) == 0  # fmt: skip
    recorded = _file(REDUCED)
    assert recorded["made_by"]["reference"]["runs"] == REDUCED_RUNS
    assert _file(out)["values"] == recorded["values"]
