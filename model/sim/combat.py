"""Who holds each place, the front lines, and battle at contested places (rules R2, R7).

Most days no place changes hands, so the front lines are computed once and kept until a
capture or a force joining the fighting calls ``Battlefield.lines_moved``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mesa
import numpy as np

from model.config.schema import HOLDERS, OPPOSITION, TRANSITIONAL
from model.sim import rules
from model.sim.schedule import DailyNoise


@dataclass
class FrontLines:
    """What follows from who holds each place and which forces fight.

    Attributes:
        regime_population: Population of the regime-held places.
        fronts: Per force, ``(place, km)`` for each regime-held place next to one of its own
            places, with the shortest road to it, in place order; empty while inactive.
        contested: The places on any front, in order of first appearance.
        threat: Per place, 1.0 where an active force holds a neighbouring place, else 0.0.
        capital_contested: Whether an active force holds a place next to the capital.
        shares: Per force index, the ``focus`` its effort was split with and the shares.
    """

    regime_population: float
    fronts: list[list[tuple[int, float]]]
    contested: list[int]
    threat: np.ndarray
    capital_contested: bool
    shares: dict[int, tuple[float, list[float]]]


class Battlefield:
    """The map as it stands: holders, fall days, front lines and the day's battles.

    Args:
        model: The model; the battlefield reads its forces, patrons, garrison and parameters.
    """

    def __init__(self, model: mesa.Model):
        c = model.c
        self.model = model
        self.c = c
        self.holder = c.start_holder.copy()
        self.fall_day = np.full(len(c.names), -1, dtype=np.int16)
        self._attract_weight = c.attract_weight.tolist()
        self._lines: FrontLines | None = None
        self.allied_at: dict[int, float] = {}
        # R7's battle noise: standard normal, one per force and place and day (set up in
        # ``battle``: the forces do not exist yet).
        self._noise: DailyNoise | None = None
        self._around_capital = [j for j, _ in c.neighbours[c.capital]]
        # R7 abandon: each place next to a non-agent holder's area at the start (the SDF's),
        # with those neighbours; no other place can pass to such a holder.
        start = c.start_holder.tolist()
        static = [
            (i, [j for j, _ in nb if start[j] != 0 and HOLDERS[start[j]] not in OPPOSITION])
            for i, nb in enumerate(c.neighbours)
        ]
        self._start = start
        self._static_edges = [(i, js) for i, js in static if js]
        self._dist_to_capital = c.dist_to_capital.tolist()
        self.version = 0  # counts changes of holder, for ``abandon``
        self._abandon_checked: tuple | None = None

    def lines_moved(self) -> None:
        """Forget the front lines: a place changed hands, or a force joined the fighting."""
        self._lines = None

    def lines(self) -> FrontLines:
        """R7: the fronts, and what depends on them, for today's holders and forces."""
        if self._lines is None:
            self._lines = self._draw_lines()
        return self._lines

    def _draw_lines(self) -> FrontLines:
        # Plain lists: for a few places, Python is faster than many tiny numpy operations.
        holder = self.holder.tolist()
        neighbours = self.c.neighbours
        forces = self.model.force_list
        fronts: list[list[tuple[int, float]]] = []
        contested: list[int] = []
        for f in forces:
            best: dict[int, float] = {}
            if f.active:
                code = f.code
                for i, h in enumerate(holder):
                    if h == code:
                        for j, km in neighbours[i]:
                            if holder[j] == 0 and km < best.get(j, math.inf):
                                best[j] = km
            front = sorted(best.items())
            fronts.append(front)
            contested.extend(j for j, _ in front if j not in contested)
        # The contested places are exactly those next to a place an active force holds.
        threat = np.zeros(len(holder))
        threat[contested] = 1.0
        around = {holder[j] for j in self._around_capital}
        return FrontLines(
            regime_population=float(self.c.population[self.holder == 0].sum()),
            fronts=fronts,
            contested=contested,
            threat=threat,
            capital_contested=any(f.active and f.code in around for f in forces),
            shares={},
        )

    def forces_at_capital(self) -> list:
        """Opposition forces holding the capital or a place next to it."""
        cap = self.c.capital
        places = [cap, *(j for j, _ in self.c.neighbours[cap])]
        return [f for f in self.model.force_list if any(self.holder[j] == f.code for j in places)]

    def _allocate_allies(self, contested: list[int]) -> None:
        """R2: allied fighters go where the fighting is, within the reach they were given."""
        self.allied_at = {}
        hz = self.model.hezbollah
        if hz.deployed > 0:
            where = [p for p in contested if p in hz.reach]
            for p in where:
                self.allied_at[p] = self.allied_at.get(p, 0.0) + hz.deployed / len(where)
        pmf = self.model.iraq.allied_fighters()
        if pmf > 0 and contested:
            for p in contested:
                self.allied_at[p] = self.allied_at.get(p, 0.0) + pmf / len(contested)

    def target_shares(self, k: int, focus: float) -> list[float]:
        """R7: how force ``k`` splits its effort over its front.

        Each target weighs its population times its strategic weight over the km to cover,
        raised to the force's ``focus``; the shares sum to 1.
        """
        lines = self.lines()
        if k not in lines.shares or lines.shares[k][0] != focus:
            front = lines.fronts[k]
            attract = np.array([self._attract_weight[j] / km for j, km in front])
            w = attract**focus
            total = w.sum()
            w = w / total if total > 0 else np.full(len(front), 1.0 / len(front))
            lines.shares[k] = (focus, w.tolist())
        return lines.shares[k][1]

    def battle(self) -> None:
        """R7: each active force splits its effort over the regime places next to it."""
        m = self.model
        cp, up = m.p.combat, m.p.actors.units
        forces = m.force_list
        if self._noise is None:
            shape = (len(forces), len(self.c.names))
            self._noise = DailyNoise(lambda: m.streams["combat"], shape, m.horizon)
        noise = self._noise.day(m.day)
        sd = cp.noise_sd
        lines = self.lines()
        self._allocate_allies(lines.contested)
        # Plain lists: for a few places, Python is faster than many tiny numpy operations.
        answering = m.garrison.answering.tolist()
        garrison0 = m.garrison.garrison0_list
        air = 1.0 + cp.air_power_multiplier * m.russia.support
        r7, r10 = m.on("R7"), m.on("R10")
        captures: dict[int, tuple[float, object]] = {}
        for k, (f, front) in enumerate(zip(forces, lines.fronts, strict=True)):
            if not front or f.halted:  # R9: a halted force takes no place, unopposed or not
                continue
            strength = f.effective_strength
            z = noise[k].tolist()  # standard normal: sd * z[j] is the normal(0, sd) draw
            shares = self.target_shares(k, f.params.focus)
            lead = max(shares)
            for (j, km), share in zip(front, shares, strict=True):
                g0 = garrison0[j]
                # A garrison that has stopped answering lets the attacker in unopposed, unless
                # allied fighters hold the place (the article's "little resistance" is the
                # Syrian army's; Hezbollah or the PMF would still have to be fought).
                allied = self.allied_at.get(j, 0.0)
                unopposed = (
                    strength > 0 and g0 > 0 and not allied and answering[j] / g0 < cp.collapse_share
                )
                if unopposed:
                    # R10: nobody fights, but a column still has the road to cover; the force
                    # sends its columns first where it aims most (its largest share).
                    if r10:
                        f.progress[j] += cp.unopposed_km_per_day * (share / lead)
                    else:  # without R10 a column is there the day the garrison goes quiet
                        f.progress[j] = km
                elif r7:
                    # R7 defence: responsive strength, allied fighters and Russian air power.
                    defense = (answering[j] * up.readiness + allied) * air
                    f.progress[j] += rules.advance_km(
                        strength * share,
                        defense,
                        cp.max_advance_km_per_day,
                        cp.ratio_exponent,
                        sd * z[j],
                    )
                ratio = f.progress[j] / km
                if ratio >= 1.0 and ratio > captures.get(j, (0.0, None))[0]:
                    captures[j] = (ratio, f)
        for j, (_, f) in sorted(captures.items()):
            self.capture(j, f.code, f.key, "taken", f)
        if self.c.capital in captures:  # after the day's captures, which happen together
            m.russia.coordinate_after_fall()
        self.abandon()

    def abandon(self) -> None:
        """R7: a collapsed garrison next to a non-agent holder's own area passes to it.

        Only places next to what that holder (the SDF) held at the start: it takes over what
        the army leaves at its edge, and does not spread from one abandoned place to the next.
        """
        cs = self.model.p.combat.collapse_share
        garrison = self.model.garrison
        checked = (garrison.version, self.version, cs)
        if checked == self._abandon_checked:  # no garrison or holder changed since
            return
        start = self._start
        holder, answering = self.holder.tolist(), garrison.answering.tolist()
        for i, edge in self._static_edges:
            g0 = garrison.garrison0_list[i]
            if holder[i] != 0 or g0 <= 0 or answering[i] / g0 >= cs:
                continue
            static = [holder[j] for j in edge if holder[j] == start[j]]  # still its own
            if static:
                code = min(static)
                self.capture(i, code, HOLDERS[code], "garrison withdrew", None)
                holder, answering = self.holder.tolist(), garrison.answering.tolist()
        self._abandon_checked = (garrison.version, self.version, cs)

    def capture(self, place: int, code: int, actor: str, how: str, force) -> None:
        """R7: a place changes hands; units there retreat toward the capital or dissolve."""
        m, g = self.model, self.model.garrison
        name = self.c.names[place]
        self.holder[place] = code
        self.version += 1
        self.lines_moved()
        if self.fall_day[place] < 0:
            self.fall_day[place] = m.day
        for f in m.force_list:
            f.progress[place] = 0.0
        here = g.alive & (g.place == place)
        if force is not None:
            force.captured(float(np.add.reduce(g.strength[here])) * m.p.actors.units.readiness)
        retreat = self.retreat_target(place)
        if retreat is not None:
            keep = here & g.responsive
            g.place[keep] = retreat
            g.alive ^= here ^ keep  # those here that no longer answered dissolve
            outcome = f"{how}; responsive units fell back to {self.c.names[retreat]}"
        else:
            g.alive[here] = False
            outcome = f"{how}; garrison dissolved"
        g.refresh()
        m.log(actor, "holder_change", name, "", outcome, "R7")

    def capital_threat(self) -> float:
        """R4: the threat to the capital as its leader sees it, 0..1.

        Zero unless an advancing (not halted) force is next to the capital; then the larger
        of how far its column has come along the road and the share of the capital's own
        garrison that has stopped answering.
        """
        lines = self.lines()
        if not lines.capital_contested:  # no force next to it: the capital is on no front
            return 0.0
        cap = self.c.capital
        threat = 0.0
        for f, front in zip(self.model.force_list, lines.fronts, strict=True):
            if f.halted:
                continue
            for j, km in front:
                if j == cap:
                    quiet = 1.0 - self.model.garrison.share(cap)
                    threat = max(threat, min(1.0, float(f.progress[j]) / km), quiet)
        return threat

    def hand_over(self, place: int) -> None:
        """R4: an agreed transition hands a place to the transitional authority, unfought.

        The units there pass to it with the place: they leave the regime's army.
        """
        m, g = self.model, self.model.garrison
        self.holder[place] = HOLDERS.index(TRANSITIONAL)
        self.version += 1
        self.lines_moved()
        if self.fall_day[place] < 0:
            self.fall_day[place] = m.day
        for f in m.force_list:
            f.progress[place] = 0.0
        g.alive[g.alive & (g.place == place)] = False
        g.refresh()
        m.log(
            TRANSITIONAL, "holder_change", self.c.names[place], "", "handed over by agreement", "R4"
        )

    def retreat_target(self, place: int) -> int | None:
        """The regime-held neighbour closest to the capital, if any."""
        holder = self.holder.tolist()
        dist = self._dist_to_capital
        options = [(dist[j], j) for j, _ in self.c.neighbours[place] if holder[j] == 0]
        return min(options)[1] if options else None
