"""Results written block by block, with a progress record that allows resuming."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from model.errors import ModelError
from model.results.contract import DAILY_FILE, PROGRESS
from model.results.files import write_json_atomic
from model.results.tables import Tables


class BlockWriter:
    """Appends blocks of consecutive runs to the results files of one folder.

    After each block, ``progress.json`` records how many runs are written, each file's
    size and the documented-decision counts so far, so an interrupted ensemble can be
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
        # Whatever was written after the last recorded block is cut off and written again.
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
        if self.fmt == "parquet":
            import pyarrow as pa

            self._write_parquet(pa.Table.from_pandas(tables.daily, preserve_index=False))
            self.state["daily_row_groups"] += 1
        else:
            _append_csv(tables.daily, self.folder / "daily.csv", first, float_format="%.6g")
        _append_csv(tables.events, self.folder / "events.csv", first)
        _append_csv(tables.runs, self.folder / "runs.csv", first)
        for k, v in counts.items():
            self.state["counts"][k] = self.state["counts"].get(k, 0) + v
        self.state["runs_done"] += len(tables.runs)
        names = ["events.csv", "runs.csv"] + (["daily.csv"] if self.fmt == "csv" else [])
        self.state["sizes"] = {n: (self.folder / n).stat().st_size for n in names}
        write_json_atomic(self.folder / PROGRESS, self.state)

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
    state: dict = {"runs_done": 0, "format": fmt, "sizes": {}, "daily_row_groups": 0, "counts": {}}
    if final_name is not None:
        state["final"] = final_name
    return state


def _append_csv(df: pd.DataFrame, path: Path, header: bool, **kw) -> None:
    # Appending blocks gives the same bytes as writing the whole table at once.
    df.to_csv(path, mode="w" if header else "a", header=header, index=False, **kw)
