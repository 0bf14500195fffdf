"""Write the reference parts of the documentation from the code itself.

The command-line reference comes from the argument parser (``model.cli.parser.build_parser``),
the rule tables from the rule registry (``model.sim.rules.RULES``), so that neither can drift
from what the tool does. Each lands between two markers in a page of ``docs/``::

    <!-- BEGIN GENERATED cli (tools/docs_reference.py): do not edit by hand -->
    ...
    <!-- END GENERATED cli -->

Run it from the repository root after changing an option or a rule:

    .venv/bin/python tools/docs_reference.py           # rewrite the generated blocks
    .venv/bin/python tools/docs_reference.py --check   # exit 1 and name what is out of date

``tests/docs/test_docs.py`` runs the check, so a stale page fails ``make test``.
"""

from __future__ import annotations

import argparse
import ast
import html
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
USAGE_WIDTH = 96  # fixed, so that the page does not depend on the terminal it was made in


def _marker(name: str, source: str) -> tuple[str, str]:
    return (
        f"<!-- BEGIN GENERATED {name} ({source}): do not edit by hand -->",
        f"<!-- END GENERATED {name} -->",
    )


def replace_block(text: str, name: str, body: str, source: str, where: str = "") -> str:
    """``text`` with the generated block ``name`` holding ``body``.

    Raises:
        SystemExit: The page has no such block (its markers were removed or renamed).
    """
    begin, end = _marker(name, source)
    pattern = re.compile(re.escape(begin) + r"\n.*?" + re.escape(end), flags=re.S)
    if not pattern.search(text):
        raise SystemExit(f"{where}: no block {begin!r} ... {end!r}")
    return pattern.sub(lambda _: f"{begin}\n{body.rstrip()}\n{end}", text, count=1)


def _cell(text: str) -> str:
    """Plain text for a Markdown table cell: no HTML read into it, no column breaks."""
    return html.escape(" ".join(str(text).split()), quote=False).replace("|", "\\|")


def _default(action: argparse.Action) -> str:
    if isinstance(action, argparse._StoreTrueAction):
        return "off"
    if action.required:
        return "required"
    if action.default in (None, argparse.SUPPRESS):
        return ""  # the tool decides (the help says how), or the option is off
    return f"`{action.default}`"


def _name(action: argparse.Action) -> str:
    if not action.option_strings:
        name = action.metavar or action.dest
        return f"`{name}`" + (" ..." if action.nargs in ("+", "*") else "")
    flags = ", ".join(action.option_strings)
    if action.nargs == 0:
        return f"`{flags}`"
    if action.choices:
        return f"`{flags} {{{','.join(map(str, action.choices))}}}`"
    return f"`{flags} {action.metavar or action.dest.upper()}`"


def _usage(parser: argparse.ArgumentParser) -> str:
    fmt = argparse.HelpFormatter(parser.prog, width=USAGE_WIDTH)
    fmt.add_usage(parser.usage, parser._actions, parser._mutually_exclusive_groups)
    return fmt.format_help().strip()


def _subcommands(parser: argparse.ArgumentParser):
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {a.dest: a.help for a in sub._choices_actions}
    return [(name, helps.get(name, ""), p) for name, p in sub.choices.items()]


def cli_reference(parser: argparse.ArgumentParser) -> str:
    """Every command, with its usage and a table of its arguments and options."""
    commands = _subcommands(parser)
    out = ["| command | what it does |", "|---|---|"]
    out += [f"| [`{name}`](#{name}) | {_cell(help_)} |" for name, help_, _ in commands]
    for name, help_, p in commands:
        out += ["", f"### {name}", "", f"{_cell(help_)[:1].upper()}{_cell(help_)[1:]}."]
        if name in MORE:
            out[-1] += " More: [{}]({}).".format(*MORE[name])
        out.append("")
        out += ["```text", _usage(p), "```", ""]
        out += ["| argument or option | meaning | default |", "|---|---|---|"]
        for action in p._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            out.append(f"| {_name(action)} | {_cell(action.help or '')} | {_default(action)} |")
    return "\n".join(out)


# Where each command is explained at length, beside its reference.
MORE = {
    "run": ("Results folders", "results.md#what-a-run-writes"),
    "compare": ("Results folders", "results.md#what-a-comparison-writes"),
    "plot": ("Results folders", "results.md#pictures"),
    "verify": ("Nothing is lost", "nothing-is-lost.md#python-m-model-verify-dir"),
    "explain": ("Places, actors and rules", "model.md#explain"),
    "validate": ("Studies", "studies.md#validate"),
    "sensitivity": ("Studies", "studies.md#sensitivity"),
    "calibrate": ("Studies", "studies.md#calibrate"),
    "ablate": ("Studies", "studies.md#ablate"),
    "infer": ("Studies", "studies.md#infer"),
    "hindcast": ("Studies", "studies.md#hindcast"),
    "dashboard": ("The dashboard", "dashboard.md"),
}


