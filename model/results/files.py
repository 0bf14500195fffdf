"""Writing results safely: new folders only, atomic renames, JSON written whole."""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path

from model.errors import ModelError, OptionError
from model.results.contract import RESULTS_ROOT


def new_results_dir(scenario_name: str, out: str | None) -> Path:
    """The final folder for a new result; never one that exists already.

    Args:
        scenario_name: Used under ``results/`` when ``out`` is not given.
        out: An explicit folder, which must not exist or be empty.

    Raises:
        ModelError: ``out`` exists and is not empty.
    """
    if out is not None:
        path = Path(out)
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise OptionError("out", out, "exists and is not empty; results are never overwritten")
        return path
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    root = RESULTS_ROOT / scenario_name
    while True:
        path = root / f"{stamp}-{secrets.token_hex(3)}"
        if not path.exists():
            return path


class AtomicDir:
    """A temporary folder beside ``final`` that is renamed to ``final`` only on success."""

    def __init__(self, final: Path):
        self.final = final
        self.tmp = hidden_dir(final)

    def __enter__(self) -> Path:
        self.tmp.mkdir(parents=True)
        return self.tmp

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return
        publish(self.tmp, self.final)


def hidden_dir(final: Path) -> Path:
    """A new hidden folder name beside ``final`` for results still being written."""
    return final.parent / f".incomplete-{final.name}-{secrets.token_hex(3)}"


def publish(tmp: Path, final: Path) -> None:
    """Rename a finished folder into place; an existing non-empty ``final`` is never replaced.

    Raises:
        ModelError: ``final`` appeared and is not empty.
    """
    if final.exists():
        try:
            final.rmdir()  # only an empty folder may be replaced
        except OSError:
            raise ModelError(
                f"{final}: exists and is not empty; results are never overwritten "
                f"(the finished results are in {tmp})"
            ) from None
    os.replace(tmp, final)


def _json(obj: dict) -> str:
    return json.dumps(obj, indent=2, sort_keys=False) + "\n"


def write_json(path: Path, obj: dict) -> None:
    """Write ``obj`` as indented JSON (inside a folder that is published whole later)."""
    path.write_text(_json(obj), encoding="utf-8")


def write_json_atomic(path: Path, obj: dict) -> None:
    """Replace ``path`` with ``obj`` as JSON: a reader sees the old file or the new, never half."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(_json(obj), encoding="utf-8")
    os.replace(tmp, path)


def write_new_file(path: Path, text: str, check: Callable[[Path], object] | None = None) -> None:
    """Write ``text`` to ``path`` only if ``path`` does not exist, never half-written.

    Args:
        path: The new file.
        text: Its content.
        check: Called on the finished temporary file before it takes its name (e.g. to
            load it); whatever it raises leaves nothing behind.

    Raises:
        ModelError: ``path`` exists.
    """
    tmp = path.with_name(f".incomplete-{path.name}-{secrets.token_hex(3)}")
    tmp.write_text(text, encoding="utf-8")
    try:
        if check is not None:
            check(tmp)
        os.link(tmp, path)  # fails if the name was taken meanwhile; replace() would overwrite
    except FileExistsError:
        raise ModelError(f"{path}: exists; files are never overwritten") from None
    finally:
        tmp.unlink()
