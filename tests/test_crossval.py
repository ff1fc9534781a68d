"""Tests of pyvizzy.crossval: out-of-sample, shapes, determinism, libsvm parity, errors."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyvizzy import crossval
from pyvizzy.crossval import couple_pairwise, out_of_sample_pred_probs, platt_sigmoid


def blobs(seed: int, sizes=(40, 40, 40), n_features: int = 8, spread: float = 2.0):
    """Overlapping Gaussian clusters, one per class, labels in cluster order."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=spread, size=(len(sizes), n_features))
    features = np.concatenate(
        [
            center + rng.normal(size=(size, n_features))
            for center, size in zip(centers, sizes, strict=True)
        ]
    )
    labels = np.repeat(np.arange(len(sizes)), sizes)
    return features, labels


def test_shape_rows_sum_to_one_and_probabilities_are_informative():
    features, labels = blobs(0)
    pred_probs = out_of_sample_pred_probs(features, labels, C=10.0, gamma=0.1)
    assert pred_probs.shape == (120, 3)
    assert np.all(pred_probs >= 0)
    np.testing.assert_allclose(pred_probs.sum(axis=1), 1.0, atol=1e-12)
    accuracy = np.mean(pred_probs.argmax(axis=1) == labels)
    assert accuracy > 0.6  # the clusters are separable enough; chance is 1/3


def test_identical_output_for_identical_input_and_seed():
    features, labels = blobs(1)
    first = out_of_sample_pred_probs(features, labels, seed=3)
    second = out_of_sample_pred_probs(features.copy(), labels.copy(), seed=3)
    np.testing.assert_array_equal(first, second)
    other_seed = out_of_sample_pred_probs(features, labels, seed=4)
    assert not np.array_equal(first, other_seed)


def test_every_row_is_predicted_by_a_model_that_did_not_see_it(monkeypatch):
    features, labels = blobs(2, sizes=(23, 31, 17))
    fits = []
    original = crossval._RowSVC.fit_decision

    def spy(self, train_rows, all_labels, predict_rows):
        fits.append((train_rows.copy(), predict_rows.copy()))
        return original(self, train_rows, all_labels, predict_rows)

    monkeypatch.setattr(crossval._RowSVC, "fit_decision", spy)
    calls = []
    original_fold = crossval._fit_predict_proba

    def fold_spy(svc, all_labels, train_rows, test_rows, seed):
        calls.append((train_rows.copy(), test_rows.copy()))
        return original_fold(svc, all_labels, train_rows, test_rows, seed)

    monkeypatch.setattr(crossval, "_fit_predict_proba", fold_spy)
    out_of_sample_pred_probs(features, labels, n_folds=4)
    assert len(calls) == 4
    seen = np.concatenate([test for _, test in calls])
    np.testing.assert_array_equal(np.sort(seen), np.arange(labels.size))  # each row once
    for train, test in calls:
        assert not np.intersect1d(train, test).size
        assert train.size + test.size == labels.size
    # No SVC, for calibration or prediction, is ever fitted on a row it then scores.
    assert len(fits) == 4 * (crossval.CALIBRATION_FOLDS + 1)
    for fitted_rows, scored_rows in fits:
        assert not np.intersect1d(fitted_rows, scored_rows).size
    # Every model fitted while predicting a fold's rows excludes all of that fold.
    for (train, _), fold_fits in zip(calls, np.array_split(np.arange(len(fits)), 4), strict=True):
        for index in fold_fits:
            assert np.isin(fits[index][0], train).all()


def test_precomputed_gram_and_direct_rbf_agree(monkeypatch):
    features, labels = blobs(12)
    assert features.shape[0] <= crossval.GRAM_MAX_ITEMS
    with_gram = out_of_sample_pred_probs(features, labels, seed=1)
    monkeypatch.setattr(crossval, "GRAM_MAX_ITEMS", 0)  # force libsvm's own RBF on features
    np.testing.assert_allclose(
        out_of_sample_pred_probs(features, labels, seed=1), with_gram, atol=1e-9
    )


