"""What a scenario changes, and whether its pinned decisions, interventions and flips took effect.

The shares come from the summaries (``model.analysis.summary``: ``pins_applied``,
``pins_came_up``), which count the outcome each run logs for each pin (``model.sim.pins``).
"""

from __future__ import annotations

from collections.abc import Sequence

from model.config.schema import Scenario, iter_params

# A pin that took effect in fewer runs than this is flagged: the scenario does less than it says.
PIN_APPLIED_WARN = 0.95


def pins_of(entries: Sequence[dict]) -> dict[str, dict[str, dict[str, float]]]:
    """Per scenario, its pins' shares from ``comparison.json``'s (or summaries') entries.

    Args:
        entries: Dicts with ``name``, ``pins_applied`` and ``pins_came_up``.
    """
    return {
        e["name"]: {"applied": e.get("pins_applied") or {}, "came_up": e.get("pins_came_up") or {}}
        for e in entries
    }


def pin_lines(applied: dict[str, float], came_up: dict[str, float]) -> list[str]:
    """One line per pin: the share of runs it took effect in, and came up in."""
    return [
        f"{name:<52s}took effect in {share:4.0%} of runs (came up in {came_up.get(name, 0.0):.0%})"
        for name, share in applied.items()
    ]


def pin_warnings(scenario: str, applied: dict, came_up: dict, runs: int) -> list[str]:
    """A warning for each pin that took effect in fewer than ``PIN_APPLIED_WARN`` of the runs.

    Returns:
        Lines such as ``iraq_sends_pmf: came up in 0 of 200 runs; the pin never applied``.
    """
    out = []
    for name, share in applied.items():
        if share >= PIN_APPLIED_WARN:
            continue
        up, took = round(came_up.get(name, 0.0) * runs), round(share * runs)
        if up == 0:
            text = f"came up in 0 of {runs} runs; the pin never applied"
        elif took == 0:
            text = f"came up in {up} of {runs} runs and took effect in none; the pin never applied"
        else:
            text = f"came up in {up} of {runs} runs and took effect in {took} ({share:.0%})"
        out.append(f"{scenario}: {name}: {text}")
    return out


def format_pins(pins: dict[str, dict[str, dict[str, float]]], runs: int) -> list[str]:
    """The pins block of the terminal table, then a warning line for each pin under 95 %."""
    if not any(p["applied"] for p in pins.values()):
        return []
    lines = [
        "Pins: share of runs in which each pinned decision, intervention or parameter change",
        "came up and took effect (the run differs from the same seed without it)",
    ]
    warnings = []
    for scenario, p in pins.items():
        if not p["applied"]:
            continue
        lines.append(f"  {scenario}")
        lines += [f"    {line}" for line in pin_lines(p["applied"], p["came_up"])]
        warnings += pin_warnings(scenario, p["applied"], p["came_up"], runs)
    lines += [f"WARNING {w}" for w in warnings]
    return lines


def changes(base: Scenario, other: Scenario) -> list[dict]:
    """What ``other`` changes relative to ``base``: parameters, pinned decisions, interventions."""
    out = []
    bp = dict(iter_params(base))
    for name, param in iter_params(other):
        old = bp.get(name)
        if old is None or old.value != param.value:
            out.append(
                {"what": name, "base": None if old is None else old.value, "new": param.value}
            )
    for key, pin in other.decisions.items():
        if base.decisions.get(key, "auto") != pin:
            out.append(
                {"what": f"decision {key}", "base": base.decisions.get(key, "auto"), "new": pin}
            )
    for iv in other.interventions:
        for path, value in iv.set.items():
            out.append(
                {
                    "what": f"from {iv.date.isoformat()}: {path}",
                    "base": bp[path].value if path in bp else None,
                    "new": value,
                }
            )
    if base.places != other.places:
        out.append({"what": "places", "base": "baseline places", "new": "changed"})
    if base.routes != other.routes:
        out.append({"what": "routes", "base": "baseline routes", "new": "changed"})
    return out
