"""The regime's army: one row per unit in a few arrays, and the daily cascade (rule R5).

Units are Mesa agents (``Unit``), but their state lives here, one array per attribute, so
that the daily decision of every unit is a handful of array operations rather than a
Python call per unit. The ``Unit`` agents are views on these rows, created the first time
someone asks for them (``Garrison.units``, or the model's ``agents``): a run that nobody
inspects unit by unit does not pay for registering 120 agents with Mesa.
"""

from __future__ import annotations

import mesa
import numpy as np

from model.sim import rules

# R12: the kinds of unit, in the order of their codes in ``Garrison.kind``.
KINDS = ("regular", "elite", "conscript")
REGULAR, ELITE, CONSCRIPT = range(3)


def unit_kinds(unit_place: np.ndarray, elite_places: list[int], params) -> np.ndarray:
    """R12: each unit's kind, by rule rather than by draw, the same in every run.

    The elite formations are the first units at their places (the 4th Division and the
    Republican Guard around the capital); conscript units are spread evenly over the rest,
    ``conscript_share`` of all units.
    """
    n = len(unit_place)
    kind = np.full(n, REGULAR, dtype=np.int8)
    n_elite = min(int(round(params.elite_share * n)), n)
    at_elite = np.flatnonzero(np.isin(unit_place, elite_places))[:n_elite]
    kind[at_elite] = ELITE
    rest = np.flatnonzero(kind == REGULAR)
    if len(rest):
        c = min(params.conscript_share * n / len(rest), 1.0)
        k = np.arange(len(rest))
        kind[rest[np.floor((k + 1) * c) > np.floor(k * c)]] = CONSCRIPT
    return kind


