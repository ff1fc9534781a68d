"""Two-dimensional maps of a dataset's embeddings: seeded t-SNE, and PCA with numpy alone.

A map places each item at a point ``(x, y)``, the dataset file's optional ``map`` field
(``docs/dataset-format.md``). Both maps are scaled the same way (:func:`fill_square`): centred
on the middle of their bounding box and divided by the largest absolute coordinate, so the
points fill ``[-1, 1]`` along the longer side and keep their aspect, then rounded to
:data:`MAP_DECIMALS` decimals, which keeps files small.

- :func:`tsne_map`: scikit-learn's t-SNE with fixed settings and a seed; the same input gives
  the same bytes on the same machine. What the pipeline writes.
- :func:`pca_map`: the first two principal components (an SVD of the centred embeddings),
  each with a deterministic sign.

The module imports numpy alone (it also runs in Pyodide); :func:`tsne_map` imports
scikit-learn's manifold module when it is called.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "MAP_DECIMALS",
    "MAP_SEED",
    "TSNE_MAX_ITER",
    "TSNE_MAX_PERPLEXITY",
    "TSNE_MIN_ITEMS",
    "fill_square",
    "pca_map",
    "principal_components",
    "tsne_map",
    "tsne_method",
    "tsne_perplexity",
]

#: The decimals a map's coordinates keep (1e-4 of the map's half-width).
MAP_DECIMALS = 4
#: The seed of the t-SNE maps the pipeline writes (:func:`tsne_map`'s default).
MAP_SEED = 0
#: t-SNE's perplexity for large sets (its usual value; smaller sets get less).
TSNE_MAX_PERPLEXITY = 30.0
#: t-SNE's iterations (scikit-learn's default, named so that it cannot change under us).
TSNE_MAX_ITER = 1000
#: The fewest items t-SNE is run on; smaller sets get their principal components.
TSNE_MIN_ITEMS = 4


def _as_embeddings(embeddings) -> np.ndarray:
    """``embeddings`` as a float64 array (n, d) of finite numbers, or a ValueError."""
    matrix = np.asarray(embeddings, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[1] == 0:
        raise ValueError(f"embeddings must be a 2-d array (n x d, d >= 1), got {matrix.shape}")
    finite = np.isfinite(matrix).all(axis=1)
    if not finite.all():
        row = int(np.flatnonzero(~finite)[0])
        raise ValueError(f"embeddings row {row} holds a NaN or infinite value")
    return matrix


def _all_equal(matrix: np.ndarray) -> bool:
    """Whether every row of ``matrix`` is the first (true of zero or one row)."""
    return bool(np.all(matrix == matrix[:1]))


def fill_square(points, decimals: int = MAP_DECIMALS) -> np.ndarray:
    """Scale 2-D points to fill ``[-1, 1]`` keeping their aspect, rounded.

    The points are centred on the middle of their bounding box and divided by the largest
    absolute coordinate, one factor for both axes: the longer side then spans ``[-1, 1]``
    exactly and the shorter one lies centred within it. Points that all coincide map to
    zeros.

    Parameters
    ----------
    points : array-like of shape (n, 2)
        Finite coordinates.
    decimals : int, default=MAP_DECIMALS
        Decimals kept.

    Returns
    -------
    ndarray of shape (n, 2), float64
        No ``-0.0`` among them.
    """
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"points must be an n x 2 array, got shape {points.shape}")
    if points.shape[0] == 0:
        return np.zeros((0, 2))
    centred = points - (points.min(axis=0) + points.max(axis=0)) / 2
    largest = float(np.abs(centred).max())
    if largest == 0:
        return np.zeros(points.shape)
    return np.round(centred / largest, decimals) + 0.0  # + 0.0 turns -0.0 into 0.0


def principal_components(embeddings) -> np.ndarray:
    """The scores of the first two principal components, unscaled.

    An SVD of the centred embeddings (numpy alone). Each component's sign is chosen so that
    its largest-magnitude loading is positive (the first one, among equal magnitudes), which
    makes the result deterministic; scikit-learn's ``PCA(2).fit_transform`` equals it up to
    the sign of each column. With fewer than two dimensions of variation the missing
    components are zeros.

    Parameters
    ----------
    embeddings : array-like of shape (n, d)
        Finite numbers.

    Returns
    -------
    ndarray of shape (n, 2), float64
    """
    matrix = _as_embeddings(embeddings)
    scores = np.zeros((matrix.shape[0], 2))
    if _all_equal(matrix):
        return scores
    centred = matrix - matrix.mean(axis=0)
    left, singular_values, right = np.linalg.svd(centred, full_matrices=False)
    kept = min(2, len(singular_values))
    for k in range(kept):
        sign = 1.0 if right[k, np.argmax(np.abs(right[k]))] >= 0 else -1.0
        scores[:, k] = sign * left[:, k] * singular_values[k]
    return scores


def pca_map(embeddings) -> np.ndarray:
    """A map of ``embeddings`` by their first two principal components (numpy alone).

    :func:`principal_components`, scaled by :func:`fill_square`.

    Parameters
    ----------
    embeddings : array-like of shape (n, d)
        Finite numbers.

    Returns
    -------
    ndarray of shape (n, 2), float64
        Coordinates in ``[-1, 1]``, rounded to :data:`MAP_DECIMALS` decimals; a set of equal
        embeddings maps to zeros.
    """
    return fill_square(principal_components(embeddings))


def tsne_perplexity(n_items: int) -> float:
    """t-SNE's perplexity for ``n_items`` items: ``min(30, (n - 1) / 3)``.

    Each item's neighbourhood then holds at most a third of the others (scikit-learn needs
    the perplexity below the number of items; it looks at ``3 x perplexity`` neighbours).
    """
    return min(TSNE_MAX_PERPLEXITY, (n_items - 1) / 3)


def tsne_method(seed: int = MAP_SEED) -> str:
    """How :func:`tsne_map` makes a map, in words (for a dataset's ``provenance.method``)."""
    return (
        f"map = t-SNE of the embeddings (pyvizzy.projection.tsne_map: scikit-learn, seed "
        f"{seed}, perplexity min(30, (n - 1) / 3), PCA start, {TSNE_MAX_ITER} iterations), "
        f"scaled into [-1, 1], rounded to {MAP_DECIMALS} decimals"
    )


def tsne_map(embeddings, seed: int = MAP_SEED) -> np.ndarray:
    """A map of ``embeddings`` by t-SNE, seeded: the same input gives the same bytes.

    scikit-learn's :class:`~sklearn.manifold.TSNE` with two components, Euclidean
    distances, the perplexity of :func:`tsne_perplexity`, PCA initialisation, the
    automatic learning rate, early exaggeration 12 and :data:`TSNE_MAX_ITER` iterations of
    the Barnes-Hut approximation (angle 0.5); ``seed`` is its ``random_state``, which seeds
    the randomized SVD of the PCA start alone (t-SNE draws nothing else at random from that
    start), so another seed rarely changes the map. The result is scaled by
    :func:`fill_square`. Fewer than :data:`TSNE_MIN_ITEMS` items get
    :func:`pca_map` instead (t-SNE needs neighbours), and a set of equal embeddings maps to
    zeros.

    Parameters
    ----------
    embeddings : array-like of shape (n, d)
        Finite numbers.
    seed : int, default=MAP_SEED (0)
        The random state of t-SNE's PCA initialisation and optimisation.

    Returns
    -------
    ndarray of shape (n, 2), float64
        Coordinates in ``[-1, 1]``, rounded to :data:`MAP_DECIMALS` decimals.
    """
    matrix = _as_embeddings(embeddings)
    n_items = matrix.shape[0]
    if _all_equal(matrix):
        return np.zeros((n_items, 2))
    if n_items < TSNE_MIN_ITEMS:
        return pca_map(matrix)
    from sklearn.manifold import TSNE

    tsne = TSNE(
        n_components=2,
        perplexity=tsne_perplexity(n_items),
        early_exaggeration=12.0,
        learning_rate="auto",
        max_iter=TSNE_MAX_ITER,
        metric="euclidean",
        init="pca",
        method="barnes_hut",
        angle=0.5,
        random_state=seed,
    )
    return fill_square(tsne.fit_transform(matrix))
