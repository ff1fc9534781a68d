"""The rules of the dataset file, each problem named by file, field and item.

:func:`iter_problems` walks a parsed dataset document and yields a :class:`DatasetError` for
every rule it breaks, in document order (the top-level fields, then item by item, then the
class sizes). :func:`pyvizzy.dataset.dataset_from_dict` raises the first one;
:func:`dataset_problems` reads a file and collects them all (``pyvizzy check``). The rules
themselves are described in ``docs/dataset-format.md``.

:func:`parse_document` is the one place a dataset's text is parsed: it first refuses text
nested deeper than :data:`~pyvizzy.formats.MAX_JSON_DEPTH`
(:func:`pyvizzy.json_text.too_deep_at`, a linear vectorised pass), which would otherwise
exhaust the parser's stack (a fatal error in Pyodide). The rules also refuse what the rest
of pyvizzy could not use or write back: an embedding's value beyond
:data:`~pyvizzy.formats.MAX_EMBEDDING_MAGNITUDE` or too large for a float, a string holding a
lone surrogate (not text: UTF-8 cannot encode it), and NaN or infinity among the other keys
kept, so that every document they accept can be saved. An item's optional ``map``, its point
``[x, y]`` on the embedding map, is held to the embedding's bounds, and either every item has
one or none does.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pyvizzy.formats import (
    DATASET_FORMAT,
    MAX_EMBEDDING_MAGNITUDE,
    MAX_JSON_DEPTH,
    MIN_ITEMS_PER_CLASS,
    OOD_LABEL,
)
from pyvizzy.json_text import long_integer_at, too_deep_at

__all__ = [
    "TOP_FIELDS",
    "DatasetError",
    "dataset_problems",
    "embedding_value_problem",
    "iter_problems",
    "map_problem",
    "parse_document",
    "read_document",
]

#: The top-level fields of a dataset document; other top-level keys are kept as they are.
TOP_FIELDS = ("format", "name", "description", "class_names", "provenance", "items")
_PROVENANCE_FIELDS = ("source", "license", "method")


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


def _text_problem(text: str) -> str | None:
    """Why the string ``text`` cannot be written as UTF-8 (it holds a lone surrogate), or None."""
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return (f"holds a lone surrogate U+{ord(text[error.start]):04X} at character "
                f"{error.start}, which is not text (UTF-8 cannot encode it)")
    return None


def _str_problem(source, obj, key, path, *, item=None, item_id=None):
    """The problem of ``obj[key]`` as a required string, or None."""
    if key not in obj:
        return DatasetError(source, "missing", field=path, item=item, item_id=item_id)
    if not isinstance(obj[key], str):
        return DatasetError(source, f"must be a string, got {type(obj[key]).__name__}",
                            field=path, item=item, item_id=item_id)
    reason = _text_problem(obj[key])
    if reason:
        return DatasetError(source, reason, field=path, item=item, item_id=item_id)
    return None


def _kept_problems(source, kept: dict, prefix: str = "") -> Iterator[DatasetError]:
    """What JSON cannot write back of the keys kept as they are (``kept``, by name, whose
    fields are ``prefix + name``): a lone surrogate in a string or a key, NaN or infinity, a
    value of a type that is not JSON's."""
    stack = [(f"{prefix}{key}", key, value) for key, value in reversed(kept.items())]
    while stack:
        path, key, value = stack.pop()
        reason = _text_problem(key) if isinstance(key, str) else None
        if reason:
            reason = f"its key {reason}"
        elif isinstance(value, str):
            reason = _text_problem(value)
        elif isinstance(value, float) and not math.isfinite(value):
            reason = f"is {value}, which JSON cannot hold"
        elif isinstance(value, dict):
            stack.extend((f"{path}.{k}", k, inner) for k, inner in reversed(value.items()))
        elif isinstance(value, list | tuple):
            stack.extend((f"{path}[{k}]", None, inner)
                         for k, inner in reversed(list(enumerate(value))))
        elif value is not None and not isinstance(value, int | float):
            reason = f"is {type(value).__name__}, not a JSON value"
        if reason:
            yield DatasetError(source, reason, field=path)


