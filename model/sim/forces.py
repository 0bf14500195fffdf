"""The opposition forces: the northern coalition and the southern operational command (R7)."""

from __future__ import annotations

import mesa
import numpy as np

from model.config.schema import HOLDERS


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
        self.progress = np.zeros(len(model.c.names))

    def update(self) -> None:
        """R7: momentum decays; a force joins once the regime looks weak enough."""
        self.momentum *= self.params.momentum_decay
        if not self.active and self.model.actual_viability <= self.params.activation_viability:
            self.active = True
            self.model.battlefield.lines_moved()
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
