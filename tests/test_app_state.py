"""The app's state logic, without a browser: cells, relabel + retrain, the address."""

from __future__ import annotations

import json
from urllib.parse import quote

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from snapshot_check import categorize_state

from pyvizzy.app.query import QuerySettings, format_query, parse_query
from pyvizzy.app.state import AppState, joint_cell_members, ranked_label_issues
from pyvizzy.app.synthetic import synthetic_dataset_dict
from pyvizzy.confident import categorize, label_quality_scores
from pyvizzy.crossval import out_of_sample_pred_probs
from pyvizzy.dataset import dataset_from_dict


@pytest.fixture(scope="module")
def dataset():
    obj, _images = synthetic_dataset_dict(n_per_class=30, seed=3)
    return dataset_from_dict(obj, "synthetic.json")


@pytest.fixture
def trained_state(dataset):
    state = AppState()
    state.set_dataset("synthetic", dataset)
    assert state.train()
    return state


# -- the confident joint's cells ---------------------------------------------------------------


def test_every_item_with_a_suggestion_lands_in_exactly_its_cell(trained_state):
    result = trained_state.result
    labels = trained_state.labels
    cells = joint_cell_members(labels, result.suggested, trained_state.n_classes)
    seen = []
    for i, row in enumerate(cells):
        for j, members in enumerate(row):
            assert len(members) == result.joint[i, j]
            assert np.all(labels[members] == i)
            assert np.all(result.suggested[members] == j)
            seen.extend(members.tolist())
    assert sorted(seen) == np.flatnonzero(result.suggested >= 0).tolist()


def test_cells_follow_the_suggestions_on_a_hand_made_example():
    labels = np.array([0, 0, 1, 1, 2, 2])
    suggested = np.array([0, 1, 1, -1, 0, 2])
    cells = joint_cell_members(labels, suggested, 3)
    assert cells[0][0].tolist() == [0]
    assert cells[0][1].tolist() == [1]
    assert cells[1][1].tolist() == [2]
    assert cells[2][0].tolist() == [4]
    assert cells[2][2].tolist() == [5]
    assert sum(len(members) for row in cells for members in row) == 5  # item 3: no suggestion


def test_label_issues_are_ranked_worst_label_first():
    categories = np.array(["label_issue", "clean", "label_issue", "label_issue", "ood"])
    quality = np.array([0.30, 0.01, 0.10, 0.20, 0.05])
    assert ranked_label_issues(categories, quality).tolist() == [2, 3, 0]


# -- training and sliders ----------------------------------------------------------------------


def test_training_matches_crossval_and_categorize(trained_state, dataset):
    expected = out_of_sample_pred_probs(dataset.embeddings, dataset.given, n_folds=5, seed=0)
    np.testing.assert_allclose(trained_state.pred_probs, expected)
    np.testing.assert_allclose(
        trained_state.quality, label_quality_scores(expected, dataset.given)
    )
    reference = categorize(expected, dataset.given, 50, 15, "percentile")
    np.testing.assert_array_equal(trained_state.result.categories, reference.categories)
    np.testing.assert_array_equal(trained_state.result.joint, reference.joint)
    assert trained_state.trained and trained_state.train_seconds > 0


@pytest.mark.parametrize(
    ("class_percentile", "ood_percentile", "mode"),
    [(0, 0, "percentile"), (80, 30, "percentile"), (100, 100, "percentile"), (50, 40, "mean")],
)
def test_a_slider_change_recomputes_without_retraining(
    trained_state, class_percentile, ood_percentile, mode
):
    pred_probs = trained_state.pred_probs
    trainings = trained_state.train_revision
    revision = trained_state.revision
    trained_state.param.update(
        class_percentile=class_percentile, ood_percentile=ood_percentile, threshold_mode=mode
    )
    assert trained_state.pred_probs is pred_probs
    assert trained_state.train_revision == trainings
    assert trained_state.revision > revision
    reference = categorize(
        pred_probs, trained_state.labels, class_percentile, ood_percentile, mode
    )
    np.testing.assert_array_equal(trained_state.result.categories, reference.categories)
    np.testing.assert_allclose(trained_state.result.class_thresholds, reference.class_thresholds)
    np.testing.assert_allclose(trained_state.result.ood_thresholds, reference.ood_thresholds)


def test_relabel_then_train_changes_the_data(trained_state):
    before_probs = trained_state.pred_probs.copy()
    before_labels = trained_state.labels.copy()
    issues = ranked_label_issues(trained_state.result.categories, trained_state.quality)
    assert issues.size, "the synthetic set has planted label errors"
    row = int(issues[0])
    suggested = int(trained_state.result.suggested[row])
    item_id = trained_state.dataset.ids[row]
    trained_state.relabel(item_id, suggested)
    # Pending until Train: what is shown still comes from the trained labels.
    assert trained_state.n_pending == 1
    np.testing.assert_array_equal(trained_state.labels, before_labels)
    assert trained_state.train()
    assert trained_state.n_pending == 0
    assert trained_state.labels[row] == suggested
    assert not np.allclose(trained_state.pred_probs, before_probs)
    assert trained_state.result.categories[row] != "label_issue"
    expected = out_of_sample_pred_probs(
        trained_state.dataset.embeddings, trained_state.labels, n_folds=5, seed=0
    )
    np.testing.assert_allclose(trained_state.pred_probs, expected)


def test_a_training_that_cannot_run_keeps_the_results_and_says_why(trained_state):
    result = trained_state.result
    labels = trained_state.labels.copy()
    for row in np.flatnonzero(trained_state.pending_labels == 2)[:-3]:
        trained_state.relabel(trained_state.dataset.ids[row], 0)  # leaves class 2 with 3 items
    assert not trained_state.train()
    assert "Training failed" in trained_state.error and "class 2" in trained_state.error
    assert trained_state.result is result
    np.testing.assert_array_equal(trained_state.labels, labels)


