"""The Mesa model: one day per step, from the scenario's start date to its horizon.

No I/O and no plotting here: ``simulate`` returns arrays and an event list; the runner
writes files. Every random draw comes from a named stream spawned from the run's seed.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable
from dataclasses import dataclass

import mesa
import numpy as np

from model import rules
from model.agents import (
    DohaParticipants,
    Hezbollah,
    Insider,
    Iran,
    Iraq,
    Leadership,
    OppositionForce,
    Patron,
    Russia,
    Turkey,
    Unit,
)
from model.compiled import Compiled, compile_scenario
from model.scenario import HOLDERS, OPPOSITION, PATRONS, Scenario

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

METRICS = (
    "regime_population_share",
    "units_responsive_share",
    *(f"support_{p}" for p in PATRONS),
    "regime_believed_viability",
    "regime_actual_viability",
    "opposition_strength",
)

END_STATES = ("regime_holds", "collapse_and_flight", "negotiated_transition", "divided")

Event = tuple[int, str, str, str, str, str, str]  # day, actor, kind, target, channel, outcome, rule


@dataclass
class RunResult:
    """What one run produces.

    Attributes:
        seed: The run's seed.
        metrics: Days x len(METRICS) array.
        holders: Days x places array of holder codes (index into ``HOLDERS``).
        events: The event log.
        end_state: One of ``END_STATES``.
        fall_day: Per place, the first day it left regime hands, or -1.
        leader_exit_day: The day the leader left, or -1.
    """

    seed: int
    metrics: np.ndarray
    holders: np.ndarray
    events: list[Event]
    end_state: str
    fall_day: np.ndarray
    leader_exit_day: int


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
        self.p = c.p
        self.seed_value = int(seed)
        self.streams = {
            name: np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(k,)))
            for k, name in enumerate(STREAMS)
        }
        self.pins = c.p.decisions
        self.day = -1
        self.holder_code = {h: i for i, h in enumerate(HOLDERS)}
        self.holder = c.start_holder.copy()
        self.fall_day = np.full(len(c.names), -1, dtype=np.int16)
        self.events: list[Event] = []
        self._agenda: list[tuple[int, int, Callable[[], None]]] = []
        self._seq = 0
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
        self.regime_pop0 = float(c.population[self.holder == 0].sum())
        self.population_total = float(c.population.sum())
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
        w = self.p.actors.units.patron_signal_weights
        self._signal_w = np.array([w.get(k, 0.0) for k in PATRONS])
        self._signal_sum = float(self._signal_w.sum()) or 1.0
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

    def capital_contested(self) -> bool:
        """Whether an active opposition force holds a place next to the capital."""
        return any(
            f.active and self.holder[j] == f.code for f in self.forces
            for j, _ in self.c.neighbours[self.c.capital]
        )

    def forces_at_capital(self) -> list[OppositionForce]:
        """Opposition forces holding the capital or a place next to it."""
        cap = self.c.capital
        places = [cap, *(j for j, _ in self.c.neighbours[cap])]
        return [f for f in self.forces if any(self.holder[j] == f.code for j in places)]

    def patron_signal(self) -> float:
        """R5: the patron support units see, weighted (Russia most, per the article)."""
        s = np.array([getattr(self, k).support for k in PATRONS])
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
                "agreed to rein in the opposition" if reins else "rejected reining in the opposition",
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
        pop = float(self.c.population[self.holder == 0].sum()) / self.regime_pop0
        units = self.responsive_strength() / self.total_strength0
        return wp * pop + (1.0 - wp) * units

    def responsive_strength(self) -> float:
        """Nominal strength of units that are alive and answering."""
        return float(self.answering.sum())

    def cascade(self) -> None:
        """R5: each responsive unit compares today's pressure with its own threshold."""
        up = self.p.actors.units
        live = self.unit_alive
        # Units see the units around them, not empty places: a strength-weighted share.
        quiet = np.clip(self.garrison0 - self.answering, 0.0, None)
        seen = self.c.adjacency @ self.garrison0
        with np.errstate(invalid="ignore", divide="ignore"):
            nearby = np.where(seen > 0, (self.c.adjacency @ quiet) / seen, 0.0)
        threat = self.threat_mask().astype(float)
        momentum = max(f.momentum for f in self.forces)
        drop = max(0.0, 1.0 - self.patron_signal() / self.signal0) if self.signal0 > 0 else 0.0
        pressure = rules.unit_pressure(
            nearby,
            threat,
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
        flips = self.unit_responsive & live & (pressure[self.unit_place] + noise > self.unit_theta)
        self.unit_responsive &= ~flips
        self.refresh_answering()
        collapsed = (self.answering < self.p.combat.collapse_share * self.garrison0) & ~self.quiet_logged
        collapsed &= self.garrison0 > 0
        for i in np.flatnonzero(collapsed):
            self.quiet_logged[i] = True
            if self.holder[i] == 0:
                self.log("units", "unresponsive", self.c.names[i], "", "garrison stopped answering", "R5")

    def threat_mask(self) -> np.ndarray:
        """Per place: an active opposition force holds a neighbouring place."""
        out = np.zeros(len(self.c.names), dtype=bool)
        active = [f.code for f in self.forces if f.active]
        if not active:
            return out
        for i, nb in enumerate(self.c.neighbours):
            if self.holder[i] == 0:
                out[i] = any(self.holder[j] in active for j, _ in nb)
        return out

    def defense(self, place: int) -> float:
        """R7: responsive strength, allied fighters present and Russian air power."""
        up, cp = self.p.actors.units, self.p.combat
        own = float(self.answering[place]) * up.readiness
        allies = self._allied_at.get(place, 0.0)
        return (own + allies) * (1.0 + cp.air_power_multiplier * self.russia.support)

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

    def battle(self) -> None:
        """R7: each active force splits its effort over the regime places next to it."""
        cp = self.p.combat
        n_places = len(self.c.names)
        noise = self.streams["combat"].normal(0.0, cp.noise_sd, (len(self.forces), n_places))
        fronts: list[list[tuple[int, float]]] = []
        contested: list[int] = []
        for f in self.forces:
            best: dict[int, float] = {}
            if f.active:
                for i in np.flatnonzero(self.holder == f.code):
                    for j, km in self.c.neighbours[i]:
                        if self.holder[j] == 0 and km < best.get(j, np.inf):
                            best[j] = km
            front = sorted(best.items())
            fronts.append(front)
            contested.extend(j for j, _ in front if j not in contested)
        self._allocate_allies(contested)
        captures: dict[int, tuple[float, OppositionForce]] = {}
        for k, (f, front) in enumerate(zip(self.forces, fronts, strict=True)):
            if not front:
                continue
            strength = f.effective_strength
            attract = np.array(
                [
                    self.c.population[j] * self.c.scenario.places[self.c.names[j]].strategic_weight
                    / km
                    for j, km in front
                ]
            )
            w = attract ** f.params.focus
            w = w / w.sum() if w.sum() > 0 else np.full(len(front), 1.0 / len(front))
            for (j, km), share in zip(front, w, strict=True):
                unopposed = (
                    strength > 0
                    and self.garrison0[j] > 0
                    and self.garrison_share(j) < cp.collapse_share
                )
                f.progress[j] += rules.advance_km(
                    strength * share,
                    self.defense(j),
                    cp.max_advance_km_per_day,
                    cp.ratio_exponent,
                    noise[k, j],
                )
                ratio = 1.0 if unopposed else f.progress[j] / km
                if ratio >= 1.0 and ratio > captures.get(j, (0.0, None))[0]:
                    captures[j] = (ratio, f)
        for j, (_, f) in sorted(captures.items()):
            self.capture(j, f.code, f.key, "taken", f)
        self.abandon()

    def abandon(self) -> None:
        """R7: a collapsed garrison next to a non-agent holder (the SDF) passes to it."""
        cp = self.p.combat
        for i, nb in enumerate(self.c.neighbours):
            if self.holder[i] != 0 or self.garrison0[i] <= 0:
                continue
            if self.garrison_share(i) >= cp.collapse_share:
                continue
            static = [self.holder[j] for j, _ in nb if HOLDERS[self.holder[j]] not in FORCES]
            static = [h for h in static if h != 0]
            if static:
                code = min(static)
                self.capture(i, code, HOLDERS[code], "garrison withdrew", None)

    def capture(
        self, place: int, code: int, actor: str, how: str, force: OppositionForce | None
    ) -> None:
        """R7: a place changes hands; units there retreat toward the capital or dissolve."""
        name = self.c.names[place]
        self.holder[place] = code
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
        options = [(self.c.dist_to_capital[j], j) for j, _ in self.c.neighbours[place]]
        options = [o for o in options if self.holder[o[1]] == 0]
        return min(options)[1] if options else None

    def record(self) -> None:
        """Store today's metrics and holders."""
        d = self.day
        if d >= self.horizon:
            return
        pop = float(self.c.population[self.holder == 0].sum()) / self.population_total
        row = self.metrics[d]
        row[0] = pop
        row[1] = self.responsive_strength() / self.total_strength0
        for k, name in enumerate(PATRONS):
            row[2 + k] = getattr(self, name).support
        row[2 + len(PATRONS)] = self.leadership.believed
        row[3 + len(PATRONS)] = self.actual_viability
        row[4 + len(PATRONS)] = sum(f.strength for f in self.forces if f.active)
        self.holders[d] = self.holder

    def end_state(self) -> str:
        """Classify the run at the horizon."""
        if self.leadership.transition_agreed:
            return "negotiated_transition"
        if self.holder[self.c.capital] != 0:
            return "collapse_and_flight"
        pop = float(self.c.population[self.holder == 0].sum()) / self.population_total
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
    return RunResult(
        seed=int(seed),
        metrics=m.metrics,
        holders=m.holders,
        events=m.events,
        end_state=m.end_state(),
        fall_day=m.fall_day,
        leader_exit_day=-1 if exit_day is None else exit_day,
    )
