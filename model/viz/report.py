"""``report.html``: one self-contained page for a comparison folder (plots embedded).

The page is a Jinja2 template (``templates/report.html.j2``) with autoescaping, so that no
scenario title, rationale or path can inject markup.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from model.analysis.compare import findings, format_cells, format_table, is_share, measure_label
from model.analysis.pins import pin_lines, pin_warnings, pins_of
from model.errors import ResultsError
from model.results.readers import read_daily
from model.viz.style import scenario_colour

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


def _date_of(start: dt.date | None, day: float) -> str:
    if start is None or pd.isna(day):
        return ""
    return f", {start + dt.timedelta(days=round(day)):%d %b}"


def _start_date(folder: Path, doc: dict) -> dt.date | None:
    """The base scenario's start date, from the first row of its daily table."""
    try:
        first = read_daily(folder / doc["scenarios"][0]["folder"], ["day", "date"]).iloc[0]
    except (ResultsError, OSError, KeyError, IndexError):
        return None
    return dt.date.fromisoformat(str(first["date"])) - dt.timedelta(days=int(first["day"]))


def _groups(table: pd.DataFrame, doc: dict, start: dt.date | None) -> list[dict]:
    """The outcome table grouped by measure, scenarios as rows, every value in words."""
    runs, horizon, base = doc["runs"], doc.get("horizon_days"), doc["base"]
    groups = []
    for measure in dict.fromkeys(table["measure"]):
        label, unit = measure_label(measure, horizon)
        pct = is_share(measure)
        rows = []
        for _, r in table[table.measure == measure].iterrows():
            is_base = r["scenario"] == base
            if measure.endswith("_median_fall_day"):
                value = (
                    "-"
                    if pd.isna(r["value"])
                    else f"day {r['value']:.0f}{_date_of(start, r['value'])}"
                )
                rows.append({"scenario": r["scenario"], "base": is_base, "value": value,
                             "interval": f"in {int(r['n'])} of {runs} runs", "diff": "",
                             "diff_interval": ""})  # fmt: skip
                continue
            val, diff = format_cells(r, pct, is_base)
            v, _, ci = val.strip().partition(" ")
            d, _, dci = diff.partition(" ")
            rows.append({"scenario": r["scenario"], "base": is_base, "value": v,
                         "interval": ci.strip("[]").replace(", ", " to "),
                         "diff": "" if is_base else d,
                         "diff_interval": dci.strip("[]").replace(", ", " to ")})  # fmt: skip
        groups.append({"label": label, "unit": unit, "rows": rows})
    return groups


def write_report(folder: Path, attribution: dict | None = None) -> Path:
    """Write ``report.html`` from a comparison folder's saved files.

    The page opens with the findings (one sentence per scenario, from
    ``model.analysis.compare.findings``), then the outcome table grouped by measure, the
    figures at the page's width, what each scenario changes, and the terminal's table.

    Args:
        folder: The comparison folder.
        attribution: An ``attribution.json`` whose findings the page shows after its own.
    """
    doc = json.loads((folder / "comparison.json").read_text(encoding="utf-8"))
    table = pd.read_csv(folder / "comparison.csv")
    start = _start_date(folder, doc)
    titles = {s["name"]: s["title"] for s in doc["scenarios"]}
    found = [
        {**f, "title": titles.get(f["scenario"], f["scenario"])}
        for f in findings(table, doc["capital"], doc.get("horizon_days"))
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
    pins = pins_of(doc["scenarios"])
    pin_rows = [
        {"scenario": name, "lines": pin_lines(p["applied"], p["came_up"])}
        for name, p in pins.items()
        if p["applied"]
    ]
    warnings = [
        w
        for name, p in pins.items()
        for w in pin_warnings(name, p["applied"], p["came_up"], doc["runs"])
    ]
    page = _ENV.get_template("report.html.j2").render(
        doc=doc,
        findings=found,
        groups=_groups(table, doc, start),
        plots=plots,
        text_table=format_table(table, doc.get("horizon_days"), pins),
        pin_rows=pin_rows,
        pin_warnings=warnings,
        colours={s["name"]: scenario_colour(k) for k, s in enumerate(doc["scenarios"])},
        **(_attribution_context(attribution) if attribution else {}),
    )
    out = folder / "report.html"
    out.write_text(page, encoding="utf-8")
    return out


def _attribution_context(a: dict) -> dict:
    """What the attribution block shows: per player its Shapley value on each measure."""
    from model.analysis.attribution_text import value_text

    def cell(r: dict, m: str) -> str:
        return (f"{value_text(r['value'], m)} "
                f"[{value_text(r['low'], m)}, {value_text(r['high'], m)}]")  # fmt: skip

    sv = {(r["decision"], r["measure"]): r for r in a["values"] if r["index"] == "shapley"}
    rows = []
    for p in a["players"]:
        r0 = sv[(p["name"], a["measures"][0]["id"])]
        changed = r0.get("flip_changes_run")
        pins = r0.get("pins_applied")
        rows.append({
            "name": p["name"], "documented": p["documented"], "flipped": p["flipped"],
            "cells": [cell(sv[(p["name"], m["id"])], m["id"]) for m in a["measures"]],
            "changed": ("-" if changed is None else f"{changed:.0%}")
            + ("" if pins is None else f" (pin came up {pins:.0%})"),
        })  # fmt: skip
    totals = [cell(m["all_flips_effect"], m["id"]) for m in a["measures"]]
    return {"a": a, "attribution_rows": rows, "attribution_totals": totals}


def attribution_findings_html(a: dict) -> str:
    """The attribution's findings and table as an HTML block, for any report page.

    Args:
        a: ``attribution.json`` (``model.analysis.attribution_text.document``).
    """
    return _ENV.get_template("attribution_findings.html.j2").render(**_attribution_context(a))


def write_attribution_report(folder: Path) -> Path:
    """Write ``report.html`` of an attribution folder: findings, table, picture, text."""
    from model.analysis.attribution_text import format_attribution

    a = json.loads((folder / "attribution.json").read_text(encoding="utf-8"))
    png = folder / "attribution.png"
    page = _ENV.get_template("attribution.html.j2").render(
        **_attribution_context(a),
        picture=base64.b64encode(png.read_bytes()).decode("ascii") if png.exists() else None,
        text_table=format_attribution(a),
    )
    out = folder / "report.html"
    out.write_text(page, encoding="utf-8")
    return out
