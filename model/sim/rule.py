"""A behavioural rule as the registry holds it (``model.sim.registry``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """A named behavioural rule.

    Attributes:
        id: Short identifier written in the event log.
        title: One line saying what the rule does.
        section: The article section(s) the rule is derived from.
        quote: The passage the rule rests on.
        params: Dotted scenario parameters the rule reads.
        code: Where the rule is carried out, as ``model/sim/<module>.py:<qualified name>``
            (``tests/sim/test_registry.py`` imports each and looks the name up).
    """

    id: str
    title: str
    section: str
    quote: str
    params: tuple[str, ...]
    code: tuple[str, ...]
