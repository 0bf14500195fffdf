"""The Mesa model: one day per step, from the scenario's start date to its horizon.

No I/O and no plotting here: ``simulate`` returns arrays and an event list; the runner
writes files. Every random draw comes from a named stream spawned from the run's seed.
The model holds the actors and the day's order of events; each rule lives with the actor
or the piece of the world it belongs to (``garrison``, ``combat``, ``leadership``,
``patrons``, ``forces``).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable

import mesa
import numpy as np

from model.config.paths import copy_along, set_in
from model.config.schema import HOLDERS, LOCAL_ACTORS, PATRONS, TRANSITIONAL, Scenario
from model.sim.allies import Hezbollah, Iran
from model.sim.combat import Battlefield
from model.sim.compiled import Compiled, compile_scenario
from model.sim.doha import DohaParticipants
from model.sim.forces import OppositionForce
from model.sim.garrison import Garrison
from model.sim.leadership import Insider, Leadership
from model.sim.lifecycle import DeferredAgents, release
from model.sim.outputs import METRICS, Event, RunResult
from model.sim.patrons import Iraq, Turkey
from model.sim.pins import decision_outcome, first_difference, flip_outcome
from model.sim.russia import Russia
from model.sim.schedule import Agenda, DailyNoise, Decisions, NormalDraws, Streams


class SyriaModel(DeferredAgents):
    """Agent-based model of the regime's last days.

    Args:
        scenario: A validated scenario, or one already compiled (faster for ensembles).
        seed: The run's seed; every stream is spawned from it.
    """

    def __init__(self, scenario: Scenario | Compiled, seed: int = 0):
        super().__init__(seed=seed)
        c = scenario if isinstance(scenario, Compiled) else compile_scenario(scenario)
        self.c = c
        # A run that changes parameters mid-way gets its own copy of what it changes: the
        # compiled scenario is shared by every run in the process. Agents hold references
        # into this tree, so the copy must exist before they are created.
        changed = [path for _, changes in c.interventions for path in changes]
        self.p = copy_along(c.p, changed) if changed else c.p
        self.seed_value = int(seed)
        # Rules a scenario switched off (ablation): each rule's code asks ``on(rule)``.
        self._off = frozenset(c.p.rules.disabled)
        self.streams = Streams(seed)
        # R11's daily variation in what each local actor reads (its own stream).
        self.local_noise = NormalDraws(lambda: self.streams["local_actors"])
        self.decisions = Decisions(self.streams, c.p.decisions, lambda: self.steps - 1)
        self.events: list[Event] = []
        self.agenda = Agenda()
        for day, changes in c.interventions:  # queued first: they act before same-day news
            self.agenda.put(day, lambda ch=changes: self.intervene(ch))
        self.command_broken = False
        self.horizon = self.p.horizon_days
        self.garrison = Garrison(
            self,
            c.unit_place,
            c.unit_kind,
            c.adjacency,
            self.p.actors.units,
            self.streams["unit_thresholds"],
        )
        # R5's daily variation: a standard normal per unit and day, drawn a block of days at a
        # time (the cascade draws every day from the first, until nobody is left to flip).
        self._unit_noise = DailyNoise(lambda: self.streams["unit_daily"], (len(c.unit_place),))
        self.regime_pop0 = float(c.population[c.start_holder == 0].sum())
        self.population_total = float(c.population.sum())

        self.leadership = Leadership(self)
        self.insider_list = tuple(Insider(self, spec) for spec in self.p.actors.insiders)
        self.north = OppositionForce(self, "northern_opposition")
        self.locals = tuple(OppositionForce(self, k) for k in LOCAL_ACTORS)
        self.south, self.sna = self.locals[0], self.locals[-1]
        self.turkey, self.iraq, self.iran = Turkey(self), Iraq(self), Iran(self)
        self.hezbollah, self.russia = Hezbollah(self), Russia(self)
        self.doha = DohaParticipants(self)
        # The actors as tuples, in the order they act each day: iterating a Mesa AgentSet
        # walks weak references, which costs more than what the agents do in a day. The
        # AgentSets (``forces``, ``patrons``, ...) are made from them when asked for.
        self.force_list = (self.north, *self.locals)
        self.force_by_code = {f.code: f for f in self.force_list}
        self.force_by_key = {f.key: f for f in self.force_list}
        # What the fronts depend on that a scenario or an ablation may change, besides the
        # holders: what runs with the same setup work out from the holders is shared.
        self.setup = (
            self._off,
            tuple(
                (f.code, f.scope, tuple(f.present), f.enemies, f.defers_to) for f in self.force_list
            ),
        )
        self.battlefield = Battlefield(self)  # after the forces: it reads their setup
        self._transitional = HOLDERS.index(TRANSITIONAL)
        # R13: per place, the destination of a crossing its units may take (None: none).
        self._crossings = [
            (
                r.destination,
                [c.index[p] for p in r.requires],
                [c.index[p] for p in r.units_from],
                frozenset({0, *(HOLDERS.index(h) for h in r.passable_with)}),
            )
            for r in self.p.exit_routes.values()
            if r.units_from
        ]
        self._elite_insider = next(
            (i for i in self.insider_list if i.name == self.p.actors.units.elite_insider), None
        )
        self.patron_list = (self.russia, self.iran, self.hezbollah, self.iraq, self.turkey)
        self.observer_list = (self.leadership, *self.patron_list, self.doha)
        for a in self.patron_list:
            a.update_support()
        self._patrons_in_order = [getattr(self, k) for k in PATRONS]  # the order of METRICS
        self._set_signal_weights()
        self.signal0 = self.patron_signal()
        self.actual_viability = 1.0
        self.metrics = np.zeros((self.horizon, len(METRICS)))
        dests = [r.destination for r in self.p.exit_routes.values()]
        self._iraq = next((d for d in dests if d.startswith("Iraq")), "Iraq")
        self._lebanon = next((d for d in dests if d.startswith("Lebanon")), "Lebanon")
        self.holders = np.zeros((self.horizon, len(c.names)), dtype=np.int8)

    @functools.cached_property
    def insiders(self) -> mesa.agent.AgentSet:
        """The regime's insiders."""
        return mesa.agent.AgentSet(self.insider_list, random=self.random)

    @functools.cached_property
    def forces(self) -> mesa.agent.AgentSet:
        """The armed actors that take places: the northern coalition, then the local actors."""
        return mesa.agent.AgentSet(self.force_list, random=self.random)

    @functools.cached_property
    def patrons(self) -> mesa.agent.AgentSet:
        """The patrons, in the order they update their support."""
        return mesa.agent.AgentSet(self.patron_list, random=self.random)

    @functools.cached_property
    def observers(self) -> mesa.agent.AgentSet:
        """The actors that observe the regime's viability each day, in that order."""
        return mesa.agent.AgentSet(self.observer_list, random=self.random)

    def create_lazy_agents(self) -> None:
        """The units as Mesa agents, created and registered once, on the first request."""
        self.garrison.units  # noqa: B018 - creates and registers the unit agents once

    def restraint(self, state: str, force: str) -> float:
        """R8/R17: how far ``state`` can make ``force`` halt, 0 to 1 (the ``restraint`` table)."""
        return self.p.restraint.get(state, {}).get(force, 0.0)

    def on(self, rule: str) -> bool:
        """Whether a behavioural rule is in force (a scenario may switch rules off)."""
        return rule not in self._off

    @property
    def day(self) -> int:
        """The day being simulated: 0 on the start date (-1 before the first step)."""
        return self.steps - 1

    def log(self, actor: str, kind: str, target: str, channel: str, outcome: str, rule: str):
        """Append one entry to the event log."""
        self.events.append((self.day, actor, kind, target, channel, outcome, rule))

    def schedule(self, delay: int, action: Callable[[], None]) -> None:
        """Run ``action`` at the start of the day ``delay`` days from now (0: later today)."""
        self.agenda.put(self.day + max(int(delay), 0), action)

    def intervene(self, changes: dict) -> None:
        """Apply a scenario's scheduled parameter changes (not a rule: the user's what-if)."""
        for path, value in changes.items():
            set_in(self.p, path, value)
            self.log("scenario", "intervention", path, "", f"set to {value}", "S")
        self._set_signal_weights()
        self.battlefield.forget_reach()  # a force's reach reads parameters (present_km)

    def _set_signal_weights(self) -> None:
        w = self.p.actors.units.patron_signal_weights
        self._signal_w = np.array([w.get(k, 0.0) for k in PATRONS])
        self._signal_sum = float(self._signal_w.sum()) or 1.0

    def date(self, day: int) -> dt.date:
        """The calendar date of a day number."""
        return self.p.start_date + dt.timedelta(days=day)

    def patron_signal(self) -> float:
        """R5: the patron support units see, weighted (Russia most, per the article)."""
        s = np.array([a.support for a in self._patrons_in_order])
        return float(self._signal_w @ s) / self._signal_sum

    def viability(self) -> float:
        """R4: the regime's actual viability: population held and units answering."""
        wp = self.p.actors.regime.viability_weight_population
        pop = self.battlefield.lines().regime_population / self.regime_pop0
        units = self.garrison.responsive_strength() / self.garrison.total_strength0
        return wp * pop + (1.0 - wp) * units

    def step(self) -> None:
        """One day: messages arrive, actors observe and decide, units choose, battles."""
        self.agenda.run_due(self.day)
        self.actual_viability = self.viability()
        for a in self.observer_list:
            a.observe()
        if self.steps == 1:
            self.turkey.weigh_offensive()
        for f in self.force_list:
            f.update()
        self.leadership.decree_measures()
        self.iran.act()
        self.russia.consider_offer()
        self.agenda.run_due(self.day)  # same-day consequences
        for a in self.patron_list:
            a.update_support()
        self.hezbollah.consider_withdrawal()
        # The leader decides on what he knew in the morning; units react during the day.
        self.leadership.consider_flight()
        self.cascade()
        # R4: units around the capital that stop answering during the day are what he sees
        # last (Russian Offers: units became unresponsive; his departure was sudden).
        self.leadership.consider_flight()
        for a in self.insider_list:
            a.consider_exit()
        self.battlefield.battle()
        self._check_end()
        # R1: the day's news (a city lost, an answer) calls for appeals; what they set off
        # today happens today.
        self.leadership.react()
        self.agenda.run_due(self.day)
        self.record()

    def _check_end(self) -> None:
        """R15: the regime's end begins once the leader is gone and the capital is lost."""
        bf = self.battlefield
        if bf.end_day is not None or not self.on("R15"):
            return
        lead = self.leadership
        held = int(bf.holder[self.c.capital])
        # An agreed transition is not the regime's end: its army passes to the new authority.
        if held not in (0, self._transitional) and (not lead.present or lead.stranded):
            bf.begin_end()

    def cascade(self) -> None:
        """R5: units decide whether to keep answering; a garrison that goes quiet is logged."""
        if not self.on("R5"):
            return
        g, up = self.garrison, self.p.actors.units
        if g.can_flip:  # once every unit has stopped answering, nothing to weigh
            # R5: a fall in patron support pushes units to stop answering and a rise (a Russian
            # surge) holds them: the change from the start, -1 (doubled) to 1 (all gone).
            s0 = self.signal0
            drop = min(1.0, max(-1.0, 1.0 - self.patron_signal() / s0)) if s0 > 0 else 0.0
            threat = self.battlefield.lines().threat
            ins = self._elite_insider
            flipped = g.cascade(
                up,
                threat,
                max(f.momentum for f in self.force_list),
                drop,
                self.command_broken,
                self._unit_noise.day(self.day),
                insider_gone=ins is not None and ins.left_day is not None,
            )
            if flipped is not None and self.on("R13"):
                self._units_leave(flipped, threat)
        holder = self.battlefield.holder
        for i in self.garrison.newly_quiet(self.p.combat.collapse_share):
            if holder[i] == 0:
                self.log(
                    "units", "unresponsive", self.c.names[i], "", "garrison stopped answering", "R5"
                )

    def _units_leave(self, rows: np.ndarray, threat: np.ndarray) -> None:
        """R13: units that stopped answering cross abroad, surrender, dissolve or hold."""
        holder = self.battlefield.holder
        crossing: list[str | None] = [None] * len(self.c.names)
        for dest, requires, origins, passable in self._crossings:
            if not self.on("R6") or all(holder[r] in passable for r in requires):
                for o in origins:
                    crossing[o] = crossing[o] or dest
        up = self.p.actors.units
        surrendered = self.garrison.leave(rows, crossing, threat, up, self.streams["unit_exits"])
        if not surrendered:
            return
        attacker = self.battlefield.lines().attacker
        for place, soldiers in surrendered:  # their arms go to an attacker next to them
            k = attacker.get(place)
            if k is not None:
                f = self.force_list[k]
                f.strength += f.params.capture_gain * soldiers

    def record(self) -> None:
        """Store today's metrics and holders."""
        d = self.day
        if d >= self.horizon:
            return
        self.metrics[d] = (  # in the order of METRICS
            self.battlefield.lines().regime_population / self.population_total,
            self.garrison.responsive_strength() / self.garrison.total_strength0,
            *(a.support for a in self._patrons_in_order),
            self.leadership.believed,
            self.actual_viability,
            sum(f.strength for f in self.force_list if f.active and 0 in f.enemies),
            self.garrison.crossed.get(self._iraq, 0.0),
            self.garrison.crossed.get(self._lebanon, 0.0),
        )
        self.holders[d] = self.battlefield.holder

    def end_state(self) -> str:
        """Classify the run at the horizon."""
        capital_holder = self.battlefield.holder[self.c.capital]
        if capital_holder == HOLDERS.index(TRANSITIONAL):
            return "negotiated_transition"
        if capital_holder != 0:
            return "collapse_and_flight"
        pop = self.battlefield.lines().regime_population / self.population_total
        below = self.p.outcomes.divided_below_population_share
        return "divided" if pop < below else "regime_holds"


