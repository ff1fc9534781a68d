"""Label quality scores: how likely each given label is to be right (cleanlab's ranking)."""

from __future__ import annotations

import numpy as np

from pyvizzy.confident._validation import _check_labels_against

__all__ = ["label_quality_scores"]

_QUALITY_METHODS = ("self_confidence", "normalized_margin")


def label_quality_scores(pred_probs, labels, method="self_confidence") -> np.ndarray:
    """Score each given label: lower means more likely mislabeled.

    Equal to ``cleanlab.rank.get_label_quality_scores(labels, pred_probs,
    method=method)``.

    Parameters
    ----------
    pred_probs : array-like of shape (n, K)
        Out-of-sample predicted probabilities; rows sum to 1.
    labels : array-like of shape (n,)
        Given class indices in ``[0, K)``.
    method : {"self_confidence", "normalized_margin"}, default="self_confidence"
        ``"self_confidence"``: ``pred_probs[i, labels[i]]``.
        ``"normalized_margin"``: ``(p_label - max_{k != label} p_k + 1) / 2``.

    Returns
    -------
    scores : ndarray of shape (n,)
        In ``[0, 1]``.
    """
    if method not in _QUALITY_METHODS:
        raise ValueError(f"method must be one of {_QUALITY_METHODS}, got {method!r}")
    probs, labels = _check_labels_against(pred_probs, labels)
    rows = np.arange(probs.shape[0])
    self_confidence = probs[rows, labels]
    if method == "self_confidence":
        return self_confidence
    others = probs.copy()
    others[rows, labels] = -np.inf
    return (self_confidence - others.max(axis=1) + 1) / 2
