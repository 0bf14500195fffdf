"""The regime's leadership and its insiders (rules R1, R4, R6)."""

from __future__ import annotations

import mesa

from model.config.schema import HOLDERS
from model.sim import rules
from model.sim.forces import AGREED, REGIME


def _guarantee(model: mesa.Model, guarantor: str | None) -> float:
    """How far a route's guarantor stands behind it: an offer of safe passage most."""
    if guarantor is None:
        return 0.0
    actor = getattr(model, guarantor)
    return (1.0 if getattr(actor, "offered", False) else 0.0) + actor.support


def best_open_route(model: mesa.Model, names: list[str]) -> str | None:
    """R6: of the routes whose required places are regime-held (or passable), the best guaranteed.

    Russia's offer of protection and safe passage runs through its own base, so once made
    it guarantees that route above all others; otherwise a route is as good as its
    guarantor's support, and the order of ``names`` breaks ties.
    """
    holder, index = model.battlefield.holder, model.c.index
    best, best_g = None, -1.0
    for name in names:
        route = model.p.exit_routes[name]
        passable = {REGIME, *(HOLDERS.index(h) for h in route.passable_with)}
        if not model.on("R6") or all(holder[index[r]] in passable for r in route.requires):
            g = _guarantee(model, route.guarantor)
            if g > best_g:
                best, best_g = name, g
    return best