def simulate(scenario: Scenario | Compiled, seed: int) -> RunResult:
    """Run one scenario with one seed to its horizon.

    A scenario with pins (pinned decisions, interventions, parameter flips) also records in
    the event log whether each came up and took effect (``model.sim.pins``); for a flip or
    an intervention that takes a run of the same seed without it.

    Args:
        scenario: A validated or compiled scenario.
        seed: The run's seed.

    Returns:
        The run's metrics, holders, events and outcomes.
    """
    c = scenario if isinstance(scenario, Compiled) else compile_scenario(scenario)
    m = _run(c, seed)
    exit_day = m.leadership.left_day
    bf = m.battlefield
    result = RunResult(
        seed=int(seed),
        metrics=m.metrics,
        holders=m.holders,
        events=m.events,
        end_state=m.end_state(),
        fall_day=bf.fall_day,
        leader_exit_day=-1 if exit_day is None else exit_day,
        taken_by=bf.taken_by,
        regime_gone_day=bf.regime_gone_day,
    )
    if c.pins:
        _record_pins(c, m, result)
    release(m)
    return result


def _run(c: Compiled, seed: int) -> SyriaModel:
    m = SyriaModel(c, seed=seed)
    for _ in range(m.horizon):
        m.step()
    return m


def _record_pins(c: Compiled, m: SyriaModel, result: RunResult) -> None:
    """Append each pin's outcome to the run's events, on the day it came up."""
    horizon = m.horizon
    for pin in c.pins:
        if pin.kind == "decision":
            day, outcome = decision_outcome(pin.name, m.decisions, horizon)
        else:
            twin = _run(c.twin(pin), result.seed)
            diff = first_difference(result.metrics, result.holders, twin.metrics, twin.holders)
            release(twin)
            day, outcome = flip_outcome(diff, horizon)
        result.events.append((day, "scenario", "pin", pin.name, pin.kind, outcome, "S"))
    result.events.sort(key=lambda e: e[0])  # stable: the day's own order is kept
