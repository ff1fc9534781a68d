"""Tests of pyvizzy.confident: parity with cleanlab, Vizzy's rule, properties, validation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from pyvizzy import confident
from pyvizzy.confident import (
    CATEGORIES,
    categorize,
    cleanlab_confident_joint,
    confident_joint,
    detection_report,
    label_quality_scores,
    mean_thresholds,
    ood_mask,
    percentile_thresholds,
    suggested_labels,
)

cleanlab_count = pytest.importorskip("cleanlab.count", reason="cleanlab is the reference")
cleanlab_rank = pytest.importorskip("cleanlab.rank", reason="cleanlab is the reference")


# --------------------------------------------------------------------------------------------
# Input generators
# --------------------------------------------------------------------------------------------


def noisy_problem(seed: int, n_items: int, n_classes: int, noise: float, sharpness: float):
    """Labels drawn through a known noise matrix, and model-like predicted probabilities.

    True labels come from a random prior; ``noise_matrix[i, j] = P(given=i | true=j)``
    keeps ``1 - noise`` on the diagonal; the predicted probabilities are Dirichlet draws
    concentrated (by ``sharpness``) on the true class.
    """
    rng = np.random.default_rng(seed)
    prior = rng.dirichlet(np.full(n_classes, 5.0))
    true_labels = rng.choice(n_classes, size=n_items, p=prior)
    off_diagonal = rng.dirichlet(np.ones(n_classes - 1), size=n_classes) * noise
    noise_matrix = np.zeros((n_classes, n_classes))
    for j in range(n_classes):
        noise_matrix[j, j] = 1 - noise
        noise_matrix[np.arange(n_classes) != j, j] = off_diagonal[j]
    labels = np.array([rng.choice(n_classes, p=noise_matrix[:, t]) for t in true_labels])
    concentration = np.ones((n_items, n_classes))
    concentration[np.arange(n_items), true_labels] += sharpness
    pred_probs = np.array([rng.dirichlet(row) for row in concentration])
    return pred_probs, labels


def quantized(pred_probs: np.ndarray, levels: int) -> np.ndarray:
    """Round probabilities onto a coarse grid so that many values tie exactly."""
    counts = np.round(pred_probs * levels)
    counts[counts.sum(axis=1) == 0, 0] = 1
    return counts / counts.sum(axis=1, keepdims=True)


NOISY_CASES = [
    (seed, n_items, n_classes, noise, sharpness)
    for seed, (n_items, n_classes, noise, sharpness) in enumerate(
        [
            (300, 3, 0.1, 4.0),
            (300, 3, 0.3, 2.0),
            (50, 2, 0.2, 3.0),
            (500, 5, 0.4, 6.0),
            (120, 4, 0.0, 1.0),
            (1000, 10, 0.25, 8.0),
            (40, 6, 0.5, 0.5),
            (200, 3, 0.05, 20.0),
        ]
        * 3
    )
]


@st.composite
def probs_and_labels(draw, min_classes=2, max_classes=5, max_items=60, ties=None):
    """Valid (pred_probs, labels); integer weights normalized, so ties are common."""
    n_classes = draw(st.integers(min_classes, max_classes))
    n_items = draw(st.integers(1, max_items))
    use_ties = draw(st.booleans()) if ties is None else ties
    if use_ties:
        weights = draw(
            hnp.arrays(np.int64, (n_items, n_classes), elements=st.integers(0, 4))
        ).astype(np.float64)
    else:
        weights = draw(
            hnp.arrays(
                np.float64,
                (n_items, n_classes),
                elements=st.floats(0, 1, allow_nan=False, allow_infinity=False),
            )
        )
    weights[weights.sum(axis=1) == 0] = 1.0
    pred_probs = weights / weights.sum(axis=1, keepdims=True)
    labels = draw(hnp.arrays(np.int64, n_items, elements=st.integers(0, n_classes - 1)))
    return pred_probs, labels


percentiles = st.floats(0, 100, allow_nan=False)


# --------------------------------------------------------------------------------------------
# Parity with cleanlab
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("seed", "n_items", "n_classes", "noise", "sharpness"), NOISY_CASES)
def test_cleanlab_confident_joint_matches_cleanlab(seed, n_items, n_classes, noise, sharpness):
    pred_probs, labels = noisy_problem(seed, n_items, n_classes, noise, sharpness)
    for probs in (pred_probs, quantized(pred_probs, 4)):
        expected = cleanlab_count.compute_confident_joint(labels, probs, calibrate=False)
        np.testing.assert_array_equal(cleanlab_confident_joint(labels, probs), expected)


@pytest.mark.parametrize(("seed", "n_items", "n_classes", "noise", "sharpness"), NOISY_CASES)
@pytest.mark.parametrize("method", ["self_confidence", "normalized_margin"])
def test_label_quality_scores_match_cleanlab(seed, n_items, n_classes, noise, sharpness, method):
    pred_probs, labels = noisy_problem(seed, n_items, n_classes, noise, sharpness)
    for probs in (pred_probs, quantized(pred_probs, 3)):
        expected = cleanlab_rank.get_label_quality_scores(labels, probs, method=method)
        np.testing.assert_allclose(
            label_quality_scores(probs, labels, method=method), expected, rtol=0, atol=1e-12
        )


@pytest.mark.parametrize(("seed", "n_items", "n_classes", "noise", "sharpness"), NOISY_CASES)
def test_mean_thresholds_match_cleanlab(seed, n_items, n_classes, noise, sharpness):
    pred_probs, labels = noisy_problem(seed, n_items, n_classes, noise, sharpness)
    expected = cleanlab_count.get_confident_thresholds(labels, pred_probs)
    present = np.isin(np.arange(n_classes), labels)
    thresholds = mean_thresholds(pred_probs, labels)
    np.testing.assert_array_equal(thresholds[present], expected[present])
    np.testing.assert_array_equal(thresholds[~present], 1.0)


def test_cleanlab_parity_with_a_class_that_has_no_examples():
    pred_probs, labels = noisy_problem(7, 200, 4, 0.2, 3.0)
    labels = np.where(labels == 2, 0, labels)  # class 2 now has no examples
    expected = cleanlab_count.compute_confident_joint(labels, pred_probs, calibrate=False)
    joint = cleanlab_confident_joint(labels, pred_probs)
    np.testing.assert_array_equal(joint, expected)
    assert joint[2, 2] == 1 and joint[2].sum() == 1  # only cleanlab's forced diagonal
    for method in ("self_confidence", "normalized_margin"):
        np.testing.assert_allclose(
            label_quality_scores(pred_probs, labels, method=method),
            cleanlab_rank.get_label_quality_scores(labels, pred_probs, method=method),
            rtol=0,
            atol=1e-12,
        )


def test_cleanlab_corner_cases_several_and_no_confident_classes():
    # Thresholds (means of self-confidence) are 0.5 for class 0, 0.45 for class 1 and
    # 0.3 for class 2. Row 4 is confident in classes 1 and 2 but its argmax is class 0,
    # which is not confident: cleanlab still counts it under class 0. Row 5 is
    # confident in no class and is not counted. Rows 6 and 7 tie.
    pred_probs = np.array(
        [
            [0.7, 0.2, 0.1],
            [0.3, 0.6, 0.1],
            [0.2, 0.3, 0.5],
            [0.3, 0.3, 0.4],
            [0.48, 0.46, 0.06],
            [0.2, 0.2, 0.6],
            [0.45, 0.45, 0.1],
            [0.35, 0.35, 0.3],
        ]
    )
    labels = np.array([0, 1, 2, 0, 1, 2, 1, 0])
    expected = cleanlab_count.compute_confident_joint(labels, pred_probs, calibrate=False)
    np.testing.assert_array_equal(cleanlab_confident_joint(labels, pred_probs), expected)


@settings(max_examples=150, deadline=None)
@given(probs_and_labels())
def test_cleanlab_parity_property(case):
    pred_probs, labels = case
    expected = cleanlab_count.compute_confident_joint(labels, pred_probs, calibrate=False)
    np.testing.assert_array_equal(cleanlab_confident_joint(labels, pred_probs), expected)
    if np.unique(labels).size > 1:  # cleanlab refuses a single class
        for method in ("self_confidence", "normalized_margin"):
            np.testing.assert_allclose(
                label_quality_scores(pred_probs, labels, method=method),
                cleanlab_rank.get_label_quality_scores(labels, pred_probs, method=method),
                rtol=0,
                atol=1e-12,
            )


# --------------------------------------------------------------------------------------------
# Vizzy's rule against a direct, per-example reading of its definition
# --------------------------------------------------------------------------------------------


def reference_categories(pred_probs, labels, class_percentile, ood_percentile):
    """Vizzy's rule written out one example at a time, with np.percentile."""
    n_items, n_classes = pred_probs.shape
    class_thresholds, ood_thresholds = [], []
    for k in range(n_classes):
        own = [pred_probs[i, k] for i in range(n_items) if labels[i] == k]
        class_thresholds.append(np.percentile(own, class_percentile) if own else 1.0)
        ood_thresholds.append(np.percentile(own, ood_percentile) if own else 1.0)
    result = []
    for i in range(n_items):
        row = list(pred_probs[i])
        best = row.index(max(row))
        if row[best] >= class_thresholds[best]:
            result.append("clean" if best == labels[i] else "label_issue")
        elif all(row[k] < ood_thresholds[k] for k in range(n_classes)):
            result.append("ood")
        else:
            result.append("unconfident")
    return np.array(class_thresholds), np.array(ood_thresholds), result


