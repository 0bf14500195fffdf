"""``sensitivity``: which uncertain parameters the outcomes hang on.

The parameters and their ranges are those a scenario declares under ``uncertain:``.
SALib draws the samples (Sobol/Saltelli or Morris) and computes the indices; this module
only runs the model at each sample and reduces the runs to a few outputs. Every sample is
run with the same seeds (common random numbers), so differences between samples come from
the parameters, not from the draw.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from model.config.paths import set_in
from model.config.schema import Scenario, iter_params, scenario_digest
from model.ensemble.executors import Executor, simulate_task
from model.ensemble.progress import track
from model.errors import OptionError, ScenarioError
from model.sim.compiled import Compiled, compile_scenario
from model.sim.outputs import METRICS, RunResult

if TYPE_CHECKING:
    from model.ensemble.runner import Job

METHODS = ("sobol", "morris")
DEFAULT_SAMPLES = {"sobol": 64, "morris": 20}
MAIN_INDEX = {"sobol": "ST", "morris": "mu_star"}
MORRIS_LEVELS = 4
OUTPUTS = ("capital_fall_day", "share_regime_holds_capital", "regime_population_share_8dec")
OUTPUT_NOTES = {
    "capital_fall_day": "day the capital fell (0 = 27 Nov), mean over runs; a run in which it "
    "never fell counts as the horizon",
    "share_regime_holds_capital": "share of runs ending with the regime holding the capital "
    "(end state regime_holds or divided)",
    "regime_population_share_8dec": "share of the population under regime control on "
    "8 December 2024, mean over runs",
}
DOCUMENTED_END = dt.date(2024, 12, 8)
HOLDS = ("regime_holds", "divided")  # end states in which the regime still holds the capital
RARE = 0.05  # an output that departs from its usual value in fewer samples has unstable indices


def problem(sc: Scenario, scenario_path: str | Path | None = None) -> dict:
    """SALib's problem definition from the scenario's ``uncertain:`` section.

    Raises:
        ScenarioError: The scenario declares no uncertain parameters.
    """
    if not sc.uncertain:
        raise ScenarioError(
            str(scenario_path or sc.name),
            "uncertain",
            "no parameters declared to explore; add an 'uncertain:' section "
            "(docs/scenarios.md, 'Uncertain parameters')",
        )
    names = list(sc.uncertain)
    return {
        "num_vars": len(names),
        "names": names,
        "bounds": [[sc.uncertain[n].low, sc.uncertain[n].high] for n in names],
    }


def with_values(sc: Scenario, data: dict, values: dict[str, float]) -> dict:
    """A copy of the scenario ``data`` with the given parameter values set.

    Whole-number parameters are rounded: samplers draw real numbers.
    """
    params = dict(iter_params(sc))
    out = copy.deepcopy(data)
    for path, x in values.items():
        v = params[path].value
        set_in(out, f"{path}.value", int(round(x)) if isinstance(v, int) else float(x))
    return out


def sample_tasks(
    sc: Scenario, matrix: np.ndarray, names: Sequence[str], seeds: Sequence[int], chunks: int = 1
) -> list[tuple[str, dict, list[int]]]:
    """Executor tasks: each sample's scenario data with the common seeds.

    Args:
        sc: The scenario whose values are varied.
        matrix: Samples x parameters.
        names: Dotted parameter names, one per column.
        seeds: The seeds every sample runs.
        chunks: Split each sample's seeds into this many tasks (to spread one sample over
            several workers); results do not depend on it.
    """
    data = sc.model_dump()
    base = scenario_digest(sc)
    size = -(-len(seeds) // max(chunks, 1))
    tasks = []
    for row in matrix:
        values = dict(zip(names, (float(x) for x in row), strict=True))
        key = hashlib.sha256((base + json.dumps(values, sort_keys=True)).encode()).hexdigest()
        d = with_values(sc, data, values)
        tasks += [(key, d, list(seeds[i : i + size])) for i in range(0, len(seeds), size)]
    return tasks


def run_samples(
    executor: Executor, tasks: list, per_sample: int, progress: bool, label: str
) -> Iterator[list[RunResult]]:
    """Map ``simulate_task`` over the tasks; yield each sample's runs, in sample order."""
    answers = executor.map(simulate_task, tasks)
    answers = track(answers, len(tasks), label, progress, unit="task")
    batch: list[RunResult] = []
    for runs in answers:
        batch += runs
        if len(batch) == per_sample:
            yield batch
            batch = []


