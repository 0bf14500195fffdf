"""Where each documented observation happened in simulated runs."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from model.config.observations import Observation
from model.config.schema import HOLDERS
from model.sim.compiled import Compiled
from model.sim.outputs import RunResult


def _column(runs: pd.DataFrame, col: str) -> np.ndarray:
    """A day column as floats; all NaN where the table lacks it (a folder written before it)."""
    if col not in runs:
        return np.full(len(runs), np.nan)
    return pd.to_numeric(runs[col], errors="coerce").to_numpy(dtype=float)


def observed_days(obs: Observation, runs: pd.DataFrame, events: pd.DataFrame) -> np.ndarray:
    """Per run, the day the model produced ``obs``, or NaN where it did not.

    Args:
        obs: The observation.
        runs: One row per run (``runs.csv``): ``run``, ``leader_exit_day``,
            ``fall_day_<place>``, ``taken_by_<place>``, ``regime_gone_day``. A table
            written before a column existed gives NaN for the observations that need it.
        events: The event log (``events.csv``).
    """
    m = obs.match
    if m.place is not None:
        v = _column(runs, f"fall_day_{m.place}")
        if m.by is not None:
            col = f"taken_by_{m.place}"
            if col not in runs:
                return np.full(len(runs), np.nan)
            taker = runs[col].fillna("").astype(str).to_numpy()
            v = np.where(taker == m.by, v, np.nan)
    elif m.leader_exit:
        v = _column(runs, "leader_exit_day")
    elif m.regime_gone:
        v = _column(runs, "regime_gone_day")
    else:
        e = m.event
        mask = (events["actor"] == e.actor) & (events["kind"] == e.kind)
        if e.target is not None:
            mask &= events["target"] == e.target
        if e.outcome is not None:
            mask &= events["outcome"].astype(str).str.startswith(e.outcome)
        first = events[mask].groupby("run")["day"].min()
        v = first.reindex(runs["run"]).to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(v >= 0, v, np.nan)


def run_days(observations: Sequence[Observation], compiled: Compiled, r: RunResult) -> np.ndarray:
    """The day one run produced each observation (NaN: never), as ``observed_days`` reads it.

    Works on the run result itself, so that the reference table and the inference's runs
    do not build tables.
    """
    out = np.full(len(observations), np.nan)
    for i, o in enumerate(observations):
        m = o.match
        if m.place is not None:
            if m.place in compiled.names:
                k = compiled.names.index(m.place)
                d = int(r.fall_day[k])
                if m.by is not None:  # only if the documented actor took it
                    t = -1 if r.taken_by is None else int(r.taken_by[k])
                    if t < 0 or HOLDERS[t] != m.by:
                        d = -1
                out[i] = d if d >= 0 else np.nan
        elif m.leader_exit:
            out[i] = r.leader_exit_day if r.leader_exit_day >= 0 else np.nan
        elif m.regime_gone:
            out[i] = r.regime_gone_day if r.regime_gone_day >= 0 else np.nan
        else:
            e = m.event
            for day, actor, kind, target, _channel, outcome, _rule in r.events:
                if (
                    actor == e.actor
                    and kind == e.kind
                    and (e.target is None or target == e.target)
                    and (e.outcome is None or str(outcome).startswith(e.outcome))
                    and day >= 0
                ):
                    out[i] = day
                    break
    return out
