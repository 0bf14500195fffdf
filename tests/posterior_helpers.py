"""A posterior folder written by hand, for tests that run over a posterior without inferring one."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from model.config.schema import Scenario, iter_params
from model.results.contract import FORMAT_VERSION
from model.results.integrity import seal

NAMES = ("actors.units.threshold_mean", "combat.max_advance_km_per_day")


def write_posterior(folder: Path, sc: Scenario, values: np.ndarray, weights: np.ndarray) -> Path:
    """A sealed posterior folder over ``NAMES``: one particle per row of ``values``."""
    folder.mkdir(parents=True, exist_ok=True)
    t = pd.DataFrame(values, columns=list(NAMES))
    t.insert(0, "particle", range(len(t)))
    t["weight"] = weights
    t.to_csv(folder / "posterior.csv", index=False)
    params = dict(iter_params(sc))
    doc = {
        "priors": {n: {"low": 0.0, "high": 100.0, "distribution": "uniform"} for n in NAMES},
        "scenario_values": {n: float(params[n].value) for n in NAMES},
    }
    (folder / "posterior.json").write_text(json.dumps(doc), encoding="utf-8")
    seal(folder, {"format_version": FORMAT_VERSION, "kind": "posterior"})  # as infer does
    return folder
