"""Paired differences of the counterfactuals over the posterior: seed-only and total intervals.

Until `compare --posterior` is wired (README: inference), this measures what it will print
for the days the capital is held, with model/ensemble/posterior.py and
model/analysis/posterior_compare.py:

    .venv/bin/python benchmarks/posterior_counterfactuals.py results/baseline-posterior/<dir> \
        --draws 50 --seeds-per-draw 4 --workers 2
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from model.analysis.posterior_compare import rank_shares, total_intervals
from model.config.loader import load_scenario
from model.ensemble.executors import make_executor
from model.ensemble.memory import run_seeds
from model.ensemble.posterior import draw_ids, iter_posterior_runs, load_posterior
from model.sim.compiled import compile_scenario

ROOT = Path(__file__).resolve().parents[1] / "scenarios"


def days_held(sc, post, seeds, master, ex, k) -> np.ndarray:
    c = compile_scenario(sc)
    h = c.p.horizon_days
    runs = iter_posterior_runs(sc, post, seeds, master, ex, k)
    return np.array([h if r.fall_day[c.capital] < 0 else r.fall_day[c.capital] for r in runs], float)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("posterior")
    ap.add_argument("--draws", type=int, default=50)
    ap.add_argument("--seeds-per-draw", type=int, default=4)
    ap.add_argument("--seed", type=int, default=20241127)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    post = load_posterior(a.posterior)
    n = a.draws * a.seeds_per_draw
    seeds = run_seeds(a.seed, n)
    assert len(draw_ids(post, n, a.seed, a.seeds_per_draw)) == n  # the particles the runs use
    ids = np.arange(n) // a.seeds_per_draw  # the draw each run belongs to
    base = load_scenario(ROOT / "baseline.yaml")
    others = sorted((ROOT / "counterfactuals").glob("*.yaml"))
    with make_executor("process", a.workers) as ex:
        b = days_held(base, post, seeds, a.seed, ex, a.seeds_per_draw)
        diffs = pd.DataFrame(
            {
                p.stem: days_held(load_scenario(p), post, seeds, a.seed, ex, a.seeds_per_draw) - b
                for p in others
            }
        )
    t = total_intervals(diffs, ids)
    print(f"baseline: {b.mean():.1f} days held; {a.draws} draws x {a.seeds_per_draw} seeds")
    print(f"{'scenario':<26s}{'diff':>7s}{'seed-only 95 %':>18s}{'total 95 %':>18s}{'robust':>8s}")
    for r in t.itertuples():
        print(
            f"{r.name:<26s}{r.diff:+7.1f}   [{r.seed_low:+5.1f}, {r.seed_high:+5.1f}]"
            f"   [{r.total_low:+5.1f}, {r.total_high:+5.1f}]{r.robust_share:8.0%}"
            + ("  holds" if r.holds else "")
        )
    hz, rs = diffs["hezbollah_full"], diffs["russia_stays"]
    by = pd.DataFrame({"h": hz, "r": rs}).groupby(ids).mean()
    print(f"\nhezbollah_full delays the fall more than russia_stays in {np.mean(by.h > by.r):.0%} of draws")
    print()
    print("rank by effect on days held (share of draws):")
    print(rank_shares(diffs, ids).round(2).to_string())


if __name__ == "__main__":
    main()