@pytest.mark.parametrize(("seed", "n_items", "n_classes", "noise", "sharpness"), NOISY_CASES[:8])
@pytest.mark.parametrize(("class_percentile", "ood_percentile"), [(50, 15), (0, 0), (95, 40)])
def test_categorize_matches_the_rule(
    seed, n_items, n_classes, noise, sharpness, class_percentile, ood_percentile
):
    pred_probs, labels = noisy_problem(seed, n_items, n_classes, noise, sharpness)
    class_thresholds, ood_thresholds, expected = reference_categories(
        pred_probs, labels, class_percentile, ood_percentile
    )
    result = categorize(pred_probs, labels, class_percentile, ood_percentile)
    np.testing.assert_array_equal(result.class_thresholds, class_thresholds)
    np.testing.assert_array_equal(result.ood_thresholds, ood_thresholds)
    assert result.categories.tolist() == expected


def test_small_example_worked_by_hand():
    pred_probs = np.array(
        [
            [0.9, 0.1],  # given 0: self-confidence 0.9
            [0.6, 0.4],  # given 0: 0.6
            [0.3, 0.7],  # given 0: 0.3 -> suggested 1 (0.7 >= 0.65): label issue
            [0.2, 0.8],  # given 1: 0.8
            [0.5, 0.5],  # given 1: 0.5 -> argmax 0, 0.5 < 0.6; OOD? 0.5 >= 0.42: no
        ]
    )
    labels = np.array([0, 0, 0, 1, 1])
    # class 0 self-confidences 0.3, 0.6, 0.9: median 0.6, 15th percentile 0.39.
    # class 1 self-confidences 0.5, 0.8: median 0.65, 15th percentile 0.545.
    result = categorize(pred_probs, labels)
    np.testing.assert_allclose(result.class_thresholds, [0.6, 0.65])
    np.testing.assert_allclose(result.ood_thresholds, [0.39, 0.545])
    assert result.suggested.tolist() == [0, 0, 1, 1, -1]
    assert result.categories.tolist() == ["clean", "clean", "label_issue", "clean", "unconfident"]
    np.testing.assert_array_equal(result.joint, [[2, 1], [0, 1]])
    # Lower the OOD bar above 0.5 for both classes and row 4 becomes OOD.
    assert categorize(pred_probs, labels, ood_percentile=100).categories[4] == "ood"


