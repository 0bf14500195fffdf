"""Regenerate the documentation's measured tables and pictures from the results that make them.

Every dated table in ``docs/`` (the validation, the counterfactual catalogue, the posterior,
the hindcast, the catalogue over the posterior, the ablation, the sensitivity screening) and
every picture drawn from results is written here, never by hand. The script runs each command
of the tool into a results folder of its own, then writes each table from that folder, with
the command and the commit that produced it above the table:

    .venv/bin/python tools/docs_figures.py --runs 200            # every study, then the pages
    .venv/bin/python tools/docs_figures.py --runs 1000 --workers 2
    .venv/bin/python tools/docs_figures.py --reuse               # rewrite from the last folders
    .venv/bin/python tools/docs_figures.py --tiny --docs /tmp/d  # the smoke test's size

The folders go to ``results/docs/<UTC time>/`` (``--results``), with ``docs_figures.json``
beside them: each step's command, folder, commit and printed output, which ``--reuse`` reads.
A table names the commit its results folder records where it records one, otherwise the
commit this script ran it at (with "and uncommitted changes" if the tree differed from it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT))

import docs_trust  # noqa: E402
from docs_reference import replace_block  # noqa: E402

SOURCE = "tools/docs_figures.py"
BASE = "scenarios/baseline.yaml"
COUNTERFACTUALS = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "scenarios" / "counterfactuals").glob("*.yaml"))  # fmt: skip
HIDDEN = ("--out", "--quiet", "--executor", "--workers")  # where it ran, not what it measured


# --------------------------------------------------------------------------- running


def _git(*args: str) -> str:
    try:
        res = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return ""
    return res.stdout.strip()


def code_version() -> dict:
    """The commit the tree is at, and whether the model's code differs from it."""
    commit = _git("rev-parse", "--short=10", "HEAD") or "unknown"
    dirty = bool(_git("status", "--porcelain", "--", "model", "scenarios"))
    return {"commit": commit, "dirty": dirty}


def steps(size: dict) -> list[tuple[str, list[str]]]:
    """Each step's name and its command's arguments (after ``python -m model``).

    The reference table is made once; calibrate, validate, infer, sbc and hindcast read it.
    """
    n = str(size["runs"])
    table = ["--ess", str(size["ess"])]
    return [
        # The command the README tells a newcomer to type, as it is (100 runs by default).
        ("run", ["run", BASE, *(["--runs", n] if size.get("tiny") else [])]),
        ("reference", ["reference", BASE, "--runs", str(size["table"])]),
        ("validate", ["validate", BASE, "--runs", n, "--reference", "{reference}"]),
        ("catalogue", ["compare", BASE, *COUNTERFACTUALS, "--runs", n, "--quiet"]),
        ("ablate", ["ablate", BASE, "--runs", n]),
        ("sensitivity", ["sensitivity", BASE, "--method", "morris", "--samples",
                         str(size["morris"]), "--runs-per-sample", str(size["per_sample"])]),
        ("calibrate", ["calibrate", BASE, "--reference", "{reference}", *table]),
        ("infer", ["infer", BASE, "--reference", "{reference}", *table]),
        ("sbc", ["sbc", BASE, "--reference", "{reference}", "--cases", str(size["cases"]),
                 *table]),
        ("posterior-catalogue", ["compare", BASE, *COUNTERFACTUALS, "--runs", n,
                                 "--seeds-per-draw", "4", "--posterior", "{infer}", "--quiet"]),
        ("hindcast", ["hindcast", BASE, "--reference", "{reference}", *table,
                      *(["--origins", size["origins"]] if size.get("origins") else [])]),
        ("explain", ["explain", BASE]),
    ]  # fmt: skip