class Leadership(mesa.Agent):
    """The regime's leadership (Bashar al-Assad). Rules R1 (appeals) and R4 (belief, flight)."""

    def __init__(self, model: mesa.Model):
        super().__init__(model)
        rp = model.p.actors.regime
        self.believed = rp.initial_believed_viability
        self.left_day: int | None = None
        self.stranded = False
        self.appealed: set[str] = set()
        self.triggered: set[str] = set()  # appeals called for by what he has seen (R1)
        self.transition_agreed = False
        self.pay_raised = False

    @property
    def present(self) -> bool:
        """Whether the leader is still in the country."""
        return self.left_day is None

    def observe(self) -> None:
        """R4: belief moves toward the actual viability at the leader's (slow) rate."""
        if not self.model.on("R4"):  # without the lag he sees the facts as they are
            self.believed = self.model.actual_viability
            return
        rate = self.model.p.actors.regime.belief_update_rate
        self.believed = rules.update_belief(self.believed, self.model.actual_viability, rate)

    def hear(self, signal: float) -> None:
        """R1/R3: a message from abroad about how others judge the regime lowers his belief."""
        if self.present:
            self.believed = max(0.0, self.believed - signal)

    def react(self) -> None:
        """R1: appeal on what the leader has seen happen, each after its own lag.

        What he sees, not how he judges it (his belief follows the army's collapse): the
        offensive under way (to Russia, in Moscow: Reuters), the first major city lost (to
        Turkey through Iraq's prime minister: Pleas to Turkey), a place within Hezbollah's
        reach on a front (to Hezbollah) and Hezbollah's answer, whatever it is (to Iraq for
        the PMF: Appeals to Iraq, the order of the appeals as reported). Called at the end of
        the day, after the battles, so that a lag of 0 is the same day.
        """
        m = self.model
        if not self.present or self.transition_agreed or not m.on("R1"):
            return
        rp, bf = m.p.actors.regime, m.battlefield
        if any(f.active and REGIME in f.enemies for f in m.force_list):
            self._seen("russia", rp.russia_appeal_lag_days)
        if bf.first_major_fall is not None:
            self._seen("turkey", rp.turkey_appeal_lag_days)
        if m.hezbollah.reach_threatened():
            self._seen("hezbollah", rp.hezbollah_appeal_lag_days)
        if m.hezbollah.answered is not None:
            self._seen("iraq", rp.pmf_appeal_lag_days)

    def _seen(self, target: str, lag: int) -> None:
        """R1: what calls for an appeal to ``target`` has happened: appeal after ``lag`` days."""
        if target in self.triggered:
            return
        self.triggered.add(target)
        if lag <= 0:
            self._appeal(target)
        else:
            self.model.schedule(lag, lambda: self._appeal(target))

    def _appeal(self, target: str) -> None:
        """R1: the appeal, through its channel; the patron answers after its lag."""
        m = self.model
        if not self.present or self.transition_agreed or target in self.appealed:
            return
        self.appealed.add(target)
        if target == "russia":
            m.log("regime", "appeal", "russia", "moscow", "asked for military support", "R1")
            m.schedule(m.p.actors.russia.answer_lag_days, m.russia.answer_appeal)
        elif target == "turkey":
            m.log("regime", "appeal", "turkey", "iraq", "asked to halt the offensive", "R1")
            m.schedule(m.p.actors.iraq.relay_lag_days, m.iraq.relay_to_turkey)
        elif target == "hezbollah":
            m.log("regime", "appeal", "hezbollah", "direct", "asked for fighters", "R1")
            m.schedule(m.p.actors.hezbollah.answer_lag_days, m.hezbollah.answer)
        else:
            m.log("regime", "appeal", "iraq", "foreign minister", "asked for the PMF", "R1")
            m.schedule(m.p.actors.iraq.answer_lag_days, m.iraq.answer_pmf)

    def decree_measures(self) -> None:
        """R16: a documented measure to keep the army: a pay rise for career soldiers.

        Decreed once the leader's own belief falls below ``pay_rise_threshold`` (SANA; AFP:
        a 50 % rise decreed on 4 December); its effect on the units' thresholds,
        ``units.pay_rise_effect``, is an assumption.
        """
        m = self.model
        if self.pay_raised or not self.present or not m.on("R16"):
            return
        if self.believed < m.p.actors.regime.pay_rise_threshold:
            self.pay_raised = True
            m.garrison.raise_pay(m.p.actors.units.pay_rise_effect)
            m.log("regime", "measure", "units", "", "pay rise for career soldiers", "R16")

    def answer_offer(self) -> None:
        """R4: accept Russia's offer only once the leader believes he cannot fight on."""
        m, rp = self.model, self.model.p.actors.regime
        p = rules.below_threshold_probability(
            self.believed, rp.offer_accept_threshold, m.p.decision_temperature
        )
        if m.decisions.decide("leader_accepts_offer", p, "regime", self.believed):
            self.transition_agreed = True
            m.log("regime", "decision", "russia", "direct", "accepted offer", "R4")
            self.leave("negotiated", secret=False)
            m.battlefield.hand_over(m.c.capital)
            self._agree_transition()
        else:
            m.log(
                "regime", "decision", "russia", "direct", "declined offer: able to fight on", "R4"
            )
            m.russia.after_decline()

    def _agree_transition(self) -> None:
        """R1: a transition meets Turkey's condition; the forces' aim is met, so they halt."""
        for f in self.model.force_list:
            if 0 in f.enemies:  # the SNA's aim is the SDF's places, not the regime's
                f.halt(AGREED)
        self.model.turkey.press_halt()

    def consider_flight(self) -> None:
        """R4: leave once belief collapses or a column is close to entering the capital.

        An offer of safe passage held makes leaving easier (the threshold of belief rises
        by ``offer_flight_weight``). Whether the capital is taken is the forces' doing, not
        this decision's: the leader may leave before it falls, or be still there.
        """
        if not self.present or self.transition_agreed:
            return
        m, rp = self.model, self.model.p.actors.regime
        limit = rp.flight_threshold + (rp.offer_flight_weight if m.russia.offered else 0.0)
        if self.believed < limit or m.battlefield.capital_threat() >= rp.capital_threat_threshold:
            self.leave("flight", secret=rp.secret_departure)

    def leave(self, how: str, secret: bool) -> None:
        """R4/R6: leave by the first open exit route, if any."""
        m = self.model
        route = best_open_route(m, m.p.actors.regime.exit_routes)
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
            for ins in m.insider_list:
                if ins.left_day is None:
                    m.log("regime", "not_informed", ins.name, "", "departure kept secret", "R4")


class Insider(mesa.Agent):
    """A regime insider (e.g. Maher al-Assad, the head of national security). Rule R6."""

    def __init__(self, model: mesa.Model, spec):
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
        route = best_open_route(m, self.routes)
        if route is None:
            if not self.stranded:
                self.stranded = True
                m.log(self.name, "departure", "", "", "no exit route open", "R6")
            return
        self.left_day = m.day
        m.log(self.name, "departure", m.p.exit_routes[route].destination, route, "left", "R6")
