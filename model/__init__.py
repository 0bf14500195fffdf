"""Agent-based scenario simulator of the fall of the Assad regime, 27 Nov - 8 Dec 2024.

The Python API (``model.api``, documented in ``docs/python-api.md``)::

    import model
    ens = model.run("scenarios/baseline.yaml", runs=200, seed=7)
    ens.runs, ens.daily, ens.events, ens.summary
    model.compare(["scenarios/baseline.yaml", "scenarios/counterfactuals/russia_stays.yaml"]).table

Layers, each importing only from those below it (checked by ``lint-imports``):
``cli`` | ``api`` -> ``dashboard`` -> ``studies`` -> ``ensemble`` | ``viz`` -> ``analysis`` |
``results`` -> ``sim`` -> ``config`` -> ``errors``. ``docs/development.md`` says what each
owns.
"""

__version__ = "0.1.0"

_API = ("load", "run", "compare", "simulate", "Ensemble", "Comparison", "DEFAULT_SEED")
__all__ = ["__version__", *_API]


def __getattr__(name: str):
    # Imported on first use, so that `python -m model` and the pool's worker processes,
    # which import this package, do not pay for pandas and the ensemble layer up front.
    if name in _API:
        from model import api

        return getattr(api, name)
    raise AttributeError(f"module 'model' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
