"""The simulation core: agents, rules and the Mesa model. No file I/O, no plotting.

Import from the modules: ``model.sim.model`` (SyriaModel, simulate), ``model.sim.outputs``
(METRICS, END_STATES, RunResult) and so on; this package imports none of them itself, so that
reading ``outputs`` does not load Mesa.
"""
