"""One run seen closely (its timeline, the map on a day), and redrawing saved folders."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import matplotlib.pyplot as plt  # noqa: E402

from model.errors import OptionError, ResultsError  # noqa: E402
from model.results.readers import check_run_folder, read_daily
from model.viz.draw import draw_map
from model.viz.plots import plot_comparison, plot_results
from model.viz.style import HOLDER_COLOURS
from model.viz.timeline import (  # noqa: F401 - representative_run is used from here too
    plot_timeline,
    representative_run,
    runs_with_documented_answers,
)


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
        written += plot_timeline(folder, run)
    if map_:
        written.append(plot_map(folder, day))
    if not timeline and not map_:
        written += plot_results(folder)
    return written
