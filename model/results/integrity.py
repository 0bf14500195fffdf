"""Integrity of results folders: the SHA-256 and size of every file, and their check.

A finished folder's ``manifest.json`` lists every file beside it (and in its subfolders)
with its SHA-256 and size; it is written last, atomically, so a folder whose manifest lists
its files was finished. An unfinished folder's ``progress.json`` records the SHA-256 of each
block appended to each table, so it can be checked block by block before it is resumed.
Readers check what they read and refuse a folder that fails.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from model.errors import ResultsError
from model.results.contract import INCOMPLETE, MANIFEST, PROGRESS
from model.results.jsonio import write_json_atomic

_READ = 1 << 20  # bytes hashed per read: large files never sit in memory whole


def sha256_file(path: Path, size: int | None = None, start: int = 0) -> str:
    """The SHA-256 of a file, or of ``size`` bytes of it from ``start``."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        f.seek(start)
        left = size
        while left is None or left > 0:
            chunk = f.read(_READ if left is None else min(_READ, left))
            if not chunk:
                break
            h.update(chunk)
            if left is not None:
                left -= len(chunk)
    return h.hexdigest()


def links_in(folder: Path) -> list[str]:
    """Every symbolic link under ``folder`` (to a file or a folder), as relative POSIX paths.

    A results folder holds none: a link would make a reader read, and ``plot`` or a resume
    write, a file outside the folder.
    """
    folder = Path(folder)
    out = []
    for root, dirs, names in os.walk(folder):  # links to folders are listed, not followed
        here = Path(root)
        for n in (*dirs, *names):
            if (here / n).is_symlink():
                out.append((here / n).relative_to(folder).as_posix())
    return sorted(out)


def refuse_links(folder: Path) -> None:
    """Refuse a folder that holds a symbolic link, with one line naming it.

    Raises:
        ResultsError: A link is inside ``folder``.
    """
    links = links_in(folder)
    if links:
        raise ResultsError(
            f"{folder}: holds a symbolic link ({links[0]}); results folders hold no links, "
            "so it is neither read nor written"
        )


def _listed_files(folder: Path, exclude: Iterable[str] = ()) -> list[str]:
    """The files a manifest of ``folder`` lists, as sorted relative POSIX paths.

    That is every file under ``folder`` but its own manifest, except that a subfolder with
    a manifest of its own is listed by that manifest alone, which lists the rest: a file
    redrawn in a scenario's folder changes its manifest, and the comparison's lists that.
    """
    skip = {MANIFEST, *exclude}
    out = []
    for root, dirs, names in os.walk(folder):
        here = Path(root)
        if here != folder and MANIFEST in names:
            out.append((here / MANIFEST).relative_to(folder).as_posix())
            dirs.clear()
            continue
        dirs.sort()
        for n in names:
            rel = (here / n).relative_to(folder).as_posix()
            if rel not in skip:
                out.append(rel)
    return sorted(out)


def file_digests(
    folder: Path, names: Iterable[str] | None = None, exclude: Iterable[str] = ()
) -> dict[str, dict]:
    """``{relative path: {"sha256": ..., "bytes": ...}}`` for the given files (default: all)."""
    names = _listed_files(folder, exclude) if names is None else names
    return {
        n: {"sha256": sha256_file(folder / n), "bytes": (folder / n).stat().st_size}
        for n in sorted(names)
    }


def seal(folder: Path, doc: dict | None = None, exclude: Iterable[str] = ()) -> dict:
    """Write ``manifest.json`` last: ``doc`` (or the manifest already there) plus every file.

    Args:
        folder: A finished folder, complete but for its manifest's file list.
        doc: The manifest's other content; default: the ``manifest.json`` already there.
        exclude: Files about to be removed (the markers of an unfinished folder), which
            stay until the manifest is written, so that a failure here leaves it resumable.

    Returns:
        The manifest written.
    """
    refuse_links(folder)
    if doc is None:
        doc = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    doc = {**doc, "files": file_digests(folder, exclude=exclude)}
    write_json_atomic(folder / MANIFEST, doc)
    return doc


def record(top: Path, paths: Iterable[Path]) -> None:
    """Bring the manifest entries of ``paths``, files just rewritten under ``top``, up to date.

    Used by ``plot``, which redraws files inside a finished folder. Each file is recorded in
    the manifest of the innermost folder that holds it; an inner manifest rewritten is then
    recorded in the outer one. Entries of other files are left as they were, so a file
    changed by anything else still fails the check.
    """
    top = Path(top)
    pending: dict[Path, set[str]] = {}
    for p in paths:
        owner = _owner(Path(p), top)
        if owner is not None:
            pending.setdefault(owner, set()).add(Path(p).relative_to(owner).as_posix())
    while pending:
        owner = max(pending, key=lambda f: len(f.parts))  # innermost first
        names = pending.pop(owner)
        doc = _read_manifest(owner)
        if doc is None or "files" not in doc:
            continue
        doc["files"].update(file_digests(owner, names))
        write_json_atomic(owner / MANIFEST, doc)
        outer = _listing(owner)
        if outer is not None:
            pending.setdefault(outer, set()).add((owner / MANIFEST).relative_to(outer).as_posix())


