"""Datasets the reader opens from their own files: read in the browser, nothing uploaded.

The page's "Open dataset..." control and a file dropped on the window send the file's name,
size and text to Python (the header's ``opened`` property, :func:`read_opened_message`);
:func:`dataset_from_text` reads it as a dataset file (``.json``) or a table (``.csv``,
:mod:`pyvizzy.dataset_csv`), validated as the site's own datasets are. The dataset then
lives in the app for this visit only: its key starts with
:data:`~pyvizzy.app.data.FILE_KEY_PREFIX`, the address never names it and a host page is
never told about it.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyvizzy.app.bridge import read_page_message
from pyvizzy.app.data import FILE_KEY_PREFIX
from pyvizzy.dataset import Dataset, loads_dataset
from pyvizzy.dataset_csv import loads_csv_dataset
from pyvizzy.page_limits import MAX_DATASET_CHARS, size_problem

__all__ = [
    "MAX_NAME_CHARS",
    "OpenedFile",
    "dataset_from_text",
    "file_key",
    "read_opened_message",
]

#: File names are cut to this many characters in keys and messages.
MAX_NAME_CHARS = 80
#: The longest message of an opened file that is read: its text at the size limit, each
#: character escaped in JSON at worst (a quote, a backslash, a control character).
MAX_OPENED_MESSAGE_CHARS = 6 * MAX_DATASET_CHARS + 4096


@dataclass(frozen=True)
class OpenedFile:
    """A file the page read: its name, its size in bytes and its text (None: refused)."""

    name: str
    size: int
    text: str | None


def read_opened_message(message: str) -> OpenedFile | None:
    """The file a page message ``{n, name, size, text}`` carries (None if malformed).

    A message without ``text`` is a file the page refused to read (over the size limit), or,
    with ``size`` -1, one the browser could not read.
    """
    obj = read_page_message(message, MAX_OPENED_MESSAGE_CHARS)
    if obj is None or not isinstance(obj.get("name"), str):
        return None
    size = obj.get("size")
    text = obj.get("text")
    if not isinstance(size, int) or size < -1 or not (text is None or isinstance(text, str)):
        return None
    return OpenedFile(name=obj["name"][:MAX_NAME_CHARS] or "file", size=size, text=text)


def file_key(name: str) -> str:
    """The app's key of an opened file (one per file name: opening it again replaces it)."""
    return FILE_KEY_PREFIX + name[:MAX_NAME_CHARS]


def dataset_from_text(opened: OpenedFile) -> Dataset:
    """Read and validate an opened file: a table when its name ends in ``.csv``, else a
    dataset file.

    Raises
    ------
    ValueError
        When the file is too large or empty (the reason); :class:`pyvizzy.dataset.DatasetError`
        (a ValueError) naming the file, field and item when it is not a valid dataset.
    """
    limit_mb = MAX_DATASET_CHARS // 1_000_000
    if opened.size < 0:
        raise ValueError(f"{opened.name} could not be read (the browser gave no text)")
    if opened.text is None or opened.size > MAX_DATASET_CHARS or len(opened.text) > (
        MAX_DATASET_CHARS
    ):
        raise ValueError(
            f"{opened.name} is {opened.size / 1e6:.1f} MB; the page opens files up to "
            f"{limit_mb} MB"
        )
    if not opened.text.strip():
        raise ValueError(f"{opened.name} is empty")
    if opened.name.lower().endswith(".csv"):
        dataset = loads_csv_dataset(opened.text, opened.name)
    else:
        dataset = loads_dataset(opened.text, opened.name)
    problem = size_problem(dataset.n_items, dataset.n_classes)
    if problem:
        raise ValueError(f"{opened.name} {problem}")
    return dataset
