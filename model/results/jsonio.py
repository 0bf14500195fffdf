"""JSON files written whole: indented, and atomically where a reader may look meanwhile."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path


def _json(obj: dict) -> str:
    return json.dumps(obj, indent=2, sort_keys=False) + "\n"


def write_json(path: Path, obj: dict) -> None:
    """Write ``obj`` as indented JSON (inside a folder that is published whole later)."""
    path.write_text(_json(obj), encoding="utf-8")


def write_json_atomic(path: Path, obj: dict) -> None:
    """Replace ``path`` with ``obj`` as JSON: a reader sees the old file or the new, never half."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(_json(obj), encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):  # a full disk leaves no half-written file
            tmp.unlink(missing_ok=True)
        raise
