"""The command line that finishes a kept folder: the one place that builds it from flags."""

from __future__ import annotations

import shlex
from collections.abc import Sequence


def flag(option: str) -> str:
    """The command-line flag of an option as the library names it (``seeds_per_draw``)."""
    return "--" + option.replace("_", "-")


def resume_command(argv: Sequence[str], folder: object, settings: dict | None = None) -> str:
    """The command line that finishes the kept ``folder``.

    It is ``argv`` without ``--out`` and with ``--resume folder`` (the resumed folder keeps
    the name it was given), and with each of ``settings`` the command line did not give (the
    seed it used by default, say), so that it says what it continues.
    """
    kept: list[str] = []
    skip = False
    for a in argv:
        if skip:
            skip = False
        elif a in ("--out", "--resume"):
            skip = True
        elif not a.startswith(("--out=", "--resume=")):
            kept.append(a)
    for option, value in (settings or {}).items():
        f = flag(option)
        if not any(a == f or a.startswith(f + "=") for a in kept):
            kept += [f, str(value)]
    return shlex.join(["python", "-m", "model", *kept, "--resume", str(folder)])
