"""Ablation: a scenario run with each behavioural rule switched off in turn, paired by seed.

Every variant runs with the same seeds as the scenario itself (common random numbers), so a
difference is what the rule contributes, not noise. The table is the comparison table of
``compare`` (end states, days the capital is held, days the leader stays, with paired 95 %
intervals), and the fit to the documented dates is ``validate``'s score of each variant.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from model.analysis.compare import compare_runs
from model.analysis.validate import score, summarize_scores
from model.config.observations import DEFAULT_PATH, load_observations
from model.config.schema import RULE_IDS, RuleSwitches, Scenario
from model.ensemble.runner import Job, run_ensemble
from model.results.files import new_results_dir
from model.results.lifecycle import study_manifest
from model.results.provenance import provenance


def variants(sc: Scenario) -> list[tuple[str, Scenario]]:
    """The scenario, then one copy of it per rule still in force, with that rule off."""
    out = [(sc.name, sc)]
    for rid in RULE_IDS:
        if rid in sc.rules.disabled:
            continue
        off = RuleSwitches(disabled=sorted({*sc.rules.disabled, rid}, key=RULE_IDS.index))
        out.append((f"without_{rid}", sc.model_copy(update={"rules": off})))
    return out


def fit_table(names: list[str], ensembles: list, sc: Scenario) -> pd.DataFrame:
    """Mean absolute error in days to the documented dates, per variant and role."""
    observations = load_observations(DEFAULT_PATH)
    rows = []
    for name, ens in zip(names, ensembles, strict=True):
        s = summarize_scores(score(observations, ens.tables.runs, ens.tables.events, sc.start_date))
        for role in ("all", "calibration", "held_out"):
            part = s[role]
            rows.append((name, role, part["mae_days"], part["hit_share"], part["not_produced"]))
    return pd.DataFrame(rows, columns=["scenario", "role", "mae_days", "hit_share", "not_produced"])


def ablate_to_dir(
    sc: Scenario, scenario_path: str, runs: int, job: Job
) -> tuple[Path, pd.DataFrame, pd.DataFrame]:
    """Run every variant, compare each with the scenario, and write the folder.

    Not resumable: it holds its runs in memory and writes its folder once, at the end.

    Returns:
        The folder, the comparison table (``compare_runs``) and the fit table.
    """
    from model.viz.ablation_plot import plot_ablation

    final = new_results_dir(f"{sc.name}-ablation", job.out)
    named = variants(sc)
    names = [n for n, _ in named]
    with job.study_folder("ablation", final, sc, runs=runs) as folder:
        ensembles = [run_ensemble(v, scenario_path, runs, job) for _, v in named]
        capital = sc.actors.regime.capital.value
        horizon = sc.horizon_days.value
        table = compare_runs(
            names, [e.tables.runs for e in ensembles], capital, horizon, job.draw_numbers(runs)
        )
        fit = fit_table(names, ensembles, sc)
        doc = {
            **provenance(sc, scenario_path, job.argv),
            "runs": runs,
            "master_seed": int(job.master_seed),
            "rules_disabled_in_scenario": list(sc.rules.disabled),
            "variants": names,
            "table": json.loads(table.to_json(orient="records")),
            "fit": json.loads(fit.to_json(orient="records")),
        }
        tmp = folder.path
        table.to_csv(tmp / "ablation.csv", index=False, float_format="%.6g")
        fit.to_csv(tmp / "fit.csv", index=False, float_format="%.6g")
        (tmp / "ablation.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        plot_ablation(table, fit, capital, f"{sc.name}, {runs} runs per variant", tmp)
        folder.publish(study_manifest("ablation"))
    return final, table, fit


def format_fit(fit: pd.DataFrame) -> str:
    """The fit to the documented dates of each variant, for the terminal."""
    lines = ["Fit to the documented dates (mean absolute error in days; all observations):"]
    part = fit[fit.role == "all"]
    base = part.iloc[0]
    for _, r in part.iterrows():
        mae = "-" if pd.isna(r.mae_days) else f"{r.mae_days:.2f}"
        delta = (
            ""
            if r.scenario == base.scenario or pd.isna(r.mae_days)
            else (f"  ({r.mae_days - base.mae_days:+.2f})")
        )
        lines.append(f"  {r.scenario:<16s}{mae:>7s}{delta:<10s} not produced {int(r.not_produced)}")
    return "\n".join(lines)
