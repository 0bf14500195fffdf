"""The documentation follows the code: generated parts current, complete, and the README a door.

``make test`` also builds the site with ``mkdocs build --strict`` (``make docs-check``); these
tests check what a build cannot: that the command-line reference lists every command and
option the parser has, that the rule tables list every rule of the registry, that the code
the development page names exists, and that the measured tables name their command and
commit.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys

import pytest
from repo import REPO_ROOT

from model.cli.parser import build_parser
from model.sim.rules import RULES

DOCS = REPO_ROOT / "docs"
sys.path.insert(0, str(REPO_ROOT / "tools"))

import docs_reference  # noqa: E402


def test_generated_reference_is_current():
    """tools/docs_reference.py --check: the CLI page, the rule tables and the module map."""
    assert docs_reference.main(["--check"]) == 0


def test_the_check_fails_on_a_stale_page(tmp_path, capsys):
    page = tmp_path / "page.md"
    begin, end = docs_reference._marker("x", "tools/docs_reference.py")
    page.write_text(f"# p\n\n{begin}\nold\n{end}\n", encoding="utf-8")
    pages = {page: {"x": "new"}}
    assert docs_reference.write_or_check(pages, "tools/docs_reference.py", check=True) == 1
    assert "old" in page.read_text(encoding="utf-8")  # --check changes nothing
    assert docs_reference.write_or_check(pages, "tools/docs_reference.py", check=False) == 0
    assert "\nnew\n" in page.read_text(encoding="utf-8")
    assert docs_reference.write_or_check(pages, "tools/docs_reference.py", check=True) == 0


def _subparsers(parser):
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices


def test_cli_page_lists_every_command_and_option():
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    for name, p in _subparsers(build_parser()).items():
        section = text.split(f"\n### {name}\n", 1)
        assert len(section) == 2, f"no section for {name}"
        body = section[1].split("\n### ", 1)[0]
        for action in p._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            for flag in action.option_strings or [action.metavar or action.dest]:
                assert f"`{flag}" in body, f"{name}: {flag} missing from docs/cli.md"


@pytest.mark.parametrize("page", ["model.md", "ODD.md"])
def test_rule_tables_list_every_rule(page):
    text = (DOCS / page).read_text(encoding="utf-8")
    for r in RULES.values():
        assert f"| {r.id} | {docs_reference._cell(r.title)} |" in text, (page, r.id)
        for where in docs_reference._code(r):
            assert f"`{where}`" in text, (page, r.id, where)


def test_the_development_page_lists_every_rules_code():
    """Where each rule lives is the registry's own list (generated), whole."""
    text = (DOCS / "development.md").read_text(encoding="utf-8")
    table = text.split("## Where each rule lives", 1)[1].split("\n## ", 1)[0]
    for r in RULES.values():
        for where in docs_reference._code(r):
            assert f"`{where}`" in table, (r.id, where)


def test_readme_is_a_door():
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 200
    links = set(re.findall(r"\]\((docs/[^)#]+)", text))
    for page in ("cli.md", "getting-started.md", "scenarios.md", "results.md", "trust.md",
                 "model.md", "development.md", "python-api.md", "dashboard.md"):  # fmt: skip
        assert f"docs/{page}" in links, f"README does not link docs/{page}"
    for link in links:
        assert (REPO_ROOT / link).exists(), link
    for image in re.findall(r"!\[[^]]*\]\(([^)]+)\)", text):
        assert (REPO_ROOT / image).exists(), image


def test_every_page_is_in_the_site():
    nav = (REPO_ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in DOCS.rglob("*.md"):
        assert page.relative_to(DOCS).as_posix() in nav, f"{page} is not in mkdocs.yml's nav"


def test_every_measured_table_names_its_command_and_commit():
    blocks = 0
    for page in DOCS.glob("*.md"):
        text = page.read_text(encoding="utf-8")
        for body in re.findall(
            r"<!-- BEGIN GENERATED \S+ \(tools/docs_figures.py\)[^\n]*\n(.*?)<!-- END", text, re.S
        ):
            blocks += 1
            first = body.strip().splitlines()[0]
            assert re.match(r"\*.* `python -m model [^`]+` at commit `[0-9a-f]{7,}`", first), (
                page.name,
                first,
            )
    assert blocks >= 10


@pytest.fixture
def docs_copy(tmp_path):
    out = tmp_path / "docs"
    out.mkdir()
    for page in DOCS.glob("*.md"):
        shutil.copy(page, out / page.name)
    return out


def _figures(*args: str, timeout: int = 600) -> str:
    res = subprocess.run([sys.executable, "tools/docs_figures.py", *args], cwd=REPO_ROOT,
                         capture_output=True, text=True, timeout=timeout)  # fmt: skip
    assert res.returncode == 0, res.stderr[-3000:]
    return res.stdout


def test_docs_figures_writes_tables_from_the_folders_it_ran(tmp_path, docs_copy):
    """tools/docs_figures.py at a tiny size: the cheap steps, their tables and pictures."""
    _figures("--tiny", "--workers", "1", "--only", "run,reference,validate,ablate,explain",
             "--results", str(tmp_path / "results"), "--docs", str(docs_copy))  # fmt: skip
    trust = (docs_copy / "trust.md").read_text(encoding="utf-8")
    assert re.search(
        r"`python -m model validate scenarios/baseline.yaml --runs 4[ `][^\n]*at commit", trust
    )
    assert "| R5 The cascade of units |" in trust  # one row per rule, named as in the ODD
    model_page = (docs_copy / "model.md").read_text(encoding="utf-8")
    assert re.search(r"leader_accepts_offer \(regime; pin: auto\): drawn in \d+ runs", model_page)
    assert "| `appeal_to_turkey_through_iraq` |" in trust  # the held-out ties, one row each
    for picture in ("timeline.png", "timeline-events.png", "map.png"):
        assert (docs_copy / picture).stat().st_size > 10_000
    # Reused, it writes the same pages from the same folders.
    before = trust
    _figures("--reuse", "--no-pictures", "--results", str(tmp_path / "results"), "--docs",
             str(docs_copy))  # fmt: skip
    assert (docs_copy / "trust.md").read_text(encoding="utf-8") == before


@pytest.mark.slow
def test_docs_figures_every_step(tmp_path, docs_copy):
    """Every step at a tiny size, the report's screenshot included (needs chromium)."""
    if shutil.which("chromium") is None:
        pytest.skip("chromium not found: the report's screenshot needs it")
    _figures("--tiny", "--workers", "1", "--results", str(tmp_path / "results"), "--docs",
             str(docs_copy))  # fmt: skip
    for picture in ("report-findings.png", "posterior.png", "hindcast.png",
                    "capital_survival.png"):  # fmt: skip
        assert (docs_copy / picture).stat().st_size > 10_000
    text = (docs_copy / "trust.md").read_text(encoding="utf-8")
    assert "--posterior '<the infer folder above>'" in text
