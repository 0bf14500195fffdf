"""Agent classes, one per kind of actor. Each behaviour names the rule (``rules.RULES``) it uses.

Agents read parameters through ``self.model.p`` and write the event log through
``self.model.log``. Random draws come only from the model's named streams
(``self.model.streams[...]``), one stream per source of randomness, so that two scenarios
run with the same seed draw the same numbers until an intervention makes them differ.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from model.sim import rules

if TYPE_CHECKING:
    from model.sim.model import SyriaModel


class Leadership(mesa.Agent):
    """The regime's leadership (Bashar al-Assad). Rules R1 (appeals) and R4 (belief, flight)."""

    model: SyriaModel

    def __init__(self, model: SyriaModel):
        super().__init__(model)
        rp = model.p.actors.regime
        self.believed = rp.initial_believed_viability
        self.left_day: int | None = None
        self.stranded = False
        self.appealed: set[str] = set()
        self.transition_agreed = False

    @property
    def present(self) -> bool:
        """Whether the leader is still in the country."""
        return self.left_day is None

    def observe(self) -> None:
        """R4: belief moves toward the actual viability at the leader's (slow) rate."""
        rate = self.model.p.actors.regime.belief_update_rate
        self.believed = rules.update_belief(self.believed, self.model.actual_viability, rate)

    def appeal(self) -> None:
        """R1: appeal to Turkey through Iraq, to Hezbollah, then to Iraq for the PMF."""
        if not self.present or self.transition_agreed:
            return
        m, rp = self.model, self.model.p.actors.regime
        if "turkey" not in self.appealed and self.believed < rp.turkey_appeal_threshold:
            self.appealed.add("turkey")
            m.log("regime", "appeal", "turkey", "iraq", "asked to halt the offensive", "R1")
            m.schedule(m.p.actors.iraq.relay_lag_days, m.iraq.relay_to_turkey)
        if "hezbollah" not in self.appealed and self.believed < rp.hezbollah_appeal_threshold:
            self.appealed.add("hezbollah")
            m.log("regime", "appeal", "hezbollah", "direct", "asked for fighters", "R1")
            m.schedule(m.p.actors.hezbollah.answer_lag_days, m.hezbollah.answer)
        if (
            "iraq" not in self.appealed
            and m.hezbollah.answered == "limited"
            and self.believed < rp.pmf_appeal_threshold
        ):
            self.appealed.add("iraq")
            m.log("regime", "appeal", "iraq", "foreign minister", "asked for the PMF", "R1")
            m.schedule(m.p.actors.iraq.answer_lag_days, m.iraq.answer_pmf)

    def answer_offer(self) -> None:
        """R4: accept Russia's offer only once the leader believes he cannot fight on."""
        m, rp = self.model, self.model.p.actors.regime
        p = rules.offer_acceptance_probability(
            self.believed, rp.offer_accept_threshold, m.p.decision_temperature
        )
        if m.decide("leader_accepts_offer", p, "regime"):
            self.transition_agreed = True
            m.log("regime", "decision", "russia", "direct", "accepted offer", "R4")
            self.leave("negotiated", secret=False)
            m.transition_agreed()
        else:
            m.log(
                "regime", "decision", "russia", "direct", "declined offer: able to fight on", "R4"
            )
            m.russia.after_decline()

    def consider_flight(self) -> None:
        """R4: leave when belief collapses or the capital's guard stops answering."""
        if not self.present:
            return
        m, rp = self.model, self.model.p.actors.regime
        guard = m.garrison_share(m.c.capital)
        if self.believed < rp.flight_threshold or (
            m.capital_contested() and guard < rp.capital_guard_threshold
        ):
            self.leave("flight", secret=rp.secret_departure)

    def leave(self, how: str, secret: bool) -> None:
        """R4/R6: leave by the first open exit route, if any."""
        m = self.model
        route = m.first_open_route(m.p.actors.regime.exit_routes)
        if route is None:
            if not self.stranded:
                self.stranded = True
                m.log("regime", "departure", "", "", "no exit route open", "R6")
            return
        self.left_day = m.day
        outcome = f"left ({how}, {'secret' if secret else 'announced'})"
        m.log("regime", "departure", m.p.exit_routes[route].destination, route, outcome, "R4")
        if secret:
            m.command_broken = True
            for ins in m.insiders:
                if ins.left_day is None:
                    m.log("regime", "not_informed", ins.name, "", "departure kept secret", "R4")


