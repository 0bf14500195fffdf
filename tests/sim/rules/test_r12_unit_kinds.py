"""R12: elite formations hold longer and follow their insider; conscripts give way sooner."""

from __future__ import annotations

import numpy as np
from sim_helpers import variant

from model.sim.garrison import CONSCRIPT, ELITE
from model.sim.model import SyriaModel, release


def _flip_days(c, seeds=range(40)):
    """Per unit kind, the mean day units of that kind stopped answering."""
    out = {ELITE: [], CONSCRIPT: []}
    for s in seeds:
        m = SyriaModel(c, seed=s)
        g = m.garrison
        day = np.full(len(g.place), c.p.horizon_days, dtype=float)
        for d in range(c.p.horizon_days):
            m.step()
            newly = ~g.responsive & (day == c.p.horizon_days)
            day[newly] = d
        for k in out:
            out[k].extend(day[g.kind == k].tolist())
        release(m)
    return {k: float(np.mean(v)) for k, v in out.items()}


def test_elite_formations_answer_longer_than_conscripts(compiled):
    on = _flip_days(compiled)
    assert on[ELITE] > on[CONSCRIPT] + 1.0
    off = _flip_days(variant(compiled, off=["R12"]))
    assert on[ELITE] - on[CONSCRIPT] > off[ELITE] - off[CONSCRIPT] + 0.5


def test_the_elite_follow_their_insider_out(compiled):
    def early(weight):  # Maher al-Assad leaves within days, long before the capital is near
        c = variant(compiled, actors__units__weight_insider=weight)
        maher = next(i for i in c.p.actors.insiders if i.name == c.p.actors.units.elite_insider)
        maher.exit_threshold = 0.97
        return c

    loyal, follow = _flip_days(early(0.0)), _flip_days(early(3.0))
    assert follow[ELITE] < loyal[ELITE] - 1.0
    assert abs(follow[CONSCRIPT] - loyal[CONSCRIPT]) < abs(follow[ELITE] - loyal[ELITE])
