"""Tables as named columns: a CSV file (plain or gzipped), a pandas
DataFrame, a numpy structured array or a mapping of arrays, read into one
form, and written back to CSV.

A `Table` maps each column's name to a 1-D array: float64 for numbers
(missing: NaN), objects for anything else (missing: None). A CSV column is
numbers when every non-empty cell reads as one; an empty cell is missing.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from keras_infogan.files import atomic_path

__all__ = ["Table", "as_category", "format_cell", "read_table", "table_length", "write_csv"]

Table = dict[str, np.ndarray]


def read_table(source: Any) -> Table:
    """`source` (a CSV path, DataFrame, structured array or mapping of
    columns) as a `Table`; every column must have the same length."""
    if isinstance(source, (str, os.PathLike)):
        table = _read_csv(os.fspath(source))
    elif isinstance(source, np.ndarray) and source.dtype.names:
        table = {name: _column(source[name]) for name in source.dtype.names}
    elif hasattr(source, "columns") and hasattr(source, "__getitem__"):  # a pandas DataFrame
        table = {str(name): _column(np.asarray(source[name])) for name in source.columns}
    elif isinstance(source, Mapping):
        table = {str(name): _column(np.asarray(values)) for name, values in source.items()}
    else:
        raise ValueError(
            f"Cannot read a table from a {type(source).__name__}: give a CSV path, a pandas DataFrame, "
            "a numpy structured array or a dict of columns."
        )
    table_length(table)
    return table


def table_length(table: Table) -> int:
    """The number of rows; a table with no columns or ragged ones is refused."""
    if not table:
        raise ValueError("The table has no columns.")
    lengths = {name: len(values) for name, values in table.items()}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"The table's columns differ in length ({lengths}); give every column one value per row.")
    return next(iter(lengths.values()))


def write_csv(table: Table, path: str | os.PathLike) -> None:
    """Writes `table` to a CSV file (gzipped if `path` ends in .gz), whole or
    not at all. Whole numbers are written without a decimal point; missing
    values as empty cells."""
    n = table_length(table)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(list(table))
    columns = list(table.values())
    for i in range(n):
        writer.writerow([format_cell(column[i]) for column in columns])
    data = text.getvalue().encode()
    with atomic_path(path) as tmp:
        with (gzip.open if os.fspath(path).endswith(".gz") else open)(tmp, "wb") as f:
            f.write(data)


def as_category(value: Any) -> Any:
    """A cell as a category: None where missing; numbers as floats (1 and 1.0 are one category)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    return value


def _read_csv(path: str) -> Table:
    if not os.path.isfile(path):
        raise ValueError(f"{path} is not a file; give the path of a CSV table (plain or .gz).")
    with (gzip.open if path.endswith(".gz") else open)(path, "rt", newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise ValueError(f"{path} is empty; a CSV table starts with a header row.")
    header, body = rows[0], rows[1:]
    ragged = next((i for i, row in enumerate(body, start=2) if len(row) != len(header)), None)
    if ragged is not None:
        raise ValueError(f"{path}, line {ragged}: {len(body[ragged - 2])} cells where the header has {len(header)}.")
    cells = list(zip(*body)) if body else [()] * len(header)
    return {name.strip(): _column(np.array([c.strip() for c in column], dtype=object)) for name, column in zip(header, cells)}


def _column(values: np.ndarray) -> np.ndarray:
    """Numbers as float64 (NaN where missing), anything else as objects (None where missing)."""
    if values.ndim != 1:
        raise ValueError(f"A column must be 1-D, got shape {values.shape}.")
    if values.dtype.kind in "iuf":
        return values.astype(np.float64)
    out = np.array([None if _missing(v) else v for v in values.tolist()], dtype=object)
    present = [v for v in out if v is not None]
    if all(isinstance(v, str) for v in present):
        try:
            numbers = [float(v) for v in present]
        except ValueError:
            return out
        if present and all(math.isfinite(x) for x in numbers):
            return np.array([np.nan if v is None else float(v) for v in out], dtype=np.float64)
    return out


def _missing(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def format_cell(value: Any) -> str:
    """A cell as CSV text: missing as empty, whole numbers without a decimal point."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)