def _class_names_problems(source, value) -> Iterator[DatasetError]:
    if not isinstance(value, list) or not value:
        yield DatasetError(source, "must be a non-empty list of strings", field="class_names")
        return
    for k, name in enumerate(value):
        if not isinstance(name, str) or not name.strip():
            yield DatasetError(source, "must be a non-empty string", field=f"class_names[{k}]")
        elif _text_problem(name):
            yield DatasetError(source, _text_problem(name), field=f"class_names[{k}]")
        elif name == OOD_LABEL:
            yield DatasetError(source, f"{OOD_LABEL!r} is reserved for true labels",
                               field=f"class_names[{k}]")
    duplicates = sorted({name for name in value if isinstance(name, str)
                         and value.count(name) > 1})
    if duplicates:
        yield DatasetError(source, f"duplicate class names {duplicates}", field="class_names")


def _provenance_problems(source, value) -> Iterator[DatasetError]:
    if not isinstance(value, dict):
        yield DatasetError(source, "must be an object", field="provenance")
        return
    for key in _PROVENANCE_FIELDS:
        problem = _str_problem(source, value, key, f"provenance.{key}")
        if problem:
            yield problem
    if "random_weights" in value and not isinstance(value["random_weights"], bool):
        yield DatasetError(source, "must be true or false", field="provenance.random_weights")
    others = {key: inner for key, inner in value.items()
              if key not in (*_PROVENANCE_FIELDS, "random_weights")}
    yield from _kept_problems(source, others, "provenance.")


def _top_problems(source, obj) -> Iterator[DatasetError]:
    """The top-level fields' problems (``format`` to ``items``, not the items themselves)."""
    problem = _str_problem(source, obj, "format", "format")
    if problem:
        yield problem
    elif obj["format"] != DATASET_FORMAT:
        yield DatasetError(source, f"unsupported format {obj['format']!r}, expected "
                                   f"{DATASET_FORMAT!r}", field="format")
    for key in ("name", "description"):
        problem = _str_problem(source, obj, key, key)
        if problem:
            yield problem
    for key, check in (("class_names", _class_names_problems),
                       ("provenance", _provenance_problems)):
        if key not in obj:
            yield DatasetError(source, "missing", field=key)
        else:
            yield from check(source, obj[key])
    if "items" not in obj:
        yield DatasetError(source, "missing", field="items")
    elif not isinstance(obj["items"], list) or not obj["items"]:
        yield DatasetError(source, "must be a non-empty list of objects", field="items")
    yield from _kept_problems(source, {key: value for key, value in obj.items()
                                       if key not in TOP_FIELDS})


