"""The dashboard's pages: Replay (Mesa's SolaraViz with this model's views) and Ensemble.

Mesa's SolaraViz supplies the replay's controls: Reset, play/pause and Step, and the
seed, decision and parameter inputs, from which it builds the model again on Reset. Its
own area for views lays them out on a draggable grid whose script loads from a CDN; the
dashboard must work offline, so the views are laid out here, beside SolaraViz, and redraw
on the same update signal its controls send.
"""

from __future__ import annotations

import html
import io
import os
import warnings
from pathlib import Path

import numpy as np
import PIL.Image
import solara
import solara.lab
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

with warnings.catch_warnings():
    # Solara's hook checker flags Mesa's own view grid, which the dashboard does not use.
    warnings.filterwarnings("ignore", message=r"(?s).*ComponentsView: `use_state` found")
    from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter  # noqa: E402

from model.config.loader import load_scenario
from model.config.schema import DECISIONS, Scenario
from model.dashboard import ensemble as ens
from model.dashboard import replay as rp
from model.viz.draw import draw_map, update_map

ENV_SCENARIO = "MODEL_DASHBOARD_SCENARIO"  # for `solara run model.dashboard.app` by hand
DEFAULT_MAX_RUNS = 10_000  # runs per scenario a visitor can start, unless the server says
RESULTS_ROOT = Path("results")  # where the posterior folders offered are looked for
_SETUP: dict = {}
DPI = 90  # the page scales images to its columns; more pixels only slow each step

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
) -> None:
    """Set up the pages; called before the server starts.

    Args:
        scenario: The scenario the pages open with.
        path: Its file; the ensemble page offers the files beside it.
        max_runs: The most runs per scenario a visitor can start (a server setting).
        results_root: The folder whose posterior folders the ensemble page offers.
    """
    entries, skipped = ens.catalogue(path)
    first = rp.ReplayModel(scenario=scenario, choices=rp.initial_choices(scenario))
    _SETUP.update(scenario=scenario, path=str(path), entries=entries, skipped=skipped,
                  first_png=MapFigure(first).png(first), max_runs=int(max_runs),
                  results_root=Path(results_root))  # fmt: skip


def _setup() -> dict:
    if not _SETUP:
        path = os.environ.get(ENV_SCENARIO, "scenarios/baseline.yaml")
        configure(load_scenario(path), path)
    return _SETUP


@solara.component
def Controls(sc: Scenario, choices: dict, shown: solara.Reactive, model: solara.Reactive):
    """The run's seed, decisions and key values; each change waits for Reset, and says so.

    The controls write into ``choices``, the dict Mesa's Reset passes to ``ReplayModel``;
    ``shown`` re-renders the page. A control that differs from what the run was built with
    is labelled "applies on Reset" and listed above the map.
    """
    changed = set(rp.pending(shown.value, model.value))

    def set_choice(key: str, value) -> None:
        choices[key] = value
        shown.set({**shown.value, key: value})

    def label(text: str, key_label: str, tip: str = "") -> None:
        mark = ' <span class="changed">(applies on Reset)</span>' if key_label in changed else ""
        solara.HTML(unsafe_innerHTML=f"{html.escape(text)}{mark}", classes=["control-label"],
                    attributes={"title": tip} if tip else {})  # fmt: skip

    ps = rp.params_of(sc)
    with solara.Card("Run settings", margin=0, elevation=1):
        label("Seed", "seed")
        solara.InputText("", value=str(shown.value["seed"]),
                         on_value=lambda v: set_choice("seed", v), continuous_update=True)  # fmt: skip
        for name, what in DECISIONS.items():
            short = rp.DECISION_LABELS[name]
            label(short, short, f"{name}: {what}")
            with solara.Div(attributes={"data-testid": f"pin-{name}", "title": name}):
                solara.Select("", values=list(rp.PINS), value=shown.value[name],
                              on_value=lambda v, n=name: set_choice(n, v))  # fmt: skip
        for kp in rp.KEY_PARAMS:
            low, high = rp.slider_range(sc, kp)
            value = float(shown.value[kp.path])
            shown_value = f"{value:,.0f}" if kp.step >= 1 else f"{value:.2f}"
            label(f"{kp.label}: {shown_value} [{rp.provenance(ps[kp.path])}]", kp.label, kp.path)
            solara.SliderFloat("", value=value, min=low, max=high, step=kp.step,
                               on_value=lambda v, k=kp.path: set_choice(k, v),
                               thumb_label=True)  # fmt: skip


