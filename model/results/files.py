"""Writing results safely: new folders only, atomic renames, JSON written whole."""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import shutil
from pathlib import Path

from model.errors import ModelError
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
            raise ModelError(f"--out {out}: exists and is not empty; results are never overwritten")
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



def write_json(path: Path, obj: dict) -> None:
    """Write ``obj`` as indented JSON."""
    path.write_text(json.dumps(obj, indent=2, sort_keys=False) + "\n", encoding="utf-8")



def write_json_atomic(path: Path, obj: dict) -> None:
    """Write ``obj`` as JSON through a temporary file renamed into place."""
    # A progress record is either the old one or the new one, never half of each.
    tmp = path.with_name(path.name + ".tmp")
    write_json(tmp, obj)
    os.replace(tmp, path)

