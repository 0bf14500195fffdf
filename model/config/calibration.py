"""The calibration file: the values a scenario marks ``calibrated``, as a command set them.

A scenario names it at its top level (``calibration: calibration/baseline.yaml``, relative to
the scenario's folder); the loader reads it before merging, so that a scenario extending the
baseline inherits the calibrated values and may still override them. The file is written
by ``python -m model calibrate`` (``model/studies/calibrate.py``) and records what made it:
the command, the seed, the reference table, the observations' SHA-256 and the code version.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from model.errors import ScenarioError

KEY = "calibration"  # the top-level key of a scenario file that names its calibration file


class CalibrationFile(BaseModel):
    """What ``calibrate`` writes: the values, and how they were made.

    Attributes:
        scenario: The scenario file calibrated (as given to the command).
        values: Dotted parameter name -> calibrated value.
        made_by: The command, seed, method, reference table, observations' SHA-256, code
            version and date.
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    scenario: str
    values: dict[str, float | int] = Field(min_length=1, max_length=200)
    made_by: dict[str, Any] = Field(default_factory=dict)


def read_calibration(path: Path, read_yaml) -> CalibrationFile:
    """Read and check a calibration file (``read_yaml``: the loader's guarded reader).

    Raises:
        ScenarioError: Missing, malformed, or a field of the wrong kind (naming it).
    """
    data = read_yaml(path)
    try:
        return CalibrationFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise ScenarioError(str(path), field, err["msg"]) from None


def apply_calibration(data: dict, cal: CalibrationFile, scenario: str, path: Path) -> None:
    """Set each calibrated value in a scenario file's own ``data`` (before it is merged).

    Raises:
        ScenarioError: A name in the file that is not a parameter of the scenario file.
    """
    for name, value in cal.values.items():
        node: Any = data
        for part in name.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if not (isinstance(node, dict) and "value" in node):
            raise ScenarioError(
                str(path), f"values.{name}", f"not a parameter set in {scenario}; the file "
                f"calibrates {cal.scenario}"
            )  # fmt: skip
        node["value"] = value
