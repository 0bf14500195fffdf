"""The dashboard's logic without a browser: replay, provenance, comparison, command line."""

from __future__ import annotations

import asyncio
import os
import re
import signal

import numpy as np
import pandas as pd
import pytest
from repo import REPO_ROOT

from model.config.schema import DECISIONS
from model.dashboard import ensemble as ens
from model.dashboard import replay as rp
from model.dashboard.server import uncompressed_on_loopback
from model.ensemble.comparison import compare_to_dir
from model.ensemble.executors import ExecutorSpec
from model.ensemble.memory import compare_in_memory
from model.ensemble.runner import Job
from model.viz.words import RAW_IDS


def test_replay_steps_day_by_day_and_stops_at_the_horizon(baseline):
    m = rp.ReplayModel(scenario=baseline)
    assert m.day == -1 and m.running
    m.step()
    assert m.day == 0 and rp.event_rows(m, 0)  # the offensive begins on day 0
    for _ in range(m.horizon + 5):  # past the horizon: no step is taken or counted
        m.step()
    assert m.day == m.horizon - 1 and not m.running
    assert m.metrics[0, 0] > 0 and np.all(np.abs(m.metrics).sum(axis=1) > 0)  # every day recorded


def test_replay_matches_a_plain_run_with_the_same_seed(baseline):
    from model.sim.model import simulate

    m = rp.ReplayModel(scenario=baseline, seed="7")
    for _ in range(m.horizon):
        m.step()
    r = simulate(baseline, 7)
    assert m.events == r.events
    np.testing.assert_array_equal(m.holders, r.holders)


def test_pinning_the_offer_changes_the_answer_and_the_end(baseline):
    def run(**pins):
        m = rp.ReplayModel(scenario=baseline, **pins)
        for _ in range(m.horizon):
            m.step()
        return m, [r["outcome"] for r in rp.event_rows(m) if r["kind"] == "decision"]

    declined, d_answers = run(leader_accepts_offer="refuse")
    accepted, a_answers = run(leader_accepts_offer="accept")
    assert d_answers == ["declined offer: able to fight on"]
    assert a_answers == ["accepted offer"]
    assert accepted.end_state() == "negotiated_transition" != declined.end_state()


def test_event_rows_cite_the_rule_and_its_article_section(baseline):
    m = rp.ReplayModel(scenario=baseline)
    for _ in range(12):  # Turkey answers the appeal Iraq relays (3 Dec, day 6, as documented)
        m.step()
    rows = rp.event_rows(m)
    turkey = [r for r in rows if r["actor"] == "Turkey" and r["kind"] == "answer"]
    assert turkey and turkey[0]["rule"] == "R1" and "Pleas to Turkey" in turkey[0]["section"]
    day = int(m.day)
    for rule, section, quote, _note in rp.rules_cited(m, day):
        assert rule.startswith("R") and section and quote
    table = rp.rows_html(rows, "t", "none")
    assert "Pleas to Turkey" in table and "<script" not in table


def test_key_parameters_say_where_their_values_come_from(baseline):
    params = rp.params_of(baseline)
    kinds = {rp.provenance(params[kp.path]) for kp in rp.KEY_PARAMS}
    assert {"sourced", "calibrated", "assumed"} <= kinds
    for kp in rp.KEY_PARAMS:
        low, high = rp.slider_range(baseline, kp)
        assert low <= params[kp.path].value <= high


def test_a_changed_value_is_marked_as_set_in_the_dashboard(baseline):
    path = "actors.russia.offer_threshold"
    same = rp.with_choices(baseline, {}, {path: rp.params_of(baseline)[path].value})
    assert rp.provenance(rp.params_of(same)[path]) == "calibrated"
    changed = rp.with_choices(baseline, {"leader_accepts_offer": "accept"}, {path: 0.9})
    p = rp.params_of(changed)[path]
    assert p.value == 0.9 and rp.provenance(p) == "set in dashboard"
    assert changed.decisions["leader_accepts_offer"] == "accept"


def test_a_seed_that_is_not_a_number_falls_back_with_a_note(baseline):
    m = rp.ReplayModel(scenario=baseline, seed="abc")
    assert m.seed_value == rp.DEFAULT_SEED and "not a whole number" in m.seed_note
    assert set(DECISIONS) >= {"leader_accepts_offer"}


def test_map_state_has_a_colour_and_label_per_place(baseline):
    m = rp.ReplayModel(scenario=baseline)
    for _ in range(8):
        m.step()
    st = rp.map_state(m)
    n = len(baseline.places)
    assert len(st["colours"]) == len(st["labels"]) == len(st["faded"]) == n
    assert all(0 <= c.share for c in st["columns"])
    assert len(rp.curves_svg(m)) == len(rp.CURVE_PANELS)


