"""The rule registry is the map: every rule names code that exists."""

from __future__ import annotations

import pytest

from model.sim import rules


def _resolve(location: str):
    """The object a registry code location names (``model/sim/x.py:Class.method``)."""
    import importlib

    path, _, qualname = location.partition(":")
    assert path.startswith("model/") and path.endswith(".py") and qualname, location
    obj = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize("rule", list(rules.RULES))
def test_every_rule_names_code_that_exists(rule):
    locations = rules.RULES[rule].code
    assert locations, f"{rule} names no code location"
    for loc in locations:
        obj = _resolve(loc)
        assert callable(obj) or isinstance(obj, property), loc


def test_a_code_location_that_does_not_exist_is_caught():
    with pytest.raises(AttributeError):
        _resolve("model/sim/garrison.py:Garrison.no_such_method")
    with pytest.raises(ModuleNotFoundError):
        _resolve("model/sim/agents.py:Unit")
