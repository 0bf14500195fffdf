"""Plots drawn from saved results: curves, comparisons, the timeline and the map."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import matplotlib
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from model.analysis.compare import wilson  # noqa: E402
from model.config.observations import DEFAULT_PATH, load_observations  # noqa: E402
from model.results.readers import check_run_folder, read_daily

matplotlib.use("Agg")  # files only, never a window



BAND = (0.05, 0.95)



CITY_COLOURS = {"Aleppo": "#1b9e77", "Hama": "#d95f02", "Homs": "#7570b3", "Damascus": "#e7298a"}



PATRON_COLOURS = {"russia": "#c0392b", "iran": "#27ae60", "hezbollah": "#f39c12", "iraq": "#2980b9"}



def _quantiles(daily: pd.DataFrame, column: str) -> pd.DataFrame:
    g = daily.groupby("date")[column]
    return pd.DataFrame(
        {"median": g.median(), "lo": g.quantile(BAND[0]), "hi": g.quantile(BAND[1])}
    ).sort_index()



def _band(ax, q: pd.DataFrame, colour: str, label: str) -> None:
    x = pd.to_datetime(q.index)
    ax.fill_between(x, q["lo"], q["hi"], color=colour, alpha=0.2, linewidth=0)
    ax.plot(x, q["median"], color=colour, linewidth=2, label=label)



def documented_city_falls(places: list[str]) -> dict[str, dt.date]:
    """Documented fall dates of places, from the observations file."""
    out = {}
    for o in load_observations(DEFAULT_PATH):
        if o.match.place in places:
            out[o.match.place] = o.date
    return out



def _mark_documented(ax, falls: dict[str, dt.date]) -> None:
    for place, date in falls.items():
        ax.axvline(pd.Timestamp(date), color=CITY_COLOURS.get(place, "grey"), linestyle=":", lw=1.2)



def _documented_legend(fig, falls: dict[str, dt.date]) -> None:
    # One key for the whole figure: labels written beside each line collided with titles.
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], color=CITY_COLOURS.get(p, "grey"), linestyle=":", lw=1.5) for p in falls
    ]
    labels = [f"{p} fell (documented {d:%d %b})" for p, d in falls.items()]
    fig.legend(
        handles,
        labels,
        loc="outside lower center",
        ncol=max(1, min(len(falls), int(fig.get_figwidth() // 3.5))),
        fontsize=9,
        frameon=False,
    )



def _format_dates(ax, every: int = 4) -> None:
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=every))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    ax.grid(alpha=0.3)



def plot_curves(daily: pd.DataFrame, manifest: dict, path: Path) -> None:
    """The daily curves of one scenario: median and 5-95 % band, documented dates marked."""
    places = manifest["places"]
    falls = documented_city_falls(places)
    runs = daily["run"].nunique()
    title = manifest["scenario"]["title"]
    fig, axes = plt.subplots(2, 3, figsize=(15, 8.5), constrained_layout=True)
    fig.suptitle(
        f"{title}\n{runs} runs: median and 5-95 % band of runs; dotted lines: documented fall dates",
        fontsize=12,
    )

    ax = axes[0, 0]
    _band(ax, _quantiles(daily, "regime_population_share"), "#34495e", "regime")
    ax.set_title("Share of population in regime-held places")
    ax.set_ylim(0, 1)
    ax = axes[0, 1]
    _band(ax, _quantiles(daily, "units_responsive_share"), "#8e44ad", "units")
    ax.set_title("Share of regime units still answering commands")
    ax.set_ylim(0, 1.02)
    ax = axes[0, 2]
    for city, colour in CITY_COLOURS.items():
        col = f"holder_{city}"
        if col in daily:
            share = (daily[col] == "regime").groupby(daily["date"]).mean().sort_index()
            ax.plot(
                pd.to_datetime(share.index), share.values, color=colour, linewidth=2, label=city
            )
    ax.set_title("Probability the regime still holds each city")
    ax.set_ylim(-0.02, 1.02)
    ax.legend(fontsize=8, loc="lower left")

    ax = axes[1, 0]
    for patron, colour in PATRON_COLOURS.items():
        col = f"support_{patron}"
        if col in daily and daily[col].max() > 0:
            _band(ax, _quantiles(daily, col), colour, patron.capitalize())
    ax.set_title("Patron support (0 none, 1 full)")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8, loc="lower left")
    ax = axes[1, 1]
    _band(ax, _quantiles(daily, "regime_actual_viability"), "#2c3e50", "actual")
    _band(ax, _quantiles(daily, "regime_believed_viability"), "#e67e22", "believed by the leader")
    ax.set_title("Regime viability: actual and believed")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8, loc="lower left")
    ax = axes[1, 2]
    _band(ax, _quantiles(daily, "opposition_strength"), "#16a085", "active opposition forces")
    ax.set_title("Opposition strength (fighters, active forces)")
    ax.legend(fontsize=8, loc="upper left")

    for ax in axes.flat:
        _mark_documented(ax, falls)
        _format_dates(ax)
        ax.set_xlabel("date (2024)")
    _documented_legend(fig, falls)
    fig.savefig(path, dpi=110)
    plt.close(fig)



CURVE_COLUMNS = (
    "run",
    "date",
    "regime_population_share",
    "units_responsive_share",
    *(f"support_{p}" for p in PATRON_COLOURS),
    "regime_believed_viability",
    "regime_actual_viability",
    "opposition_strength",
    *(f"holder_{c}" for c in CITY_COLOURS),
)



def read_results(folder: Path) -> tuple[pd.DataFrame, dict]:
    """Load a results folder's daily table (the columns the curves use) and manifest."""
    daily = read_daily(folder, CURVE_COLUMNS)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return daily, manifest



