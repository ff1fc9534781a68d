"""A dataset from a CSV table: one row per item, its embedding in the other columns.

The header row names the columns: ``id``, ``given``, an optional ``truth`` (a class name,
``OOD``, or empty for unknown), and every other column is one number of the embedding::

    id,given,truth,e0,e1,e2
    img-001,cat,,0.12,-0.5,1.3
    img-002,dog,OOD,0.08,0.9,-0.2

The class names are the given labels, sorted. The table becomes a dataset document that
:func:`pyvizzy.dataset.dataset_from_dict` checks as it checks a dataset file, so a problem is
named the same way (file, field, item); a cell that is not a number, or not one an embedding
may hold (:func:`pyvizzy.dataset_check.embedding_value_problem`), is named by its line and
column. The items have no images. Runs unchanged in CPython and in Pyodide.
"""

from __future__ import annotations

import csv
import io
import math
import posixpath

from pyvizzy.dataset import Dataset, DatasetError, dataset_from_dict
from pyvizzy.dataset_check import embedding_value_problem
from pyvizzy.formats import DATASET_FORMAT

__all__ = ["CSV_COLUMNS", "loads_csv_dataset"]

#: The columns a dataset table names in its header row; the others hold the embedding.
CSV_COLUMNS = ("id", "given", "truth")
_REQUIRED = ("id", "given")


def _header(rows, source: str) -> list[str]:
    header = next(rows, None)
    if header is None:
        raise DatasetError(source, "the file is empty: expected a header row")
    names = [name.strip() for name in header]
    for name in _REQUIRED:
        if name not in names:
            raise DatasetError(source, f"header row: no {name!r} column (it needs id, given)")
    seen = set()
    for name in names:
        if not name:
            raise DatasetError(source, "header row: a column has no name")
        if name in seen:
            raise DatasetError(source, f"header row: column {name!r} is repeated")
        seen.add(name)
    if len(names) == len([name for name in names if name in CSV_COLUMNS]):
        raise DatasetError(source, "header row: no embedding column (a number per column)")
    return names


def _number(text: str, source: str, line: int, column: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise DatasetError(
            source, f"line {line}, column {column!r}: expected a number, got {text[:40]!r}"
        ) from None
    reason = embedding_value_problem(value)
    if reason and math.isinf(value) and "inf" not in text.lower():
        reason = "is too large for a 64-bit float"
    if reason:
        raise DatasetError(source, f"line {line}, column {column!r}: the cell {reason}")
    return value


def csv_document(text: str, source: str = "<csv>") -> dict:
    """The dataset document (as :func:`pyvizzy.dataset.dataset_to_dict` writes) of a table.

    Raises
    ------
    DatasetError
        When the header lacks ``id`` or ``given``, a row has another number of cells, or an
        embedding cell is not a number an embedding may hold (naming the line and column).
    """
    rows = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    names = _header(rows, source)
    embedding_columns = [(k, name) for k, name in enumerate(names) if name not in CSV_COLUMNS]
    where = {name: k for k, name in enumerate(names)}
    items = []
    for row in rows:
        line = rows.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(names):
            raise DatasetError(
                source, f"line {line}: {len(row)} cells where the header names {len(names)}"
            )
        truth = row[where["truth"]].strip() if "truth" in where else ""
        items.append({
            "id": row[where["id"]].strip(),
            "given": row[where["given"]].strip(),
            "truth": truth or None,
            "embedding": [_number(row[k], source, line, name) for k, name in embedding_columns],
            "image": None,
        })
    stem = posixpath.splitext(posixpath.basename(source))[0] or source
    return {
        "format": DATASET_FORMAT,
        "name": stem,
        "description": f"{len(items)} items read from the table {source}.",
        "class_names": sorted({item["given"] for item in items}),
        "provenance": {"source": source, "license": "unknown", "method": "a CSV table"},
        "items": items,
    }


def loads_csv_dataset(text: str, source: str = "<csv>") -> Dataset:
    """Read and validate a dataset table (see the module's description).

    Parameters
    ----------
    text : str
        The CSV text, with a header row.
    source : str
        Where it came from (a file name), used in error messages.

    Raises
    ------
    DatasetError
        Naming the file, the field or column and the item or line of the first problem.
    """
    return dataset_from_dict(csv_document(text, source), source)
