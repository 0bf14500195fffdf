"""Foreign actors: patrons whose belief in the regime sets their support and answers (R1-R3, R8).

Random draws come only from the model's named streams, one per actor, through
``model.decisions``, so that two scenarios run with the same seed draw the same numbers until
something in the world makes them differ.
"""

from __future__ import annotations

import mesa

from model.sim import rules
from model.sim.forces import REGIME

# The states at the Astana-format round in Doha besides its members (TRT; Iraqi MFA): the
# three Astana guarantors.
GUARANTORS = ("russia", "iran", "turkey")


def actor_key(name: str) -> str:
    """A state's name as an actor key: ``Saudi Arabia`` -> ``saudi_arabia``."""
    return name.strip().lower().replace(" ", "_")


class ForeignActor(mesa.Agent):
    """A foreign actor with a belief in the regime's survival (rule R3).

    Args:
        model: The model.
        key: Its parameters' name under ``actors``.
    """

    def __init__(self, model: mesa.Model, key: str):
        super().__init__(model)
        self.key = key
        self.params = getattr(model.p.actors, key)
        self.belief = self.params.initial_belief

    def observe(self) -> None:
        """R3: belief moves toward the regime's actual viability."""
        if not self.model.on("R3"):
            return
        self.belief = rules.update_belief(
            self.belief, self.model.actual_viability, self.params.belief_update_rate
        )


class Patron(ForeignActor):
    """A foreign actor whose belief in the regime's survival sets its support. Rules R1, R3."""

    def __init__(self, model: mesa.Model, key: str):
        super().__init__(model, key)
        self.support = 0.0

    def update_support(self) -> None:
        """R3: support falls as belief drops below the patron's threshold.

        R14: whatever it is willing to give, a patron delivers no more than its capacity.
        """
        pp = self.params
        self.support = rules.support_level(
            self.belief, pp.support_max, pp.support_threshold, pp.support_width
        )
        if self.model.on("R14"):
            self.support = min(self.support, pp.capacity)

    condition_penalty = 0.0  # only Turkey states a condition (Pleas to Turkey)

    def grants(self, decision: str, condition_met: bool = True) -> bool:
        """R1: weigh a request and decide, through the model's pins and this actor's stream."""
        pp, m = self.params, self.model
        prob = rules.answer_probability(
            pp.alignment,
            pp.viability_weight,
            self.belief,
            pp.domestic_cost,
            self.condition_penalty,
            condition_met,
            m.p.decision_temperature,
        )
        return m.decisions.decide(decision, prob, self.key, self.belief)


class Turkey(Patron):
    """Turkey: its condition for helping is a political process (Pleas to Turkey)."""

    def __init__(self, model: mesa.Model):
        super().__init__(model, "turkey")
        self.pressing_halt = False

    @property
    def condition_penalty(self) -> float:  # read live: an intervention may change it
        """How much an unmet condition weighs against helping."""
        return self.params.condition_penalty

    def condition_met(self) -> bool:
        """Turkey's condition: the regime engaged in a political process."""
        m = self.model
        return (
            m.p.actors.regime.political_process_before_offensive or m.leadership.transition_agreed
        )

    def update_support(self) -> None:
        """Turkey's 'support' to the regime is pressure on the opposition to halt."""
        self.support = 1.0 if self.pressing_halt else 0.0

    def weigh_offensive(self) -> None:
        """R17: before the offensive, Turkey decides whether to hold the forces it backs back.

        Weighed by R1 as any request, with its condition (a political process) met or not:
        Turkey held the regime responsible for refusing political processes (Pleas to
        Turkey), and did not hold the coalition back.
        """
        m = self.model
        if not (m.on("R17") and m.on("R1")):
            return
        if self.grants("turkey_holds_back_offensive", self.condition_met()):
            m.log("turkey", "stance", "northern_opposition", "", "holds the offensive back", "R17")
            self.press_halt("held back by Turkey")
        else:
            m.log(
                "turkey",
                "stance",
                "northern_opposition",
                "",
                "does not hold the offensive back",
                "R17",
            )

    def answer_halt_appeal(self) -> None:
        """R1: answer the regime's appeal relayed by Iraq."""
        m = self.model
        if self.grants("turkey_halts_offensive", self.condition_met()):
            m.log("turkey", "answer", "regime", "iraq", "agreed to press for a halt", "R1")
            self.press_halt()
        else:
            m.log("turkey", "answer", "regime", "iraq", "refused to intervene", "R1")
            m.iraq.warn_regime()

    def answer_mediation(self) -> bool:
        """R1: answer Iran's request in Ankara to de-escalate."""
        return self.grants("turkey_deescalates_for_iran", self.condition_met())

    def press_halt(self, why: str = "halted under Turkish pressure") -> None:
        """Turkey presses the forces it can restrain to halt (R9, R17)."""
        self.pressing_halt = True
        self.update_support()
        m = self.model
        for f in m.force_list if m.on("R17") else (m.north,):
            if "turkey" in f.restrained_by or f is m.north:
                f.halt(why, by="turkey")


