"""Tests of the dataset file: round trips, the JSON Schema, and every kind of bad input."""

import copy
import json
import os
import warnings
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from pyvizzy import crossval
from pyvizzy.app.state import fit_pred_probs
from pyvizzy.dataset import (
    Dataset,
    DatasetError,
    dataset_from_dict,
    dataset_to_dict,
    load_dataset,
    loads_dataset,
    save_dataset,
)
from pyvizzy.dataset_check import iter_problems
from pyvizzy.dataset_csv import loads_csv_dataset
from pyvizzy.formats import (
    DATASET_FORMAT,
    MAX_EMBEDDING_MAGNITUDE,
    MAX_JSON_DEPTH,
    OOD_LABEL,
    TRUTH_OOD,
    TRUTH_UNKNOWN,
)
from pyvizzy.json_text import too_deep_at

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


def with_map(document):
    """``document`` with a map point on every item (distinct, within [-1, 1])."""
    for k, item in enumerate(document["items"]):
        item["map"] = [round(k / 20 - 0.5, 4), round(0.75 - k / 40, 4)]
    return document


def test_round_trip_of_a_map(tmp_path):
    document = with_map(make_document())
    path = tmp_path / "dataset.json"
    dataset = dataset_from_dict(document, "memory")
    assert dataset.map.dtype == np.float64 and dataset.map.shape == (18, 2)
    assert dataset.map[3].tolist() == [-0.35, 0.675]
    save_dataset(dataset, path)
    again = load_dataset(path)
    assert dataset_to_dict(again) == document
    assert np.array_equal(again.map, dataset.map)
    assert list(json.loads(path.read_text())["items"][0]) == [
        "id", "given", "truth", "embedding", "map", "image"]
    relabelled = again.with_given(np.roll(again.given, 1))
    assert relabelled.map is again.map
    assert dataset_to_dict(relabelled)["items"][5]["map"] == document["items"][5]["map"]


def test_a_file_without_a_map_has_none_and_writes_none():
    dataset = dataset_from_dict(make_document())
    assert dataset.map is None and dataset.with_given(dataset.given).map is None
    assert all("map" not in item for item in dataset_to_dict(dataset)["items"])


def test_valid_document_satisfies_the_json_schema():
    document = make_document()
    jsonschema.validate(document, SCHEMA)
    dataset_to_dict(dataset_from_dict(document))  # and the loader accepts it


def test_json_schema_repeats_the_shared_names_of_pyvizzy_formats():
    assert SCHEMA["properties"]["format"]["const"] == DATASET_FORMAT
    assert SCHEMA["properties"]["class_names"]["items"]["not"]["const"] == OOD_LABEL
    value = SCHEMA["properties"]["items"]["items"]["properties"]["embedding"]["items"]
    assert value["maximum"] == -value["minimum"] == MAX_EMBEDDING_MAGNITUDE
    point = SCHEMA["properties"]["items"]["items"]["properties"]["map"]["items"]
    assert point["maximum"] == -point["minimum"] == MAX_EMBEDDING_MAGNITUDE


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
    ("items.8.embedding", [1.0, 10**400, 2.0, 3.0], "items[8].embedding", 8,
     "element 1 is an integer too large for a 64-bit float"),
    ("items.8.embedding", [1.0, 2.0, -1e13, 3.0], "items[8].embedding", 8,
     "element 2 is -10000000000000.0, beyond the largest magnitude"),
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


BAD_MAPS = [
    # (item, its map (KeyError: none), the item named, words in the message); the others' maps
    # are valid, and item 0 has one
    (6, KeyError, 6, "'items[6].map': item 6 (id 'dog-0'): missing, but earlier items have a "
     "map (every item has one or none does)"),
    (17, KeyError, 17, "missing, but earlier items have a map"),
    (7, [0.5], 7, "'items[7].map': item 7 (id 'dog-1'): has 1 values but a map point has 2 "
     "([x, y])"),
    (7, [0.5, 0.25, 0.0], 7, "has 3 values but a map point has 2 ([x, y])"),
    (7, [], 7, "has 0 values but a map point has 2"),
    (7, None, 7, "must be a list of 2 numbers [x, y], got NoneType"),
    (7, {"x": 1, "y": 2}, 7, "must be a list of 2 numbers [x, y], got dict"),
    (8, [0.5, "0.25"], 8, "'items[8].map': item 8 (id 'dog-2'): element 1 is str, not a number"),
    (8, [True, 0.25], 8, "element 0 is bool, not a number"),
    (8, [float("nan"), 0.25], 8, "element 0 is not finite (nan)"),
    (8, [0.5, float("-inf")], 8, "element 1 is not finite (-inf)"),
    (8, [10**400, 0.25], 8, "element 0 is an integer too large for a 64-bit float"),
    (8, [0.5, -1e13], 8, "element 1 is -10000000000000.0, beyond the largest magnitude 1e+12 "
     "(scale the map down)"),
]


