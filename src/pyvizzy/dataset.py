"""The dataset file: one JSON document per dataset.

The file is the contract between the data pipeline, the app, the site build and outside checks::

    {"format": "pyvizzy-dataset/1",
     "name": str, "description": str,
     "class_names": [str, ...],
     "provenance": {"source": str, "license": str, "method": str, "random_weights": bool?},
     "items": [{"id": str, "given": str, "truth": str | null,
                "embedding": [float, ...], "image": str | null}, ...]}

``given`` is one of ``class_names``; ``truth`` is one of ``class_names``, ``"OOD"`` or null
(unknown); ``image`` is a path relative to the file, or a URL. Other top-level keys are kept
as they are. The JSON Schema is ``dataset.schema.json`` beside this module and the prose
description is ``docs/dataset-format.md``.

:func:`load_dataset` checks everything and raises :class:`DatasetError`, which names the file,
the field and the item; :func:`save_dataset` writes atomically (temporary file, then rename).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pyvizzy.files import write_text_atomic
from pyvizzy.formats import (
    DATASET_FORMAT,
    MIN_ITEMS_PER_CLASS,
    OOD_LABEL,
    TRUTH_OOD,
    TRUTH_UNKNOWN,
)

__all__ = [
    "Dataset",
    "DatasetError",
    "dataset_from_dict",
    "dataset_to_dict",
    "load_dataset",
    "loads_dataset",
    "save_dataset",
]

_PROVENANCE_FIELDS = ("source", "license", "method")
_ITEM_FIELDS = ("id", "given", "truth", "embedding", "image")
_TOP_FIELDS = ("format", "name", "description", "class_names", "provenance", "items")


class DatasetError(ValueError):
    """A dataset file or object is invalid.

    Parameters
    ----------
    source : str
        The file (or another description of where the data came from).
    message : str
        What is wrong.
    field : str, optional
        The JSON field, as a dotted path (``"items[12].embedding"``).
    item : int, optional
        The index of the offending item, if any.
    item_id : str, optional
        The id of the offending item, if known.
    """

    def __init__(self, source, message, *, field=None, item=None, item_id=None):
        self.source = str(source)
        self.field = field
        self.item = item
        self.item_id = item_id
        self.reason = message
        where = [self.source]
        if field is not None:
            where.append(f"field {field!r}")
        if item is not None:
            where.append(f"item {item}" + (f" (id {item_id!r})" if item_id is not None else ""))
        super().__init__(f"{': '.join(where)}: {message}")


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
            extra=dict(self.extra),
        )


def _require_str(source, obj, key, path, *, item=None, item_id=None):
    if key not in obj:
        raise DatasetError(source, "missing", field=path, item=item, item_id=item_id)
    value = obj[key]
    if not isinstance(value, str):
        raise DatasetError(
            source,
            f"must be a string, got {type(value).__name__}",
            field=path,
            item=item,
            item_id=item_id,
        )
    return value


def _check_class_names(source, value):
    if not isinstance(value, list) or not value:
        raise DatasetError(source, "must be a non-empty list of strings", field="class_names")
    for k, name in enumerate(value):
        if not isinstance(name, str) or not name.strip():
            raise DatasetError(source, "must be a non-empty string", field=f"class_names[{k}]")
        if name == OOD_LABEL:
            raise DatasetError(
                source, f"{OOD_LABEL!r} is reserved for true labels", field=f"class_names[{k}]"
            )
    duplicates = sorted({name for name in value if value.count(name) > 1})
    if duplicates:
        raise DatasetError(source, f"duplicate class names {duplicates}", field="class_names")
    return tuple(value)


def _check_provenance(source, value):
    if not isinstance(value, dict):
        raise DatasetError(source, "must be an object", field="provenance")
    for key in _PROVENANCE_FIELDS:
        _require_str(source, value, key, f"provenance.{key}")
    if "random_weights" in value and not isinstance(value["random_weights"], bool):
        raise DatasetError(source, "must be true or false", field="provenance.random_weights")
    return dict(value)


def _check_embedding(source, value, index, item_id, dims):
    path = f"items[{index}].embedding"
    if not isinstance(value, list) or not value:
        raise DatasetError(
            source, "must be a non-empty list of numbers", field=path, item=index, item_id=item_id
        )
    for j, x in enumerate(value):
        if isinstance(x, bool) or not isinstance(x, int | float):
            raise DatasetError(
                source,
                f"element {j} is {type(x).__name__}, not a number",
                field=path,
                item=index,
                item_id=item_id,
            )
        if not math.isfinite(x):
            raise DatasetError(
                source, f"element {j} is not finite ({x})", field=path, item=index, item_id=item_id
            )
    if dims is not None and len(value) != dims:
        raise DatasetError(
            source,
            f"has {len(value)} values but earlier items have {dims} (ragged embeddings)",
            field=path,
            item=index,
            item_id=item_id,
        )
    return value


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
        Naming the file, field and item of the first problem found.
    """
    if not isinstance(obj, dict):
        raise DatasetError(source, f"the document must be a JSON object, got {type(obj).__name__}")
    fmt = _require_str(source, obj, "format", "format")
    if fmt != DATASET_FORMAT:
        raise DatasetError(
            source, f"unsupported format {fmt!r}, expected {DATASET_FORMAT!r}", field="format"
        )
    name = _require_str(source, obj, "name", "name")
    description = _require_str(source, obj, "description", "description")
    if "class_names" not in obj:
        raise DatasetError(source, "missing", field="class_names")
    class_names = _check_class_names(source, obj["class_names"])
    if "provenance" not in obj:
        raise DatasetError(source, "missing", field="provenance")
    provenance = _check_provenance(source, obj["provenance"])
    if "items" not in obj:
        raise DatasetError(source, "missing", field="items")
    items = obj["items"]
    if not isinstance(items, list) or not items:
        raise DatasetError(source, "must be a non-empty list of objects", field="items")

    class_index = {name: k for k, name in enumerate(class_names)}
    ids, given, truth, embeddings, images = [], [], [], [], []
    first_seen: dict[str, int] = {}
    dims = None
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise DatasetError(source, "must be an object", field=f"items[{i}]", item=i)
        item_id = _require_str(source, item, "id", f"items[{i}].id", item=i)
        if not item_id:
            raise DatasetError(source, "must not be empty", field=f"items[{i}].id", item=i)
        if item_id in first_seen:
            raise DatasetError(
                source,
                f"duplicate id (first used by item {first_seen[item_id]})",
                field=f"items[{i}].id",
                item=i,
                item_id=item_id,
            )
        first_seen[item_id] = i
        label = _require_str(source, item, "given", f"items[{i}].given", item=i, item_id=item_id)
        if label not in class_index:
            raise DatasetError(
                source,
                f"unknown label {label!r}; expected one of {list(class_names)}",
                field=f"items[{i}].given",
                item=i,
                item_id=item_id,
            )
        true_label = item.get("truth")
        if true_label is None:
            true_index = TRUTH_UNKNOWN
        elif true_label == OOD_LABEL:
            true_index = TRUTH_OOD
        elif isinstance(true_label, str) and true_label in class_index:
            true_index = class_index[true_label]
        else:
            raise DatasetError(
                source,
                f"unknown true label {true_label!r}; expected one of "
                f"{[*class_names, OOD_LABEL]} or null",
                field=f"items[{i}].truth",
                item=i,
                item_id=item_id,
            )
        if "embedding" not in item:
            raise DatasetError(
                source, "missing", field=f"items[{i}].embedding", item=i, item_id=item_id
            )
        embedding = _check_embedding(source, item["embedding"], i, item_id, dims)
        dims = len(embedding)
        image = item.get("image")
        if image is not None and (not isinstance(image, str) or not image):
            raise DatasetError(
                source,
                "must be a non-empty string or null",
                field=f"items[{i}].image",
                item=i,
                item_id=item_id,
            )
        ids.append(item_id)
        given.append(class_index[label])
        truth.append(true_index)
        embeddings.append(embedding)
        images.append(image)

    given_array = np.asarray(given, dtype=np.int64)
    counts = np.bincount(given_array.astype(np.intp), minlength=len(class_names))
    for k, count in enumerate(counts):
        if count == 0:
            raise DatasetError(
                source, f"class {class_names[k]!r} has no items", field=f"class_names[{k}]"
            )
        if count < MIN_ITEMS_PER_CLASS:
            raise DatasetError(
                source,
                f"class {class_names[k]!r} has {count} items; 5-fold cross-validation needs at "
                f"least {MIN_ITEMS_PER_CLASS} per class",
                field=f"class_names[{k}]",
            )
    extra = {key: value for key, value in obj.items() if key not in _TOP_FIELDS}
    return Dataset(
        name=name,
        description=description,
        class_names=class_names,
        provenance=provenance,
        ids=tuple(ids),
        given=given_array,
        truth=np.asarray(truth, dtype=np.int64),
        embeddings=np.asarray(embeddings, dtype=np.float64),
        images=tuple(images),
        extra=extra,
    )


def dataset_to_dict(dataset: Dataset) -> dict:
    """Convert a :class:`Dataset` to its JSON document (inverse of :func:`dataset_from_dict`)."""
    names = dataset.class_names

    def true_name(index):
        if index == TRUTH_UNKNOWN:
            return None
        if index == TRUTH_OOD:
            return OOD_LABEL
        return names[index]

    items = [
        {
            "id": item_id,
            "given": names[int(label)],
            "truth": true_name(int(true_label)),
            "embedding": [float(x) for x in embedding],
            "image": image,
        }
        for item_id, label, true_label, embedding, image in zip(
            dataset.ids,
            dataset.given,
            dataset.truth,
            dataset.embeddings,
            dataset.images,
            strict=True,
        )
    ]
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
    try:
        obj = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DatasetError(source, f"not valid JSON ({error})") from None
    return dataset_from_dict(obj, source)


def load_dataset(path: str | os.PathLike) -> Dataset:
    """Read and validate a dataset file.

    Raises
    ------
    DatasetError
        If the file cannot be read or is invalid; the message names the file, field and item.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise DatasetError(path, f"cannot be read ({error.strerror or error})") from None
    return loads_dataset(data, str(path))


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
