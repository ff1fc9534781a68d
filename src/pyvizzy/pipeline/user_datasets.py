"""Datasets of one's own in the site's catalog: ``pyvizzy build --dataset [KEY=]FILE``.

A dataset's key is the name of the folder that holds its file (``photos/mine/dataset.json``
-> ``mine``) unless ``KEY=FILE`` names one; a key is made of ``a-z``, ``0-9`` and ``-`` and
may not be another dataset's. Each file is validated (:func:`pyvizzy.dataset.load_dataset`)
and so is every thumbnail it names: a path relative to the file that stays inside its folder
and names a file there, or a ``data:image/...`` URI (kept as it is). :func:`add_user_dataset`
copies the file, as ``datasets/<KEY>/dataset.json``, and its thumbnails, at the same relative
paths, into the catalog folder.

This module imports neither torch nor Pillow: the site build and ``pyvizzy build`` import it.
"""

from __future__ import annotations

import posixpath
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

from pyvizzy.dataset import Dataset, load_dataset
from pyvizzy.formats import DATASET_FILE
from pyvizzy.image_paths import IMAGE_DATA_PREFIX, relative_image_path
from pyvizzy.page_limits import size_problem
from pyvizzy.pipeline.errors import InputError

__all__ = [
    "KEY_PATTERN",
    "add_user_dataset",
    "check_user_datasets",
    "dataset_key",
    "parse_dataset_spec",
    "thumbnail_paths",
]

#: A catalog key: what ``?dataset=`` takes and the folder's name under ``datasets/``.
KEY_PATTERN = re.compile(r"[a-z0-9-]+")


def dataset_key(path: Path) -> str:
    """The key a dataset file gets by default: the name of the folder that holds it."""
    return Path(path).absolute().parent.name


def parse_dataset_spec(spec: str) -> tuple[str, Path]:
    """``(key, file)`` of a ``--dataset`` argument, ``FILE`` or ``KEY=FILE``.

    Raises
    ------
    InputError
        If the key is not made of ``a-z``, ``0-9`` and ``-`` (the message suggests
        ``KEY=FILE``).
    """
    head, sep, tail = spec.partition("=")
    if sep and head and "/" not in head:
        key, path, named = head, Path(tail), True
    else:
        path = Path(spec)
        key, named = dataset_key(path), False
    if not KEY_PATTERN.fullmatch(key):
        how = ("" if named else f" (the name of the folder that holds it); name one with "
                                f"KEY={spec}, such as mine={spec}")
        raise InputError(f"--dataset {spec}: the key {key!r} is not made of a-z, 0-9 and "
                         f"-{how}")
    return key, path


def check_user_datasets(datasets: Iterable[tuple[str, Path]], taken: Iterable[str],
                        default: str | None = None) -> list[tuple[str, Path]]:
    """The ``(key, file)`` pairs, once every key is checked (valid, none taken twice, none of
    ``taken``), ``default`` (if any) found among them and ``taken``, and every file validated,
    thumbnails included, and within the page's limits (:mod:`pyvizzy.page_limits`).

    Raises
    ------
    InputError
        At the first key or file that is wrong, naming it, or a ``default`` that names no
        dataset.
    pyvizzy.dataset.DatasetError
        If a file is not a valid dataset (naming its file, field and item).
    """
    pairs = [(key, Path(path)) for key, path in datasets]
    owners = dict.fromkeys(taken, "a dataset the site always has")
    for key, path in pairs:
        if not KEY_PATTERN.fullmatch(key):
            raise InputError(f"dataset {path}: the key {key!r} is not made of a-z, 0-9 and -")
        if key in owners:
            raise InputError(f"dataset {path}: its key {key!r} is taken by {owners[key]}; "
                             f"name another with KEY={path}")
        owners[key] = str(path)
    if default is not None and default not in owners:
        raise InputError(f"--default {default}: no such dataset (the keys are "
                         f"{', '.join(owners)})")
    for _key, path in pairs:
        dataset = load_dataset(path)
        problem = size_problem(dataset.n_items, dataset.n_classes)
        if problem:
            raise InputError(f"dataset {path} {problem}")
        thumbnail_paths(path, dataset)
    return pairs


def thumbnail_paths(path: Path, dataset: Dataset) -> list[str]:
    """The thumbnail files ``dataset`` (read from ``path``) names, relative to its folder.

    ``data:image/...`` URIs and items with no image name none.

    Raises
    ------
    InputError
        Naming the file, the field and the item of an image that is an address elsewhere,
        leaves the dataset's folder, or names no file.
    """
    folder = Path(path).absolute().parent
    found: dict[str, None] = {}
    for index, (item_id, image) in enumerate(zip(dataset.ids, dataset.images, strict=True)):
        if image is None or image.startswith(IMAGE_DATA_PREFIX):
            continue
        where = f"{path}: field 'items[{index}].image': item {index} (id {item_id!r})"
        normal = relative_image_path(image)
        if normal is None and posixpath.normpath(image).startswith(".."):
            raise InputError(f"{where}: {image!r} leaves the dataset's folder")
        if normal is None:
            raise InputError(f"{where}: {image!r} is not a path relative to the dataset file "
                             "(the page loads images only from the site, or data: URIs)")
        target = folder / normal
        if not target.is_file() or not target.resolve().is_relative_to(folder.resolve()):
            raise InputError(f"{where}: {image!r} names no file in the dataset's folder")
        found[normal] = None
    return list(found)


def add_user_dataset(catalog_dir: Path, key: str, path: Path) -> Dataset:
    """Copy the dataset file ``path`` and its thumbnails into ``catalog_dir/<key>/``.

    The file is validated again (it may have changed since :func:`check_user_datasets`) and
    copied byte for byte as ``dataset.json``; its thumbnails keep their relative paths.
    """
    path = Path(path)
    dataset = load_dataset(path)
    target = Path(catalog_dir) / key
    target.mkdir(parents=True)
    for relative in thumbnail_paths(path, dataset):
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path.absolute().parent / relative, target / relative)
    shutil.copyfile(path, target / DATASET_FILE)
    return dataset