def _code(rule) -> list[str]:
    """The code locations the registry names for a rule, where it names them."""
    code = getattr(rule, "code", None) or ()
    return [code] if isinstance(code, str) else list(code)


def rule_table(rules: dict) -> str:
    """One row per rule: id, what it does, what it cites, and its code where recorded."""
    with_code = any(_code(r) for r in rules.values())
    head = "| id | rule | cites |" + (" code |" if with_code else "")
    out = [head, "|---|---|---|" + ("---|" if with_code else "")]
    for r in rules.values():
        row = f"| {r.id} | {_cell(r.title)} | {_cell(r.section)} |"
        if with_code:
            row += " " + "<br>".join(f"`{c}`" for c in _code(r)) + " |"
        out.append(row)
    return "\n".join(out)


def rule_entries(rules: dict) -> str:
    """Each rule in full: what it does, the passage it rests on, its parameters, its code."""
    out = []
    for r in rules.values():
        out += [f"#### {r.id}", "", f"{_cell(r.title)}.", "", f"**Cites:** {_cell(r.section)}.", ""]
        out += [f"> {_cell(r.quote)}", ""]
        out += ["**Reads:** " + ", ".join(f"`{p}`" for p in r.params) + ".", ""]
        if _code(r):
            out += ["**Code:** " + "; ".join(f"`{c}`" for c in _code(r)) + ".", ""]
    return "\n".join(out)


def rule_code_table(rules: dict) -> str:
    """Where each rule lives: the code locations its registry entry names."""
    out = ["| rule | where it lives (the registry's `code`) |", "|---|---|"]
    for r in rules.values():
        out.append(f"| {r.id} {_cell(r.title.split(';')[0])} | "
                   + "<br>".join(f"`{c}`" for c in _code(r)) + " |")  # fmt: skip
    return "\n".join(out)


def _summary(path: Path) -> str:
    """The first line of a module's docstring (read, not imported)."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def module_map(package: Path) -> str:
    """Each package of ``model/`` with its modules, each with its docstring's first line."""
    out = ["| package | module | what it is for |", "|---|---|---|"]
    top = sorted(p for p in package.glob("*.py") if p.name != "__main__.py")
    subs = sorted(p for p in package.iterdir() if (p / "__init__.py").exists())
    for p in top:
        name = "`model`" if p.name == "__init__.py" else f"`model/{p.name}`"
        out.append(f"| {name} | | {_cell(_summary(p))} |")
    for sub in subs:
        out.append(f"| **`model/{sub.name}`** | | {_cell(_summary(sub / '__init__.py'))} |")
        for p in sorted(sub.glob("*.py")):
            if p.name != "__init__.py":
                out.append(f"| | `{p.name}` | {_cell(_summary(p))} |")
    return "\n".join(out)


def blocks() -> dict[Path, dict[str, str]]:
    """Each page's generated blocks, by name."""
    sys.path.insert(0, str(ROOT))
    from model.cli.parser import build_parser
    from model.sim.rules import RULES

    return {
        DOCS / "cli.md": {"cli": cli_reference(build_parser())},
        DOCS / "model.md": {"rules": rule_table(RULES), "rule-entries": rule_entries(RULES)},
        DOCS / "ODD.md": {"rules": rule_table(RULES)},
        DOCS / "development.md": {
            "modules": module_map(ROOT / "model"),
            "rule-code": rule_code_table(RULES),
        },
    }


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def render(pages: dict[Path, dict[str, str]], source: str) -> dict[Path, tuple[str, str]]:
    """Each page's text now and with its blocks regenerated."""
    out = {}
    for path, named in pages.items():
        old = path.read_text(encoding="utf-8")
        new = old
        for name, body in named.items():
            new = replace_block(new, name, body, source, where=_rel(path))
        out[path] = (old, new)
    return out


def write_or_check(pages: dict[Path, dict[str, str]], source: str, check: bool) -> int:
    """Rewrite the pages (or, with ``check``, say which are stale); the exit code."""
    stale = []
    for path, (old, new) in render(pages, source).items():
        if old != new:
            stale.append(_rel(path))
            if not check:
                path.write_text(new, encoding="utf-8")
    if check and stale:
        print(f"out of date: {', '.join(stale)}; run .venv/bin/python {source}", file=sys.stderr)
        return 1
    print(("up to date: " if check or not stale else "rewrote: ") + ", ".join(
        stale or [_rel(p) for p in pages]))  # fmt: skip
    return 0


def main(argv: list[str] | None = None) -> int:
    """Rewrite the generated blocks, or check them with ``--check``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    args = ap.parse_args(argv)
    return write_or_check(blocks(), "tools/docs_reference.py", args.check)


if __name__ == "__main__":
    sys.exit(main())
