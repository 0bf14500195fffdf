"""Attribution: the game arithmetic on planted games, the coalitions, the folder, resume."""

from __future__ import annotations

import json
import math
import re
import signal
import subprocess
import sys
import time
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from repo import REPO_ROOT

from model.analysis import coalitions as co
from model.analysis.attribution import attribute, estimate, game_values, joint_flip_excess
from model.config.schema import DECISIONS
from model.ensemble.coalitions import Game, coalition_runs
from model.ensemble.executors import Executor
from model.sim.compiled import compile_scenario
from model.sim.model import simulate

BASE = str(REPO_ROOT / "scenarios" / "baseline.yaml")
FILES = ("attribution.csv", "interactions.csv", "coalitions.csv", "coalition_runs.csv",
         "attribution.json")  # fmt: skip


def _reference(v: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shapley, Banzhaf and the pairwise Shapley interaction index from their definitions."""
    sv, bv = np.zeros(n), np.zeros(n)
    for i in range(n):
        for k in range(1 << n):
            if k >> i & 1:
                continue
            s = bin(k).count("1")
            w = math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n)
            sv[i] += w * (v[k | 1 << i] - v[k])
            bv[i] += (v[k | 1 << i] - v[k]) / 2 ** (n - 1)
    pairs = []
    for i, j in combinations(range(n), 2):
        t = 0.0
        for k in range(1 << n):
            if k >> i & 1 or k >> j & 1:
                continue
            s = bin(k).count("1")
            w = math.factorial(s) * math.factorial(n - s - 2) / math.factorial(n - 1)
            t += w * (v[k | 1 << i | 1 << j] - v[k | 1 << i] - v[k | 1 << j] + v[k])
        pairs.append(t)
    return sv, bv, np.array(pairs)


def _additive(effects: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Runs x coalitions of a game in which each flip adds its own effect, whatever the others."""
    n = effects.shape[1]
    bits = (np.arange(1 << n)[:, None] >> np.arange(n)) & 1  # coalitions x players
    return base[:, None] + effects @ bits.T


def test_shapiq_agrees_with_the_definitions_on_a_small_game():
    rng = np.random.default_rng(7)
    table = rng.normal(size=(4, 1 << 4)) * 5
    sv, bv, sii = game_values(table)
    for r in range(len(table)):
        ref = _reference(table[r], 4)
        np.testing.assert_allclose(sv[r], ref[0], atol=1e-12)
        np.testing.assert_allclose(bv[r], ref[1], atol=1e-12)
        np.testing.assert_allclose(sii[r], ref[2], atol=1e-12)


def test_planted_additive_effects_are_recovered_exactly():
    rng = np.random.default_rng(3)
    effects = rng.normal(size=(30, 5)) * [4.0, -2.0, 0.5, 0.0, 1.0]  # each run its own effects
    table = _additive(effects, rng.normal(10, 3, size=30))
    players = [f"d{i}" for i in range(5)]
    values, inter, eff = attribute({"m": table}, players)
    for index in ("shapley", "banzhaf"):
        got = values[values["index"] == index].set_index("decision")["value"]
        np.testing.assert_allclose(got[players].to_numpy(), effects.mean(axis=0), atol=1e-12)
    assert np.abs(inter["value"]).max() < 1e-12  # nothing interacts in an additive game
    assert abs(eff["m"]["efficiency_gap"]) < 1e-12
    np.testing.assert_allclose(eff["m"]["all_flips_effect"]["value"], effects.sum(1).mean())


def test_a_planted_interaction_is_recovered():
    # d0 adds 2, d1 adds 1, together they add 6 more; d2 does nothing; d3 adds 0.5 alone.
    n = 4
    table = np.zeros((3, 1 << n))
    for k in range(1 << n):
        a, b, d = k & 1, k >> 1 & 1, k >> 3 & 1
        table[:, k] = 2 * a + b + 6 * a * b + 0.5 * d
    table += np.array([[0.0], [1.0], [-2.0]])  # the runs differ in their level only
    players = ["d0", "d1", "d2", "d3"]
    values, inter, eff = attribute({"m": table}, players)
    sv = values[values["index"] == "shapley"].set_index("decision")["value"]
    np.testing.assert_allclose(sv[players].to_numpy(), [2 + 3, 1 + 3, 0, 0.5], atol=1e-12)
    bv = values[values["index"] == "banzhaf"].set_index("decision")["value"]
    np.testing.assert_allclose(bv[players].to_numpy(), [5, 4, 0, 0.5], atol=1e-12)
    sii = inter[inter["index"] == "shapley_interaction"].set_index(["decision_a", "decision_b"])
    assert sii.loc[("d0", "d1"), "value"] == pytest.approx(6.0, abs=1e-12)
    others = sii.drop(index=("d0", "d1"))["value"]
    assert np.abs(others).max() < 1e-12
    np.testing.assert_allclose(joint_flip_excess(table)[:, 0], 6.0)
    assert abs(eff["m"]["efficiency_gap"]) < 1e-12
    assert eff["m"]["all_flips_effect"]["value"] == pytest.approx(9.5)


def test_a_share_s_interval_stays_within_what_a_share_can_be():
    """A flip that turns 19 of 20 runs into a negotiated transition: at most +100 points."""
    flipped = np.r_[np.ones(19), 0.0]
    table = np.column_stack([np.zeros(20), flipped])  # coalition 0, coalition 1 (the flip)
    games = {"end_state:negotiated_transition": table, "Damascus_days_held": table}
    values, _, eff = attribute(games, ["leader_accepts_offer"])
    share = values[
        (values.measure == "end_state:negotiated_transition") & (values["index"] == "shapley")
    ]
    assert share.value.iloc[0] == pytest.approx(0.95) and share.high.iloc[0] == 1.0
    assert eff["end_state:negotiated_transition"]["all_flipped"]["high"] == 1.0
    days = values[(values.measure == "Damascus_days_held") & (values["index"] == "shapley")]
    assert days.high.iloc[0] > 1.0  # days are not cut


def test_standard_errors_over_seeds_and_over_draws():
    x = np.array([1.0, 3.0, 5.0, 7.0])
    e = estimate(x)
    assert e["se"] == pytest.approx(np.std(x, ddof=1) / 2)
    assert math.isnan(e["robust_share"])
    # Two draws of two seeds: the error is that of the mean of the draws' means (2 and 6).
    e = estimate(x, [0, 0, 1, 1])
    assert e["se"] == pytest.approx(np.std([2.0, 6.0], ddof=1) / math.sqrt(2))
    assert e["robust_share"] == 1.0


def test_coalitions_flip_exactly_their_members(baseline):
    players = ["iraq_sends_pmf", "leader_accepts_offer", "turkey_halts_offensive"]
    for k in range(8):
        sc = co.coalition_scenario(baseline, "decisions", players, k)
        for i, p in enumerate(players):
            assert sc.decisions[p] == ("accept" if k >> i & 1 else "refuse")
    off = co.coalition_scenario(baseline, "rules", ["R5", "R7"], 2)
    assert off.rules.disabled == ["R7"]
    assert co.candidates(baseline, "decisions") == list(DECISIONS)


def test_coalition_runs_are_the_coalitions_own_runs(baseline):
    players = ("iraq_sends_pmf", "leader_accepts_offer")
    game = Game(baseline, "decisions", players, 3, 11)
    got = list(coalition_runs(game, Executor()))
    assert [k for k, _, _ in got] == [0, 1, 2, 3]
    capital = compile_scenario(baseline).capital
    for k, rows, _ in got:
        c = compile_scenario(co.coalition_scenario(baseline, "decisions", players, k))
        for row in rows.itertuples():
            r = simulate(c, int(row.seed))
            assert (row.days_held, row.held_at_horizon, row.negotiated_transition,
                    row.leader_days) == co.run_values(r, capital, c.p.horizon_days)  # fmt: skip
            assert row.digest == co.run_digest(r) and row.log_digest == co.log_digest(r)


def test_flip_changes_counts_runs_whose_course_changed():
    d = np.array([["a", "a", "b", "b"], ["a", "c", "a", "c"]], dtype=object)
    anywhere, alone = co.flip_changes(d)
    # player 0 (bit 0): pairs (0,1) and (2,3); run 0 never changes, run 1 always
    np.testing.assert_allclose(anywhere, [0.5, 0.5])
    np.testing.assert_allclose(alone, [0.5, 0.5])


def _attribute(run_cli, out: Path, *extra: str) -> dict:
    res = run_cli("attribute", BASE, "--players",
                  "iraq_sends_pmf,hezbollah_full_commitment,leader_accepts_offer", "--runs", "30",
                  "--out", str(out), *extra)  # fmt: skip
    assert res.code == 0, res.err
    return json.loads((out / "attribution.json").read_text())


@pytest.fixture(scope="module")
def serial_folder(tmp_path_factory):
    from model.cli.main import main

    out = tmp_path_factory.mktemp("att") / "serial"
    code = main(["attribute", BASE, "--players",
                 "iraq_sends_pmf,hezbollah_full_commitment,leader_accepts_offer",
                 "--runs", "30", "--out", str(out), "--executor", "serial", "--quiet"])  # fmt: skip
    assert code == 0
    return out


def test_the_folder_holds_the_attribution_sealed(serial_folder, run_cli):
    doc = json.loads((serial_folder / "attribution.json").read_text())
    table = pd.read_csv(serial_folder / "attribution.csv")
    assert list(table.columns) == ["decision", "measure", "index", "value", "se", "low", "high",
                                   "robust_share", "flip_changes_run", "flip_changes_run_alone",
                                   "flip_changes_log", "pins_applied"]  # fmt: skip
    assert len(table) == 3 * 4 * 2
    for m, gap in doc["efficiency_gap"].items():
        assert abs(gap) < 1e-9, m
    # the values sum to the effect of all flips together, as read back from the CSV
    held = table[(table["index"] == "shapley") & (table.measure == "Damascus_days_held")]
    all_flips = doc["measures"][0]["all_flips_effect"]["value"]
    assert held.value.sum() == pytest.approx(all_flips, abs=1e-6)
    assert len(pd.read_csv(serial_folder / "interactions.csv")) == 3 * 4 * 2
    assert len(pd.read_csv(serial_folder / "coalition_runs.csv")) == 8 * 30
    page = (serial_folder / "report.html").read_text()
    assert 'data-testid="attribution-findings"' in page and "leader_accepts_offer" in page
    assert run_cli("verify", str(serial_folder)).code == 0


def test_the_printed_table_keeps_its_columns_apart(serial_folder):
    """Each value of the terminal table stands in its own column, the pins' share included."""
    from model.analysis.attribution_text import format_attribution

    text = format_attribution(json.loads((serial_folder / "attribution.json").read_text()))
    header = next(line for line in text.splitlines() if "Banzhaf" in line)
    rows = [line for line in text.splitlines() if line.startswith("  leader_accepts_offer ")]
    assert rows and "pin came up" in header
    for row in rows:
        # value [interval], se, Banzhaf, changed share (log share), pin share: never run together
        se, banzhaf, changed, pins = re.split(r"\s{2,}", row.split("]", 1)[1].strip())
        assert re.fullmatch(r"[\d.]+%?", se) and re.fullmatch(r"[+-][\d.]+%?", banzhaf), row
        assert re.fullmatch(r"\d+% \(\d+%\)", changed) and re.fullmatch(r"\d+%|-", pins), row


@pytest.mark.parametrize("executor", ["process", "dask"])
def test_the_same_seed_gives_the_same_files_on_every_executor(
    executor, serial_folder, tmp_path, run_cli
):
    out = tmp_path / executor
    _attribute(run_cli, out, "--executor", executor, "--workers", "2", "--quiet")
    for name in FILES:
        assert (out / name).read_bytes() == (serial_folder / name).read_bytes(), name


def test_pins_applied_from_the_summary_is_reported(baseline, monkeypatch):
    """Where the model's summary records ``pins_applied``, it is carried to each decision."""
    from model.ensemble import coalitions as ens_co

    real = ens_co.summ.summarize

    def with_pins(*a, **kw):
        return {**real(*a, **kw), "pins_applied": {"iraq_sends_pmf": 0.25}}

    monkeypatch.setattr(ens_co.summ, "summarize", with_pins)
    game = Game(baseline, "decisions", ("iraq_sends_pmf", "leader_accepts_offer"), 2, 5)
    applied = [(k, a) for k, _, a in coalition_runs(game, Executor(), pins=lambda k: True)]
    assert ens_co.pins_table(applied, game) == {"iraq_sends_pmf": 0.25}


def test_rules_are_players_too(tmp_path, run_cli):
    out = tmp_path / "rules"
    res = run_cli("attribute", BASE, "--over", "rules", "--players",
                  "R5,R17", "--runs", "8", "--out", str(out), "--executor", "serial")  # fmt: skip
    assert res.code == 0, res.err
    doc = json.loads((out / "attribution.json").read_text())
    assert [(p["name"], p["documented"], p["flipped"]) for p in doc["players"]] == [
        ("R5", "in force", "switched off"), ("R17", "in force", "switched off")]  # fmt: skip
    assert "switched off" in res.out


def test_bad_players_are_one_line(run_cli):
    res = run_cli("attribute", BASE, "--players", "russia_stays")
    assert res.code == 2 and res.err.count("\n") == 1 and "--players russia_stays" in res.err
    res = run_cli("attribute", BASE, "--over", "rules")
    assert res.code == 2 and "at most 10" in res.err


def _state(folder: Path) -> dict:
    try:
        return json.loads((folder / "progress.json").read_text())
    except (OSError, ValueError):
        return {}


@pytest.mark.faults
def test_a_killed_attribution_resumes_to_the_same_files(tmp_path):
    """SIGKILL after the first block; the resumed folder equals one never interrupted."""
    players = "turkey_halts_offensive,iraq_sends_pmf,hezbollah_full_commitment," \
              "leader_accepts_offer,turkey_holds_back_offensive"  # fmt: skip
    cmd = [sys.executable, "-m", "model", "attribute", BASE, "--players",
           players, "--runs", "10", "--executor", "serial", "--quiet"]  # fmt: skip
    whole = tmp_path / "whole"
    subprocess.run([*cmd, "--out", str(whole)], cwd=REPO_ROOT, check=True, capture_output=True)
    killed = tmp_path / "killed"
    proc = subprocess.Popen([*cmd, "--out", str(killed)], cwd=REPO_ROOT, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    hidden = None
    while time.monotonic() < deadline and proc.poll() is None:
        found = list(tmp_path.glob(".incomplete-killed-*"))
        if found and _state(found[0]).get("done", 0) >= 16:
            hidden = found[0]
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.01)
    proc.wait()
    assert hidden is not None, "the attribution finished before it could be killed"
    assert 16 <= _state(hidden)["done"] < 32
    # a block changed on disk is refused
    runs = hidden / "coalition_runs.csv"
    data = runs.read_bytes()
    runs.write_bytes(data[:100] + (b"9" if data[100:101] != b"9" else b"8") + data[101:])
    bad = subprocess.run([*cmd, "--resume", str(hidden)], cwd=REPO_ROOT, capture_output=True,
                         text=True)  # fmt: skip
    assert bad.returncode == 2 and "cannot resume" in bad.stderr
    runs.write_bytes(data)
    other = subprocess.run([*cmd[:-4], "11", "--executor", "serial", "--quiet", "--resume",
                            str(hidden)], cwd=REPO_ROOT, capture_output=True, text=True)  # fmt: skip
    assert other.returncode == 2 and "--runs 11: differs from 10" in other.stderr
    subprocess.run([*cmd, "--resume", str(hidden)], cwd=REPO_ROOT, check=True, capture_output=True)
    for name in FILES:
        assert (killed / name).read_bytes() == (whole / name).read_bytes(), name


def test_the_dashboard_attributes_as_the_command_does(baseline, serial_folder):
    from model.dashboard import ensemble as ens

    players = ["iraq_sends_pmf", "hezbollah_full_commitment", "leader_accepts_offer"]
    doc = ens.run_attribution(baseline, 30, 20241127, workers=2, players=players)
    written = json.loads((serial_folder / "attribution.json").read_text())
    assert json.loads(json.dumps(doc)) == written
    page = ens.attribution_html(doc)
    assert 'data-testid="attribution-table"' in page and "all flips together" in page


def test_over_a_posterior_each_coalition_uses_the_same_draws(tmp_path, baseline, run_cli):
    """Run i of every coalition uses draw i // K; values get total intervals, robust shares."""
    from posterior_helpers import write_posterior

    from model.ensemble.posterior import draw_ids, load_posterior

    values = np.array([[0.50, 25.0], [0.62, 30.0], [0.70, 45.0]])
    post = write_posterior(tmp_path / "post", baseline, values, np.array([0.4, 0.3, 0.3]))
    out = tmp_path / "att"
    res = run_cli("attribute", BASE, "--players", "iraq_sends_pmf,leader_accepts_offer",
                  "--runs", "12", "--posterior", post, "--seeds-per-draw", "3",
                  "--executor", "serial", "--out", out)  # fmt: skip
    assert res.code == 0, res.err
    doc = json.loads((out / "attribution.json").read_text())
    assert doc["interval"].startswith("total") and doc["seeds_per_draw"] == 3
    rows = pd.read_csv(out / "coalition_runs.csv")
    assert (rows.draw == rows.run // 3).all()
    ids = draw_ids(load_posterior(post), 12, 20241127, 3)
    # coalition 3's run 0 is the draw's scenario with both flips, run with run 0's seed
    from model.config.uncertain import with_values
    from model.ensemble.posterior import overridden

    sc = co.coalition_scenario(baseline, "decisions", ["iraq_sends_pmf", "leader_accepts_offer"], 3)
    p = load_posterior(post)
    values = dict(zip(p.names, p.values[ids[0]], strict=True))
    drawn = sc.model_validate(with_values(sc, values, sc.model_dump(), overridden(sc, p)))
    c = compile_scenario(drawn)
    first = rows[(rows.coalition == 3) & (rows.run == 0)].iloc[0]
    r = simulate(c, int(first.seed))
    assert first.days_held == co.run_values(r, c.capital, c.p.horizon_days)[0]
    table = pd.read_csv(out / "attribution.csv")
    assert table.robust_share.notna().all() and table.robust_share.between(0, 1).all()


def test_a_comparison_report_can_show_the_attribution(tmp_path, serial_folder, run_cli):
    from model.viz.report import write_report

    cf = REPO_ROOT / "scenarios" / "counterfactuals" / "iraq_sends_pmf.yaml"
    out = tmp_path / "cmp"
    res = run_cli("compare", BASE, cf, "--runs", "4", "--executor", "serial", "--quiet",
                  "--out", out)  # fmt: skip
    assert res.code == 0, res.err
    doc = json.loads((serial_folder / "attribution.json").read_text())
    page = write_report(out, attribution=doc).read_text()
    assert page.count('data-testid="attribution-findings"') == 1
    assert doc["findings"][0].split(":")[0] in page and "all flips together" in page
    assert 'data-testid="attribution-findings"' not in write_report(out).read_text()


def test_shapley_and_banzhaf_differ_where_three_flips_act_only_together():
    """12 days only when d0, d1 and d2 are all flipped (d3 idle): Shapley shares it in thirds,
    Banzhaf counts each a quarter of the time, and each pair interacts by half of it."""
    n = 4
    table = np.array([[12.0 * (k & 7 == 7) for k in range(1 << n)]])
    values, inter, eff = attribute({"m": table}, ["d0", "d1", "d2", "d3"])
    sv = values[values["index"] == "shapley"]["value"].to_numpy()
    bv = values[values["index"] == "banzhaf"]["value"].to_numpy()
    np.testing.assert_allclose(sv, [4, 4, 4, 0], atol=1e-12)
    np.testing.assert_allclose(bv, [3, 3, 3, 0], atol=1e-12)
    sii = inter[inter["index"] == "shapley_interaction"]["value"].to_numpy()
    np.testing.assert_allclose(sii, [6, 6, 0, 6, 0, 0], atol=1e-12)  # (0,1) (0,2) (0,3) (1,2)...
    assert abs(eff["m"]["efficiency_gap"]) < 1e-12
