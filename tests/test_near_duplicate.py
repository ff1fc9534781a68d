"""Tests of pyvizzy.near_duplicate: parity with Datalab's near_duplicate issue.

Reference: cleanlab 2.9's ``NearDuplicateIssueManager`` itself (``find_issues(features=...)``,
so it builds its own kNN graph with scikit-learn and SciPy). ``Datalab`` cannot be made in this
environment (it needs the ``datalab`` extra, e.g. ``datasets``), so the manager is given a
stand-in for it that has no stored statistics, which is what a fresh Datalab gives it.

Where more than k items lie at one distance inside the radius, which of them cleanlab keeps
depends on its search tree's order; the cases here have no such ties.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from planted_features import planted

from pyvizzy.near_duplicate import DEFAULT_THRESHOLD, near_duplicate_sets

duplicate = pytest.importorskip("cleanlab.datalab.internal.issue_manager.duplicate",
                                reason="cleanlab is the reference")


class _NoStatistics:
    """What the manager asks of Datalab: its stored statistics (none yet)."""

    def get_info(self, name):
        return {}


def cleanlab_near_duplicates(features, **kwargs):
    manager = duplicate.NearDuplicateIssueManager(_NoStatistics(), **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        manager.find_issues(features=features)
    flags = manager.issues["is_near_duplicate_issue"].to_numpy()
    return flags, [sorted(int(j) for j in group) for group in manager.near_duplicate_sets]


def assert_same_as_cleanlab(features, **kwargs):
    expected_flags, expected_sets = cleanlab_near_duplicates(features, **kwargs)
    flags, sets = near_duplicate_sets(features, **kwargs)
    assert flags.dtype == bool
    np.testing.assert_array_equal(flags, expected_flags)
    assert [group.tolist() for group in sets] == expected_sets
    return flags, sets


@pytest.mark.parametrize("n_features", [2, 3, 4, 32])
@pytest.mark.parametrize("n_items", [11, 30, 100, 101, 300])
@pytest.mark.parametrize("noise", [0.0, 1e-3, 3e-2])
def test_planted_groups_match_datalab(n_features, n_items, noise):
    sizes = (2, 3) if n_items < 30 else (2, 3, 4, 2)
    features = planted(n_items * n_features, n_items, n_features, sizes, noise)
    flags, _ = assert_same_as_cleanlab(features)
    if noise == 0.0:
        assert flags.sum() >= sum(sizes)


@pytest.mark.parametrize("seed", range(12))
def test_random_features_match_datalab(seed):
    rng = np.random.default_rng(seed)
    n_items = int(rng.integers(11, 250))
    n_features = int(rng.choice([2, 3, 4, 32]))
    # Clumps of close rows: a few have neighbours inside the radius, most do not.
    centres = rng.normal(size=(n_items // 3 + 1, n_features))
    features = centres[rng.integers(0, len(centres), n_items)]
    features = features + rng.normal(size=features.shape) * rng.choice([0.01, 0.1])
    assert_same_as_cleanlab(features)


@pytest.mark.parametrize("n_features", [2, 4])
@pytest.mark.parametrize("size", [11, 12, 20])
def test_a_group_of_k_plus_1_or_more_copies_matches_datalab(n_features, size):
    # cleanlab's other branch: the first k + 1 copies point to each other, the rest to the
    # first k; symmetry then joins them all.
    features = planted(size, 120, n_features, (size, 3), 0.0)
    flags, _ = assert_same_as_cleanlab(features)
    assert flags.sum() >= size + 3  # and any pair of the Gaussian rows that lies as close


@pytest.mark.parametrize("k", [1, 2, 5, 20])
@pytest.mark.parametrize("threshold", [0.0, 0.13, 0.5, 1.0])
def test_k_and_threshold_match_datalab(k, threshold):
    features = planted(k, 80, 3, (2, 3, 4), 1e-2)
    assert_same_as_cleanlab(features, k=k, threshold=threshold)


def test_threshold_0_finds_no_near_duplicates_not_even_exact_ones():
    # The radius is strict: distance < threshold * median.
    features = planted(4, 60, 4, (3, 2), 0.0)
    assert_same_as_cleanlab(features, threshold=0.0)
    assert not near_duplicate_sets(features, threshold=0.0)[0].any()


@pytest.mark.parametrize("n_items", [2, 3, 6, 10])
def test_k_at_least_n_is_n_minus_1(n_items):
    # Datalab refuses k >= n; pyvizzy takes n - 1, what the manager gives with k = n - 1.
    features = planted(n_items, n_items, 4, (2,), 1e-4)
    flags, sets = near_duplicate_sets(features)
    expected_flags, expected_sets = cleanlab_near_duplicates(features, k=n_items - 1)
    np.testing.assert_array_equal(flags, expected_flags)
    assert [group.tolist() for group in sets] == expected_sets


def test_sets_are_symmetric_and_flags_are_non_empty_sets():
    features = planted(9, 200, 32, (2, 3, 5, 2), 1e-3)
    flags, sets = near_duplicate_sets(features)
    assert len(sets) == 200
    for item, group in enumerate(sets):
        assert group.dtype == np.intp
        assert item not in group
        assert all(item in sets[other] for other in group)
    np.testing.assert_array_equal(flags, [len(group) > 0 for group in sets])


def test_default_threshold_is_datalabs():
    manager = duplicate.NearDuplicateIssueManager(_NoStatistics())
    assert (DEFAULT_THRESHOLD, 10) == (manager.threshold, manager.k)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"features": [[0.0, np.nan], [1.0, 2.0]]}, "features row 0 has a non-finite"),
    ({"features": [1.0, 2.0, 3.0]}, "features must be 2-D"),
    ({"features": [[1.0, 2.0]]}, "features must have at least 2 rows"),
    ({"features": np.ones((4, 2)), "k": 0}, "k must be >= 1"),
    ({"features": np.ones((4, 2)), "k": 1.5}, "k must be an integer"),
    ({"features": np.ones((4, 2)), "threshold": -0.1}, "threshold must be a finite number"),
    ({"features": np.ones((4, 2)), "threshold": np.nan}, "threshold must be a finite number"),
    ({"features": np.ones((4, 2)), "threshold": "x"}, "threshold must be a number"),
])
def test_bad_input_is_refused_naming_the_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        near_duplicate_sets(**kwargs)