class MapFigure:
    """Today's schematic map as PNG, drawn once per run and updated after each step.

    What never changes (roads, axes, legend) is drawn once and kept as pixels; a step
    redraws only the markers, labels, columns and title over it (matplotlib's blitting),
    which is several times faster than drawing the whole figure again.
    """

    def __init__(self, m: rp.ReplayModel):
        st = rp.map_state(m)
        # Fixed margins: a layout engine would cost more than the drawing, at every step.
        self.figure = Figure(figsize=(7.4, 5.9), dpi=DPI)
        self.canvas = FigureCanvasAgg(self.figure)
        self.ax = self.figure.add_axes((0.08, 0.08, 0.91, 0.86))
        self.art = draw_map(self.ax, st["places"], st["routes"], st["colours"], st["labels"],
                            "holder", st["columns"], st["faded"])  # fmt: skip
        self.ax.set_title(" ", fontsize=11)
        moving = [self.art.markers, *self.art.labels, *self.art.arrows, self.ax.title]
        for a in moving:
            a.set_visible(False)
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(self.figure.bbox)
        for a in moving:
            a.set_visible(True)

    def png(self, m: rp.ReplayModel) -> bytes:
        """The map on the model's current day, as PNG."""
        st = rp.map_state(m)
        update_map(self.ax, self.art, st["colours"], st["labels"], st["columns"], st["faded"])
        when = ("before the first day" if m.day < 0
                else f"{m.date(m.day):%-d %b %Y} (day {m.day + 1})")  # fmt: skip
        self.ax.set_title(f"Who holds each place: {when}", fontsize=11)
        self.canvas.restore_region(self.background)
        for a in [self.art.markers, *self.art.labels, *self.art.arrows, self.ax.title]:
            self.ax.draw_artist(a)
        out = io.BytesIO()
        PIL.Image.fromarray(np.asarray(self.canvas.buffer_rgba())).save(
            out, "png", compress_level=1
        )
        return out.getvalue()


