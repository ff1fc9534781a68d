"""Datasets opened in the page (a file, a table, an address) and the Export table, without a
browser: the CSV reader, the opened file's checks, the controller keeping the dataset on
screen when a file is refused, and the exported rows."""

from __future__ import annotations

import asyncio
import csv
import io
import json

import numpy as np
import pytest

from pyvizzy import page_limits
from pyvizzy.app import data as app_data
from pyvizzy.app.bridge import read_page_message
from pyvizzy.app.controller import PyvizzyApp
from pyvizzy.app.export import EXPORT_COLUMNS, export_csv, export_file_name, inert_cell
from pyvizzy.app.opened import OpenedFile, dataset_from_text, read_opened_message
from pyvizzy.app.query import parse_query
from pyvizzy.app.synthetic import synthetic_dataset_dict, write_synthetic_catalog
from pyvizzy.confident import categorize
from pyvizzy.dataset import DatasetError
from pyvizzy.dataset_csv import loads_csv_dataset
from pyvizzy.pipeline.errors import InputError
from pyvizzy.pipeline.user_datasets import check_user_datasets


@pytest.fixture(scope="module")
def datasets_folder(tmp_path_factory):
    return write_synthetic_catalog(tmp_path_factory.mktemp("datasets"), keys=("alpha", "beta"))


@pytest.fixture
def app(datasets_folder, monkeypatch):
    monkeypatch.setenv(app_data.DATASETS_ENV, str(datasets_folder))
    app = PyvizzyApp()
    app.start("")
    assert app.state.trained
    return app


def _table(n_classes=3, n_per_class=12, dims=4, seed=0, truth=True) -> str:
    rng = np.random.default_rng(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "given", *(["truth"] if truth else []), *[f"e{d}" for d in range(dims)]])
    for k in range(n_classes):
        for i in range(n_per_class):
            vector = rng.normal(size=dims) + 4 * np.eye(dims)[k % dims]
            cells = [f"c{k}-{i}", f"class{k}", *([f"class{k}"] if truth else [])]
            writer.writerow([*cells, *(f"{v:.5f}" for v in vector)])
    return out.getvalue()


def _opened(name, text):
    return OpenedFile(name=name, size=len(text.encode()), text=text)


# -- the CSV reader --------------------------------------------------------------------------


def test_a_table_becomes_a_dataset_with_its_embedding_columns():
    dataset = loads_csv_dataset(_table(n_classes=3, dims=5), "mine.csv")
    assert dataset.n_items == 36 and dataset.embeddings.shape == (36, 5)
    assert dataset.class_names == ("class0", "class1", "class2")
    assert dataset.name == "mine" and dataset.has_truth
    assert dataset.images == (None,) * 36
    assert not loads_csv_dataset(_table(truth=False), "t.csv").has_truth


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda t: t.replace("id,given", "key,given", 1), "no 'id' column"),
        (lambda t: t.replace(",e1,", ",e0,", 1), "column 'e0' is repeated"),
        (lambda t: t.replace("c1-3,class1,class1,", "c1-3,class1,class1,abc", 1),
         "line 17, column 'e0': expected a number, got 'abc"),
        (lambda t: t.replace("c0-2,class0,class0,", "c0-2,class0,class0,1,", 1),
         "line 4: 8 cells where the header names 7"),
        (lambda t: t.replace("c2-0,class2,class2,", "c0-1,class2,class2,", 1), "'c0-1'"),
        (lambda t: t.replace("c2-0,class2,class2,", "c2-0,class2,Zebra,", 1), "Zebra"),
    ],
)
def test_a_bad_table_is_refused_naming_the_line_column_or_item(edit, named):
    with pytest.raises(DatasetError, match=r"^mine\.csv: ") as raised:
        loads_csv_dataset(edit(_table(dims=4)), "mine.csv")
    assert named in str(raised.value)


# -- an opened file --------------------------------------------------------------------------


def test_the_page_message_of_an_opened_file_is_read_and_checked():
    message = json.dumps({"n": 1, "name": "a.csv", "size": 3, "text": "abc"})
    assert read_opened_message(message) == OpenedFile("a.csv", 3, "abc")
    assert read_opened_message("{not json") is None
    assert read_opened_message(json.dumps({"n": 1, "name": 5, "size": 3})) is None
    assert read_opened_message(json.dumps({"name": "a", "size": "3", "text": ""})) is None
    refused = read_opened_message(json.dumps({"n": 2, "name": "big.json", "size": 60_000_000}))
    with pytest.raises(ValueError, match=r"big.json is 60.0 MB; the page opens files up to 50 MB"):
        dataset_from_text(refused)


