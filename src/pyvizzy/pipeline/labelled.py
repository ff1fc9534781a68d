"""The input of ``pyvizzy embed``: a class folder or a CSV -> :class:`LabelledImages`.

A folder holds one sub-folder of images per class; a CSV lists ``path,given_label
[,true_label]`` with paths relative to its own folder. Either way every image must be a file
inside that folder once ``..`` and links are followed: one outside it (``../x.jpg``, an
absolute path elsewhere, a link out) is refused, naming the CSV's row or the folder's entry,
unless ``allow_outside`` (``--allow-outside``) says to read it.

Ids are published in the dataset file, so they never hold a path of the machine: an image's
id is its path relative to the folder (``cat/1.jpg``; in a CSV normalised, ``./a/../b.jpg``
-> ``b.jpg``), and an image outside the CSV's folder gets ``outside/row-N/NAME`` (``N`` its
row in the CSV, ``NAME`` its file's name).

Imports neither torch nor Pillow.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np

from pyvizzy.formats import MIN_ITEMS_PER_CLASS, OOD_LABEL, TRUTH_OOD, TRUTH_UNKNOWN
from pyvizzy.pipeline.errors import InputError

__all__ = [
    "ALLOW_OUTSIDE_OPTION",
    "IMAGE_EXTENSIONS",
    "OUTSIDE_ID_PREFIX",
    "LabelledImages",
    "csv_image_id",
    "outside_reason",
    "read_image_csv",
    "read_image_folder",
    "read_labelled_images",
]

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff")
#: The command-line option that lets an input name images outside its folder.
ALLOW_OUTSIDE_OPTION = "--allow-outside"
#: How the id of an image outside the CSV's folder starts (``outside/row-N/NAME``).
OUTSIDE_ID_PREFIX = "outside/"


@dataclass(frozen=True, eq=False)
class LabelledImages:
    """Images with labels, in a fixed order.

    Attributes
    ----------
    paths : tuple of pathlib.Path
    ids : tuple of str
        Unique; the path relative to the folder (or the CSV's folder), ``outside/row-N/NAME``
        for an image outside it.
    class_names : tuple of str
    given : ndarray of int64
    truth : ndarray of int64
        Class index, -1 for OOD, -2 unknown.
    source : str
        The folder or CSV file read.
    """

    paths: tuple
    ids: tuple
    class_names: tuple
    given: np.ndarray
    truth: np.ndarray
    source: str
    rows: tuple = field(default=())  # CSV row number of each item (for error messages)


def _is_image(path):
    return (
        path.is_file() and path.suffix.lower() in IMAGE_EXTENSIONS and not path.name.startswith(".")
    )


def _lexical(folder, path_text):
    """``folder / path_text`` made absolute and normalised without following links."""
    return Path(os.path.normpath(Path(folder).absolute() / path_text))


def outside_reason(folder, path_text, where):
    """Why the file ``path_text`` (relative to ``folder``) is not inside ``folder``; None if it is.

    Inside means inside once ``..`` segments and links are followed.

    Returns
    -------
    str or None
        ``"leaves the folder"`` for a path that points elsewhere as written (``..`` or an
        absolute path), ``"is a link out of the folder"`` for one that gets there by a link.

    Raises
    ------
    InputError
        Naming ``where``, if the path cannot be followed (a loop of links).
    """
    folder = Path(folder)
    try:
        real = (folder / path_text).resolve()
        real_folder = folder.resolve()
    except (OSError, RuntimeError) as error:
        raise InputError(f"{where}: cannot be followed ({error})") from None
    if real.is_relative_to(real_folder):
        return None
    if _lexical(folder, path_text).is_relative_to(folder.absolute()):
        return "is a link out of the folder"
    return "leaves the folder"


def csv_image_id(folder, path_text, row):
    """The id of the image ``path_text`` of CSV row ``row``, the CSV being in ``folder``.

    Its path relative to ``folder`` (normalised, ``/``-separated) when it is there as written
    or once links are followed; else ``outside/row-N/NAME``, which names no folder of the
    machine. The path must be one :func:`outside_reason` could follow.
    """
    folder = Path(folder)
    for base, target in ((folder.absolute(), _lexical(folder, path_text)),
                         (folder.resolve(), (folder / path_text).resolve())):
        if target.is_relative_to(base) and target != base:
            return PurePosixPath(*target.relative_to(base).parts).as_posix()
    return f"{OUTSIDE_ID_PREFIX}row-{row}/{Path(path_text).name}"


def _refuse_outside(where, reason, folder_name="the folder"):
    raise InputError(f"{where} {reason.replace('the folder', folder_name)} (pass "
                     f"{ALLOW_OUTSIDE_OPTION} to read it)")


def read_image_folder(folder, allow_outside=False):
    """Read a folder holding one sub-folder of images per class (names sorted).

    An image (or a class sub-folder) that is a link out of ``folder`` is refused unless
    ``allow_outside``; ids are ``<class>/<file name>`` either way.
    """
    folder = Path(folder)
    class_folders = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    if len(class_folders) < 2:
        raise InputError(
            f"{folder}: needs at least two class sub-folders, found {len(class_folders)}"
        )
    if any(p.name == OOD_LABEL for p in class_folders):
        raise InputError(f"{folder}: a class sub-folder may not be named {OOD_LABEL!r}")
    paths, ids, given = [], [], []
    for k, class_folder in enumerate(class_folders):
        images = sorted(p for p in class_folder.iterdir() if _is_image(p))
        if not images:
            raise InputError(f"{class_folder}: holds no images ({', '.join(IMAGE_EXTENSIONS)})")
        for path in images:
            item_id = f"{class_folder.name}/{path.name}"
            reason = outside_reason(folder, item_id, f"{folder}: {item_id}")
            if reason and not allow_outside:
                _refuse_outside(f"{folder}: {item_id}", reason)
            paths.append(path)
            ids.append(item_id)
            given.append(k)
    return LabelledImages(
        paths=tuple(paths),
        ids=tuple(ids),
        class_names=tuple(p.name for p in class_folders),
        given=np.asarray(given, dtype=np.int64),
        truth=np.full(len(paths), -2, dtype=np.int64),
        source=str(folder),
    )


def _csv_rows(csv_path):
    """``(row number, fields)`` of every non-blank row of the CSV, the header row left out."""
    try:
        text = csv_path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{csv_path}: cannot be read ({error})") from None
    rows = [(number, row) for number, row in enumerate(csv.reader(text.splitlines()), start=1)
            if row and any(cell.strip() for cell in row)]  # fmt: skip
    if rows and [cell.strip().lower() for cell in rows[0][1][:2]] == ["path", "given_label"]:
        rows = rows[1:]
    if not rows:
        raise InputError(f"{csv_path}: holds no rows")
    return rows


def _csv_record(csv_path, number, row, require_files, allow_outside):
    """``(number, id, path, label, true_label)`` of one CSV row, checked on its own."""
    where = f"{csv_path}: row {number}"
    if len(row) not in (2, 3):
        raise InputError(f"{where}: expected path,given_label[,true_label], got {len(row)} fields")
    path_text, label = row[0].strip(), row[1].strip()
    true_label = row[2].strip() if len(row) == 3 else ""
    if not path_text:
        raise InputError(f"{where}: field 'path' is empty")
    if not label:
        raise InputError(f"{where}: field 'given_label' is empty")
    if label == OOD_LABEL:
        raise InputError(f"{where}: field 'given_label' may not be {OOD_LABEL!r}")
    reason = outside_reason(csv_path.parent, path_text, f"{where}: field 'path': {path_text}")
    if reason and not allow_outside:
        _refuse_outside(f"{where}: field 'path': {path_text}", reason, "the CSV's folder")
    path = csv_path.parent / path_text
    if require_files and not path.is_file():
        raise InputError(f"{where}: field 'path': no such file {path}")
    item_id = csv_image_id(csv_path.parent, path_text, number)
    return number, item_id, path, label, true_label


def read_image_csv(csv_path, class_names=None, require_files=True, allow_outside=False):
    """Read a CSV of ``path,given_label[,true_label]`` (an optional header row is skipped).

    Paths are relative to the CSV's folder; one outside it is refused unless
    ``allow_outside``. Class names are ``class_names`` if given, else the given labels sorted.
    """
    csv_path = Path(csv_path)
    records = [_csv_record(csv_path, number, row, require_files, allow_outside)
               for number, row in _csv_rows(csv_path)]  # fmt: skip
    names = tuple(class_names) if class_names else tuple(sorted({r[3] for r in records}))
    index = {name: k for k, name in enumerate(names)}
    seen = {}
    paths, ids, given, truth, numbers = [], [], [], [], []
    for number, item_id, path, label, true_label in records:
        if item_id in seen:
            raise InputError(
                f"{csv_path}: row {number}: field 'path': {item_id} repeats row {seen[item_id]}"
            )
        seen[item_id] = number
        if label not in index:
            raise InputError(
                f"{csv_path}: row {number}: field 'given_label': {label!r} is not one of "
                f"{list(names)}"
            )
        if true_label and true_label != OOD_LABEL and true_label not in index:
            raise InputError(
                f"{csv_path}: row {number}: field 'true_label': {true_label!r} is not one of "
                f"{[*names, OOD_LABEL]} or empty"
            )
        paths.append(path)
        ids.append(item_id)
        given.append(index[label])
        truth.append(
            TRUTH_UNKNOWN if not true_label
            else TRUTH_OOD if true_label == OOD_LABEL
            else index[true_label]
        )
        numbers.append(number)
    return LabelledImages(
        paths=tuple(paths),
        ids=tuple(ids),
        class_names=names,
        given=np.asarray(given, dtype=np.int64),
        truth=np.asarray(truth, dtype=np.int64),
        source=str(csv_path),
        rows=tuple(numbers),
    )


def read_labelled_images(source, class_names=None, require_files=True, allow_outside=False):
    """Read a class folder or a CSV (by what ``source`` is), and check class sizes."""
    source = Path(source)
    if source.is_dir():
        labelled = read_image_folder(source, allow_outside=allow_outside)
    elif source.is_file():
        labelled = read_image_csv(source, class_names, require_files=require_files,
                                  allow_outside=allow_outside)
    else:
        raise InputError(f"{source}: no such folder or CSV file")
    counts = np.bincount(labelled.given, minlength=len(labelled.class_names))
    for name, count in zip(labelled.class_names, counts, strict=True):
        if count < MIN_ITEMS_PER_CLASS:
            raise InputError(
                f"{source}: class {name!r} has {count} images; 5-fold cross-validation needs "
                f"at least {MIN_ITEMS_PER_CLASS}"
            )
    return labelled
