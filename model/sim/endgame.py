"""After the regime's end: its last places pass on (R15), and forces turn on each other (R19).

A mixin of ``Battlefield`` (``combat.py``): these methods read and change its holders, and
call its ``capture`` and ``lines_moved``.
"""

from __future__ import annotations

import math

from model.config.schema import HOLDER_LABELS, HOLDERS
from model.sim.forces import REGIME


class Endgame:
    """What happens once the leader is gone and the capital is lost (``Battlefield``'s part)."""

    def regime_end(self) -> None:
        """R15: once the leader has gone and the capital is lost, the regime's places pass on.

        A regime place whose garrison has gone passes to the nearest force able to take it
        (active, not halted, the place within its scope), once that force's column could have
        covered the road from its nearest place at the unopposed pace (R10). Places on a
        force's front are taken in battle as before; this reaches those on nobody's front.
        """
        m = self.model
        if self.end_day is None:
            return
        self.turn_on()
        if self.regime_gone_day >= 0 or not m.on("R15"):
            return
        holder = self.holder.tolist()
        g, cs = m.garrison, m.p.combat.collapse_share
        pace = m.p.combat.unopposed_km_per_day
        covered = (m.day - self.end_day + 1) * pace
        dist = self.c.dist
        for j, h in enumerate(holder):
            if h != REGIME or not g.collapsed(j, cs):
                continue
            best = None
            for f in m.force_list:
                if not f.active or f.halted or REGIME not in f.enemies or not f.acts_on(j):
                    continue
                km = min(
                    (dist[i][j] for i, hi in enumerate(holder) if hi == f.code), default=math.inf
                )
                if km <= covered and (best is None or km < best[0]):
                    best = (km, f)
            if best is not None:
                f = best[1]
                self.capture(
                    j, f.code, f.key, "garrison gone after the regime's end", f, rule="R15"
                )
                holder = self.holder.tolist()

    def begin_end(self) -> None:
        """R15: mark the day the regime's end began (leader gone, capital lost)."""
        if self.end_day is None:
            self.end_day = self.model.day
            self.model.log("regime", "end", "", "", "leader gone and capital lost", "R15")

    def turn_on(self) -> None:
        """R19: after the regime's end, a force turns on another where the reporting has it.

        A force with ``turns_on`` (holder -> places: the northern coalition against the SDF
        at Deir ez-Zor, which the HTS-led command took from it on 10-11 December, AFP/SOHR)
        sends a column to each such place the other holds; once the column could have
        covered the road from the force's nearest place at the unopposed pace since the end
        began (R10), the place is on its front and is fought for as any other (R7).
        """
        m = self.model
        if not m.on("R19"):
            return
        covered = (m.day - self.end_day + 1) * m.p.combat.unopposed_km_per_day
        holder = self.holder.tolist()
        dist = self.c.dist
        for f in m.force_list:
            targets = f.params.turns_on
            if not targets or not f.active or f.halted:
                continue
            for enemy, places in targets.items():
                code = HOLDERS.index(enemy)
                for name in places:
                    j = self.c.index[name]
                    if (f.code, j) in self.arrived or holder[j] != code:
                        continue
                    km = min(
                        (dist[i][j] for i, h in enumerate(holder) if h == f.code),
                        default=math.inf,
                    )
                    if km <= covered:
                        self.arrived[(f.code, j)] = code
                        self.lines_moved()
                        what = f"column arrives to take it from the {HOLDER_LABELS[enemy]}"
                        m.log(f.key, "turns_on", name, enemy, what, "R19")
