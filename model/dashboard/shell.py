"""What every page of the dashboard shares: its style, its tabs and the server's settings.

Kept apart from the pages so that the replay page (``app``) and the ensemble page
(``ensemble_page``) both read it without importing each other.
"""

from __future__ import annotations

import os
from pathlib import Path

import solara
import solara.lab

from model.config.loader import load_scenario
from model.config.schema import Scenario
from model.dashboard import ensemble as ens

ENV_SCENARIO = "MODEL_DASHBOARD_SCENARIO"  # for `solara run model.dashboard.app` by hand
DEFAULT_MAX_RUNS = 10_000  # runs per scenario a visitor can start, unless the server says
RESULTS_ROOT = Path("results")  # where the posterior folders offered are looked for
_SETUP: dict = {}

CSS = """
table.events, table.comparison, table.params { border-collapse: collapse; font-size: 13px; width: 100%; }
table.events th, table.comparison th, table.params th { text-align: left; background: #eee; padding: 3px 6px; }
table.events td, table.comparison td, table.params td { border-top: 1px solid #ddd; padding: 3px 6px; vertical-align: top; }
.rules { font-size: 12px; color: #444; }
.status { font-size: 20px; font-weight: 600; margin: 4px 0; }
.note { font-size: 13px; color: #555; }
.scroll { max-height: 420px; overflow-y: auto; }
.figure img, .figure .widget-image { max-width: 100%; height: auto; }
td.date { white-space: nowrap; }
.pending { background: #fff4d6; border-left: 4px solid #e0a800; padding: 4px 8px; font-size: 13px; }
.control-label { font-size: 13px; color: #333; margin-top: 6px; }
.control-label .changed { color: #9a6700; font-weight: 600; }
.v-slider__thumb-label { font-size: 11px; }
/* room below the tables: nothing may sit over them */
.v-main__wrap { padding-bottom: 48px; }
"""


@solara.component
def Nav(current: int):
    """The two pages as tabs in the app bar (solara would name the first route "Home")."""
    with solara.AppBar():
        with solara.lab.Tabs(value=current, align="center"):
            solara.lab.Tab("Replay", path_or_route="/")
            solara.lab.Tab("Ensemble", path_or_route="/ensemble")


def configure(
    scenario: Scenario,
    path: str | Path,
    max_runs: int = DEFAULT_MAX_RUNS,
    results_root: str | Path = RESULTS_ROOT,
) -> dict:
    """Set up the pages; called before the server starts.

    Args:
        scenario: The scenario the pages open with.
        path: Its file; the ensemble page offers the files beside it.
        max_runs: The most runs per scenario a visitor can start (a server setting).
        results_root: The folder whose posterior folders the ensemble page offers.

    Returns:
        The settings every page reads (``setup()``).
    """
    entries, skipped = ens.catalogue(path)
    _SETUP.clear()
    _SETUP.update(scenario=scenario, path=str(path), entries=entries, skipped=skipped,
                  max_runs=int(max_runs), results_root=Path(results_root))  # fmt: skip
    return _SETUP


def setup() -> dict:
    """The server's settings; without a server (``solara run`` by hand), the default scenario."""
    if not _SETUP:
        path = os.environ.get(ENV_SCENARIO, "scenarios/baseline.yaml")
        configure(load_scenario(path), path)
    return _SETUP
