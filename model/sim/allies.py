"""The regime's allies with people on the ground: Iran and Hezbollah (rules R1-R3, R14)."""

from __future__ import annotations

import mesa

from model.sim.forces import REGIME
from model.sim.patrons import Patron


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
        if self.grants("hezbollah_full_commitment", later=True):
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
        m.decisions.consequence("hezbollah_full_commitment", self.answered == "full")

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