def test_tie_takes_the_first_class_like_vizzy():
    pred_probs = np.array([[0.4, 0.4, 0.2], [0.2, 0.4, 0.4]])
    assert suggested_labels(pred_probs, [0.4, 0.4, 0.4]).tolist() == [0, 1]
    assert suggested_labels(pred_probs, [0.41, 0.4, 0.4]).tolist() == [-1, 1]


def test_mean_mode_uses_mean_class_thresholds_and_percentile_ood_thresholds():
    pred_probs, labels = noisy_problem(3, 300, 3, 0.2, 3.0)
    result = categorize(pred_probs, labels, ood_percentile=20, threshold_mode="mean")
    np.testing.assert_array_equal(result.class_thresholds, mean_thresholds(pred_probs, labels))
    np.testing.assert_array_equal(
        result.ood_thresholds, percentile_thresholds(pred_probs, labels, 20)
    )
    np.testing.assert_array_equal(
        result.suggested, suggested_labels(pred_probs, result.class_thresholds)
    )


def test_empty_class_gets_threshold_one():
    pred_probs, labels = noisy_problem(4, 100, 3, 0.1, 3.0)
    labels[labels == 1] = 0
    assert percentile_thresholds(pred_probs, labels, 30)[1] == 1.0
    assert mean_thresholds(pred_probs, labels)[1] == 1.0
    result = categorize(pred_probs, labels)
    assert not np.any((result.suggested == 1) & (pred_probs[:, 1] < 1.0))