@pytest.mark.parametrize("text", [
    "x" * 5000,  # too long (read as {"query": ...} it would be fine)
    '{"query": "?class=30", "n": ' + "[" * 3000 + "]" * 3000 + "}",  # too deep
    '{"query": "?class=30", "n": ' + "9" * 4400 + "}",  # an integer Python does not read
    "[1]", "not json",
])
def test_a_page_message_too_long_too_deep_or_not_an_object_is_ignored(app, text):
    if text.startswith("x"):
        text = json.dumps({"query": "?class=30", "n": 1, "pad": text})
    assert read_page_message(text) is None
    assert read_page_message(json.dumps({"query": "?class=30"})) == {"query": "?class=30"}
    app.bridge.host_state = text
    app.bridge.event = text
    assert app.state.class_percentile == 50 and app.state.error is None
    app.bridge.host_state = json.dumps({"n": 2, "query": "?class=30"})
    assert app.state.class_percentile == 30


def test_an_unreadable_or_too_large_a_file_is_refused_with_the_reason():
    unreadable = read_opened_message(json.dumps({"n": 3, "name": "locked.csv", "size": -1}))
    with pytest.raises(ValueError, match=r"locked\.csv could not be read"):
        dataset_from_text(unreadable)
    with pytest.raises(ValueError, match="up to 5000 items in up to 20 classes"):
        dataset_from_text(_opened("wide.csv", _table(n_classes=21, n_per_class=5)))


def test_an_opened_dataset_file_with_inlined_images_keeps_them():
    document, _ = synthetic_dataset_dict(n_per_class=10)
    pixel = "data:image/png;base64,iVBORw0KGgo="
    for k, item in enumerate(document["items"]):
        item["image"] = pixel if k % 2 else f"thumbs/{k}.svg"
    dataset = dataset_from_text(_opened("mine.json", json.dumps(document)))
    entry = app_data.CatalogEntry("file:mine.json", "mine", "mine.json", app_data.ORIGIN_FILE)
    urls = app_data.image_urls(entry, dataset)
    assert urls[1] == pixel and urls[0] is None  # (a file beside it cannot be read)


def test_opening_a_table_trains_it_and_adds_it_to_the_switcher_for_this_visit(app):
    assert app.open_file(_opened("my table.csv", _table()))
    state = app.state
    assert state.dataset_key == "file:my table.csv" and state.trained and state.is_from_file
    assert state.dataset.n_items == 36
    assert "file:my table.csv" in app.catalog.keys
    options = json.loads(app.header.bar.options_json)
    assert ["my table (your file)", "file:my table.csv"] in options
    address = app.bridge.published_address()
    assert "dataset" not in address and "select" not in address and "class=50" in address
    assert app.bridge.published_state()["from_file"] is True
    # (switching away and back reopens it from memory)
    assert app.switch_dataset("alpha") and app.switch_dataset("file:my table.csv")
    assert state.dataset.n_items == 36


@pytest.mark.parametrize(
    ("name", "text", "reason"),
    [
        ("bad.csv", _table().replace("c1-3,class1,class1,", "c1-3,class1,class1,x", 1),
         "bad.csv: line 17, column 'e0'"),
        ("bad.json", '{"format": "pyvizzy-dataset/1"', "bad.json"),
        ("empty.csv", "  \n", "empty.csv is empty"),
        # (each class needs 5 items for 5-fold training)
        ("tiny.csv", _table(n_per_class=3), "tiny.csv"),
    ],
)
def test_a_refused_file_leaves_the_dataset_on_screen_whole(app, name, text, reason):
    before = (app.state.dataset_key, app.state.dataset, app.state.pred_probs, app.catalog)
    assert not app.open_file(_opened(name, text))
    assert reason in app.state.error and app.state.error.startswith(f"Could not open '{name}'")
    after = (app.state.dataset_key, app.state.dataset, app.state.pred_probs, app.catalog)
    assert after[:2] == before[:2] and after[2] is before[2] and after[3] == before[3]
    assert app.bridge.published_state()["error"] == app.state.error


