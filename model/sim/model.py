"""The Mesa model: one day per step, from the scenario's start date to its horizon.

No I/O and no plotting here: ``simulate`` returns arrays and an event list; the runner
writes files. Every random draw comes from a named stream spawned from the run's seed.
"""

from __future__ import annotations

import copy
import datetime as dt
import heapq
from collections.abc import Callable
from dataclasses import dataclass

import mesa
import numpy as np

from model.config.schema import HOLDERS, OPPOSITION, PATRONS, Scenario
from model.sim import rules
from model.sim.agents import (
    DohaParticipants,
    Hezbollah,
    Insider,
    Iran,
    Iraq,
    Leadership,
    OppositionForce,
    Russia,
    Turkey,
    Unit,
)
from model.sim.compiled import Compiled, compile_scenario
from model.sim.outputs import METRICS, Event, RunResult

FORCES = OPPOSITION



# Streams are keyed by position, so adding a stream at the end never shifts the others.
STREAMS = (
    "regime",
    "insiders",
    "unit_thresholds",
    "unit_daily",
    "combat",
    "turkey",
    "iraq",
    "iran",
    "hezbollah",
    "russia",
    "doha",
)



class Streams(dict):
    """The run's named random streams, each spawned from the run's seed on first use.

    A stream's numbers depend only on the seed and the stream's position in ``STREAMS``, so
    creating it late changes nothing; a run does not pay for streams it never draws from.
    """

    def __init__(self, seed: int):
        super().__init__()
        self.seed = int(seed)

    def __missing__(self, name: str) -> np.random.Generator:
        if name not in STREAMS:
            raise KeyError(name)
        k = STREAMS.index(name)
        rng = self[name] = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(k,)))
        return rng



