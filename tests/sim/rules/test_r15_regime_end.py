"""R15: once the leader has gone and the capital is lost, the regime's last places pass on."""

from __future__ import annotations

import numpy as np
from sim_helpers import many_runs, variant


def test_after_the_regime_s_end_it_soon_holds_nothing(compiled):
    on = many_runs(compiled)
    gone = np.array([r.regime_gone_day for r in on])
    assert np.mean(gone >= 0) > 0.8
    off = many_runs(variant(compiled, off=["R15"]))
    gone_off = np.array([r.regime_gone_day for r in off])
    horizon = compiled.p.horizon_days

    def mean_day(g):
        return np.mean(np.where(g >= 0, g, horizon))

    # Without R15 the last places wait for a front to reach them: days later, or never.
    assert mean_day(gone) < mean_day(gone_off) - 1.0
    assert np.mean(gone >= 0) >= np.mean(gone_off >= 0)