def plot_results(folder: Path) -> list[Path]:
    """Draw every plot of one scenario's results folder; return the files written."""
    daily, manifest = read_results(folder)
    out = folder / "curves.png"
    plot_curves(daily, manifest, out)
    return [out]



# Paired-free palette with room for a full catalogue comparison (eleven scenarios and more).
SCENARIO_COLOURS = plt.get_cmap("tab10").colors + plt.get_cmap("Dark2").colors



def _scenario_dailies(folder: Path, comparison: dict) -> list[tuple[str, str, pd.DataFrame]]:
    out = []
    for entry in comparison["scenarios"]:
        daily = read_daily(folder / entry["folder"], CURVE_COLUMNS)
        out.append((entry["name"], entry["title"], daily))
    return out



def _overlay(ax, dailies, column: str) -> None:
    many = len(dailies) > OVERLAY_MAX  # then medians only: the bands would hide each other
    for k, (name, _, daily) in enumerate(dailies):
        q = _quantiles(daily, column)
        colour = SCENARIO_COLOURS[k % len(SCENARIO_COLOURS)]
        if many:
            ax.plot(pd.to_datetime(q.index), q["median"], color=colour, linewidth=1.8, label=name)
        else:
            _band(ax, q, colour, name)



OVERLAY_MAX = 4  # beyond this many scenarios, overlaid bands hide each other



def _scenario_figure(dailies, column: str, ylabel: str, title: str, falls, path: Path) -> Path:
    """One column's curves: overlaid for a few scenarios, else one panel per scenario.

    In the panels each scenario is drawn beside the base (grey), so every comparison the
    reader makes is with the base, at the same scale.
    """
    if len(dailies) <= OVERLAY_MAX:
        fig, ax = plt.subplots(figsize=(10, 5.5), constrained_layout=True)
        _overlay(ax, dailies, column)
        ax.set_ylim(0, 1.02)
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        return _finish(fig, [ax], falls, path)
    others = dailies[1:]
    ncols = 4
    nrows = -(-len(others) // ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(4.2 * ncols, 3.0 * nrows + 1.2),
        sharex=True,
        sharey=True,
        constrained_layout=True,
        squeeze=False,
    )
    base_q = _quantiles(dailies[0][2], column)
    used = []
    for k, (ax, (name, _, daily)) in enumerate(zip(axes.flat, others, strict=False), start=1):
        _band(ax, base_q, "#7f7f7f", dailies[0][0])
        _band(ax, _quantiles(daily, column), SCENARIO_COLOURS[k % len(SCENARIO_COLOURS)], name)
        ax.set_title(name, fontsize=10)
        ax.set_ylim(0, 1.02)
        ax.legend(fontsize=7, loc="lower left")
        used.append(ax)
    for ax in list(axes.flat)[len(others) :]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel(ylabel, fontsize=8)
    fig.suptitle(title)
    return _finish(fig, used, falls, path, legend=False, tick_days=8)