def reduce_runs(compiled: Compiled, results: Sequence[RunResult]) -> dict[str, float]:
    """A sample's runs reduced to the outputs in ``OUTPUTS``."""
    horizon = compiled.p.horizon_days
    fall = np.array([r.fall_day[compiled.capital] for r in results], dtype=float)
    fall = np.where(fall < 0, horizon, fall)
    day = min((DOCUMENTED_END - compiled.p.start_date).days, horizon - 1)
    k = METRICS.index("regime_population_share")
    return {
        "capital_fall_day": float(fall.mean()),
        "share_regime_holds_capital": float(np.mean([r.end_state in HOLDS for r in results])),
        "regime_population_share_8dec": float(np.mean([r.metrics[day, k] for r in results])),
    }


def draw(method: str, prob: dict, samples: int, seed: int) -> np.ndarray:
    """The SALib sample matrix for ``method``.

    Raises:
        ModelError: An unknown method, or Sobol samples that are not a power of 2.
    """
    if method == "sobol":
        from SALib.sample import sobol

        if samples & (samples - 1):
            raise OptionError("samples", samples, "Sobol sampling needs a power of 2 (e.g. 32, 64)")
        return sobol.sample(prob, samples, calc_second_order=False, seed=seed)
    if method == "morris":
        from SALib.sample import morris

        if samples < 2:
            raise OptionError(
                "samples",
                samples,
                "Morris needs at least 2 trajectories for sigma and confidence intervals",
            )
        return morris.sample(prob, samples, num_levels=MORRIS_LEVELS, seed=seed)
    raise OptionError("method", method, f"unknown; valid: {', '.join(METHODS)}")


