"""End to end: ``python -m model run`` writes the results contract, and never overwrites."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model.analysis.summary import DOCUMENTED, documented_shares
from model.cli.main import main
from model.config.observations import load_observations
from model.config.schema import HOLDERS, PATRONS, scenario_digest
from model.sim.outputs import END_STATES
from model.sim.rules import RULES

RUNS = 20
SEED = 777
EVENT_COLUMNS = [
    "run", "day", "date", "actor", "kind", "target", "channel", "outcome", "rule", "source",
]  # fmt: skip
STAMP_DIR = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{6}$")


@pytest.fixture(scope="module")
def result_dir(tmp_path_factory, baseline_path) -> tuple[Path, int, str, str]:
    """One quiet baseline ensemble, shared by the contract tests: (folder, code, out, err)."""
    root = tmp_path_factory.mktemp("cli")
    out = root / "ensemble"
    stdout, stderr = io.StringIO(), io.StringIO()
    with (
        pytest.MonkeyPatch.context() as mp,
        contextlib.redirect_stdout(stdout),
        contextlib.redirect_stderr(stderr),
    ):
        mp.chdir(root)
        code = main(
            ["run", str(baseline_path), "--runs", str(RUNS), "--seed", str(SEED),
             "--quiet", "--workers", "1", "--out", str(out)]
        )  # fmt: skip
    return out, code, stdout.getvalue(), stderr.getvalue()


@pytest.fixture(scope="module")
def daily(result_dir) -> pd.DataFrame:
    return pd.read_csv(result_dir[0] / "daily.csv")


@pytest.fixture(scope="module")
def events(result_dir) -> pd.DataFrame:
    return pd.read_csv(result_dir[0] / "events.csv", keep_default_na=False)


@pytest.fixture(scope="module")
def summary(result_dir) -> dict:
    return json.loads((result_dir[0] / "summary.json").read_text(encoding="utf-8"))


def test_quiet_run_succeeds_and_says_where(result_dir):
    folder, code, out, err = result_dir
    assert code == 0, err
    assert err == ""
    assert out.strip() == f"Results written to {folder}"
    written = {p.name for p in folder.iterdir()}
    assert written >= {
        "curves.png", "daily.csv", "events.csv", "manifest.json", "runs.csv", "summary.json",
    }  # fmt: skip
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".incomplete")]


def test_manifest(result_dir, baseline, baseline_path):
    m = json.loads((result_dir[0] / "manifest.json").read_text(encoding="utf-8"))
    for key in (
        "scenario", "scenario_sha256", "resolved_scenario", "master_seed", "runs",
        "packages", "command_line", "created_utc",
    ):  # fmt: skip
        assert key in m, key
    assert m["scenario"]["name"] == "baseline"
    assert m["master_seed"] == SEED
    assert m["runs"] == RUNS
    assert m["scenario_sha256"] == scenario_digest(baseline)
    assert re.fullmatch(r"[0-9a-f]{64}", m["scenario_sha256"])
    # The digest is the digest of the resolved scenario written beside it.
    blob = json.dumps(m["resolved_scenario"], sort_keys=True, separators=(",", ":"))
    assert hashlib.sha256(blob.encode()).hexdigest() == m["scenario_sha256"]
    assert m["resolved_scenario"]["actors"]["units"]["threshold_mean"]["value"] == (
        baseline.actors.units.threshold_mean.value
    )
    for pkg in ("python", "mesa", "numpy", "pandas", "pydantic"):
        assert m["packages"].get(pkg) not in (None, "", "not installed"), pkg
    assert "run" in m["command_line"] and str(baseline_path) in m["command_line"]
    created = dt.datetime.fromisoformat(m["created_utc"])
    assert created.utcoffset() == dt.timedelta(0)
    assert abs(dt.datetime.now(dt.UTC) - created) < dt.timedelta(hours=1)


def test_daily_csv_contract(daily, baseline):
    places = list(baseline.places)
    expected = [
        "run", "seed", "day", "date", "regime_population_share", "units_responsive_share",
        *(f"support_{p}" for p in ("russia", "iran", "hezbollah", "iraq", "turkey")),
        "regime_believed_viability", "regime_actual_viability", "opposition_strength",
        *(f"holder_{p}" for p in places),
    ]  # fmt: skip
    assert set(PATRONS) == {"russia", "iran", "hezbollah", "iraq", "turkey"}
    missing = [c for c in expected if c not in daily.columns]
    assert not missing
    assert list(daily.columns[:4]) == ["run", "seed", "day", "date"]

    horizon = baseline.horizon_days.value
    assert len(daily) == RUNS * horizon
    assert sorted(daily["run"].unique()) == list(range(RUNS))
    assert daily.groupby("run")["seed"].nunique().eq(1).all()
    first = daily[daily["run"] == 0]
    assert first["day"].tolist() == list(range(horizon))
    start = baseline.start_date
    assert first["date"].tolist() == [
        (start + dt.timedelta(days=d)).isoformat() for d in range(horizon)
    ]
    assert first["date"].iloc[0] == "2024-11-27"
    for col in expected[4 : -len(places)]:
        assert np.isfinite(daily[col]).all(), col
    for col in ("regime_population_share", "units_responsive_share", "regime_believed_viability",
                "regime_actual_viability", *(f"support_{p}" for p in PATRONS)):  # fmt: skip
        assert daily[col].between(0.0, 1.0).all(), col
    assert (daily["opposition_strength"] >= 0).all()
    for p in places:
        assert set(daily[f"holder_{p}"]) <= set(HOLDERS), p


def test_events_csv_contract(events, daily):
    assert list(events.columns) == EVENT_COLUMNS
    assert len(events) > RUNS  # every run logs several events
    assert set(events["run"]) == set(range(RUNS))
    assert set(events["rule"]) <= set(RULES)
    start = dt.date(2024, 11, 27)
    dates = [(start + dt.timedelta(days=int(d))).isoformat() for d in events["day"]]
    assert events["date"].tolist() == dates
    # The article where it speaks; the rules it is silent on name their outlets.
    assert events["source"].str.startswith(("article: ", "other outlets: ")).all()
    # Events within a run are in day order.
    assert events.groupby("run")["day"].apply(lambda d: d.is_monotonic_increasing).all()


def test_summary_json_contract(summary, baseline):
    assert set(summary) >= {
        "runs", "end_states", "fall_day", "leader_exit_day", "documented_decisions",
    }  # fmt: skip
    assert summary["runs"] == RUNS
    assert set(summary["end_states"]) == set(END_STATES)
    assert len(END_STATES) == 4
    assert sum(summary["end_states"].values()) == pytest.approx(1.0)
    assert all(0.0 <= v <= 1.0 for v in summary["end_states"].values())
    assert set(summary["fall_day"]) == set(baseline.places)
    for place, f in summary["fall_day"].items():
        assert set(f) >= {"median", "p05", "p95", "share_fallen"}, place
        assert 0.0 <= f["share_fallen"] <= 1.0
        if f["median"] is None:
            assert f["share_fallen"] == 0.0, place
        else:
            assert f["p05"] <= f["median"] <= f["p95"], place
    assert summary["fall_day"]["Idlib"]["share_fallen"] == 0.0  # never regime-held
    le = summary["leader_exit_day"]
    assert set(le) >= {"median", "p05", "p95", "share"}
    assert 0.0 <= le["share"] <= 1.0
    dd = summary["documented_decisions"]
    assert set(dd) == {d.id for d in DOCUMENTED}
    assert all(0.0 <= v <= 1.0 for v in dd.values())


def test_runs_csv_agrees_with_daily_holders(result_dir, daily, baseline):
    runs = pd.read_csv(result_dir[0] / "runs.csv")
    assert len(runs) == RUNS
    for place, spec in baseline.places.items():
        # The day a place first left the hands of its holder at the start.
        lost = daily[daily[f"holder_{place}"] != spec.holder].groupby("run")["day"].min()
        expected = lost.reindex(range(RUNS)).fillna(-1).astype(int).tolist()
        assert runs[f"fall_day_{place}"].tolist() == expected, place
    capital = baseline.actors.regime.capital.value
    flight = runs["end_state"] == "collapse_and_flight"
    assert (runs.loc[flight, f"fall_day_{capital}"] >= 0).all()


def test_summary_agrees_with_runs_csv(result_dir, summary):
    runs = pd.read_csv(result_dir[0] / "runs.csv")
    shares = runs["end_state"].value_counts(normalize=True)
    for state in END_STATES:
        assert summary["end_states"][state] == pytest.approx(shares.get(state, 0.0))
    aleppo = runs["fall_day_Aleppo"]
    assert summary["fall_day"]["Aleppo"]["share_fallen"] == pytest.approx((aleppo >= 0).mean())
    if (aleppo >= 0).any():
        assert summary["fall_day"]["Aleppo"]["median"] == np.median(aleppo[aleppo >= 0])


def test_curves_png(result_dir):
    png = result_dir[0] / "curves.png"
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 10_000


def test_default_results_folder_is_new_each_time(run_cli, tmp_path, baseline_path):
    r1 = run_cli("run", baseline_path, "--runs", "3", "--quiet", "--workers", "1")
    r2 = run_cli("run", baseline_path, "--runs", "3", "--quiet", "--workers", "1")
    assert r1.code == 0 and r2.code == 0, (r1.err, r2.err)
    root = tmp_path / "results" / "baseline"
    folders = sorted(p for p in root.iterdir())
    assert len(folders) == 2
    assert all(STAMP_DIR.match(p.name) for p in folders), folders
    for f in folders:
        assert (f / "summary.json").is_file() and (f / "curves.png").is_file()
    written = {r.out.strip().removeprefix("Results written to ") for r in (r1, r2)}
    assert {str(Path("results") / "baseline" / p.name) for p in folders} == written


def test_out_folder_that_is_not_empty_is_refused(run_cli, tmp_path, baseline_path):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("earlier result", encoding="utf-8")
    res = run_cli("run", baseline_path, "--runs", "2", "--quiet", "--out", out)
    assert res.code == 2
    lines = res.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ERROR "), res.err
    assert str(out) in lines[0] and "not empty" in lines[0]
    assert "Traceback" not in res.err
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    assert (out / "keep.txt").read_text(encoding="utf-8") == "earlier result"
    assert not (tmp_path / "results").exists()


def test_out_folder_that_is_empty_is_used(run_cli, tmp_path, baseline_path):
    out = tmp_path / "empty"
    out.mkdir()
    res = run_cli("run", baseline_path, "--runs", "2", "--quiet", "--workers", "1", "--out", out)
    assert res.code == 0, res.err
    assert (out / "summary.json").is_file()


def test_summary_printed_with_documented_dates(run_cli, baseline_path):
    res = run_cli("run", baseline_path, "--runs", "5", "--workers", "1", "--seed", "3")
    assert res.code == 0, res.err
    out = res.out
    assert "Scenario baseline" in out
    assert "5 runs, master seed 3" in out
    for state in END_STATES:
        assert state in out
    obs = load_observations()
    lines = out.splitlines()
    for o in obs:
        if o.match.place in ("Aleppo", "Hama", "Homs", "Damascus"):
            line = next(ln for ln in lines if ln.strip().startswith(o.match.place))
            # the date, then the reporting's range where it gives one
            assert re.search(rf"\| {o.date.isoformat()}( \[[\d-]+ \.\. [\d-]+\])?$", line), line
    leader = next(o for o in obs if o.match.leader_exit)
    assert f"documented {leader.date.isoformat()}" in out
    assert "2024-11-30" in out and "2024-12-08" in out
    for d in DOCUMENTED:
        assert d.id in out
    assert out.rstrip().splitlines()[-1].startswith("Results written to results")


def test_capital_units_after_russian_shift_counts_the_capitals_units():
    """The documented behaviour is about units around the capital, not the front line.

    Run 0: a front-line garrison (Aleppo) stopped answering early, then Russia's support
    shifted and the capital's units stopped answering the same day: it reproduces the
    behaviour. Run 1: the capital's units stopped answering before the shift: it does not.
    """
    runs = pd.DataFrame(
        {"run": [0, 1], "end_state": ["collapse_and_flight"] * 2, "leader_exit_day": [10, 10],
         "fall_day_Damascus": [10, 10], "fall_day_Aleppo": [3, 3]}
    )  # fmt: skip
    runs.attrs["capital"] = "Damascus"
    rows = [
        (0, 3, "units", "unresponsive", "Aleppo"),
        (0, 10, "russia", "support_shift", "regime"),
        (0, 10, "units", "unresponsive", "Damascus"),
        (1, 5, "units", "unresponsive", "Damascus"),
        (1, 10, "russia", "support_shift", "regime"),
    ]
    events = pd.DataFrame(rows, columns=["run", "day", "actor", "kind", "target"])
    events["channel"] = ""
    events["outcome"] = ""
    share = documented_shares(runs, events)["capital_units_stop_answering_after_russian_shift"]
    assert share == pytest.approx(0.5)


def test_the_summary_prints_the_documented_range_beside_the_date(summary, baseline):
    """A median inside the reporting's range (Damascus: 7-8 December) must not read as a miss."""
    from model.cli.commands import format_summary

    text = format_summary(summary, baseline.start_date, ["Aleppo", "Hama", "Damascus"])
    lines = {line.split()[0]: line for line in text.splitlines() if line.startswith("  ")}
    assert lines["Damascus"].endswith("| 2024-12-08 [12-07 .. 12-08]")
    assert lines["Hama"].endswith("| 2024-12-05")  # one date in the reporting: no range
    assert "Leader leaves:" in text and text.count("documented 2024-12-08 [12-07 .. 12-08]") == 1
