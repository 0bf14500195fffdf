"""The dashboard in a real browser: Debian's Chromium driven by Playwright.

The server is started as a user starts it (``python -m model dashboard --port 0``) and
stopped with Ctrl-C (SIGINT). Screenshots go to a temporary folder, or to the folder named
by ``DASHBOARD_SCREENSHOTS`` (``DASHBOARD_SCREENSHOTS=docs`` refreshes the README's).
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
from repo import REPO_ROOT

from model.viz.words import RAW_IDS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("chromium not found: browser tests skipped", allow_module_level=True)
sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="playwright not installed (pip install -e '.[dashboard]'): browser tests skipped",
)
expect = sync_api.expect

TIMEOUT_MS = 30_000


class Server:
    """The dashboard process and the lines it prints."""

    def __init__(self):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "model", "dashboard", "scenarios/baseline.yaml", "--port", "0"],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.url = self._wait_for(r"running at (http://\S+)", 90).group(1)

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put("")  # end of output

    def _wait_for(self, pattern: str, seconds: float) -> re.Match:
        while True:
            try:
                line = self.lines.get(timeout=seconds)
            except queue.Empty:
                raise AssertionError(f"no line matching {pattern!r}: {self.seen}") from None
            self.seen.append(line)
            if match := re.search(pattern, line):
                return match
            if line == "":
                raise AssertionError(f"the server ended: {''.join(self.seen)}")

    def stop(self) -> int:
        """Ctrl-C, as a user stops it; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=20)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


@pytest.fixture(scope="module")
def server():
    s = Server()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    where = os.environ.get("DASHBOARD_SCREENSHOTS")
    folder = Path(where) if where else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page(browser):
    pg = browser.new_page(viewport={"width": 1440, "height": 1500})
    pg.set_default_timeout(TIMEOUT_MS)
    yield pg
    pg.close()


def _status(pg) -> str:
    return pg.get_by_test_id("status").inner_text()


def _step(pg) -> str:
    """Press Step and wait until the day shown has changed."""
    before = _status(pg)
    pg.get_by_role("button", name="Step").click()
    pg.wait_for_function(
        "(b) => document.querySelector('[data-testid=status]').innerText != b", arg=before
    )
    return _status(pg)


def _map_src(pg) -> str:
    return pg.get_by_test_id("map").locator("img").get_attribute("src")


def _events(pg) -> str:
    return pg.get_by_test_id("events-all").inner_text()


def test_replay_steps_three_days(server, page, shots):
    page.goto(server.url)
    page.get_by_test_id("status").wait_for()
    # Before the first step the status line already says who holds the capital.
    assert "before the first day" in _status(page)
    assert "Damascus is held by the regime" in _status(page)
    map0, events0 = _map_src(page), _events(page)
    _step(page)
    # Day 1: Turkey's stance before the offensive (R17) is among the day's events, with the
    # article section it rests on.
    expect(page.get_by_test_id("events-today")).to_contain_text("Pleas to Turkey")
    for _ in range(2):
        _step(page)
    # Days count from 1, as Mesa's Information box counts steps.
    assert _status(page).startswith("Day 3 of 30: Fri 29 Nov 2024")
    expect(page.get_by_text("Step: 3")).to_be_visible()
    # The widgets of one redraw reach the page one after another: wait for each.
    # Assad's appeal in Moscow on 28 Nov (R1: a day after the offensive began).
    expect(page.get_by_test_id("events-all")).to_contain_text("asked for military support")
    assert _events(page) != events0 and "advance begins" in _events(page)
    expect(page.get_by_test_id("map").locator("img")).not_to_have_attribute("src", map0)
    page.screenshot(path=shots / "dashboard-replay.png")