class Iraq(Patron):
    """Iraq: intermediary to Turkey, asked for the PMF (Pleas to Turkey; Appeals to Iraq)."""

    def __init__(self, model: mesa.Model):
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

    def warn_regime(self) -> None:
        """R1: al-Sudani tells the leader that sentiment is shifting toward abandoning him.

        The message lowers the leader's believed viability by ``warning_signal`` (Pleas to
        Turkey: "international sentiment was shifting towards abandoning Assad").
        """
        m = self.model
        m.log("iraq", "message", "regime", "", "sentiment shifting toward abandonment", "R1")
        m.leadership.hear(self.params.warning_signal)

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
        if m.battlefield.holder[entry] == 0 or not m.on("R6"):
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

    def __init__(self, model: mesa.Model):
        super().__init__(model, "iran")
        self.mediated = False
        self.rhetoric_shifted = False
        self.evacuated = False

    def update_support(self) -> None:
        """R3 and R14: support follows belief until Iran's personnel have left."""
        super().update_support()
        if self.evacuated:
            self.support = 0.0

    def act(self) -> None:
        """R1/R3: mediate once belief falls; change words once it falls further."""
        m, ip = self.model, self.params
        if (
            not self.mediated
            and self.belief < ip.mediation_threshold
            and m.leadership.present
            and m.on("R1")
        ):
            self.mediated = True
            if m.turkey.answer_mediation():
                m.log("iran", "mediation", "turkey", "ankara", "Turkey agreed to de-escalate", "R1")
                m.turkey.press_halt()
            else:
                m.log("iran", "mediation", "turkey", "ankara", "failed", "R1")
            m.log("iran", "agreement", "turkey", "ankara", "Astana format to be revived", "R3")
            m.schedule(ip.astana_convening_lag_days, m.doha.convene)
        if not self.evacuated and self.belief < ip.evacuation_threshold and m.on("R14"):
            # R14: advisers leave once their position is judged untenable (New York Times).
            self.evacuated = True
            m.log("iran", "withdrawal", "", "", "personnel evacuated", "R14")
        if not self.rhetoric_shifted and self.belief < ip.rhetoric_threshold:
            # R3: words that concede the opposition's standing tell the leader how his main
            # ally now judges his chances (Astana Process).
            self.rhetoric_shifted = True
            m.log("iran", "rhetoric", "", "", "speaks of the 'Syrian opposition'", "R3")
            m.leadership.hear(ip.rhetoric_signal)


class Hezbollah(Patron):
    """Hezbollah: support limited to places near the Lebanese border. Rule R2."""

    def __init__(self, model: mesa.Model):
        super().__init__(model, "hezbollah")
        self.answered: str | None = None
        self.deployed = 0.0
        self.reach: list[int] = []
        self._held_at_deploy: list[int] = []
        self.withdrawn = False

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
            limited = hp.limited_reach if m.on("R2") else m.c.names
            self.reach = [m.c.index[n] for n in limited]
            where = ", ".join(limited)
        if m.on("R14"):  # what it can send, whatever it was asked for
            self.deployed = min(self.deployed, hp.capacity_fighters)
        holder = m.battlefield.holder
        self._held_at_deploy = [j for j in self.reach if holder[j] == REGIME]
        self.update_support()
        m.log("hezbollah", "deployment", "regime", where, f"{self.deployed:.0f} fighters", "R2")

    def consider_withdrawal(self) -> None:
        """R14: the fighters leave once their position is untenable.

        Untenable: the leader has gone, or half or more of the places they were sent to
        hold have fallen (Reuters; AFP: Hezbollah left al-Qusayr and Homs on 7-8 December).
        """
        m = self.model
        if self.deployed <= 0 or not m.on("R14"):
            return
        holder = m.battlefield.holder
        held = self._held_at_deploy
        lost = sum(holder[j] != REGIME for j in held)
        if m.leadership.present and (not held or lost * 2 < len(held)):
            return
        self.withdrawn = True
        self.deployed = 0.0
        self.reach = []
        self.update_support()
        m.log(
            "hezbollah", "withdrawal", "regime", "", "fighters withdrew: position untenable", "R14"
        )


