"""Per-class thresholds on the self-confidence of the examples given each class.

The self-confidence of an example is its predicted probability for its given label. A class
threshold is a percentile (Vizzy's sliders) or the mean (cleanlab's confident thresholds) of
the self-confidences of the examples given that class.
"""

from __future__ import annotations

import math

import numpy as np

from pyvizzy.confident._validation import _check_labels_against, _check_percentile

__all__ = ["EMPTY_CLASS_THRESHOLD", "linear_percentile", "mean_thresholds", "percentile_thresholds"]

#: Threshold for a class that has no examples (no example can be suggested it
#: unless its probability is exactly 1).
EMPTY_CLASS_THRESHOLD = 1.0

# cleanlab's constants (cleanlab.internal.constants), reproduced for parity.
_CLEANLAB_FLOAT_EPSILON = 1e-6
_CLEANLAB_THRESHOLD_LOWER_BOUND = 2 * _CLEANLAB_FLOAT_EPSILON
_CLEANLAB_EMPTY_CLASS_THRESHOLD = 2.0


# --------------------------------------------------------------------------------------------
# Unchecked kernels (inputs already validated)
# --------------------------------------------------------------------------------------------


def _self_confidence_by_class(pred_probs: np.ndarray, labels: np.ndarray) -> list[np.ndarray]:
    return [pred_probs[labels == k, k] for k in range(pred_probs.shape[1])]


def linear_percentile(sorted_values: np.ndarray, percentile: float) -> float:
    """``np.percentile(sorted_values, percentile)`` for an ascending 1-D array.

    The same arithmetic as numpy's default ``method="linear"`` (virtual index
    ``(n - 1) * q`` and numpy's two-sided lerp), so the result is bit-identical,
    but about 50 times faster than ``np.percentile`` on a few hundred values because
    the values are sorted once and reused for every percentile. The caller
    guarantees a non-empty, sorted, finite array and ``0 <= percentile <= 100``.
    """
    last = sorted_values.shape[0] - 1
    virtual_index = last * (percentile / 100)
    below = math.floor(virtual_index)
    if below >= last:
        return float(sorted_values[last])
    weight = virtual_index - below
    lower = float(sorted_values[below])
    upper = float(sorted_values[below + 1])
    difference = upper - lower
    if weight >= 0.5:
        return upper - difference * (1 - weight)
    return lower + difference * weight


def _sorted_self_confidence(pred_probs: np.ndarray, labels: np.ndarray) -> list[np.ndarray]:
    return [np.sort(values) for values in _self_confidence_by_class(pred_probs, labels)]


def _percentiles_by_class(
    pred_probs: np.ndarray, labels: np.ndarray, percentiles: list[float]
) -> np.ndarray:
    """Shape (len(percentiles), K): each percentile of each class's self-confidence."""
    n_classes = pred_probs.shape[1]
    table = np.full((len(percentiles), n_classes), EMPTY_CLASS_THRESHOLD)
    for k, confidences in enumerate(_sorted_self_confidence(pred_probs, labels)):
        if confidences.size:
            for row, percentile in enumerate(percentiles):
                table[row, k] = linear_percentile(confidences, percentile)
    return table


def _mean_thresholds(pred_probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    thresholds = np.full(pred_probs.shape[1], EMPTY_CLASS_THRESHOLD)
    for k, confidences in enumerate(_self_confidence_by_class(pred_probs, labels)):
        if confidences.size:
            thresholds[k] = max(np.mean(confidences), _CLEANLAB_THRESHOLD_LOWER_BOUND)
    return thresholds


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def percentile_thresholds(pred_probs, labels, percentile) -> np.ndarray:
    """Per-class percentile of the self-confidence of the examples given that class.

    Parameters
    ----------
    pred_probs : array-like of shape (n, K)
        Out-of-sample predicted probabilities; rows sum to 1.
    labels : array-like of shape (n,)
        Given class indices in ``[0, K)``.
    percentile : float
        In ``[0, 100]``; numpy's default (linear) interpolation.

    Returns
    -------
    thresholds : ndarray of shape (K,)
        ``thresholds[k] = np.percentile(pred_probs[labels == k, k], percentile)``,
        or 1.0 for a class with no examples.

    Raises
    ------
    ValueError
        If ``percentile`` is outside ``[0, 100]`` or the arrays are invalid.
    """
    value = _check_percentile(percentile)
    probs, labels = _check_labels_against(pred_probs, labels)
    return _percentiles_by_class(probs, labels, [value])[0]


def mean_thresholds(pred_probs, labels) -> np.ndarray:
    """Per-class mean self-confidence: cleanlab's confident thresholds.

    Parameters
    ----------
    pred_probs : array-like of shape (n, K)
        Out-of-sample predicted probabilities; rows sum to 1.
    labels : array-like of shape (n,)
        Given class indices in ``[0, K)``.

    Returns
    -------
    thresholds : ndarray of shape (K,)
        ``mean(pred_probs[labels == k, k])`` clipped from below at 2e-6 as
        ``cleanlab.count.get_confident_thresholds`` does, or 1.0 for a class with no
        examples (where cleanlab uses 2.0).
    """
    probs, labels = _check_labels_against(pred_probs, labels)
    return _mean_thresholds(probs, labels)
