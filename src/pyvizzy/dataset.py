"""The dataset file: one JSON document per dataset.

The file is the contract between the data pipeline, the app, the site build and outside checks::

    {"format": "pyvizzy-dataset/1",
     "name": str, "description": str,
     "class_names": [str, ...],
     "provenance": {"source": str, "license": str, "method": str, "random_weights": bool?},
     "items": [{"id": str, "given": str, "truth": str | null,
                "embedding": [float, ...], "map": [float, float]?, "image": str | null}, ...]}

``given`` is one of ``class_names``; ``truth`` is one of ``class_names``, ``"OOD"`` or null
(unknown); ``map`` (optional, on every item or on none) is the item's point on a 2-D map of
the embeddings (:mod:`pyvizzy.projection`); ``image`` is a path relative to the file, or a
URL. Other top-level keys are kept as they are. The JSON Schema is ``dataset.schema.json``
beside this module and the prose description is ``docs/dataset-format.md``.

:func:`load_dataset` checks everything and raises :class:`DatasetError`, which names the file,
the field and the item (the rules are :mod:`pyvizzy.dataset_check`'s, which also lists every
problem of a file at once); :func:`save_dataset` writes atomically (temporary file, then rename).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pyvizzy.dataset_check import (
    TOP_FIELDS,
    DatasetError,
    iter_problems,
    parse_document,
    read_document,
)
from pyvizzy.files import write_text_atomic
from pyvizzy.formats import DATASET_FORMAT, OOD_LABEL, TRUTH_OOD, TRUTH_UNKNOWN

__all__ = [
    "Dataset",
    "DatasetError",
    "dataset_from_dict",
    "dataset_to_dict",
    "load_dataset",
    "loads_dataset",
    "save_dataset",
]


@dataclass(frozen=True, eq=False)
class Dataset:
    """A labelled dataset with embeddings, as held in memory.

    Attributes
    ----------
    name, description : str
        Human-readable name and one-paragraph description.
    class_names : tuple of str
        The K class names; labels are indices into this tuple.
    provenance : dict
        ``source``, ``license`` and ``method`` strings, optionally ``random_weights`` (bool).
    ids : tuple of str
        Unique item ids, in file order.
    given : ndarray of shape (n,), int64
        Given (possibly noisy) label of each item.
    truth : ndarray of shape (n,), int64
        True label: a class index, ``TRUTH_OOD`` (-1) or ``TRUTH_UNKNOWN`` (-2).
    embeddings : ndarray of shape (n, d), float64
        The feature vector of each item.
    images : tuple of (str or None)
        Thumbnail of each item: a path relative to the dataset file, a URL, or None.
    map : ndarray of shape (n, 2), float64, or None
        Each item's point ``(x, y)`` on a 2-D map of the embeddings (the file's optional
        ``items[].map``), or None when the file has none.
    extra : dict
        Other top-level keys of the file, kept unchanged on save.
    """

    name: str
    description: str
    class_names: tuple[str, ...]
    provenance: dict
    ids: tuple[str, ...]
    given: np.ndarray
    truth: np.ndarray
    embeddings: np.ndarray
    images: tuple[str | None, ...]
    map: np.ndarray | None = None
    extra: dict = field(default_factory=dict)

    @property
    def n_items(self) -> int:
        """Number of items."""
        return len(self.ids)

    @property
    def n_classes(self) -> int:
        """Number of classes K."""
        return len(self.class_names)

    @property
    def has_truth(self) -> bool:
        """Whether any item's true label is known."""
        return bool(np.any(self.truth != TRUTH_UNKNOWN))

    @property
    def random_weights(self) -> bool:
        """Whether the embeddings came from a network with random (untrained) weights."""
        return bool(self.provenance.get("random_weights", False))

    def with_given(self, new_given) -> Dataset:
        """Return a copy with other given labels (a relabelled dataset).

        Parameters
        ----------
        new_given : array-like of shape (n,)
            Class indices in ``range(n_classes)``.
        """
        labels = np.asarray(new_given)
        if labels.shape != (self.n_items,) or not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(f"new_given must be {self.n_items} integers, got {labels.shape}")
        if labels.size and (labels.min() < 0 or labels.max() >= self.n_classes):
            raise ValueError(f"new_given holds labels outside 0..{self.n_classes - 1}")
        return Dataset(
            name=self.name,
            description=self.description,
            class_names=self.class_names,
            provenance=dict(self.provenance),
            ids=self.ids,
            given=labels.astype(np.int64),
            truth=self.truth,
            embeddings=self.embeddings,
            images=self.images,
            map=self.map,
            extra=dict(self.extra),
        )