@pytest.mark.parametrize(("index", "point", "item", "words"), BAD_MAPS)
def test_a_bad_map_names_file_field_and_item(index, point, item, words):
    document = with_map(make_document())
    if point is KeyError:
        del document["items"][index]["map"]
    else:
        document["items"][index]["map"] = point
    with pytest.raises(DatasetError) as caught:
        dataset_from_dict(document, "some/file.json")
    error = caught.value
    assert (error.field, error.item) == (f"items[{item}].map", item)
    assert error.item_id == document["items"][item]["id"]
    assert str(error).startswith(f"some/file.json: field 'items[{item}].map': item {item} "
                                 f"(id {error.item_id!r}): ")
    assert words in str(error)
    if "(nan)" not in words:  # (NaN is no JSON: the schema's bounds cannot see it)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(document, SCHEMA)


def test_a_map_that_only_later_items_have_is_refused_at_the_first_of_them():
    document = make_document()
    document["items"][0] = "not an object"  # (the first object decides: item 1 has no map)
    document["items"][4]["map"] = [0.0, 0.0]
    problems = [str(problem) for problem in iter_problems(document, "late.json")
                if problem.field.endswith(".map")]
    assert problems == ["late.json: field 'items[4].map': item 4 (id 'cat-4'): present, but "
                        "earlier items have none (every item has one or none does)"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(make_document() | {"items": document["items"][1:]}, SCHEMA)


def test_a_map_at_the_bound_loads_and_one_beyond_is_refused():
    document = with_map(make_document())
    document["items"][2]["map"] = [MAX_EMBEDDING_MAGNITUDE, -MAX_EMBEDDING_MAGNITUDE]
    assert dataset_from_dict(document).map[2].tolist() == [1e12, -1e12]
    document["items"][2]["map"][1] = -float(np.nextafter(MAX_EMBEDDING_MAGNITUDE, np.inf))
    with pytest.raises(DatasetError, match=r"element 1 is -1000000000000\.0001, beyond"):
        dataset_from_dict(document, "bound.json")


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


# ----------------------------------------------------------------------------- the boundary


def test_an_embedding_at_the_bound_trains_to_finite_probabilities_and_one_beyond_is_refused(
        monkeypatch):
    document = make_document()
    document["items"][0]["embedding"][0] = MAX_EMBEDDING_MAGNITUDE
    document["items"][7]["embedding"] = [-MAX_EMBEDDING_MAGNITUDE] * 4
    dataset = loads_dataset(json.dumps(document), "bound.json")
    for gram_max_items in (crossval.GRAM_MAX_ITEMS, 0):  # the shared Gram matrix, then libsvm's
        monkeypatch.setattr(crossval, "GRAM_MAX_ITEMS", gram_max_items)
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)  # no overflow on the way
            pred_probs, _seconds = fit_pred_probs(dataset, dataset.given)
        assert np.isfinite(pred_probs).all() and np.allclose(pred_probs.sum(axis=1), 1)
    for beyond in (np.nextafter(MAX_EMBEDDING_MAGNITUDE, np.inf),
                   -np.nextafter(MAX_EMBEDDING_MAGNITUDE, np.inf)):
        document["items"][5]["embedding"][3] = float(beyond)
        with pytest.raises(DatasetError) as caught:
            loads_dataset(json.dumps(document), "beyond.json")
        error = caught.value
        assert (error.field, error.item, error.item_id) == ("items[5].embedding", 5, "cat-5")
        assert str(error).startswith("beyond.json: field 'items[5].embedding': item 5")
        assert "element 3" in str(error) and "beyond the largest magnitude 1e+12" in str(error)


@pytest.mark.parametrize(("number", "words"), [
    ("1" + "0" * 400, "element 2 is an integer too large for a 64-bit float"),
    ("1e308", "element 2 is 1e+308, beyond the largest magnitude"),
    ("1e400", "element 2 is not finite (inf)"),
])
def test_a_number_no_embedding_may_hold_names_file_field_and_item(number, words):
    document = make_document()
    document["items"][4]["embedding"][2] = 12345.75
    text = json.dumps(document).replace("12345.75", number, 1)
    with pytest.raises(DatasetError) as caught:
        loads_dataset(text, "numbers.json")
    assert (caught.value.field, caught.value.item) == ("items[4].embedding", 4)
    assert str(caught.value).startswith("numbers.json: field 'items[4].embedding': item 4")
    assert words in str(caught.value)


