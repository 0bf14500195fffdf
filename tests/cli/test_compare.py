"""End to end: ``compare``, ``plot`` and ``explain`` from the command line."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from repo import CATALOGUE

from model.cli.main import main

# The conftest's comparison fixture compares the baseline with these, RUNS runs each.
COMPARED = ("turkey_restrains", "russia_withdraws_early")
RUNS = 12


def test_compare_writes_each_scenario_and_the_tables(comparison):
    for name in ("baseline", "turkey_restrains", "russia_withdraws_early"):
        for f in ("manifest.json", "daily.csv", "events.csv", "runs.csv", "summary.json"):
            assert (comparison / name / f).is_file()
    for f in ("comparison.csv", "comparison.json", "report.html", "population.png",
              "capital_survival.png", "units.png", "patron_support.png"):  # fmt: skip
        assert (comparison / f).stat().st_size > 0


def test_compare_uses_the_same_seeds_for_every_scenario(comparison):
    seeds = [
        pd.read_csv(comparison / n / "runs.csv")["seed"].tolist()
        for n in ("baseline", "turkey_restrains", "russia_withdraws_early")
    ]
    assert seeds[0] == seeds[1] == seeds[2]


def test_comparison_table_has_intervals_and_paired_differences(comparison):
    t = pd.read_csv(comparison / "comparison.csv")
    assert list(t.columns) == [
        "scenario", "measure", "value", "ci_low", "ci_high", "diff", "diff_low", "diff_high", "n",
    ]  # fmt: skip
    assert set(t["scenario"]) == {"baseline", "turkey_restrains", "russia_withdraws_early"}
    assert (t[t.scenario == "baseline"]["diff"].fillna(0) == 0).all()
    shares = t[t.measure.str.startswith("end_state:")]
    assert ((shares.ci_low <= shares.value) & (shares.value <= shares.ci_high)).all()
    # Russia's early withdrawal is paired by seed: Damascus is held for fewer days in all.
    row = t[(t.scenario == "russia_withdraws_early") & (t.measure == "Damascus_days_held")].iloc[0]
    assert row["diff"] < 0 and row["diff_high"] < 0
    doc = json.loads((comparison / "comparison.json").read_text())
    assert doc["base"] == "baseline" and doc["runs"] == RUNS
    other = next(s for s in doc["scenarios"] if s["name"] == "russia_withdraws_early")
    assert other["rationale"] and other["changes"]


def test_report_is_self_contained(comparison):
    html = (comparison / "report.html").read_text(encoding="utf-8")
    assert "<table" in html and "data:image/png;base64," in html
    assert "Turkey restrains the offensive" in html
    # Nothing fetched from elsewhere: no external scripts, styles or images.
    assert not re.search(r"""(src|href)=["'](https?:)?//""", html)


def test_plot_redraws_a_comparison_without_running(comparison, capsys):
    (comparison / "population.png").unlink()
    assert main(["plot", str(comparison)]) == 0
    assert (comparison / "population.png").is_file()


def test_plot_timeline_and_map(comparison, capsys):
    folder = comparison / "baseline"
    assert main(["plot", str(folder), "--timeline"]) == 0
    assert (folder / "timeline.png").stat().st_size > 0
    assert main(["plot", str(folder), "--map", "--day", "2024-12-05"]) == 0
    assert (folder / "map-2024-12-05.png").stat().st_size > 0
    assert main(["plot", str(folder), "--map", "--day", "3"]) == 0


@pytest.mark.parametrize(
    "args, expected",
    [
        (["plot", "{tmp}/missing"], "no such results folder"),
        (["plot", "{tmp}"], "not a results folder"),
        (["plot", "{cmp}/baseline", "--map", "--day", "99"], "--day 99"),
        (["plot", "{cmp}/baseline", "--map", "--day", "2023-01-01"], "--day"),
    ],
)
def test_plot_bad_input_is_one_line_and_exit_2(comparison, tmp_path, capsys, args, expected):
    argv = [a.format(tmp=tmp_path, cmp=comparison) for a in args]
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ERROR") and expected in err[0]


def test_compare_with_a_broken_scenario_writes_nothing(
    run_cli, tmp_path, baseline_path, make_scenario
):
    bad = make_scenario({"actors": {"iraq": {"domestic_cost": "high"}}}, name="bad")
    r = run_cli("compare", baseline_path, bad, "--runs", "3", "--workers", "1")
    assert r.code == 2
    assert r.err.count("\n") == 1 and "bad.yaml" in r.err and "actors.iraq.domestic_cost" in r.err
    assert not (tmp_path / "results").exists()
    r = run_cli("compare", baseline_path, tmp_path / "nope.yaml")
    assert r.code == 2 and "file not found" in r.err


def test_explain_lists_rules_values_and_changes(run_cli):
    r = run_cli("explain", CATALOGUE / "russia_withdraws_early.yaml")
    assert r.code == 0
    for rule in ("R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8"):
        assert re.search(rf"^{rule}\b", r.out, re.M)
    assert "article section" in r.out
    assert "actors.russia.capacity: 0.9 -> 0.2" in r.out
