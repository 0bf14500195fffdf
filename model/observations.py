"""The documented events a run is judged against, read from ``scenarios/observations.yaml``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from model.errors import ScenarioError
from model.scenario import _read_yaml

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "scenarios" / "observations.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class EventMatch(_Strict):
    """Which event-log entry counts: actor and kind, optionally target and outcome prefix."""

    actor: str
    kind: str
    target: str | None = None
    outcome: str | None = None


class Match(_Strict):
    """What in a run counts as the model producing an observation (exactly one key)."""

    place: str | None = None
    leader_exit: bool | None = None
    event: EventMatch | None = None

    @model_validator(mode="after")
    def _one(self) -> Match:
        if sum(x is not None for x in (self.place, self.leader_exit, self.event)) != 1:
            raise ValueError("give exactly one of place, leader_exit, event")
        return self


class Observation(_Strict):
    """One documented event with its date (range) and source."""

    id: str
    what: str
    date: dt.date
    earliest: dt.date | None = None
    latest: dt.date | None = None
    match: Match
    role: Literal["calibration", "held_out"]
    source: str

    @property
    def calibration(self) -> bool:
        """Whether the parameters were fitted against this observation."""
        return self.role == "calibration"

    def day_range(self, start: dt.date) -> tuple[int, int, int]:
        """(best, earliest, latest) as day numbers from ``start``."""
        best = (self.date - start).days
        lo = (self.earliest - start).days if self.earliest else best
        hi = (self.latest - start).days if self.latest else best
        return best, lo, hi


class Observations(_Strict):
    """The whole file."""

    observations: list[Observation] = Field(min_length=1)


def load_observations(path: str | Path = DEFAULT_PATH) -> list[Observation]:
    """Read and validate the observations file.

    Raises:
        ScenarioError: The file is missing or malformed, naming the field.
    """
    data = _read_yaml(Path(path))
    try:
        return Observations.model_validate(data).observations
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise ScenarioError(str(path), field, err["msg"]) from None


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