def analyze(method: str, prob: dict, x: np.ndarray, y: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Indices per output with SALib: ``output, parameter, index, value, conf``.

    An output that does not vary across samples has no meaningful index; it is left out
    (``constant_outputs`` lists it).
    """
    rows = []
    for out in OUTPUTS:
        v = y[out].to_numpy(dtype=float)
        if np.ptp(v) == 0:
            continue
        if method == "sobol":
            from SALib.analyze import sobol

            res = sobol.analyze(prob, v, calc_second_order=False, seed=seed)
            kinds = (("S1", "S1_conf"), ("ST", "ST_conf"))
        else:
            from SALib.analyze import morris

            res = morris.analyze(prob, x, v, num_levels=MORRIS_LEVELS, seed=seed)
            kinds = (("mu_star", "mu_star_conf"), ("sigma", None), ("mu", None))
        for i, name in enumerate(prob["names"]):
            for kind, conf in kinds:
                rows.append(
                    {
                        "output": out,
                        "parameter": name,
                        "index": kind,
                        "value": float(res[kind][i]),
                        "conf": float(res[conf][i]) if conf else np.nan,
                    }
                )
    return pd.DataFrame(rows, columns=["output", "parameter", "index", "value", "conf"])


def constant_outputs(y: pd.DataFrame) -> list[str]:
    """Outputs that take one value at every sample."""
    return [o for o in OUTPUTS if np.ptp(y[o].to_numpy(dtype=float)) == 0]


def varying_share(y: pd.DataFrame) -> dict[str, float]:
    """Per output, the share of samples whose value differs from the most common value."""
    return {o: float(1.0 - y[o].value_counts(normalize=True).iloc[0]) for o in OUTPUTS}


def top_drivers(indices: pd.DataFrame, main: str, k: int = 3) -> dict[str, list[dict]]:
    """Per output, the ``k`` parameters with the largest ``main`` index."""
    out = {}
    part = indices[indices["index"] == main]
    for name, t in part.groupby("output", sort=False):
        t = t.sort_values("value", ascending=False).head(k)
        out[name] = [
            {"parameter": r.parameter, "value": r.value, "conf": r.conf} for r in t.itertuples()
        ]
    return out


def format_drivers(
    indices: pd.DataFrame, main: str, varying: dict[str, float] | None = None
) -> str:
    """Top drivers per output, for the terminal; outputs without indices were constant.

    Args:
        indices: The ``sensitivity.csv`` table.
        main: The index to rank by.
        varying: ``varying_share`` of the outputs; rarely varying outputs are flagged.
    """
    lines = [f"Top drivers per output ({main}, with 95 % confidence half-width):"]
    for out, rows in top_drivers(indices, main).items():
        lines.append(f"  {out}  ({OUTPUT_NOTES[out]})")
        share = (varying or {}).get(out, 1.0)
        if share < RARE:
            lines.append(f"    varies in only {share:.1%} of samples: these indices are unstable")
        for r in rows:
            lines.append(f"    {r['parameter']:<44s}{r['value']:9.3f} ± {r['conf']:.3f}")
    for out in (o for o in OUTPUTS if o not in set(indices["output"])):
        lines.append(f"  {out}: the same at every sample; no index")
    return "\n".join(lines)


def sensitivity_to_dir(
    sc: Scenario,
    scenario_path: str,
    method: str,
    samples: int | None,
    runs_per_sample: int,
    job: Job,
) -> tuple[Path, pd.DataFrame, str, dict[str, float]]:
    """Sample, run and analyse; write the sensitivity folder.

    Not resumable: it holds its runs in memory and writes its folder once, at the end.

    Returns:
        The folder, the indices table, the name of the main index and each output's
        ``varying_share``.
    """
    from model.ensemble.runner import run_seeds
    from model.results.files import new_results_dir
    from model.results.lifecycle import study_manifest
    from model.results.provenance import provenance
    from model.viz import trust_plots

    prob = problem(sc, scenario_path)
    samples = samples or DEFAULT_SAMPLES[method]
    x = draw(method, prob, samples, job.master_seed)
    final = new_results_dir(f"{sc.name}-sensitivity", job.out)
    with job.study_folder("sensitivity", final, sc, runs=runs_per_sample) as folder:
        seeds = run_seeds(job.master_seed, runs_per_sample)
        compiled = compile_scenario(sc)
        workers = job.executor.workers
        chunks = workers if len(x) < workers else 1
        tasks = sample_tasks(sc, x, prob["names"], seeds, chunks)
        with job.executor.start(len(x) * runs_per_sample) as ex:
            rows = [
                reduce_runs(compiled, runs)
                for runs in run_samples(
                    ex, tasks, runs_per_sample, job.progress, f"{sc.name} {method}"
                )
            ]
        y = pd.DataFrame(rows, columns=list(OUTPUTS))
        indices = analyze(method, prob, x, y, job.master_seed)
        main = MAIN_INDEX[method]
        constant = constant_outputs(y)
        varying = varying_share(y)
        table = pd.DataFrame(x, columns=prob["names"])
        params = dict(iter_params(sc))
        for name in prob["names"]:
            if isinstance(params[name].value, int):
                table[name] = table[name].round().astype(int)  # the value the runs used
        table.insert(0, "sample", np.arange(len(x)))
        table = pd.concat([table, y], axis=1)
        doc = {
            **provenance(sc, scenario_path, job.argv),
            "method": method,
            "samples": samples,
            "model_evaluations": int(len(x)),
            "runs_per_sample": runs_per_sample,
            "master_seed": int(job.master_seed),
            "uncertain": {n: sc.uncertain[n].model_dump() for n in prob["names"]},
            "outputs": OUTPUT_NOTES,
            "main_index": main,
            "top_drivers": top_drivers(indices, main),
            "constant_outputs": constant,
            "varying_share": varying,
        }
        tmp = folder.path
        indices.to_csv(tmp / "sensitivity.csv", index=False, float_format="%.6g")
        table.to_csv(tmp / "samples.csv", index=False, float_format="%.6g")
        (tmp / "sensitivity.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        title = (
            f"{sc.name}: {method} sensitivity, {len(x)} samples x {runs_per_sample} runs "
            f"(bars: {main}, whiskers: 95 % confidence)"
        )
        trust_plots.plot_sensitivity(indices, main, title, tmp / "sensitivity.png")
        folder.publish(study_manifest("sensitivity"))
    return final, indices, main, varying
