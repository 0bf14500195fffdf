"""docs/ODD.md follows the ODD protocol's second update and matches the rule registry.

A rule added to ``model/sim/rules.py`` without its ODD entry, a registry parameter its entry
does not name, or a parameter named in the ODD that the baseline no longer has, fails here.
"""

from __future__ import annotations

import re

import pytest
from repo import REPO_ROOT

from model.config.loader import read_yaml
from model.config.schema import OPPOSITION, PATRONS
from model.sim.rules import RULES

ODD = REPO_ROOT / "docs" / "ODD.md"
BASELINE = REPO_ROOT / "scenarios" / "baseline.yaml"

# Grimm et al. 2020, JASSS 23(2) 7: the seven elements, in order, and the design concepts.
ELEMENTS = [
    "Purpose and patterns",
    "Entities, state variables, and scales",
    "Process overview and scheduling",
    "Design concepts",
    "Initialization",
    "Input data",
    "Submodels",
]
DESIGN_CONCEPTS = [
    "Basic principles",
    "Emergence",
    "Adaptation",
    "Objectives",
    "Learning",
    "Prediction",
    "Sensing",
    "Interaction",
    "Stochasticity",
    "Collectives",
    "Observation",
]
PLACEHOLDERS = {"<patron>": PATRONS, "<opposition>": OPPOSITION}
TOP_PARAMS = ("actors.", "combat.", "outcomes.")


def _text() -> str:
    return ODD.read_text(encoding="utf-8")


def _sections(text: str, level: str) -> list[tuple[str, str]]:
    """(heading, body) pairs for headings of exactly this level (``##`` or ``###``)."""
    parts = re.split(rf"^{level} (.+)$", text, flags=re.M)
    return list(zip(parts[1::2], parts[2::2], strict=True))


def _h2() -> dict[str, str]:
    return {re.sub(r"^\d+\s+", "", h).strip(): b for h, b in _sections(_text(), "##")}


def _exists(dotted: str, tree: dict) -> bool:
    for tag, names in PLACEHOLDERS.items():
        if tag in dotted:
            return any(_exists(dotted.replace(tag, n), tree) for n in names)
    node = tree
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def test_the_seven_elements_in_order():
    assert list(_h2()) == ELEMENTS


def test_every_design_concept_in_order():
    body = _h2()["Design concepts"]
    assert [h.strip() for h, _ in _sections(body, "###")] == DESIGN_CONCEPTS


def _submodels() -> dict[str, str]:
    body = _h2()["Submodels"]
    return {h.split()[0]: b for h, b in _sections(body, "###")}


def test_every_rule_has_a_submodel_and_every_submodel_is_a_rule():
    entries = _submodels()
    assert sorted(entries, key=lambda r: int(r[1:])) == list(RULES)


@pytest.mark.parametrize("rule", list(RULES))
def test_each_submodel_names_the_parameters_its_rule_reads(rule):
    body = _submodels()[rule]
    named = set(re.findall(r"`([^`]+)`", body))
    missing = [p for p in RULES[rule].params if p not in named]
    assert not missing, f"docs/ODD.md, {rule}: not named: {missing}"
    assert f"Cites: {RULES[rule].section}." in " ".join(body.split())


def test_every_parameter_named_exists_in_the_baseline():
    tree = read_yaml(BASELINE)
    named = set(
        re.findall(r"`([a-z_<>]+(?:\.[a-z_<>]+)+|decision_temperature|horizon_days)`", _text())
    )
    params = {n for n in named if n.startswith(TOP_PARAMS) or "." not in n}
    assert len(params) > 60, params  # the pattern found the parameters, not nothing
    gone = sorted(n for n in params if not _exists(n, tree))
    assert not gone, f"docs/ODD.md names parameters the baseline does not have: {gone}"
