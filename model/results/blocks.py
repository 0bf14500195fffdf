"""Results written block by block, with a progress record that allows resuming."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from model.errors import ModelError, ResultsError
from model.results.contract import DAILY_FILE, PROGRESS
from model.results.csvtext import csv_text
from model.results.files import write_json_atomic
from model.results.integrity import check_blocks, sha256_file
from model.results.tables import Tables


class BlockWriter:
    """Appends blocks of consecutive runs to the results files of one folder.

    After each block, ``progress.json`` records how many runs are written, each file's
    size, the SHA-256 of the bytes the block appended to each file and the
    documented-decision counts so far, so an interrupted ensemble can be checked and
    resumed from the last complete block. Writing the files in blocks keeps memory flat
    however many runs the ensemble has.

    The CSV tables grow by appending. The Parquet daily table is a folder,
    ``daily.parquet/``, with one complete file per block (``part-000000.parquet``...), each
    written under a temporary name and renamed, since a Parquet file is readable only once
    its footer is written: a kill or a full disk leaves every earlier block readable, and
    pandas and pyarrow read the folder as one table.

    Args:
        folder: The (temporary) results folder.
        state: ``new_progress(...)`` for a new folder, or the ``progress.json`` of an
            interrupted one.
        resume: Continue from ``state``: cut every file back to the sizes it records.
    """

    def __init__(self, folder: Path, state: dict, resume: bool = False):
        self.folder = folder
        self.state = state
        self.fmt = state["format"]
        if resume:
            self._restore()

    @property
    def runs_done(self) -> int:
        """Runs completely written so far."""
        return int(self.state["runs_done"])

    @property
    def block_runs(self) -> int:
        """Runs per block: as recorded, so that a resumed folder is cut as the first attempt."""
        return int(self.state["block_runs"])

    def _restore(self) -> None:
        # Every complete block must be as it was written: a resume never publishes a block
        # changed on disk. Whatever was written after the last one is cut off and rewritten.
        problems = check_blocks(self.folder, self.state)
        if problems:
            raise ResultsError(
                f"{self.folder}: cannot resume, the written results changed since they were "
                f"written ({'; '.join(problems[:3])})"
            )
        for name, size in self.state["sizes"].items():
            path = self.folder / name
            if not path.exists() or path.stat().st_size < size:
                raise ModelError(f"{path}: shorter than {PROGRESS} records; cannot resume")
            with open(path, "r+b") as f:
                f.truncate(size)
        self._drop_unrecorded_parts()

    def _drop_unrecorded_parts(self) -> None:
        """Remove the Parquet part of a block that was not recorded (written, or half)."""
        parts = self.folder / DAILY_FILE["parquet"]
        if not parts.is_dir():
            return
        recorded = {n for b in self.state.get("blocks", []) for n in b["sha256"]}
        for p in parts.iterdir():
            if f"{parts.name}/{p.name}" not in recorded:
                p.unlink()

    def append(self, tables: Tables, counts: dict[str, int]) -> None:
        """Append one block of runs (its first run must be ``runs_done``).

        Args:
            tables: The block's tables.
            counts: The block's documented-decision counts, added to those recorded.
        """
        first = self.runs_done == 0
        digests = {}
        ends = {}
        if self.fmt == "parquet":
            name = f"{DAILY_FILE['parquet']}/part-{len(self.state['blocks']):06d}.parquet"
            digests[name], ends[name] = _write_part(tables.daily, self.folder / name)
        else:
            digests["daily.csv"] = _append(
                tables.daily_csv(first), self.folder / "daily.csv", first
            )
        for name, df in (("events.csv", tables.events), ("runs.csv", tables.runs)):
            digests[name] = _append(csv_text(df, header=first), self.folder / name, first)
        for k, v in counts.items():
            self.state["counts"][k] = self.state["counts"].get(k, 0) + v
        self.state["runs_done"] += len(tables.runs)
        self.state["sizes"] = {
            n: (self.folder / n).stat().st_size for n in digests if n not in ends
        }
        self.state["blocks"].append(
            {"runs": len(tables.runs), "end": {**self.state["sizes"], **ends}, "sha256": digests}
        )
        write_json_atomic(self.folder / PROGRESS, self.state)

    def discard_partial(self) -> None:
        """Cut every file back to the last complete block (best effort, after a failure).

        The folder then holds complete blocks only, so it checks as intact; a full disk
        also gets its space back.
        """
        for name, size in self.state["sizes"].items():
            path = self.folder / name
            try:
                if path.stat().st_size > size:
                    with open(path, "r+b") as f:
                        f.truncate(size)
            except OSError:
                pass
        try:
            self._drop_unrecorded_parts()
        except OSError:
            pass


def new_progress(fmt: str, block_runs: int) -> dict:
    """The block-writing entries of a ``progress.json`` where nothing is written yet.

    Args:
        fmt: Format of the daily table.
        block_runs: Runs per block.
    """
    return {
        "runs_done": 0,
        "format": fmt,
        "block_runs": int(block_runs),
        "sizes": {},
        "counts": {},
        "blocks": [],
    }


def _append(text: str, path: Path, first: bool) -> str:
    """Append a block of CSV text to a file (start it, if ``first``); return its SHA-256.

    Appending blocks gives the same bytes as writing the whole table at once.
    """
    data = text.encode("utf-8")
    try:
        with open(path, "wb" if first else "ab") as f:
            f.write(data)
    except OSError as exc:  # name the file: a full disk's error often names none
        if exc.filename is None:
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
        raise
    return hashlib.sha256(data).hexdigest()


def _write_part(daily, path: Path) -> tuple[str, int]:
    """Write one block's daily table as a whole Parquet file; return its SHA-256 and size.

    The same rows give the same bytes (pyarrow records no time in the file), so a resumed
    folder's parts are those of an uninterrupted one.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        pq.write_table(pa.Table.from_pandas(daily, preserve_index=False), tmp)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)  # a full disk gets its space back
        if exc.filename is None:
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
        raise
    return sha256_file(path), path.stat().st_size