def test_in_memory_comparison_is_the_one_compare_writes(baseline_path, tmp_path):
    cf = baseline_path.parent / "counterfactuals" / "assad_accepts_offer.yaml"
    from model.config.loader import load_scenario

    scenarios = [(load_scenario(baseline_path), str(baseline_path)), (load_scenario(cf), str(cf))]
    job = Job(11, ExecutorSpec("serial"), str(tmp_path / "cmp"), ["test"], progress=False)
    folder, _ = compare_to_dir(scenarios, 30, job)
    written = pd.read_csv(folder / "comparison.csv")
    seen = []
    cmp = compare_in_memory(
        [sc for sc, _ in scenarios], 30, 11, on_progress=lambda d, t: seen.append(d)
    )
    pd.testing.assert_frame_equal(cmp.table, written, check_dtype=False, rtol=1e-5)
    assert seen[-1] == 60
    html = ens.table_html(cmp)
    assert "assad_accepts_offer" in html and "[" in html


def test_catalogue_offers_the_counterfactuals_and_skips_other_files(baseline_path):
    entries, skipped = ens.catalogue(baseline_path)
    names = [e.scenario.name for e in entries]
    assert names[0] == "baseline" and "assad_accepts_offer" in names
    # observations.yaml is not a scenario: not offered, and not reported as a broken one
    assert "observations.yaml" not in " ".join(e.path for e in entries)
    assert not any(s.startswith("observations.yaml") for s in skipped)


def test_dashboard_with_a_bad_scenario_is_one_error_line(run_cli, make_scenario):
    bad = make_scenario({"actors": {"iraq": {"domestic_cost": "lots"}}}, name="bad")
    res = run_cli("dashboard", bad, "--port", "0")
    assert res.code == 2
    lines = res.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"ERROR {bad}: "), res.err
    assert "domestic_cost" in lines[0]


@pytest.mark.parametrize("port", ["-1", "70000", "x"])
def test_dashboard_refuses_a_bad_port(run_cli, baseline_path, port):
    res = run_cli("dashboard", baseline_path, "--port", port)
    assert res.code == 2 and res.err.startswith("ERROR ") and "--port" in res.err


def test_no_raw_id_in_the_event_tables(baseline):
    m = rp.ReplayModel(scenario=baseline)
    for _ in range(m.horizon):
        m.step()
    table = rp.rows_html(rp.event_rows(m), "t", "none")
    cells = re.sub(r'title="[^"]*"', "", table)  # the ids stay in the tooltips only
    for raw in (*RAW_IDS, ">turkey<", ">russia<"):
        assert raw not in cells, raw
    assert "log ids: northern_opposition" in table


def _run_until(m, kind):
    for _ in range(m.horizon):
        m.step()
        if any(e[0] == m.day and e[2] == kind for e in m.events):
            return
    raise AssertionError(f"no {kind} event")


def test_the_quoted_passage_is_the_one_for_the_events_branch(baseline):
    accepted = rp.ReplayModel(scenario=baseline, leader_accepts_offer="accept")
    _run_until(accepted, "decision")
    quotes = " ".join(q + n for _, _, q, n in rp.rules_cited(accepted, accepted.day))
    assert "Assad declined" not in quotes and "offered Assad protection" in quotes
    assert "counterfactual" in quotes
    declined = rp.ReplayModel(scenario=baseline, leader_accepts_offer="refuse")
    _run_until(declined, "decision")
    quotes = " ".join(q for _, _, q, _ in rp.rules_cited(declined, declined.day))
    assert "Assad declined" in quotes
    quote, note = rp.passage("R7", "holder_change", "Aleppo", "taken")
    assert "does not describe this place" in note
    assert "Hama" in rp.passage("R7", "holder_change", "Hama", "taken")[0]


def test_status_line_before_the_first_step_and_at_the_end(baseline):
    m = rp.ReplayModel(scenario=baseline)
    assert "Damascus is held by the regime" in rp.status_line(m)
    m.step()
    assert rp.status_line(m).startswith("Day 1 of 30:") and m.steps == 1
    for _ in range(m.horizon + 2):
        m.step()
    assert rp.status_line(m).startswith("Day 30 of 30") and "End of the replay" in rp.status_line(m)


def test_a_changed_control_waits_for_reset(baseline):
    choices = rp.initial_choices(baseline)
    m = rp.ReplayModel(scenario=baseline, choices=choices)
    assert rp.pending(choices, m) == []
    choices = {**choices, "leader_accepts_offer": "accept", "seed": "7"}
    assert set(rp.pending(choices, m)) == {"Assad accepts Russia's offer", "seed"}
    rebuilt = rp.ReplayModel(scenario=baseline, choices=choices)
    assert rp.pending(choices, rebuilt) == [] and rebuilt.seed_value == 7


def test_a_slider_snapping_to_its_step_is_not_a_change(baseline):
    choices = rp.initial_choices(baseline)
    m = rp.ReplayModel(scenario=baseline, choices=choices)
    value = baseline.actors.regime.flight_threshold.value
    assert round(value, 2) != value  # a value the slider's 0.01 grid cannot show exactly
    snapped = {**choices, "actors.regime.flight_threshold": round(value, 2)}
    assert rp.pending(snapped, m) == []
    rebuilt = rp.ReplayModel(scenario=baseline, choices=snapped)
    p = rp.params_of(rebuilt.scenario)["actors.regime.flight_threshold"]
    assert p.value == value and p.set_in is None


