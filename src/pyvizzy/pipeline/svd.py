"""Truncated SVD: reduce n x D embeddings to n x d, the way Vizzy reduced ResNet-18 features.

Like scikit-learn's :class:`~sklearn.decomposition.TruncatedSVD` (and unlike PCA) the data
are not centred. The decomposition is computed exactly with LAPACK, which makes the result
deterministic and independent of any random seed; the signs of the components follow
scikit-learn's ``svd_flip`` convention, so two runs (and two machines) agree.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.utils.extmath import svd_flip

__all__ = ["SVDResult", "truncated_svd"]


@dataclass(frozen=True, eq=False)
class SVDResult:
    """What :func:`truncated_svd` returns.

    Attributes
    ----------
    reduced : ndarray of shape (n_samples, n_components)
        The embeddings in the reduced space, ``X @ components.T``.
    components : ndarray of shape (n_components, n_features)
        The right singular vectors (orthonormal rows).
    singular_values : ndarray of shape (n_components,)
        In decreasing order.
    explained_variance_ratio : ndarray of shape (n_components,)
        Variance of each reduced column over the total variance of ``X``, as scikit-learn's
        ``TruncatedSVD.explained_variance_ratio_`` defines it. Because the data are not
        centred, the first component mostly carries the mean and this need not decrease.
    energy_ratio : ndarray of shape (n_components,)
        Share of the total sum of squares ``||X||_F^2`` that each component carries,
        ``singular_values**2 / ||X||_F^2``: decreasing, and summing to at most 1.
    """

    reduced: np.ndarray
    components: np.ndarray
    singular_values: np.ndarray
    explained_variance_ratio: np.ndarray
    energy_ratio: np.ndarray


def truncated_svd(embeddings, n_components=32):
    """Reduce ``embeddings`` to ``n_components`` dimensions with a truncated SVD.

    Parameters
    ----------
    embeddings : array-like of shape (n_samples, n_features)
        Finite real numbers, for example 512-d ResNet-18 features.
    n_components : int, default=32
        Target dimension, ``1 <= n_components <= min(n_samples, n_features)``.

    Returns
    -------
    SVDResult

    Raises
    ------
    ValueError
        If the array is not 2-d, holds non-finite values, or ``n_components`` is out of range.
    """
    matrix = np.asarray(embeddings, dtype=np.float64)
    if matrix.ndim != 2:
        raise ValueError(f"embeddings must be a 2-d array (n x d), got shape {matrix.shape}")
    n_samples, n_features = matrix.shape
    if not np.all(np.isfinite(matrix)):
        row = int(np.flatnonzero(~np.all(np.isfinite(matrix), axis=1))[0])
        raise ValueError(f"embeddings row {row} holds a NaN or infinite value")
    if isinstance(n_components, bool) or not isinstance(n_components, int | np.integer):
        raise ValueError(f"n_components must be an integer, got {n_components!r}")
    if not 1 <= n_components <= min(n_samples, n_features):
        raise ValueError(
            f"n_components={n_components} must lie in 1..{min(n_samples, n_features)} "
            f"for {n_samples} samples of {n_features} features"
        )
    left, singular_values, right = np.linalg.svd(matrix, full_matrices=False)
    left, right = svd_flip(left, right, u_based_decision=False)
    components = right[:n_components]
    reduced = left[:, :n_components] * singular_values[:n_components]
    total_variance = matrix.var(axis=0).sum()
    explained = reduced.var(axis=0)
    ratio = explained / total_variance if total_variance > 0 else np.zeros_like(explained)
    total_energy = float(np.sum(singular_values**2))
    energy = singular_values[:n_components] ** 2
    energy_ratio = energy / total_energy if total_energy > 0 else np.zeros_like(energy)
    return SVDResult(
        reduced=reduced,
        components=components,
        singular_values=singular_values[:n_components].copy(),
        explained_variance_ratio=ratio,
        energy_ratio=energy_ratio,
    )
