"""How responsive the dashboard is: a replay step with its redraw, and a 200-run comparison.

This script prints figures; it asserts nothing and is not part of the test suite. Run it from
the repository root, with the dashboard's extra installed (``make dashboard`` installs it):

    .venv/bin/python benchmarks/bench_dashboard.py
    .venv/bin/python benchmarks/bench_dashboard.py --no-browser   # server-side figures only

What it measures:

- **step + redraw, server**: ``ReplayModel.step`` and everything the replay page computes
  from it (the map's PNG, the curves' SVG, the event tables), per day over a whole run;
  median and slowest day.
- **first paint, in the browser**: a fresh browser context (no cache) per load, from the
  request to the status line and the map on the replay page, with the time to the page's
  ``load`` event (solara's own scripts, styles and fonts) beside it; six loads.
- **step + redraw, in the browser**: Debian's Chromium driven by Playwright presses Step on
  a running dashboard and waits until the page shows the new day and the new map; median
  over ten steps. Skipped when chromium or playwright is missing.
- **comparison**: the ensemble page's work for two scenarios (the baseline and
  ``assad_accepts_offer``) of ``--runs`` runs each on ``--workers`` processes:
  ``compare_in_memory`` (pool start, runs, tables, comparison table), then the survival figure
  and the table. Also through the page, in the browser, from the click to the table.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

from model.config.loader import load_scenario
from model.dashboard import ensemble as ens
from model.dashboard import replay as rp
from model.dashboard.app import MapFigure

REPO = Path(__file__).resolve().parent.parent
BASE = REPO / "scenarios" / "baseline.yaml"
OTHER = REPO / "scenarios" / "counterfactuals" / "assad_accepts_offer.yaml"


def server_step_times() -> list[float]:
    """Seconds per day for a step and the page's redraw, over one run."""
    m = rp.ReplayModel(scenario=load_scenario(BASE))
    fig = MapFigure(m)
    times = []
    while m.running:
        t0 = time.perf_counter()
        m.step()
        fig.png(m)
        rp.curves_svg(m)
        rp.rows_html(rp.event_rows(m, m.day), "t", "")
        rp.rows_html(rp.event_rows(m), "a", "")
        times.append(time.perf_counter() - t0)
    return times


def comparison_time(runs: int, workers: int) -> tuple[float, float]:
    """Seconds for the comparison itself, and for its figure and table."""
    scenarios = [load_scenario(BASE), load_scenario(OTHER)]
    t0 = time.perf_counter()
    cmp = ens.run_comparison(scenarios, runs, rp.DEFAULT_SEED, workers=workers)
    t1 = time.perf_counter()
    ens.survival_figure(cmp).savefig(io.BytesIO(), format="png")
    ens.table_html(cmp)
    return t1 - t0, time.perf_counter() - t1


def browser_times(runs: int) -> tuple[list[float], float, list[tuple[float, float]]] | None:
    """Step times, the comparison's time and first paints (with the page's load) in Chromium.

    None without a browser.
    """
    chromium = shutil.which("chromium")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        return None
    if chromium is None:
        return None
    proc = subprocess.Popen(
        [sys.executable, "-m", "model", "dashboard", str(BASE), "--port", "0"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        url = next(line.split("running at ")[1].split()[0] for line in proc.stdout
                   if "running at " in line)  # fmt: skip
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            paints = []
            for _ in range(6):
                ctx = b.new_context(viewport={"width": 1440, "height": 1500})
                page = ctx.new_page()
                t0 = time.perf_counter()
                page.goto(url, wait_until="load")
                loaded = time.perf_counter() - t0
                page.get_by_test_id("status").wait_for()
                page.get_by_test_id("map").locator("img").wait_for()
                paints.append((time.perf_counter() - t0, loaded))
                ctx.close()
            page = b.new_page(viewport={"width": 1440, "height": 1500})
            page.goto(url)
            status = page.get_by_test_id("status")
            status.wait_for()
            img = page.get_by_test_id("map").locator("img")
            steps = []
            for _ in range(10):
                before, src = status.inner_text(), img.get_attribute("src")
                t0 = time.perf_counter()
                page.get_by_role("button", name="Step").click()
                expect(status).not_to_have_text(before)
                expect(img).not_to_have_attribute("src", src)
                steps.append(time.perf_counter() - t0)
            page.goto(url + "ensemble")
            page.get_by_text(f"{OTHER.name}").click()
            box = page.get_by_label("Runs per scenario")
            box.fill(str(runs))
            box.press("Enter")
            button = page.get_by_role("button", name="Run ensemble")
            expect(button).to_contain_text(f"x {runs} runs", ignore_case=True)
            t0 = time.perf_counter()
            button.click()
            expect(page.get_by_test_id("comparison-table")).to_contain_text(
                OTHER.stem, timeout=120_000
            )
            ensemble = time.perf_counter() - t0
            b.close()
        return steps, ensemble, paints
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="runs per scenario (default 200)")
    parser.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    parser.add_argument("--no-browser", action="store_true", help="skip the browser timings")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; python {sys.version.split()[0]}")
    steps = server_step_times()
    print(f"step + redraw, server:    median {statistics.median(steps) * 1000:.0f} ms, "
          f"slowest {max(steps) * 1000:.0f} ms over {len(steps)} days")  # fmt: skip
    run_s, draw_s = comparison_time(args.runs, args.workers)
    print(f"comparison, 2 x {args.runs} runs on {args.workers} workers: {run_s:.1f} s "
          f"(+ {draw_s:.2f} s for the figure and table)")  # fmt: skip
    if args.no_browser:
        return
    seen = browser_times(args.runs)
    if seen is None:
        print("browser timings skipped: chromium or playwright not found")
        return
    steps, ensemble, paints = seen
    total = [t for t, _ in paints]
    print(f"first paint, browser:     median {statistics.median(total):.2f} s, "
          f"{min(total):.2f} to {max(total):.2f} s over {len(total)} fresh loads "
          f"(of which the page's load event: median "
          f"{statistics.median(lo for _, lo in paints):.2f} s)")  # fmt: skip
    print(f"step + redraw, browser:   median {statistics.median(steps) * 1000:.0f} ms, "
          f"slowest {max(steps) * 1000:.0f} ms over {len(steps)} steps")  # fmt: skip
    print(f"comparison, browser, click to table (2 x {args.runs} runs): {ensemble:.1f} s")


if __name__ == "__main__":
    main()
