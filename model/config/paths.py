"""Dotted parameter names (``actors.russia.offer_threshold``): the one walker for all of them.

Scenario data is walked in three shapes: raw YAML mappings, validated models and the plain
namespaces a run reads. ``get_in`` and ``set_in`` take any of them: a mapping is indexed by
key, anything else by attribute.
"""

from __future__ import annotations

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
