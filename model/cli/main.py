"""``python -m model``: parse, dispatch, and turn the package's errors into one line.

One handler, here, turns every error the package raises into one ``ERROR`` line and an exit
code: 2 for bad input, 1 for a failure of the environment (a full disk, a read-only folder,
workers that kept dying), 130 for an interrupt. It is the only place that names command-line
flags, and so the one that says how to resume what was kept. ``--debug`` (or
``MODEL_DEBUG=1``) adds the traceback of a system error.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import traceback
from collections.abc import Iterator, Sequence

from model.cli.parser import build_parser
from model.cli.resume import flag as _flag
from model.cli.resume import resume_command
from model.errors import ModelError, OptionError, Stopped, describe_os_error


def message(exc: ModelError, argv: Sequence[str] = ()) -> str:
    """The one line a user sees for an error, with the flag it concerns where there is one."""
    if isinstance(exc, OptionError):
        shown = "" if exc.value is None else f" {exc.value}"
        return f"{_flag(exc.option)}{shown}: {exc.message}"
    if isinstance(exc, Stopped) and exc.folder is not None:
        return f"{exc}; continue with: {resume_command(argv, exc.folder, exc.settings)}"
    return str(exc)


def _stopped_in_context(exc: BaseException) -> Stopped | None:
    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, Stopped):
            return exc
        exc, seen = exc.__context__, seen + 1
    return None


def _debug(argv: Sequence[str]) -> bool:
    return "--debug" in argv or os.environ.get("MODEL_DEBUG", "") not in ("", "0")


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C, so that a stopped job leaves the same resumable folder."""

    def handler(signum, frame):
        raise KeyboardInterrupt

    try:
        old = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: signals cannot be handled here
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run the subcommand, and turn the package's errors into one line.

    Returns:
        The exit code: 0; 2 for bad input; 1 for a failure of the environment (a full disk,
        a read-only folder, workers that kept dying); 130 for an interrupt.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
        with _sigterm_as_interrupt():
            return args.func(args, argv)
    except ModelError as exc:
        print(f"ERROR {message(exc, argv)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:
        # A second Ctrl-C while the first was being handled: what the first kept still holds.
        kept = _stopped_in_context(exc)
        if kept is not None:
            print(f"ERROR {message(kept, argv)}", file=sys.stderr)
        else:
            print("ERROR interrupted; no results folder was written", file=sys.stderr)
        return 130
    except (OSError, MemoryError) as exc:  # the system failed, not the user's input
        if _debug(argv):
            traceback.print_exc()
        hint = "" if _debug(argv) else " (--debug shows the traceback)"
        what = describe_os_error(exc) if isinstance(exc, OSError) else "out of memory"
        print(f"ERROR {what}{hint}", file=sys.stderr)
        return 1
