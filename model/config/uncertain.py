"""The ``uncertain:`` ranges and parameter values applied to a scenario: one of each.

Every study reads a scenario's ``uncertain:`` section through ``Ranges`` (``sensitivity``'s
SALib problem, the reference table's prior draws, the calibration's point estimate, the
posterior's priors), and every study and ensemble sets parameter values in a scenario
through ``with_values`` (a sensitivity sample, a reference-table row, a posterior draw, a
calibration file): set in the scenario's data, whole-number parameters rounded, then
validated and compiled by whoever runs it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.config.paths import copy_along, set_in
from model.config.schema import Scenario, iter_params
from model.errors import ScenarioError


@dataclass(frozen=True)
class Ranges:
    """A scenario's ``uncertain:`` ranges, in the order the file gives them.

    Attributes:
        names: Dotted parameter names.
        low: Lower ends.
        high: Upper ends.
        whole: Which parameters take whole numbers.
        notes: Why each range, as the file says.
    """

    names: tuple[str, ...]
    low: np.ndarray
    high: np.ndarray
    whole: tuple[bool, ...]
    notes: tuple[str, ...] = ()

    @classmethod
    def of(cls, sc: Scenario, scenario_path: str | Path | None = None) -> Ranges:
        """The ranges of ``sc``.

        Raises:
            ScenarioError: The scenario declares no uncertain parameters.
        """
        if not sc.uncertain:
            raise ScenarioError(
                str(scenario_path or sc.name),
                "uncertain",
                "no parameters declared to explore; add an 'uncertain:' section "
                "(docs/scenarios.md, 'Uncertain parameters')",
            )
        params = dict(iter_params(sc))
        names = tuple(sc.uncertain)
        return cls(
            names,
            np.array([sc.uncertain[n].low for n in names], dtype=float),
            np.array([sc.uncertain[n].high for n in names], dtype=float),
            tuple(isinstance(params[n].value, int) for n in names),
            tuple(sc.uncertain[n].note for n in names),
        )

    @property
    def width(self) -> np.ndarray:
        """Each range's width."""
        return self.high - self.low

    @property
    def sd(self) -> np.ndarray:
        """Each uniform prior's standard deviation (of the whole numbers, where whole)."""
        n = self.width + 1.0
        return np.where(self.whole, np.sqrt((n**2 - 1.0) / 12.0), self.width / np.sqrt(12.0))

    def draw(self, u: np.ndarray) -> np.ndarray:
        """Values uniform on the ranges from uniforms ``u`` in [0, 1) (... x parameters).

        A whole-number parameter is uniform on the whole numbers of its range (each as
        likely, the ends included), so rounding the draw leaves it as it is.
        """
        u = np.asarray(u, dtype=float)
        cont = self.low + self.width * u
        ints = self.low + np.minimum(np.floor(u * (self.width + 1.0)), self.width)
        return np.where(np.array(self.whole), ints, cont)

    def problem(self) -> dict:
        """SALib's problem definition."""
        return {
            "num_vars": len(self.names),
            "names": list(self.names),
            "bounds": [[float(a), float(b)] for a, b in zip(self.low, self.high, strict=True)],
        }

    def as_dict(self, row: Iterable[float]) -> dict[str, float]:
        """One row of values by parameter name."""
        return dict(zip(self.names, (float(x) for x in row), strict=True))

    def document(self) -> dict:
        """The ranges as a results file records them (``priors``)."""
        return {
            n: {"low": float(lo), "high": float(hi), "whole": w, "distribution": "uniform"}
            for n, lo, hi, w in zip(self.names, self.low, self.high, self.whole, strict=True)
        }


def with_values(
    sc: Scenario,
    values: Mapping[str, float],
    data: dict | None = None,
    keep: Iterable[str] = (),
) -> dict:
    """A copy of the scenario's data with parameter ``values`` set (the one way to set them).

    Args:
        sc: The scenario (it says which parameters take whole numbers).
        values: Dotted parameter name -> value; whole-number parameters are rounded
            (samplers draw real numbers).
        data: ``sc.model_dump()``, when the caller has it already (it is copied, not changed).
        keep: Names left at the scenario's own value (a posterior draw does not override what
            a scenario file sets itself).

    Raises:
        ScenarioError: A name that is not a parameter of the scenario.
    """
    params = dict(iter_params(sc))
    kept = set(keep)
    changed = [p for p in values if p not in kept]
    for path in changed:
        if path not in params:
            raise ScenarioError(sc.name, path, "not a parameter of the scenario")
    # copies only the nodes on the way to each value (the rest is shared with ``data``,
    # which is never changed): a deep copy of the whole scenario took longer than a run
    out = copy_along(sc.model_dump() if data is None else data, [f"{p}.value" for p in changed])
    for path in changed:
        x = values[path]
        whole = isinstance(params[path].value, int)
        set_in(out, f"{path}.value", int(round(x)) if whole else float(x))
    return out


def current_values(sc: Scenario, names: Iterable[str] | None = None) -> dict[str, float]:
    """The scenario's own values of ``names`` (default: its uncertain parameters)."""
    params = dict(iter_params(sc))
    return {n: float(params[n].value) for n in (sc.uncertain if names is None else names)}


CALIBRATED = "calibrated"  # the word that marks a value set by the calibration pipeline


def calibrated_names(sc: Scenario) -> list[str]:
    """The parameters the scenario marks as calibrated (their assumption says so)."""
    return [n for n, p in iter_params(sc) if (p.assumption or "").lstrip().startswith(CALIBRATED)]