def test_what_names_a_readers_file_is_marked_private_and_a_host_cannot_open_one(app):
    assert app.bridge.published_state()["private"] is False
    assert not app.open_file(_opened("diary.csv", "id,given,e0\nx,cat,oops\n"))
    assert "diary.csv" in app.state.error and app.bridge.published_state()["private"] is True
    assert app.open_file(_opened("mine.csv", _table()))
    app.switch_dataset("alpha")
    app.apply_host_state("?dataset=file%3Amine.csv&class=70")
    assert app.state.dataset_key == "alpha" and app.state.class_percentile == 70


def test_a_failed_training_keeps_the_dataset_on_screen(app, monkeypatch):
    from pyvizzy.app import training

    def fail(*_args, **_kwargs):
        raise RuntimeError("the kernel gave up")

    before = app.state.dataset
    monkeypatch.setattr(training, "out_of_sample_pred_probs", fail)
    assert not app.open_file(_opened("t.csv", _table()))
    assert app.state.dataset is before and "the kernel gave up" in app.state.error


# -- an address on the page's origin ---------------------------------------------------------


def test_the_address_takes_a_catalog_key_or_a_same_origin_dataset_file():
    keys = ("alpha", "beta")
    assert parse_query("?dataset=mine/dataset.json", keys).dataset == "mine/dataset.json"
    assert parse_query("?dataset=./x/../mine.json", keys).dataset == "mine.json"
    assert parse_query("?dataset=/data/mine.json", keys).dataset == "/data/mine.json"
    for value, why in [
        ("https://evil.example/d.json", "its own site only"),
        ("//evil.example/d.json", "its own site only"),
        ("../outside/d.json", "leaves the site"),
        ("a\\..\\..\\d.json", "backslash"),
        ("mine/data.txt/", "a .json dataset file"),
        ("%2Fsecret%3F.json", "query, fragment"),
        ("secret%23.json", "query, fragment"),
        ("gamma", "not one of alpha, beta"),
    ]:
        settings = parse_query(f"?dataset={value}", keys)
        assert settings.dataset is None, value
        assert why in settings.notices[0], (value, settings.notices)


def test_a_dataset_file_named_by_the_address_opens_with_its_images(app, datasets_folder):
    # (under CPython the page's folder is the one that holds the datasets folder)
    address = f"{datasets_folder.name}/beta/dataset.json"
    app.apply_query(f"?dataset={address}")
    state = app.state
    assert state.error is None and state.dataset_key == address and state.trained
    assert state.image_urls[0].startswith(f"{datasets_folder.name}/beta/")
    assert app.bridge.published_address().startswith(f"?dataset={datasets_folder.name}%2Fbeta")
    assert app.catalog.keys[-1] == address


def test_a_dataset_that_fails_at_start_says_so_over_the_default(datasets_folder, monkeypatch):
    monkeypatch.setenv(app_data.DATASETS_ENV, str(datasets_folder))
    app = PyvizzyApp()
    app.start("?dataset=missing/dataset.json&class=60")
    assert app.state.dataset_key == "alpha" and app.state.class_percentile == 60
    assert "Could not load dataset 'missing/dataset.json'" in app.state.error


@pytest.mark.parametrize("how", ["switcher", "address"])
def test_a_dataset_larger_than_the_page_trains_on_is_refused_wherever_it_comes_from(
        app, datasets_folder, monkeypatch, how):
    monkeypatch.setattr(page_limits, "MAX_ITEMS", 30)  # (the synthetic sets have more)
    n_items = app.state.dataset.n_items
    address = f"{datasets_folder.name}/beta/dataset.json"
    if how == "switcher":
        app.switch_dataset("beta")
    else:
        app.apply_query(f"?dataset={address}")
    assert app.state.dataset_key == "alpha" and app.state.trained
    assert f"dataset.json has {n_items} items in 3 classes; the page trains on up to 30 items" \
        in app.state.error


def test_a_text_larger_than_the_page_reads_is_refused_before_it_is_parsed(app, monkeypatch):
    monkeypatch.setattr(app_data, "MAX_DATASET_CHARS", 1000)
    monkeypatch.setattr(app_data, "loads_dataset", lambda *args: pytest.fail("parsed"))
    app.switch_dataset("beta")
    assert app.state.dataset_key == "alpha"
    assert "datasets/beta/dataset.json is 0.0 MB; the page reads files up to 0 MB" in (
        app.state.error)


