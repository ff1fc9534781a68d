"""Tests of pyvizzy.health: parity with cleanlab's dataset.health_summary, validation."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest

from pyvizzy.confident import cleanlab_confident_joint
from pyvizzy.confident.count import _cleanlab_true_label_guess, _confident_joint
from pyvizzy.health import CLASS_COLUMNS, OVERLAP_COLUMNS, HealthSummary, health_summary

cleanlab_dataset = pytest.importorskip("cleanlab.dataset", reason="cleanlab is the reference")
cleanlab_count = pytest.importorskip("cleanlab.count", reason="cleanlab is the reference")


# --------------------------------------------------------------------------------------------
# Input generators
# --------------------------------------------------------------------------------------------


def planted_errors(seed: int, n_items: int, n_classes: int, error_rate: float, sharpness: float):
    """Model-like probabilities concentrated on a true class, and labels of which a known
    fraction is flipped to another class (the planted label errors)."""
    rng = np.random.default_rng(seed)
    true_labels = rng.integers(0, n_classes, n_items)
    true_labels[:n_classes] = np.arange(n_classes)  # every class present
    concentration = np.ones((n_items, n_classes))
    concentration[np.arange(n_items), true_labels] += sharpness
    pred_probs = np.array([rng.dirichlet(row) for row in concentration])
    labels = true_labels.copy()
    flipped = rng.random(n_items) < error_rate
    labels[flipped] = (true_labels[flipped] + rng.integers(1, n_classes, flipped.sum())) % n_classes
    return pred_probs, labels


def quantized(pred_probs: np.ndarray, levels: int) -> np.ndarray:
    """Round probabilities onto a coarse grid so that many values (and scores) tie exactly."""
    counts = np.round(pred_probs * levels)
    counts[counts.sum(axis=1) == 0, 0] = 1
    return counts / counts.sum(axis=1, keepdims=True)


def cleanlab_summary(labels, pred_probs, asymmetric=False) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cleanlab_dataset.health_summary(
            labels, pred_probs, asymmetric=asymmetric, verbose=False
        )


def assert_same_as_cleanlab(labels, pred_probs, asymmetric=False) -> HealthSummary:
    """Every quantity equal to cleanlab's: the score, the joint, and every column of both
    tables, their names, order, dtypes and row order."""
    expected = cleanlab_summary(labels, pred_probs, asymmetric)
    summary = health_summary(labels, pred_probs, asymmetric=asymmetric)
    assert abs(summary.overall_label_health_score - expected["overall_label_health_score"]) <= 1e-12
    assert summary.overall_label_health_score == expected["overall_label_health_score"]
    assert summary.num_label_issues == cleanlab_count.num_label_issues(labels, pred_probs)
    np.testing.assert_array_equal(summary.joint, expected["joint"])
    for table in ("classes_by_label_quality", "overlapping_classes"):
        frame, mine = expected[table], getattr(summary, table)
        assert list(mine) == list(frame.columns), table
        for column in frame.columns:
            reference = frame[column].to_numpy()
            assert mine[column].dtype == reference.dtype, (table, column)
            np.testing.assert_array_equal(mine[column], reference, err_msg=f"{table}: {column}")
        assert summary.rows(table) == frame.to_dict("records")
    return summary


# --------------------------------------------------------------------------------------------
# Parity with cleanlab
# --------------------------------------------------------------------------------------------

RANDOM_CASES = [
    # seed, n_items, n_classes, error_rate, sharpness
    (0, 40, 2, 0.1, 3.0),
    (1, 300, 3, 0.06, 8.0),
    (2, 500, 4, 0.2, 4.0),
    (3, 200, 5, 0.0, 20.0),
    (4, 1000, 7, 0.3, 2.0),
    (5, 400, 10, 0.1, 10.0),
    (6, 150, 12, 0.5, 1.0),
    (7, 800, 15, 0.15, 6.0),
    (8, 2000, 20, 0.05, 15.0),
    (9, 120, 20, 0.25, 3.0),
]


@pytest.mark.parametrize("asymmetric", [False, True])
@pytest.mark.parametrize(("seed", "n_items", "n_classes", "error_rate", "sharpness"), RANDOM_CASES)
def test_matches_cleanlab_on_planted_errors(
    seed, n_items, n_classes, error_rate, sharpness, asymmetric
):
    pred_probs, labels = planted_errors(seed, n_items, n_classes, error_rate, sharpness)
    assert_same_as_cleanlab(labels, pred_probs, asymmetric)


@pytest.mark.parametrize("seed", range(40))
def test_matches_cleanlab_on_random_draws(seed):
    rng = np.random.default_rng(1000 + seed)
    n_classes = int(rng.integers(2, 21))
    pred_probs, labels = planted_errors(
        seed, int(rng.integers(3 * n_classes, 600)), n_classes, rng.uniform(0, 0.6),
        rng.uniform(0.5, 20),
    )
    assert_same_as_cleanlab(labels, pred_probs, asymmetric=bool(seed % 2))


@pytest.mark.parametrize(("seed", "n_classes", "levels"), [(1, 3, 3), (3, 3, 5), (4, 4, 5),
                                                             (1, 6, 2), (3, 10, 5), (4, 20, 2)])
def test_matches_cleanlab_with_ties(seed, n_classes, levels):
    pred_probs, labels = planted_errors(seed, 300, n_classes, 0.2, 2.0)
    pred_probs = quantized(pred_probs, levels)
    summary = assert_same_as_cleanlab(labels, pred_probs)
    # the cases do tie where order matters: equal scores in one table or the other
    quality = summary.classes_by_label_quality["Label Quality Score"]
    overlap = summary.overlapping_classes["Joint Probability"]
    assert np.unique(quality).size < quality.size or np.unique(overlap).size < overlap.size


def test_ties_keep_pandas_order_on_a_symmetric_dataset():
    # Four classes made alike by symmetry: every class and every pair scores the same.
    n_classes = 4
    labels = np.repeat(np.arange(n_classes), 10)
    pred_probs = np.full((40, n_classes), 0.1)
    pred_probs[np.arange(40), labels] = 0.7
    pred_probs[np.arange(0, 40, 10), (labels[::10] + 1) % n_classes] = 0.7
    pred_probs[np.arange(0, 40, 10), labels[::10]] = 0.1
    summary = assert_same_as_cleanlab(labels, pred_probs)
    assert np.unique(summary.classes_by_label_quality["Label Quality Score"]).size == 1


def test_a_class_without_errors():
    pred_probs, labels = planted_errors(11, 400, 5, 0.2, 5.0)
    clean = 2
    labels[labels == clean] = (labels[labels == clean] + 1) % 5  # no one keeps label 2 ...
    labels[pred_probs.argmax(axis=1) == clean] = clean  # ... but its own examples
    pred_probs[labels == clean] = np.eye(5)[clean] * 0.95 + 0.01
    summary = assert_same_as_cleanlab(labels, pred_probs)
    table = summary.classes_by_label_quality
    row = int(np.flatnonzero(table["Class Index"] == clean)[0])
    assert table["Label Issues"][row] == 0 and table["Label Noise"][row] == 0.0
    assert table["Label Quality Score"][row] == 1.0
    assert row == len(table["Class Index"]) - 1  # the best class comes last


def test_a_clean_dataset_scores_one():
    labels = np.arange(30) % 3
    pred_probs = np.full((30, 3), 0.05)
    pred_probs[np.arange(30), labels] = 0.9
    summary = assert_same_as_cleanlab(labels, pred_probs)
    assert summary.overall_label_health_score == 1.0 and summary.num_label_issues == 0
    assert (summary.overlapping_classes["Num Overlapping Examples"] == 0).all()


def test_a_class_with_no_examples():
    pred_probs, labels = planted_errors(12, 300, 4, 0.1, 6.0)
    labels[labels == 3] = 0  # class 3 is never a given label; cleanlab's threshold 2.0
    summary = assert_same_as_cleanlab(labels, pred_probs)
    table = summary.classes_by_label_quality
    row = int(np.flatnonzero(table["Class Index"] == 3)[0])
    assert table["Label Issues"][row] == 0


def test_counts_the_same_confident_joint_as_the_confident_package():
    # The guess kernel health.py shares with confident.cleanlab_confident_joint is cleanlab's.
    for seed, n_classes in [(20, 2), (21, 5), (22, 13)]:
        pred_probs, labels = planted_errors(seed, 500, n_classes, 0.3, 3.0)
        pred_probs = quantized(pred_probs, 6) if seed % 2 else pred_probs
        counts = _confident_joint(labels, _cleanlab_true_label_guess(pred_probs, labels),
                                  n_classes)
        np.fill_diagonal(counts, np.maximum(counts.diagonal(), 1))
        np.testing.assert_array_equal(counts, cleanlab_confident_joint(labels, pred_probs))
        np.testing.assert_array_equal(
            counts, cleanlab_count.compute_confident_joint(labels, pred_probs, calibrate=False))


def test_rows_and_table_shapes():
    pred_probs, labels = planted_errors(13, 200, 6, 0.2, 4.0)
    summary = health_summary(list(labels), pred_probs.tolist())  # array-likes are accepted
    assert tuple(summary.classes_by_label_quality) == CLASS_COLUMNS
    assert tuple(summary.overlapping_classes) == OVERLAP_COLUMNS
    assert all(v.shape == (6,) for v in summary.classes_by_label_quality.values())
    assert all(v.shape == (15,) for v in summary.overlapping_classes.values())
    asymmetric = health_summary(labels, pred_probs, asymmetric=True)
    assert all(v.shape == (30,) for v in asymmetric.overlapping_classes.values())
    rows = summary.rows("overlapping_classes")
    assert all(row["Class Index A"] < row["Class Index B"] for row in rows)
    assert all(type(row["Joint Probability"]) is float for row in rows)
    with pytest.raises(ValueError, match="table must be"):
        summary.rows("joint")


def test_imports_numpy_alone():
    code = ("import sys, pyvizzy.health; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'sklearn', "
            "'scipy', 'cleanlab'}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------

GOOD_PROBS = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
GOOD_LABELS = np.array([0, 1, 1])


@pytest.mark.parametrize(("labels", "pred_probs", "message"), [
    ([0, 2, 1], GOOD_PROBS, r"labels\[1\] = 2 is not a class index in \[0, 2\)"),
    ([0, -1, 1], GOOD_PROBS, r"labels\[1\] = -1"),
    ([0.0, 1.0, 1.0], GOOD_PROBS, "labels must hold integers"),
    ([0, 1], GOOD_PROBS, "labels has 2 entries, expected 3"),
    ([[0, 1, 1]], GOOD_PROBS, "labels must be 1-D"),
    ([1, 1, 1], GOOD_PROBS, "labels must hold at least 2 distinct classes"),
    (GOOD_LABELS, [0.5, 0.5, 0.5], "pred_probs must be 2-D"),
    (GOOD_LABELS, [[0.9, 0.1], [np.nan, 0.5], [0.5, 0.5]], "pred_probs row 1 has a non-finite"),
    (GOOD_LABELS, [[0.9, 0.1], [1.2, -0.2], [0.5, 0.5]], "pred_probs row 1 has a negative"),
    (GOOD_LABELS, [[0.9, 0.1], [0.2, 0.8], [0.6, 0.5]], "pred_probs row 2 sums to"),
    (GOOD_LABELS, [[1.0], [1.0], [1.0]], "pred_probs must have at least 2 columns"),
    (GOOD_LABELS, np.empty((0, 2)), "pred_probs has no rows"),
    (GOOD_LABELS, [["a", "b"]] * 3, "pred_probs must be a 2-D array of numbers"),
])
def test_bad_input_is_refused_naming_the_argument(labels, pred_probs, message):
    with pytest.raises(ValueError, match=message):
        health_summary(labels, pred_probs)


def test_asymmetric_must_be_a_bool():
    with pytest.raises(ValueError, match="asymmetric must be True or False"):
        health_summary(GOOD_LABELS, GOOD_PROBS, asymmetric="yes")
