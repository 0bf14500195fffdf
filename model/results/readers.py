"""Reading results folders: the daily table (CSV or Parquet) and the manifest."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def daily_file(folder: Path) -> Path | None:
    """The daily table of a results folder (``daily.parquet`` or ``daily.csv``), if any."""
    for name in ("daily.parquet", "daily.csv"):
        if (folder / name).exists():
            return folder / name
    return None


def read_daily(folder: Path, columns: list[str] | tuple[str, ...] | None = None) -> pd.DataFrame:
    """Read a results folder's daily table, CSV or Parquet, optionally only some columns.

    Columns not in the file are skipped, so a reduced read of a large ensemble can name
    every column a plot might use. Text columns (dates, holders) are read as categories: a
    large ensemble repeats a handful of values millions of times.

    Raises:
        ResultsError: The folder has no daily table.
    """
    from model.errors import ResultsError

    path = daily_file(folder)
    if path is None:
        raise ResultsError(f"{folder}: no daily.csv or daily.parquet")
    if path.suffix == ".parquet":
        return _read_parquet(path, columns)
    names = list(pd.read_csv(path, nrows=0).columns)
    cols = names if columns is None else [c for c in columns if c in names]
    text = {c: "category" for c in cols if _is_text(c)}
    return pd.read_csv(path, usecols=cols, dtype=text)[cols]


def _is_text(column: str) -> bool:
    return column == "date" or column.startswith("holder_")


def parquet_parts(path: Path) -> list[Path]:
    """The files of a daily Parquet table, in order.

    The parts of a ``daily.parquet/`` folder (one per block, as written since results
    resume in every format), or the one file of a folder written before.
    """
    if path.is_dir():
        return sorted(path.glob("part-*.parquet"))
    return [path]


def _read_parquet(path: Path, columns) -> pd.DataFrame:
    """Read a daily Parquet table row group by row group into arrays sized once.

    Reading the whole table through Arrow and converting it would hold it about three times
    over at its peak; one row group is one block of runs as written.
    """
    import pyarrow.parquet as pq
    from pandas.api.types import union_categoricals

    parts = parquet_parts(path)
    if not parts:
        from model.errors import ResultsError

        raise ResultsError(f"{path}: no part-*.parquet files")
    names = pq.ParquetFile(parts[0]).schema_arrow.names
    cols = names if columns is None else [c for c in columns if c in names]
    n = sum(pq.read_metadata(p).num_rows for p in parts)
    numeric: dict[str, np.ndarray] = {}
    text: dict[str, list] = {c: [] for c in cols if _is_text(c)}
    at = 0
    for pf, i in _row_groups(parts, [c for c in cols if _is_text(c)]):
        block = pf.read_row_group(i, columns=cols).to_pandas()
        for c in cols:
            if c in text:
                text[c].append(block[c].astype("category"))
                continue
            values = block[c].to_numpy()
            if c not in numeric:
                numeric[c] = np.empty(n, dtype=values.dtype)
            numeric[c][at : at + len(values)] = values
        at += len(block)
    out = {}
    for c in cols:
        if c in text:
            pieces = text[c]
            out[c] = union_categoricals(pieces, sort_categories=True) if pieces else []
        else:
            out[c] = numeric.get(c, np.empty(0))
    return pd.DataFrame(out, columns=cols)


def _row_groups(parts: list[Path], text: list[str]):
    """Each row group of each part, one file open at a time (a large table has many)."""
    import pyarrow.parquet as pq

    for p in parts:
        with pq.ParquetFile(p, read_dictionary=text) as pf:
            for i in range(pf.num_row_groups):
                yield pf, i


def check_run_folder(folder: Path) -> dict:
    """The manifest of a run's results folder, after checking it is one of this format.

    Raises:
        ResultsError: The folder is missing, incomplete or of another format.
    """
    from model.errors import ResultsError
    from model.results.contract import FORMAT_VERSION, READABLE_VERSIONS

    if not folder.is_dir():
        raise ResultsError(f"{folder}: not a results folder (no such folder)")
    mpath = folder / "manifest.json"
    if not mpath.exists() or daily_file(folder) is None:
        raise ResultsError(
            f"{folder}: not a results folder of this tool (manifest.json or daily table missing)"
        )
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ResultsError(f"{mpath}: not valid JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format_version") not in READABLE_VERSIONS:
        raise ResultsError(
            f"{mpath}: format_version {manifest.get('format_version') if isinstance(manifest, dict) else None!r}"
            f" is not {FORMAT_VERSION}; results of another format"
        )
    return manifest
