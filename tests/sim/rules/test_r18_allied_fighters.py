"""R18: allied fighters act as reported (Hezbollah guards its own positions and leaves)."""

from __future__ import annotations

import numpy as np
from sim_helpers import hezbollah_left, variant


def test_hezbollah_guards_its_positions_and_can_leave_before_the_leader(compiled):
    """R18: it leaves once it would have to fight alone (AFP; Reuters: withdrawn on 7 Dec,
    before Assad left); without R18 it defends Homs and leaves only once Homs has fallen or
    the leader has gone."""

    def share(runs, before_homs: bool) -> float:  # left before the leader (and Homs)
        return np.mean(
            [
                d is not None and (e is None or d < e) and (not before_homs or h is None or d < h)
                for d, h, e in runs
            ]
        )

    # The mechanism at a withdrawal point near the column's arrival (0.2 of its road); the
    # calibrated value's share is what validate reports, not what this rule must do.
    near = {"actors__hezbollah__withdraw_at": 0.2}
    on = hezbollah_left(variant(compiled, **near))
    off = hezbollah_left(variant(compiled, off=["R18"], **near))
    assert share(on, False) > 0.75 and share(on, True) > 0.6, share(on, False)
    assert share(off, True) < 0.05, share(off, True)
