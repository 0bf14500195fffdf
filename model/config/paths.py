"""Dotted parameter names (``actors.russia.offer_threshold``): the one walker for all of them.

Scenario data is walked in three shapes: raw YAML mappings, validated models and the plain
namespaces a run reads. ``get_in`` and ``set_in`` take any of them: a mapping is indexed by
key, anything else by attribute.
"""

from __future__ import annotations

import copy
from typing import Any


def _child(node: Any, part: str) -> Any:
    return node[part] if isinstance(node, dict) else getattr(node, part)


def get_in(node: Any, dotted: str) -> Any:
    """The value at a dotted path.

    Raises:
        KeyError: A mapping on the way has no such key.
        AttributeError: An object on the way has no such attribute.
    """
    for part in dotted.split("."):
        node = _child(node, part)
    return node


def set_in(node: Any, dotted: str, value: Any) -> None:
    """Set the value at a dotted path; every node on the way must exist."""
    *parents, leaf = dotted.split(".")
    for part in parents:
        node = _child(node, part)
    if isinstance(node, dict):
        node[leaf] = value
    else:
        setattr(node, leaf, value)


def copy_along(node: Any, dotted: list[str]) -> Any:
    """A copy of ``node`` that ``set_in`` may change at the given paths, leaving ``node`` as is.

    Every node on the way to each path's leaf is a new shallow copy; everything else is
    shared with ``node``. For a tree of parameters that a run changes in a few places,
    this is what ``copy.deepcopy`` would give, at the cost of the paths alone.
    """
    root = copy.copy(node)
    fresh = {id(root)}
    for path in dotted:
        here = root
        for part in path.split(".")[:-1]:
            child = _child(here, part)
            if id(child) not in fresh:
                child = copy.copy(child)
                fresh.add(id(child))
                if isinstance(here, dict):
                    here[part] = child
                else:
                    setattr(here, part, child)
            here = child
    return root


def nest(flat: dict[str, Any]) -> dict[str, Any]:
    """Turn ``{"a.b": 1, "a.c": 2}`` into ``{"a": {"b": 1, "c": 2}}``."""
    out: dict[str, Any] = {}
    for dotted, value in flat.items():
        *parents, leaf = dotted.split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out
