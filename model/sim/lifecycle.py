"""Where the model departs from Mesa's defaults for speed, and what a developer must keep true.

``DeferredAgents`` is a ``mesa.Model`` whose agents are filed in Mesa's sets only when
someone reads them; ``release`` frees a finished run. Both exist because a run of this model
lasts about ten milliseconds, so Mesa's per-agent bookkeeping (weak-reference sets, the
class-level registry of every model) would cost more than the run.

Invariants the daily shortcuts of ``model/sim`` rest on (break one and results silently go
wrong; ``tests/sim/test_sim_shortcuts.py`` and ``tests/test_regression.py`` catch most):

- After changing who answers or where a unit is (``Garrison.responsive``, ``alive``,
  ``place``, ``strength``), call ``Garrison.refresh()``: it recounts ``answering`` and bumps
  ``Garrison.version``. ``nearby_quiet``, ``responsive_strength``, ``newly_quiet`` and the
  battlefield's ``army_left_near`` are cached by that version and would keep stale values.
  (A unit that had already stopped answering may be marked gone, ``alive = False``, without a
  refresh: what answers is unchanged.)
- After a place changes hands or a force starts fighting, call
  ``Battlefield.lines_moved()``; after an intervention that changes a parameter the fronts
  read (``combat.present_km``), ``Battlefield.forget_reach()``. The fronts, the reach of each
  force and the targets are kept by ``Battlefield.version`` and by the holders.
- Values from ``Compiled.store`` (``Memo.remember``) are shared by every run of the scenario
  in the process with the same setup: never change them in place. Their key must name
  everything they depend on besides the setup (``SyriaModel.setup``: the rules switched off,
  the forces' scopes, enemies and deference).
- Every random draw comes from a named stream (``schedule.STREAMS``); a new stream goes at
  the end, and ``DailyNoise``/``NormalDraws`` are used only on a stream nothing else draws
  from, so that common random numbers survive.
- ``release(model)`` empties the model: nothing may use it afterwards.
"""

from __future__ import annotations

import mesa


class DeferredAgents(mesa.Model):
    """A Mesa model that files its agents in Mesa's sets only when they are first read.

    Mesa files each new agent at once in an AgentSet of its class and one of all agents, both
    of weak references; for the dozen actors of a run that costs more than their first day.
    The model holds the agent from its creation (as Mesa does), and ``agents``,
    ``agents_by_type`` and ``agent_types`` file every agent not yet filed, in the order they
    were created, before answering. Agents made only when asked for (the units, one per row
    of the garrison's arrays) are created by ``create_lazy_agents``.
    """

    def __init__(self, *args, **kwargs):
        self._unregistered: list[mesa.Agent] = []
        super().__init__(*args, **kwargs)

    def create_lazy_agents(self) -> None:
        """Create the agents that exist only once someone asks for the model's agents."""

    def register_agent(self, agent: mesa.Agent) -> None:
        """Register an agent with the model; Mesa's sets of agents take it when next read."""
        self._agents[agent] = None
        self._unregistered.append(agent)

    def deregister_agent(self, agent: mesa.Agent) -> None:
        """Deregister an agent (Mesa's ``Agent.remove``)."""
        self._file_agents()
        super().deregister_agent(agent)

    def _file_agents(self) -> None:
        pending, self._unregistered = self._unregistered, []
        for a in pending:
            super().register_agent(a)

    @property
    def agents(self) -> mesa.agent.AgentSet:
        """Every agent of the model, the lazy ones included (created on this first request)."""
        self.create_lazy_agents()
        self._file_agents()
        return super().agents

    @property
    def agents_by_type(self) -> dict[type[mesa.Agent], mesa.agent.AgentSet]:
        """The model's agents by class, the lazy ones included."""
        self.create_lazy_agents()
        self._file_agents()
        return super().agents_by_type

    @property
    def agent_types(self) -> list[type]:
        """The classes of the model's agents, the lazy ones included."""
        return list(self.agents_by_type)


def release(model: mesa.Model) -> None:
    """Free a finished model: drop Mesa's reference to it and its own references.

    The model cannot be used afterwards.

    Mesa 3.3 numbers agents per model in the class attribute ``Agent._ids``, a dict keyed by
    model that keeps every model ever created alive (mesa issue #3179, fixed upstream in
    #3180). An ensemble would keep all its runs in memory, and garbage collection, which
    walks them all, would slow every later run down.
    """
    ids = getattr(mesa.Agent, "_ids", None)
    if isinstance(ids, dict):
        ids.pop(model, None)
    # A run's objects refer to one another (each agent to its model, the model to its
    # agents, its actions on the agenda and its own bound ``step``). Left to Python's cycle
    # collector, a finished run lingers and the collections cost about 5 % of the next runs;
    # without the model's references, it is freed as soon as its last user lets go.
    model.__dict__.clear()