def test_relabel_rejects_unknown_ids_and_classes(trained_state):
    with pytest.raises(ValueError, match="no item with id"):
        trained_state.relabel("no-such-id", 0)
    with pytest.raises(ValueError, match="class index 7"):
        trained_state.relabel(trained_state.dataset.ids[0], 7)


def test_snapshot_is_plain_json_and_agrees_with_the_state(trained_state):
    trained_state.select(trained_state.dataset.ids[4])
    snapshot = json.loads(json.dumps(trained_state.snapshot(), allow_nan=False))
    assert snapshot["ids"] == list(trained_state.dataset.ids)
    assert snapshot["given"] == trained_state.labels.tolist()
    assert snapshot["class_names"] == list(trained_state.dataset.class_names)
    np.testing.assert_array_equal(np.array(snapshot["pred_probs"]), trained_state.pred_probs)
    recomputed = categorize_state(snapshot)
    assert snapshot["categories"] == recomputed.categories.tolist()
    assert snapshot["joint"] == recomputed.joint.tolist()
    assert snapshot["selected"] == trained_state.dataset.ids[4]
    assert snapshot["trained"] is True


# -- the address -------------------------------------------------------------------------------


def test_the_address_round_trips(trained_state):
    trained_state.param.update(class_percentile=72, ood_percentile=9, threshold_mode="mean")
    trained_state.select(trained_state.dataset.ids[10])
    query = trained_state.address()
    settings_read = parse_query(query, ("synthetic",))
    assert settings_read == QuerySettings(
        dataset="synthetic",
        class_percentile=72,
        ood_percentile=9,
        threshold_mode="mean",
        select=trained_state.dataset.ids[10],
    )
    fresh = AppState()
    fresh.set_dataset("synthetic", trained_state.dataset)
    fresh.apply_settings(settings_read)
    assert fresh.address() == query
    assert fresh.notices == []


@settings(max_examples=60, deadline=None)
@given(
    dataset_key=st.text(min_size=1, max_size=12),
    class_percentile=st.integers(0, 100),
    ood_percentile=st.integers(0, 100),
    mode=st.sampled_from(["percentile", "mean"]),
    select=st.one_of(st.none(), st.text(min_size=1, max_size=20)),
    lens=st.sampled_from(["rule", "knn"]),
)
def test_format_then_parse_is_the_identity(
    dataset_key, class_percentile, ood_percentile, mode, select, lens
):
    query = format_query(dataset_key, class_percentile, ood_percentile, mode, select, lens)
    assert parse_query(query, (dataset_key,)) == QuerySettings(
        dataset_key, class_percentile, ood_percentile, mode, select,
        ood_lens=None if lens == "rule" else lens
    )


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("?class=101", "class='101'"),
        ("?class=-1", "class='-1'"),
        ("?class=12.5", "class='12.5'"),
        ("?ood=abc", "ood='abc'"),
        ("?ood=nan", "ood='nan'"),
        ("?mode=median", "mode='median'"),
        ("?dataset=nope", "dataset='nope'"),
        ("?colour=red", "unknown parameter 'colour'"),
        ("?class=10&class=20", "repeated class='20'"),
        ("?select=" + "9" * 5000, "'select': over 1000 characters"),
        ("?class=" + "7" * 5000, "'class': over 1000 characters"),
        ("?" + "&".join(f"theme={i}" for i in range(40)), "8 parameters past the first 32"),
    ],
)
def test_bad_values_are_ignored_with_a_notice(query, fragment):
    settings_read = parse_query(query, ("synthetic", "digits"))
    assert len(settings_read.notices) == 1
    assert fragment in settings_read.notices[0]
    state = AppState()
    state.apply_settings(settings_read)
    assert (state.class_percentile, state.ood_percentile, state.threshold_mode) in {
        (50, 15, "percentile"),
        (10, 15, "percentile"),  # the first of a repeated value is kept
    }
    assert state.notices == list(settings_read.notices)


@pytest.mark.parametrize("value", ["9" * 5000, "[" * 100_000, "{'a': " + "[" * 3000])
def test_panels_location_is_given_only_the_values_it_can_read(value):
    # Panel's Location reads its query string itself (int() of all-digit values, a Python
    # literal of [/{ values): the worker gives it only what it can read, with the rest kept.
    from bokeh.document import Document
    from panel.io.location import Location
    from panel.io.state import state as panel_state

    from pyvizzy.app.worker_runtime import _set_location

    document = Document()
    panel_state.curdoc = document
    panel_state._locations[document] = Location()
    try:
        _set_location({"search": "?class=30&select=" + quote(value), "href": "http://x/"})
        assert panel_state.location.search == "?class=30"
        assert panel_state.location.query_params == {"class": 30}
    finally:
        panel_state._locations.pop(document, None)
        panel_state.curdoc = None


def test_good_values_are_kept_next_to_bad_ones():
    settings_read = parse_query(
        "?class=30&ood=200&mode=mean&theme=dark&origin=https%3A%2F%2Fblog.example", ("synthetic",)
    )
    assert settings_read.class_percentile == 30
    assert settings_read.ood_percentile is None
    assert settings_read.threshold_mode == "mean"
    assert len(settings_read.notices) == 1  # theme and origin are the browser's, not notices


def test_an_unknown_selected_id_is_ignored_with_a_notice(dataset):
    state = AppState()
    state.set_dataset("synthetic", dataset)
    state.apply_settings(parse_query("?select=%3Cscript%3E", ("synthetic",)))
    assert state.selected is None
    assert state.notices == ["Ignored select='<script>': no item has that id."]
