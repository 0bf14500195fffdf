"""The ensemble page's work: which scenario files to offer, running them, and the table.

The runs and the comparison are ``model.ensemble.memory.compare_in_memory``, the code the
``compare`` command uses, and the attribution is ``model.ensemble.coalitions``, the code the
``attribute`` command uses; nothing is written to disk.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure

from model.analysis import coalitions as co
from model.analysis.attribution_text import value_text
from model.analysis.compare import (
    HEADLINE_STATES,
    format_cells,
    is_share,
    measure_label,
)
from model.config.loader import load_scenario, read_yaml
from model.config.schema import Scenario
from model.ensemble.coalitions import Game, attribution_document, play_in_memory
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


def run_attribution(
    sc: Scenario,
    runs: int,
    seed: int,
    on_progress: Callable[[int, int], object] | None = None,
    workers: int | None = None,
    players: list[str] | None = None,
) -> dict:
    """Share the scenario's outcome out among its documented decisions, as ``attribute`` does.

    Every coalition of flips is run with the same seeds (``model.ensemble.coalitions``), in
    memory; the document is the one ``attribution.json`` holds.

    Args:
        sc: The scenario whose documented sequence is coalition 0.
        runs: Runs per coalition.
        seed: The master seed.
        on_progress: Called with (coalitions done, coalitions in all).
        workers: Processes of the local pool (default: the cores).
        players: The decisions (default: every decision ``DECISIONS`` names).
    """
    chosen = tuple(co.choose_players(sc, "decisions", players))
    game = Game(sc, "decisions", chosen, runs, seed)
    spec = ExecutorSpec("process", workers or os.cpu_count() or 1)
    games, prints, applied = play_in_memory(game, spec, on_progress)
    doc, _, _ = attribution_document(game, games, prints, applied)
    return doc


def attribution_html(doc: dict) -> str:
    """Each decision's Shapley value on every measure, with the check and the findings."""
    sv = {(r["decision"], r["measure"]): r for r in doc["values"] if r["index"] == "shapley"}
    measures = doc["measures"]

    def cell(r: dict, m: str) -> str:
        return html.escape(f"{value_text(r['value'], m)} [{value_text(r['low'], m)}, "
                           f"{value_text(r['high'], m)}]")  # fmt: skip

    head = "".join(
        f"<th>{html.escape(m['label'])} ({html.escape(m['unit'])})</th>" for m in measures
    )
    out = ['<table data-testid="attribution-table" class="comparison"><thead><tr>',
           "<th>decision</th><th>documented -> flip</th>", head,
           "<th>flip changes what happens</th></tr></thead><tbody>"]  # fmt: skip
    first = measures[0]["id"]
    for p in sorted(doc["players"], key=lambda p: -abs(sv[(p["name"], first)]["value"])):
        changed = sv[(p["name"], first)].get("flip_changes_run")
        cells = "".join(f"<td>{cell(sv[(p['name'], m['id'])], m['id'])}</td>" for m in measures)
        out.append(f"<tr><td>{html.escape(p['name'])}</td><td>{html.escape(p['documented'])} -> "
                   f"{html.escape(p['flipped'])}</td>{cells}<td>"
                   f"{'-' if changed is None else f'{changed:.0%}'}</td></tr>")  # fmt: skip
    totals = "".join(f"<td><b>{cell(m['all_flips_effect'], m['id'])}</b></td>" for m in measures)
    gaps = ", ".join(f"{abs(m['efficiency_gap']):.0e}" for m in measures)
    out.append(f"<tr><td><b>all flips together</b></td><td>efficiency gap {gaps}</td>{totals}"
               "<td></td></tr></tbody></table>")  # fmt: skip
    out.append('<ul data-testid="attribution-findings">'
               + "".join(f"<li>{html.escape(f)}</li>" for f in doc["findings"]) + "</ul>")  # fmt: skip
    return "".join(out)
