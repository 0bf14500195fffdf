"""Print the tables of docs/attribution.md from the results folders that produced them.

    .venv/bin/python tools/attribution_doc.py ATTRIBUTION_FOLDER DISCOVERY_FOLDER

Each folder is checked against its manifest first (``python -m model verify``), so the
tables are those of intact results.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from model.analysis.attribution_text import value_text  # noqa: E402
from model.analysis.compare import is_share  # noqa: E402
from model.results.integrity import require_intact  # noqa: E402


def _v(x: float | None, measure: str, signed: bool = True) -> str:
    return "-" if x is None else value_text(x, measure, signed)


def _se(x: float | None, measure: str) -> str:
    if x is None:
        return "-"
    return f"{x:.1%}" if is_share(measure) else f"{x:.2f}"


def _inputs(chosen: dict) -> str:
    return "input" if chosen["restricted"] == 1 else "inputs"


def attribution_tables(folder: Path) -> str:
    """One table per measure: each decision's Shapley value, se, interval, Banzhaf, changes."""
    doc = json.loads((folder / "attribution.json").read_text(encoding="utf-8"))
    out = [f"From `{folder.name}`: {doc['scenario']}, {doc['coalitions']} coalitions x "
           f"{doc['runs']} runs, master seed {doc['master_seed']}.", ""]  # fmt: skip
    for m in doc["measures"]:
        mid = m["id"]
        e = m["all_flips_effect"]
        out += [
            f"**{m['label']}** ({m['unit']}): documented "
            f"{_v(m['documented']['value'], mid, False)}, all flipped "
            f"{_v(m['all_flipped']['value'], mid, False)}, all flips together "
            f"{_v(e['value'], mid)} [{_v(e['low'], mid)}, {_v(e['high'], mid)}]; efficiency "
            f"gap {m['efficiency_gap']:.1e}.",
            "",
            "| decision | Shapley value | se | 95 % interval | Banzhaf | flip changes what "
            "happens (its answer) |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        rows = [r for r in doc["values"] if r["measure"] == mid]
        bz = {r["decision"]: r for r in rows if r["index"] == "banzhaf"}
        for r in sorted(
            (r for r in rows if r["index"] == "shapley"), key=lambda r: -abs(r["value"])
        ):
            ch, lg = r.get("flip_changes_run"), r.get("flip_changes_log")
            out.append(
                f"| {r['decision']} | {_v(r['value'], mid)} | {_se(r['se'], mid)} | "
                f"{_v(r['low'], mid)} to {_v(r['high'], mid)} | "
                f"{_v(bz[r['decision']]['value'], mid)} | "
                f"{'-' if ch is None else f'{ch:.0%} ({lg:.0%})'} |"
            )
        out.append("")
    head = doc["measures"][0]["id"]
    pairs = [r for r in doc["interactions"]
             if r["measure"] == head and r["index"] == "shapley_interaction"]  # fmt: skip
    out += ["**Strongest pairwise interactions on the days held** (Shapley interaction index):",
            "", "| pair | interaction | se | 95 % interval |", "|---|---:|---:|---:|"]  # fmt: skip
    for r in sorted(pairs, key=lambda r: -abs(r["value"]))[:6]:
        out.append(f"| {r['decision_a']} x {r['decision_b']} | {_v(r['value'], head)} | "
                   f"{_se(r['se'], head)} | {_v(r['low'], head)} to {_v(r['high'], head)} |")  # fmt: skip
    return "\n".join(out)


def discovery_tables(folder: Path) -> str:
    """Per target: the share of interest, the chosen box with its limits, the top features."""
    doc = json.loads((folder / "boxes.json").read_text(encoding="utf-8"))
    out = [f"From `{folder.name}`: {doc['scenario']}, {doc['cases']} cases, master seed "
           f"{doc['master_seed']}, {doc.get('resamples', 10)} resamples.", ""]  # fmt: skip
    for t in doc["targets"]:
        c = t["chosen"]
        out.append(f"**{t['label'][0].upper() + t['label'][1:]}**: {t['cases_of_interest']} of "
                   f"{doc['cases']} cases ({t['of_interest']:.0%}).")  # fmt: skip
        if c is None:
            out += ["", "No box: the outcome is the same in every case.", ""]
            continue
        reach = ("reaches" if c["reaches_goal"] else
                 f"does not reach {doc['goal']:.0%} on both; the best found")  # fmt: skip
        out += ["", f"Chosen box (step {c['step']}, {reach}): coverage {c['coverage']:.2f}, "
                f"density {c['density']:.2f}, {c['restricted']} {_inputs(c)} restricted. In words: "
                f"*{c['words']}*.", "",
                "| input | limits | quasi-p | restricted in resamples |", "|---|---|---:|---:|"]  # fmt: skip
        for lim in c["limits"]:
            if lim["kind"] == "choice":
                what, qp = " or ".join(lim["values"]), f"{lim['qp_low']:.2g}"
            else:
                lo = "" if lim["low"] is None else f"above {lim['low']:.3g}"
                hi = "" if lim["high"] is None else f"below {lim['high']:.3g}"
                what = " and ".join(x for x in (lo, hi) if x)
                qp = ", ".join(f"{q:.2g}" for q in (lim["qp_low"], lim["qp_high"]) if q is not None)
            out.append(f"| {lim['input']} | {what} | {qp} | "
                       f"{c['stability'].get(lim['input'], 0.0):.0%} |")  # fmt: skip
        top = sorted(t["feature_scores"].items(), key=lambda kv: -kv[1])[:5]
        out += ["", "Feature scores (extra trees): "
                + ", ".join(f"{k} {v:.2f}" for k, v in top) + ".", ""]  # fmt: skip
    return "\n".join(out)


def main() -> None:
    """Check both folders, then print their tables as Markdown."""
    att, dis = map(Path, sys.argv[1:3])
    for folder in (att, dis):
        require_intact(folder)
    print(attribution_tables(att))
    print()
    print(discovery_tables(dis))


if __name__ == "__main__":
    main()