def test_the_site_build_refuses_a_dataset_larger_than_the_page_trains_on(datasets_folder,
                                                                         monkeypatch):
    monkeypatch.setattr(page_limits, "MAX_CLASSES", 2)
    path = datasets_folder / "beta" / "dataset.json"
    with pytest.raises(InputError, match=r"dataset .*beta/dataset\.json has \d+ items in 3 "
                                         r"classes; the page trains on up to 5000 items in up "
                                         r"to 2 classes"):
        check_user_datasets([("beta", path)], taken=())


def test_a_dataset_whose_file_stalls_is_not_opened_and_the_page_says_why(app, monkeypatch):
    # (in the site's worker the fetch gives up when no byte comes for a while: site tests)
    fetched = []

    async def stalls(url):
        fetched.append(url)
        raise OSError(f"could not fetch {url} relative to the page: no data for 20 s")

    monkeypatch.setattr(app_data, "fetch_ahead", stalls)
    monkeypatch.setattr(app_data, "load_entry", lambda entry: pytest.fail("read"))
    assert asyncio.run(app.fetch_ahead("beta")) is False
    assert fetched == ["datasets/beta/dataset.json"]
    assert app.state.dataset_key == "alpha" and app.state.trained
    assert app.state.error == ("Could not load dataset 'beta': could not fetch "
                               "datasets/beta/dataset.json relative to the page: no data for 20 s")
    assert app.bridge.published_state()["error"] == app.state.error


# -- Export ---------------------------------------------------------------------------------


def test_the_export_holds_every_item_its_relabels_and_the_categories_at_these_settings(app):
    state = app.state
    first, second = state.dataset.ids[:2]
    state.relabel(first, (int(state.dataset.given[0]) + 1) % state.n_classes)
    assert app.retrain()
    state.relabel(second, (int(state.dataset.given[1]) + 2) % state.n_classes)  # not trained
    state.class_percentile = 70
    rows = list(csv.DictReader(io.StringIO(export_csv(state))))
    assert tuple(rows[0]) == EXPORT_COLUMNS and len(rows) == state.dataset.n_items
    names = state.dataset.class_names
    expected = categorize(state.pred_probs, state.labels, class_percentile=70, ood_percentile=15)
    for row, (item_id, record) in enumerate(zip(state.dataset.ids, rows, strict=True)):
        assert record["id"] == item_id
        assert record["given"] == names[state.dataset.given[row]]
        assert record["category"] == expected.categories[row]
        suggested = expected.suggested[row]
        assert record["suggested"] == (names[suggested] if suggested >= 0 else "")
        assert float(record["label_quality"]) == pytest.approx(state.quality[row], rel=1e-5)
    relabelled = {record["id"]: record["relabelled"] for record in rows if record["relabelled"]}
    assert relabelled == {first: names[state.labels[0]], second: names[state.pending_labels[1]]}


def test_export_cells_that_a_spreadsheet_would_run_are_made_inert():
    for text in ("=1+1", "+cmd", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert inert_cell(text) == "'" + text
    assert inert_cell("cat") == "cat" and inert_cell("") == ""
    assert export_file_name("Cats, dogs & bears!") == "Cats-dogs-bears-labels.csv"
    assert export_file_name("../../") == "dataset-labels.csv"


def test_export_hands_the_page_the_table(app):
    app.header.bar.exports += 1
    table = json.loads(app.header.bar.export_json)
    assert table["n"] == 1 and table["name"].endswith("-labels.csv")
    assert table["text"].startswith(",".join(EXPORT_COLUMNS))


def test_a_training_started_from_the_page_tells_it_each_fold(app, monkeypatch):
    told = []
    monkeypatch.setattr(type(app.bridge), "tell_busy_now", staticmethod(told.append))
    assert app.open_file(_opened("quiet.csv", _table()))
    assert told == []  # (no busy overlay, nothing to tell)
    app._busy_message = "Reading your file and training the model…"
    assert app.open_file(_opened("told.csv", _table(seed=2)))
    assert told == [f"{app._busy_message} Fold {k} of 5." for k in range(1, 6)]
