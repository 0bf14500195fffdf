"""R8: after the capital falls, the force that defers to another hands it over."""

from __future__ import annotations

import numpy as np
import pytest
from sim_helpers import many_runs, variant

from model.config.schema import HOLDERS


@pytest.mark.parametrize("where", ["Damascus"])
def test_the_capital_ends_with_the_coalition_the_south_defers_to(compiled, where):
    cap = compiled.index[where]
    north, south = HOLDERS.index("northern_opposition"), HOLDERS.index("southern_command")
    on = many_runs(compiled)
    end = np.array([r.holders[-1, cap] for r in on])
    assert np.mean(end == north) > 0.8
    off = many_runs(variant(compiled, off=["R8"]))
    end_off = np.array([r.holders[-1, cap] for r in off])
    taken_by_south = np.mean([r.taken_by[cap] == south for r in off])
    # Without R8 a capital the south took stays with it.
    assert np.mean(end_off == south) >= taken_by_south - 1e-9
    if taken_by_south > 0:
        assert np.mean(end_off == south) > np.mean(end == south)
