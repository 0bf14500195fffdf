"""Agent-based scenario simulator of the fall of the Assad regime, 27 Nov - 8 Dec 2024.

Layers, each importing only from those below it (checked by ``lint-imports``):
``cli`` -> ``studies`` -> ``ensemble`` | ``viz`` -> ``analysis`` | ``results`` -> ``sim``
-> ``config`` -> ``errors``. The README's "Architecture" section says what each owns.
"""

__version__ = "0.1.0"
