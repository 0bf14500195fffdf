"""Every script in benchmarks/ and tools/ runs, at a tiny size, as a user would start it.

The scripts are not imported by the package, so nothing else notices when a module they use
moves (``benchmarks/bench_batch_run.py`` failed at import for weeks). Each runs here in a
child process from the repository root; the test checks its exit code and one line of what it
prints, never a time.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from repo import REPO_ROOT


def _run(*args: str, timeout: int = 240) -> str:
    res = subprocess.run(
        [sys.executable, *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert res.returncode == 0, f"{' '.join(args)} exited {res.returncode}:\n{res.stderr[-3000:]}"
    return res.stdout


def test_every_script_has_a_smoke_test():
    """A script added to benchmarks/ or tools/ that no test names fails this.

    The documentation's tools are run by tests/docs/test_docs.py ("tools/docs_reference.py",
    "tools/docs_figures.py", which imports "tools/docs_trust.py" for the trust page's tables).
    """
    scripts = {p.relative_to(REPO_ROOT).as_posix() for d in ("benchmarks", "tools")
               for p in (REPO_ROOT / d).glob("*.py")}  # fmt: skip
    source = "".join(
        p.read_text(encoding="utf-8") for p in (REPO_ROOT / "tests").rglob("test_*.py")
    )
    untested = sorted(s for s in scripts if f'"{s}"' not in source)
    assert not untested, f"no smoke test for {untested}"


def test_bench_run():
    out = _run("benchmarks/bench_run.py", "--runs", "10", "--quick", "--units", "100")
    assert "one run, serial" in out and "parallel efficiency" in out


def test_bench_batch_run():
    out = _run(
        "benchmarks/bench_batch_run.py", "--runs", "20", "--repeats", "1", "--processes", "1"
    )
    # The script compares both paths' daily metrics before it times anything.
    assert "same daily metrics from both paths for 20 seeds: yes" in out


def test_bench_memory():
    out = _run("benchmarks/bench_memory.py", "--runs", "10", "--workers", "1")
    assert "peak RSS MB" in out


@pytest.mark.skipif(shutil.which("git") is None, reason="git not found")
def test_bench_compare_against_this_commit():
    if not (REPO_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    out = _run(
        "benchmarks/bench_compare.py",
        "HEAD",
        "--runs",
        "20",
        "--rounds",
        "1",
        "--passes",
        "1",
        "--no-e2e",
    )
    assert "ratio ref / current" in out


def test_bench_dashboard_server_side():
    pytest.importorskip("solara", reason="the dashboard extra is not installed")
    out = _run("benchmarks/bench_dashboard.py", "--runs", "4", "--workers", "1", "--no-browser")
    assert "step + redraw, server" in out and "comparison, 2 x 4 runs" in out


def test_bench_attribute_tiny():
    pytest.importorskip("shapiq", reason="the attribute extra is not installed")
    pytest.importorskip("ema_workbench", reason="the discover extra is not installed")
    out = _run(
        "benchmarks/bench_attribute.py",
        *("--runs", "2", "--cases", "60", "--players", "2", "--budget-players", "3"),
        *("--workers", "1"),
        timeout=400,
    )
    assert "attribute" in out and "discover" in out


def test_attribution_doc_prints_tables_from_tiny_folders(tmp_path):
    pytest.importorskip("shapiq", reason="the attribute extra is not installed")
    pytest.importorskip("ema_workbench", reason="the discover extra is not installed")
    att, dis = tmp_path / "att", tmp_path / "dis"
    base = "scenarios/baseline.yaml"
    _run("-m", "model", "attribute", base, "--runs", "4", "--players",
         "turkey_halts_offensive,iraq_sends_pmf", "--workers", "1", "--quiet", "--out", str(att))  # fmt: skip
    _run("-m", "model", "discover", base, "--cases", "60", "--resamples", "2", "--workers", "1",
         "--quiet", "--out", str(dis))  # fmt: skip
    out = _run("tools/attribution_doc.py", str(att), str(dis))
    assert "turkey_halts_offensive" in out and "coverage" in out.lower()
    se = _run("benchmarks/bench_attribute.py", "--se", str(att))
    assert "se by orders" in se and "iraq_sends_pmf" in se


def test_influence_tiny(tmp_path):
    out = _run("tools/influence.py", "--runs", "2", "--workers", "1",
               "--out", str(tmp_path / "influence.csv"), timeout=400)  # fmt: skip
    assert "russia_surges" in out and (tmp_path / "influence.csv").stat().st_size > 100


def test_make_outline_clips_a_tiny_shapefile(tmp_path):
    shapefile = pytest.importorskip("shapefile", reason="pyshp is not installed")
    src = tmp_path / "tiny"
    with shapefile.Writer(str(src), shapeType=shapefile.POLYGON) as w:
        w.field("name", "C")
        w.field("iso_a3", "C")
        # A square straddling the map's western edge (lon 33) and one far outside it.
        w.poly([[(32.0, 34.0), (32.0, 35.0), (34.0, 35.0), (34.0, 34.0), (32.0, 34.0)]])
        w.record("Inside", "INS")
        w.poly([[(0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, 0.0), (0.0, 0.0)]])
        w.record("Outside", "OUT")
    out = tmp_path / "outline.geojson"
    _run("tools/make_outline.py", str(src), str(out))
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert [f["properties"]["name"] for f in doc["features"]] == ["Inside"]
    ring = doc["features"][0]["geometry"]["coordinates"][0][0]
    assert min(x for x, _ in ring) == 33.0  # clipped at the box's edge
