"""``discover``: under which decisions and uncertain conditions the regime keeps the capital.

The inputs are the documented decisions a scenario can pin (each its documented answer or
its flip) and the parameters under its ``uncertain:`` section (each over its range). A Latin
hypercube (scipy's ``qmc``, seeded from the master seed) gives the cases; a case's unit
draw below one half keeps a decision's documented answer, above flips it. Each case is one
run with its own seed (``run_seeds``). PRIM then looks for the boxes of inputs in which the
regime still holds the capital at the end of 8 December, and at the horizon
(``model.analysis.discovery``).

The folder holds ``cases.csv`` (every case's inputs and outcome), ``boxes.csv`` (each step
of each target's peeling trajectory with its ``coverage`` and ``density``, the chosen one
marked), ``limits.csv`` (the chosen boxes' limits with quasi-p values and resampling
stability), ``boxes.json`` (all of it, the feature scores and each box in words),
``tradeoff.png`` and a pair plot of each chosen box. Cases are written in blocks; an
interrupted discovery is resumed from its last block.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from model.analysis import discovery as disc
from model.analysis.coalitions import FLIP, documented_answer
from model.config.schema import DECISIONS, Scenario, scenario_digest
from model.config.uncertain import Ranges, with_values
from model.ensemble.executors import simulate_task
from model.ensemble.memory import run_seeds
from model.ensemble.runner import Job
from model.results.provenance import provenance
from model.studies.rowblocks import FLOAT_FORMAT, Study, study_folder

LHS_TAG = 0x4C48  # the hypercube's stream, apart from the runs' seeds (SeedSequence entropy)
BLOCK = 250  # cases per block written
CASES_FILE = "cases.csv"
DOCUMENTED_END = dt.date(2024, 12, 8)
TARGETS = {
    "held_8dec": "the regime still holds the capital at the end of 8 December",
    "held_at_horizon": "the regime still holds the capital at the horizon",
}


def inputs(sc: Scenario, path: str | None = None) -> tuple[list[str], dict[str, list[float]]]:
    """The decisions (``DECISIONS``, read when called) and the uncertain ranges explored."""
    prob = Ranges.of(sc, path).problem()
    return list(DECISIONS), dict(zip(prob["names"], prob["bounds"], strict=True))


def cases_table(
    sc: Scenario, cases: int, master_seed: int, path: str | None = None
) -> pd.DataFrame:
    """Every case's seed and inputs: a seeded Latin hypercube over the decisions and ranges.

    Raises:
        ScenarioError: The scenario (file ``path``) declares no uncertain ranges.
    """
    from scipy.stats import qmc

    decisions, ranges = inputs(sc, path)
    rng = np.random.default_rng(np.random.SeedSequence([int(master_seed), LHS_TAG]))
    u = qmc.LatinHypercube(d=len(decisions) + len(ranges), seed=rng).random(cases)
    table = pd.DataFrame({"case": np.arange(cases), "seed": run_seeds(master_seed, cases)})
    for j, d in enumerate(decisions):
        doc = documented_answer(sc, d)
        table[d] = np.where(u[:, j] < 0.5, doc, FLIP[doc])
    for j, (name, (low, high)) in enumerate(ranges.items(), start=len(decisions)):
        table[name] = low + u[:, j] * (high - low)
    return table


def _tasks(sc: Scenario, table: pd.DataFrame, start: int) -> Iterator[tuple]:
    decisions, ranges = inputs(sc)
    data, base = sc.model_dump(), scenario_digest(sc)
    for row in table.iloc[start:].to_dict(orient="records"):
        values = {n: float(row[n]) for n in ranges}
        d = with_values(sc, values, data)
        d["decisions"] = {**d["decisions"], **{k: str(row[k]) for k in decisions}}
        key = hashlib.sha256((base + json.dumps([values, d["decisions"]], sort_keys=True))
                             .encode()).hexdigest()  # fmt: skip
        yield (key, d, [int(row["seed"])])


def _run_blocks(study: Study, sc: Scenario, table: pd.DataFrame, job: Job) -> None:
    from model.ensemble.progress import track
    from model.sim.compiled import compile_scenario

    start = study.done
    if start >= len(table):
        return
    c = compile_scenario(sc)
    capital = c.capital
    day = (DOCUMENTED_END - sc.start_date).days
    with job.executor.start(len(table) - start) as ex:
        answers = track(ex.map(simulate_task, _tasks(sc, table, start)), len(table),
                        f"{sc.name} cases", job.progress, unit="case", initial=start)  # fmt: skip
        rows = []
        for k, (r,) in enumerate(answers, start=start):
            fall = int(r.fall_day[capital])
            rows.append((fall, fall < 0 or fall > day, fall < 0, r.end_state))
            if len(rows) == BLOCK or k == len(table) - 1:
                out = table.iloc[k + 1 - len(rows) : k + 1].copy()
                out[["capital_fall_day", "held_8dec", "held_at_horizon", "end_state"]] = rows
                study.append({CASES_FILE: out}, len(rows))
                rows = []


def analyse(cases: pd.DataFrame, sc: Scenario, seed: int, resamples: int = disc.RESAMPLES) -> dict:
    """PRIM for each target over the cases' inputs (decisions as categories)."""
    decisions, ranges = inputs(sc)
    x = cases[[*decisions, *ranges]].copy()
    for d in decisions:
        x[d] = pd.Categorical(x[d].astype(str))
    return {t: disc.discover(x, cases[t].to_numpy(bool), seed, resamples) for t in TARGETS}


