"""A scenario turned into plain values and arrays, once, so that each run starts fast."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np
from pydantic import BaseModel
from scipy.sparse import csgraph

from model.config.paths import set_in
from model.config.schema import HOLDERS, INHERITED, LOCAL_ACTORS, Param, Scenario
from model.sim.garrison import unit_kinds
from model.sim.pins import Pin, scenario_pins, without


def plain(node: Any) -> Any:
    """Strip provenance: Param -> value, models -> namespaces, recursively."""
    if isinstance(node, Param):
        return plain(node.value)
    if isinstance(node, BaseModel):
        return SimpleNamespace(**{k: plain(getattr(node, k)) for k in type(node).model_fields})
    if isinstance(node, dict):
        return {k: plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    return node


@dataclass
class Compiled:
    """Everything a run needs from a scenario, as values and arrays.

    Attributes:
        scenario: The validated scenario (for names and provenance).
        p: Parameter values as nested namespaces (``p.actors.russia.offer_threshold``).
        names: Place names in scenario order.
        index: Place name -> index.
        population: Population per place.
        start_holder: Holder code per place at day 0 (index into ``HOLDERS``).
        neighbours: For each place, a list of (neighbour index, km).
        adjacency: (I + adjacency) matrix: a place and its neighbours, for the units' view.
        dist_to_capital: Road km from each place to the capital (inf where unreachable).
        dist: Road km between every two places, as nested lists (inf where unreachable).
        unit_place: The place each unit garrisons at day 0.
        unit_kind: Each unit's kind (R12), by rule: the same in every run.
        capital: Index of the capital.
        major: Indices of the major cities.
        attract_weight: Population x strategic weight per place, the numerator of a
            target's attractiveness to an attacker (R7).
        interventions: ``(day, {dotted parameter: plain value})`` in date order: scenario
            changes that take effect at the start of that day.
        pins: The scenario's pinned decisions, interventions and parameter flips, whose
            coming up a run records (``model.sim.pins``).
    """

    scenario: Scenario
    p: SimpleNamespace
    names: list[str]
    index: dict[str, int]
    population: np.ndarray
    start_holder: np.ndarray
    neighbours: list[list[tuple[int, float]]]
    adjacency: np.ndarray
    dist_to_capital: np.ndarray
    dist: list[list[float]]
    unit_place: np.ndarray
    unit_kind: np.ndarray
    capital: int
    major: list[int]
    attract_weight: np.ndarray
    interventions: list[tuple[int, dict[str, Any]]]
    pins: tuple[Pin, ...] = ()
    # Not fields a caller gives: a copy (copy, deepcopy, dataclasses.replace) starts empty.
    memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    twins: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def twin(self, pin: Pin) -> Compiled:
        """This scenario without one of its interventions or flips, made once, for comparison.

        Made from these values (so that what a caller changed in ``p``, such as the rules
        switched off, holds in the twin too), except for a parameter read when the scenario
        is compiled, which needs the scenario compiled again.
        """
        twin = self.twins.get(pin.name)
        if twin is None:
            if pin.path in COMPILE_TIME:
                twin = compile_scenario(without(self.scenario, pin))
            else:
                p = copy.deepcopy(self.p)
                kept = list(self.interventions)
                if pin.kind == "intervention":
                    del kept[pin.index]
                else:
                    set_in(p, pin.path, plain(pin.replaces))
                twin = dataclasses.replace(self, p=p, interventions=kept, pins=())
            self.twins[pin.name] = twin
        return twin

    def store(self, setup: tuple) -> Memo:
        """What runs of this scenario in this process with the same ``setup`` work out alike.

        For what a run works out from a few discrete facts (who holds each place, which
        forces are fighting) that recur from run to run. ``setup`` names what else those
        values depend on and a run could change (the rules switched off, the forces' scopes
        and enemies), so that a run with another setup never reads them. The values belong
        to the compiled scenario: its arrays and roads must not be changed in place.
        """
        memo = self.memo.get(setup)
        if memo is None:
            memo = self.memo[setup] = Memo()
        return memo

    def __copy__(self) -> Compiled:
        return dataclasses.replace(self)

    def __deepcopy__(self, seen: dict) -> Compiled:
        return dataclasses.replace(
            self,
            **{
                f.name: copy.deepcopy(getattr(self, f.name), seen)
                for f in dataclasses.fields(self)
                if f.init
            },
        )


class Memo(dict):
    """Values made once and shared, by key; emptied at ``MEMO_SIZE`` entries, so it stays small."""

    def remember(self, key: tuple, make: Callable[[], Any]) -> Any:
        """The value under ``key``, made by ``make()`` the first time; nobody may change it.

        The key must name everything the value depends on besides the store's setup.
        """
        try:
            return self[key]
        except KeyError:
            pass
        if len(self) >= MEMO_SIZE:
            self.clear()
        value = self[key] = make()
        return value


MEMO_SIZE = 20_000

# Parameters ``compile_scenario`` reads into arrays: a twin that undoes one is compiled again.
COMPILE_TIME = frozenset(
    {
        "actors.units.count",
        "actors.regime.capital",
        "actors.units.elite_places",
        "actors.units.elite_share",
        "actors.units.conscript_share",
    }
)


def _allocate(weights: np.ndarray, n: int) -> np.ndarray:
    """Largest-remainder allocation of ``n`` units over places by weight."""
    if weights.sum() <= 0:
        raise ValueError("no regime-held place has a garrison weight")
    exact = weights / weights.sum() * n
    counts = np.floor(exact).astype(int)
    rest = n - counts.sum()
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[:rest]] += 1
    return counts


def compile_scenario(sc: Scenario) -> Compiled:
    """Turn a validated scenario into arrays; pure, no I/O."""
    p = plain(sc)
    south = p.actors.southern_command
    for key in LOCAL_ACTORS:  # a local actor fights as the southern command unless told
        f = getattr(p.actors, key)
        for name in INHERITED:
            if getattr(f, name) is None:
                setattr(f, name, getattr(south, name))
    names = list(sc.places)
    index = {n: i for i, n in enumerate(names)}
    n_places = len(names)
    population = np.array([sc.places[n].population for n in names], dtype=float)
    holder = np.array([HOLDERS.index(sc.places[n].holder) for n in names], dtype=np.int8)
    neighbours: list[list[tuple[int, float]]] = [[] for _ in names]
    adj = np.eye(n_places)
    for r in sc.routes:
        a, b = index[r.a], index[r.b]
        neighbours[a].append((b, r.km))
        neighbours[b].append((a, r.km))
        adj[a, b] = adj[b, a] = 1.0

    capital = index[sc.actors.regime.capital.value]
    # Road graph as a dense matrix (inf: no road); duplicate roads keep the shortest.
    km = np.full((n_places, n_places), np.inf)
    for r in sc.routes:
        a, b = index[r.a], index[r.b]
        km[a, b] = km[b, a] = min(km[a, b], r.km)
    graph = csgraph.csgraph_from_dense(km, null_value=np.inf)
    every = csgraph.dijkstra(graph, directed=False)
    dist = every[capital]

    weights = np.array(
        [sc.places[n].garrison_weight if sc.places[n].holder == "regime" else 0.0 for n in names]
    )
    counts = _allocate(weights, sc.actors.units.count.value)
    unit_place = np.repeat(np.arange(n_places), counts).astype(np.int32)
    major = [i for i, n in enumerate(names) if sc.places[n].major_city]
    strategic_weight = np.array([sc.places[n].strategic_weight for n in names], dtype=float)
    return Compiled(
        scenario=sc,
        p=p,
        names=names,
        index=index,
        population=population,
        start_holder=holder,
        neighbours=neighbours,
        adjacency=adj,
        dist_to_capital=dist,
        dist=every.tolist(),
        unit_place=unit_place,
        unit_kind=unit_kinds(
            unit_place, [index[n] for n in p.actors.units.elite_places], p.actors.units
        ),
        capital=capital,
        major=major,
        attract_weight=population * strategic_weight,
        interventions=[
            ((iv.date - sc.start_date).days, {k: plain(v) for k, v in iv.set.items()})
            for iv in sorted(sc.interventions, key=lambda iv: iv.date)
        ],
        pins=scenario_pins(sc),
    )