def _listing(folder: Path) -> Path | None:
    """The folder above ``folder`` whose manifest lists ``folder``'s manifest, if any.

    A scenario's folder inside a comparison is listed by the comparison's manifest, even
    when ``plot`` is given the scenario's folder alone.
    """
    for d in folder.parents:
        doc = _read_manifest(d) if (d / MANIFEST).is_file() else None
        if doc is not None:
            rel = (folder / MANIFEST).relative_to(d).as_posix()
            return d if rel in doc.get("files", {}) else None
    return None


def _owner(path: Path, top: Path) -> Path | None:
    """The innermost folder above ``path``, up to ``top``, that has a manifest."""
    for d in path.parents:
        if (d / MANIFEST).is_file():
            return d
        if d == top:
            break
    return None


def _read_manifest(folder: Path) -> dict | None:
    try:
        doc = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def written_before_checks(folder: Path) -> bool:
    """A finished folder of format version 1, with no file list to check it against."""
    if (folder / INCOMPLETE).exists() or (folder / PROGRESS).exists():
        return False
    doc = _read_manifest(folder)
    if doc is None:  # a comparison of version 1 had no manifest of its own
        return (folder / "comparison.json").is_file()
    return "files" not in doc


DRAWN = (".png", ".html")  # files ``plot`` draws from the others; no reader reads them


def is_read(name: str) -> bool:
    """Whether readers read ``name`` (tables, JSON), rather than ``plot`` drawing it."""
    return not name.endswith(DRAWN)


def check(folder: Path, only: Callable[[str], bool] | None = None) -> list[str]:
    """What is wrong with a results folder, finished or not; an empty list if intact.

    A finished folder is checked against its manifest's file list, and each subfolder with
    a manifest of its own likewise. An unfinished folder (marked ``INCOMPLETE``) is checked
    block by block against ``progress.json``; bytes after the last complete block are the
    partial block a resume discards, not a fault.

    Args:
        folder: The folder.
        only: Check only the files whose relative name it accepts (``is_read``: what a
            reader reads); default: every file.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return [f"{folder}: no such folder"]
    links = [f"{n} is a symbolic link (results folders hold no links)" for n in links_in(folder)]
    if links:
        return links
    doc = _read_manifest(folder)
    unfinished = (folder / INCOMPLETE).exists() or (
        (folder / PROGRESS).exists() and (doc is None or "files" not in doc)
    )
    if unfinished:
        problems = _check_progress(folder)
        for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
            if (sub / MANIFEST).exists() or (sub / PROGRESS).exists():
                problems += [f"{sub.name}/{x}" for x in check(sub, only)]
        return problems
    if doc is None:
        return [f"{MANIFEST} missing or unreadable"]
    if "files" not in doc:
        return [f"{MANIFEST} lists no files (written before results were checked)"]
    listed = doc["files"]
    problems = []
    for name, want in sorted(listed.items()):
        path = folder / name
        if only is not None and not only(name):
            continue
        if not path.is_file():
            problems.append(f"{name} missing")
        elif path.stat().st_size != want.get("bytes"):
            problems.append(
                f"{name} differs (size {path.stat().st_size}, recorded {want.get('bytes')})"
            )
        elif sha256_file(path) != want.get("sha256"):
            problems.append(f"{name} differs (SHA-256)")
        elif name.endswith("/" + MANIFEST):  # a subfolder sealed on its own
            problems += [f"{name[: -len(MANIFEST)]}{x}" for x in check(path.parent, only)]
    problems += [
        f"{n} is not in {MANIFEST}"
        for n in _listed_files(folder)
        if n not in listed and (only is None or only(n))
    ]
    return problems


def _check_progress(folder: Path) -> list[str]:
    try:
        state = json.loads((folder / PROGRESS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return [f"{PROGRESS} missing or unreadable"]
    if not isinstance(state, dict):
        return [f"{PROGRESS} unreadable"]
    # A comparison's own progress has no blocks: its scenarios are checked one by one.
    return check_blocks(folder, state)


def check_blocks(folder: Path, state: dict) -> list[str]:
    """The blocks recorded in a ``progress.json`` that no longer match their SHA-256."""
    try:
        return _check_blocks(folder, state)
    except (KeyError, TypeError, ValueError, AttributeError):
        return [f"{PROGRESS} malformed"]


def _check_blocks(folder: Path, state: dict) -> list[str]:
    problems = []
    start: dict[str, int] = {}
    for k, block in enumerate(state.get("blocks", [])):
        for name, end in block["end"].items():
            path = folder / name
            begin = start.get(name, 0)
            if not path.is_file() or path.stat().st_size < end:
                problems.append(f"{name} shorter than {PROGRESS} records (block {k + 1})")
            elif sha256_file(path, end - begin, begin) != block["sha256"][name]:
                problems.append(f"{name} block {k + 1} differs (SHA-256)")
            start[name] = end
    return problems


def require_intact(folder: Path, only: Callable[[str], bool] | None = None) -> None:
    """Refuse a folder that fails ``check``, with one line naming what differs.

    Args:
        folder: The folder.
        only: As for ``check``.

    Raises:
        ResultsError: Some file is missing, changed or unlisted.
    """
    problems = check(folder, only)
    if problems:
        shown = "; ".join(problems[:5]) + ("; ..." if len(problems) > 5 else "")
        raise ResultsError(
            f"{folder}: fails its integrity check ({shown}); check it with "
            f"python -m model verify {folder}"
        )
