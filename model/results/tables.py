"""Run results turned into the daily, events and runs tables of the results contract."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model.config.schema import HOLDERS
from model.results.contract import EVENT_SOURCES
from model.results.csvtext import csv_text
from model.sim.compiled import Compiled
from model.sim.outputs import METRICS, RunResult


@dataclass
class Tables:
    """An ensemble's results as the tables written to disk."""

    daily: pd.DataFrame
    events: pd.DataFrame
    runs: pd.DataFrame


def _holder_name(taken_by, k: int) -> str:
    """Who first took place ``k`` from its holder at the start ("none" if nobody did).

    A word, not an empty field: CSV would read an empty field back as missing, and the
    table read back must equal the one written.
    """
    if taken_by is None or taken_by[k] < 0:
        return "none"
    return HOLDERS[int(taken_by[k])]


def build_tables(compiled: Compiled, results: Sequence[RunResult], first_run: int = 0) -> Tables:
    """Turn run results into the daily, events and runs tables of the results contract.

    Args:
        compiled: The compiled scenario.
        results: Consecutive runs of an ensemble.
        first_run: The ensemble index of ``results[0]`` (when tables are built in blocks).
    """
    names = compiled.names
    start = compiled.p.start_date
    horizon = compiled.p.horizon_days
    dates = [(start + dt.timedelta(days=d)).isoformat() for d in range(horizon)]
    n = len(results)
    metrics = np.concatenate([r.metrics for r in results]) if n else np.zeros((0, len(METRICS)))
    holders = (
        np.concatenate([r.holders for r in results]) if n else np.zeros((0, len(names)), np.int8)
    )
    holder_names = np.array(HOLDERS, dtype=object)
    daily = pd.DataFrame(
        {
            "run": np.repeat(np.arange(first_run, first_run + n), horizon),
            "seed": np.repeat([r.seed for r in results], horizon),
            "day": np.tile(np.arange(horizon), n),
            "date": np.tile(dates, n),
            **{m: metrics[:, k] for k, m in enumerate(METRICS)},
            **{f"holder_{p}": holder_names[holders[:, k]] for k, p in enumerate(names)},
        }
    )
    rows = []
    for i, r in enumerate(results):
        for day, actor, kind, target, channel, outcome, rule in r.events:
            rows.append((first_run + i, day, actor, kind, target, channel, outcome, rule))
    events = pd.DataFrame(
        rows, columns=["run", "day", "actor", "kind", "target", "channel", "outcome", "rule"]
    )
    date_of = dict(enumerate(dates))
    events.insert(
        2,
        "date",
        [date_of.get(d) or (start + dt.timedelta(days=d)).isoformat() for d in events.day.tolist()],
    )
    events["source"] = events["rule"].map(EVENT_SOURCES)
    runs = pd.DataFrame(
        {
            "run": np.arange(first_run, first_run + n),
            "seed": [r.seed for r in results],
            "end_state": [r.end_state for r in results],
            "leader_exit_day": [r.leader_exit_day for r in results],
            **{f"fall_day_{p}": [int(r.fall_day[k]) for r in results] for k, p in enumerate(names)},
            **{
                f"taken_by_{p}": [_holder_name(r.taken_by, k) for r in results]
                for k, p in enumerate(names)
            },
            "regime_gone_day": [int(r.regime_gone_day) for r in results],
            "capital_holder_end": [HOLDERS[int(r.holders[-1, compiled.capital])] for r in results],
        }
    )
    runs.attrs["capital"] = names[compiled.capital]
    return Tables(daily=daily, events=events, runs=runs)


def write_tables(folder: Path, tables: Tables) -> None:
    """Write daily.csv, events.csv and runs.csv."""
    for name, df, kw in (
        ("daily.csv", tables.daily, {"float_format": "%.6g"}),
        ("events.csv", tables.events, {}),
        ("runs.csv", tables.runs, {}),
    ):
        (folder / name).write_bytes(csv_text(df, **kw).encode("utf-8"))
