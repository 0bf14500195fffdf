"""Every scenario file in scenarios/ loads and runs; new files are picked up automatically."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from repo import SCENARIOS_DIR

from model.config.loader import load_scenario
from model.config.observations import load_observations
from model.sim.compiled import compile_scenario
from model.sim.model import simulate
from model.sim.outputs import END_STATES, METRICS

OBSERVATIONS_NAME = "observations.yaml"  # a different format, checked separately

# Not scenarios: the observations, the regions of the leave-one-region-out check and the
# calibration files (read through the scenario that names them)
NOT_SCENARIOS = (OBSERVATIONS_NAME, "regions.yaml")
SCENARIO_FILES = sorted(
    p
    for p in SCENARIOS_DIR.rglob("*.yaml")
    if p.name not in NOT_SCENARIOS and p.parent.name != "calibration"
)


def test_scenarios_are_found():
    assert any(p.name == "baseline.yaml" for p in SCENARIO_FILES)


@pytest.mark.parametrize(
    "path", SCENARIO_FILES, ids=[str(p.relative_to(SCENARIOS_DIR)) for p in SCENARIO_FILES]
)
def test_scenario_loads_and_runs(path):
    sc = load_scenario(path)
    c = compile_scenario(sc)
    horizon = sc.horizon_days.value
    for seed in range(3):
        r = simulate(c, seed)
        assert r.metrics.shape == (horizon, len(METRICS))
        assert np.isfinite(r.metrics).all()
        assert r.holders.shape == (horizon, len(sc.places))
        assert r.end_state in END_STATES
        assert all(0 <= e[0] < horizon for e in r.events)


def test_observations_file_loads():
    obs = load_observations(SCENARIOS_DIR / OBSERVATIONS_NAME)
    assert obs
    ids = [o.id for o in obs]
    assert len(ids) == len(set(ids))
    baseline = load_scenario(SCENARIOS_DIR / "baseline.yaml")
    start = baseline.start_date
    for o in obs:
        assert o.source.strip(), o.id
        best, lo, hi = o.day_range(start)
        assert lo <= best <= hi, o.id
        assert start <= o.date <= start + dt.timedelta(days=baseline.horizon_days.value)
        if o.match.place is not None:
            assert o.match.place in baseline.places, o.id


def test_compiled_baseline_has_the_new_places(baseline):
    c = compile_scenario(baseline)
    for p in ("al-Tanf", "Tel Rifaat", "Manbij", "Hasakah", "Qamishli"):
        assert p in c.index
