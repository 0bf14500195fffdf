"""One run seen closely: the documented events beside the simulated ones, and its event log.

Two pictures, each laid out so that no label runs into another at the size it is shown:
``timeline.png`` gives every documented event a row of its own, its description whole
(wrapped over two lines where long); ``timeline-events.png`` gives the run's event log as a
table of days (rows) by kind of actor (columns), each entry in words and wrapped to its
column, each day's row as tall as its fullest column.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from model.config.observations import DEFAULT_PATH, load_observations
from model.config.schema import OPPOSITION, PATRONS
from model.errors import OptionError
from model.results.readers import check_run_folder
from model.viz.style import HOLDER_COLOURS, PATRON_COLOURS
from model.viz.words import NAMES, name_of

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


def plot_timeline(folder: Path, run: int | None = None) -> list[Path]:
    """Write ``timeline.png`` and ``timeline-events.png`` of one run of a run folder.

    Args:
        folder: A run folder (``run``, or one scenario of a comparison).
        run: The run to show; by default the run nearest the median fall dates among those
            that reproduce the documented refusals.
    """
    paths = [folder / "timeline.png", folder / "timeline-events.png"]
    for fig, path in zip(timeline_figures(folder, run), paths, strict=True):
        fig.savefig(path, dpi=100)
        plt.close(fig)
    return paths


def timeline_figures(folder: Path, run: int | None = None):
    """The two figures of ``plot_timeline``, not yet saved (the documented events, the log)."""
    from model.analysis.observed import observed_days

    manifest = check_run_folder(folder)
    runs = pd.read_csv(folder / "runs.csv")
    events = pd.read_csv(folder / "events.csv", keep_default_na=False)
    sc = manifest["resolved_scenario"]
    majors = [n for n, p in sc["places"].items() if p.get("major_city")]
    start = dt.date.fromisoformat(sc["start_date"])
    horizon = int(sc["horizon_days"]["value"])
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
    title = f"{manifest['scenario']['title']}: run {run} ({why})"
    obs = load_observations(DEFAULT_PATH)
    row = int(runs.index[runs["run"] == run][0])
    days = [observed_days(o, runs, events) for o in obs]
    return (
        _documented_panel(obs, days, row, start, horizon, title),
        _event_log(events[events["run"] == run], start, title),
    )


ROW_IN = 0.34  # inches per documented event: two lines of 8.5 pt labels
LABEL_CHARS = 56


def _documented_panel(obs, days, row: int, start: dt.date, horizon: int, title: str):
    """Each documented event's date and range beside the simulated days, one row each."""
    order = sorted(range(len(obs)), key=lambda i: (obs[i].day_range(start)[0], i))
    n = len(order)
    fig, ax = plt.subplots(figsize=(12, ROW_IN * n + 2.2), layout="constrained")

    def date_of(day: float) -> pd.Timestamp:
        return pd.Timestamp(start + dt.timedelta(days=float(day)))

    latest = 13.0
    for y, i in enumerate(order):
        best, lo, hi = obs[i].day_range(start)
        ax.plot([date_of(lo - 0.3), date_of(hi + 0.3)], [y, y], color="black", linewidth=6,
                alpha=0.22, solid_capstyle="butt")  # fmt: skip
        # The documented date above the run's day: where they coincide, both still show.
        ax.plot(date_of(best), y, marker="D", color="black", markersize=5.5, linestyle="",
                zorder=5)  # fmt: skip
        ok = days[i][~np.isnan(days[i])]
        if len(ok):
            p05, p95 = np.percentile(ok, [5, 95])
            latest = max(latest, p95, hi)
            ax.plot([date_of(p05), date_of(p95)], [y, y], color="#2980b9", linewidth=1.6)
        if not np.isnan(days[i][row]):
            latest = max(latest, days[i][row])
            ax.plot(date_of(days[i][row]), y, marker="o", color="#e67e22", markersize=9,
                    linestyle="", zorder=4)  # fmt: skip
    labels = [textwrap.fill(obs[i].what, LABEL_CHARS, break_on_hyphens=False) for i in order]
    ax.set_yticks(range(n), labels, fontsize=8.5)
    for tick, i in zip(ax.get_yticklabels(), order, strict=True):
        if not obs[i].calibration:
            tick.set_fontstyle("italic")
            tick.set_color("#444444")
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xlim(date_of(-1), date_of(min(latest + 1.5, horizon)))
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=2))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%-d %b"))
    ax.tick_params(axis="x", labelsize=9)
    ax.grid(axis="x", alpha=0.3)
    ax.set_xlabel("date (2024)", fontsize=9)
    handles = [
        Line2D([], [], marker="D", color="black", linestyle="", label="documented date"),
        Line2D([], [], color="black", alpha=0.22, linewidth=6, label="documented range"),
        Line2D([], [], marker="o", color="#e67e22", linestyle="", label="this run"),
        Line2D([], [], color="#2980b9", linewidth=1.6, label="5-95 % of runs"),
    ]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.045), ncol=4,
              fontsize=9, frameon=False)  # fmt: skip
    sub = (
        "Documented events, by documented date, and the days the runs produced them; "
        "labels in italics: held out (no parameter was set from them)"
    )
    fig.suptitle("\n".join([*textwrap.wrap(title, 120), *textwrap.wrap(sub, 120)]), x=0.01,
                 ha="left", fontsize=10)  # fmt: skip
    return fig