def test_an_integer_longer_than_python_reads_is_named_by_file_line_and_column():
    text = json.dumps(make_document(), indent=1).replace(
        '"name": "tiny"', '"name": "tiny",\n "notes": ' + "7" * 5000, 1)
    for given in (text, text.encode()):
        with pytest.raises(DatasetError) as caught:
            loads_dataset(given, "long.json")
        assert str(caught.value) == ("long.json: line 4, column 11: a number of 5000 digits, "
                                     "more than the 4300 Python reads")


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def test_nesting_deeper_than_the_limit_is_refused_before_it_is_parsed():
    document = make_document()
    head = json.dumps(document)[:-1] + ', "notes": '  # one line; "notes" is a kept key
    column = len(head) + MAX_JSON_DEPTH  # the bracket that opens level 65 (the document is 1)
    for levels in (MAX_JSON_DEPTH, 100_000):
        for given in (head + deep(levels) + "}", (head + deep(levels) + "}").encode()):
            with pytest.raises(DatasetError) as caught:
                loads_dataset(given, "deep.json")
            assert str(caught.value) == (f"deep.json: line 1, column {column}: arrays and "
                                         "objects nested deeper than 64 levels (a dataset "
                                         "needs 4)")
    allowed = json.loads(head + deep(MAX_JSON_DEPTH - 1) + "}")
    assert loads_dataset(json.dumps(allowed), "deep.json").extra["notes"] == allowed["notes"]


@pytest.mark.parametrize("string", [
    '"' + "[" * 100 + '"',        # brackets in a string do not nest
    '"a\\"' + "[" * 100 + '"',    # nor after an escaped quote
    '"\\\\\\"' + "{" * 100 + '"',  # nor after an escaped backslash and quote
    '"\\\\"',                   # a string that ends in an escaped backslash ends
    '"\\u005c\\""',             # and a backslash written \u005c escapes nothing
])
def test_brackets_inside_strings_do_not_count_as_nesting(string):
    document = make_document()
    text = json.dumps(document)[:-1] + ', "notes": ' + string + "}"
    assert loads_dataset(text, "s.json").extra["notes"] == json.loads(string)
    text = json.dumps(document)[:-1] + f', "notes": [{string}, {deep(MAX_JSON_DEPTH)}]}}'
    with pytest.raises(DatasetError, match="nested deeper than 64"):  # the string has ended
        loads_dataset(text, "s.json")



def test_brackets_inside_strings_cannot_hide_nesting():
    notes = "0"
    for _ in range(MAX_JSON_DEPTH):  # each level: a "]" before it and a "[" after it
        notes = f'["]", {notes}, "["]'
    text = json.dumps(make_document())[:-1] + f', "notes": {notes}}}'
    with pytest.raises(DatasetError, match="nested deeper than 64"):
        loads_dataset(text, "hide.json")

def reference_too_deep_at(text: str, limit: int):
    """``too_deep_at`` one character at a time; "invalid" where the parser would stop first."""
    depth, in_string, escaped, line, column = 0, False, False, 1, 0
    for char in text:
        column += 1
        if escaped and char not in '"\\/bfnrtu':
            return "invalid"
        if in_string:
            in_string, escaped = char != '"' or escaped, char == "\\" and not escaped
        elif char == "\\":
            return "invalid"
        elif char in "[{" and (depth := depth + 1) > limit:
            return line, column
        else:
            depth -= char in "]}"
            in_string = char == '"'
        line, column = (line + 1, 0) if char == "\n" else (line, column)
    return None


def test_the_nesting_check_agrees_with_reading_one_character_at_a_time():
    rng = np.random.default_rng(3)
    letters = np.array(list('[]{}"\\au/\né🐱'))
    for _ in range(4000):
        text = "".join(rng.choice(letters, size=rng.integers(0, 40)))
        limit = int(rng.integers(0, 12))
        expected = reference_too_deep_at(text, limit)
        if expected != "invalid":
            assert too_deep_at(text, limit) == too_deep_at(text.encode(), limit) == expected, \
                (text, limit)


LONE_SURROGATES = [
    # (where, JSON text replacing it, the field named, the item named)
    ('"name": "tiny"', '"name": "ti\\ud800ny"', "name", None),
    ('"description": "a tiny test set"', '"description": "\\udfff"', "description", None),
    ('"class_names": ["cat"', '"class_names": ["c\\ud83dt"', "class_names[0]", None),
    ('"source": "generated"', '"source": "\\udc00"', "provenance.source", None),
    ('"license": "CC0-1.0"', '"license": "CC0-1.0", "by": ["\\ud800"]', "provenance.by[0]",
     None),
    ('"id": "cat-4"', '"id": "cat-4\\ud800"', "items[4].id", 4),
    ('"image": "thumbs/cat-5.png"', '"image": "thumbs/\\ud800.png"', "items[5].image", 5),
    ('"format"', '"notes": {"k": "\\ud800"}, "format"', "notes.k", None),
    ('"format"', '"n\\ud800tes": 1, "format"', "n\\ud800tes", None),
]