@pytest.mark.parametrize(
    ("client", "compressed"),
    [(("127.0.0.1", 5000), False), (("::1", 5000), False), (("192.0.2.7", 5000), True)],
)
def test_responses_are_compressed_only_for_other_machines(client, compressed):
    seen = []

    async def app(scope, receive, send):
        seen.append(dict(scope["headers"]).get(b"accept-encoding"))

    scope = {"type": "http", "client": client, "headers": [(b"accept-encoding", b"gzip")]}
    asyncio.run(uncompressed_on_loopback(app)(scope, None, None))
    assert seen == [b"gzip" if compressed else None]


# -- Serving other machines: a warning, an optional token, a cap on runs, posteriors offered


def _asgi(app, scope) -> list[dict]:
    sent = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request"}

    asyncio.run(app(scope, receive, send))
    return sent


def test_a_token_is_required_of_other_machines_only():
    from model.dashboard.server import token_required

    reached = []

    async def app(scope, receive, send):
        reached.append(scope["client"][0])
        await send({"type": "http.response.start", "status": 200, "headers": []})

    guard = token_required(app, "s3cret-token-xyz")

    def http(client, query=b"", cookie=None):
        headers = [(b"cookie", cookie)] if cookie else []
        scope = {"type": "http", "client": (client, 1), "query_string": query, "headers": headers}
        return _asgi(guard, scope)

    assert http("127.0.0.1")[0]["status"] == 200  # this machine needs none
    assert http("192.0.2.7")[0]["status"] == 403 and reached == ["127.0.0.1"]
    assert http("192.0.2.7", b"token=wrong")[0]["status"] == 403
    ok = http("192.0.2.7", b"token=s3cret-token-xyz")[0]
    assert ok["status"] == 200 and any(k == b"set-cookie" for k, _ in ok["headers"])
    assert http("192.0.2.7", cookie=b"model_dashboard_token=s3cret-token-xyz")[0]["status"] == 200
    ws = {"type": "websocket", "client": ("192.0.2.7", 1), "query_string": b"", "headers": []}
    assert _asgi(guard, ws) == [{"type": "websocket.close", "code": 1008}]


def test_a_host_other_machines_reach_is_warned_of():
    from model.dashboard.server import exposure_warning

    for host in ("127.0.0.1", "::1", "localhost", "[::1]"):
        assert exposure_warning(host, 8765, None) is None
    text = exposure_warning("0.0.0.0", 8765, None)
    assert text.startswith("WARNING") and "no password" in text and "127.0.0.1" in text
    assert "only with the token" in exposure_warning("0.0.0.0", 8765, "t" * 16)


def test_the_ensemble_page_offers_only_posteriors_under_its_root_and_caps_runs(tmp_path, baseline):
    from model.errors import OptionError, ScenarioError

    root = tmp_path / "results"
    for rel in ("baseline-posterior/20261201T000000Z-aa", "baseline/20261201T000000Z-bb"):
        (root / rel).mkdir(parents=True)
        (root / rel / "manifest.json").write_text("{}")
    (root / "baseline-posterior/20261201T000000Z-aa/posterior.json").write_text("{}")
    (root / ".incomplete-x").mkdir()
    assert ens.posterior_folders(root) == ["baseline-posterior/20261201T000000Z-aa"]
    for asked in ("/etc", "../results/baseline-posterior/20261201T000000Z-aa", "baseline"):
        with pytest.raises(ScenarioError, match="not one of the posterior folders offered"):
            ens.run_comparison([baseline], 2, 1, posterior_dir=asked, results_root=root)
    with pytest.raises(OptionError, match="at most 10 runs"):
        ens.run_comparison([baseline], 11, 1, max_runs=10)


def _this_machines_other_address() -> str | None:
    """An address of this machine that is not the loopback (a client there is 'another')."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the interface
            addr = s.getsockname()[0]
        except OSError:
            return None
    return None if addr.startswith("127.") else addr


def test_a_dashboard_for_other_machines_warns_and_wants_its_token(tmp_path):
    import subprocess
    import sys
    import urllib.error
    import urllib.request

    other = _this_machines_other_address()
    if other is None:
        pytest.skip("this machine has no address but the loopback")
    token = "a-long-test-token-42"
    proc = subprocess.Popen(
        [sys.executable, "-m", "model", "dashboard", "scenarios/baseline.yaml", "--host",
         "0.0.0.0", "--port", "0", "--token", token], cwd=REPO_ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        line = proc.stdout.readline()
        port = int(re.search(r"running at http://0\.0\.0\.0:(\d+)/", line).group(1))
        warning = proc.stderr.readline()
        assert warning.startswith("WARNING the dashboard listens on 0.0.0.0") and "token" in warning

        def status(host: str, query: str = "") -> int:
            try:
                with urllib.request.urlopen(f"http://{host}:{port}/{query}", timeout=30) as r:
                    return r.status
            except urllib.error.HTTPError as exc:
                return exc.code

        assert status("127.0.0.1") == 200  # this machine needs no token
        assert status(other) == 403
        assert status(other, f"?token={token}") == 200
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