def run_all(size: dict, results: Path, workers: int, only: set[str] | None = None) -> dict:
    """Run every step (or those in ``only``) into ``results``; what ran, where, at which commit."""
    results.mkdir(parents=True, exist_ok=False)
    record = {"created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
              "size": size, "steps": {}}  # fmt: skip
    for name, args in steps(size):
        if only is not None and name not in only:
            continue
        done = {k.replace("-", "_"): v["folder"] for k, v in record["steps"].items()}
        try:
            args = [a.format(**done) for a in args]
        except KeyError as e:
            raise SystemExit(f"step {name} needs the step {e.args[0]} in the same run") from None
        # calibrate writes a file, beside the folders: never over the shipped calibration
        folder = results / (f"{name}.yaml" if name == "calibrate" else name)
        where = [] if name == "explain" else ["--out", str(folder)]
        if args[0] not in ("explain",):
            where += ["--workers", str(workers)] if workers > 1 else ["--executor", "serial"]
        argv = [sys.executable, "-m", "model", *args, *where]
        print(f"[docs_figures] {' '.join(['python', '-m', 'model', *args])}", flush=True)
        version = code_version()
        load, began, cpu = round(os.getloadavg()[0], 2), time.perf_counter(), _children_cpu()
        res = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
        if res.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} exited {res.returncode}:\n{res.stderr[-3000:]}")
        record["steps"][name] = {"argv": ["python", "-m", "model", *args], "folder": str(folder),
                                 "stdout": res.stdout, **version, "load_before": load,
                                 "wall_s": round(time.perf_counter() - began, 1),
                                 "cpu_s": round(_children_cpu() - cpu, 1)}  # fmt: skip
    (results / "docs_figures.json").write_text(json.dumps(record, indent=2) + "\n", "utf-8")
    return record


def _children_cpu() -> float:
    """CPU seconds of the finished child processes (each step and its workers)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def latest(results_root: Path) -> dict:
    """The record of the last complete run of this script under ``results_root``."""
    found = sorted(results_root.glob("*/docs_figures.json"))
    if not found:
        raise SystemExit(f"{results_root}: no docs_figures.json; run without --reuse first")
    return json.loads(found[-1].read_text("utf-8"))


# --------------------------------------------------------------------------- provenance


def _shown(argv: list[str]) -> str:
    """The command as a reader would type it: where it ran and its output folder left out."""
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
            continue
        if a in HIDDEN:
            skip = a not in ("--quiet",)
            continue
        out.append(a)
    text = " ".join(a if " " not in a else f"'{a}'" for a in out)
    # The whole catalogue, as a reader types it.
    return text.replace(" ".join(COUNTERFACTUALS), "scenarios/counterfactuals/*.yaml")


def _recorded_commit(folder: Path) -> dict | None:
    """The code version a results folder records about itself, where it records one."""
    for name in ("manifest.json",):
        p = folder / name
        if p.exists():
            doc = json.loads(p.read_text("utf-8"))
            code = doc.get("code") or doc.get("code_version") or {}
            commit = (code.get("commit") if isinstance(code, dict) else None) or doc.get(
                "git_commit")  # fmt: skip
            if commit:
                return {"commit": str(commit)[:10], "dirty": bool(code.get("dirty", False))}
    return None


def provenance_line(step: dict, what: str = "Measured with") -> str:
    """``Measured with `command` at commit X, date.``, from the step's record and folder."""
    folder = Path(step["folder"])
    version = _recorded_commit(folder) or step
    when = _created(folder) or ""
    commit = f"commit `{version['commit']}`" + (
        " and uncommitted changes" if version["dirty"] else ""
    )
    argv = [a.replace(str(ROOT) + "/", "") for a in step["argv"]]
    if "--posterior" in argv:
        argv[argv.index("--posterior") + 1] = "<the infer folder above>"
    if "--reference" in argv:
        argv[argv.index("--reference") + 1] = "<the reference table>"
    return f"*{what} `{_shown(argv)}` at {commit}{', ' + when if when else ''}.*"


def _created(folder: Path) -> str:
    if folder.suffix == ".yaml":  # calibrate's file
        made = folder.read_text("utf-8").split("created_utc: ")
        return made[1][1:11] if len(made) > 1 else ""
    for name in ("validation.json", "comparison.json", "posterior.json", "scores.json",
                 "ablation.json", "sensitivity.json", "summary.json", "sbc.json",
                 "reference.json"):  # fmt: skip
        p = folder / name
        if p.exists():
            stamp = json.loads(p.read_text("utf-8")).get("created_utc")
            if stamp:
                return stamp[:10]
    return ""


# --------------------------------------------------------------------------- tables


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def _signed(x: float, digits: int = 1) -> str:
    v = round(float(x), digits)
    return f"{abs(v):.{digits}f}" if v == 0 else f"{v:+.{digits}f}"  # never "-0.0"


