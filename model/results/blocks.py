"""Results written block by block, with a progress record that allows resuming."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from model.errors import ModelError, ResultsError
from model.results.contract import DAILY_FILE, PROGRESS
from model.results.csvtext import csv_text
from model.results.files import write_json_atomic
from model.results.integrity import check_blocks
from model.results.tables import Tables


class BlockWriter:
    """Appends blocks of consecutive runs to the results files of one folder.

    After each block, ``progress.json`` records how many runs are written, each file's
    size, the SHA-256 of the bytes the block appended to each CSV file and the
    documented-decision counts so far, so an interrupted ensemble can be checked and
    resumed from the last complete block. Writing the files in blocks keeps memory flat
    however many runs the ensemble has.

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
        self._parquet = None
        if resume:
            self._restore()

    @property
    def runs_done(self) -> int:
        """Runs completely written so far."""
        return int(self.state["runs_done"])

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
        if self.fmt == "parquet" and self.state["daily_row_groups"]:
            self._restore_parquet(int(self.state["daily_row_groups"]))

    def _restore_parquet(self, groups: int) -> None:
        import pyarrow.parquet as pq

        path = self.folder / DAILY_FILE["parquet"]
        old = path.with_name(path.name + ".old")
        if not old.exists():  # else an earlier resume was interrupted while copying
            os.replace(path, old)
        try:
            src = pq.ParquetFile(old)
            if src.num_row_groups < groups:
                raise ModelError(f"{path}: fewer row groups than {PROGRESS} records")
            for i in range(groups):
                self._write_parquet(src.read_row_group(i))
        except ModelError:
            raise
        except Exception as exc:  # pyarrow raises its own types for a file cut short
            raise ModelError(f"{path}: unreadable ({exc}); cannot resume") from None
        old.unlink()

    def _write_parquet(self, table) -> None:
        import pyarrow.parquet as pq

        if self._parquet is None:
            self._parquet = pq.ParquetWriter(self.folder / DAILY_FILE["parquet"], table.schema)
        self._parquet.write_table(table.cast(self._parquet.schema))

    def append(self, tables: Tables, counts: dict[str, int]) -> None:
        """Append one block of runs (its first run must be ``runs_done``).

        Args:
            tables: The block's tables.
            counts: The block's documented-decision counts, added to those recorded.
        """
        first = self.runs_done == 0
        digests = {}
        if self.fmt == "parquet":
            import pyarrow as pa

            self._write_parquet(pa.Table.from_pandas(tables.daily, preserve_index=False))
            self.state["daily_row_groups"] += 1
        else:
            digests["daily.csv"] = _append(
                tables.daily_csv(first), self.folder / "daily.csv", first
            )
        for name, df in (("events.csv", tables.events), ("runs.csv", tables.runs)):
            digests[name] = _append(csv_text(df, header=first), self.folder / name, first)
        for k, v in counts.items():
            self.state["counts"][k] = self.state["counts"].get(k, 0) + v
        self.state["runs_done"] += len(tables.runs)
        self.state["sizes"] = {n: (self.folder / n).stat().st_size for n in digests}
        self.state.setdefault("blocks", []).append(
            {"runs": len(tables.runs), "end": dict(self.state["sizes"]), "sha256": digests}
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

    def close(self) -> None:
        """Finish the parquet file, if one is open (its footer makes it readable)."""
        if self._parquet is not None:
            self._parquet.close()
            self._parquet = None


def new_progress(fmt: str, final_name: str | None = None) -> dict:
    """The ``progress.json`` of a folder where nothing is written yet.

    Args:
        fmt: Format of the daily table.
        final_name: Name the folder gets when finished (beside the hidden folder).
    """
    state: dict = {
        "runs_done": 0,
        "format": fmt,
        "sizes": {},
        "daily_row_groups": 0,
        "counts": {},
        "blocks": [],
    }
    if final_name is not None:
        state["final"] = final_name
    return state


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