def test_mislabelled_point_gets_a_low_probability_for_its_given_label():
    # An in-sample SVC with C=10 would memorise the flipped label; out-of-sample it cannot.
    features, labels = blobs(3, spread=4.0)
    labels = labels.copy()
    labels[5] = 1  # a class-0 point given label 1
    pred_probs = out_of_sample_pred_probs(features, labels, gamma=0.05)
    assert pred_probs[5, 1] < 0.5
    assert pred_probs[5, 0] > pred_probs[5, 1]


def test_columns_for_all_classes_even_when_a_class_index_has_no_examples():
    features, labels = blobs(4, sizes=(20, 20))
    labels = np.where(labels == 1, 2, 0)  # classes 0 and 2; index 1 unused
    pred_probs = out_of_sample_pred_probs(features, labels)
    assert pred_probs.shape == (40, 3)
    np.testing.assert_array_equal(pred_probs[:, 1], 0.0)
    np.testing.assert_allclose(pred_probs.sum(axis=1), 1.0, atol=1e-12)


def test_smallest_allowed_class_works():
    features, labels = blobs(5, sizes=(30, 5, 30))
    pred_probs = out_of_sample_pred_probs(features, labels, n_folds=5)
    assert pred_probs.shape == (65, 3)
    np.testing.assert_allclose(pred_probs.sum(axis=1), 1.0, atol=1e-12)


def test_close_to_libsvm_probability_estimates():
    """Same model as SVC(probability=True) (libsvm), built without the deprecated flag."""
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import SVC

    if "probability" not in inspect.signature(SVC).parameters:
        pytest.skip("this scikit-learn no longer has SVC(probability=True) to compare with")

    features, labels = blobs(6, sizes=(60, 60, 60), n_features=16, spread=1.0)
    ours = out_of_sample_pred_probs(features, labels, C=10.0, gamma=0.05, seed=0)
    libsvm = np.zeros_like(ours)
    splitter = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # deprecated in scikit-learn 1.9
        for train, test in splitter.split(features, labels):
            model = SVC(C=10.0, gamma=0.05, probability=True, random_state=0)
            libsvm[test] = model.fit(features[train], labels[train]).predict_proba(features[test])
    difference = np.abs(ours - libsvm)
    print(f"mean |ours - libsvm| = {difference.mean():.4f}, max = {difference.max():.4f}")
    assert difference.mean() < 0.03
    assert np.mean(ours.argmax(axis=1) == libsvm.argmax(axis=1)) > 0.95


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(5, 12), min_size=2, max_size=5),
    n_folds=st.integers(2, 5),
    seed=st.integers(0, 2**31 - 1),
    order_seed=st.integers(0, 1000),
)
def test_stratified_folds_are_scikit_learns(sizes, n_folds, seed, order_seed):
    from sklearn.model_selection import StratifiedKFold

    labels = np.repeat(np.arange(len(sizes)) * 3 + 1, sizes)  # non-contiguous class values
    labels = np.random.default_rng(order_seed).permutation(labels)
    expected = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    expected_folds = list(expected.split(np.zeros((labels.size, 1)), labels))
    ours = crossval.stratified_folds(labels, n_folds, seed)
    assert len(ours) == len(expected_folds)
    for (train, test), (expected_train, expected_test) in zip(ours, expected_folds, strict=True):
        np.testing.assert_array_equal(train, expected_train)
        np.testing.assert_array_equal(test, expected_test)


def test_rbf_gram_is_scikit_learns_rbf_kernel():
    from sklearn.metrics.pairwise import rbf_kernel

    rng = np.random.default_rng(8)
    X, Y = rng.normal(size=(50, 7)), rng.normal(size=(20, 7))
    np.testing.assert_allclose(crossval.rbf_gram(X, gamma=0.3), rbf_kernel(X, gamma=0.3),
                               rtol=0, atol=1e-15)
    np.testing.assert_allclose(crossval.rbf_gram(X, Y, gamma=0.3), rbf_kernel(X, Y, gamma=0.3),
                               rtol=0, atol=1e-15)
    np.testing.assert_array_equal(np.diag(crossval.rbf_gram(X, gamma=0.3)), 1.0)