def dataset_from_dict(obj: Any, source: str = "<dataset>") -> Dataset:
    """Validate a parsed dataset document and build a :class:`Dataset`.

    Parameters
    ----------
    obj : object
        The parsed JSON document.
    source : str
        Where it came from, used in error messages.

    Returns
    -------
    Dataset

    Raises
    ------
    DatasetError
        Naming the file, field and item of the first problem found
        (:func:`pyvizzy.dataset_check.iter_problems`, which finds them all).
    """
    problem = next(iter_problems(obj, source), None)
    if problem is not None:
        raise problem
    class_names = tuple(obj["class_names"])
    index = {name: k for k, name in enumerate(class_names)}
    truth_code = {**index, OOD_LABEL: TRUTH_OOD, None: TRUTH_UNKNOWN}
    items = obj["items"]
    return Dataset(
        name=obj["name"],
        description=obj["description"],
        class_names=class_names,
        provenance=dict(obj["provenance"]),
        ids=tuple(item["id"] for item in items),
        given=np.asarray([index[item["given"]] for item in items], dtype=np.int64),
        truth=np.asarray([truth_code[item.get("truth")] for item in items], dtype=np.int64),
        embeddings=np.asarray([item["embedding"] for item in items], dtype=np.float64),
        images=tuple(item.get("image") for item in items),
        map=_map_array(items),
        extra={key: value for key, value in obj.items() if key not in TOP_FIELDS},
    )


def _map_array(items: list) -> np.ndarray | None:
    """The items' ``map`` points as an (n, 2) float64 array, or None when they have none."""
    if "map" not in items[0]:
        return None  # (the rules hold: every item has a map, or none does)
    return np.asarray([item["map"] for item in items], dtype=np.float64)


def dataset_to_dict(dataset: Dataset) -> dict:
    """Convert a :class:`Dataset` to its JSON document (inverse of :func:`dataset_from_dict`)."""
    names = dataset.class_names

    def true_name(index):
        if index == TRUTH_UNKNOWN:
            return None
        if index == TRUTH_OOD:
            return OOD_LABEL
        return names[index]

    points = dataset.map if dataset.map is not None else (None,) * dataset.n_items
    items = []
    for item_id, label, true_label, embedding, point, image in zip(
        dataset.ids,
        dataset.given,
        dataset.truth,
        dataset.embeddings,
        points,
        dataset.images,
        strict=True,
    ):
        item = {
            "id": item_id,
            "given": names[int(label)],
            "truth": true_name(int(true_label)),
            "embedding": [float(x) for x in embedding],
        }
        if point is not None:
            item["map"] = [float(x) for x in point]
        item["image"] = image
        items.append(item)
    document = {
        "format": DATASET_FORMAT,
        "name": dataset.name,
        "description": dataset.description,
        "class_names": list(names),
        "provenance": dict(dataset.provenance),
        "items": items,
    }
    document.update({k: v for k, v in dataset.extra.items() if k not in document})
    return document


def loads_dataset(text: str | bytes, source: str = "<dataset>") -> Dataset:
    """Parse and validate a dataset document from JSON text.

    Parameters
    ----------
    text : str or bytes
        The JSON text.
    source : str
        Where it came from (a file name or URL), used in error messages.
    """
    return dataset_from_dict(parse_document(text, source), source)


def load_dataset(path: str | os.PathLike) -> Dataset:
    """Read and validate a dataset file.

    Raises
    ------
    DatasetError
        If the file cannot be read or is invalid; the message names the file, field and item.
    """
    return dataset_from_dict(read_document(path), str(path))


def save_dataset(dataset: Dataset, path: str | os.PathLike, *, indent: int | None = None) -> None:
    """Write a dataset file atomically.

    The document is validated first, written to a temporary file in the same folder and then
    renamed over ``path``, so a reader never sees a half-written file and a failure leaves any
    existing file untouched.

    Parameters
    ----------
    dataset : Dataset
    path : path-like
    indent : int, optional
        JSON indentation; compact by default.
    """
    path = Path(path)
    document = dataset_to_dict(dataset)
    dataset_from_dict(document, str(path))  # never write what we would refuse to read
    text = json.dumps(document, indent=indent, ensure_ascii=False, allow_nan=False)
    write_text_atomic(path, text + "\n")
