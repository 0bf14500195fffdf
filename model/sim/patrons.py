"""Foreign actors: patrons whose belief in the regime sets their support and answers (R1-R3, R8).

Random draws come only from the model's named streams, one per actor, through
``model.decisions``, so that two scenarios run with the same seed draw the same numbers until
something in the world makes them differ.
"""

from __future__ import annotations

import mesa

from model.sim import rules


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
        """The support the units see of this patron (each patron says how it is set)."""

    condition_penalty = 0.0  # only Turkey states a condition (Pleas to Turkey)

    def grants(self, decision: str, condition_met: bool = True, later: bool = False) -> bool:
        """R1: weigh a request and decide, through the model's pins and this actor's stream.

        ``later``: a yes takes effect only once its consequence follows (``Decisions``).
        """
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
        return m.decisions.decide(decision, prob, self.key, self.belief, later)


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
            if m.restraint("turkey", f.key) > 0 or f is m.north:
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
        if self.grants("iraq_sends_pmf", later=True):
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
            m.decisions.consequence("iraq_sends_pmf", True)
        else:
            m.log("iraq", "deployment", "regime", self.params.pmf_entry, "PMF entry closed", "R6")
            why = f"the PMF's entry, {self.params.pmf_entry}, had left regime hands"
            m.decisions.consequence("iraq_sends_pmf", False, why)

    def allied_fighters(self) -> float:
        """Fighters the PMF has in Syria."""
        return self.params.pmf_fighters if self.pmf_present else 0.0
