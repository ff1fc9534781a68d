"""Both lenses of the nearest-neighbour graph from one search: outlier scores and near
duplicates.

:func:`neighbour_lenses` equals :func:`pyvizzy.outlier.knn_outlier_scores` and
:func:`pyvizzy.near_duplicate.near_duplicate_sets` at their defaults, computed from one
k-nearest-neighbour graph (the search is most of their cost: about 0.9 s at 5,000 x 32 in
CPython). :func:`duplicate_groups` joins the near-duplicate pairs into groups for display.
Like its two sources it needs numpy alone, so it runs in Pyodide.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pyvizzy.near_duplicate import DEFAULT_THRESHOLD, _near_duplicate_sets
from pyvizzy.outlier import (
    DEFAULT_K,
    _check_features,
    _check_k,
    _knn_graph,
    _metric,
    _outlier_scores,
)

__all__ = ["NeighbourLenses", "duplicate_groups", "neighbour_lenses"]


@dataclass(frozen=True, eq=False)
class NeighbourLenses:
    """What the nearest-neighbour graph says of each item.

    Attributes
    ----------
    outlier_scores : ndarray of shape (n,)
        :func:`pyvizzy.outlier.knn_outlier_scores`: in (0, 1], lower is more atypical.
    is_near_duplicate : ndarray of shape (n,), dtype bool
    near_duplicate_sets : list of n ndarrays of dtype intp
        :func:`pyvizzy.near_duplicate.near_duplicate_sets`.
    """

    outlier_scores: np.ndarray
    is_near_duplicate: np.ndarray
    near_duplicate_sets: list


def neighbour_lenses(features, k: int = DEFAULT_K) -> NeighbourLenses:
    """Outlier scores and near-duplicate sets of ``features`` from one neighbour search.

    Parameters
    ----------
    features : array-like of shape (n, d)
        Finite numbers, at least 2 rows (for example an embedding).
    k : int, default=10
        Neighbours per item, at least 1 (more than ``n - 1`` means ``n - 1``).

    Returns
    -------
    NeighbourLenses
    """
    array = _check_features(features)
    distances, indices = _knn_graph(array, _check_k(k, array.shape[0]))
    is_near_duplicate, sets = _near_duplicate_sets(distances, indices, DEFAULT_THRESHOLD)
    return NeighbourLenses(
        outlier_scores=_outlier_scores(distances, _metric(array.shape[1])),
        is_near_duplicate=is_near_duplicate,
        near_duplicate_sets=sets,
    )


def duplicate_groups(sets) -> list[np.ndarray]:
    """The items joined by near-duplicate pairs, group by group.

    Parameters
    ----------
    sets : list of n int arrays
        Each item's near duplicates (symmetric), as :func:`neighbour_lenses` gives them.

    Returns
    -------
    groups : list of int arrays
        The connected groups of two or more items, each ascending, ordered by their first
        item; an item with no near duplicate is in none.
    """
    parent = np.arange(len(sets))

    def root(item: int) -> int:
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    for item, members in enumerate(sets):
        for other in members:
            first, second = root(item), root(int(other))
            if first != second:
                parent[max(first, second)] = min(first, second)
    roots = np.array([root(item) for item in range(len(sets))], dtype=np.intp)
    grouped = [np.flatnonzero(roots == value) for value in np.unique(roots)]
    return [members for members in grouped if members.size > 1]
