"""Tests of the dataset file: round trips, the JSON Schema, and every kind of bad input."""

import copy
import json
import os
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from pyvizzy.dataset import (
    Dataset,
    DatasetError,
    dataset_from_dict,
    dataset_to_dict,
    load_dataset,
    loads_dataset,
    save_dataset,
)
from pyvizzy.formats import DATASET_FORMAT, OOD_LABEL, TRUTH_OOD, TRUTH_UNKNOWN

SCHEMA = json.loads(
    (Path(__file__).parents[1] / "src" / "pyvizzy" / "dataset.schema.json").read_text()
)


def make_document(n_per_class=6, class_names=("cat", "dog", "bear"), dims=4, seed=0):
    """A small valid dataset document with some true labels, one OOD and one unknown."""
    rng = np.random.default_rng(seed)
    items = []
    for name in class_names:
        for j in range(n_per_class):
            items.append(
                {
                    "id": f"{name}-{j}",
                    "given": name,
                    "truth": name,
                    "embedding": rng.normal(size=dims).round(6).tolist(),
                    "image": f"thumbs/{name}-{j}.png",
                }
            )
    items[0]["truth"] = "OOD"
    items[1]["truth"] = None
    items[2]["truth"] = class_names[1]
    items[3]["image"] = None
    return {
        "format": DATASET_FORMAT,
        "name": "tiny",
        "description": "a tiny test set",
        "class_names": list(class_names),
        "provenance": {"source": "generated", "license": "CC0-1.0", "method": "random"},
        "items": items,
    }


def test_round_trip_through_a_file(tmp_path):
    document = make_document()
    document["extra_key"] = {"kept": True}
    path = tmp_path / "sub" / "dataset.json"
    dataset = dataset_from_dict(document, "memory")
    save_dataset(dataset, path)
    again = load_dataset(path)
    assert dataset_to_dict(again) == document
    assert again.class_names == ("cat", "dog", "bear")
    assert again.given.dtype == np.int64 and again.given.tolist() == [0] * 6 + [1] * 6 + [2] * 6
    assert again.truth[0] == TRUTH_OOD and again.truth[1] == TRUTH_UNKNOWN and again.truth[2] == 1
    assert again.embeddings.shape == (18, 4)
    assert again.images[3] is None and again.images[4] == "thumbs/cat-4.png"
    assert again.has_truth and not again.random_weights
    assert list(tmp_path.joinpath("sub").iterdir()) == [path]  # no temporary file left


def test_valid_document_satisfies_the_json_schema():
    document = make_document()
    jsonschema.validate(document, SCHEMA)
    dataset_to_dict(dataset_from_dict(document))  # and the loader accepts it


def test_json_schema_repeats_the_shared_names_of_pyvizzy_formats():
    assert SCHEMA["properties"]["format"]["const"] == DATASET_FORMAT
    assert SCHEMA["properties"]["class_names"]["items"]["not"]["const"] == OOD_LABEL


def test_random_weights_and_has_truth_flags():
    document = make_document()
    document["provenance"]["random_weights"] = True
    for item in document["items"]:
        item["truth"] = None
    dataset = dataset_from_dict(document)
    assert dataset.random_weights
    assert not dataset.has_truth


def test_with_given_returns_a_relabelled_copy():
    dataset = dataset_from_dict(make_document())
    new_labels = dataset.given.copy()
    new_labels[0] = 2
    relabelled = dataset.with_given(new_labels)
    assert relabelled.given[0] == 2 and dataset.given[0] == 0
    assert relabelled.ids == dataset.ids
    with pytest.raises(ValueError, match="outside"):
        dataset.with_given(np.full(dataset.n_items, 3))
    with pytest.raises(ValueError, match="18 integers"):
        dataset.with_given(new_labels[:-1])


def mutate(path, value):
    """Return a copy of the valid document with the value at a dotted/indexed path replaced."""
    document = make_document()
    target = document
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if isinstance(target, list) else target[key]
    last = keys[-1]
    if value is KeyError:
        del target[last]
    elif isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return document