def _finish(fig, ax_list, falls, path: Path, legend: bool = True, tick_days: int = 4) -> Path:
    for ax in ax_list:
        _mark_documented(ax, falls)
        _format_dates(ax, tick_days)
        ax.set_xlabel("date (2024)")
    if legend:
        ax_list[0].legend(fontsize=8, loc="best")
    _documented_legend(fig, falls)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path



def plot_comparison(folder: Path) -> list[Path]:
    """Overlaid curves of every scenario in a comparison folder; returns the files written."""
    comparison = json.loads((folder / "comparison.json").read_text(encoding="utf-8"))
    dailies = _scenario_dailies(folder, comparison)
    places = json.loads(
        (folder / comparison["scenarios"][0]["folder"] / "manifest.json").read_text()
    )["places"]
    falls = documented_city_falls(places)
    capital = comparison["capital"]
    runs = comparison["runs"]
    written = []

    written.append(
        _scenario_figure(
            dailies,
            "regime_population_share",
            "share of population in regime-held places",
            f"Regime-held population by scenario ({runs} runs each; median, 5-95 % band)",
            falls,
            folder / "population.png",
        )
    )

    fig, ax = plt.subplots(figsize=(10, 5.5), constrained_layout=True)
    col = f"holder_{capital}"
    for k, (name, _, daily) in enumerate(dailies):
        g = (daily[col] == "regime").groupby(daily["date"])
        p, n = g.mean().sort_index(), g.size().sort_index()
        lo, hi = zip(*(wilson(pi * ni, int(ni)) for pi, ni in zip(p, n, strict=True)), strict=True)
        x = pd.to_datetime(p.index)
        colour = SCENARIO_COLOURS[k % len(SCENARIO_COLOURS)]
        ax.fill_between(x, lo, hi, color=colour, alpha=0.2, linewidth=0)
        ax.step(x, p.values, where="post", color=colour, linewidth=2, label=name)
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel(f"probability the regime still holds {capital}")
    ax.set_title(f"Does the regime still hold {capital}? (share of {runs} runs, 95 % interval)")
    written.append(_finish(fig, [ax], falls, folder / "capital_survival.png"))

    written.append(
        _scenario_figure(
            dailies,
            "units_responsive_share",
            "share of regime units answering commands",
            f"Units still answering commands ({runs} runs each; median, 5-95 % band)",
            falls,
            folder / "units.png",
        )
    )

    fig, axes = plt.subplots(2, 2, figsize=(13, 8), constrained_layout=True, sharey=True)
    for ax, patron in zip(axes.flat, ("russia", "iran", "hezbollah", "iraq"), strict=True):
        _overlay(ax, dailies, f"support_{patron}")
        ax.set_title(f"{patron.capitalize()}: support (0 none, 1 full)")
        ax.set_ylim(0, 1.02)
    what = "median" if len(dailies) > OVERLAY_MAX else "median, 5-95 % band"
    fig.suptitle(f"Patron support by scenario ({runs} runs each; {what})")
    written.append(_finish(fig, list(axes.flat), falls, folder / "patron_support.png"))
    return written



HOLDER_COLOURS = {
    "regime": "#c0392b",
    "northern_opposition": "#27ae60",
    "southern_command": "#2980b9",
    "sdf": "#f1c40f",
}



HOLDER_LABELS = {
    "regime": "regime",
    "northern_opposition": "northern opposition",
    "southern_command": "southern operational command",
    "sdf": "SDF",
}



