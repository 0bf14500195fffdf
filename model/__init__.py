"""Agent-based scenario simulator of the fall of the Assad regime, 27 Nov - 8 Dec 2024.

The package is split as the style guide suggests: ``scenario`` (defaults, overrides,
validation, provenance), ``agents``/``rules``/``core`` (the simulation, no I/O), ``runner``
(ensembles and files), ``summary`` and ``plotting`` (read saved results), ``cli``.
"""

__version__ = "0.1.0"
