"""One run seen closely: the event log as a timeline, the map on a day; redrawing saved folders."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from model.config.observations import DEFAULT_PATH, load_observations  # noqa: E402
from model.errors import OptionError, ResultsError  # noqa: E402
from model.results.readers import check_run_folder, read_daily
from model.viz.draw import draw_map
from model.viz.plots import plot_comparison, plot_results
from model.viz.style import HOLDER_COLOURS, format_dates

# The documented refusals and declines (actor, kind, target, what the outcome starts with):
# a run whose log answers any of these otherwise contradicts the reporting.
DOCUMENTED_ANSWERS = (
    ("turkey", "stance", "northern_opposition", "does not hold"),  # the offensive went ahead
    ("turkey", "answer", "regime", "refused"),  # Pleas to Turkey
    ("iran", "mediation", "turkey", "failed"),  # Pleas to Turkey
    ("hezbollah", "answer", "regime", "limited"),  # Appeals to Iraq
    ("iraq", "answer", "regime", "declined"),  # Appeals to Iraq
    ("turkey", "answer", "iran", "rejected"),  # Astana Process
    ("regime", "decision", "russia", "declined"),  # Russian Offers
)


def runs_with_documented_answers(events: pd.DataFrame) -> set[int]:
    """The runs in which every documented decision taken went as the reporting has it."""
    runs = set(events["run"].unique().tolist())
    for actor, kind, target, outcome in DOCUMENTED_ANSWERS:
        asked = events[
            (events["actor"] == actor) & (events["kind"] == kind) & (events["target"] == target)
        ]
        wrong = asked[~asked["outcome"].astype(str).str.startswith(outcome)]
        runs -= set(wrong["run"].tolist())
    return runs


def representative_run(
    runs: pd.DataFrame, majors: list[str], events: pd.DataFrame | None = None
) -> tuple[int, bool]:
    """The run whose major-city fall days are nearest the ensemble medians.

    With ``events``, among the runs that reproduce the documented refusals, if any.

    Returns:
        The run, and whether it reproduces the documented refusals (True without events).
    """
    cols = [f"fall_day_{m}" for m in majors if f"fall_day_{m}" in runs]
    horizon = 1000
    v = runs[cols].to_numpy(dtype=float)
    v = np.where(v >= 0, v, horizon)
    med = np.median(v, axis=0)
    distance = np.abs(v - med).sum(axis=1)
    documented = True
    if events is not None:
        ok = runs["run"].isin(runs_with_documented_answers(events)).to_numpy()
        documented = bool(ok.any())
        if documented:
            distance = np.where(ok, distance, np.inf)
    return int(runs["run"].iloc[int(np.argmin(distance))]), documented


def plot_timeline(folder: Path, run: int | None = None) -> Path:
    """The event log of one run as a timeline, documented events beside the simulated ones."""
    from model.analysis.observed import observed_days

    manifest = check_run_folder(folder)
    runs = pd.read_csv(folder / "runs.csv")
    events = pd.read_csv(folder / "events.csv", keep_default_na=False)
    majors = [n for n, p in manifest["resolved_scenario"]["places"].items() if p.get("major_city")]
    start = dt.date.fromisoformat(manifest["resolved_scenario"]["start_date"])
    if run is None:
        run, documented = representative_run(runs, majors, events)
        why = (
            "the run nearest the median fall dates among those with the documented refusals"
            if documented
            else "the run nearest the median fall dates: no run has every documented refusal"
        )
    elif run not in set(runs["run"]):
        raise OptionError("run", run, f"no such run in {folder} (0..{len(runs) - 1})")
    else:
        why = "chosen with --run"
    obs = load_observations(DEFAULT_PATH)
    ev = events[events["run"] == run]

    def date_of(day: float) -> pd.Timestamp:
        return pd.Timestamp(start + dt.timedelta(days=float(day)))

    fig, (ax1, ax2) = plt.subplots(
        2,
        1,
        figsize=(13, 11),
        constrained_layout=True,
        sharex=True,
        gridspec_kw={"height_ratios": [len(obs) + 1, 12]},
    )
    for y, o in enumerate(obs):
        best, lo, hi = o.day_range(start)
        ax1.plot(
            [date_of(lo - 0.3), date_of(hi + 0.3)],
            [y, y],
            color="black",
            linewidth=5,
            alpha=0.25,
            solid_capstyle="butt",
        )
        ax1.plot(date_of(best), y, marker="D", color="black", markersize=7)
        days = observed_days(o, runs, events)
        ok = days[~np.isnan(days)]
        if len(ok):
            ax1.plot(
                [date_of(np.percentile(ok, 5)), date_of(np.percentile(ok, 95))],
                [y, y],
                color="#2980b9",
                linewidth=1.5,
            )
        this = days[runs.index[runs["run"] == run][0]]
        if not np.isnan(this):
            ax1.plot(date_of(this), y, marker="o", color="#e67e22", markersize=8)
    ax1.set_yticks(range(len(obs)), [o.what[:60] for o in obs], fontsize=8)
    ax1.invert_yaxis()
    ax1.set_title(
        f"{manifest['scenario']['title']}\ndocumented (black diamond, grey range) and simulated "
        f"(orange: run {run}; blue line: 5-95 % of runs)"
    )
    actors = list(dict.fromkeys(ev["actor"]))
    kinds = sorted(set(ev["kind"]))
    shapes = "osD^v<>phX*P8H+x|_d1234"
    markers = {kind: shapes[k % len(shapes)] for k, kind in enumerate(kinds)}
    cmap = plt.get_cmap("tab20").colors
    for k, kind in enumerate(kinds):
        sub = ev[ev["kind"] == kind]
        ax2.scatter(
            [date_of(d) for d in sub["day"]],
            [actors.index(a) for a in sub["actor"]],
            marker=markers[kind],
            color=cmap[k % 20],
            s=60,
            label=kind,
            zorder=3,
        )
    # One label per actor, day and kind: a day on which six garrisons stop answering gets
    # one line naming them, not six lines on top of each other.
    labels: dict[tuple[str, int], list[str]] = {}
    for (actor, day, kind), grp in ev.groupby(["actor", "day", "kind"], sort=False):
        if kind in ("holder_change", "unresponsive", "not_informed"):
            text = f"{kind}: " * (kind != "holder_change") + ", ".join(grp["target"])
        else:
            text = "; ".join(f"{kind}: {o}" for o in grp["outcome"])
        labels.setdefault((actor, int(day)), []).append(text[:44])
    for (actor, day), texts in labels.items():
        for n, text in enumerate(texts):
            ax2.annotate(
                text,
                (date_of(day), actors.index(actor)),
                xytext=(5, -9 * n + 3),
                textcoords="offset points",
                fontsize=6.5,
            )
    ax2.set_yticks(range(len(actors)), actors, fontsize=8)
    ax2.invert_yaxis()
    ax2.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="event kind")
    ax2.set_title(f"Event log of run {run} ({why})")
    for ax in (ax1, ax2):
        format_dates(ax)
        ax.xaxis.set_major_locator(mdates.DayLocator(interval=2))
    ax2.set_xlabel("date (2024)")
    last = max([*ev["day"].tolist(), 14])
    ax2.set_xlim(date_of(-0.5), date_of(min(last + 3.5, 33)))
    path = folder / "timeline.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _day_arg(day: str | None, start: dt.date, horizon: int) -> int:
    if day is None:
        raise OptionError("map", None, "needs --day D (a day number or a date YYYY-MM-DD)")
    try:
        d = int(day)
    except ValueError:
        try:
            d = (dt.date.fromisoformat(day) - start).days
        except ValueError:
            raise OptionError("day", day, "not a day number or a date YYYY-MM-DD") from None
    if not 0 <= d < horizon:
        raise OptionError("day", day, f"outside the run's {horizon} days (0..{horizon - 1})")
    return d


MAP_NOTE = (
    "marker size ~ population; straight lines: the model's roads. Boundaries: Natural "
    "Earth 1:110m (public domain), shown for orientation only"
)


def plot_map(folder: Path, day: str | None) -> Path:
    """A schematic map of who holds each place on a day: most frequent holder over runs."""
    manifest = check_run_folder(folder)
    sc = manifest["resolved_scenario"]
    start = dt.date.fromisoformat(sc["start_date"])
    horizon = sc["horizon_days"]["value"]
    d = _day_arg(day, start, horizon)
    daily = read_daily(folder, ["run", "day", *(f"holder_{p}" for p in sc["places"])])
    today = daily[daily["day"] == d]
    places = sc["places"]
    colours, labels = [], []
    for name in places:
        shares = today[f"holder_{name}"].value_counts(normalize=True)
        colours.append(HOLDER_COLOURS.get(shares.index[0], "grey"))
        labels.append(f"{name}\nregime {float(shares.get('regime', 0.0)):.0%}")
    fig, ax = plt.subplots(figsize=(9.6, 7.6), layout="constrained")
    routes = [(r["a"], r["b"]) for r in sc["routes"]]
    draw_map(
        ax,
        places,
        routes,
        colours,
        labels,
        "most frequent holder\n(label: % of runs the regime holds it)",
    )
    date = start + dt.timedelta(days=d)
    runs = today["run"].nunique()
    ax.set_title(
        f"{manifest['scenario']['title']}\nWho holds each place on {date:%-d %B %Y} (day {d}), "
        f"most often over {runs} runs",
        fontsize=11,
    )
    ax.set_xlabel(MAP_NOTE, fontsize=7.5, color="#555555")
    path = folder / f"map-{date.isoformat()}.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def replot(
    results: str, timeline: bool, map_: bool, day: str | None, run: int | None
) -> list[Path]:
    """Redraw plots of a saved run or comparison folder; never runs the model."""
    folder = Path(results)
    if not folder.is_dir():
        raise ResultsError(f"{folder}: no such results folder")
    if (folder / "comparison.json").exists():
        try:
            comparison = json.loads((folder / "comparison.json").read_text(encoding="utf-8"))
            subs = [folder / s["folder"] for s in comparison["scenarios"]]
        except (json.JSONDecodeError, KeyError, TypeError):
            raise ResultsError(f"{folder}/comparison.json: not a comparison of this tool") from None
        written: list[Path] = []
        for sub in subs:
            written += _replot_run(sub, timeline, map_, day, run)
        if not timeline and not map_:
            written += plot_comparison(folder)
            from model.viz.report import write_report

            written.append(write_report(folder))
        return written
    return _replot_run(folder, timeline, map_, day, run)


def _replot_run(folder: Path, timeline: bool, map_: bool, day, run) -> list[Path]:
    check_run_folder(folder)
    written = []
    if timeline:
        written.append(plot_timeline(folder, run))
    if map_:
        written.append(plot_map(folder, day))
    if not timeline and not map_:
        written += plot_results(folder)
    return written