@pytest.mark.parametrize(("where", "text", "field", "item"), LONE_SURROGATES)
def test_a_lone_surrogate_in_any_string_is_refused_naming_field_and_item(
        where, text, field, item):
    document_text = json.dumps(make_document())
    assert where in document_text
    with pytest.raises(DatasetError) as caught:
        loads_dataset(document_text.replace(where, text, 1), "s.json")
    assert caught.value.field == field.encode().decode("unicode_escape")
    assert caught.value.item == item and "lone surrogate" in str(caught.value)


def test_nan_or_infinity_in_a_kept_key_is_refused():
    text = json.dumps(make_document())[:-1] + ', "stats": {"mean": [1, NaN]}}'
    with pytest.raises(DatasetError, match="which JSON cannot hold") as caught:
        loads_dataset(text, "nan.json")
    assert caught.value.field == "stats.mean[1]"


ODD_BUT_VALID = {
    "name": "🐻‍❄️ ours 😀",  # a ZWJ sequence; 😀 arrives as a surrogate pair, escaped
    "description": "قطط وكلاب — חתולים, e\u0301 Z\u0364\u0311\u0313, \u2028 and \x00",
    "class_names": ["ours 🐻", "قطة", "e\u0301"],
    "provenance": {"source": "ﷺ", "license": "ᚠ", "method": "\uffff", "note": "日本"},
}


def odd_documents() -> list[tuple[str, bool]]:
    """Texts of odd documents and whether each is valid, in both of JSON's spellings of
    non-ASCII text (escaped and not)."""
    document = make_document(class_names=tuple(ODD_BUT_VALID["class_names"]))
    document.update(copy.deepcopy(ODD_BUT_VALID))
    document["items"][0]["id"] = "🐱\u200f‏id"
    document["items"][1]["embedding"] = [MAX_EMBEDDING_MAGNITUDE, -5, 0, 10**12]
    document["extra"] = {"ключ": ["🐻", {"deep": [[["x"]]]}], "number": 10**300}
    text = json.dumps(document)
    odd = [(text.replace("ours", "ours \\ud83d\\ude00", 1), True)]  # a pair: one character
    odd += [(text.replace(where, replacement, 1), False)
            for where, replacement, _field, _item in LONE_SURROGATES if where in text]
    odd += [(text[:-1] + ', "stats": NaN}', False), (text[:-1] + ', "stats": [-Infinity]}', False)]
    return odd + [(json.dumps(json.loads(each), ensure_ascii=False), valid)
                  for each, valid in odd]


ODD_DOCUMENTS = odd_documents()


@pytest.mark.parametrize(("text", "valid"), ODD_DOCUMENTS,
                         ids=[f"odd{k}" for k in range(len(ODD_DOCUMENTS))])
def test_every_document_load_accepts_can_be_saved(text, valid, tmp_path):
    try:
        dataset = loads_dataset(text, "odd.json")
    except DatasetError:
        assert not valid
        return  # refused at the boundary, naming the file, field and item
    save_dataset(dataset, tmp_path / "dataset.json")
    again = load_dataset(tmp_path / "dataset.json")
    assert dataset_to_dict(again) == dataset_to_dict(dataset)
    if valid:
        assert dataset.name == "🐻‍❄️ ours 😀 😀" and dataset.class_names[1] == "قطة"
        assert again.extra["extra"]["ключ"][0] == "🐻" and again.ids[0] == "🐱\u200f‏id"


@pytest.mark.parametrize(("cell", "words"), [
    ("1e308", "the cell is 1e+308, beyond the largest magnitude 1e+12"),
    ("1" + "0" * 400, "the cell is too large for a 64-bit float"),
    ("9" * 5000, "the cell is too large for a 64-bit float"),
    ("-inf", "the cell is not finite (-inf)"),
])
def test_a_csv_cell_no_embedding_may_hold_is_named_by_file_line_and_column(cell, words):
    rows = ["id,given,e0,e1"] + [f"x{i},{'ab'[i % 2]},{i},0.5" for i in range(12)]
    rows[5] = f"x4,a,4,{cell}"
    with pytest.raises(DatasetError) as caught:
        loads_csv_dataset("\n".join(rows), "mine.csv")
    assert str(caught.value).startswith("mine.csv: line 6, column 'e1': ")
    assert words in str(caught.value)
