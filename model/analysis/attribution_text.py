"""An attribution in words: ``attribution.json``, the terminal's table and the findings.

The document is plain data, built from the tables ``model.analysis.attribution.attribute``
returns; the terminal, the report, the picture and the dashboard all read it, so that they
say the same thing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from model.analysis.compare import fmt_number, is_share, measure_label
from model.analysis.posterior_compare import ROBUST
from model.config.schema import DECISIONS
from model.sim.rules import RULES

FORMAT_VERSION = 1
CHANGES_WARN = 0.95  # a flip that changes fewer runs than this is said to apply only sometimes


def _records(df: pd.DataFrame) -> list[dict]:
    out = []
    for rec in df.to_dict(orient="records"):
        out.append({k: (None if isinstance(v, float) and math.isnan(v) else v)
                    for k, v in rec.items()})  # fmt: skip
    return out


def _what(over: str, player: str) -> str:
    if over == "rules":
        r = RULES.get(player)
        return f"{r.title} ({r.section})" if r else player
    return DECISIONS.get(player, player)


def document(
    *,
    scenario: str,
    title: str,
    over: str,
    players: Sequence[str],
    states: Sequence[tuple[str, str]],
    runs: int,
    master_seed: int,
    capital: str,
    horizon: int,
    values: pd.DataFrame,
    interactions: pd.DataFrame,
    efficiency: dict[str, dict],
    posterior: dict | None = None,
    seeds_per_draw: int = 1,
) -> dict:
    """``attribution.json``: the game, the values, the interactions, the checks and findings.

    Nothing in it depends on where or when the runs were made (that is the manifest's), so
    the same seed gives the same file on every executor.
    """
    doc = {
        "format_version": FORMAT_VERSION,
        "scenario": scenario,
        "title": title,
        "over": over,
        "players": [
            {"name": p, "documented": a, "flipped": b, "what": _what(over, p)}
            for p, (a, b) in zip(players, states, strict=True)
        ],
        "coalitions": 1 << len(players),
        "runs": runs,
        "master_seed": int(master_seed),
        "posterior": posterior,
        "seeds_per_draw": seeds_per_draw if posterior else 1,
        "interval": "total (seeds and parameters)" if posterior else "95 % interval of the mean",
        "capital": capital,
        "horizon_days": horizon,
        "measures": [],
        "efficiency_gap": {m: e["efficiency_gap"] for m, e in efficiency.items()},
        "values": _records(values),
        "interactions": _records(interactions),
    }
    for m, e in efficiency.items():
        label, unit = measure_label(m, horizon)
        doc["measures"].append({"id": m, "label": label, "unit": unit, **e})
    doc["findings"] = findings(doc)
    return doc


def value_text(x: float, measure: str, signed: bool = True) -> str:
    """A value as ``compare`` shows it; a share with one decimal, as shares are small here."""
    if not is_share(measure) or x is None or math.isnan(x):
        return fmt_number(x, is_share(measure), signed)
    text = f"{abs(x):.1%}"
    if text == "0.0%":
        return text
    return ("-" if x < 0 else "+" if signed else "") + text


def _interval(r: dict, measure: str) -> str:
    return f"[{value_text(r['low'], measure)}, {value_text(r['high'], measure)}]"


TINY = 1e-9  # below this a value is floating-point residue, not a share


def _clear(r: dict) -> bool:
    """Whether the interval excludes zero (a value of zero within rounding never does)."""
    low, high = r.get("low"), r.get("high")
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        return False  # no interval (too few runs or draws): nothing is claimed
    return bool(low > TINY or high < -TINY)


def _rows(doc: dict, measure: str, index: str) -> list[dict]:
    rows = [r for r in doc["values"] if r["measure"] == measure and r["index"] == index]
    return sorted(rows, key=lambda r: -abs(r["value"]))


def _unit(measure: str) -> str:
    return "" if is_share(measure) else " days"


def findings(doc: dict) -> list[str]:
    """Sentences a reader can take away: the total, its shares, interactions, idle flips."""
    out = []
    who = "decisions" if doc["over"] == "decisions" else "rules"
    flip = "flipping" if doc["over"] == "decisions" else "switching off"
    n = len(doc["players"])
    for k, m in enumerate(doc["measures"]):
        mid, e = m["id"], m["all_flips_effect"]
        label = m["label"][0].lower() + m["label"][1:]
        clear = [r for r in _rows(doc, mid, "shapley") if _clear(r)]
        shares = ", ".join(
            f"{r['decision']} {value_text(r['value'], mid)}{_unit(mid)} {_interval(r, mid)}"
            for r in clear
        )
        text = (
            f"{label[0].upper() + label[1:]}: {flip} all {n} {who} together changes it by "
            f"{value_text(e['value'], mid)}{_unit(mid)} {_interval(e, mid)} "
            f"({value_text(m['documented']['value'], mid, False)} documented, "
            f"{value_text(m['all_flipped']['value'], mid, False)} all flipped); "
        )
        text += (
            f"shared out exactly (the Shapley values sum to it within "
            f"{abs(m['efficiency_gap']):.1g}), the clear shares are {shares}."
            if clear
            else "no single share is clearly different from zero."
        )
        if k == 0 or clear:
            out.append(text)
    head = doc["measures"][0]["id"]
    pairs = [r for r in doc["interactions"]
             if r["measure"] == head and r["index"] == "shapley_interaction" and _clear(r)]  # fmt: skip
    for r in sorted(pairs, key=lambda r: -abs(r["value"]))[:3]:
        how = "reinforce each other" if r["value"] > 0 else "partly cancel each other"
        out.append(
            f"{r['decision_a']} and {r['decision_b']} {how} on the days held: Shapley "
            f"interaction {value_text(r['value'], head)}{_unit(head)} {_interval(r, head)}."
        )
    for r in _rows(doc, head, "shapley"):
        changed, alone = r.get("flip_changes_run"), r.get("flip_changes_run_alone")
        logged, pins = r.get("flip_changes_log"), r.get("pins_applied")
        said = f"; its pin took effect in {pins:.0%} of runs" if pins is not None else ""
        if changed is None:
            continue
        if changed == 0:
            came = (f"its answer differs in the event log of {logged:.0%} of the paired runs, "
                    "but it changed nothing that happened in any of them"
                    if logged else "its flip never came up in a run")  # fmt: skip
            out.append(f"{r['decision']}: {came}{said}; its value is zero for that reason, "
                       "not because the decision could not matter.")  # fmt: skip
        elif abs(r["value"]) < TINY and (r["se"] or 0.0) < TINY:
            out.append(f"{r['decision']}: its flip changes what happens in {changed:.0%} of the "
                       f"paired runs{said} but none of the measures.")  # fmt: skip
        elif changed < CHANGES_WARN:
            out.append(
                f"{r['decision']}: its flip changed what happened in {changed:.0%} of the paired "
                f"runs ({alone:.0%} from the documented sequence; its answer differed in "
                f"{logged:.0%}){said}; where it changes nothing it counts zero, and its value "
                "reflects that."
            )
    if doc["posterior"]:
        robust = [r for r in _rows(doc, head, "shapley")
                  if r["robust_share"] is not None and r["robust_share"] >= ROBUST]  # fmt: skip
        names = ", ".join(f"{r['decision']} ({r['robust_share']:.0%})" for r in robust)
        out.append(f"Over the posterior, the sign of the share holds in at least {ROBUST:.0%} of "
                   f"draws for: {names or 'none'}.")  # fmt: skip
    return out


def format_attribution(doc: dict) -> str:
    """The attribution for the terminal: per measure the total, each share and the check."""
    who = "decisions" if doc["over"] == "decisions" else "rules"
    lines = [
        f"Attribution among {len(doc['players'])} {who} of {doc['scenario']}: "
        f"{doc['coalitions']} coalitions x {doc['runs']} runs, master seed {doc['master_seed']}",
        "Each player: its documented state against its flip ("
        + ", ".join(f"{p['name']}: {p['documented']} -> {p['flipped']}" for p in doc["players"])
        + ")",
        f"[..] is the {doc['interval']}; se the standard error of the value; changes world "
        "(log): share of paired runs in which the flip changed what happened (its event log)",
    ]
    width = max(len(p["name"]) for p in doc["players"]) + 2
    for m in doc["measures"]:
        mid = m["id"]
        e = m["all_flips_effect"]
        lines += [
            "",
            f"{m['label']} ({m['unit']})",
            f"  documented {value_text(m['documented']['value'], mid, False)}, all flipped "
            f"{value_text(m['all_flipped']['value'], mid, False)}: all flips together "
            f"{value_text(e['value'], mid)} {_interval(e, mid)}; the Shapley values sum to "
            f"{value_text(m['sum_of_shapley_values'], mid)} (efficiency gap {m['efficiency_gap']:.1e})",
            f"  {'':<{width}s}{'Shapley [95 %]':<24s}{'se':>8s}{'Banzhaf':>10s}"
            f"  {'changes world (log)':<21s}pin came up",
        ]
        banzhaf = {r["decision"]: r for r in _rows(doc, mid, "banzhaf")}
        for r in _rows(doc, mid, "shapley"):
            se = (
                "-"
                if r["se"] is None
                else (f"{r['se']:.1%}" if is_share(mid) else f"{r['se']:.2f}")
            )
            changed, logged = r.get("flip_changes_run"), r.get("flip_changes_log")
            pins = r.get("pins_applied")
            world = "-" if changed is None else f"{changed:.0%} ({logged:.0%})"
            came_up = "-" if pins is None else f"{pins:.0%}"
            lines.append(
                f"  {r['decision']:<{width}s}{value_text(r['value'], mid) + ' ' + _interval(r, mid):<24s}"
                f"{se:>8s}{value_text(banzhaf[r['decision']]['value'], mid):>10s}"
                f"  {world:<21s}{came_up}"
            )
    lines += ["", "Findings:"] + [f"  - {f}" for f in doc["findings"]]
    return "\n".join(lines)