BAD_INPUTS = [
    # (mutation path, new value, field named in the error, item index, words in the message)
    ("format", "something/2", "format", None, "unsupported format"),
    ("name", KeyError, "name", None, "missing"),
    ("description", 3, "description", None, "must be a string"),
    ("class_names", [], "class_names", None, "non-empty list"),
    ("class_names", ["cat", "cat", "bear"], "class_names", None, "duplicate class names"),
    ("class_names", ["cat", "OOD", "bear"], "class_names[1]", None, "reserved"),
    ("provenance.license", KeyError, "provenance.license", None, "missing"),
    ("provenance.random_weights", "yes", "provenance.random_weights", None, "true or false"),
    ("items", [], "items", None, "non-empty list"),
    ("items.4", "not an object", "items[4]", 4, "must be an object"),
    ("items.5.id", KeyError, "items[5].id", 5, "missing"),
    ("items.5.id", "cat-0", "items[5].id", 5, "duplicate id"),
    ("items.7.given", "cow", "items[7].given", 7, "unknown label 'cow'"),
    ("items.7.truth", "cow", "items[7].truth", 7, "unknown true label"),
    ("items.8.embedding", KeyError, "items[8].embedding", 8, "missing"),
    ("items.8.embedding", [1.0, 2.0], "items[8].embedding", 8, "ragged"),
    ("items.8.embedding", [1.0, "x", 2.0, 3.0], "items[8].embedding", 8, "not a number"),
    ("items.8.embedding", [1.0, float("nan"), 2.0, 3.0], "items[8].embedding", 8, "not finite"),
    ("items.8.embedding", [1.0, True, 2.0, 3.0], "items[8].embedding", 8, "not a number"),
    ("items.9.image", 5, "items[9].image", 9, "string or null"),
]


@pytest.mark.parametrize(("path", "value", "field", "item", "words"), BAD_INPUTS)
def test_bad_input_names_file_field_and_item(path, value, field, item, words):
    document = mutate(path, value)
    with pytest.raises(DatasetError) as caught:
        dataset_from_dict(document, "some/file.json")
    error = caught.value
    assert error.field == field
    assert error.item == item
    assert words in str(error)
    assert str(error).startswith("some/file.json")
    if item is not None and isinstance(document["items"][item], dict):
        item_id = document["items"][item].get("id")
        if item_id is not None:
            assert repr(item_id) in str(error)


def test_json_schema_rejects_what_it_can_of_the_bad_inputs():
    # The schema covers structure; value checks (labels in class_names, ragged rows) are the
    # loader's. Every structural mutation must be rejected by both.
    structural = {"format", "name", "description", "class_names", "provenance.license", "items"}
    for path, value, _field, _item, _words in BAD_INPUTS:
        if path in structural or path.endswith((".id", ".image", ".random_weights")):
            if path == "items.5.id" and value == "cat-0":
                continue  # uniqueness of ids is beyond JSON Schema
            with pytest.raises(jsonschema.ValidationError):
                jsonschema.validate(mutate(path, value), SCHEMA)


def test_empty_and_too_small_classes_are_rejected():
    document = make_document(n_per_class=6)
    for item in document["items"]:
        if item["given"] == "bear":
            item["given"] = "dog"
    with pytest.raises(DatasetError, match="'bear' has no items") as caught:
        dataset_from_dict(document, "f.json")
    assert caught.value.field == "class_names[2]"

    document = make_document(n_per_class=4)
    with pytest.raises(DatasetError, match="needs at least 5 per class"):
        dataset_from_dict(document, "f.json")


def test_not_json_and_unreadable_file(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"format": ')
    with pytest.raises(DatasetError, match="not valid JSON") as caught:
        load_dataset(path)
    assert str(path) in str(caught.value)
    with pytest.raises(DatasetError, match="cannot be read"):
        load_dataset(tmp_path / "absent.json")
    with pytest.raises(DatasetError, match="must be a JSON object"):
        loads_dataset("[1, 2]", "list.json")


def test_failed_save_leaves_the_existing_file_untouched(tmp_path, monkeypatch):
    path = tmp_path / "dataset.json"
    good = dataset_from_dict(make_document())
    save_dataset(good, path)
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        save_dataset(good.with_given(np.roll(good.given, 1)), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dataset.json"]


def test_save_refuses_an_invalid_dataset(tmp_path):
    good = dataset_from_dict(make_document())
    bad = Dataset(
        name=good.name,
        description=good.description,
        class_names=good.class_names,
        provenance=good.provenance,
        ids=good.ids,
        given=good.given,
        truth=good.truth,
        embeddings=np.full_like(good.embeddings, np.nan),
        images=good.images,
    )
    # NaN cannot be written as JSON at all: nothing may reach the disk.
    with pytest.raises((DatasetError, ValueError)):
        save_dataset(bad, tmp_path / "bad.json")
    assert not any(tmp_path.iterdir())


def test_document_is_not_mutated_by_loading():
    document = make_document()
    snapshot = copy.deepcopy(document)
    dataset_from_dict(document)
    assert document == snapshot