def _date(start: dt.date, day: float | None) -> str:
    if day is None or pd.isna(day):
        return "-"
    return f"{start + dt.timedelta(days=round(float(day))):%-d %b}"


def _range(start: dt.date, lo, hi) -> str:
    a, b = _date(start, lo), _date(start, hi)
    return a if a == b else f"{a} - {b}"


def validation_block(step: dict) -> str:
    """Per documented event: simulated day, distance, runs within a day; the summary."""
    doc = json.loads((Path(step["folder"]) / "validation.json").read_text("utf-8"))
    start = dt.date.fromisoformat(doc["start_date"])
    out = [provenance_line(step), "",
           "| documented event | role | documented | simulated, median [5-95 %] | days off | "
           "runs within a day | produced |", "|---|---|---|---|---:|---:|---:|"]  # fmt: skip
    obs = sorted(doc["observations"], key=lambda o: (o["doc_day"], o["id"]))
    for o in obs:
        sim = (f"{_date(start, o['median'])} [{_date(start, o['p05'])} - "
               f"{_date(start, o['p95'])}]") if o["share_produced"] > 0 else "never"  # fmt: skip
        role = "calibration" if o["role"] == "calibration" else "held out"
        out.append(f"| {o['what']} | {role} | {_range(start, o['doc_lo'], o['doc_hi'])} | {sim} | "
                   f"{o['distance']:.1f} | {_pct(o['within_one_day'])} | "
                   f"{_pct(o['share_produced'])} |")  # fmt: skip
    out.append("")
    for role, label in (("calibration", "Calibration"), ("held_out", "Held out")):
        s = doc["summary"][role]
        out.append(f"- **{label}** ({s['observations']} observations): mean absolute error "
                   f"{s['mae_days']:.2f} days; median within a day for {_pct(s['hit_share'])} "
                   f"of them; on average {_pct(s['within_one_day_mean'])} of runs within a "
                   f"day; {s['not_produced']} never produced.")  # fmt: skip
    s = doc["summary"]["all"]
    out.append(f"- Documented orders kept by the medians: {_pct(s['order_kept_mean'])}; runs "
               f"that reverse none of them: {_pct(s['order_runs_mean'])}.")  # fmt: skip
    return "\n".join(out)


def baseline_facts(run_step: dict, validate_step: dict) -> str:
    """What the runs say beyond the documented dates: the leader's route, the end, the exits."""
    from model.config.schema import HOLDER_LABELS

    folder = Path(run_step["folder"])
    doc = json.loads((Path(validate_step["folder"]) / "validation.json").read_text("utf-8"))
    start = dt.date.fromisoformat(doc["start_date"])
    runs = pd.read_csv(folder / "runs.csv")
    events = pd.read_csv(folder / "events.csv", keep_default_na=False)
    left = runs["leader_exit_day"][runs["leader_exit_day"] >= 0]
    dep = events[(events["actor"] == "regime") & (events["kind"] == "departure")]
    routes = dep["target"].value_counts(normalize=True)
    route = (
        f"{routes.index[0]} in {_pct(routes.iloc[0])} of the runs in which he left"
        if len(routes)
        else "-"
    )
    p = doc["patterns"]
    gone, cap = p["regime_gone"], p["capital"]
    holders = "; ".join(f"{HOLDER_LABELS.get(k, k)} {_pct(v)}"
                        for k, v in sorted(cap["shares"].items(), key=lambda kv: -kv[1]))  # fmt: skip
    daily = pd.read_csv(folder / "daily.csv", usecols=["day", "soldiers_crossed_iraq"]) if (
        folder / "daily.csv").exists() else None  # fmt: skip
    lines = [provenance_line(run_step, "From the runs of"), ""]
    if len(left):
        q = left.quantile([0.5, 0.05, 0.95])
        lines.append(f"- The leader leaves on {_date(start, q[0.5])} [{_date(start, q[0.05])} - "
                     f"{_date(start, q[0.95])}] (median [5-95 %]), in {_pct(len(left) / len(runs))} "
                     f"of runs; by {route}.")  # fmt: skip
    iso = dt.date.fromisoformat
    lines.append(f"- The regime holds no place from {_date(start, gone['median_day'])} "
                 f"[{iso(gone['p05']):%-d %b} - {iso(gone['p95']):%-d %b}], in {_pct(gone['share'])} of runs by "
                 f"the horizon and {_pct(gone['share_by_horizon'])} by "
                 f"{dt.date.fromisoformat(p['horizon_date']):%-d %B} (documented: 8-9 December; "
                 "from the validation's runs).")  # fmt: skip
    lines.append(f"- On {dt.date.fromisoformat(cap['date']):%-d %B} the capital is held by: "
                 f"{holders} (the validation's runs).")  # fmt: skip
    if daily is not None:
        day7 = (dt.date(2024, 12, 7) - start).days
        crossed = daily[daily["day"] == day7]["soldiers_crossed_iraq"]
        if len(crossed):
            q = crossed.quantile([0.5, 0.05, 0.95])
            lines.append(f"- By 7 December a median of {q[0.5]:,.0f} soldiers (5-95 %: "
                         f"{q[0.05]:,.0f} to {q[0.95]:,.0f}) have crossed into Iraq at al-Bukamal "
                         "(documented that day: 1,000 to 2,000; held out, not used to set any "
                         "parameter).")  # fmt: skip
    return "\n".join(lines)


