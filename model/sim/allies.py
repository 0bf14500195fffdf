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
        self.militias_sent = False
        self.militias = 0.0  # R18: Iraqi militia fighters it has in Syria

    def update_support(self) -> None:
        """R14: what Iran is willing to give, no more than it can deliver, until it leaves.

        Its willingness does not follow its belief: its personnel leave (R14) while it still
        believes the regime more likely to survive than not.
        """
        pp = self.params
        self.support = min(pp.support_max, pp.capacity) if self.model.on("R14") else pp.support_max
        if self.evacuated:
            self.support = 0.0

    def _send_militias(self) -> None:
        """R18: Iran-backed Iraqi militias cross near al-Bukamal once a major city is lost.

        At least 300 crossed on 1-2 December (Reuters, 2 Dec), the day after Aleppo fell;
        they can cross only while the crossing is regime-held (R6), and reinforce the front
        the opposition presses hardest (``Battlefield``).
        """
        m, ip = self.model, self.params
        if not m.on("R18") or not m.leadership.present:
            return
        self.militias_sent = True
        entry = ip.militia_entry
        if m.battlefield.holder[m.c.index[entry]] == REGIME or not m.on("R6"):
            self.militias = ip.militia_fighters
            what = f"Iraqi militias crossed: {ip.militia_fighters:.0f} fighters"
            m.log("iran", "deployment", "regime", entry, what, "R18")
        else:
            m.log("iran", "deployment", "regime", entry, "Iraqi militias: crossing closed", "R6")

    def act(self) -> None:
        """R1/R3: mediate once belief falls; change words once it falls further."""
        m, ip = self.model, self.params
        lost = m.battlefield.first_major_fall  # R1: Iran mediates once a major city is lost
        if (
            not self.mediated
            and lost is not None
            and m.day >= lost + ip.mediation_lag_days
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
        if not self.militias_sent and lost is not None and m.day >= lost + ip.militia_lag_days:
            self._send_militias()
        if not self.evacuated and self.belief < ip.evacuation_threshold and m.on("R14"):
            # R14: advisers leave once their position is judged untenable (New York Times),
            # and the militias it brought with them (AFP/SOHR: Iran-backed groups withdrew).
            self.evacuated = True
            m.log("iran", "withdrawal", "", "", "personnel evacuated", "R14")
            if self.militias > 0:
                self.militias = 0.0
                m.log("iran", "withdrawal", "", "", "Iraqi militias withdrew", "R14")
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

    def reach_threatened(self) -> bool:
        """R1: whether a regime place within its limited reach is on a front (Homs, al-Qusayr)."""
        m = self.model
        reach = self.params.limited_reach if m.on("R2") else m.c.names
        contested = m.battlefield.lines().contested
        return any(m.c.index[n] in contested for n in reach)

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

    @property
    def guarding(self) -> bool:
        """R18: a limited force guards its own positions and fights no battle (AFP, 7 Dec)."""
        return self.answered == "limited" and self.deployed > 0 and self.model.on("R18")

    def positions(self) -> list[int]:
        """The places it holds positions at: those it was sent to, still regime-held."""
        holder = self.model.battlefield.holder
        return [j for j in self._held_at_deploy if holder[j] == REGIME]

    def consider_withdrawal(self) -> None:
        """R14: the fighters leave once their position is untenable.

        Untenable: the leader has gone, or half or more of the places they were sent to
        hold have fallen (Reuters; AFP: Hezbollah left al-Qusayr and Homs on 7-8 December).
        R18: a force that guards its own positions, and fights no battle, finds them untenable
        as soon as an attacker is next to one of them whose army garrison no longer answers:
        it would have to fight alone, and leaves, which can come before the leader goes
        (Reuters, 8 Dec: all its forces withdrawn on 7 Dec).
        """
        m = self.model
        if self.deployed <= 0 or not m.on("R14"):
            return
        holder = m.battlefield.holder
        held = self._held_at_deploy
        lost = sum(holder[j] != REGIME for j in held)
        alone = self.guarding and self._alone()
        if m.leadership.present and not alone and (not held or lost * 2 < len(held)):
            return
        self.withdrawn = True
        self.deployed = 0.0
        self.reach = []
        self.update_support()
        why = "guarded positions left to fight alone" if alone else "position untenable"
        m.log("hezbollah", "withdrawal", "regime", "", f"fighters withdrew: {why}", "R14")

    def _alone(self) -> bool:
        """R18: its positions would now have to be fought for, by it alone.

        An attacking column has come ``withdraw_at`` of the way along its road to one of them
        ("on the walls" of Homs on 6 December, Reuters; the fighters left on the 7th), or an
        attacker is next to one whose army garrison no longer answers.
        """
        m = self.model
        bf = m.battlefield
        lines = bf.lines()
        share = m.p.combat.collapse_share
        mine = set(self.positions())
        for f, front in zip(m.force_list, lines.fronts, strict=True):
            for j, km in front:
                if j not in mine:
                    continue
                if f.progress[j] >= self.params.withdraw_at * km or m.garrison.collapsed(j, share):
                    return True
        return False
