"""The OOD lens by outlier score in :func:`pyvizzy.confident.categorize`, and the sweep of
every slider setting (:mod:`pyvizzy.confident.sweep`) against :func:`detection_report`."""

from __future__ import annotations

import numpy as np
import pytest

from pyvizzy.confident import categorize, detection_report, score_ood_mask
from pyvizzy.confident.sweep import PERCENTILES, detection_sweep


def _case(seed: int, n_items: int, n_classes: int, unknown: float = 0.2):
    rng = np.random.default_rng(seed)
    pred_probs = rng.dirichlet(np.full(n_classes, 0.6), size=n_items)
    labels = rng.integers(0, n_classes, n_items)
    labels[:n_classes] = np.arange(n_classes)  # every class given at least once
    truth = np.where(rng.random(n_items) < 0.7, labels, rng.integers(-1, n_classes, n_items))
    truth[rng.random(n_items) < unknown] = -2
    scores = rng.random(n_items)
    scores[rng.random(n_items) < 0.2] = 0.5  # ties at the cut
    return pred_probs, labels, truth, scores


def test_score_lens_flags_the_scores_below_the_percentile_whatever_the_suggestion():
    pred_probs, labels, _, scores = _case(0, 120, 3)
    for percentile in (0, 15, 50, 100):
        result = categorize(pred_probs, labels, 30, percentile, ood_scores=scores)
        cut = np.percentile(scores, percentile)
        assert result.ood_score_cut == cut
        np.testing.assert_array_equal(result.categories == "ood", scores < cut)
        np.testing.assert_array_equal(result.ood, scores < cut)
        # The rest are categorized as without the lens; the OOD items leave the joint.
        plain = categorize(pred_probs, labels, 30, percentile)
        kept = ~(scores < cut)
        np.testing.assert_array_equal(result.suggested[kept], plain.suggested[kept])
        assert (result.suggested[~kept] == -1).all()
        assert result.joint.sum() == (result.suggested >= 0).sum()
        assert plain.ood_score_cut is None


def test_score_ood_mask_and_its_refusals():
    mask, cut = score_ood_mask([0.3, 0.1, 0.2, 0.4], 50)
    assert cut == 0.25
    np.testing.assert_array_equal(mask, [False, True, True, False])
    with pytest.raises(ValueError, match=r"ood_scores\[1\] = nan is not finite"):
        score_ood_mask([0.1, np.nan], 10)
    with pytest.raises(ValueError, match="ood_scores has 2 values for 3 examples"):
        categorize(np.full((3, 2), 0.5), [0, 1, 0], ood_scores=[0.1, 0.2])
    with pytest.raises(ValueError, match="percentile"):
        score_ood_mask([0.1, 0.2], 101)


@pytest.mark.parametrize("lens", ["rule", "knn"])
@pytest.mark.parametrize(("seed", "n_items", "n_classes"), [(0, 60, 2), (1, 150, 3), (2, 90, 7),
                                                             (3, 200, 20)])
def test_the_sweep_equals_the_report_at_every_setting(lens, seed, n_items, n_classes):
    pred_probs, labels, truth, scores = _case(seed, n_items, n_classes)
    ood_scores = scores if lens == "knn" else None
    sweep = detection_sweep(pred_probs, labels, truth, ood_scores)
    rng = np.random.default_rng(seed)
    settings = [(0, 0), (100, 100), (50, 15), (15, 50), (0, 100), (100, 0)]
    settings += [tuple(int(v) for v in rng.integers(0, 101, 2)) for _ in range(40)]
    for class_percentile, ood_percentile in settings:
        result = categorize(pred_probs, labels, class_percentile, ood_percentile,
                            ood_scores=ood_scores)
        expected = detection_report(result.categories, labels, truth)
        assert sweep.report_at(class_percentile, ood_percentile) == expected


def test_the_curve_is_the_reports_along_the_class_percentile():
    pred_probs, labels, truth, scores = _case(5, 160, 4)
    sweep = detection_sweep(pred_probs, labels, truth, scores)
    precision, recall = sweep.curve("overall", 20)
    assert precision.shape == recall.shape == (len(PERCENTILES),)
    for class_percentile in PERCENTILES:
        report = detection_report(
            categorize(pred_probs, labels, class_percentile, 20, ood_scores=scores).categories,
            labels, truth,
        ).overall
        np.testing.assert_equal(precision[class_percentile], report.precision)
        np.testing.assert_equal(recall[class_percentile], report.recall)


def test_the_sweep_with_no_actual_error_has_nan_recall():
    pred_probs, labels, _, _ = _case(6, 50, 2)
    sweep = detection_sweep(pred_probs, labels, labels)
    precision, recall = sweep.curve("cross_class", 15)
    assert np.isnan(recall).all()
    assert sweep.n_actual["overall"] == 0
    assert np.nanmax(precision, initial=0) == 0


@pytest.mark.parametrize("lens", ["rule", "knn"])
def test_the_sweep_holds_with_a_class_nobody_is_given(lens):
    pred_probs, labels, truth, scores = _case(8, 120, 5)
    labels = labels % 4  # class 4 is never given: its threshold is the empty class's
    ood_scores = scores if lens == "knn" else None
    sweep = detection_sweep(pred_probs, labels, truth, ood_scores)
    for class_percentile, ood_percentile in ((50, 15), (0, 100), (100, 0), (30, 70)):
        result = categorize(pred_probs, labels, class_percentile, ood_percentile,
                            ood_scores=ood_scores)
        assert sweep.report_at(class_percentile, ood_percentile) == detection_report(
            result.categories, labels, truth)
