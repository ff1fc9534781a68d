"""Tests of pyvizzy.outlier: parity with cleanlab 2.9's OutOfDistribution and kNN graph.

Reference: ``cleanlab.outlier.OutOfDistribution().fit_score(features=...)`` (and with
``params={"k": k}``), and ``cleanlab.internal.neighbor.knn_graph.create_knn_graph_and_index``
for the graph's distances; both run scikit-learn's and SciPy's neighbour searches.
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest
from planted_features import planted

from pyvizzy.outlier import knn_graph, knn_metric, knn_outlier_scores

cleanlab_outlier = pytest.importorskip("cleanlab.outlier", reason="cleanlab is the reference")
cleanlab_knn = pytest.importorskip("cleanlab.internal.neighbor.knn_graph")

TOLERANCE = 1e-9


def cleanlab_scores(features, k=None):
    params = None if k is None else {"k": k}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimator = cleanlab_outlier.OutOfDistribution(params=params)
        return estimator.fit_score(features=features, verbose=False)


# The cases: sizes 11 to a few hundred, dimensions 2, 3 (Euclidean), 4 and 32 (cosine).
RANDOM_CASES = [(seed, n, d) for seed, (n, d) in enumerate(
    [(11, 2), (11, 32), (12, 3), (17, 4), (40, 2), (64, 3), (99, 4), (100, 2), (101, 2),
     (150, 3), (200, 4), (333, 32), (257, 2), (120, 1)])]


@pytest.mark.parametrize(("seed", "n_items", "n_features"), RANDOM_CASES)
def test_default_scores_equal_cleanlab_on_random_features(seed, n_items, n_features):
    features = np.random.default_rng(seed).normal(size=(n_items, n_features))
    expected = cleanlab_scores(features)
    np.testing.assert_allclose(knn_outlier_scores(features), expected, rtol=0, atol=TOLERANCE)


@pytest.mark.parametrize(("seed", "n_items", "n_features"), RANDOM_CASES)
@pytest.mark.parametrize("k", [1, 3, 7, 15])
def test_scores_with_k_equal_cleanlab(seed, n_items, n_features, k):
    # cleanlab refuses k >= n; past n // 2 scikit-learn's brute search (with the rounding of
    # the Gram trick) replaces its KD-tree above 100 rows, so k stays below both here.
    if k >= min(n_items, n_items // 2 if n_items > 100 else n_items):
        pytest.skip("k out of the range compared")
    features = np.random.default_rng(seed + 100).normal(size=(n_items, n_features)) * 3
    expected = cleanlab_scores(features, k=k)
    np.testing.assert_allclose(knn_outlier_scores(features, k=k), expected, rtol=0,
                               atol=TOLERANCE)


@pytest.mark.parametrize("n_features", [2, 3, 4, 32])
@pytest.mark.parametrize("group_sizes", [(2,), (2, 3, 5), (12,), (11, 2), (25, 4)])
@pytest.mark.parametrize("noise", [0.0, 1e-3])
def test_planted_duplicates_score_as_cleanlab(n_features, group_sizes, noise):
    # Groups above k + 1 = 11 take cleanlab's other branch of the duplicate correction.
    features = planted(sum(group_sizes) + n_features, 150, n_features, group_sizes, noise)
    expected = cleanlab_scores(features)
    np.testing.assert_allclose(knn_outlier_scores(features), expected, rtol=0, atol=TOLERANCE)
    if noise == 0.0:
        assert (knn_outlier_scores(features, k=1)[expected == 1] == 1).all()


@pytest.mark.parametrize("n_features", [1, 2, 3, 4, 32])
@pytest.mark.parametrize("n_items", [20, 90, 160])
def test_exact_ties_score_as_cleanlab(n_features, n_items):
    # Small integers: many equal distances and many exact duplicates.
    features = np.random.default_rng(n_items).integers(0, 3, size=(n_items, n_features))
    features = features.astype(float)
    for k in (None, 2, 9):
        expected = cleanlab_scores(features, k)
        ours = knn_outlier_scores(features) if k is None else knn_outlier_scores(features, k=k)
        np.testing.assert_allclose(ours, expected, rtol=0, atol=TOLERANCE)


def test_cosine_edge_rows_score_as_cleanlab():
    rng = np.random.default_rng(7)
    features = rng.normal(size=(60, 8))
    features[3] = 0.0  # a zero row: cosine distance 1 to every row
    features[10] = 2.5 * features[11]  # parallel rows: cosine distance about 0
    features[20:23] = features[40]  # exact duplicates
    np.testing.assert_allclose(knn_outlier_scores(features), cleanlab_scores(features),
                               rtol=0, atol=TOLERANCE)


def test_distances_below_the_rounding_tolerance_score_exactly_1():
    # cleanlab's correct_precision_errors: Euclidean below sqrt(100 eps) (pairs 1e-8 apart),
    # cosine below 100 epsneg (parallel rows) score 1, not exp(-tiny).
    rng = np.random.default_rng(11)
    points = rng.normal(size=(15, 2))
    pairs = np.concatenate([points, points + 1e-8])
    scaled = rng.normal(size=(15, 6))
    parallel = np.concatenate([scaled, 3.0 * scaled])
    for features in (pairs, parallel):
        expected = cleanlab_scores(features, k=1)
        assert (expected == 1).all()
        np.testing.assert_array_equal(knn_outlier_scores(features, k=1), expected)


def test_a_median_below_1e_6_divides_by_1e_6():
    # Most items have an exact duplicate: the median mean distance is 0, the scale 1e-6.
    points = np.random.default_rng(12).normal(size=(10, 2))
    features = np.concatenate([points, points, points[:5] + 1e-6])
    expected = cleanlab_scores(features, k=1)
    assert 0.1 < expected.min() < 0.9
    np.testing.assert_allclose(knn_outlier_scores(features, k=1), expected, rtol=0,
                               atol=TOLERANCE)


@pytest.mark.parametrize("n_items", [2, 3, 5, 10])
@pytest.mark.parametrize("n_features", [2, 4])
def test_k_above_n_minus_1_is_cleanlabs_default(n_items, n_features):
    # cleanlab's default k is min(10, n - 1); it refuses an explicit k >= n, pyvizzy clips it.
    features = np.random.default_rng(n_items).normal(size=(n_items, n_features))
    expected = cleanlab_scores(features)
    for k in (10, n_items, 50):
        np.testing.assert_allclose(knn_outlier_scores(features, k=k), expected, rtol=0,
                                   atol=TOLERANCE)


@pytest.mark.parametrize(("n_items", "n_features", "k"),
                         [(30, 2, 5), (120, 3, 10), (80, 4, 10), (200, 32, 6)])
def test_graph_distances_equal_cleanlabs(n_items, n_features, k):
    features = planted(n_items, n_items, n_features, (3, 4), 0.0)
    graph, _ = cleanlab_knn.create_knn_graph_and_index(features, n_neighbors=k)
    distances, indices = knn_graph(features, k=k)
    assert distances.shape == indices.shape == (n_items, k)
    np.testing.assert_allclose(distances, graph.data.reshape(n_items, k), rtol=0, atol=1e-12)
    assert (indices != np.arange(n_items)[:, None]).all()
    # Exact duplicates are at distance 0 exactly (cosine gives 1 - <x, x> of about 1e-16).
    np.testing.assert_array_equal(distances == 0, graph.data.reshape(n_items, k) == 0)


def test_metric_is_cosine_above_three_columns():
    assert [knn_metric(d) for d in (1, 2, 3, 4, 32)] == ["euclidean"] * 3 + ["cosine"] * 2
    # Scaled copies are at cosine distance 0 in 4 dimensions, not in 3.
    base = np.random.default_rng(3).normal(size=(12, 4))
    base[1] = base[0] * 10
    assert knn_graph(base, k=1)[0][0, 0] < 1e-12
    assert knn_graph(base[:, :3], k=1)[0][0, 0] > 1


def test_scores_lie_in_0_1_and_the_far_item_scores_lowest():
    features = np.random.default_rng(5).normal(size=(50, 2))
    features[17] = [40.0, 40.0]
    scores = knn_outlier_scores(features)
    assert ((scores > 0) & (scores <= 1)).all()
    assert int(scores.argmin()) == 17


def test_input_is_not_modified():
    features = planted(1, 40, 4, (3,), 0.0)
    before = features.copy()
    knn_outlier_scores(features)
    np.testing.assert_array_equal(features, before)


@pytest.mark.parametrize(("features", "k", "message"), [
    ([[0.0, np.nan], [1.0, 2.0], [3.0, 1.0]], 2, "features row 0 has a non-finite"),
    ([[0.0, 1.0], [1.0, np.inf], [3.0, 1.0]], 2, "features row 1 has a non-finite"),
    ([1.0, 2.0, 3.0], 2, r"features must be 2-D"),
    (np.zeros((2, 3, 4)), 2, r"features must be 2-D"),
    ([[1.0, 2.0]], 2, "features must have at least 2 rows"),
    (np.zeros((5, 0)), 2, "features must have at least 1 column"),
    ([["a", "b"], ["c", "d"]], 2, "features must be a 2-D array of numbers"),
    (np.ones((5, 2)), 0, "k must be >= 1"),
    (np.ones((5, 2)), -3, "k must be >= 1"),
    (np.ones((5, 2)), 2.5, "k must be an integer"),
    (np.ones((5, 2)), True, "k must be an integer"),
    (np.ones((5, 2)), None, "k must be an integer"),
])
def test_bad_input_is_refused_naming_the_argument(features, k, message):
    with pytest.raises(ValueError, match=message):
        knn_outlier_scores(features, k=k)
    with pytest.raises(ValueError, match=message):
        knn_graph(features, k=k)


def test_imports_with_numpy_alone():
    # What Pyodide ships for these modules: numpy, no scikit-learn or SciPy.
    code = ("import sys; sys.modules['sklearn'] = None; sys.modules['scipy'] = None\n"
            "import numpy as np\n"
            "from pyvizzy.outlier import knn_outlier_scores\n"
            "from pyvizzy.near_duplicate import near_duplicate_sets\n"
            "x = np.random.default_rng(0).normal(size=(30, 4))\n"
            "print(knn_outlier_scores(x).shape, near_duplicate_sets(x)[0].shape)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "(30,) (30,)"