def _days_held(table: pd.DataFrame, scenario: str) -> pd.Series:
    return table[(table["scenario"] == scenario) & (table["measure"] == "Damascus_days_held")].iloc[
        0
    ]


def catalogue_block(step: dict) -> str:
    """Each counterfactual's paired difference in the days Damascus is held; end states moved."""
    folder = Path(step["folder"])
    doc = json.loads((folder / "comparison.json").read_text("utf-8"))
    table = pd.read_csv(folder / "comparison.csv")
    base = doc["base"]
    b = _days_held(table, base)
    out = [provenance_line(step), "",
           f"| scenario | days Damascus held by the regime (base {b['value']:.1f}) | "
           "end states that change, 95 % interval excluding 0 |", "|---|---|---|"]  # fmt: skip
    for s in doc["scenarios"]:
        if s["name"] == base:
            continue
        r = _days_held(table, s["name"])
        moved = []
        for _, e in table[(table["scenario"] == s["name"])
                          & table["measure"].str.startswith("end_state:")].iterrows():  # fmt: skip
            if e["diff_low"] > 0 or e["diff_high"] < 0:
                moved.append(f"{e['measure'].split(':')[1].replace('_', ' ')} "
                             f"{_pct(e['value'])} ({_signed(100 * e['diff'], 0)} points)")  # fmt: skip
        out.append(f"| `{s['name']}` | {_signed(r['diff'])} [{_signed(r['diff_low'])}, "
                   f"{_signed(r['diff_high'])}] | {'; '.join(moved) or '-'} |")  # fmt: skip
    return "\n".join(out)


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def posterior_catalogue_block(step: dict) -> str:
    """The catalogue over the posterior: seed-only and total intervals, robust share, rank."""
    folder = Path(step["folder"])
    doc = json.loads((folder / "comparison.json").read_text("utf-8"))
    table = pd.read_csv(folder / "comparison.csv")
    ranking = pd.read_csv(folder / "ranking.csv") if (folder / "ranking.csv").exists() else None
    base = doc["base"]
    b = _days_held(table, base)
    out = [provenance_line(step), "",
           f"| counterfactual | difference in days Damascus held (base {b['value']:.1f}) | "
           "seed-only 95 % | total 95 % | draws with the sign of the mean (Monte Carlo error) "
           "| holds | most frequent rank (share of draws) |",
           "|---|---:|---|---|---:|---|---|"]  # fmt: skip
    rows = []
    for s in doc["scenarios"]:
        if s["name"] == base:
            continue
        r = _days_held(table, s["name"])
        rank = "-"
        if ranking is not None and "scenario" in ranking:
            mine = ranking[ranking["scenario"] == s["name"]].drop(
                columns=["scenario", "mean_rank"], errors="ignore")  # fmt: skip
            if len(mine):
                col = mine.iloc[0].astype(float).idxmax()
                rank = f"{_ordinal(int(col))} in {_pct(float(mine.iloc[0][col]))}"
        total = (f"[{_signed(r['total_low'])}, {_signed(r['total_high'])}]"
                 if "total_low" in r and not pd.isna(r["total_low"]) else "-")  # fmt: skip
        robust = _pct(r["robust_share"]) if "robust_share" in r and not pd.isna(r["robust_share"]) else "-"  # fmt: skip
        if "share_se" in r and not pd.isna(r["share_se"]):
            robust += f" ± {_pct(r['share_se'])}"
        holds = ("yes" if r.get("robust_low", 0) >= 0.9 else "no") if "robust_low" in r else "-"
        rows.append((float(r["diff"]), f"| `{s['name']}` | {_signed(r['diff'])} | "
                     f"[{_signed(r['diff_low'])}, {_signed(r['diff_high'])}] | {total} | "
                     f"{robust} | {holds} | {rank} |"))  # fmt: skip
    out += [row for _, row in sorted(rows, key=lambda t: -t[0])]
    return "\n".join(out)


