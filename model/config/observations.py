"""The documented observations the model is calibrated and validated against."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from model.config.loader import read_yaml
from model.config.schema import HOLDERS
from model.errors import ScenarioError

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "scenarios" / "observations.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class EventMatch(_Strict):
    """Which event-log entry counts: actor and kind, optionally target and outcome prefix."""

    actor: str
    kind: str
    target: str | None = None
    outcome: str | None = None


class Match(_Strict):
    """What in a run counts as the model producing an observation.

    Exactly one of ``place`` (the day the place first leaves the hands of its holder at
    the start), ``leader_exit`` (the day the leader leaves), ``event`` (the first matching
    event-log entry) and ``regime_gone`` (the first day the regime holds no place). ``by``
    goes only with ``place``: a run counts only where that holder is the one who took it.
    """

    place: str | None = None
    by: str | None = None
    leader_exit: bool | None = None
    event: EventMatch | None = None
    regime_gone: bool | None = None

    @model_validator(mode="after")
    def _one(self) -> Match:
        keys = (self.place, self.leader_exit, self.event, self.regime_gone)
        if sum(x is not None for x in keys) != 1:
            raise ValueError("give exactly one of place, leader_exit, event, regime_gone")
        if self.leader_exit is False or self.regime_gone is False:
            raise ValueError("leader_exit and regime_gone can only be true")
        if self.by is not None:
            if self.place is None:
                raise ValueError("by goes only with place")
            if self.by not in HOLDERS:
                raise ValueError(f"unknown holder {self.by!r} in by; valid: {', '.join(HOLDERS)}")
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
    data = read_yaml(Path(path))
    try:
        return Observations.model_validate(data).observations
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise ScenarioError(str(path), field, err["msg"]) from None