@solara.component
def ReplayView(model: solara.Reactive, shown: solara.Reactive):
    """Status, map, today's events, curves, the whole log and the parameters' provenance."""
    update_counter.get()  # SolaraViz's controls bump it after each step
    m = model.value
    figs = solara.use_memo(dict, [m])  # this run's map figure, made on its first step
    map_png = solara.use_memo(lambda: _map_png(figs, m), [m, m.steps])
    solara.Style(CSS)
    solara.HTML(unsafe_innerHTML=html.escape(rp.status_line(m)), classes=["status"],
                attributes={"data-testid": "status"})  # fmt: skip
    pins = {k: v for k, v in m.scenario.decisions.items() if v != "auto"}
    pinned = ", ".join(f"{rp.DECISION_LABELS.get(k, k)} = {v}" for k, v in pins.items())
    pinned = pinned or "none (each drawn by its rule)"
    solara.HTML(
        unsafe_innerHTML=html.escape(
            f"Scenario {m.scenario.name}, seed {m.seed_value}. Pinned decisions: {pinned}. "
            "The run settings on the left apply when you press Reset."
        ),
        classes=["note"],
        attributes={"data-testid": "run-note"},
    )
    if m.seed_note:
        solara.Warning(m.seed_note)
    waiting = rp.pending(shown.value, m)
    if waiting:
        solara.HTML(unsafe_innerHTML=html.escape("Changed, applies on Reset: " + ", ".join(waiting)),
                    classes=["pending"], attributes={"data-testid": "pending"})  # fmt: skip
    with solara.Columns([3, 2]):
        with solara.Column():
            with solara.Div(classes=["figure"], style={"width": "100%"},
                            attributes={"data-testid": "map"}):  # fmt: skip
                solara.Image(map_png)
            solara.HTML(
                unsafe_innerHTML="Marker colour: who holds the place; size: population. "
                "Hollow marker: the garrison has stopped answering. Arrows: opposition "
                "columns on the road, drawn as far as they have advanced. Boundaries: Natural "
                "Earth (public domain), for orientation only.",
                classes=["note"],
            )
        with solara.Column(gap="0px"):
            for k, svg in enumerate(rp.curves_svg(m)):
                solara.HTML(unsafe_innerHTML=svg, attributes={"data-testid": f"curve-{k}"})
    solara.HTML(tag="h3", unsafe_innerHTML="The day's events")
    solara.HTML(
        unsafe_innerHTML=rp.rows_html(
            rp.event_rows(m, m.day), "events-today", "No events on this day."
        )
    )
    cited = rp.rules_cited(m, m.day)
    if cited:
        solara.HTML(
            unsafe_innerHTML="".join(
                f"<p><b>{i}</b> ({html.escape(sec)}): &ldquo;{html.escape(q)}&rdquo;"
                + (f" <i>({html.escape(note)})</i>" if note else "")
                + "</p>"
                for i, sec, q, note in cited
            ),
            classes=["rules"],
            attributes={"data-testid": "rules-cited"},
        )
    with solara.Details("Every event so far", expand=True):
        solara.HTML(
            unsafe_innerHTML=rp.rows_html(rp.event_rows(m)[::-1], "events-all", "No events yet."),
            classes=["scroll"],
        )
    with solara.Details("Key parameters and where their values come from"):
        solara.HTML(unsafe_innerHTML=_params_html(m))


def _map_png(figs: dict, m: rp.ReplayModel) -> bytes:
    """Today's map, drawn on the run's own figure from its first step on.

    Before the first step of a run with the page's initial settings the map is the same for
    every visitor, so it is drawn once when the server starts and the first paint waits for
    no drawing.
    """
    first = _SETUP.get("first_png")
    sc = _SETUP.get("scenario")
    if m.steps == 0 and first is not None and not rp.pending(rp.initial_choices(sc), m):
        return first
    if "map" not in figs:
        figs["map"] = MapFigure(m)
    return figs["map"].png(m)


def _params_html(m: rp.ReplayModel) -> str:
    ps = rp.params_of(m.scenario)
    out = ["<table class='params'><tr><th>parameter</th><th>value</th><th>provenance</th>"
           "<th>source or assumption</th></tr>"]  # fmt: skip
    for kp in rp.KEY_PARAMS:
        p = ps[kp.path]
        why = "; ".join(x for x in (p.source, p.assumption) if x)
        out.append(f"<tr><td>{kp.path}</td><td>{p.value:g}</td><td>{rp.provenance(p)}</td>"
                   f"<td>{html.escape(why)}</td></tr>")  # fmt: skip
    out.append("</table>")
    return "".join(out)


@solara.component
def ReplayPage():
    """One run of the chosen scenario, stepped day by day (Mesa's SolaraViz controls)."""
    sc = _setup()["scenario"]
    choices = solara.use_memo(lambda: rp.initial_choices(sc), [])  # this page's own dict
    shown = solara.use_reactive(dict(choices))
    first = solara.use_memo(lambda: _first_model(sc), [])
    model = solara.use_reactive(first)
    Nav(0)
    # The run settings are this page's own controls (short labels, values shown, a mark on
    # what waits for Reset); SolaraViz gets them as one fixed parameter, read on Reset.
    SolaraViz(model, components=[], model_params={"scenario": sc, "choices": choices},
              name=f"Replay: {sc.title}", play_interval=300)  # fmt: skip
    with solara.Sidebar():
        Controls(sc, choices, shown, model)
    ReplayView(model, shown)


def _first_model(sc: Scenario) -> rp.ReplayModel:
    """The page's first model: the scenario as it is, with its map already drawn."""
    return rp.ReplayModel(scenario=sc, choices=rp.initial_choices(sc))


