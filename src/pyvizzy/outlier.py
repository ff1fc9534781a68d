"""Outlier scores from the k nearest neighbours of each item (cleanlab's rule, exactly).

``knn_outlier_scores(features)`` equals cleanlab 2.9's
``cleanlab.outlier.OutOfDistribution().fit_score(features=features)``: the mean distance of
each item to its ``k`` nearest other items, mapped to ``exp(-mean / scale)`` with ``scale`` the
median of those means. It needs numpy alone (no scikit-learn, no SciPy), so it runs in Pyodide:
the neighbours come from a brute-force search in row chunks, fine up to the page's 5,000 items.

The k-nearest-neighbour graph here, :func:`knn_graph`, is cleanlab's too, and
:mod:`pyvizzy.near_duplicate` builds on it:

- the metric is cosine when ``features`` has more than 3 columns, Euclidean otherwise;
- an item is not its own neighbour; among equal distances the lower index comes first;
- exact duplicates (identical rows) are each other's nearest neighbours at distance 0, in
  cleanlab's order (``correct_knn_distances_and_indices``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["DEFAULT_K", "knn_graph", "knn_metric", "knn_outlier_scores"]

#: cleanlab's default number of neighbours (``k = min(DEFAULT_K, n - 1)``).
DEFAULT_K = 10

# cleanlab.internal.neighbor.metric.HIGH_DIMENSION_CUTOFF: cosine above this many columns.
_HIGH_DIMENSION_CUTOFF = 3
# cleanlab.internal.constants.EPSILON: the smallest scale distances are divided by (also
# near_duplicate's smallest median nearest-neighbour distance).
_CLEANLAB_EPSILON = 1e-6
# cleanlab.internal.outlier.correct_precision_errors: C, and its tolerance per metric.
_PRECISION_C = 100
_TOLERANCE = {
    "cosine": _PRECISION_C * np.finfo(np.float64).epsneg,
    "euclidean": float(np.sqrt(_PRECISION_C * np.finfo(np.float64).eps)),
}
# Distances computed at once: a chunk of rows holds at most this many (32 MiB of float64).
_CHUNK_ELEMENTS = 1 << 22


# --------------------------------------------------------------------------------------------
# Unchecked kernels (inputs already validated)
# --------------------------------------------------------------------------------------------


def _metric(n_columns: int) -> str:
    return "cosine" if n_columns > _HIGH_DIMENSION_CUTOFF else "euclidean"


def _distance_rows(features: np.ndarray, prepared: np.ndarray, rows: slice, metric: str):
    """Distances from ``features[rows]`` to every item (``prepared``: unit rows for cosine)."""
    if metric == "cosine":
        # sklearn.metrics.pairwise.cosine_distances: 1 - <x, y> of unit rows, clipped to [0, 2].
        distances = prepared[rows] @ prepared.T
        distances *= -1
        distances += 1
        np.clip(distances, 0, 2, out=distances)
        return distances
    # Euclidean from the differences (as scipy's euclidean and the KD-tree cleanlab uses).
    block = features[rows]
    squares = np.zeros((block.shape[0], features.shape[0]))
    for column in range(features.shape[1]):
        difference = block[:, column, None] - features[None, :, column]
        squares += difference * difference
    return np.sqrt(squares, out=squares)


def _nearest(distances: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k smallest of each row, ascending; among equal distances the lower index first."""
    n_rows = distances.shape[0]
    kth = np.partition(distances, k - 1, axis=1)[:, k - 1 : k]
    closer = distances < kth
    tied = distances == kth
    needed = k - closer.sum(axis=1, keepdims=True)
    chosen = closer | (tied & (np.cumsum(tied, axis=1) <= needed))
    indices = np.nonzero(chosen)[1].reshape(n_rows, k)  # ascending index within each row
    values = np.take_along_axis(distances, indices, axis=1)
    order = np.argsort(values, axis=1, kind="stable")
    return np.take_along_axis(values, order, axis=1), np.take_along_axis(indices, order, axis=1)


def _exact_duplicate_sets(features: np.ndarray) -> list[np.ndarray]:
    """Index arrays (ascending) of the rows that occur more than once, as cleanlab finds them."""
    _, inverse, counts = np.unique(features, return_inverse=True, return_counts=True, axis=0)
    inverse = inverse.reshape(-1)
    repeated = np.flatnonzero(counts > 1)
    return [np.flatnonzero(inverse == value) for value in repeated]


def _correct_exact_duplicates(distances, indices, duplicate_sets) -> None:
    """cleanlab's ``correct_knn_distances_and_indices_with_exact_duplicate_sets_inplace``."""
    k = distances.shape[1]
    for members in duplicate_sets:
        included = min(len(members) - 1, k)
        base = members[: included + 1]
        # The sorted rows of scipy's circulant(base) without its first column: base minus self.
        others = np.array([np.delete(base, position) for position in range(len(base))])
        if len(members) >= k + 1:
            indices[members[: k + 1]] = others
            indices[members[k + 1 :]] = members[:k]
            distances[members] = 0
            continue
        for row, member in enumerate(members):
            different = ~np.isin(indices[member], members)
            keep = np.flatnonzero(different)[: k - included]
            distances[member, included:] = distances[member, keep]
            indices[member, included:] = indices[member, keep]
            indices[member, :included] = others[row]
            distances[member, :included] = 0


