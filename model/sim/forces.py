"""The opposition forces: the northern coalition and the southern operational command (R7)."""

from __future__ import annotations

import mesa
import numpy as np

from model.config.schema import HOLDERS

# Halts that end a force's aim rather than interrupt it: they do not lapse (R9).
AGREED = "transition agreed"
STABILIZING = "stabilizing the capital"
FINAL_HALTS = frozenset({AGREED, STABILIZING})


class OppositionForce(mesa.Agent):
    """The northern opposition (HTS-led) or the southern operational command. Rule R7."""

    def __init__(self, model: mesa.Model, key: str):
        super().__init__(model)
        self.key = key
        self.code = HOLDERS.index(key)
        self.params = getattr(model.p.actors, key)
        self.strength = self.params.strength
        self.momentum = self.params.initial_momentum
        self.active = False
        self.halted = False
        self.halt_reason = ""
        self.progress = np.zeros(len(model.c.names))

    def update(self) -> None:
        """R7: momentum decays; a force joins once the regime looks weak enough.

        R9: a halt holds from day to day with probability ``halt_compliance``; when it
        lapses the force advances again. A halt because the force's aim was met (an agreed
        transition; holding the capital with Russia, R8) does not lapse.
        """
        self.momentum *= self.params.momentum_decay
        if not self.active and self.model.actual_viability <= self.params.activation_viability:
            self.active = True
            self.model.battlefield.lines_moved()
            self.model.log(self.key, "offensive", "regime", "", "advance begins", "R7")
        if self.halted and self.halt_reason not in FINAL_HALTS:
            if self.model.streams["forces"].random() >= self.params.halt_compliance:
                self.halted = False
                self.model.log(
                    self.key, "halt_ended", "", "", f"{self.halt_reason}: compliance lapsed", "R9"
                )

    @property
    def effective_strength(self) -> float:
        """Strength times momentum; nothing while the force is halted or not yet fighting."""
        if not self.active or self.halted:
            return 0.0
        return self.strength * (1.0 + self.params.momentum_weight * self.momentum)

    def halt(self, why: str) -> None:
        """R9: asked to halt, the force complies with probability ``halt_compliance``.

        A force that complies takes no place, unopposed or not, until the halt ends.
        """
        if self.halted or not self.model.on("R9"):
            return
        if self.model.streams["forces"].random() < self.params.halt_compliance:
            self.halted = True
            self.halt_reason = why
            self.model.log(self.key, "halt", "", "", why, "R9")
        else:
            self.model.log(self.key, "halt_refused", "", "", f"{why}: kept advancing", "R9")

    def captured(self, place_strength: float) -> None:
        """R7: a capture adds momentum and captured equipment."""
        p = self.params
        self.momentum += p.momentum_gain * (1.0 - self.momentum)
        self.strength += p.capture_gain * place_strength
