"""Russia: air support, the conditional offer, and its partner after the fall (R3, R8, R14)."""

from __future__ import annotations

import mesa

from model.sim import rules
from model.sim.patrons import Patron


class Russia(Patron):
    """Russia: air support, the conditional offer, partners after the fall. Rules R3, R8."""

    def __init__(self, model: mesa.Model):
        self.shift = 0.0
        self.surging = False
        super().__init__(model, "russia")
        self.offered = False
        self.coordinated = False

    def update_support(self) -> None:
        """R3: belief-driven support, reduced further once the leader declines the offer.

        R1: once Russia has answered the appeal in Moscow by raising its air effort, what it
        is willing to give is ``surge_support`` rather than ``support_max``; R14: no more
        than its capacity either way.
        """
        pp = self.params
        most = pp.surge_support if self.surging else pp.support_max
        self.support = rules.support_level(
            self.belief, most, pp.support_threshold, pp.support_width
        )
        if self.model.on("R14"):
            self.support = min(self.support, pp.capacity)
        self.support *= 1.0 - self.shift

    def answer_appeal(self) -> None:
        """R1: weigh the leader's appeal in Moscow: raise the air effort, or give no answer."""
        m = self.model
        if self.grants("russia_raises_air_effort"):
            self.surging = True
            self.update_support()
            m.log("russia", "answer", "regime", "moscow", "raised its air effort", "R1")
        else:
            m.log("russia", "answer", "regime", "moscow", "no response", "R1")

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
        # The closest ties: the force Russia can restrain most (the table R17 reads too).
        best = max(near, key=lambda f: (m.restraint("russia", f.key), -f.code))
        m.log("russia", "coordination", best.key, "", "keep state institutions running", "R8")
        self.shift = 1.0
        self.update_support()