def test_categorization_is_read_only_and_counts_agree():
    pred_probs, labels = noisy_problem(5, 150, 3, 0.2, 2.0)
    result = categorize(pred_probs, labels)
    with pytest.raises(ValueError, match="read-only"):
        result.categories[0] = "clean"
    counts = result.counts()
    assert list(counts) == list(CATEGORIES)
    for name in CATEGORIES:
        assert counts[name] == int(np.sum(result.categories == name))
        np.testing.assert_array_equal(
            result.indices(name), np.flatnonzero(result.categories == name)
        )
    with pytest.raises(ValueError, match="unknown category"):
        result.indices("noise")


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(probs_and_labels(), percentiles)
def test_percentile_thresholds_equal_numpy_percentile_exactly(case, percentile):
    pred_probs, labels = case
    thresholds = percentile_thresholds(pred_probs, labels, percentile)
    for k in range(pred_probs.shape[1]):
        own = pred_probs[labels == k, k]
        assert thresholds[k] == (np.percentile(own, percentile) if own.size else 1.0)


@settings(max_examples=200, deadline=None)
@given(probs_and_labels(), percentiles, percentiles, st.sampled_from(["percentile", "mean"]))
def test_categories_partition_and_follow_their_definitions(
    case, class_percentile, ood_percentile, mode
):
    pred_probs, labels = case
    result = categorize(pred_probs, labels, class_percentile, ood_percentile, mode)
    n_items = labels.size
    assert result.categories.shape == (n_items,)
    assert set(result.categories.tolist()) <= set(CATEGORIES)
    masks = {name: result.categories == name for name in CATEGORIES}
    assert sum(mask.astype(int) for mask in masks.values()).tolist() == [1] * n_items
    has_suggestion = result.suggested >= 0
    np.testing.assert_array_equal(masks["clean"], has_suggestion & (result.suggested == labels))
    np.testing.assert_array_equal(
        masks["label_issue"], has_suggestion & (result.suggested != labels)
    )
    np.testing.assert_array_equal(masks["ood"], ~has_suggestion & result.ood)
    np.testing.assert_array_equal(masks["unconfident"], ~has_suggestion & ~result.ood)
    np.testing.assert_array_equal(result.ood, ood_mask(pred_probs, result.ood_thresholds))


@settings(max_examples=200, deadline=None)
@given(probs_and_labels(), percentiles, percentiles)
def test_raising_class_percentile_never_adds_a_suggestion(case, first, second):
    pred_probs, labels = case
    lower, higher = sorted((first, second))
    at_lower = categorize(pred_probs, labels, class_percentile=lower).suggested
    at_higher = categorize(pred_probs, labels, class_percentile=higher).suggested
    kept = at_higher >= 0
    assert np.all(at_lower[kept] == at_higher[kept])
    assert kept.sum() <= (at_lower >= 0).sum()


@settings(max_examples=200, deadline=None)
@given(probs_and_labels(), percentiles, percentiles)
def test_joint_counts_exactly_the_suggested_examples(case, class_percentile, ood_percentile):
    pred_probs, labels = case
    result = categorize(pred_probs, labels, class_percentile, ood_percentile)
    n_classes = pred_probs.shape[1]
    assert result.joint.shape == (n_classes, n_classes)
    assert result.joint.sum() == np.sum(result.suggested >= 0)
    for given_label in range(n_classes):
        for suggestion in range(n_classes):
            assert result.joint[given_label, suggestion] == np.sum(
                (labels == given_label) & (result.suggested == suggestion)
            )
    assert np.trace(result.joint) == np.sum(result.categories == "clean")


