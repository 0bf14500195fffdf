"""Writing results safely: new folders only, atomic renames, JSON written whole, one writer.

The pieces of the one lifecycle every results folder goes through (``lifecycle``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

from model.errors import ModelError, OptionError, Stopped, describe_os_error
from model.results.contract import INCOMPLETE, MANIFEST, RESULTS_ROOT
from model.results.jsonio import write_json, write_json_atomic  # noqa: F401 - re-exported

try:
    import fcntl
except ImportError:  # not on Windows: there two writers into one folder are not detected
    fcntl = None


def new_results_dir(scenario_name: str, out: str | None) -> Path:
    """The final folder for a new result; never one that exists already.

    A folder is written under a hidden name beside its final one and renamed into place,
    so ``out`` is checked now, before anything runs: a link (or a path through one) is
    resolved to the folder it names, and a mount point, which a rename cannot replace, is
    refused.

    Args:
        scenario_name: Used under ``results/`` when ``out`` is not given.
        out: An explicit folder, which must not exist or be empty.

    Raises:
        ModelError: ``out`` exists and is not empty, is a mount point, or lies inside a
            results folder.
    """
    if out is not None:
        path = Path(out)
        real = os.path.realpath(path)
        if real != os.path.abspath(path):  # a link on the way: the folder is where it leads
            path = Path(real)
        if os.path.ismount(path):
            raise OptionError(
                "out", out, "is a mount point: results are written beside their folder and "
                f"renamed into place, which cannot replace a mount point; give a folder inside "
                f"it, e.g. {Path(out) / 'results'}"
            )  # fmt: skip
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise OptionError("out", out, "exists and is not empty; results are never overwritten")
        inside = results_folder_above(path)
        if inside is not None:
            raise OptionError(
                "out", out, f"is inside the results folder {inside}; results folders are never "
                "written into"
            )  # fmt: skip
        return path
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    root = RESULTS_ROOT / scenario_name
    while True:
        path = root / f"{stamp}-{secrets.token_hex(3)}"
        if not path.exists():
            return path


def results_folder_above(path: Path) -> Path | None:
    """The results folder (finished or not) that ``path`` would lie inside, if any."""
    for d in Path(os.path.abspath(path)).parents:
        if (d / MANIFEST).is_file() or (d / INCOMPLETE).is_file():
            return d
    return None


@contextlib.contextmanager
def sole_writer(final: Path, option: str = "out") -> Iterator[None]:
    """Create ``final``'s parent and hold a lock on the name ``final`` while writing it.

    A second process writing to the same folder is refused at once, before it runs
    anything. The lock is an ``flock`` on a hidden file beside the folder, released by the
    system if the process dies.

    Raises:
        OptionError: A part of the path is a file, or another process writes this folder.
        Stopped: The parent folder cannot be created (read-only, no space...).
    """
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise OptionError(
            option, str(final), "a part of this path is a file, not a folder"
        ) from None
    except OSError as exc:
        raise Stopped(f"cannot create the results folder: {describe_os_error(exc)}") from None
    if fcntl is None:
        yield
        return
    lock = final.parent / f".lock-{final.name}"
    try:
        fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o644)
    except OSError as exc:
        raise Stopped(f"cannot write into {final.parent}: {describe_os_error(exc)}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OptionError(
                option, str(final), "another process is writing these results now; wait for it "
                "or choose another folder"
            ) from None  # fmt: skip
        # Checked again under the lock: the other writer may have just finished.
        if final.exists() and (not final.is_dir() or any(final.iterdir())):
            raise OptionError(option, str(final), "exists and is not empty; results are never "
                              "overwritten")  # fmt: skip
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                os.unlink(lock)
    finally:
        os.close(fd)


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