class Russia(Patron):
    """Russia: air support, the conditional offer, partners after the fall. Rules R3, R8."""

    def __init__(self, model: mesa.Model):
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
        """R8: work with the force with the closest ties among those at the capital.

        Russia stops backing what is left of the regime (its support, which units sense
        through R5, ends) and works with its partner to keep the state's institutions
        running (Russian Offers: coordinating with the southern command "to stabilize
        Damascus and ensure the continued functioning of state institutions"). The partner
        does not hold the capital against the coalition it defers to: it hands it over when
        that coalition arrives (``Battlefield.reach``).
        """
        m = self.model
        if self.coordinated or not m.on("R8"):
            return
        near = m.battlefield.forces_at_capital()
        if not near:
            return
        self.coordinated = True
        aff = self.params.partner_affinity
        best = max(near, key=lambda f: (aff.get(f.key, 0.0), -f.code))
        m.log("russia", "coordination", best.key, "", "keep state institutions running", "R8")
        self.shift = 1.0
        self.update_support()


class DohaParticipants(ForeignActor):
    """Qatar, Saudi Arabia, Jordan and Iraq at the last Astana-format round. Rule R3."""

    def __init__(self, model: mesa.Model):
        super().__init__(model, "doha_participants")
        self.convened = False

    def discuss_transition(self) -> bool:
        """R3: a transitional body is discussed, the likelier the lower their belief in the regime.

        A draw from their stream, as the leader's acceptance of an offer (R4).
        """
        m = self.model
        p = rules.below_threshold_probability(
            self.belief, self.params.transition_threshold, m.p.decision_temperature
        )
        # Drawn and traced as the documented decisions are, though no scenario pins it.
        return m.decisions.decide("doha_discusses_transition", p, "doha", self.belief)

    def bind_ceasefire(self) -> None:
        """R9/R17: a ceasefire agreed at Doha binds the forces the states there can restrain.

        Each force halts as far as the state at the table with the most hold on it can
        restrain it; forces no state there backs (the southern factions, the SDF) are not
        bound. Without R17, every force is asked to halt.
        """
        m = self.model
        table = {*GUARANTORS, *(actor_key(n) for n in self.params.members)}
        for f in m.force_list:
            if REGIME not in f.enemies:
                continue
            if not m.on("R17"):
                f.halt("ceasefire")
                continue
            at_table = [(r, k) for k, r in f.restrained_by.items() if k in table]
            f.halt("ceasefire", by=max(at_table)[1] if at_table else "doha_participants")

    def convene(self) -> None:
        """R1/R3: the Astana-format round (Doha): ceasefire, reining in, a transition."""
        if self.convened:
            return
        self.convened = True
        m = self.model
        with_ = ", ".join(self.params.members)
        m.log(
            "doha_participants",
            "meeting",
            "",
            "doha",
            f"Astana-format round held with {with_}",
            "R3",
        )
        iran, turkey, ip = m.iran, m.turkey, m.p.actors.iran
        if iran.belief < ip.ceasefire_threshold:
            m.log("iran", "proposal", "turkey", "doha", "ceasefire and dialogue", "R3")
            reins = turkey.grants("turkey_reins_in_opposition", turkey.condition_met())
            m.log(
                "turkey",
                "answer",
                "iran",
                "doha",
                "agreed to rein in the opposition"
                if reins
                else "rejected reining in the opposition",
                "R1",
            )
            if m.decisions.decide("ceasefire_accepted", 1.0 if reins else 0.0, "doha"):
                m.log("doha_participants", "agreement", "", "doha", "ceasefire accepted", "R3")
                self.bind_ceasefire()
        if self.discuss_transition():
            m.log("doha_participants", "discussion", "", "doha", "transitional body", "R3")
            iran.belief = max(0.0, iran.belief - ip.transition_signal)
