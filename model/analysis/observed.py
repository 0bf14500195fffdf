"""Where each documented observation happened in simulated runs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from model.config.observations import Observation


def observed_days(obs: Observation, runs: pd.DataFrame, events: pd.DataFrame) -> np.ndarray:
    """Per run, the day the model produced ``obs``, or NaN where it did not.

    Args:
        obs: The observation.
        runs: One row per run (``runs.csv``): ``run``, ``leader_exit_day``, ``fall_day_<place>``.
        events: The event log (``events.csv``).
    """
    m = obs.match
    if m.place is not None:
        col = f"fall_day_{m.place}"
        if col not in runs:
            return np.full(len(runs), np.nan)
        v = runs[col].to_numpy(dtype=float)
    elif m.leader_exit:
        v = runs["leader_exit_day"].to_numpy(dtype=float)
    else:
        e = m.event
        mask = (events["actor"] == e.actor) & (events["kind"] == e.kind)
        if e.target is not None:
            mask &= events["target"] == e.target
        if e.outcome is not None:
            mask &= events["outcome"].astype(str).str.startswith(e.outcome)
        first = events[mask].groupby("run")["day"].min()
        v = first.reindex(runs["run"]).to_numpy(dtype=float)
    return np.where(v >= 0, v, np.nan)