class Insider(mesa.Agent):
    """A regime insider (e.g. Maher al-Assad, the head of national security). Rule R6."""

    model: SyriaModel

    def __init__(self, model: SyriaModel, spec):
        super().__init__(model)
        self.name = spec.name
        self.role = spec.role
        self.rate = spec.belief_update_rate
        self.threshold = spec.exit_threshold
        self.routes = spec.routes
        self.belief = model.p.actors.regime.initial_believed_viability
        self.left_day: int | None = None
        self.stranded = False

    def consider_exit(self) -> None:
        """R6: leave by the first open route once belief falls below the insider's threshold."""
        if self.left_day is not None:
            return
        m = self.model
        self.belief = rules.update_belief(self.belief, m.actual_viability, self.rate)
        if self.belief >= self.threshold or not self.routes:
            return
        route = m.first_open_route(self.routes)
        if route is None:
            if not self.stranded:
                self.stranded = True
                m.log(self.name, "departure", "", "", "no exit route open", "R6")
            return
        self.left_day = m.day
        m.log(self.name, "departure", m.p.exit_routes[route].destination, route, "left", "R6")


class Unit(mesa.Agent):
    """A regime army formation garrisoning a place. Rule R5.

    The unit's state lives in the model's arrays (one row per unit) so that the daily
    cascade is computed for all units at once; these properties are views on that row.
    """

    model: SyriaModel

    def __init__(self, model: SyriaModel, idx: int):
        super().__init__(model)
        self.idx = idx

    @property
    def place(self) -> str:
        """The place the unit garrisons now."""
        return self.model.c.names[self.model.unit_place[self.idx]]

    @property
    def threshold(self) -> float:
        """The unit's own threshold for staying responsive."""
        return float(self.model.unit_theta[self.idx])

    @property
    def responsive(self) -> bool:
        """Whether the unit still answers commands."""
        return bool(self.model.unit_responsive[self.idx])

    @property
    def dissolved(self) -> bool:
        """Whether the unit has dissolved (its place fell while it was not answering)."""
        return not bool(self.model.unit_alive[self.idx])


class OppositionForce(mesa.Agent):
    """The northern opposition (HTS-led) or the southern operational command. Rule R7."""

    model: SyriaModel

    def __init__(self, model: SyriaModel, key: str):
        super().__init__(model)
        self.key = key
        self.code = model.holder_code[key]
        self.params = getattr(model.p.actors, key)
        self.strength = self.params.strength
        self.momentum = self.params.initial_momentum
        self.active = False
        self.halted = False
        self.progress = np.zeros(len(model.c.names))

    def update(self) -> None:
        """R7: momentum decays; a force joins once the regime looks weak enough."""
        self.momentum *= self.params.momentum_decay
        if not self.active and self.model.actual_viability <= self.params.activation_viability:
            self.active = True
            self.model.front_lines_moved()
            self.model.log(self.key, "offensive", "regime", "", "advance begins", "R7")

    @property
    def effective_strength(self) -> float:
        """Strength times momentum, less what a halt takes away."""
        if not self.active:
            return 0.0
        s = self.strength * (1.0 + self.params.momentum_weight * self.momentum)
        return s * (1.0 - self.params.halt_compliance) if self.halted else s

    def halt(self, why: str) -> None:
        """Stop advancing, to the extent of ``halt_compliance``."""
        if not self.halted:
            self.halted = True
            self.model.log(self.key, "halt", "", "", why, "R7")

    def captured(self, place_strength: float) -> None:
        """R7: a capture adds momentum and captured equipment."""
        p = self.params
        self.momentum += p.momentum_gain * (1.0 - self.momentum)
        self.strength += p.capture_gain * place_strength


class Patron(mesa.Agent):
    """A foreign actor whose belief in the regime's survival sets its support. Rules R1, R3."""

    model: SyriaModel

    def __init__(self, model: SyriaModel, key: str):
        super().__init__(model)
        self.key = key
        self.params = getattr(model.p.actors, key)
        self.belief = self.params.initial_belief
        self.support = 0.0

    def observe(self) -> None:
        """R3: belief moves toward the regime's actual viability."""
        self.belief = rules.update_belief(
            self.belief, self.model.actual_viability, self.params.belief_update_rate
        )

    def update_support(self) -> None:
        """R3: support falls as belief drops below the patron's threshold."""
        pp = self.params
        self.support = rules.support_level(
            self.belief, pp.support_max, pp.support_threshold, pp.support_width
        )

    def grants(self, decision: str, condition_met: bool = True) -> bool:
        """R1: weigh a request and decide, through the model's pins and this actor's stream."""
        pp, m = self.params, self.model
        prob = rules.answer_probability(
            pp.alignment,
            pp.viability_weight,
            self.belief,
            pp.domestic_cost,
            pp.condition_penalty,
            condition_met,
            m.p.decision_temperature,
        )
        return m.decide(decision, prob, self.key)