def rule_names(odd: Path = ROOT / "docs" / "ODD.md") -> dict[str, str]:
    """Each rule's short name, as its submodel in the ODD is headed (``### R5 The cascade``)."""
    import re

    text = odd.read_text("utf-8")
    return {m[1]: m[2] for m in re.finditer(r"^### (R\d+) (.+)$", text, re.M)}


def ablation_block(step: dict) -> str:
    """Each rule off: paired differences in days held and days the leader stays; the fit."""
    folder = Path(step["folder"])
    doc = json.loads((folder / "ablation.json").read_text("utf-8"))
    table = pd.read_csv(folder / "ablation.csv")
    fit = pd.read_csv(folder / "fit.csv")
    fit = fit[fit["role"] == "all"].set_index("scenario")
    names = rule_names()

    def cell(variant: str, measure: str) -> str:
        r = table[(table["scenario"] == variant) & (table["measure"] == measure)].iloc[0]
        if variant == "baseline":
            return f"{r['value']:.1f}"
        if round(r["diff_low"], 1) == round(r["diff_high"], 1) == round(r["diff"], 1):
            return _signed(r["diff"])
        return f"{_signed(r['diff'])} [{_signed(r['diff_low'])}, {_signed(r['diff_high'])}]"

    out = [provenance_line(step), "",
           "| rule off | days Damascus held | days the leader stays | end states that change | "
           "error to documented dates, days (never produced) |", "|---|---|---|---|---|"]  # fmt: skip
    for variant in doc["variants"]:
        rule = variant.removeprefix("without_")
        label = "none (baseline)" if variant == "baseline" else f"{rule} {names.get(rule, '')}"
        moved = []
        ends = table[(table["scenario"] == variant) & table["measure"].str.startswith("end_state:")]
        for _, e in ends.iterrows():
            if variant == "baseline" and e["value"] > 0:
                moved.append(f"{e['measure'].split(':')[1].replace('_', ' ')} {_pct(e['value'])}")
            elif variant != "baseline" and (e["diff_low"] > 0 or e["diff_high"] < 0):
                moved.append(f"{e['measure'].split(':')[1].replace('_', ' ')} {_pct(e['value'])}")
        f = fit.loc[variant]
        out.append(f"| {label} | {cell(variant, 'Damascus_days_held')} | "
                   f"{cell(variant, 'leader_days_in_country')} | "
                   f"{'; '.join(moved) or 'unchanged'} | {f['mae_days']:.2f} "
                   f"({int(f['not_produced'])}) |")  # fmt: skip
    return "\n".join(out)


def sensitivity_block(step: dict) -> str:
    """The three largest drivers of each output, mu_star with its confidence half-width."""
    folder = Path(step["folder"])
    t = pd.read_csv(folder / "sensitivity.csv")
    idx = "mu_star" if "mu_star" in set(t["index"]) else "ST"
    t = t[t["index"] == idx]
    out = [provenance_line(step), "", f"| output | first ({idx}) | second | third |",
           "|---|---|---|---|"]  # fmt: skip
    for output, grp in t.groupby("output", sort=False):
        top = grp.sort_values("value", ascending=False).head(3)
        cells = [
            f"`{r['parameter']}` {r['value']:.3g} ± {r['conf']:.2g}" for _, r in top.iterrows()
        ]
        out.append(f"| `{output}` | " + " | ".join(cells + ["-"] * (3 - len(cells))) + " |")
    return "\n".join(out)