@solara.lab.task
def ensemble_task(scenarios: list, runs: int, seed: int, posterior: str = "", per_draw: int = 1):
    """Run the comparison in a thread, reporting progress to the page."""

    def progress(done: int, total: int) -> None:
        ensemble_task.progress = 100.0 * done / total

    setup = _setup()
    return ens.run_comparison(
        scenarios, runs, seed, progress, posterior_dir=posterior or None,
        seeds_per_draw=per_draw, max_runs=setup["max_runs"],
        results_root=setup["results_root"],
    )  # fmt: skip


@solara.component
def EnsemblePage():
    """Choose a base and counterfactual files, run them with the same seeds, compare."""
    setup = _setup()
    entries: list[ens.Entry] = setup["entries"]
    labels = [e.label for e in entries]
    base = solara.use_reactive(labels[0])
    chosen = solara.use_reactive(frozenset())
    runs = solara.use_reactive(200)
    seed = solara.use_reactive(rp.DEFAULT_SEED)
    posterior = solara.use_reactive("")
    per_draw = solara.use_reactive(4)
    solara.Style(CSS)
    Nav(1)
    with solara.AppBar():
        solara.AppBarTitle("Ensemble: compare scenarios")
    with solara.Row(style={"align-items": "end", "gap": "24px"}):
        solara.Select("Base scenario", values=labels, value=base, style={"min-width": "420px"})
        solara.InputInt("Runs per scenario", value=runs)
        solara.InputInt("Master seed", value=seed)
    folders = solara.use_memo(lambda: ens.posterior_folders(setup["results_root"]), [])
    with solara.Row(style={"align-items": "end", "gap": "24px"}):
        # Only the posterior folders under the results root this server serves: a visitor
        # cannot name a path on the server, nor learn whether one exists.
        solara.Select("Posterior from infer (optional: parameters drawn from it)",
                      values=["", *folders], value=posterior,
                      style={"min-width": "520px"})  # fmt: skip
        if posterior.value:
            solara.InputInt("Seeds per draw", value=per_draw)
    solara.HTML(tag="h3", unsafe_innerHTML="Scenarios to compare with the base")
    others = [e for e in entries if e.label != base.value]
    half = (len(others) + 1) // 2
    with solara.Columns([1, 1]):
        for part in (others[:half], others[half:]):
            with solara.Column(gap="0px"):
                for e in part:

                    def toggle(on: bool, label: str = e.label) -> None:
                        chosen.set(chosen.value | {label} if on else chosen.value - {label})

                    solara.Checkbox(label=e.label, value=e.label in chosen.value, on_value=toggle)
    if setup["skipped"]:
        solara.HTML(unsafe_innerHTML="Not offered (not valid scenarios): "
                    + html.escape("; ".join(setup["skipped"])), classes=["note"])  # fmt: skip
    by_label = {e.label: e.scenario for e in entries}
    picked = [by_label[base.value]] + [by_label[x] for x in labels if x in chosen.value
                                       and x != base.value]  # fmt: skip
    most = setup["max_runs"]
    n_runs = max(1, min(int(runs.value or 1), most))
    busy = ensemble_task.pending

    def start() -> None:
        ensemble_task(picked, n_runs, int(seed.value or 0), posterior.value,
                      max(1, int(per_draw.value or 1)))  # fmt: skip

    what = f"{len(picked)} scenario{'s' if len(picked) > 1 else ''} x {n_runs} runs"
    if int(runs.value or 1) > most:
        solara.HTML(unsafe_innerHTML=f"At most {most:,} runs per scenario on this server "
                    "(python -m model dashboard --max-runs)", classes=["note"])  # fmt: skip
    solara.Button(f"Run ensemble ({what})", on_click=start,
                  color="primary", disabled=busy)  # fmt: skip
    if busy:
        done = ensemble_task.progress or 0.0
        solara.ProgressLinear(value=done if done else True)
        solara.HTML(unsafe_innerHTML=f"Running: {done:.0f} % of the runs done",
                    attributes={"data-testid": "progress"})  # fmt: skip
    elif ensemble_task.error:
        solara.Error(f"The ensemble failed: {ensemble_task.exception}")
    cmp = ensemble_task.value
    if cmp is not None and not busy:
        solara.HTML(
            tag="h3",
            unsafe_innerHTML=f"{len(cmp.names)} scenarios, {cmp.runs} runs each, "
            f"master seed {cmp.master_seed}",
        )
        solara.FigureMatplotlib(ens.survival_figure(cmp), dependencies=[cmp], format="png")
        total = "total_low" in cmp.table
        solara.HTML(
            unsafe_innerHTML="value [95 % interval]; difference from the base, paired by "
            "seed [95 % interval]"
            + ("; with the posterior: the bracket is the seed-only interval, 'total' adds the "
               "parameters' uncertainty, and the share of draws in which the difference keeps "
               "its sign follows" if total else ""),
            classes=["note"],
        )  # fmt: skip
        solara.HTML(unsafe_innerHTML=ens.table_html(cmp))
    AttributionSection(entries)


