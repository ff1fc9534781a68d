"""Suggested labels and the confident joint (Vizzy's rule, and cleanlab's exactly).

An example is *suggested* its most probable class when that probability reaches the class's
threshold. The *confident joint* counts the examples with a suggestion by given label (rows)
and suggested label (columns).
"""

from __future__ import annotations

import numpy as np

from pyvizzy.confident._validation import (
    _check_index_array,
    _check_labels_against,
    _check_thresholds,
    _first_bad_row,
    check_labels,
    check_pred_probs,
)
from pyvizzy.confident.thresholds import (
    _CLEANLAB_EMPTY_CLASS_THRESHOLD,
    _CLEANLAB_FLOAT_EPSILON,
    _CLEANLAB_THRESHOLD_LOWER_BOUND,
    _self_confidence_by_class,
)

__all__ = ["cleanlab_confident_joint", "confident_joint", "suggested_labels"]


# --------------------------------------------------------------------------------------------
# Unchecked kernels (inputs already validated)
# --------------------------------------------------------------------------------------------


def _suggested_labels(pred_probs: np.ndarray, class_thresholds: np.ndarray) -> np.ndarray:
    most_probable = pred_probs.argmax(axis=1)
    top_probability = pred_probs.max(axis=1)
    confident = top_probability >= class_thresholds[most_probable]
    return np.where(confident, most_probable, -1)


def _confident_joint(labels: np.ndarray, suggested: np.ndarray, n_classes: int) -> np.ndarray:
    has_suggestion = suggested >= 0
    cells = labels[has_suggestion] * n_classes + suggested[has_suggestion]
    # np.intp: on wasm32 (Pyodide) bincount refuses int64 input.
    cells = cells.astype(np.intp, copy=False)
    return np.bincount(cells, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def _cleanlab_true_label_guess(pred_probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Each example's guessed true label in cleanlab's confident joint, or -1 for none (the
    rule :func:`cleanlab_confident_joint` describes)."""
    n_classes = pred_probs.shape[1]
    thresholds = np.full(n_classes, _CLEANLAB_EMPTY_CLASS_THRESHOLD)
    for k, confidences in enumerate(_self_confidence_by_class(pred_probs, labels)):
        if confidences.size:
            thresholds[k] = np.mean(confidences)
    thresholds = np.clip(thresholds, _CLEANLAB_THRESHOLD_LOWER_BOUND, None)
    confident = pred_probs >= thresholds - _CLEANLAB_FLOAT_EPSILON
    n_confident = confident.sum(axis=1)
    guess = np.where(n_confident > 1, pred_probs.argmax(axis=1), confident.argmax(axis=1))
    return np.where(n_confident > 0, guess, -1)


def suggested_labels(pred_probs, class_thresholds) -> np.ndarray:
    """The label confident learning suggests for each example (Vizzy's rule).

    Parameters
    ----------
    pred_probs : array-like of shape (n, K)
        Out-of-sample predicted probabilities; rows sum to 1.
    class_thresholds : array-like of shape (K,)
        One finite threshold per class.

    Returns
    -------
    suggested : ndarray of shape (n,), dtype int64
        The most probable class (the first one on ties) when its probability is
        ``>=`` that class's threshold, else -1.
    """
    probs = check_pred_probs(pred_probs)
    thresholds = _check_thresholds(class_thresholds, probs.shape[1], "class_thresholds")
    return _suggested_labels(probs, thresholds)


def confident_joint(labels, suggested, n_classes) -> np.ndarray:
    """Count the examples with a suggestion by given label and suggested label.

    Parameters
    ----------
    labels : array-like of shape (n,)
        Given class indices in ``[0, n_classes)``.
    suggested : array-like of shape (n,)
        Suggested class indices in ``[0, n_classes)``, or -1 for none.
    n_classes : int
        The number of classes K (>= 1).

    Returns
    -------
    joint : ndarray of shape (K, K), dtype int64
        ``joint[i, j]`` is the number of examples given label ``i`` and suggested
        label ``j``; examples without a suggestion are not counted, so
        ``joint.sum() == (suggested >= 0).sum()``.
    """
    if isinstance(n_classes, bool) or not isinstance(n_classes, int | np.integer):
        raise ValueError(f"n_classes must be an integer, got {n_classes!r}")
    if n_classes < 1:
        raise ValueError(f"n_classes must be >= 1, got {n_classes}")
    n_classes = int(n_classes)
    labels = check_labels(labels, None, n_classes)
    suggested = _check_index_array(suggested, "suggested", labels.shape[0])
    out_of_range = (suggested < -1) | (suggested >= n_classes)
    if out_of_range.any():
        row = _first_bad_row(out_of_range)
        raise ValueError(
            f"suggested[{row}] = {suggested[row]} is neither -1 nor a class index in "
            f"[0, {n_classes})"
        )
    return _confident_joint(labels, suggested, n_classes)


def cleanlab_confident_joint(labels, pred_probs) -> np.ndarray:
    """The confident joint exactly as cleanlab computes it (uncalibrated).

    Reproduces ``cleanlab.count.compute_confident_joint(labels, pred_probs,
    calibrate=False)`` for single-label data:

    - thresholds are the per-class mean self-confidences, clipped below at 2e-6,
      and 2.0 for a class with no examples;
    - an example is confident in class ``k`` when ``pred_probs[:, k] >=
      threshold[k] - 1e-6``;
    - with exactly one confident class, that class is its guess; with several, its
      most probable class (the first one on ties, even if that class is not one of
      the confident ones); with none it is not counted;
    - finally every diagonal entry is raised to at least 1.

    Parameters
    ----------
    labels : array-like of shape (n,)
        Given class indices in ``[0, K)``.
    pred_probs : array-like of shape (n, K)
        Out-of-sample predicted probabilities; rows sum to 1.

    Returns
    -------
    joint : ndarray of shape (K, K), dtype int64
        Rows given label, columns guessed true label.
    """
    probs, labels = _check_labels_against(pred_probs, labels)
    joint = _confident_joint(labels, _cleanlab_true_label_guess(probs, labels), probs.shape[1])
    np.fill_diagonal(joint, np.maximum(joint.diagonal(), 1))
    return joint
