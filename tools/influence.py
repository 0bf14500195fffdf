"""For each counterfactual, the uncertain parameter whose range moves its effect most.

Measured, one parameter at a time: the baseline and the counterfactual are run with the same
seeds with the parameter at the low end of its ``uncertain:`` range, then at the high end
(every other value as the scenarios set it), and the paired effect on the days the regime
holds the capital is compared. The parameter with the largest change of the effect between
the two ends is the one the counterfactual's conclusion leans on most. A parameter the
counterfactual sets itself is left out for it (its value is the counterfactual's own).

    .venv/bin/python tools/influence.py --runs 100 --workers 2 --out influence.csv

Prints a Markdown table (counterfactual, the effect at the scenario's values, the most
influential parameter with the effect at its low and high end, the second) and writes every
(counterfactual, parameter) row to ``--out``. Seeds are spawned from ``--seed`` as the command
line does; the same arguments give the same table whatever the number of workers.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from model.config.loader import load_scenario  # noqa: E402
from model.config.paths import set_in  # noqa: E402
from model.config.runs import DEFAULT_SEED  # noqa: E402
from model.config.schema import Scenario, iter_params  # noqa: E402
from model.ensemble.executors import ExecutorSpec  # noqa: E402
from model.ensemble.memory import iter_runs, run_seeds  # noqa: E402
from model.sim.compiled import compile_scenario  # noqa: E402


def with_value(sc: Scenario, name: str, x: float) -> Scenario:
    """The scenario with one parameter set (validated, as sensitivity and calibrate do)."""
    data = sc.model_dump()
    value = dict(iter_params(sc))[name].value
    set_in(data, f"{name}.value", int(round(x)) if isinstance(value, int) else float(x))
    return Scenario.model_validate(data)


def days_held(sc: Scenario, seeds: list[int], executor) -> np.ndarray:
    """Per run, the days the regime holds the capital (the horizon where it holds it)."""
    c = compile_scenario(sc)
    horizon = c.p.horizon_days
    fall = np.array([r.fall_day[c.capital] for r in iter_runs(c, seeds, executor=executor)], float)
    return np.where(fall >= 0, fall, horizon)


def main(argv: list[str] | None = None) -> int:
    """Measure and print the table; write the rows to ``--out``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default=None, help="CSV of every (counterfactual, parameter) row")
    args = ap.parse_args(argv)
    base = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    cfs = sorted((ROOT / "scenarios" / "counterfactuals").glob("*.yaml"))
    seeds = run_seeds(args.seed, args.runs)
    rows = []
    with ExecutorSpec("process", args.workers).start(args.runs) as ex:
        held_base = days_held(base, seeds, ex)
        cache: dict[tuple[str, str], np.ndarray] = {}
        for path in cfs:
            cf = load_scenario(path)
            own = {n for n, p in iter_params(cf) if p.set_in is not None}
            effect = float((days_held(cf, seeds, ex) - held_base).mean())
            for name, rng in base.uncertain.items():
                if name in own:
                    continue
                ends = []
                for x in (rng.low, rng.high):
                    key = (name, repr(x))
                    if key not in cache:
                        cache[key] = days_held(with_value(base, name, x), seeds, ex)
                    d = days_held(with_value(cf, name, x), seeds, ex) - cache[key]
                    ends.append(float(d.mean()))
                rows.append(
                    {
                        "counterfactual": path.stem,
                        "effect": effect,
                        "parameter": name,
                        "low": rng.low,
                        "high": rng.high,
                        "effect_at_low": ends[0],
                        "effect_at_high": ends[1],
                        "swing": abs(ends[1] - ends[0]),
                    }
                )
    if args.out:
        with open(args.out, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    print(f"{args.runs} paired runs per point, master seed {args.seed}; effect on the days the")
    print("regime holds the capital (counterfactual minus baseline), one parameter at a time")
    print()
    print("| counterfactual | effect | most influential (effect at low -> high) | second |")
    print("|---|---|---|---|")
    for path in cfs:
        mine = sorted(
            (r for r in rows if r["counterfactual"] == path.stem), key=lambda r: -r["swing"]
        )
        if not mine:
            continue

        def cell(r: dict) -> str:
            return (
                f"`{r['parameter']}` {r['low']:g}..{r['high']:g}: "
                f"{r['effect_at_low']:+.1f} -> {r['effect_at_high']:+.1f}"
            )

        second = cell(mine[1]) if len(mine) > 1 else "-"
        print(f"| `{path.stem}` | {mine[0]['effect']:+.1f} | {cell(mine[0])} | {second} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
