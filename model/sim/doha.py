"""The last Astana-format round, in Doha: its participants, the ceasefire, a transition (R3, R17)."""

from __future__ import annotations

import mesa

from model.config.schema import actor_key
from model.sim import rules
from model.sim.forces import REGIME
from model.sim.patrons import ForeignActor

# The states at the Astana-format round in Doha besides its members (TRT; Iraqi MFA): the
# three Astana guarantors.
GUARANTORS = ("russia", "iran", "turkey")


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
        restrain it (the scenario's ``restraint`` table, which R8 reads too); a force no
        state there can restrain is not bound. Without R17, every force is asked to halt.
        """
        m = self.model
        table = [*GUARANTORS, *(actor_key(n) for n in self.params.members)]
        for f in m.force_list:
            if REGIME not in f.enemies:
                continue
            if not m.on("R17"):
                f.halt("ceasefire")
                continue
            best = max(table, key=lambda state: m.restraint(state, f.key))
            f.halt("ceasefire", by=best if m.restraint(best, f.key) > 0 else "doha_participants")

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
            if reins:
                # Agreeing to rein in the opposition is an act of its own, ceasefire or not:
                # Turkey presses the forces it can restrain to halt (R9, R17).
                turkey.press_halt("halted: Turkey reins in the opposition (Doha)")
            if m.decisions.decide("ceasefire_accepted", 1.0 if reins else 0.0, "doha", later=True):
                m.log("doha_participants", "agreement", "", "doha", "ceasefire accepted", "R3")
                self.bind_ceasefire()
                halted = [f.key for f in m.force_list if f.halted]
                why = "no force it binds complied (R9, R17)"
                m.decisions.consequence("ceasefire_accepted", bool(halted), why)
        if self.discuss_transition():
            m.log("doha_participants", "discussion", "", "doha", "transitional body", "R3")
            iran.belief = max(0.0, iran.belief - ip.transition_signal)
