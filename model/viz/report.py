"""``report.html``: one self-contained page for a comparison folder (plots embedded).

The page is a Jinja2 template (``templates/report.html.j2``) with autoescaping, so that no
scenario title, rationale or path can inject markup.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from model.analysis.compare import format_table

PLOTS = (
    ("capital_survival.png", "Does the regime still hold the capital?"),
    ("population.png", "Population in regime-held places"),
    ("units.png", "Units still answering commands"),
    ("patron_support.png", "Patron support"),
)

_ENV = Environment(
    loader=PackageLoader("model.viz", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    keep_trailing_newline=True,
)


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
    rows = [
        {
            "measure": r["measure"],
            "scenario": r["scenario"],
            **{k: _fmt(r["measure"], r[k]) for k in ("value", "ci_low", "ci_high")},
            **{k: _fmt(r["measure"], r[k], True) for k in ("diff", "diff_low", "diff_high")},
        }
        for _, r in table.iterrows()
    ]
    plots = [
        {
            "name": Path(name).stem,
            "title": title,
            "data": base64.b64encode((folder / name).read_bytes()).decode("ascii"),
        }
        for name, title in PLOTS
        if (folder / name).exists()
    ]
    page = _ENV.get_template("report.html.j2").render(
        doc=doc, rows=rows, plots=plots, text_table=format_table(table)
    )
    out = folder / "report.html"
    out.write_text(page, encoding="utf-8")
    return out
