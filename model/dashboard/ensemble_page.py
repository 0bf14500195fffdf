"""The dashboard's Ensemble page: compare scenarios with the same seeds, and attribute.

Nothing here writes a file: comparisons and attributions are run in memory
(``model.dashboard.ensemble``), within the runs the server allows a visitor.
"""

from __future__ import annotations

import html

import solara
import solara.lab

from model.config.schema import DECISIONS, Scenario
from model.dashboard import ensemble as ens
from model.dashboard import replay as rp
from model.dashboard.shell import CSS, Nav
from model.dashboard.shell import setup as _setup


@solara.component
def TaskStatus(task, what: str, testid: str, name: str):
    """A running task's progress bar and share done, or the error that stopped it."""
    if task.pending:
        done = task.progress or 0.0
        solara.ProgressLinear(value=done if done else True)
        solara.HTML(unsafe_innerHTML=f"Running: {done:.0f} % of {what} done",
                    attributes={"data-testid": testid})  # fmt: skip
    elif task.error:
        solara.Error(f"{name} failed: {task.exception}")


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
    TaskStatus(ensemble_task, "the runs", "progress", "The ensemble")
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
    size = 1 << len(DECISIONS)
    # Every combination is a scenario's ensemble: the server's cap on the runs a visitor
    # starts applies to all of them together.
    most = max(2, _setup()["max_runs"] // size)
    n_runs = max(2, min(int(runs.value or 2), most))
    if int(runs.value or 2) > most:
        solara.HTML(unsafe_innerHTML=f"At most {most:,} runs per combination ({most * size:,} "
                    "in all) on this server (python -m model dashboard --max-runs)",
                    classes=["note"])  # fmt: skip
    busy = attribution_task.pending
    solara.Button(f"Attribute ({size} combinations x {n_runs} runs)", color="primary",
                  disabled=busy, on_click=lambda: attribution_task(
                      by_label[chosen.value], n_runs, int(seed.value or 0)))  # fmt: skip
    TaskStatus(attribution_task, "the combinations", "attribution-progress", "The attribution")
    doc = attribution_task.value
    if doc is not None and not busy:
        from model.viz.attribution_plots import attribution_figure

        solara.HTML(tag="h4", unsafe_innerHTML=html.escape(
            f"{doc['scenario']}: {doc['coalitions']} combinations x {doc['runs']} runs, "
            f"master seed {doc['master_seed']}"))  # fmt: skip
        solara.FigureMatplotlib(attribution_figure(doc), dependencies=[doc], format="png")
        solara.HTML(unsafe_innerHTML=ens.attribution_html(doc))
