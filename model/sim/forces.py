"""The armed actors that take places: the northern coalition and the local actors (R7, R9, R11, R17).

The northern coalition (HTS-led, from Idlib) attacks from day 0 unless Turkey holds it back
(R17). The local actors (the Southern Operations Room, Suwayda's Druze factions, the Syrian
Free Army, the SDF and the SNA) each decide for themselves, day by day, whether to act on what
they can see (R11), and each acts only on the places the reporting has it act on.
"""

from __future__ import annotations

import mesa

from model.config.schema import HOLDERS, LOCAL_ACTORS

# Halts that end a force's aim rather than interrupt it: they do not lapse (R9).
AGREED = "transition agreed"
FINAL_HALTS = frozenset({AGREED})
REGIME = 0


class OppositionForce(mesa.Agent):
    """An armed actor that takes places (rule R7); a local one decides when to act (R11).

    Args:
        model: The model.
        key: Its parameters' name under ``actors`` (also its holder name).
    """

    def __init__(self, model: mesa.Model, key: str):
        super().__init__(model)
        self.key = key
        self.code = HOLDERS.index(key)
        pp = self.params = getattr(model.p.actors, key)
        index = model.c.index
        self.local = key in LOCAL_ACTORS
        # Where it acts: its scope (None: anywhere), the places its fighters are already in,
        # and whose places it attacks (provenance of each list in the scenario).
        self.scope = None if pp.scope is None else frozenset(index[n] for n in pp.scope)
        self.present = [index[n] for n in (pp.present_in or [])]
        self.enemies = frozenset(HOLDERS.index(h) for h in (pp.enemies or ["regime"]))
        self.defers_to = pp.defers_to
        self.strength = pp.strength
        self.momentum = pp.initial_momentum
        self.active = False
        self.halted = False
        self.halt_reason = ""
        self.joined_day: int | None = None
        # Km its column has covered toward each place (a list: read and set one at a time).
        self.progress = [0.0] * len(model.c.names)
        # The population of the places it holds, with the battlefield version it is for.
        self._held_population: tuple[int, float] = (-1, 0.0)
        # R11: a local actor's own threshold this run, drawn around its documented one
        # (what it needed to see is not known exactly).
        self.threshold = pp.join_threshold
        if self.local:
            sd = model.p.actors.local_actors.threshold_sd
            draw = model.streams["local_thresholds"].standard_normal()
            self.threshold = min(1.0, max(0.0, pp.join_threshold + sd * draw))

    def acts_on(self, place: int) -> bool:
        """Whether the place is one this force acts on at all."""
        return self.scope is None or place in self.scope

    def update(self) -> None:
        """R7/R11: momentum decays; a force joins once what it observes is enough.

        R9: a halt holds from day to day with probability ``halt_compliance``; when it
        lapses the force advances again. A halt because the force's aim was met (an agreed
        transition) does not lapse.
        """
        self.momentum *= self.params.momentum_decay
        if not self.active and self._joins():
            self.active = True
            self.joined_day = self.model.day
            self.model.battlefield.lines_moved()
            target = ", ".join(HOLDERS[h] for h in sorted(self.enemies))
            self.model.log(self.key, "offensive", target, "", "advance begins", self._join_rule)
        if self.halted and self.halt_reason not in FINAL_HALTS:
            if self.model.streams["forces"].random() >= self.params.halt_compliance:
                self.halted = False
                self.model.log(
                    self.key, "halt_ended", "", "", f"{self.halt_reason}: compliance lapsed", "R9"
                )

    @property
    def _join_rule(self) -> str:
        return "R11" if self.local else "R7"

    def join_signal(self) -> float:
        """R11: what a local actor sees today, before its daily noise.

        Each local actor reads what it can see, each with its own weight
        (``join_weights``): the regime's visible weakness (``weakness``: one minus its
        actual viability, the news everyone hears), the army no longer answering around the
        places it could take (``army_near``), and the moves of the actors it watches, named
        by key: a local actor's start, or the northern coalition's advance (the share of the
        major cities it has taken). The northern coalition's own plan reads the regime's
        weakness alone (R7).
        """
        m = self.model
        weakness = 1.0 - m.actual_viability
        if not self.local:
            return weakness
        total = 0.0
        for what, weight in self.params.join_weights.items():
            if what == "weakness":
                total += weight * weakness
            elif what == "army_near":
                total += weight * m.battlefield.army_left_near(self)
            else:
                total += weight * m.force_by_key[what].moves()
        return total

    def moves(self) -> float:
        """R11: what others see of this force's moves, 0 to 1.

        A local actor: whether it has begun. The northern coalition: how far its advance
        has come, the share of the major cities it has taken.
        """
        if self.local:
            return 1.0 if self.active else 0.0
        return self.model.battlefield.major_share_taken_by(self.code)

    def _joins(self) -> bool:
        """R7 for the northern coalition, R11 for a local actor: does it act today?"""
        m = self.model
        if not self.local:
            return self.join_signal() >= self.params.join_threshold
        if not m.on("R11"):
            return False
        sd = m.p.actors.local_actors.noise_sd
        noise = sd * m.local_noise.next() if sd > 0 else 0.0
        return self.join_signal() + noise >= self.threshold

    @property
    def effective_strength(self) -> float:
        """Strength times momentum; nothing while the force is halted or not yet fighting."""
        if not self.active or self.halted:
            return 0.0
        return self.strength * (1.0 + self.params.momentum_weight * self.momentum)

    def defense_at(self, place: int) -> float:
        """R7: the fighters defending one of its places: its strength, spread by population."""
        bf = self.model.battlefield
        pop = self.model.c.population
        if self._held_population[0] != bf.version:  # the places it holds have changed
            held = bf.holder == self.code
            self._held_population = (bf.version, float(pop[held].sum()))
        total = self._held_population[1]
        share = float(pop[place]) / total if total > 0 else 1.0
        return self.strength * share

    def halt(self, why: str, by: str | None = None) -> None:
        """R9: asked to halt, the force complies with probability ``halt_compliance``.

        R17: asked by a state (``by``), it complies only as far as that state can restrain
        it (the scenario's ``restraint`` table); a force the state cannot restrain does not
        halt. A force
        that complies takes no place, unopposed or not, until the halt ends.
        """
        m = self.model
        if self.halted or not m.on("R9"):
            return
        compliance = self.params.halt_compliance
        if by is not None and m.on("R17"):
            restraint = m.restraint(by, self.key)
            if restraint <= 0.0:
                m.log(self.key, "halt_not_binding", by, "", f"{why}: not restrained by {by}", "R17")
                return
            compliance *= restraint
        if m.streams["forces"].random() < compliance:
            self.halted = True
            self.halt_reason = why
            m.log(self.key, "halt", "", "", why, "R9")
        else:
            m.log(self.key, "halt_refused", "", "", f"{why}: kept advancing", "R9")

    def captured(self, place_strength: float) -> None:
        """R7: a capture adds momentum and captured equipment."""
        p = self.params
        self.momentum += p.momentum_gain * (1.0 - self.momentum)
        self.strength += p.capture_gain * place_strength