@settings(max_examples=200, deadline=None)
@given(probs_and_labels(), percentiles)
def test_ood_percentile_zero_gives_no_ood(case, class_percentile):
    pred_probs, labels = case
    result = categorize(pred_probs, labels, class_percentile, ood_percentile=0)
    assert not result.ood.any()
    assert "ood" not in result.categories.tolist()


@settings(max_examples=100, deadline=None)
@given(probs_and_labels(), st.integers(0, 20))
def test_confident_joint_matches_a_loop(case, seed):
    pred_probs, labels = case
    n_classes = pred_probs.shape[1]
    suggested = np.random.default_rng(seed).integers(-1, n_classes, labels.size)
    expected = np.zeros((n_classes, n_classes), dtype=np.int64)
    for label, suggestion in zip(labels, suggested, strict=True):
        if suggestion >= 0:
            expected[label, suggestion] += 1
    np.testing.assert_array_equal(confident_joint(labels, suggested, n_classes), expected)


# --------------------------------------------------------------------------------------------
# detection_report
# --------------------------------------------------------------------------------------------


def test_detection_report_small_case():
    categories = ["label_issue", "ood", "clean", "label_issue", "ood", "unconfident", "ood"]
    labels = [0, 1, 2, 0, 1, 2, 0]
    truth = [1, -1, 2, -1, 1, 0, -2]  # last one unknown: excluded
    report = detection_report(categories, labels, truth)
    assert (report.n_evaluated, report.n_excluded) == (6, 1)
    # actual errors: rows 0 (cross), 1 (OOD), 3 (OOD), 5 (cross); flagged: 0, 1, 3, 4
    assert (report.overall.n_actual, report.overall.n_flagged) == (4, 4)
    assert report.overall.n_correct == 3
    assert report.overall.precision == pytest.approx(3 / 4)
    assert report.overall.recall == pytest.approx(3 / 4)
    # cross-class: actual 0 and 5, flagged as label_issue 0 and 3 -> 1 correct
    assert (report.cross_class.n_actual, report.cross_class.n_flagged) == (2, 2)
    assert report.cross_class.n_correct == 1
    # OOD: actual 1 and 3, flagged as ood 1 and 4 -> 1 correct
    assert (report.ood.n_actual, report.ood.n_flagged, report.ood.n_correct) == (2, 2, 1)


def test_detection_report_nan_when_nothing_flagged_or_no_errors():
    report = detection_report(["clean", "unconfident"], [0, 1], [0, 1])
    assert np.isnan(report.overall.precision) and np.isnan(report.overall.recall)
    assert report.as_dict()["overall"]["n_flagged"] == 0


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_detection_report_matches_a_loop(data):
    n_items = data.draw(st.integers(1, 40))
    categories = data.draw(
        st.lists(st.sampled_from(CATEGORIES), min_size=n_items, max_size=n_items)
    )
    labels = data.draw(st.lists(st.integers(0, 3), min_size=n_items, max_size=n_items))
    truth = data.draw(st.lists(st.integers(-2, 3), min_size=n_items, max_size=n_items))
    report = detection_report(categories, labels, truth)
    rows = [(c, g, t) for c, g, t in zip(categories, labels, truth, strict=True) if t != -2]
    flagged = [c in ("label_issue", "ood") and t != g for c, g, t in rows]
    assert report.overall.n_correct == sum(flagged)
    assert report.overall.n_actual == sum(t != g for _, g, t in rows)
    assert report.cross_class.n_correct == sum(
        c == "label_issue" and t >= 0 and t != g for c, g, t in rows
    )
    assert report.ood.n_correct == sum(c == "ood" and t == -1 for c, _, t in rows)
    assert report.n_evaluated + report.n_excluded == n_items


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------

GOOD_PROBS = np.array([[0.7, 0.3], [0.2, 0.8], [0.5, 0.5]])
GOOD_LABELS = np.array([0, 1, 1])