def test_flipping_the_offer_decision_shows_the_flipped_answer(server, page, shots):
    page.goto(server.url)
    page.get_by_test_id("status").wait_for()
    expect(page.get_by_test_id("pending")).to_have_count(0)
    page.get_by_test_id("pin-leader_accepts_offer").locator(".v-select__slot").click()
    page.get_by_role("option", name="accept", exact=True).click()
    # A changed control is marked as waiting for Reset until Reset is pressed.
    expect(page.get_by_test_id("pending")).to_contain_text("Assad accepts Russia's offer")
    expect(page.get_by_text("(applies on Reset)")).to_be_visible()
    page.get_by_role("button", name="Reset").click()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=run-note]').innerText"
        '.includes("Assad accepts Russia\'s offer = accept")'
    )
    expect(page.get_by_test_id("pending")).to_have_count(0)
    for _ in range(25):
        if "transitional authority" in _step(page):
            break
    expect(page.get_by_test_id("events-all")).to_contain_text("accepted offer")
    assert "declined offer" not in _events(page)
    expect(page.get_by_test_id("events-today")).to_contain_text("handed over by agreement")
    page.screenshot(path=shots / "dashboard-replay-offer-accepted.png")


def test_a_replay_to_its_end_says_so_and_shows_no_raw_id(server, page, shots):
    page.goto(server.url)
    page.get_by_test_id("status").wait_for()
    page.get_by_role("button", name="▶").click()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=status]').innerText.includes('End of the replay')",
        timeout=180_000,
    )
    assert _status(page).startswith("Day 30 of 30")
    text = _events(page)
    assert "changes hands" in text and "northern opposition" in text
    assert not [raw for raw in RAW_IDS if raw in text], text[:500]
    page.screenshot(path=shots / "dashboard-replay-end.png", full_page=True)


def test_a_small_ensemble_shows_the_comparison_table(server, page, shots):
    page.goto(server.url + "ensemble")
    page.get_by_text("assad_accepts_offer.yaml").click()
    runs = page.get_by_label("Runs per scenario")
    runs.fill("20")
    runs.press("Enter")
    button = page.get_by_role("button", name=re.compile("Run ensemble"))
    expect(button).to_contain_text("2 scenarios x 20 runs", ignore_case=True)
    button.click()
    table = page.get_by_test_id("comparison-table")
    expect(table).to_contain_text("assad_accepts_offer", timeout=60_000)
    text = table.inner_text()
    assert "baseline" in text and "assad_accepts_offer" in text and "(base)" in text
    assert re.search(r"\d+% \[\d+%, \d+%\]", text)
    page.screenshot(path=shots / "dashboard-ensemble.png")


def test_the_ensemble_page_attributes_the_outcome_to_the_decisions(server, page, shots):
    page.goto(server.url + "ensemble")
    runs = page.get_by_label("Runs per combination")
    runs.fill("2")
    runs.press("Enter")
    button = page.get_by_role("button", name=re.compile("Attribute"))
    from model.config.schema import DECISIONS

    combos = 2 ** len(DECISIONS)  # every decision the baseline can pin, flipped or not
    expect(button).to_contain_text(f"{combos} combinations x 2 runs", ignore_case=True)
    button.click()
    table = page.get_by_test_id("attribution-table")
    expect(table).to_contain_text("all flips together", timeout=120_000)
    text = table.inner_text()
    assert "leader_accepts_offer" in text and "refuse -> accept" in text
    assert "efficiency gap" in text
    page.screenshot(path=shots / "dashboard-attribution.png", full_page=True)


def test_scripts_go_uncompressed_to_this_machines_browser(server):
    # Compressing solara's scripts at every load was server time before the first paint.
    req = urllib.request.Request(server.url + "static/main-vuetify.js")
    req.add_header("Accept-Encoding", "gzip")
    with urllib.request.urlopen(req, timeout=30) as answer:
        body = answer.read()
        assert answer.headers.get("Content-Encoding") is None
    assert len(body) > 1000 and b"require" in body  # large enough for solara to compress


def test_ctrl_c_stops_the_server_cleanly(server):
    assert server.stop() == 0
    rest = "".join(server.seen) + "".join(iter(server.lines.get_nowait, ""))
    assert "Dashboard stopped." in rest
    assert "Traceback" not in rest
