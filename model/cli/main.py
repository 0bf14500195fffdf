"""``python -m model``: parse, dispatch, and turn the package's errors into one line.

One handler, here, turns every error the package raises into one ``ERROR`` line and an exit
code (2, or 130 for an interrupt); it is the only place that names command-line flags.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Iterator, Sequence

from model.cli.parser import build_parser
from model.errors import Interrupted, ModelError, OptionError


def _flag(option: str) -> str:
    return "--" + option.replace("_", "-")


def message(exc: ModelError) -> str:
    """The one line a user sees for an error, with the flag it concerns where there is one."""
    if isinstance(exc, OptionError):
        shown = "" if exc.value is None else f" {exc.value}"
        return f"{_flag(exc.option)}{shown}: {exc.message}"
    if isinstance(exc, Interrupted) and exc.folder is not None:
        return (
            f"{exc}; finish them with: python -m model run {exc.scenario_path} "
            f"--resume {exc.folder}"
        )
    return str(exc)


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
        The exit code: 0, 2 for an error a user can act on, 130 for an interrupt.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
        with _sigterm_as_interrupt():
            return args.func(args, argv)
    except ModelError as exc:
        print(f"ERROR {message(exc)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("ERROR interrupted; no results folder was written", file=sys.stderr)
        return 130