@solara.lab.task
def attribution_task(scenario: Scenario, runs: int, seed: int):
    """Run every coalition of the scenario's decisions in a thread, reporting progress."""

    def progress(done: int, total: int) -> None:
        attribution_task.progress = 100.0 * done / total

    return ens.run_attribution(scenario, runs, seed, progress)


@solara.component
def AttributionSection(entries: list):
    """Which documented decision mattered, acting with the others: Shapley values."""
    labels = [e.label for e in entries]
    chosen = solara.use_reactive(labels[0])
    runs = solara.use_reactive(10)
    seed = solara.use_reactive(rp.DEFAULT_SEED)
    solara.HTML(tag="h3", unsafe_innerHTML="Which decision mattered: attribution")
    solara.HTML(
        unsafe_innerHTML="Every combination of the documented decisions, each at its "
        "documented answer or flipped, is run with the same seeds; each run's outcome is "
        "shared out exactly among the flips (Shapley values), as python -m model attribute does.",
        classes=["note"],
    )
    with solara.Row(style={"align-items": "end", "gap": "24px"}):
        solara.Select("Scenario to attribute", values=labels, value=chosen,
                      style={"min-width": "420px"})  # fmt: skip
        solara.InputInt("Runs per combination", value=runs)
        solara.InputInt("Master seed of the attribution", value=seed)
    by_label = {e.label: e.scenario for e in entries}
    n_runs = max(1, min(int(runs.value or 1), 10_000))
    size = 1 << len(DECISIONS)
    busy = attribution_task.pending
    solara.Button(f"Attribute ({size} combinations x {n_runs} runs)", color="primary",
                  disabled=busy, on_click=lambda: attribution_task(
                      by_label[chosen.value], n_runs, int(seed.value or 0)))  # fmt: skip
    if busy:
        done = attribution_task.progress or 0.0
        solara.ProgressLinear(value=done if done else True)
        solara.HTML(unsafe_innerHTML=f"Running: {done:.0f} % of the combinations done",
                    attributes={"data-testid": "attribution-progress"})  # fmt: skip
    elif attribution_task.error:
        solara.Error(f"The attribution failed: {attribution_task.exception}")
    doc = attribution_task.value
    if doc is not None and not busy:
        from model.viz.attribution_plots import attribution_figure

        solara.HTML(tag="h4", unsafe_innerHTML=html.escape(
            f"{doc['scenario']}: {doc['coalitions']} combinations x {doc['runs']} runs, "
            f"master seed {doc['master_seed']}"))  # fmt: skip
        solara.FigureMatplotlib(attribution_figure(doc), dependencies=[doc], format="png")
        solara.HTML(unsafe_innerHTML=ens.attribution_html(doc))


routes = [
    solara.Route(path="/", component=ReplayPage, label="Replay"),
    solara.Route(path="ensemble", component=EnsemblePage, label="Ensemble"),
]