class Garrison:
    """Every unit's place, threshold, strength and state, and what follows from them.

    Args:
        model: The model the units belong to.
        unit_place: The place each unit garrisons at day 0.
        kind: Each unit's kind (``unit_kinds``).
        adjacency: (I + adjacency) matrix of the places: what each place's units see.
        params: The units' parameters (``p.actors.units``).
        thresholds: The stream the units' thresholds are drawn from.
    """

    def __init__(
        self,
        model: mesa.Model,
        unit_place: np.ndarray,
        kind: np.ndarray,
        adjacency: np.ndarray,
        params,
        thresholds: np.random.Generator,
    ):
        n, n_places = len(unit_place), len(adjacency)
        self.n_places = n_places
        self.adjacency = adjacency
        self.place = unit_place.copy()
        theta = thresholds.normal(params.threshold_mean, params.threshold_sd, n)
        kinds_on = model.on("R12")
        self.kind = kind
        if kinds_on:  # R12: elite formations hold longer, conscripts give way sooner
            shift = np.array([0.0, params.elite_threshold_shift, params.conscript_threshold_shift])
            theta = theta + shift[self.kind]
        self.theta = np.clip(theta, 0.0, None)
        self._elite = (self.kind == ELITE) if kinds_on else np.zeros(n, dtype=bool)
        # R13: soldiers gone abroad (by destination), surrendered or dissolved, so far.
        self.crossed: dict[str, float] = {}
        self.surrendered = 0.0
        self.dissolved = 0.0
        self.strength = np.full(n, params.nominal_total / max(n, 1))
        self.responsive = np.ones(n, dtype=bool)
        self.alive = np.ones(n, dtype=bool)
        self.active = np.ones(n, dtype=bool)  # responsive and alive: who can still flip
        self._n_active = n
        # Counts the refreshes: what depends only on ``answering`` is not recomputed
        # until it changes (``newly_quiet``, and the battlefield's ``abandon``).
        self.version = 0
        self._quiet_checked: tuple | None = None
        self.garrison0 = np.bincount(self.place, self.strength, n_places)
        self.answering = self.garrison0.copy()
        self.quiet_logged = np.zeros(n_places, dtype=bool)
        self.total_strength0 = float(self.strength.sum())
        self.garrison0_list = self.garrison0.tolist()
        seen = adjacency @ self.garrison0  # the day-0 strength each place can see
        self._seen_or_one = np.where(seen > 0, seen, 1.0)
        # Views kept until ``answering`` changes (``refresh``).
        self._answering_total: float | None = None
        self._nearby: np.ndarray | None = None
        self._nearby_list: list[float] | None = None
        self._model = model
        self._units: list[Unit] | None = None

    @property
    def units(self) -> list[Unit]:
        """The units as Mesa agents, in row order, created and registered on first use."""
        if self._units is None:
            self._units = [Unit(self._model, i) for i in range(len(self.place))]
        return self._units

    def refresh(self) -> None:
        """Recount, per place, the strength of units alive and answering commands."""
        alive_answering = self.responsive & self.alive
        self.answering = np.bincount(self.place, self.strength * alive_answering, self.n_places)
        self.active = alive_answering
        self._n_active = int(np.count_nonzero(alive_answering))
        self._answering_total = None
        self._nearby = None
        self._nearby_list = None
        self.version += 1

    @property
    def can_flip(self) -> bool:
        """Whether any unit is still alive and answering (R5 has someone left to weigh)."""
        return self._n_active > 0

    def share(self, place: int) -> float:
        """Share of a place's day-0 garrison strength that is there and still answering."""
        g0 = self.garrison0[place]
        return float(self.answering[place] / g0) if g0 > 0 else 0.0

    def collapsed(self, place: int, collapse_share: float) -> bool:
        """Whether a place had a garrison and less than ``collapse_share`` of it answers."""
        g0 = self.garrison0_list[place]
        return g0 > 0 and self.answering[place] / g0 < collapse_share

    def responsive_strength(self) -> float:
        """Nominal strength of units that are alive and answering."""
        if self._answering_total is None:
            self._answering_total = float(self.answering.sum())
        return self._answering_total

    def nearby_quiet_list(self) -> list[float]:
        """``nearby_quiet`` as a list (to read a few places from)."""
        if self._nearby_list is None:
            self._nearby_list = self.nearby_quiet().tolist()
        return self._nearby_list

    def nearby_quiet(self) -> np.ndarray:
        """Per place, the share of the day-0 strength nearby that no longer answers.

        Nearby is the place and its neighbours; units see the units around them, not empty
        places, so the share is weighted by strength.
        """
        if self._nearby is None:
            quiet = np.maximum(self.garrison0 - self.answering, 0.0)
            # Where nothing is seen, nothing is quiet either: 0 / 1 gives the share 0.
            self._nearby = (self.adjacency @ quiet) / self._seen_or_one
        return self._nearby

    def cascade(
        self,
        params,
        threat: np.ndarray,
        momentum: float,
        patron_drop: float,
        command_broken: bool,
        noise: np.ndarray,
        insider_gone: bool = False,
    ) -> np.ndarray | None:
        """R5: each responsive unit compares today's pressure with its own threshold.

        Args:
            params: The units' parameters (``p.actors.units``).
            threat: Per place, 1 where an active opposition force is adjacent.
            momentum: The opposition's greatest momentum, 0..1.
            patron_drop: How far the patron support units see has fallen, -1..1 (negative:
                risen).
            command_broken: Whether the leader has left in secret.
            noise: Today's standard normal draws of the units' daily variation, one per unit
                (``noise_sd * noise`` is the ``normal(0, noise_sd)`` draw).
            insider_gone: Whether the insider the elite formations answer to has left (R12).

        Returns:
            The rows of the units that stopped answering today, or None.
        """
        if not self._n_active:
            # Every unit has stopped answering or dissolved, and none answers again: the
            # days skipped are the run's last, and their draws were never used for anything.
            return None
        pressure = rules.unit_pressure(
            self.nearby_quiet(),
            threat,
            momentum,
            patron_drop,
            command_broken,
            params.weight_nearby,
            params.weight_momentum,
            params.weight_patron,
            params.weight_command,
            params.weight_threat,
        )
        felt = pressure[self.place] + params.noise_sd * noise
        if insider_gone:  # R12: the elite formations' loyalty is to their commander
            felt = felt + params.weight_insider * self._elite
        flips = self.active & (felt > self.theta)
        if not np.count_nonzero(flips):  # ``answering`` is already up to date
            return None
        self.responsive &= ~flips
        self.refresh()
        return flips.nonzero()[0]

    def raise_pay(self, shift: float) -> None:
        """R16: a pay rise for career soldiers raises the thresholds of all but conscripts."""
        self.theta[self.kind != CONSCRIPT] += shift

    def leave(
        self,
        rows: np.ndarray,
        crossing: list[str | None],
        threat: np.ndarray,
        params,
        rng: np.random.Generator,
    ) -> list[tuple[int, float]]:
        """R13: what the units that stopped answering today do.

        Each, by one draw: crosses abroad if a crossing is open from its place
        (``exit_cross``), else surrenders if an attacker is next to it (``exit_surrender``),
        else dissolves, its soldiers going home (``exit_dissolve``), else holds its place
        without answering. Soldiers are the unit's strength times ``readiness`` (the share
        of a formation's nominal strength that is with it).

        Args:
            rows: The units that stopped answering today.
            crossing: Per place, the destination of a crossing open from it, or None.
            threat: Per place, 1 where an attacker is next to it.
            params: The units' parameters.
            rng: The stream of the units' exits.

        Returns:
            ``(place, soldiers)`` for each unit that surrendered.
        """
        u = rng.random(len(rows))
        surrendered = []
        gone = []
        readiness, cross, surrender = params.readiness, params.exit_cross, params.exit_surrender
        dissolve = params.exit_dissolve
        places, strengths = self.place[rows].tolist(), self.strength[rows].tolist()
        attacked = (threat > 0).tolist()
        for i, x, p, s in zip(rows.tolist(), u.tolist(), places, strengths, strict=True):
            soldiers = s * readiness
            dest = crossing[p]
            p_cross = cross if dest is not None else 0.0
            p_surrender = p_cross + (surrender if attacked[p] else 0.0)
            if x < p_cross:
                self.crossed[dest] = self.crossed.get(dest, 0.0) + soldiers
            elif x < p_surrender:
                self.surrendered += soldiers
                surrendered.append((p, soldiers))
            elif x < p_surrender + dissolve:
                self.dissolved += soldiers
            else:
                continue
            gone.append(i)
        # They had stopped answering, so what answers where (``refresh``) is unchanged.
        self.alive[gone] = False
        return surrendered

    def newly_quiet(self, collapse_share: float) -> list[int]:
        """Places whose answering garrison is below ``collapse_share`` for the first time."""
        checked = (self.version, collapse_share)
        if checked == self._quiet_checked:  # nothing changed since the last look
            return []
        self._quiet_checked = checked
        g0 = self.garrison0
        new = (self.answering < collapse_share * g0) & (g0 > 0) & ~self.quiet_logged
        self.quiet_logged |= new
        return np.flatnonzero(new).tolist()


class Unit(mesa.Agent):
    """A regime army formation garrisoning a place. Rule R5.

    The unit's state is its row in the model's ``Garrison`` arrays, so that the daily
    cascade is computed for all units at once; these properties are views on that row.
    """

    def __init__(self, model: mesa.Model, idx: int):
        super().__init__(model)
        self.idx = idx

    @property
    def place(self) -> str:
        """The place the unit garrisons now."""
        return self.model.c.names[self.model.garrison.place[self.idx]]

    @property
    def threshold(self) -> float:
        """The unit's own threshold for staying responsive."""
        return float(self.model.garrison.theta[self.idx])

    @property
    def responsive(self) -> bool:
        """Whether the unit still answers commands."""
        return bool(self.model.garrison.responsive[self.idx])

    @property
    def kind(self) -> str:
        """The unit's kind (R12): regular, elite or conscript."""
        return KINDS[int(self.model.garrison.kind[self.idx])]

    @property
    def dissolved(self) -> bool:
        """Whether the unit has dissolved (its place fell while it was not answering)."""
        return not bool(self.model.garrison.alive[self.idx])