def representative_run(runs: pd.DataFrame, majors: list[str]) -> int:
    """The run whose major-city fall days are nearest the ensemble medians."""
    cols = [f"fall_day_{m}" for m in majors if f"fall_day_{m}" in runs]
    horizon = 1000
    v = runs[cols].to_numpy(dtype=float)
    v = np.where(v >= 0, v, horizon)
    med = np.median(v, axis=0)
    return int(runs["run"].iloc[int(np.argmin(np.abs(v - med).sum(axis=1)))])



def plot_timeline(folder: Path, run: int | None = None) -> Path:
    """The event log of one run as a timeline, documented events beside the simulated ones."""
    from model.analysis.observed import observed_days

    manifest = check_run_folder(folder)
    runs = pd.read_csv(folder / "runs.csv")
    events = pd.read_csv(folder / "events.csv", keep_default_na=False)
    majors = [n for n, p in manifest["resolved_scenario"]["places"].items() if p.get("major_city")]
    start = dt.date.fromisoformat(manifest["resolved_scenario"]["start_date"])
    if run is None:
        run = representative_run(runs, majors)
    elif run not in set(runs["run"]):
        from model.errors import ResultsError

        raise ResultsError(f"--run {run}: no such run in {folder} (0..{len(runs) - 1})")
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
    markers = dict(zip(kinds, "osD^v<>phX*P8H+x|_d1234", strict=False))
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
    ax2.set_title(f"Event log of run {run} (the run nearest the median fall dates)")
    for ax in (ax1, ax2):
        _format_dates(ax)
        ax.xaxis.set_major_locator(mdates.DayLocator(interval=2))
    ax2.set_xlabel("date (2024)")
    last = max([*ev["day"].tolist(), 14])
    ax2.set_xlim(date_of(-0.5), date_of(min(last + 3.5, 33)))
    path = folder / "timeline.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path



def _day_arg(day: str | None, start: dt.date, horizon: int) -> int:
    from model.errors import ResultsError

    if day is None:
        raise ResultsError("--map needs --day D (a day number or a date YYYY-MM-DD)")
    try:
        d = int(day)
    except ValueError:
        try:
            d = (dt.date.fromisoformat(day) - start).days
        except ValueError:
            raise ResultsError(f"--day {day}: not a day number or a date YYYY-MM-DD") from None
    if not 0 <= d < horizon:
        raise ResultsError(f"--day {day}: outside the run's {horizon} days (0..{horizon - 1})")
    return d



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
    fig, ax = plt.subplots(figsize=(9, 9.5), constrained_layout=True)
    for r in sc["routes"]:
        a, b = places[r["a"]], places[r["b"]]
        ax.plot([a["lon"], b["lon"]], [a["lat"], b["lat"]], color="#bbb", linewidth=1, zorder=1)
    for name, p in places.items():
        shares = today[f"holder_{name}"].value_counts(normalize=True)
        holder = shares.index[0]
        size = 60 + 500 * (p["population"] / 3_000_000) ** 0.7
        ax.scatter(
            p["lon"],
            p["lat"],
            s=size,
            color=HOLDER_COLOURS.get(holder, "grey"),
            edgecolor="black",
            linewidth=0.6,
            zorder=3,
        )
        regime = float(shares.get("regime", 0.0))
        ax.annotate(
            f"{name}\nregime holds in {regime:.0%}",
            (p["lon"], p["lat"]),
            xytext=(7, 4),
            textcoords="offset points",
            fontsize=8,
        )
    for holder, colour in HOLDER_COLOURS.items():
        ax.scatter([], [], color=colour, edgecolor="black", s=80, label=HOLDER_LABELS[holder])
    ax.legend(loc="lower right", fontsize=8, title="most frequent holder")
    date = start + dt.timedelta(days=d)
    runs = today["run"].nunique()
    ax.set_title(
        f"{manifest['scenario']['title']}\nWho holds each place on {date.isoformat()} (day {d}), "
        f"over {runs} runs (schematic; marker size ~ population)"
    )
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.set_aspect("equal")
    ax.grid(alpha=0.2)
    path = folder / f"map-{date.isoformat()}.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path



def replot(
    results: str, timeline: bool, map_: bool, day: str | None, run: int | None
) -> list[Path]:
    """Redraw plots of a saved run or comparison folder; never runs the model."""
    from model.errors import ResultsError

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

