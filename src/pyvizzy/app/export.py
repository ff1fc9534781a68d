"""The Export control's table: every item with its labels and what the sliders make of it.

:func:`export_csv` writes, at the current settings, one row per item with the columns
:data:`EXPORT_COLUMNS`: ``id``, ``given`` (the dataset's label), ``relabelled`` (the
reader's relabel, trained on or not, else empty), ``suggested`` (the confident class, else
empty), ``category`` and ``label_quality``. The page turns the text into a download; nothing
leaves the browser. A text cell that a spreadsheet would read as a formula (it starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written with a leading ``'``.
"""

from __future__ import annotations

import csv
import io
import re

__all__ = ["EXPORT_COLUMNS", "export_csv", "export_file_name", "inert_cell"]

EXPORT_COLUMNS = ("id", "given", "relabelled", "suggested", "category", "label_quality")
#: What makes a spreadsheet read a cell as a formula (OWASP's list).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def inert_cell(text: str) -> str:
    """``text``, with a leading ``'`` when a spreadsheet would run it as a formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def export_file_name(dataset_name: str) -> str:
    """The download's file name: the dataset's name in safe characters, then ``-labels.csv``."""
    stem = _UNSAFE_NAME.sub("-", dataset_name).strip("-.")[:60] or "dataset"
    return f"{stem}-labels.csv"


def export_csv(state) -> str:
    """The table of every item of ``state``'s dataset (a trained
    :class:`~pyvizzy.app.state.AppState`), at its current settings.

    Raises
    ------
    ValueError
        When no dataset is trained yet.
    """
    dataset, result = state.dataset, state.result
    if dataset is None or result is None or state.quality is None:
        raise ValueError("there is nothing to export until the model is trained")
    names = dataset.class_names
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for row, item_id in enumerate(dataset.ids):
        given = int(dataset.given[row])
        pending = int(state.pending_labels[row])
        suggested = int(result.suggested[row])
        writer.writerow([
            inert_cell(item_id),
            inert_cell(names[given]),
            inert_cell(names[pending]) if pending != given else "",
            inert_cell(names[suggested]) if suggested >= 0 else "",
            str(result.categories[row]),
            f"{float(state.quality[row]):.6g}",
        ])
    return out.getvalue()