def _knn_graph(features: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    n_items = features.shape[0]
    metric = _metric(features.shape[1])
    prepared = features
    if metric == "cosine":
        # sklearn.preprocessing.normalize: a zero row stays zero.
        norms = np.sqrt(np.einsum("ij,ij->i", features, features))
        norms[norms == 0] = 1
        prepared = features / norms[:, None]
    distances = np.empty((n_items, k))
    indices = np.empty((n_items, k), dtype=np.intp)
    step = max(1, _CHUNK_ELEMENTS // n_items)
    for start in range(0, n_items, step):
        rows = slice(start, min(start + step, n_items))
        block = _distance_rows(features, prepared, rows, metric)
        block[np.arange(block.shape[0]), np.arange(rows.start, rows.stop)] = np.inf  # not self
        distances[rows], indices[rows] = _nearest(block, k)
    _correct_exact_duplicates(distances, indices, _exact_duplicate_sets(features))
    return distances, indices


def _outlier_scores(distances: np.ndarray, metric: str) -> np.ndarray:
    mean_distances = distances.mean(axis=1)
    scale = float(max(np.median(mean_distances), 100 * np.finfo(np.float64).eps))
    scores = np.exp(-1 * mean_distances / max(scale, _CLEANLAB_EPSILON))
    scores[mean_distances < _TOLERANCE[metric]] = 1
    return scores


# --------------------------------------------------------------------------------------------
# Boundary checks
# --------------------------------------------------------------------------------------------


def _check_features(features) -> np.ndarray:
    try:
        array = np.asarray(features, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"features must be a 2-D array of numbers: {error}") from None
    if array.ndim != 2:
        raise ValueError(f"features must be 2-D (n_items, n_features), got shape {array.shape}")
    if array.shape[0] < 2:
        raise ValueError(f"features must have at least 2 rows (items), got {array.shape[0]}")
    if array.shape[1] < 1:
        raise ValueError("features must have at least 1 column, got 0")
    finite_rows = np.isfinite(array).all(axis=1)
    if not finite_rows.all():
        row = int(np.flatnonzero(~finite_rows)[0])
        raise ValueError(f"features row {row} has a non-finite value (NaN or infinity)")
    return array


def _check_k(k, n_items: int) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise ValueError(f"k must be an integer >= 1, got {k!r}")
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    return int(min(k, n_items - 1))


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def knn_metric(n_features: int) -> str:
    """The distance cleanlab picks for features with ``n_features`` columns.

    Parameters
    ----------
    n_features : int
        The number of columns of the feature array.

    Returns
    -------
    metric : {"cosine", "euclidean"}
        ``"cosine"`` above 3 columns, ``"euclidean"`` otherwise.
    """
    return _metric(n_features)


def knn_graph(features, k: int = DEFAULT_K) -> tuple[np.ndarray, np.ndarray]:
    """Each item's k nearest other items, with cleanlab's metric and duplicate handling.

    Parameters
    ----------
    features : array-like of shape (n, d)
        Finite numbers, at least 2 rows.
    k : int, default=10
        Neighbours per item, at least 1; more than ``n - 1`` means ``n - 1`` (cleanlab's
        default, ``min(10, n - 1)``; cleanlab refuses an explicit ``k >= n``).

    Returns
    -------
    distances : ndarray of shape (n, k'), dtype float64
        Ascending along each row; ``k' = min(k, n - 1)``.
    indices : ndarray of shape (n, k'), dtype intp
        The neighbours' row numbers, in the same order.

    Raises
    ------
    ValueError
        If ``features`` is not a finite 2-D array of at least 2 rows, or ``k`` is not an
        integer >= 1.
    """
    array = _check_features(features)
    return _knn_graph(array, _check_k(k, array.shape[0]))


def knn_outlier_scores(features, k: int = DEFAULT_K) -> np.ndarray:
    """Outlier score of each item from its mean distance to its k nearest neighbours.

    Equal to cleanlab's ``OutOfDistribution().fit_score(features=features)`` (with
    ``params={"k": k}`` where ``k < n``): ``exp(-m / s)``, ``m`` an item's mean distance to
    its ``k`` nearest other items (:func:`knn_graph`), ``s`` the median of ``m`` over the items
    (at least ``1e-6``); an item whose ``m`` is below the metric's rounding tolerance (cosine
    ``100 * epsneg``, Euclidean ``sqrt(100 * eps)``) scores exactly 1.

    Parameters
    ----------
    features : array-like of shape (n, d)
        Finite numbers, at least 2 rows (for example an embedding).
    k : int, default=10
        Neighbours per item, at least 1; more than ``n - 1`` means ``n - 1``.

    Returns
    -------
    scores : ndarray of shape (n,), dtype float64
        In (0, 1]; lower is more atypical (an outlier).

    Raises
    ------
    ValueError
        If ``features`` is not a finite 2-D array of at least 2 rows, or ``k`` is not an
        integer >= 1 (the message names the argument).
    """
    array = _check_features(features)
    distances, _ = _knn_graph(array, _check_k(k, array.shape[0]))
    return _outlier_scores(distances, _metric(array.shape[1]))