def _box_rows(found: dict) -> pd.DataFrame:
    parts = []
    for target, f in found.items():
        t = f["trajectory"].reset_index(names="step")
        t.insert(0, "target", target)
        t["chosen"] = t["step"] == f["chosen"]
        parts.append(t)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _limit_rows(found: dict) -> pd.DataFrame:
    rows = []
    for target, f in found.items():
        for lim in f["limits"]:
            rows.append({"target": target, "input": lim["input"], "kind": lim["kind"],
                         "low": lim.get("low"), "high": lim.get("high"),
                         "values": "|".join(lim.get("values", [])),
                         "qp_low": lim["qp_low"], "qp_high": lim["qp_high"],
                         "stability": f["stability"].get(lim["input"])})  # fmt: skip
    return pd.DataFrame(rows, columns=["target", "input", "kind", "low", "high", "values",
                                       "qp_low", "qp_high", "stability"])  # fmt: skip


def document(sc: Scenario, cases: int, master_seed: int, found: dict) -> dict:
    """``boxes.json``: per target the share of interest, the chosen box and the trade-off."""
    decisions, ranges = inputs(sc)
    targets = []
    for target, f in found.items():
        t = f["trajectory"]
        chosen = None
        if f["chosen"] is not None:
            step = t.loc[f["chosen"]]
            chosen = {"step": int(f["chosen"]), "coverage": float(step.coverage),
                      "density": float(step.density), "mass": float(step.mass),
                      "restricted": int(step.res_dim), "reaches_goal": bool(f["reaches_goal"]),
                      "words": disc.in_words(f["limits"]), "limits": f["limits"],
                      "stability": f["stability"]}  # fmt: skip
        targets.append({
            "id": target, "label": TARGETS[target], "of_interest": f["of_interest"],
            "cases_of_interest": int(round(f["of_interest"] * f["cases"])), "chosen": chosen,
            "feature_scores": f["feature_scores"],
            "trajectory": json.loads(t.to_json(orient="records")) if len(t) else [],
        })  # fmt: skip
    return {
        "format_version": 1,
        "scenario": sc.name,
        "cases": cases,
        "master_seed": int(master_seed),
        "goal": disc.GOAL,
        "decisions": {
            d: {"documented": documented_answer(sc, d), "flipped": FLIP[documented_answer(sc, d)]}
            for d in decisions
        },  # fmt: skip
        "uncertain": ranges,
        "day_8dec": (DOCUMENTED_END - sc.start_date).days,
        "targets": targets,
    }