def _printed(step: dict) -> str:
    """What a command printed, its ``--out`` folder shown as the one a user gets without it."""
    text = step["stdout"].replace(step["folder"], f"results/{Path(BASE).stem}/<UTC time>-<id>")
    return text.replace(str(ROOT) + "/", "")


def printed_block(step: dict, after: str | None = None) -> str:
    """What a command printed, as it printed it (from ``after`` on), with its provenance."""
    text = _printed(step)
    if after is not None and after in text:
        text = text[text.index(after) :]
    return provenance_line(step, "Printed by") + "\n\n```text\n" + text.rstrip() + "\n```"


# --------------------------------------------------------------------------- pictures


def pictures(record: dict, docs: Path) -> list[Path]:
    """Redraw the pictures the pages show, from the same folders, into ``docs``."""
    s = record["steps"]
    folder = {name: Path(step["folder"]) for name, step in s.items()}
    py = [sys.executable, "-m", "model"]
    copies = {}
    if "run" in s:
        for extra in (["--timeline"], ["--map", "--day", "2024-12-08"]):
            subprocess.run([*py, "plot", str(folder["run"]), *extra], cwd=ROOT, check=True,
                           capture_output=True)  # fmt: skip
        copies["run"] = {"timeline.png": "timeline.png",
                         "timeline-events.png": "timeline-events.png",
                         "map-2024-12-08.png": "map.png"}  # fmt: skip
    copies["catalogue"] = {"capital_survival.png": "capital_survival.png"}
    copies["infer"] = {"posterior.png": "posterior.png"}
    copies["sbc"] = {"sbc.png": "sbc.png"}
    copies["hindcast"] = {"hindcast.png": "hindcast.png"}
    written = []
    for step, names in copies.items():
        for src, name in names.items() if step in s else ():
            shutil.copyfile(folder[step] / src, docs / name)
            written.append(docs / name)
    if "catalogue" in s:
        written.append(
            screenshot(folder["catalogue"] / "report.html", docs / "report-findings.png")
        )
    notebook = docs / "examples" / "python_api.ipynb"
    if notebook.exists():
        written.append(execute_notebook(notebook))
    return written


def execute_notebook(path: Path) -> Path:
    """Run the example notebook again in a fresh kernel and keep its outputs.

    The site shows the saved outputs; ``tests/docs/test_notebook.py`` runs it too, keeping none.
    """
    import nbclient
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}}).execute()  # fmt: skip
    nbformat.write(nb, path)
    return path


def screenshot(report: Path, out: Path, width: int = 1100, height: int = 1500) -> Path:
    """The top of a report.html, as a browser shows it (Chromium, driven by Playwright)."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit(
            "chromium not found: report-findings.png needs it (apt-get install chromium)"
        )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(report.resolve().as_uri())
        page.screenshot(path=str(out))
        browser.close()
    return out


# --------------------------------------------------------------------------- pages


# Each generated block: its page, its name, the steps it needs and how it is written.
def _start(s: dict) -> dt.date:
    return dt.date.fromisoformat(json.loads((Path(s["reference"]["folder"]) / "reference.json")
                                            .read_text("utf-8"))["start_date"])  # fmt: skip


P = provenance_line
BLOCKS = (
    ("getting-started.md", "run-output", ("run",), lambda s: printed_block(s["run"])),
    ("trust.md", "validation", ("validate",), lambda s: validation_block(s["validate"])),
    ("trust.md", "dependence", ("validate",), lambda s: docs_trust.dependence_block(s["validate"], P)),
    ("trust.md", "regions", ("validate", "reference"),
     lambda s: docs_trust.regions_block(s["validate"], P)),
    ("trust.md", "baseline-facts", ("run", "validate"),
     lambda s: baseline_facts(s["run"], s["validate"])),
    ("trust.md", "reference", ("reference",), lambda s: docs_trust.reference_block(s["reference"], P)),
    ("trust.md", "calibration", ("calibrate",),
     lambda s: docs_trust.calibration_block(s["calibrate"], P)),
    ("trust.md", "posterior", ("infer",), lambda s: docs_trust.posterior_block(s["infer"], P)),
    ("trust.md", "ppc", ("infer", "reference"),
     lambda s: docs_trust.ppc_block(s["infer"], P, _start(s))),
    ("trust.md", "sbc", ("sbc",), lambda s: docs_trust.sbc_block(s["sbc"], P)),
    ("trust.md", "hindcast", ("hindcast",), lambda s: docs_trust.hindcast_block(s["hindcast"], P)),
    ("trust.md", "timing", ("reference",), lambda s: docs_trust.timing_block({"steps": s}, P)),
    ("trust.md", "posterior-catalogue", ("posterior-catalogue",),
     lambda s: posterior_catalogue_block(s["posterior-catalogue"])),
    ("trust.md", "ablation", ("ablate",), lambda s: ablation_block(s["ablate"])),
    ("trust.md", "sensitivity", ("sensitivity",), lambda s: sensitivity_block(s["sensitivity"])),
    ("counterfactuals.md", "catalogue", ("catalogue",), lambda s: catalogue_block(s["catalogue"])),
    ("model.md", "explain-decisions", ("explain",),
     lambda s: printed_block(s["explain"], "Decisions:")),
)  # fmt: skip


def blocks(record: dict) -> dict[str, dict[str, str]]:
    """Each page's generated blocks whose steps were run, by page file name and block name."""
    s = record["steps"]
    out: dict[str, dict[str, str]] = {}
    for page, name, needs, write in BLOCKS:
        if all(n in s for n in needs):
            out.setdefault(page, {})[name] = write(s)
    return out


