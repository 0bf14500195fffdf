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
from model.results.csvtext import array_fields, csv_text, join_rows, text_fields
from model.sim.compiled import Compiled
from model.sim.outputs import METRICS, RunResult


class Tables:
    """An ensemble's results as the tables written to disk.

    The daily table (a row per run and day) is by far the largest and is built when first
    read: a command that only writes it (``daily_csv``) formats it from the runs' arrays.

    Attributes:
        events: The event log, a row per event.
        runs: A row per run.
    """

    def __init__(self, daily: _Daily | pd.DataFrame, events: pd.DataFrame, runs: pd.DataFrame):
        self._daily = daily
        self.events = events
        self.runs = runs

    @property
    def daily(self) -> pd.DataFrame:
        """A row per run and day: the metrics and who holds each place."""
        if isinstance(self._daily, _Daily):
            self._daily = self._daily.frame()
        return self._daily

    def daily_csv(self, header: bool = True) -> str:
        """The daily table as CSV text, exactly ``daily.to_csv(float_format="%.6g")``."""
        if isinstance(self._daily, _Daily):
            return self._daily.csv(header)
        return csv_text(self._daily, header=header, float_format=DAILY_FLOAT_FORMAT)


DAILY_FLOAT_FORMAT = "%.6g"


@dataclass
class _Daily:
    """The daily table's columns, as arrays, before it is a DataFrame."""

    columns: dict[str, np.ndarray]
    holders: np.ndarray  # (rows, places) holder codes
    names: list[str]

    def frame(self) -> pd.DataFrame:
        holder_names = np.array(HOLDERS, dtype=object)
        return pd.DataFrame(
            {
                **self.columns,
                **{
                    f"holder_{p}": holder_names[self.holders[:, k]]
                    for k, p in enumerate(self.names)
                },
            }
        )

    def csv(self, header: bool) -> str:
        fields = [array_fields(v, DAILY_FLOAT_FORMAT) for v in self.columns.values()]
        words = text_fields(list(HOLDERS))
        for k in range(len(self.names)):
            fields.append([words[h] for h in self.holders[:, k].tolist()])
        head = [*self.columns, *(f"holder_{p}" for p in self.names)]
        return join_rows(head if header else None, fields, len(self.holders))


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
    daily = _Daily(
        {
            "run": np.repeat(np.arange(first_run, first_run + n), horizon),
            "seed": np.repeat(np.array([r.seed for r in results], dtype=np.int64), horizon),
            "day": np.tile(np.arange(horizon), n),
            "date": np.tile(np.array(dates, dtype=object), n),
            **{m: metrics[:, k] for k, m in enumerate(METRICS)},
        },
        holders,
        list(names),
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
    (folder / "daily.csv").write_bytes(tables.daily_csv().encode("utf-8"))
    for name, df in (("events.csv", tables.events), ("runs.csv", tables.runs)):
        (folder / name).write_bytes(csv_text(df).encode("utf-8"))
