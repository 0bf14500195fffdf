"""Command line: the only place that knows about flags and exit codes."""

from model.cli.main import main

__all__ = ["main"]
