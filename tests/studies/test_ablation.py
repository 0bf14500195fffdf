"""Rule ablation: a scenario can switch rules off, and each rule changes something.

Each rule is switched off in the scenario where it acts (halts act only when a halt is
asked for, so R9 is ablated in the Doha ceasefire), and the paired difference over 80 runs
must leave its 95 % interval's side of zero on at least one headline measure.
"""

from __future__ import annotations

import numpy as np
import pytest
from repo import REPO_ROOT

from model.analysis.stats import paired_mean
from model.config.loader import load_scenario
from model.config.paths import set_in
from model.config.schema import HOLDERS, RULE_IDS
from model.ensemble.runner import run_seeds
from model.errors import ScenarioError
from model.sim.compiled import compile_scenario
from model.sim.model import simulate
from model.sim.outputs import METRICS
from model.sim.rules import RULES

SEEDS = run_seeds(99, 80)
WHERE = {rid: "scenarios/baseline.yaml" for rid in RULE_IDS}
WHERE["R9"] = "scenarios/counterfactuals/doha_ceasefire.yaml"
# Exit routes matter where the way out needs a place that may fall first.
WHERE["R6"] = "tests/data/route_through_hama.yaml"
# Restraint acts where Turkey restrains: here it holds the coalition back before it attacks.
WHERE["R17"] = "tests/data/turkey_holds_back.yaml"


def test_every_rule_can_be_named_in_a_scenario():
    assert tuple(RULES) == RULE_IDS


def test_an_unknown_rule_is_one_error_naming_the_field(make_scenario):
    with pytest.raises(ScenarioError, match=r"rules\.disabled\[0\]"):
        load_scenario(make_scenario({"rules": {"disabled": ["R99"]}}))


def test_a_scenario_file_switches_rules_off(tmp_path, baseline_path):
    # Written as a user would, in YAML (where a bare "off" would read as false).
    path = tmp_path / "no_cascade.yaml"
    path.write_text(f"extends: {baseline_path}\nrules: {{disabled: [R5, R10]}}\n")
    assert load_scenario(path).rules.disabled == ["R5", "R10"]


def _headline(path: str, off: list[str]) -> dict[str, np.ndarray]:
    c = compile_scenario(load_scenario(REPO_ROOT / path))
    set_in(c.p, "rules.disabled", off)
    horizon = c.p.horizon_days
    results = [simulate(c, s) for s in SEEDS]

    def held(k: int) -> np.ndarray:
        d = np.array([r.fall_day[k] for r in results], dtype=float)
        return np.where(d >= 0, d, horizon)

    exit_day = np.array([r.leader_exit_day for r in results], dtype=float)
    north = HOLDERS.index("northern_opposition")
    answering, crossed = (
        METRICS.index("units_responsive_share"),
        METRICS.index("soldiers_crossed_iraq"),
    )
    return {
        "Aleppo days held": held(c.index["Aleppo"]),
        "Homs days held": held(c.index["Homs"]),
        "al-Qusayr days held": held(c.index["al-Qusayr"]),
        "Deir ez-Zor days held": held(c.index["Deir ez-Zor"]),
        "regime places at the horizon": np.array(
            [float(np.sum(r.holders[-1] == 0)) for r in results]
        ),
        "capital with the northern coalition at the horizon": np.array(
            [float(r.holders[-1, c.capital] == north) for r in results]
        ),
        "Deir ez-Zor with the northern coalition at the horizon": np.array(
            [float(r.holders[-1, c.index["Deir ez-Zor"]] == north) for r in results]
        ),
        # the day after the pay rise's decree (4 Dec, R16): by 8 Dec the cascade has run its
        # course with or without it
        "units answering on 5 December": np.array([r.metrics[8, answering] for r in results]),
        "units answering on 8 December": np.array([r.metrics[11, answering] for r in results]),
        "soldiers crossed into Iraq": np.array([r.metrics[-1, crossed] for r in results]),
        "capital days held": held(c.capital),
        "coast days held": held(c.index["Latakia"]),
        "leader days in the country": np.where(exit_day >= 0, exit_day, horizon),
        "regime population share at the horizon": np.array([r.metrics[-1, 0] for r in results]),
        "collapse and flight": np.array(
            [r.end_state == "collapse_and_flight" for r in results], float
        ),
    }


@pytest.mark.parametrize("rule", RULE_IDS)
def test_switching_a_rule_off_moves_a_headline_measure(rule):
    base = _headline(WHERE[rule], [])
    off = _headline(WHERE[rule], [rule])
    moved = {}
    for name in base:
        mean, lo, hi = paired_mean(off[name] - base[name])
        if lo > 0 or hi < 0:
            moved[name] = round(mean, 2)
    assert moved, f"{rule} off moves no headline measure in {WHERE[rule]}"


def test_ablate_writes_a_folder_with_table_fit_and_plot(run_cli, baseline_path, tmp_path):
    out = tmp_path / "abl"
    res = run_cli("ablate", baseline_path, "--runs", "8", "--workers", "1", "--out", out)
    assert res.code == 0, res.err
    for name in ("ablation.csv", "fit.csv", "ablation.json", "ablation.png"):
        assert (out / name).is_file(), name
    assert "without_R5" in res.out and "Fit to the documented dates" in res.out
