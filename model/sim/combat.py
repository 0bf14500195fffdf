"""Who holds each place, the front lines, and battle at contested places (rules R2, R7).

Most days no place changes hands, so the front lines are computed once and kept until a
capture or a force joining the fighting calls ``Battlefield.lines_moved``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mesa
import numpy as np

from model.config.schema import HOLDERS, TRANSITIONAL
from model.sim import rules
from model.sim.forces import REGIME
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
        attacker: Per place on a front, the first force (by index) whose front it is on.
        any_front: Whether any force has a place it can attack.
    """

    regime_population: float
    fronts: list[list[tuple[int, float]]]
    contested: list[int]
    threat: np.ndarray
    capital_contested: bool
    shares: dict[int, tuple[float, list[float]]]
    attacker: dict[int, int]
    any_front: bool


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
        # Who first took each place from its holder at the start (-1: nobody yet).
        self.taken_by = np.full(len(c.names), -1, dtype=np.int8)
        self.regime_gone_day = -1  # the first day the regime held no place
        self._attract_weight = c.attract_weight.tolist()
        self._lines: FrontLines | None = None
        # What follows from the holders alone is the same in every run with the same setup
        # that reaches the same holders: it is kept with the compiled scenario
        # (``Compiled.store``), under the holders and the parameter it also reads (``_state``).
        self._state_key: tuple | None = None
        self._memo = c.store(model.setup)
        # Per force code, the army's withdrawal it sees, with the garrison version it was
        # computed for; the share of major cities lost.
        self._left_near: dict[int, tuple[int, float]] = {}
        self._fallen_share: float | None = None
        self.allied_at: dict[int, float] = {}
        # R7's battle noise: standard normal, one per force and place and day (set up in
        # ``battle``: the forces do not exist yet).
        self._noise: DailyNoise | None = None
        self._around_capital = [j for j, _ in c.neighbours[c.capital]]
        self._dist_to_capital = c.dist_to_capital.tolist()
        self._major = list(c.major)
        self.version = 0  # counts changes of holder
        self.end_day: int | None = None  # R15: the day the regime's end began

    def lines_moved(self) -> None:
        """Forget the front lines: a place changed hands, or a force joined the fighting."""
        self._lines = None
        self.forget_reach()

    def forget_reach(self) -> None:
        """Forget what follows from the holders alone (a place changed hands, or a parameter)."""
        self._state_key = None
        self._left_near.clear()
        self._fallen_share = None

    def _state(self) -> tuple:
        """What the fronts depend on besides the forces: the holders and ``present_km``."""
        if self._state_key is None:
            self._state_key = (self.holder.tobytes(), self.model.p.combat.present_km)
        return self._state_key

    def lines(self) -> FrontLines:
        """R7: the fronts, and what depends on them, for today's holders and forces.

        Shared by every run of the scenario that reaches the same holders and active
        forces: nobody may change them.
        """
        if self._lines is None:
            active = tuple(f.active for f in self.model.force_list)
            self._lines = self._memo.remember(("lines", active, *self._state()), self._draw_lines)
        return self._lines

    def reach(self, f, holder: list[int]) -> dict[int, float]:
        """R7: the places force ``f`` can attack today, with the km to cover to each.

        Places of its enemies within its scope that are next to a place it holds (the
        shortest road) or that its fighters are already in (``present_km``); and, under R8,
        the capital held by a force that defers to ``f``, to be handed over on arrival.
        Shared like ``lines``: the caller must not change it.
        """
        return self._memo.remember(
            ("reach", f.code, *self._state()), lambda: self._reach_of(f, holder)
        )

    def _reach_of(self, f, holder: list[int]) -> dict[int, float]:
        best: dict[int, float] = {}
        code, enemies, neighbours = f.code, f.enemies, self.c.neighbours
        for i, h in enumerate(holder):
            if h == code:
                for j, km in neighbours[i]:
                    if holder[j] in enemies and km < best.get(j, math.inf) and f.acts_on(j):
                        best[j] = km
        if f.present:
            km = self.model.p.combat.present_km
            for j in f.present:
                if holder[j] in enemies and km < best.get(j, math.inf) and f.acts_on(j):
                    best[j] = km
        cap = self.c.capital
        if self.model.on("R8") and holder[cap] != code:
            keeper = self.model.force_by_code.get(holder[cap])
            if keeper is not None and keeper.defers_to == f.key:
                km = min((k for i, k in neighbours[cap] if holder[i] == code), default=None)
                if km is not None:
                    best[cap] = km
        return best

    def _draw_lines(self) -> FrontLines:
        # Plain lists: for a few places, Python is faster than many tiny numpy operations.
        holder = self.holder.tolist()
        forces = self.model.force_list
        fronts: list[list[tuple[int, float]]] = []
        contested: list[int] = []
        for f in forces:
            front = sorted(self.reach(f, holder).items()) if f.active else []
            fronts.append(front)
            contested.extend(j for j, _ in front if j not in contested and holder[j] == REGIME)
        # Units see an attacker at the regime's places that are on an active front.
        threat = np.zeros(len(holder))
        threat[contested] = 1.0
        threat.flags.writeable = False  # shared (``lines``)
        cap = self.c.capital
        return FrontLines(
            regime_population=float(self.c.population[self.holder == REGIME].sum()),
            fronts=fronts,
            contested=contested,
            threat=threat,
            capital_contested=holder[cap] == REGIME and cap in contested,
            shares={},
            attacker={j: k for k in reversed(range(len(fronts))) for j, _ in fronts[k]},
            any_front=any(fronts),
        )

    def major_fallen_share(self) -> float:
        """R11: the share of the major cities no longer regime-held (what everyone sees)."""
        if self._fallen_share is None:
            holder = self.holder.tolist()
            major = self._major
            self._fallen_share = (
                sum(holder[i] != REGIME for i in major) / len(major) if major else 0.0
            )
        return self._fallen_share

    def army_left_near(self, f) -> float:
        """R11: how far the army has stopped answering around the places ``f`` could take.

        The largest share, over the regime places it could attack today, of the army's
        strength at and next to that place that no longer answers (``nearby_quiet``).
        """
        if REGIME not in f.enemies:
            return 0.0
        g = self.model.garrison
        seen = self._left_near.get(f.code)
        if seen is not None and seen[0] == g.version:  # neither holders nor units changed
            return seen[1]
        targets = self._memo.remember(
            ("regime_targets", f.code, *self._state()), lambda: self._regime_targets(f)
        )
        near = g.nearby_quiet_list()
        left = max((near[j] for j in targets), default=0.0)
        self._left_near[f.code] = (g.version, left)
        return left

    def _regime_targets(self, f) -> tuple[int, ...]:
        holder = self.holder.tolist()
        return tuple(j for j in self.reach(f, holder) if holder[j] == REGIME)

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
        """R7: each active force splits its effort over the places it can attack."""
        m = self.model
        lines = self.lines()
        self._allocate_allies(lines.contested)
        if not lines.any_front:  # nobody can attack anything today (the noise is by day)
            self.regime_end()
            return
        cp, up = m.p.combat, m.p.actors.units
        forces = m.force_list
        if self._noise is None:
            shape = (len(forces), len(self.c.names))
            self._noise = DailyNoise(lambda: m.streams["combat"], shape)
        noise = self._noise.day(m.day)
        sd = cp.noise_sd
        # Plain lists: for a few places, Python is faster than many tiny numpy operations.
        holder = self.holder.tolist()
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
                h = holder[j]
                keeper = None if h == REGIME else m.force_by_code.get(h)
                g0 = garrison0[j]
                allied = self.allied_at.get(j, 0.0)
                if keeper is not None:
                    # R8: a place held by a force that defers to this one is handed over on
                    # arrival; another force's place is defended by its fighters there.
                    unopposed = f.key == keeper.defers_to
                else:
                    # A garrison that has stopped answering lets the attacker in unopposed,
                    # unless allied fighters hold the place (the article's "little resistance"
                    # is the Syrian army's; Hezbollah or the PMF would still have to be fought).
                    unopposed = (
                        strength > 0
                        and not allied
                        and (g0 <= 0 or answering[j] / g0 < cp.collapse_share)
                    )
                if unopposed:
                    # R10: nobody fights, but a column still has the road to cover; the force
                    # sends its columns first where it aims most (its largest share).
                    if r10:
                        f.progress[j] += cp.unopposed_km_per_day * (share / lead)
                    else:  # without R10 a column is there the day the garrison goes quiet
                        f.progress[j] = km
                elif r7:
                    if keeper is not None:
                        defense = keeper.defense_at(j)
                    else:  # responsive strength, allied fighters and Russian air power
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
            h = holder[j]
            how = "taken"
            if h != REGIME and m.force_by_code[h].defers_to == f.key:
                how = f"handed over by the {HOLDERS[h]}"
            self.capture(j, f.code, f.key, how, f, rule="R8" if how != "taken" else "R7")
        if captures.get(self.c.capital) and holder[self.c.capital] == REGIME:
            m.russia.coordinate_after_fall()  # after the day's captures, which happen together
        self.regime_end()

    def regime_end(self) -> None:
        """R15: once the leader has gone and the capital is lost, the regime's places pass on.

        A regime place whose garrison has gone passes to the nearest force able to take it
        (active, not halted, the place within its scope), once that force's column could have
        covered the road from its nearest place at the unopposed pace (R10). Places on a
        force's front are taken in battle as before; this reaches those on nobody's front.
        """
        m = self.model
        if self.end_day is None or self.regime_gone_day >= 0 or not m.on("R15"):
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

    def capture(self, place: int, code: int, actor: str, how: str, force, rule: str = "R7") -> None:
        """R7: a place changes hands; units there retreat toward the capital or dissolve."""
        m, g = self.model, self.model.garrison
        name = self.c.names[place]
        was_regime = self.holder[place] == REGIME
        self._changed(place, code)
        here = g.alive & (g.place == place)
        if force is not None:
            force.captured(float(np.add.reduce(g.strength[here])) * m.p.actors.units.readiness)
        if was_regime:
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
        else:
            outcome = f"{how} from the {HOLDERS[self.holder_before]}"
        m.log(actor, "holder_change", name, "", outcome, rule)

    def _changed(self, place: int, code: int) -> None:
        """Record a change of holder and what follows from it for every force."""
        m = self.model
        self.holder_before = int(self.holder[place])
        self.holder[place] = code
        self.version += 1
        self.lines_moved()
        if self.fall_day[place] < 0:
            self.fall_day[place] = m.day
            self.taken_by[place] = code
        for f in m.force_list:
            f.progress[place] = 0.0
        if (
            self.regime_gone_day < 0
            and self.holder_before == REGIME
            and REGIME not in self.holder.tolist()
        ):
            self.regime_gone_day = m.day

    def capital_threat(self) -> float:
        """R4: the threat to the capital as its leader sees it, 0..1.

        Zero unless an advancing (not halted) force is next to the capital; then the larger
        of how far its column has come along the road and the share of the capital's own
        garrison that has stopped answering. Once that garrison has gone quiet, a column
        counts as far as it could march unopposed today (R10): one that will be in by
        nightfall is already at the gates.
        """
        lines = self.lines()
        if not lines.capital_contested:  # no force next to it: the capital is on no front
            return 0.0
        m = self.model
        cap = self.c.capital
        quiet = 1.0 - m.garrison.share(cap)
        collapsed = m.garrison.collapsed(cap, m.p.combat.collapse_share) and m.on("R10")
        today = m.p.combat.unopposed_km_per_day if collapsed else 0.0
        threat = 0.0
        for f, front in zip(m.force_list, lines.fronts, strict=True):
            if f.halted:
                continue
            for j, km in front:
                if j == cap:
                    threat = max(threat, min(1.0, (f.progress[j] + today) / km), quiet)
        return threat

    def hand_over(self, place: int) -> None:
        """R4: an agreed transition hands a place to the transitional authority, unfought.

        The units there pass to it with the place: they leave the regime's army.
        """
        m, g = self.model, self.model.garrison
        self._changed(place, HOLDERS.index(TRANSITIONAL))
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