class Turkey(Patron):
    """Turkey: its condition for helping is a political process (Pleas to Turkey)."""

    def __init__(self, model: SyriaModel):
        super().__init__(model, "turkey")
        self.pressing_halt = False

    def condition_met(self) -> bool:
        """Turkey's condition: the regime engaged in a political process."""
        m = self.model
        return (
            m.p.actors.regime.political_process_before_offensive or m.leadership.transition_agreed
        )

    def update_support(self) -> None:
        """Turkey's 'support' to the regime is pressure on the opposition to halt."""
        self.support = 1.0 if self.pressing_halt else 0.0

    def answer_halt_appeal(self) -> None:
        """R1: answer the regime's appeal relayed by Iraq."""
        m = self.model
        if self.grants("turkey_halts_offensive", self.condition_met()):
            m.log("turkey", "answer", "regime", "iraq", "agreed to press for a halt", "R1")
            self.press_halt()
        else:
            m.log("turkey", "answer", "regime", "iraq", "refused to intervene", "R1")
            m.log("iraq", "message", "regime", "", "sentiment shifting toward abandonment", "R1")

    def answer_mediation(self) -> bool:
        """R1: answer Iran's request in Ankara to de-escalate."""
        return self.grants("turkey_deescalates_for_iran", self.condition_met())

    def press_halt(self) -> None:
        """Turkey presses the northern opposition to halt."""
        self.pressing_halt = True
        self.update_support()
        self.model.north.halt("halted under Turkish pressure")


class Iraq(Patron):
    """Iraq: intermediary to Turkey, asked for the PMF (Pleas to Turkey; Appeals to Iraq)."""

    def __init__(self, model: SyriaModel):
        super().__init__(model, "iraq")
        self.pmf_sent = False
        self.pmf_present = False

    def update_support(self) -> None:
        """Iraq's support is the PMF's presence in Syria."""
        self.support = 1.0 if self.pmf_present else 0.0

    def relay_to_turkey(self) -> None:
        """R1: al-Sudani relays the appeal to Erdogan; Turkey answers after its lag."""
        m = self.model
        m.log("iraq", "relay", "turkey", "iraq", "relayed appeal to halt the offensive", "R1")
        m.schedule(m.p.actors.turkey.answer_lag_days, m.turkey.answer_halt_appeal)

    def answer_pmf(self) -> None:
        """R1: weigh sending the PMF against domestic repercussions."""
        m = self.model
        if self.grants("iraq_sends_pmf"):
            self.pmf_sent = True
            m.log("iraq", "answer", "regime", "foreign minister", "agreed to send the PMF", "R1")
            m.schedule(self.params.pmf_arrival_days, self.pmf_arrive)
        else:
            m.log("iraq", "answer", "regime", "foreign minister", "declined to send the PMF", "R1")

    def pmf_arrive(self) -> None:
        """R6: the PMF can only enter while the eastern crossing is regime-held."""
        m = self.model
        entry = m.c.index[self.params.pmf_entry]
        if m.holder[entry] == 0:
            self.pmf_present = True
            self.update_support()
            m.log("iraq", "deployment", "regime", self.params.pmf_entry, "PMF arrived", "R1")
        else:
            m.log("iraq", "deployment", "regime", self.params.pmf_entry, "PMF entry closed", "R6")

    def allied_fighters(self) -> float:
        """Fighters the PMF has in Syria."""
        return self.params.pmf_fighters if self.pmf_present else 0.0


