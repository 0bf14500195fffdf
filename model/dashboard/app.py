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

from model.config.schema import DECISIONS, Scenario
from model.dashboard import replay as rp
from model.dashboard import shell
from model.dashboard.ensemble_page import EnsemblePage
from model.dashboard.shell import CSS, DEFAULT_MAX_RUNS, RESULTS_ROOT, Nav
from model.viz.draw import draw_map, update_map

DPI = 90  # the page scales images to its columns; more pixels only slow each step


def configure(
    scenario: Scenario,
    path: str | Path,
    max_runs: int = DEFAULT_MAX_RUNS,
    results_root: str | Path = RESULTS_ROOT,
) -> None:
    """Set up the pages (``shell.configure``) and draw the replay's first map; before the server starts."""
    settings = shell.configure(scenario, path, max_runs, results_root)
    first = rp.ReplayModel(scenario=scenario, choices=rp.initial_choices(scenario))
    settings["first_png"] = MapFigure(first).png(first)


_setup = shell.setup


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
    first = shell.setup().get("first_png")
    sc = shell.setup().get("scenario")
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


routes = [
    solara.Route(path="/", component=ReplayPage, label="Replay"),
    solara.Route(path="ensemble", component=EnsemblePage, label="Ensemble"),
]
