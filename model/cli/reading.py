"""The commands that read a results folder: ``plot`` redraws it, ``verify`` checks it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from model.errors import ModelError, OptionError


def cmd_plot(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Redraw plots of a saved results folder."""
    from model.results import integrity
    from model.viz import runviews

    if args.map and args.day is None:
        raise OptionError("map", None, "needs --day D (a day number or a date YYYY-MM-DD)")
    folder = Path(args.results)
    if folder.is_dir():
        # Never, even unverified: plot would write through a link to a file elsewhere.
        integrity.refuse_links(folder)
    if args.no_verify:
        problems = integrity.check(folder, integrity.is_read) if folder.is_dir() else []
        if problems:
            print(f"WARNING {folder}: not verified ({problems[0]}...); drawing anyway",
                  file=sys.stderr)  # fmt: skip
    elif folder.is_dir():
        _require_verified(folder)
    try:
        written = runviews.replot(args.results, args.timeline, args.map, args.day, args.run)
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        # Only reachable past a failed check (--no-verify) or in a folder of an old format.
        raise ModelError(f"{folder}: results unreadable ({type(exc).__name__}: {exc})") from None
    integrity.record(folder, written)  # the redrawn files are the folder's files now
    for path in written:
        print(f"wrote {path}")
    return 0


def _require_verified(folder: Path) -> None:
    """Refuse a folder that fails its check; one written before checks existed is warned of.

    A folder without a manifest is left to the reader, which says what it is not.
    """
    from model.results import integrity

    if integrity.written_before_checks(folder):
        print(f"WARNING {folder}: written before results were checked; not verified",
              file=sys.stderr)  # fmt: skip
    elif (folder / "manifest.json").is_file():
        integrity.require_intact(folder, integrity.is_read)


def cmd_verify(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Check a results folder: intact, interrupted and resumable, or damaged (exit 2)."""
    from model.ensemble import checks
    from model.results import integrity

    folder = Path(args.results)
    problems = integrity.check(folder)
    unfinished = (folder / "INCOMPLETE").exists()
    if not problems and unfinished:
        problems = checks.problems(folder)
    if problems:
        shown = "; ".join(problems[:8]) + (
            f"; and {len(problems) - 8} more" if len(problems) > 8 else ""
        )
        raise ModelError(f"{folder}: damaged, NOT intact: {shown}")
    print(f"{folder}: {_unfinished(folder) if unfinished else 'intact'}")
    return 0


def _unfinished(folder: Path) -> str:
    """What ``verify`` says of an intact unfinished folder: how far, and how to finish it."""
    import json

    from model.cli.resume import resume_command
    from model.results.lifecycle import describe

    try:
        state = json.loads((folder / "progress.json").read_text(encoding="utf-8"))
        state["kind"], state["identity"]  # noqa: B018 - written by this version
    except (OSError, ValueError, KeyError, TypeError):
        return "unfinished, written by another version of this tool: it cannot be resumed"
    if not state.get("resumable", True):
        return (f"unfinished and not resumable ({state['kind']} writes its folder at the end): "
                "remove it and run the command again")  # fmt: skip
    cmd = list(state.get("command_line", []))
    argv = cmd[3:] if cmd[:3] == ["python", "-m", "model"] else cmd
    return (f"interrupted, resumable: {describe(state, folder)} written, every one intact; "
            f"continue with: {resume_command(argv, folder, state.get('settings'))}")  # fmt: skip