def format_discovery(doc: dict) -> str:
    """The chosen boxes in words, for the terminal."""
    lines = [f"Scenario discovery over {len(doc['decisions'])} decisions and "
             f"{len(doc['uncertain'])} uncertain parameters: {doc['cases']} cases "
             f"(Latin hypercube, one run each), master seed {doc['master_seed']}"]  # fmt: skip
    for t in doc["targets"]:
        lines += ["", f"Cases in which {t['label']}: {t['cases_of_interest']} "
                  f"({t['of_interest']:.0%})"]  # fmt: skip
        c = t["chosen"]
        if c is None:
            lines.append("  no box: the outcome is the same in every case")
            continue
        verdict = ("reaches" if c["reaches_goal"] else
                   f"does not reach coverage and density {doc['goal']:.0%} both; the best found is")  # fmt: skip
        lines.append(f"  chosen box (step {c['step']}, {verdict}): coverage {c['coverage']:.2f}, "
                     f"density {c['density']:.2f}, {c['restricted']} {'input' if c['restricted'] == 1 else 'inputs'} restricted")  # fmt: skip
        lines.append(f"  in words: {c['words']}")
        for lim in c["limits"]:
            if lim["kind"] == "choice":
                what = " or ".join(lim["values"])
                qp = f"quasi-p {lim['qp_low']:.2g}"
            else:
                lo = "-" if lim["low"] is None else f"{lim['low']:.3g}"
                hi = "-" if lim["high"] is None else f"{lim['high']:.3g}"
                what = f"[{lo}, {hi}] of [{lim['range'][0]:.3g}, {lim['range'][1]:.3g}]"
                qp = "quasi-p " + ", ".join(
                    f"{q:.2g}" for q in (lim["qp_low"], lim["qp_high"]) if q is not None
                )
            stable = c["stability"].get(lim["input"], 0.0)
            lines.append(f"    {lim['input']:<40s}{what:<34s}{qp:<24s}in {stable:.0%} of "
                         "resamples")  # fmt: skip
        top = sorted(t["feature_scores"].items(), key=lambda kv: -kv[1])[:5]
        lines.append("  feature scores (extra trees): "
                     + ", ".join(f"{k} {v:.2f}" for k, v in top))  # fmt: skip
    return "\n".join(lines)


def discover_to_dir(
    sc: Scenario,
    scenario_path: str,
    cases: int,
    job: Job,
    resume: str | None = None,
    resamples: int = disc.RESAMPLES,
) -> tuple[Path, dict]:
    """Run the cases, find the boxes, and write the sealed folder.

    Args:
        sc: The scenario: its decisions and ``uncertain:`` ranges are the inputs.
        scenario_path: Its file, recorded.
        cases: Latin hypercube cases, one run each.
        job: Seed, executor, output folder.
        resume: An unfinished discovery folder to finish.
        resamples: PRIM runs on random halves for the stability of each input.

    Returns:
        The folder and ``boxes.json``'s content.
    """
    from model.viz.discovery_plots import plot_pairs, plot_tradeoff

    table = cases_table(sc, cases, job.master_seed, scenario_path)  # ranges checked first
    settings = {"scenario_sha256": scenario_digest(sc), "cases": cases,
                "master_seed": int(job.master_seed), "decisions": list(DECISIONS)}  # fmt: skip
    with study_folder(
        "discover", f"{sc.name}-discovery", settings, job.out, resume, job.command_line(),
        lambda s: f"{s.done} of {cases} cases",
    ) as study:  # fmt: skip
        _run_blocks(study, sc, table, job)
        done = study.read(CASES_FILE)
        found = analyse(done, sc, job.master_seed, resamples)
        doc = document(sc, cases, job.master_seed, found)
        doc["resamples"] = resamples
        tmp = study.tmp
        _box_rows(found).to_csv(tmp / "boxes.csv", index=False, float_format=FLOAT_FORMAT)
        _limit_rows(found).to_csv(tmp / "limits.csv", index=False, float_format=FLOAT_FORMAT)
        from model.results.jsonio import write_json

        write_json(tmp / "boxes.json", doc)
        plot_tradeoff(doc, tmp / "tradeoff.png")
        for target, f in found.items():
            if f["box"] is not None and f["limits"]:  # a box that restricts nothing has no pairs
                plot_pairs(f["box"], f["chosen"], f["limits"], TARGETS[target],
                           tmp / f"pairs_{target}.png")  # fmt: skip
        study.seal({"kind": "discover", **provenance(sc, scenario_path, job.argv),
                    "settings": settings})  # fmt: skip
    return study.final, doc
