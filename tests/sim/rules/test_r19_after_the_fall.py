"""R19: after the regime's end, a force turns on another where the reporting has it."""

from __future__ import annotations

import numpy as np
from sim_helpers import first_day, many_runs, variant

from model.config.schema import HOLDERS


def test_the_hts_led_command_takes_deir_ez_zor_from_the_sdf_after_the_fall(compiled):
    """R19 (AFP/SOHR: 10-11 Dec): after the regime's end, not before it, and not without R19."""
    north, sdf = HOLDERS.index("northern_opposition"), HOLDERS.index("sdf")
    dez = compiled.index["Deir ez-Zor"]

    def taken(c) -> list[tuple[int, int]]:  # (day taken from the SDF, day the end began)
        out = []
        for r in many_runs(c):
            end = first_day(r, "regime", "end")
            took = next(
                (e[0] for e in r.events if e[1:4] == ("northern_opposition", "holder_change",
                                                     "Deir ez-Zor")),
                None,
            )  # fmt: skip
            out.append((took, end))
        return out

    on = taken(compiled)
    assert np.mean([t is not None for t, _ in on]) > 0.5
    assert all(end is not None and t > end for t, end in on if t is not None)
    off = many_runs(variant(compiled, off=["R19"]))
    assert not any(r.holders[-1, dez] == north for r in off)
    assert np.mean([r.holders[-1, dez] == sdf for r in off]) > 0.8