class Iran(Patron):
    """Iran: mediation in Ankara, ceasefire proposal at Doha, change of rhetoric."""

    def __init__(self, model: SyriaModel):
        super().__init__(model, "iran")
        self.mediated = False
        self.rhetoric_shifted = False

    def act(self) -> None:
        """R1/R3: mediate once belief falls; change words once it falls further."""
        m, ip = self.model, self.params
        if not self.mediated and self.belief < ip.mediation_threshold and m.leadership.present:
            self.mediated = True
            if m.turkey.answer_mediation():
                m.log("iran", "mediation", "turkey", "ankara", "Turkey agreed to de-escalate", "R1")
                m.turkey.press_halt()
            else:
                m.log("iran", "mediation", "turkey", "ankara", "failed", "R1")
            m.log("iran", "agreement", "turkey", "ankara", "Astana format to be revived", "R3")
            m.schedule(ip.astana_convening_lag_days, m.astana_round)
        if not self.rhetoric_shifted and self.belief < ip.rhetoric_threshold:
            self.rhetoric_shifted = True
            m.log("iran", "rhetoric", "", "", "speaks of the 'Syrian opposition'", "R3")


class Hezbollah(Patron):
    """Hezbollah: support limited to places near the Lebanese border. Rule R2."""

    def __init__(self, model: SyriaModel):
        super().__init__(model, "hezbollah")
        self.answered: str | None = None
        self.deployed = 0.0
        self.reach: list[int] = []

    def update_support(self) -> None:
        """Support is the share of Hezbollah's full commitment that is deployed."""
        full = self.params.full_fighters
        self.support = self.deployed / full if full > 0 else 0.0

    def answer(self) -> None:
        """R1/R2: weigh full commitment; otherwise send a limited force near the border."""
        m, hp = self.model, self.params
        if self.grants("hezbollah_full_commitment"):
            self.answered = "full"
            m.log("hezbollah", "answer", "regime", "direct", "full commitment", "R2")
        else:
            self.answered = "limited"
            m.log("hezbollah", "answer", "regime", "direct", "limited support near border", "R2")
        m.schedule(hp.deploy_lag_days, self.deploy)

    def deploy(self) -> None:
        """R2: fighters arrive within the reach the answer allows."""
        m, hp = self.model, self.params
        if self.answered == "full":
            self.deployed = hp.full_fighters
            self.reach = list(range(len(m.c.names)))
            where = "all regime-held places"
        else:
            self.deployed = hp.limited_fighters
            self.reach = [m.c.index[n] for n in hp.limited_reach]
            where = ", ".join(hp.limited_reach)
        self.update_support()
        m.log("hezbollah", "deployment", "regime", where, f"{self.deployed:.0f} fighters", "R2")


class Russia(Patron):
    """Russia: air support, the conditional offer, partners after the fall. Rules R3, R8."""

    def __init__(self, model: SyriaModel):
        self.shift = 0.0
        super().__init__(model, "russia")
        self.offered = False
        self.coordinated = False

    def update_support(self) -> None:
        """R3: belief-driven support, reduced further once the leader declines the offer."""
        super().update_support()
        self.support *= 1.0 - self.shift

    def consider_offer(self) -> None:
        """R3: offer safe passage for a transition once belief in survival is low enough."""
        m = self.model
        if self.offered or not m.leadership.present or m.leadership.transition_agreed:
            return
        if self.belief < self.params.offer_threshold:
            self.offered = True
            m.log("russia", "offer", "regime", "direct", "protection for a transition", "R3")
            m.leadership.answer_offer()

    def after_decline(self) -> None:
        """R3/R5: the shift of Russian support that the units sense."""
        self.shift = self.params.shift_after_decline
        self.update_support()
        self.model.log("russia", "support_shift", "regime", "", "support shifts away", "R3")

    def coordinate_after_fall(self) -> None:
        """R8: work with the force with the closest ties among those at the capital."""
        m = self.model
        if self.coordinated:
            return
        self.coordinated = True
        near = m.forces_at_capital()
        aff = self.params.partner_affinity
        if not near:
            return
        best = max(near, key=lambda f: (aff.get(f.key, 0.0), -f.code))
        m.log("russia", "coordination", best.key, "", "stabilize the capital", "R8")


class DohaParticipants(mesa.Agent):
    """Qatar, Saudi Arabia and Jordan at the last Astana-format round. Rule R3."""

    model: SyriaModel

    def __init__(self, model: SyriaModel):
        super().__init__(model)
        self.params = model.p.actors.doha_participants
        self.belief = self.params.initial_belief

    def observe(self) -> None:
        """R3: belief moves toward the regime's actual viability."""
        self.belief = rules.update_belief(
            self.belief, self.model.actual_viability, self.params.belief_update_rate
        )

    def discuss_transition(self) -> bool:
        """R3: a transitional governing body is discussed once belief is low enough."""
        return self.belief < self.params.transition_threshold
