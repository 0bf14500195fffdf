"""``report.html``: one self-contained page for a comparison folder (plots embedded)."""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import pandas as pd

from model.analysis.compare import format_table

PLOTS = (
    ("capital_survival.png", "Does the regime still hold the capital?"),
    ("population.png", "Population in regime-held places"),
    ("units.png", "Units still answering commands"),
    ("patron_support.png", "Patron support"),
)

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em} h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:.9em;margin:.5em 0}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th{background:#f3f3f3} td:first-child,th:first-child{text-align:left}
img{max-width:100%;border:1px solid #eee} .muted{color:#666;font-size:.9em}
code{background:#f5f5f5;padding:0 .2em}
"""


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'


def _fmt(measure: str, v: float, signed: bool = False) -> str:
    if pd.isna(v):
        return "-"
    if measure.startswith("end_state") or measure.endswith(("_at_horizon", "leader_left")):
        return f"{v:+.0%}" if signed else f"{v:.0%}"
    return f"{v:+.1f}" if signed else f"{v:.1f}"


def write_report(folder: Path) -> Path:
    """Write ``report.html`` from a comparison folder's saved files."""
    doc = json.loads((folder / "comparison.json").read_text(encoding="utf-8"))
    table = pd.read_csv(folder / "comparison.csv")
    e = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Scenario comparison: {e(doc['base'])} and {len(doc['scenarios']) - 1} other(s)"
        "</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>Scenario comparison</h1>",
        f"<p class='muted'>{doc['runs']} runs per scenario, master seed {doc['master_seed']}; "
        "run <i>i</i> of every scenario uses the same seed, so differences are paired by seed. "
        f"Intervals are 95 %. Base: <b>{e(doc['base'])}</b>. Created {e(doc['created_utc'])} "
        f"by <code>{e(' '.join(doc['command_line']))}</code>.</p>",
        "<p class='muted'>This is a scenario exploration of a real conflict built on explicit, "
        "sourced rules and marked assumptions; it is not a prediction.</p>",
        "<h2>Scenarios</h2>",
    ]
    for s in doc["scenarios"]:
        parts.append(f"<h3>{e(s['name'])}: {e(s['title'])}</h3>")
        if s["rationale"]:
            parts.append(f"<p>{e(s['rationale'])}</p>")
        if s["flips"]:
            parts.append(f"<p class='muted'>Documented decision flipped: {e(s['flips'])}</p>")
        if s["changes"]:
            parts.append("<table><tr><th>changes</th><th>base</th><th>this scenario</th></tr>")
            for c in s["changes"]:
                parts.append(
                    f"<tr><td>{e(str(c['what']))}</td><td>{e(str(c['base']))}</td>"
                    f"<td>{e(str(c['new']))}</td></tr>"
                )
            parts.append("</table>")
        elif s["name"] == doc["base"]:
            parts.append("<p class='muted'>The base every other scenario is compared with.</p>")
    parts.append("<h2>Outcomes</h2>")
    parts.append(
        "<table><tr><th>measure</th><th>scenario</th><th>value</th><th>95 % interval</th>"
        "<th>difference from base</th><th>95 % interval</th></tr>"
    )
    for _, r in table.iterrows():
        m = r["measure"]
        parts.append(
            f"<tr><td>{e(m)}</td><td>{e(r['scenario'])}</td><td>{_fmt(m, r['value'])}</td>"
            f"<td>{_fmt(m, r['ci_low'])} to {_fmt(m, r['ci_high'])}</td>"
            f"<td>{_fmt(m, r['diff'], True)}</td>"
            f"<td>{_fmt(m, r['diff_low'], True)} to {_fmt(m, r['diff_high'], True)}</td></tr>"
        )
    parts.append("</table>")
    parts.append(
        "<p class='muted'>days_held and leader_days_in_country count the horizon for runs in "
        "which the capital never fell or the leader never left.</p>"
    )
    for fname, title in PLOTS:
        path = folder / fname
        if path.exists():
            parts.append(f"<h2>{e(title)}</h2>{_img(path)}")
    parts.append("<h2>Table as text</h2><pre>" + e(format_table(table)) + "</pre>")
    parts.append("</body></html>")
    out = folder / "report.html"
    out.write_text("\n".join(parts), encoding="utf-8")
    return out
