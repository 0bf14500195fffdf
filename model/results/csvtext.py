"""A table as CSV text, byte for byte what ``DataFrame.to_csv`` writes, several times faster.

``to_csv`` turns every cell into an object and hands the rows to the ``csv`` module; for the
daily table of an ensemble (about 35 columns and 30 rows per run) that is most of the time
the command takes after its runs. Here each column becomes a list of strings at once and
the rows are joined; a field is quoted only when the ``csv`` module would quote it (minimal
quoting: it holds a comma, a double quote or a line break). A table with a column of a kind
not handled here (a float column with no ``float_format``, say) is written by ``to_csv``, so
the text is always the same. ``tests/results/test_csvtext.py`` checks the two against each other.
"""

from __future__ import annotations

import csv
import io
import math

import numpy as np
import pandas as pd

# What could make the csv module quote a field: the delimiter, the quote character and line
# breaks (which of "\r" and "\n" it quotes depends on the Python version).
_SPECIAL = (",", '"', "\n", "\r")


def _quoted(s: str) -> str:
    """A field as the csv module writes it as to_csv calls it (minimal quoting, lines ending in LF)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([s, ""])
    return buf.getvalue()[:-2]  # the row is the field, a comma and the empty last field


def text_fields(values: list[str]) -> list[str]:
    """Text fields, quoted where needed (most columns need none: one look at them all)."""
    joined = "\x00".join(values)
    if not any(c in joined for c in _SPECIAL):
        return values
    quoted = {v: _quoted(v) for v in set(values)}  # a column repeats a few phrases
    return [quoted[v] for v in values]


def float_fields(values: np.ndarray, float_format: str) -> list[str]:
    """Floats formatted as to_csv formats them: missing values as empty fields.

    A daily column repeats a few values many times, so each distinct value is formatted
    once. ``np.unique`` counts -0.0 and 0.0 as one value, which format differently: a column
    holding -0.0 is formatted value by value.
    """
    if np.signbit(values[values == 0.0]).any():
        uniq, inverse = values, None
    else:
        uniq, inverse = np.unique(values, return_inverse=True)
    fields = ["" if math.isnan(x) else float_format % x for x in uniq.tolist()]
    if inverse is None:
        return fields
    return np.array(fields, dtype=object)[inverse].tolist()


def array_fields(values: np.ndarray, float_format: str | None) -> list[str] | None:
    """An array's fields as to_csv writes them, or None for a kind left to ``to_csv``.

    Integers, booleans, floats with a ``float_format`` and text (an object array of strings,
    missing values already replaced by empty strings).
    """
    kind = values.dtype.kind
    if kind in "iub":
        return list(map(str, values.tolist()))
    if kind == "f" and float_format is not None:
        return float_fields(values, float_format)
    if kind == "O":
        texts = values.tolist()
        if not all(type(v) is str for v in texts):
            return None
        return text_fields(texts)
    return None


def _strings(col: pd.Series, float_format: str | None) -> list[str] | None:
    """A column's fields, or None for a kind of column left to ``to_csv``."""
    values = col.to_numpy()
    if col.dtype.kind == "O":  # to_csv writes a missing value as an empty field
        missing = col.isna().to_numpy()
        if missing.any():
            values = np.where(missing, "", values).astype(object)
    return array_fields(values, float_format)


def csv_text(df: pd.DataFrame, header: bool = True, float_format: str | None = None) -> str:
    """``df.to_csv(None, header=header, index=False, float_format=float_format)``.

    Args:
        df: The table (its index is not written).
        header: Write the column names first.
        float_format: printf-style format of float columns, as ``to_csv`` takes it.
    """
    cols = []
    for name in df.columns:
        s = _strings(df[name], float_format)
        if s is None or not isinstance(name, str):
            return df.to_csv(None, header=header, index=False, float_format=float_format)
        cols.append(s)
    return join_rows(list(df.columns) if header else None, cols, len(df))


def join_rows(header: list[str] | None, cols: list[list[str]], rows: int) -> str:
    """CSV text from a header (or None) and each column's fields, as to_csv writes it."""
    lines = [",".join(map(_quoted, header))] if header is not None else []
    if len(cols) == 1:  # the csv module quotes a row made of one empty field
        lines += ['""' if f == "" else f for f in cols[0]]
    elif cols:
        lines += map(",".join, zip(*cols, strict=True))
    else:
        lines += [""] * rows
    return "\n".join(lines) + "\n" if lines else ""