def embedding_value_problem(value, advice: str = "scale the embeddings down") -> str | None:
    """Why ``value`` cannot be a value of an embedding, or None.

    It must be a number (not a bool) that converts to a finite float64 of magnitude at most
    :data:`~pyvizzy.formats.MAX_EMBEDDING_MAGNITUDE` (the most training survives, with a
    wide margin). The reason reads after the value's name (``"element 3 " + reason``);
    ``advice`` ends the reason for a magnitude beyond the bound, in parentheses.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"is {type(value).__name__}, not a number"
    try:
        number = float(value)
    except OverflowError:
        return "is an integer too large for a 64-bit float"
    if not math.isfinite(number):
        return f"is not finite ({number})"
    if abs(number) > MAX_EMBEDDING_MAGNITUDE:
        return (f"is {number!r}, beyond the largest magnitude {MAX_EMBEDDING_MAGNITUDE:g} "
                f"({advice})")
    return None


def _embedding_problem(source, value, index, item_id, dims):
    """The problem of item ``index``'s embedding (``dims``: earlier items' length), or None."""
    path = f"items[{index}].embedding"

    def problem(message):
        return DatasetError(source, message, field=path, item=index, item_id=item_id)

    if not isinstance(value, list) or not value:
        return problem("must be a non-empty list of numbers")
    for j, x in enumerate(value):
        if type(x) is float and -MAX_EMBEDDING_MAGNITUDE <= x <= MAX_EMBEDDING_MAGNITUDE:
            continue  # the common case, quickly (NaN fails the comparison)
        reason = embedding_value_problem(x)
        if reason:
            return problem(f"element {j} {reason}")
    if dims is not None and len(value) != dims:
        return problem(f"has {len(value)} values but earlier items have {dims} "
                       "(ragged embeddings)")
    return None


def map_problem(value) -> str | None:
    """Why ``value`` cannot be an item's ``map`` (its point ``[x, y]``), or None.

    It must be a list of two numbers, each one an embedding's value may be
    (:func:`embedding_value_problem`). The reason reads after the field's name.
    """
    if not isinstance(value, list):
        return f"must be a list of 2 numbers [x, y], got {type(value).__name__}"
    if len(value) != 2:
        return f"has {len(value)} values but a map point has 2 ([x, y])"
    for j, x in enumerate(value):
        reason = embedding_value_problem(x, advice="scale the map down")
        if reason:
            return f"element {j} {reason}"
    return None


def _map_presence_problem(has_map, first_has_map) -> str | None:
    """Why an item with (or without) a map breaks the rule that all or none have one."""
    if has_map == first_has_map:
        return None
    if first_has_map:
        return "missing, but earlier items have a map (every item has one or none does)"
    return "present, but earlier items have none (every item has one or none does)"


class _ItemChecker:
    """Checks items one by one, remembering the ids seen and the embeddings' length."""

    def __init__(self, source, class_names):
        self.source = source
        self.class_names = class_names  # None when class_names itself is invalid
        self.first_seen: dict[str, int] = {}
        self.dims = None
        self.first_has_map = None  # whether the first item (an object) has a map
        self.counts = [0] * len(class_names or ())

    def problems(self, i, item) -> Iterator[DatasetError]:
        source, path = self.source, f"items[{i}]"
        if not isinstance(item, dict):
            yield DatasetError(source, "must be an object", field=path, item=i)
            return
        item_id = item.get("id")
        problem = _str_problem(source, item, "id", f"{path}.id", item=i)
        if problem is None and not item_id:
            problem = DatasetError(source, "must not be empty", field=f"{path}.id", item=i)
        elif problem is None and item_id in self.first_seen:
            problem = DatasetError(source, f"duplicate id (first used by item "
                                           f"{self.first_seen[item_id]})",
                                   field=f"{path}.id", item=i, item_id=item_id)
        if problem:
            yield problem
            item_id = item_id if isinstance(item_id, str) and item_id else None
        else:
            self.first_seen[item_id] = i
        yield from self._label_problems(i, item, item_id)
        if "embedding" not in item:
            yield DatasetError(source, "missing", field=f"{path}.embedding", item=i,
                               item_id=item_id)
        else:
            problem = _embedding_problem(source, item["embedding"], i, item_id, self.dims)
            if problem:
                yield problem
            elif self.dims is None:
                self.dims = len(item["embedding"])
        problem = self._map_problem(i, item, item_id)
        if problem:
            yield problem
        image = item.get("image")
        if image is not None and (not isinstance(image, str) or not image):
            yield DatasetError(source, "must be a non-empty string or null",
                               field=f"{path}.image", item=i, item_id=item_id)
        elif image is not None and _text_problem(image):
            yield DatasetError(source, _text_problem(image), field=f"{path}.image", item=i,
                               item_id=item_id)

    def _map_problem(self, i, item, item_id) -> DatasetError | None:
        has_map = "map" in item
        if self.first_has_map is None:
            self.first_has_map = has_map
        reason = _map_presence_problem(has_map, self.first_has_map)
        if reason is None and has_map:
            reason = map_problem(item["map"])
        if reason is None:
            return None
        return DatasetError(self.source, reason, field=f"items[{i}].map", item=i,
                            item_id=item_id)

    def _label_problems(self, i, item, item_id) -> Iterator[DatasetError]:
        source, path, names = self.source, f"items[{i}]", self.class_names
        problem = _str_problem(source, item, "given", f"{path}.given", item=i, item_id=item_id)
        if problem:
            yield problem
        elif names is not None and item["given"] not in names:
            yield DatasetError(source, f"unknown label {item['given']!r}; expected one of "
                                       f"{list(names)}",
                               field=f"{path}.given", item=i, item_id=item_id)
        elif names is not None:
            self.counts[names.index(item["given"])] += 1
        truth = item.get("truth")
        if names is not None and truth is not None and truth != OOD_LABEL and not (
                isinstance(truth, str) and truth in names):
            yield DatasetError(source, f"unknown true label {truth!r}; expected one of "
                                       f"{[*names, OOD_LABEL]} or null",
                               field=f"{path}.truth", item=i, item_id=item_id)

    def class_size_problems(self) -> Iterator[DatasetError]:
        for k, count in enumerate(self.counts):
            name, field = self.class_names[k], f"class_names[{k}]"
            if count == 0:
                yield DatasetError(self.source, f"class {name!r} has no items", field=field)
            elif count < MIN_ITEMS_PER_CLASS:
                yield DatasetError(self.source, f"class {name!r} has {count} items; 5-fold "
                                                f"cross-validation needs at least "
                                                f"{MIN_ITEMS_PER_CLASS} per class", field=field)