# The event log's columns: who acts, grouped so that a day's entries sit side by side.
FORCES = tuple(f for f in OPPOSITION)
STATES = (*PATRONS, "doha_participants")
COLUMNS = ("The regime, its insiders and its army", "Forces taking places", "Patrons and states")
COL_IN, LEFT_IN, LINE_IN, GAP_IN = 3.45, 0.95, 0.138, 0.07  # inches (a line: 8 pt x 1.2)
FONT = 8.0
WRAP = 50  # characters per line of a column at FONT (measured: no line reaches COL_IN)


def _column(actor: str) -> int:
    return 1 if actor in FORCES else 2 if actor in STATES else 0


def _colour(actor: str) -> str:
    return HOLDER_COLOURS.get(actor) or PATRON_COLOURS.get(actor) or "#555555"


def _words(text: str) -> str:
    """Ids inside an outcome (``southern_command``) in words."""
    return " ".join(name_of(w) if w in NAMES else w for w in text.split(" "))


def entry_text(actor: str, kind: str, targets: list[str], channel: str, outcome: str,
               rule: str) -> str:  # fmt: skip
    """One entry of the event log in words, e.g. ``Iraq · relay → Turkey: ... [R1]``."""
    who = name_of(actor)
    if kind == "holder_change":
        what = f"{', '.join(targets)}: {_words(outcome)}"
    elif kind == "unresponsive":
        what = f"garrisons stop answering: {', '.join(targets)}"
    elif len(targets) > 1:
        what = f"{name_of(kind)}: {', '.join(targets)} ({_words(outcome)})"
    else:
        what = name_of(kind)
        if targets and targets[0]:
            what += f" → {name_of(targets[0])}"
        if channel and channel not in ("direct", actor):
            words = name_of(channel)
            # An id of the log reads as itself ("in Ankara") or as who carries it ("via
            # Iraq"); free text (a minister, the places of a deployment) goes in brackets.
            if channel not in NAMES:
                what += f" ({channel})"
            elif words.split(" ")[0] in ("in", "at", "by", "to"):
                what += f", {words}"
            else:
                what += f", via {words}"
        what += f": {_words(outcome)}"
    return f"{who} · {what} [{rule}]"


def _entries(ev: pd.DataFrame) -> dict[int, list[list[tuple[str, str]]]]:
    """Per day, per column, the (colour, text) of each entry; like entries share one line."""
    out: dict[int, list[list[tuple[str, str]]]] = {}
    keys = ["day", "actor", "kind", "channel", "outcome", "rule"]
    for (day, actor, kind, channel, outcome, rule), grp in ev.groupby(keys, sort=False):
        targets = [t for t in grp["target"].tolist()]
        if kind == "holder_change" and len(targets) > 1:  # each place its own line
            for t in targets:
                text = entry_text(actor, kind, [t], channel, outcome, rule)
                out.setdefault(int(day), [[], [], []])[_column(actor)].append((actor, text))
            continue
        text = entry_text(actor, kind, targets, channel, outcome, rule)
        out.setdefault(int(day), [[], [], []])[_column(actor)].append((actor, text))
    return out


def _event_log(ev: pd.DataFrame, start: dt.date, title: str):
    """The run's event log: one row per day with events, one column per kind of actor."""
    by_day = _entries(ev)
    wrapped = {
        d: [
            [
                (a, textwrap.wrap(t, WRAP, subsequent_indent="   ", break_on_hyphens=False))
                for a, t in col
            ]
            for col in cols
        ]
        for d, cols in by_day.items()
    }

    def height(cols) -> float:
        return max(sum(len(lines) * LINE_IN + GAP_IN for _, lines in col) for col in cols)

    heading = textwrap.wrap(f"Event log of {title}", 125)
    head_in = 0.5 + 0.19 * len(heading)
    body = sum(height(cols) + 0.12 for cols in wrapped.values())
    width = LEFT_IN + COL_IN * len(COLUMNS) + 0.15
    fig = plt.figure(figsize=(width, head_in + body + 0.25))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(head_in + body + 0.25, 0)
    ax.axis("off")
    ax.text(0.12, 0.12, "\n".join(heading), fontsize=10,
            va="top", ha="left", fontweight="bold")  # fmt: skip
    for k, name in enumerate(COLUMNS):
        ax.text(LEFT_IN + COL_IN * k + 0.05, head_in - 0.12, name, fontsize=9, va="bottom",
                fontweight="bold", color="#333333")  # fmt: skip
    y = head_in
    for n, (d, cols) in enumerate(sorted(wrapped.items())):
        h = height(cols) + 0.12
        if n % 2 == 0:
            ax.add_patch(plt.Rectangle((0.05, y), width - 0.1, h, color="#f2f2f2", zorder=0))
        date = start + dt.timedelta(days=d)
        ax.text(0.12, y + 0.06, f"{date:%-d %b}", fontsize=9, va="top", fontweight="bold")
        ax.text(0.12, y + 0.06 + LINE_IN * 1.1, f"day {d}", fontsize=7.5, va="top",
                color="#666666")  # fmt: skip
        for k, col in enumerate(cols):
            yy = y + 0.06
            for actor, lines in col:
                x = LEFT_IN + COL_IN * k
                ax.text(x + 0.02, yy, "●", fontsize=FONT, va="top", color=_colour(actor))
                ax.text(x + 0.16, yy, "\n".join(lines), fontsize=FONT, va="top",
                        linespacing=1.2, color="#111111")  # fmt: skip
                yy += len(lines) * LINE_IN + GAP_IN
        y += h
    return fig
