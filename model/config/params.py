"""One parameter with its provenance, and the kinds of value parameters take.

Each parameter is ``{value, source}`` (a named outlet) or ``{value, assumption}``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

T = TypeVar("T")


Unit = Annotated[float, Field(ge=0.0, le=1.0)]


Signed = Annotated[float, Field(ge=-1.0, le=1.0)]


Weight = Annotated[float, Field(ge=0.0, le=10.0)]


Positive = Annotated[float, Field(gt=0.0, le=1e6)]


Force = Annotated[float, Field(ge=0.0, le=1e7)]


Days = Annotated[int, Field(ge=0, le=365)]


# A date may be written bare (YAML reads it as a date) or quoted as ISO text.
Date = Annotated[dt.date, Field(strict=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)


class Param(_Strict, Generic[T]):
    """One parameter value with its provenance.

    Attributes:
        value: The value the model uses.
        source: The outlet(s) the value is taken from, when it is reported.
        assumption: Why the value was chosen, when it is not reported.
        set_in: The scenario file that overrode the baseline value, if any.
        replaces: The value of the file it extends, where ``set_in`` overrode one (recorded
            by the loader): a counterfactual's flip is a value that differs from it.
    """

    value: T
    source: str | None = None
    assumption: str | None = None
    set_in: str | None = None
    replaces: Any = None

    @model_validator(mode="after")
    def _has_provenance(self) -> Param:
        if not (self.source or self.assumption or self.set_in):
            raise ValueError("a parameter needs a 'source' or an 'assumption'")
        return self