def iter_problems(obj: Any, source: str = "<dataset>") -> Iterator[DatasetError]:
    """Every rule a parsed dataset document breaks, as :class:`DatasetError`, in order.

    Lazy: a caller that wants only the first problem stops the walk there. Where
    ``class_names`` itself is invalid the items' labels are not checked against it, and the
    class sizes are checked only when every item's labels are.

    Parameters
    ----------
    obj : object
        The parsed JSON document.
    source : str
        Where it came from, used in the messages.
    """
    if not isinstance(obj, dict):
        yield DatasetError(source, f"the document must be a JSON object, got "
                                   f"{type(obj).__name__}")
        return
    names_valid = True
    for problem in _top_problems(source, obj):
        names_valid = names_valid and not (problem.field or "").startswith("class_names")
        yield problem
    items = obj.get("items")
    if not isinstance(items, list):
        return
    checker = _ItemChecker(source, tuple(obj["class_names"]) if names_valid else None)
    labels_valid = True
    for i, item in enumerate(items):
        for problem in checker.problems(i, item):
            labels_valid = labels_valid and not problem.field.endswith((".given", f"[{i}]"))
            yield problem
    if names_valid and labels_valid:
        yield from checker.class_size_problems()


def read_document(path: str | os.PathLike) -> Any:
    """The parsed JSON of the dataset file ``path``.

    Raises
    ------
    DatasetError
        If the file cannot be read or is not JSON.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise DatasetError(path, f"cannot be read ({error.strerror or error})") from None
    return parse_document(data, str(path))


def parse_document(text: str | bytes, source: str) -> Any:
    """The parsed JSON ``text``, or a :class:`DatasetError` naming ``source``.

    Text nested deeper than :data:`~pyvizzy.formats.MAX_JSON_DEPTH` is refused before it is
    parsed (:func:`pyvizzy.json_text.too_deep_at`), and so is an integer longer than Python
    reads, each naming its line and column.
    """
    try:
        deep = too_deep_at(text, MAX_JSON_DEPTH)
        if deep is None:
            return json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DatasetError(source, f"not valid JSON ({error})") from None
    except ValueError as error:  # an integer longer than Python reads
        found = long_integer_at(text)
        if found is None:
            raise DatasetError(source, f"not valid JSON ({error})") from None
        line, column, digits, limit = found
        raise DatasetError(source, f"line {line}, column {column}: a number of {digits} "
                                   f"digits, more than the {limit} Python reads") from None
    line, column = deep
    raise DatasetError(source, f"line {line}, column {column}: arrays and objects nested "
                               f"deeper than {MAX_JSON_DEPTH} levels (a dataset needs 4)")


def dataset_problems(path: str | os.PathLike, limit: int | None = None) -> list[str]:
    """Every problem of the dataset file ``path``, one line each (empty: the file is valid).

    Parameters
    ----------
    path : path-like
    limit : int, optional
        Stop after this many (the walk is lazy, so a huge broken file stays cheap).

    Returns
    -------
    list of str
        Each names the file, the field and the item (index and id) where they apply.
    """
    try:
        document = read_document(path)
    except DatasetError as error:
        return [str(error)]
    found = []
    for problem in iter_problems(document, str(path)):
        found.append(str(problem))
        if limit is not None and len(found) >= limit:
            break
    return found
