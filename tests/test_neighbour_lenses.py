"""Both neighbour lenses from one search equal the two lenses computed apart."""

from __future__ import annotations

import numpy as np
import pytest
from planted_features import planted

from pyvizzy.near_duplicate import near_duplicate_sets
from pyvizzy.neighbour_lenses import duplicate_groups, neighbour_lenses
from pyvizzy.outlier import knn_outlier_scores


@pytest.mark.parametrize(("seed", "n_items", "n_features", "noise"),
                         [(0, 40, 2, 0.0), (1, 80, 3, 1e-3), (2, 120, 4, 0.0), (3, 300, 32, 1e-4)])
def test_one_search_gives_both_lenses(seed, n_items, n_features, noise):
    features = planted(seed, n_items, n_features, group_sizes=(2, 3, 4), noise=noise)
    lenses = neighbour_lenses(features)
    np.testing.assert_array_equal(lenses.outlier_scores, knn_outlier_scores(features))
    flags, sets = near_duplicate_sets(features)
    np.testing.assert_array_equal(lenses.is_near_duplicate, flags)
    assert [s.tolist() for s in lenses.near_duplicate_sets] == [s.tolist() for s in sets]
    assert lenses.is_near_duplicate.sum() >= 9


def test_groups_join_the_pairs():
    sets = [np.array(s, dtype=np.intp) for s in ([3], [], [4], [0, 5], [2], [3], [])]
    assert [g.tolist() for g in duplicate_groups(sets)] == [[0, 3, 5], [2, 4]]
    assert duplicate_groups([np.array([], dtype=np.intp)] * 3) == []


def test_planted_copies_come_out_as_their_groups():
    features = planted(4, 100, 32, group_sizes=(2, 3), noise=0.0)
    groups = duplicate_groups(neighbour_lenses(features).near_duplicate_sets)
    assert sorted(len(group) for group in groups) == [2, 3]
    for group in groups:
        assert (features[group] == features[group[0]]).all()