@dataclass
class FrontLines:
    """What follows from who holds each place and which forces fight.

    Most days no place changes hands, so this is computed once and kept until a capture or
    a force joining the fighting calls ``SyriaModel.front_lines_moved``.

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



class SyriaModel(mesa.Model):
    """Agent-based model of the regime's last days.

    Args:
        scenario: A validated scenario, or one already compiled (faster for ensembles).
        seed: The run's seed; every stream is spawned from it.
    """

    def __init__(self, scenario: Scenario | Compiled, seed: int = 0):
        super().__init__(seed=seed)
        c = scenario if isinstance(scenario, Compiled) else compile_scenario(scenario)
        self.c = c
        # A run that changes parameters mid-way gets its own copy: the compiled scenario is
        # shared by every run in the process. Agents hold references into this tree, so the
        # copy must exist before they are created.
        self.p = copy.deepcopy(c.p) if c.interventions else c.p
        self.seed_value = int(seed)
        self.streams = Streams(seed)
        self.pins = c.p.decisions
        self.day = -1
        self.holder_code = {h: i for i, h in enumerate(HOLDERS)}
        self.holder = c.start_holder.copy()
        self.fall_day = np.full(len(c.names), -1, dtype=np.int16)
        self.events: list[Event] = []
        self._agenda: list[tuple[int, int, Callable[[], None]]] = []
        self._seq = 0
        for day, changes in c.interventions:  # queued first: they act before same-day news
            self._seq += 1
            heapq.heappush(self._agenda, (day, self._seq, lambda ch=changes: self.intervene(ch)))
        self.command_broken = False
        self.astana_held = False

        up = self.p.actors.units
        n = len(c.unit_place)
        self.unit_place = c.unit_place.copy()
        theta = self.streams["unit_thresholds"].normal(up.threshold_mean, up.threshold_sd, n)
        self.unit_theta = np.clip(theta, 0.0, None)
        self.unit_strength = np.full(n, up.nominal_total / max(n, 1))
        self.unit_responsive = np.ones(n, dtype=bool)
        self.unit_alive = np.ones(n, dtype=bool)
        self.garrison0 = np.bincount(self.unit_place, self.unit_strength, len(c.names))
        self.answering = self.garrison0.copy()
        self.quiet_logged = np.zeros(len(c.names), dtype=bool)
        self.total_strength0 = float(self.unit_strength.sum())
        self._garrison0 = self.garrison0.tolist()
        seen = c.adjacency @ self.garrison0  # the day-0 strength each place can see
        self._seen_or_one = np.where(seen > 0, seen, 1.0)
        self._attract_weight = c.attract_weight.tolist()
        # Views kept until their inputs change: ``refresh_answering``, ``front_lines_moved``.
        self._answering_total: float | None = None
        self._nearby: np.ndarray | None = None
        self._lines: FrontLines | None = None
        self.regime_pop0 = float(c.population[self.holder == 0].sum())
        self.population_total = float(c.population.sum())
        # Each unit is a Mesa agent in ``self.agents``; its state is its row in the arrays above.
        for i in range(n):
            Unit(self, i)

        self.leadership = Leadership(self)
        self.insiders = [Insider(self, spec) for spec in self.p.actors.insiders]
        self.north = OppositionForce(self, "northern_opposition")
        self.south = OppositionForce(self, "southern_command")
        self.forces = [self.north, self.south]
        self.turkey = Turkey(self)
        self.iraq = Iraq(self)
        self.iran = Iran(self)
        self.hezbollah = Hezbollah(self)
        self.russia = Russia(self)
        self.doha = DohaParticipants(self)
        self.patrons = mesa.agent.AgentSet(
            [self.russia, self.iran, self.hezbollah, self.iraq, self.turkey], random=self.random
        )
        self.observers = mesa.agent.AgentSet(
            [self.leadership, *self.patrons, self.doha], random=self.random
        )
        self.patrons.do("update_support")
        self._patrons_in_order = [getattr(self, k) for k in PATRONS]  # the order of METRICS
        self._set_signal_weights()
        self.signal0 = self.patron_signal()
        self.actual_viability = 1.0
        self.horizon = self.p.horizon_days
        self.metrics = np.zeros((self.horizon, len(METRICS)))
        self.holders = np.zeros((self.horizon, len(c.names)), dtype=np.int8)

    # ------------------------------------------------------------------ utilities

    def log(self, actor: str, kind: str, target: str, channel: str, outcome: str, rule: str):
        """Append one entry to the event log."""
        self.events.append((self.day, actor, kind, target, channel, outcome, rule))

    def schedule(self, delay: int, action: Callable[[], None]) -> None:
        """Run ``action`` at the start of the day ``delay`` days from now (0: later today)."""
        self._seq += 1
        heapq.heappush(self._agenda, (self.day + max(int(delay), 0), self._seq, action))

    def decide(self, decision: str, probability: float, stream: str) -> bool:
        """Draw a decision from the actor's stream; a scenario pin overrides the draw.

        The draw is made even when pinned, so pinning one decision does not shift the
        random numbers of any other.
        """
        u = self.streams[stream].random()
        pin = self.pins.get(decision, "auto")
        if pin == "auto":
            return bool(u < probability)
        return pin == "accept"

    def intervene(self, changes: dict) -> None:
        """Apply a scenario's scheduled parameter changes (not a rule: the user's what-if)."""
        for path, value in changes.items():
            *parents, leaf = path.split(".")
            node = self.p
            for part in parents:
                node = getattr(node, part)
            setattr(node, leaf, value)
            self.log("scenario", "intervention", path, "", f"set to {value}", "S")
        self._set_signal_weights()

    def _set_signal_weights(self) -> None:
        w = self.p.actors.units.patron_signal_weights
        self._signal_w = np.array([w.get(k, 0.0) for k in PATRONS])
        self._signal_sum = float(self._signal_w.sum()) or 1.0

    def date(self, day: int) -> dt.date:
        """The calendar date of a day number."""
        return self.p.start_date + dt.timedelta(days=day)

    def first_open_route(self, names: list[str]) -> str | None:
        """R6: the first exit route whose every required place is regime-held."""
        for name in names:
            req = self.p.exit_routes[name].requires
            if all(self.holder[self.c.index[r]] == 0 for r in req):
                return name
        return None

    def garrison_share(self, place: int) -> float:
        """Share of a place's day-0 garrison strength that is there and still answering."""
        g0 = self.garrison0[place]
        return float(self.answering[place] / g0) if g0 > 0 else 0.0

    def refresh_answering(self) -> None:
        """Recount, per place, the strength of units alive and answering commands."""
        alive_answering = self.unit_responsive & self.unit_alive
        self.answering = np.bincount(
            self.unit_place, self.unit_strength * alive_answering, len(self.c.names)
        )
        self._answering_total = None
        self._nearby = None

    def front_lines_moved(self) -> None:
        """Forget the front lines: a place changed hands, or a force joined the fighting."""
        self._lines = None

    def front_lines(self) -> FrontLines:
        """R7: the fronts, and what depends on them, for today's holders and forces."""
        if self._lines is None:
            self._lines = self._draw_front_lines()
        return self._lines

    def _draw_front_lines(self) -> FrontLines:
        # Plain lists: for a few places, Python is faster than many tiny numpy operations.
        holder = self.holder.tolist()
        fronts: list[list[tuple[int, float]]] = []
        contested: list[int] = []
        for f in self.forces:
            best: dict[int, float] = {}
            if f.active:
                for i, h in enumerate(holder):
                    if h != f.code:
                        continue
                    for j, km in self.c.neighbours[i]:
                        if holder[j] == 0 and km < best.get(j, np.inf):
                            best[j] = km
            front = sorted(best.items())
            fronts.append(front)
            contested.extend(j for j, _ in front if j not in contested)
        # The contested places are exactly those next to a place an active force holds.
        threat = np.zeros(len(holder))
        threat[contested] = 1.0
        around = [holder[j] for j, _ in self.c.neighbours[self.c.capital]]
        return FrontLines(
            regime_population=float(self.c.population[self.holder == 0].sum()),
            fronts=fronts,
            contested=contested,
            threat=threat,
            capital_contested=any(f.active and f.code in around for f in self.forces),
            shares={},
        )

    def capital_contested(self) -> bool:
        """Whether an active opposition force holds a place next to the capital."""
        return self.front_lines().capital_contested

    def forces_at_capital(self) -> list[OppositionForce]:
        """Opposition forces holding the capital or a place next to it."""
        cap = self.c.capital
        places = [cap, *(j for j, _ in self.c.neighbours[cap])]
        return [f for f in self.forces if any(self.holder[j] == f.code for j in places)]

    def patron_signal(self) -> float:
        """R5: the patron support units see, weighted (Russia most, per the article)."""
        s = np.array([a.support for a in self._patrons_in_order])
        return float(self._signal_w @ s) / self._signal_sum

    # ------------------------------------------------------------------ diplomacy hooks

    def astana_round(self) -> None:
        """R1/R3: the Astana-format round (Doha): ceasefire, reining in, a transition."""
        if self.astana_held:
            return
        self.astana_held = True
        self.log("doha_participants", "meeting", "", "doha", "Astana-format round held", "R3")
        ip = self.p.actors.iran
        if self.iran.belief < ip.ceasefire_threshold:
            self.log("iran", "proposal", "turkey", "doha", "ceasefire and dialogue", "R3")
            reins = self.turkey.grants("turkey_reins_in_opposition", self.turkey.condition_met())
            self.log(
                "turkey",
                "answer",
                "iran",
                "doha",
                "agreed to rein in the opposition"
                if reins
                else "rejected reining in the opposition",
                "R1",
            )
            if self.decide("ceasefire_accepted", 1.0 if reins else 0.0, "doha"):
                self.log("doha_participants", "agreement", "", "doha", "ceasefire accepted", "R3")
                for f in self.forces:
                    f.halt("ceasefire")
        if self.doha.discuss_transition():
            self.log("doha_participants", "discussion", "", "doha", "transitional body", "R3")
            self.iran.belief = max(0.0, self.iran.belief - ip.transition_signal)

    def transition_agreed(self) -> None:
        """R1: a transition meets Turkey's condition; the forces' aim is met, so they halt."""
        for f in self.forces:
            f.halt("transition agreed")
        self.turkey.press_halt()

    # ------------------------------------------------------------------ the day

    def step(self) -> None:
        """One day: messages arrive, actors observe and decide, units choose, battles."""
        self.day += 1
        while self._agenda and self._agenda[0][0] <= self.day:
            _, _, action = heapq.heappop(self._agenda)
            action()
        self.actual_viability = self.viability()
        self.observers.do("observe")
        for f in self.forces:
            f.update()
        self.leadership.appeal()
        self.iran.act()
        self.russia.consider_offer()
        while self._agenda and self._agenda[0][0] <= self.day:  # same-day consequences
            _, _, action = heapq.heappop(self._agenda)
            action()
        self.patrons.do("update_support")
        self.cascade()
        self.leadership.consider_flight()
        for ins in self.insiders:
            ins.consider_exit()
        self.battle()
        self.record()

    def viability(self) -> float:
        """R4: the regime's actual viability: population held and units answering."""
        wp = self.p.actors.regime.viability_weight_population
        pop = self.regime_population() / self.regime_pop0
        units = self.responsive_strength() / self.total_strength0
        return wp * pop + (1.0 - wp) * units

    def regime_population(self) -> float:
        """Population of the places the regime holds."""
        return self.front_lines().regime_population

    def responsive_strength(self) -> float:
        """Nominal strength of units that are alive and answering."""
        if self._answering_total is None:
            self._answering_total = float(self.answering.sum())
        return self._answering_total

    def nearby_quiet(self) -> np.ndarray:
        """Per place, the share of the day-0 strength nearby that no longer answers.

        Nearby is the place and its neighbours; units see the units around them, not empty
        places, so the share is weighted by strength.
        """
        if self._nearby is None:  # reset whenever ``answering`` changes
            quiet = np.maximum(self.garrison0 - self.answering, 0.0)
            # Where nothing is seen, nothing is quiet either: 0 / 1 gives the share 0.
            self._nearby = (self.c.adjacency @ quiet) / self._seen_or_one
        return self._nearby

    def cascade(self) -> None:
        """R5: each responsive unit compares today's pressure with its own threshold."""
        up = self.p.actors.units
        momentum = max(f.momentum for f in self.forces)
        drop = max(0.0, 1.0 - self.patron_signal() / self.signal0) if self.signal0 > 0 else 0.0
        pressure = rules.unit_pressure(
            self.nearby_quiet(),
            self.front_lines().threat,
            momentum,
            drop,
            self.command_broken,
            up.weight_nearby,
            up.weight_momentum,
            up.weight_patron,
            up.weight_command,
            up.weight_threat,
        )
        noise = self.streams["unit_daily"].normal(0.0, up.noise_sd, len(self.unit_place))
        flips = self.unit_responsive & self.unit_alive
        flips &= pressure[self.unit_place] + noise > self.unit_theta
        if flips.any():  # otherwise ``answering`` is already up to date
            self.unit_responsive &= ~flips
            self.refresh_answering()
        cs = self.p.combat.collapse_share
        holder = self.holder.tolist()
        for i, (a, g0) in enumerate(zip(self.answering.tolist(), self._garrison0, strict=True)):
            if a < cs * g0 and g0 > 0 and not self.quiet_logged[i]:
                self.quiet_logged[i] = True
                if holder[i] == 0:
                    self.log(
                        "units",
                        "unresponsive",
                        self.c.names[i],
                        "",
                        "garrison stopped answering",
                        "R5",
                    )

    def _allocate_allies(self, contested: list[int]) -> None:
        """R2: allied fighters go where the fighting is, within the reach they were given."""
        self._allied_at: dict[int, float] = {}
        hz = self.hezbollah
        if hz.deployed > 0:
            where = [p for p in contested if p in hz.reach]
            for p in where:
                self._allied_at[p] = self._allied_at.get(p, 0.0) + hz.deployed / len(where)
        pmf = self.iraq.allied_fighters()
        if pmf > 0 and contested:
            for p in contested:
                self._allied_at[p] = self._allied_at.get(p, 0.0) + pmf / len(contested)

    def target_shares(self, k: int) -> list[float]:
        """R7: how force ``k`` splits its effort over its front.

        Each target weighs its population times its strategic weight over the km to cover,
        raised to the force's ``focus``; the shares sum to 1.
        """
        lines, focus = self.front_lines(), self.forces[k].params.focus
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
        cp, up = self.p.combat, self.p.actors.units
        n_places = len(self.c.names)
        noise = self.streams["combat"].normal(0.0, cp.noise_sd, (len(self.forces), n_places))
        lines = self.front_lines()
        self._allocate_allies(lines.contested)
        # Plain lists: for a few places, Python is faster than many tiny numpy operations.
        answering = self.answering.tolist()
        air = 1.0 + cp.air_power_multiplier * self.russia.support
        captures: dict[int, tuple[float, OppositionForce]] = {}
        for k, (f, front) in enumerate(zip(self.forces, lines.fronts, strict=True)):
            if not front:
                continue
            strength = f.effective_strength
            eps = noise[k].tolist()
            for (j, km), share in zip(front, self.target_shares(k), strict=True):
                g0 = self._garrison0[j]
                # A garrison that has stopped answering lets the attacker in unopposed, unless
                # allied fighters hold the place (the article's "little resistance" is the
                # Syrian army's; Hezbollah or the PMF would still have to be fought).
                allied = self._allied_at.get(j, 0.0)
                unopposed = (
                    strength > 0 and g0 > 0 and not allied and answering[j] / g0 < cp.collapse_share
                )
                # R7 defence: responsive strength, allied fighters and Russian air power.
                defense = (answering[j] * up.readiness + allied) * air
                f.progress[j] += rules.advance_km(
                    strength * share,
                    defense,
                    cp.max_advance_km_per_day,
                    cp.ratio_exponent,
                    eps[j],
                )
                ratio = 1.0 if unopposed else f.progress[j] / km
                if ratio >= 1.0 and ratio > captures.get(j, (0.0, None))[0]:
                    captures[j] = (ratio, f)
        for j, (_, f) in sorted(captures.items()):
            self.capture(j, f.code, f.key, "taken", f)
        self.abandon()

    def abandon(self) -> None:
        """R7: a collapsed garrison next to a non-agent holder (the SDF) passes to it."""
        cs = self.p.combat.collapse_share
        holder, answering = self.holder.tolist(), self.answering.tolist()
        for i, nb in enumerate(self.c.neighbours):
            g0 = self._garrison0[i]
            if holder[i] != 0 or g0 <= 0 or answering[i] / g0 >= cs:
                continue
            static = [holder[j] for j, _ in nb if HOLDERS[holder[j]] not in FORCES]
            static = [h for h in static if h != 0]
            if static:
                code = min(static)
                self.capture(i, code, HOLDERS[code], "garrison withdrew", None)
                holder, answering = self.holder.tolist(), self.answering.tolist()

    def capture(
        self, place: int, code: int, actor: str, how: str, force: OppositionForce | None
    ) -> None:
        """R7: a place changes hands; units there retreat toward the capital or dissolve."""
        name = self.c.names[place]
        self.holder[place] = code
        self.front_lines_moved()
        if self.fall_day[place] < 0:
            self.fall_day[place] = self.day
        for f in self.forces:
            f.progress[place] = 0.0
        here = self.unit_alive & (self.unit_place == place)
        if force is not None:
            force.captured(float(self.unit_strength[here].sum()) * self.p.actors.units.readiness)
        retreat = self.retreat_target(place)
        keep = here & self.unit_responsive
        if retreat is not None:
            self.unit_place[keep] = retreat
            self.unit_alive[here & ~self.unit_responsive] = False
            outcome = f"{how}; responsive units fell back to {self.c.names[retreat]}"
        else:
            self.unit_alive[here] = False
            outcome = f"{how}; garrison dissolved"
        self.refresh_answering()
        self.log(actor, "holder_change", name, "", outcome, "R7")
        if place == self.c.capital:
            self.russia.coordinate_after_fall()

    def retreat_target(self, place: int) -> int | None:
        """The regime-held neighbour closest to the capital, if any."""
        holder = self.holder.tolist()
        options = [
            (self.c.dist_to_capital[j], j) for j, _ in self.c.neighbours[place] if holder[j] == 0
        ]
        return min(options)[1] if options else None

    def record(self) -> None:
        """Store today's metrics and holders."""
        d = self.day
        if d >= self.horizon:
            return
        self.metrics[d] = (  # in the order of METRICS
            self.regime_population() / self.population_total,
            self.responsive_strength() / self.total_strength0,
            *(a.support for a in self._patrons_in_order),
            self.leadership.believed,
            self.actual_viability,
            sum(f.strength for f in self.forces if f.active),
        )
        self.holders[d] = self.holder

    def end_state(self) -> str:
        """Classify the run at the horizon."""
        if self.leadership.transition_agreed:
            return "negotiated_transition"
        if self.holder[self.c.capital] != 0:
            return "collapse_and_flight"
        pop = self.regime_population() / self.population_total
        below = self.p.outcomes.divided_below_population_share
        return "divided" if pop < below else "regime_holds"



def simulate(scenario: Scenario | Compiled, seed: int) -> RunResult:
    """Run one scenario with one seed to its horizon.

    Args:
        scenario: A validated or compiled scenario.
        seed: The run's seed.

    Returns:
        The run's metrics, holders, events and outcomes.
    """
    m = SyriaModel(scenario, seed=seed)
    for _ in range(m.horizon):
        m.step()
    exit_day = m.leadership.left_day
    result = RunResult(
        seed=int(seed),
        metrics=m.metrics,
        holders=m.holders,
        events=m.events,
        end_state=m.end_state(),
        fall_day=m.fall_day,
        leader_exit_day=-1 if exit_day is None else exit_day,
    )
    release(m)
    return result



def release(model: mesa.Model) -> None:
    """Drop Mesa's own reference to a finished model, so that it can be freed.

    Mesa 3.3 numbers agents per model in the class attribute ``Agent._ids``, a dict keyed by
    model that keeps every model ever created alive (mesa issue #3179, fixed upstream in
    #3180). An ensemble would keep all its runs in memory, and garbage collection, which
    walks them all, would slow every later run down.
    """
    ids = getattr(mesa.Agent, "_ids", None)
    if isinstance(ids, dict):
        ids.pop(model, None)

