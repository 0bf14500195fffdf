"""Who holds each place, the front lines, and battle at contested places (rules R2, R7).

Most days no place changes hands, so the front lines are computed once and kept until a
capture or a force joining the fighting calls ``Battlefield.lines_moved``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mesa
import numpy as np

from model.config.schema import HOLDER_LABELS, HOLDERS, TRANSITIONAL
from model.sim import rules
from model.sim.endgame import Endgame
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


class Battlefield(Endgame):
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
        # computed for; per holder, the share of the major cities it took.
        self._left_near: dict[int, tuple[int, float]] = {}
        self._taken_share: tuple[int, dict[int, float]] | None = None
        self.allied_at: dict[int, float] = {}
        self.guarded: set[int] = set()  # R18: places allied fighters guard without fighting
        # R7's battle noise: standard normal, one per force and place and day (set up in
        # ``battle``: the forces do not exist yet).
        self._noise: DailyNoise | None = None
        self._around_capital = [j for j, _ in c.neighbours[c.capital]]
        self._dist_to_capital = c.dist_to_capital.tolist()
        self._major = list(c.major)
        self.version = 0  # counts changes of holder
        self.first_major_fall: int | None = None  # R1: the day a major city was first lost
        self.end_day: int | None = None  # R15: the day the regime's end began
        # R19: (force code, place) -> the holder it has come to take that place from.
        self.arrived: dict[tuple[int, int], int] = {}

    def lines_moved(self) -> None:
        """Forget the front lines: a place changed hands, or a force joined the fighting."""
        self._lines = None
        self.forget_reach()

    def forget_reach(self) -> None:
        """Forget what follows from the holders alone (a place changed hands, or a parameter)."""
        self._state_key = None
        self._left_near.clear()

    def _state(self) -> tuple:
        """What the fronts depend on besides the forces.

        The holders, ``present_km`` and the columns that have come to turn on another force
        after the regime's end (R19).
        """
        if self._state_key is None:
            self._state_key = (
                self.holder.tobytes(),
                self.model.p.combat.present_km,
                tuple(sorted(self.arrived)),
            )
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
        for (k, j), enemy in self.arrived.items():  # R19: a column come to turn on a force
            if k == code and holder[j] == enemy:
                best[j] = min(best.get(j, math.inf), self.model.p.combat.present_km)
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

    def major_share_taken_by(self, code: int) -> float:
        """R11: the share of the major cities holder ``code`` has taken (what others see)."""
        if self._taken_share is None or self._taken_share[0] != self.version:
            taken = self.taken_by[self._major].tolist()
            n = max(len(taken), 1)
            self._taken_share = (self.version, {h: taken.count(h) / n for h in set(taken)})
        return self._taken_share[1].get(code, 0.0)

    def army_left_near(self, f) -> float:
        """R11: how far the army has stopped answering at the places ``f`` could take.

        The share of the army's day-0 strength at the regime places it could attack today
        that no longer answers: what a local actor sees of the garrisons in its own area,
        not of the army elsewhere.
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
        g0 = g.garrison0_list
        there = sum(g0[j] for j in targets)
        left = 1.0 - sum(g.answering[j] for j in targets) / there if there > 0 else 0.0
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
        """R2: allied fighters go where the fighting is, within the reach they were given.

        R18: Hezbollah's limited force guards its own positions instead (``guarded``: not
        entered unopposed, but defended by nobody but the army); the Iraqi militias reinforce
        the place the opposition presses hardest.
        """
        self.allied_at = {}
        hz, m = self.model.hezbollah, self.model
        self.guarded = set(hz.positions()) if hz.guarding else set()
        if hz.deployed > 0 and not self.guarded:
            where = [p for p in contested if p in hz.reach]
            for p in where:
                self.allied_at[p] = self.allied_at.get(p, 0.0) + hz.deployed / len(where)
        pmf = self.model.iraq.allied_fighters()
        if pmf > 0 and contested:
            for p in contested:
                self.allied_at[p] = self.allied_at.get(p, 0.0) + pmf / len(contested)
        if m.iran.militias > 0 and contested:
            j = self._hardest_pressed(contested)
            self.allied_at[j] = self.allied_at.get(j, 0.0) + m.iran.militias

    def _hardest_pressed(self, contested: list[int]) -> int:
        """R18: the regime place on a front that the most attacking strength is aimed at."""
        lines, effort = self.lines(), dict.fromkeys(contested, 0.0)
        for k, f in enumerate(self.model.force_list):
            if lines.fronts[k]:
                shares = self.target_shares(k, f.params.focus)
                for (j, _), share in zip(lines.fronts[k], shares, strict=True):
                    if j in effort:
                        effort[j] += f.effective_strength * share
        return max(contested, key=lambda j: (effort[j], -j))

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
                        and j not in self.guarded
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
                how = f"handed over by the {HOLDER_LABELS[HOLDERS[h]]}"
            self.capture(j, f.code, f.key, how, f, rule="R8" if how != "taken" else "R7")
        if captures.get(self.c.capital) and holder[self.c.capital] == REGIME:
            m.russia.coordinate_after_fall()  # after the day's captures, which happen together
        self.regime_end()

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
            outcome = f"{how} from the {HOLDER_LABELS[HOLDERS[self.holder_before]]}"
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
            if self.first_major_fall is None and place in self._major:
                self.first_major_fall = m.day
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