@pytest.mark.parametrize(
    ("pred_probs", "message"),
    [
        (np.array([0.5, 0.5]), "must be 2-D"),
        (np.zeros((0, 2)), "no rows"),
        (np.ones((3, 1)), "at least 2 columns"),
        (np.array([[0.7, 0.3], [np.nan, 0.8], [0.5, 0.5]]), "row 1 has a non-finite"),
        (np.array([[0.7, 0.3], [0.2, 0.8], [np.inf, 0.5]]), "row 2 has a non-finite"),
        (np.array([[1.2, -0.2], [0.2, 0.8], [0.5, 0.5]]), "row 0 has a negative"),
        (np.array([[0.7, 0.3], [0.2, 0.7], [0.5, 0.5]]), "row 1 sums to"),
        ([["a", "b"], ["c", "d"], ["e", "f"]], "2-D array of numbers"),
    ],
)
def test_bad_pred_probs(pred_probs, message):
    with pytest.raises(ValueError, match=message):
        categorize(pred_probs, GOOD_LABELS)


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (np.array([0, 1]), "has 2 entries, expected 3"),
        (np.array([0, 2, 1]), r"labels\[1\] = 2 is not a class index in \[0, 2\)"),
        (np.array([0, -1, 1]), r"labels\[1\] = -1"),
        (np.array([0.0, 1.0, 1.0]), "must hold integers"),
        (np.array([[0, 1, 1]]), "must be 1-D"),
    ],
)
def test_bad_labels(labels, message):
    with pytest.raises(ValueError, match=message):
        categorize(GOOD_PROBS, labels)
    with pytest.raises(ValueError, match=message):
        label_quality_scores(GOOD_PROBS, labels)


@pytest.mark.parametrize("value", [-0.1, 100.5, float("nan"), "high", None])
def test_bad_percentile(value):
    with pytest.raises(ValueError, match="percentile"):
        percentile_thresholds(GOOD_PROBS, GOOD_LABELS, value)
    with pytest.raises(ValueError, match="class_percentile"):
        categorize(GOOD_PROBS, GOOD_LABELS, class_percentile=value)
    with pytest.raises(ValueError, match="ood_percentile"):
        categorize(GOOD_PROBS, GOOD_LABELS, ood_percentile=value)


def test_other_bad_arguments():
    with pytest.raises(ValueError, match="threshold_mode"):
        categorize(GOOD_PROBS, GOOD_LABELS, threshold_mode="median")
    with pytest.raises(ValueError, match="method"):
        label_quality_scores(GOOD_PROBS, GOOD_LABELS, method="entropy")
    with pytest.raises(ValueError, match=r"class_thresholds must have shape \(2,\)"):
        suggested_labels(GOOD_PROBS, [0.5, 0.5, 0.5])
    with pytest.raises(ValueError, match=r"ood_thresholds\[1\] is not finite"):
        ood_mask(GOOD_PROBS, [0.5, np.nan])
    with pytest.raises(ValueError, match=r"suggested\[0\] = -2"):
        confident_joint(GOOD_LABELS, [-2, 0, 1], 2)
    with pytest.raises(ValueError, match=r"suggested\[2\] = 2"):
        confident_joint(GOOD_LABELS, [0, 0, 2], 2)
    with pytest.raises(ValueError, match="n_classes must be an integer"):
        confident_joint(GOOD_LABELS, [0, 0, 1], 2.0)
    with pytest.raises(ValueError, match=r"categories\[1\] = 'bad'"):
        detection_report(["clean", "bad"], [0, 1], [0, 1])
    with pytest.raises(ValueError, match=r"truth\[0\] = -3"):
        detection_report(["clean", "clean"], [0, 1], [-3, 1])
    with pytest.raises(ValueError, match="truth has 1 entries, expected 2"):
        detection_report(["clean", "clean"], [0, 1], [0])


def test_row_sum_tolerance_accepts_float32_rounding():
    pred_probs = np.random.default_rng(0).dirichlet(np.ones(3), size=200).astype(np.float32)
    labels = np.arange(200) % 3
    assert categorize(pred_probs, labels).categories.shape == (200,)
    assert confident.ROW_SUM_TOLERANCE < 1e-3
