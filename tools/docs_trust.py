"""The "How far to trust it" tables that read the reference table's studies (issue 28).

Each function writes one generated block of ``docs/trust.md`` from the results folder of one
step of ``tools/docs_figures.py`` (its record: ``argv``, ``folder``, commit, time): the
reference table and the time the studies took, the posterior with its seeds, the predictive
check, the held-out observations tied to calibration ones, leave one region out, the
calibration check, the hindcast and whether the calibration command reproduces the shipped
calibration file.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "scenarios" / "calibration" / "baseline.yaml"


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def _signed(x: float | None, digits: int = 2) -> str:
    if x is None:
        return "-"
    v = round(float(x), digits)
    return f"{abs(v):.{digits}f}" if v == 0 else f"{v:+.{digits}f}"


def _json(step: dict, name: str) -> dict:
    return json.loads((Path(step["folder"]) / name).read_text("utf-8"))


def timing_block(record: dict, provenance_line) -> str:
    """The time of the table and of the studies that read it, wall and CPU, and the load."""
    names = ("reference", "calibrate", "infer", "sbc", "hindcast")
    steps = record["steps"]
    out = ["| step | command | wall time | CPU time (this process and its workers) | "
           "load average before |", "|---|---|---:|---:|---:|"]  # fmt: skip
    wall = cpu = 0.0
    for n in names:
        s = steps.get(n)
        if s is None or "wall_s" not in s:
            continue
        wall += s["wall_s"]
        cpu += s["cpu_s"]
        out.append(f"| {n} | `{' '.join(s['argv'][3:5])} ...` | {s['wall_s']:.0f} s | "
                   f"{s['cpu_s']:.0f} s | {s.get('load_before', '-')} |")  # fmt: skip
    out.append(f"| **together** | | **{wall / 60:.1f} min** | {cpu / 60:.1f} min | |")
    ref = steps.get("reference")
    lines = [provenance_line(ref, "Timed with") if ref else "", ""] + out
    lines += ["", f"On {record.get('cores', 2)} cores shared with other work: the load average "
              "(runnable processes over the last minute) says how loaded the machine was; at a "
              "load above the cores, wall time grows and CPU time does not."]  # fmt: skip
    return "\n".join(lines)


def reference_block(step: dict, provenance_line) -> str:
    """What the table holds and what it took."""
    doc = _json(step, "reference.json")
    t = doc["time"]
    return "\n".join([
        provenance_line(step), "",
        f"{doc['identity']['runs']:,} runs, each a parameter set drawn from the "
        f"{len(doc['parameters'])} `uncertain:` ranges and a seed; per run the day of each of "
        f"the {len(doc['observations'])} documented observations and five outcomes. "
        f"{t['wall_s']:.0f} s on {t['workers']} workers, whose CPU time was "
        f"{t['workers_cpu_s']:.0f} s.",
    ])  # fmt: skip


def posterior_block(step: dict, provenance_line) -> str:
    """The posterior: ESS, the statistics, each parameter per seed, what is constrained."""
    doc = _json(step, "posterior.json")
    parts = doc["distance"]["parts"]
    info = doc["information"]
    agree = doc["seed_agreement"]
    out = [provenance_line(step), "",
           f"{len(parts)} disjoint parts of the reference table of {doc['reference']['runs']:,} "
           f"runs (the inference seeds), the {doc['settings']['ess']} runs nearest the record "
           f"accepted in each: effective sample size {doc['effective_sample_size']:.0f} "
           f"({', '.join(str(p['accepted']) for p in parts)} per part), acceptance threshold "
           f"{', '.join(format(p['epsilon'], '.2f') for p in parts)}. Statistics: "
           f"{len(doc['observations_used'])} calibration observations; set aside as tied to "
           f"one of them: {', '.join(f'`{k}`' for k in doc['observations_linked']) or 'none'}. "
           f"Over the table they carry about {info['components_for_90']} independent pieces of "
           f"information (principal components holding 90 % of their variance; the first "
           f"holds {_pct(info['first_component_share'])}).", "",
           "| parameter | prior | posterior 5-95 % | sd ratio | 5 / 50 / 95 % per seed |",
           "|---|---|---|---:|---|"]  # fmt: skip
    for s in sorted(doc["spread"], key=lambda s: s["sd_ratio"])[:12]:
        seeds = "; ".join(f"{a:.3g} / {b:.3g} / {c:.3g}" for a, b, c in
                          zip(s["seeds_p05"], s["seeds_p50"], s["seeds_p95"], strict=True))  # fmt: skip
        out.append(f"| `{s['parameter']}` | {s['prior_low']:.3g} - {s['prior_high']:.3g} | "
                   f"{s['posterior_p05']:.3g} - {s['posterior_p95']:.3g} | "
                   f"{s['sd_ratio']:.2f} | {seeds} |")  # fmt: skip
    tight = agree["constrained"]
    worst = max(s["seed_spread"] for s in doc["spread"])
    out += ["", f"The 12 narrowest of {len(doc['spread'])} parameters. Constrained (sd ratio "
            f"below 0.75): {', '.join(f'`{t}`' for t in tight) or 'none'}"
            + (f"; across the seeds their quantiles differ by at most "
               f"{_pct(agree['largest_difference_share_of_prior_range'])} of the prior range "
               f"({'within' if agree['agree'] else 'beyond'} {_pct(agree['agree_within'])})"
               if tight else "") + f". Over every parameter the seeds' quantiles differ by at "
            f"most {_pct(worst)} of its prior range."]  # fmt: skip
    share = {}
    for p in parts:
        for k, v in p["share_of_separation"].items():
            share[k] = share.get(k, 0.0) + v / len(parts)
    top = sorted(share.items(), key=lambda kv: -kv[1])[:3]
    out += ["", "What separates the runs most (each statistic's covariance with the distance): "
            + ", ".join(f"`{k}` {_pct(v)}" for k, v in top) + "."]  # fmt: skip
    return "\n".join(out)


def ppc_block(step: dict, provenance_line, start: dt.date) -> str:
    """The posterior-predictive check per observation (infer's predictive.csv)."""
    pred = pd.read_csv(Path(step["folder"]) / "predictive.csv")
    doc = _json(step, "posterior.json")
    n = doc["settings"]["predictive_runs"]
    out = [provenance_line(step, "From the posterior-predictive runs of"), "",
           f"{n} runs at parameter sets drawn from the posterior, fresh seeds. Inside: the share "
           "of runs inside the documented date or range; PIT: where the documented date falls "
           "among the runs' days (0.5 in the middle; near 1 the runs are too early, near 0 too "
           "late).", "", "| observation | role | inside | PIT | verdict |",
           "|---|---|---:|---:|---|"]  # fmt: skip
    for r in pred.sort_values(["verdict", "observation"]).itertuples():
        out.append(f"| `{r.observation}` | {r.role.replace('_', ' ')} | {_pct(r.inside)} | "
                   f"{r.pit:.2f} | {r.verdict} |")  # fmt: skip
    bad = list(pred.loc[pred["verdict"] == "cannot reach", "observation"])
    out += ["", "Cannot reach (no run inside the documented range): "
            + (", ".join(f"`{b}`" for b in bad) or "none") + "."]  # fmt: skip
    return "\n".join(out)


def dependence_block(step: dict, provenance_line) -> str:
    """The held-out observations tied to calibration ones, and the score without them."""
    doc = _json(step, "validation.json")
    held = [o for o in doc["observations"] if o["role"] == "held_out"]
    out = [provenance_line(step), "", "| held-out observation | tied to | how |",
           "|---|---|---|"]  # fmt: skip
    for o in held:
        to = f"`{o['linked_to']}`" if o["linked_to"] else "independent"
        out.append(f"| `{o['id']}` | {to} | {o['link'] or '-'} |")
    s = doc["summary"]
    out.append("")
    for key, label in (("held_out", "Held out, independent"), ("held_out_linked", "Held out, "
                       "tied (scored apart)"), ("calibration", "Calibration")):  # fmt: skip
        p = s[key]
        if p["observations"]:
            out.append(f"- **{label}** ({p['observations']}): mean absolute error "
                       f"{p['mae_days']:.2f} days, median within a day for "
                       f"{_pct(p['hit_share'])}, {_pct(p['within_one_day_mean'])} of runs "
                       "within a day.")  # fmt: skip
    return "\n".join(out)


def regions_block(step: dict, provenance_line) -> str:
    """Leave one region out: CRPS of the fit on one group against the prior, both ways."""
    doc = _json(step, "validation.json")["regions"]
    out = [provenance_line(step), "", "| fit on | forecast | observations | CRPS (days) | "
           "prior's CRPS | skill, mean [per seed] | better than the prior |",
           "|---|---|---:|---:|---:|---|---:|"]  # fmt: skip
    for r in doc["summary"]:
        seeds = ", ".join(_signed(x) for x in r["skill_per_seed"])
        out.append(f"| {r['fit_on']} | {r['forecast']} | {r['observations']} | {r['crps']:.2f} "
                   f"| {r['prior_crps']:.2f} | {_signed(r['skill'])} [{seeds}] | "
                   f"{r['better_than_prior']} of {r['observations']} |")  # fmt: skip
    if doc["unassigned"]:
        out += ["", "In no region (left out): " + ", ".join(doc["unassigned"]) + "."]
    return "\n".join(out)


def sbc_block(step: dict, provenance_line) -> str:
    """The calibration check: coverage per parameter, those outside their bands named."""
    doc = _json(step, "sbc.json")
    params = doc["parameters"]
    p0 = params[0]
    out = [provenance_line(step), "",
           f"{doc['cases']} cases, each a held-back row of the reference table taken as the "
           f"record and inferred from the others at `infer`'s settings "
           f"({doc['settings']['seeds']} x {doc['settings']['ess']} accepted runs). Over all "
           f"parameters the truth lies inside the central 50 % interval in "
           f"{_pct(doc['pooled']['covered_0.5'])} of the cases and inside the 90 % interval in "
           f"{_pct(doc['pooled']['covered_0.9'])}; the binomial 95 % bands for {doc['cases']} "
           f"cases are {_pct(p0['band_low_0.5'])}-{_pct(p0['band_high_0.5'])} and "
           f"{_pct(p0['band_low_0.9'])}-{_pct(p0['band_high_0.9'])}.", "",
           "| parameter | 50 % | 90 % | verdict |", "|---|---:|---:|---|"]  # fmt: skip
    for p in params:
        out.append(f"| `{p['parameter']}` | {_pct(p['covered_0.5'])} | {_pct(p['covered_0.9'])} "
                   f"| {p['verdict']} |")  # fmt: skip
    out += ["", "Outside their bands: " + (", ".join(f"`{x}`" for x in doc["outside"]) or
            "none") + "."]  # fmt: skip
    return "\n".join(out)


def hindcast_block(step: dict, provenance_line) -> str:
    """Skill per origin against uniform, prior and persistence, per seed."""
    doc = _json(step, "scores.json")
    out = [provenance_line(step), "",
           "| origin | events | CRPS vs uniform | CRPS vs prior | CRPS vs persistence | "
           "vs prior per seed | log score vs prior |", "|---|---:|---|---|---|---|---|"]  # fmt: skip
    for origin, by in doc["skill"].items():
        c = by["crps"]

        def cell(s: dict) -> str:
            if s["skill"] is None:
                return "-"
            return f"{_signed(s['skill'])} [{_signed(s['low'])}, {_signed(s['high'])}]"

        label = origin if origin == "all" else f"{dt.date.fromisoformat(origin):%-d %b}"
        seeds = ", ".join(_signed(x) for x in c["prior"]["per_seed"])
        out.append(f"| {label} | {c['uniform']['events']} | {cell(c['uniform'])} | "
                   f"{cell(c['prior'])} | {cell(c['persistence'])} | {seeds} | "
                   f"{cell(by['logs']['prior'])} |")  # fmt: skip
    known = {o["origin"]: len(o["known"]) for o in doc["origins"]}
    out += ["", "Observations known at each origin: " + ", ".join(
        f"{dt.date.fromisoformat(k):%-d %b} {v}" for k, v in known.items()) + ". Leakage "
        "(values fixed from later dates): " + (", ".join(doc["leakage"]) or "none") + "."]  # fmt: skip
    return "\n".join(out)


def calibration_block(step: dict, provenance_line) -> str:
    """Whether the calibration command, run again, writes the shipped file's values."""
    made = yaml.safe_load(Path(step["folder"]).read_text("utf-8"))
    shipped = yaml.safe_load(SHIPPED.read_text("utf-8"))
    a, b = made["values"], shipped["values"]
    same = a == b
    diff = max((abs(float(a[k]) - float(b.get(k, float("nan")))) for k in a), default=0.0)
    return "\n".join([
        provenance_line(step, "Run again as"), "",
        f"It sets {len(a)} values from {len(made['made_by']['observations_used'])} calibration "
        f"observations. Against `scenarios/calibration/baseline.yaml` (written by "
        f"`{shipped['made_by']['command']}`): "
        + ("the same values." if same else f"values differ by up to {diff:.3g} (a table of "
           "another size or seed gives other values; the shipped file names its own)."),
    ])  # fmt: skip
