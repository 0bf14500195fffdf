"""Fixed-seed regression: the shipped scenarios give the same bytes as when last recorded.

A change that alters results on purpose re-records them with ``python tests/regression.py``
and says so in its commit; any other change must leave them identical.
"""

from __future__ import annotations

import json

import pytest
from regression import RECORD, moved, record_of, scenario_paths

RECORDED = json.loads(RECORD.read_text(encoding="utf-8"))


def test_every_shipped_scenario_is_recorded():
    assert sorted(RECORDED) == sorted(scenario_paths())


@pytest.mark.parametrize("path", sorted(RECORDED))
def test_results_are_byte_identical_to_the_record(path):
    now = record_of(path)
    assert now["sha256"] == RECORDED[path]["sha256"], (
        f"{path}: results changed ({moved(RECORDED[path], now)}); if on purpose, re-record "
        "with python tests/regression.py and say so in the commit"
    )