def write_pages(record: dict, docs: Path, readme: Path | None) -> list[Path]:
    """Write every generated block into its page (and the README's printed output)."""
    written = []
    for page, named in blocks(record).items():
        path = docs / page
        text = path.read_text("utf-8")
        for name, body in named.items():
            text = replace_block(text, name, body, SOURCE, where=str(path))
        path.write_text(text, "utf-8")
        written.append(path)
    if readme is not None and "run" in record["steps"]:
        text = replace_block(readme.read_text("utf-8"), "run-output", _readme_output(record),
                             SOURCE, where=str(readme))  # fmt: skip
        readme.write_text(text, "utf-8")
        written.append(readme)
    return written


def _readme_output(record: dict) -> str:
    step = record["steps"]["run"]
    return "```text\n$ " + _shown(step["argv"]) + "\n" + _printed(step).rstrip() + "\n```"


SIZES = {
    "tiny": {"tiny": True, "runs": 4, "morris": 2, "per_sample": 2, "table": 300, "ess": 10,
             "cases": 10, "origins": "2024-11-30,2024-12-04"},
}  # fmt: skip


def size_for(runs: int) -> dict:
    """The studies' sizes for ``runs`` runs per ensemble; the reference table's are fixed."""
    return {"runs": runs, "morris": 20, "per_sample": max(2, runs // 20), "table": 50_000,
            "ess": 200, "cases": 200}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Run the studies (or reuse the last ones) and write the tables and pictures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200, help="runs per ensemble (default 200)")
    ap.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--tiny", action="store_true", help="the smallest sizes (the smoke test)")
    ap.add_argument("--reuse", action="store_true", help="run nothing: use the last folders")
    ap.add_argument("--results", default=str(ROOT / "results" / "docs"), help="results root")
    ap.add_argument("--docs", default=str(ROOT / "docs"), help="the pages and pictures to write")
    ap.add_argument("--no-pictures", action="store_true", help="write the tables only")
    ap.add_argument("--only", default=None, help="the steps to run, comma-separated (default all: "
                    + ", ".join(n for n, _ in steps(size_for(1))) + ")")  # fmt: skip
    args = ap.parse_args(argv)
    root, docs = Path(args.results), Path(args.docs)
    if args.reuse:
        record = latest(root)
    else:
        size = SIZES["tiny"] if args.tiny else size_for(args.runs)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        only = set(args.only.split(",")) if args.only else None
        unknown = (only or set()) - {n for n, _ in steps(size)}
        if unknown:
            ap.error(f"unknown steps: {', '.join(sorted(unknown))}")
        record = run_all(size, root / stamp, args.workers, only)
    readme = ROOT / "README.md" if docs.resolve() == (ROOT / "docs").resolve() else None
    written = write_pages(record, docs, readme)
    if not args.no_pictures:
        written += pictures(record, docs)
    for p in written:
        print(f"wrote {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