def test_no_deprecation_or_future_warnings():
    features, labels = blobs(7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out_of_sample_pred_probs(features, labels)


def test_platt_sigmoid_minimizes_the_regularized_cross_entropy():
    from scipy.optimize import minimize

    rng = np.random.default_rng(8)
    is_positive = rng.random(200) < 0.4
    decision = np.where(is_positive, 1.0, -1.0) + rng.normal(scale=1.2, size=200)
    a, b = platt_sigmoid(decision, is_positive)
    n_positive, n_negative = is_positive.sum(), (~is_positive).sum()
    targets = np.where(is_positive, (n_positive + 1) / (n_positive + 2), 1 / (n_negative + 2))

    def loss(params):
        z = params[0] * decision + params[1]
        return np.sum(targets * np.logaddexp(0, z) + (1 - targets) * np.logaddexp(0, -z))

    best = minimize(loss, x0=[0.0, 0.0], method="BFGS", options={"gtol": 1e-10})
    np.testing.assert_allclose([a, b], best.x, atol=1e-4)
    assert a < 0  # positive decision values mean the positive class


def test_couple_pairwise_recovers_consistent_probabilities():
    rng = np.random.default_rng(9)
    truth = rng.dirichlet(np.ones(4), size=50)
    pairwise = truth[:, :, None] / (truth[:, :, None] + truth[:, None, :])
    np.testing.assert_allclose(couple_pairwise(pairwise), truth, atol=1e-12)


def test_couple_pairwise_two_classes_is_the_pairwise_probability():
    r = np.array([0.9, 0.2, 0.5])
    pairwise = np.zeros((3, 2, 2))
    pairwise[:, 0, 1], pairwise[:, 1, 0] = r, 1 - r
    np.testing.assert_allclose(couple_pairwise(pairwise), np.column_stack([r, 1 - r]), atol=1e-12)


def test_couple_pairwise_inconsistent_input_gives_a_distribution():
    rng = np.random.default_rng(10)
    upper = rng.uniform(1e-7, 1 - 1e-7, size=(100, 5, 5))
    pairwise = np.triu(upper, 1) + np.tril(1 - upper.transpose(0, 2, 1), -1)
    probabilities = couple_pairwise(pairwise)
    assert np.all(probabilities >= 0)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-12)


@pytest.mark.parametrize(
    ("features", "labels", "kwargs", "message"),
    [
        (np.zeros((3, 2)), [0, 1, 0], {}, "3 examples are fewer than n_folds=5"),
        (
            np.zeros((13, 2)),
            [0] * 10 + [1] * 3,
            {},
            "class 1 has 3 example.*fewer than n_folds=5.*add examples of class 1.*lower n_folds",
        ),
        (np.zeros((10, 2)), [0] * 10, {}, "single class"),
        (np.zeros((10, 2)), [0, 1] * 4, {}, "labels has 8 entries but X has 10 rows"),
        (np.zeros((10, 2)), [0.0, 1.0] * 5, {}, "integer class indices"),
        (np.zeros((10, 2)), [0, -1] * 5, {}, r"labels\[1\] = -1 is negative"),
        (np.zeros(10), [0, 1] * 5, {}, "X must be 2-D"),
        (np.zeros((10, 0)), [0, 1] * 5, {}, "no features"),
        (np.zeros((10, 2)), [0, 1] * 5, {"n_folds": 1}, "n_folds must be an integer >= 2"),
        (np.zeros((10, 2)), [0, 1] * 5, {"n_folds": 2.5}, "n_folds must be an integer >= 2"),
        (np.zeros((10, 2)), [0, 1] * 5, {"C": 0}, "C must be a positive finite number"),
        (np.zeros((10, 2)), [0, 1] * 5, {"gamma": np.nan}, "gamma must be a positive finite"),
    ],
)
def test_errors(features, labels, kwargs, message):
    with pytest.raises(ValueError, match=message):
        out_of_sample_pred_probs(features, np.asarray(labels), **kwargs)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_features_name_the_row_and_column(bad):
    features, labels = blobs(11)
    features[17, 3] = bad
    with pytest.raises(ValueError, match=r"X\[17, 3\] is .*must be finite"):
        out_of_sample_pred_probs(features, labels)
