"""The ensemble page's work: which scenario files to offer, running them, and the table.

The runs and the comparison are ``model.ensemble.memory.compare_in_memory``, the code the
``compare`` command uses; nothing is written to disk.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure

from model.analysis.compare import HEADLINE_STATES, format_cells, is_share, measure_label
from model.config.loader import load_scenario, read_yaml
from model.config.schema import Scenario
from model.ensemble.executors import ExecutorSpec
from model.ensemble.memory import ComparisonTables, compare_in_memory
from model.ensemble.posterior import load_posterior
from model.errors import OptionError, ScenarioError
from model.viz.draw import draw_capital_survival
from model.viz.style import documented_city_falls, mark_documented, scenario_colour, story_axis


@dataclass(frozen=True)
class Entry:
    """A scenario file the page offers.

    Attributes:
        path: The file, as given or found.
        label: The file's name and the scenario's title.
        scenario: The validated scenario.
    """

    path: str
    label: str
    scenario: Scenario


def _looks_like_a_scenario(path: Path) -> bool:
    """Whether a YAML file is meant as a scenario: it extends one or has places of its own."""
    try:
        data = read_yaml(path)
    except ScenarioError:
        return True  # unreadable: let loading say why, as for any broken scenario
    return "extends" in data or "places" in data


def catalogue(scenario_path: str | Path) -> tuple[list[Entry], list[str]]:
    """The scenario files beside the chosen one and in its ``counterfactuals`` folder.

    The chosen file comes first. Only scenario files are offered: a YAML file that is not a
    scenario at all (``observations.yaml``: no ``extends`` and no ``places``) is passed over
    in silence; a scenario file that does not validate (a broken draft) is left out and
    returned with the reason, to be shown.

    Returns:
        The entries, and one line per scenario file left out.
    """
    chosen = Path(scenario_path)
    folder = chosen.parent
    files = [chosen] + sorted(
        p
        for p in [*folder.glob("*.yaml"), *(folder / "counterfactuals").glob("*.yaml")]
        if p.resolve() != chosen.resolve()
    )
    entries, skipped = [], []
    for p in files:
        if p != chosen and not _looks_like_a_scenario(p):
            continue
        try:
            sc = load_scenario(p)
        except ScenarioError as exc:
            skipped.append(f"{p.name}: {exc.message}")
            continue
        entries.append(Entry(str(p), f"{p.name}: {sc.title}", sc))
    return entries, skipped


def posterior_folders(root: str | Path, most: int = 200) -> list[str]:
    """The ``infer`` folders under ``root`` (at most three levels down), newest first.

    The ensemble page offers these and nothing else. A hidden (unfinished) folder is left
    out; whether a folder is intact is checked when it is used.
    """
    root = Path(root)
    found = []
    for here, dirs, names in os.walk(root):
        depth = len(Path(here).relative_to(root).parts)
        dirs[:] = [d for d in dirs if not d.startswith(".") and depth < 3]
        if "posterior.json" in names and "manifest.json" in names:
            found.append(Path(here).relative_to(root).as_posix())
    return sorted(found, key=lambda p: Path(p).name, reverse=True)[:most]


def run_comparison(
    scenarios: list[Scenario],
    runs: int,
    seed: int,
    on_progress: Callable[[int, int], object] | None = None,
    workers: int | None = None,
    posterior_dir: str | None = None,
    seeds_per_draw: int = 1,
    max_runs: int | None = None,
    results_root: str | Path = "results",
) -> ComparisonTables:
    """Run the base and the other scenarios with the same seeds, on this machine's cores.

    With ``posterior_dir`` (an ``infer`` folder under ``results_root``, as
    ``posterior_folders`` lists it), run ``i`` of every scenario draws the same parameter
    set from it, and the table gains each difference's total interval and robust share, as
    ``compare --posterior`` does.

    Raises:
        ScenarioError: The posterior folder is missing, malformed or not under the root.
        OptionError: More runs than ``max_runs``.
        ResultsError: The posterior folder changed since ``infer`` sealed it.
    """
    if max_runs is not None and runs > max_runs:
        raise OptionError("runs", runs, f"at most {max_runs} runs per scenario on this server")
    spec = ExecutorSpec("process", workers or os.cpu_count() or 1)
    post = None
    if posterior_dir:
        if posterior_dir not in posterior_folders(results_root):
            raise ScenarioError("posterior", None, "not one of the posterior folders offered")
        post = load_posterior(Path(results_root) / posterior_dir)
    return compare_in_memory(scenarios, runs, seed, spec, on_progress, post, seeds_per_draw)


def survival_figure(cmp: ComparisonTables) -> Figure:
    """The capital-survival curve of every scenario, with the documented fall date."""
    fig = Figure(figsize=(9, 4.6), layout="constrained")
    ax = fig.subplots()
    capital = cmp.compiled[0].names[cmp.compiled[0].capital]
    dailies = [(name, t.daily) for name, t in zip(cmp.names, cmp.tables, strict=True)]
    draw_capital_survival(ax, dailies, capital, cmp.runs)
    start = cmp.compiled[0].p.start_date
    story_axis(ax, start, cmp.compiled[0].p.horizon_days)  # as in the report's figure
    mark_documented(ax, documented_city_falls([capital]))
    ax.set_title(ax.get_title(), pad=44, fontsize=10)  # room for the slanted date label
    ax.set_xlabel("date (2024); shaded: the documented period, 27 Nov - 8 Dec", fontsize=8)
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", fontsize=8,
               frameon=False, ncols=3, handlelength=3.5)  # fmt: skip
    return fig


def headline_measures(cmp: ComparisonTables) -> list[str]:
    """The measures the table shows, in the order ``format_table`` prints them."""
    measures = list(dict.fromkeys(cmp.table["measure"]))
    return [
        *HEADLINE_STATES,
        *[m for m in measures if m.endswith("_held_at_horizon") or m.endswith("_days_held")],
        "leader_days_in_country",
        "leader_left",
    ]


def table_html(cmp: ComparisonTables) -> str:
    """The comparison table as HTML: value [95 % interval] and the paired difference."""
    t = cmp.table
    out = ['<table data-testid="comparison-table" class="comparison"><thead><tr>',
           "<th>measure</th><th>scenario</th><th>value [95 % interval]</th>",
           "<th>difference from the base, paired by seed [95 % interval]</th>",
           "</tr></thead><tbody>"]  # fmt: skip
    for measure in headline_measures(cmp):
        rows = t[t.measure == measure]
        pct = is_share(measure)
        label, unit = measure_label(measure, cmp.compiled[0].p.horizon_days)
        shown = f"{label} ({unit})"
        for k, name in enumerate(cmp.names):
            row = rows[rows.scenario == name].iloc[0]
            val, diff = format_cells(row, pct, k == 0)
            first = (
                f'<td rowspan="{len(cmp.names)}"><b>{html.escape(shown)}</b></td>' if k == 0 else ""
            )
            swatch = (
                f'<span style="display:inline-block;width:.8em;height:.8em;'
                f'background:{scenario_colour(k)};margin-right:.3em"></span>'
            )
            out.append(f"<tr>{first}<td>{swatch}{html.escape(name)}</td><td>{html.escape(val.strip())}</td>"
                       f"<td>{html.escape(diff)}</td></tr>")  # fmt: skip
    out.append("</tbody></table>")
    return "".join(out)
