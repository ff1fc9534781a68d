"""Near-duplicate sets (Datalab's ``near_duplicate`` issue at its defaults, exactly).

cleanlab 2.9's ``NearDuplicateIssueManager`` (``cleanlab/datalab/internal/issue_manager/
duplicate.py``) on the k-nearest-neighbour graph of :func:`pyvizzy.outlier.knn_graph` (cosine
above 3 columns, Euclidean otherwise; ``k = 10``):

- the radius is ``threshold`` (0.13) times the median distance of an item to its nearest
  neighbour (that median at least ``1e-6``);
- an item's set holds its k nearest neighbours closer than the radius (strictly), and every
  item whose own set holds it (the relation is made symmetric, one step, not transitive);
- an item is a near duplicate when its set is not empty.

Where more than k items lie at one distance inside the radius, this keeps the lower indices;
cleanlab keeps those its search tree meets first, so such ties can give other sets.

Like :mod:`pyvizzy.outlier` it needs numpy alone, so it runs in Pyodide.
"""

from __future__ import annotations

import numpy as np

from pyvizzy.outlier import _CLEANLAB_EPSILON, DEFAULT_K, _check_features, _check_k, _knn_graph

__all__ = ["DEFAULT_THRESHOLD", "near_duplicate_sets"]

#: Datalab's default ``threshold``: the radius as a fraction of the median nearest distance.
DEFAULT_THRESHOLD = 0.13


# --------------------------------------------------------------------------------------------
# Unchecked kernel (inputs already validated)
# --------------------------------------------------------------------------------------------


def _near_duplicate_sets(distances, indices, threshold: float):
    n_items = distances.shape[0]
    median_nearest = max(float(np.median(distances[:, 0])), _CLEANLAB_EPSILON)
    within = distances < threshold * median_nearest
    rows = np.nonzero(within)[0]
    neighbours = indices[within]
    # The pairs both ways, each once, ordered by row then neighbour.
    codes = np.unique(np.concatenate([rows * n_items + neighbours, neighbours * n_items + rows]))
    first, second = np.divmod(codes, n_items)
    ends = np.searchsorted(first, np.arange(1, n_items + 1))
    sets = np.split(second.astype(np.intp), ends[:-1])
    is_near_duplicate = np.zeros(n_items, dtype=bool)
    is_near_duplicate[first] = True
    return is_near_duplicate, sets


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def near_duplicate_sets(
    features, k: int = DEFAULT_K, threshold: float = DEFAULT_THRESHOLD
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Which items are near duplicates, and of which items.

    Equal to Datalab's ``near_duplicate`` issue (``is_near_duplicate_issue`` and the
    ``near_duplicate_sets`` of its info) with the same ``k`` and ``threshold``; Datalab's
    defaults are these defaults. Datalab refuses ``k >= n``; here it means ``k = n - 1``.

    Parameters
    ----------
    features : array-like of shape (n, d)
        Finite numbers, at least 2 rows (for example an embedding).
    k : int, default=10
        Neighbours per item searched for near duplicates, at least 1.
    threshold : float, default=0.13
        The radius, as a fraction of the median distance of an item to its nearest
        neighbour; a finite number >= 0.

    Returns
    -------
    is_near_duplicate : ndarray of shape (n,), dtype bool
        True where the item's set is not empty.
    sets : list of n ndarrays of dtype intp
        Each item's near duplicates, ascending (empty for most items). Symmetric: ``j`` is in
        ``sets[i]`` exactly when ``i`` is in ``sets[j]``.

    Raises
    ------
    ValueError
        If ``features`` is not a finite 2-D array of at least 2 rows, ``k`` is not an integer
        >= 1 or ``threshold`` is not a finite number >= 0 (the message names the argument).
    """
    array = _check_features(features)
    k_used = _check_k(k, array.shape[0])
    try:
        radius = float(threshold)
    except (TypeError, ValueError):
        raise ValueError(f"threshold must be a number >= 0, got {threshold!r}") from None
    if not (np.isfinite(radius) and radius >= 0):
        raise ValueError(f"threshold must be a finite number >= 0, got {threshold!r}")
    distances, indices = _knn_graph(array, k_used)
    return _near_duplicate_sets(distances, indices, radius)
