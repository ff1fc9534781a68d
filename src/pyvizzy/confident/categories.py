"""The category of every example: clean, label issue, out of distribution or unconfident.

:func:`categorize` validates once and then runs unchecked, so it is cheap enough to call on
every slider move.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pyvizzy.confident._validation import (
    _check_labels_against,
    _check_percentile,
    _check_thresholds,
    _first_bad_row,
    check_pred_probs,
)
from pyvizzy.confident.count import _confident_joint, _suggested_labels
from pyvizzy.confident.thresholds import (
    _mean_thresholds,
    _percentiles_by_class,
    linear_percentile,
)

__all__ = [
    "CATEGORIES",
    "THRESHOLD_MODES",
    "Categorization",
    "categorize",
    "ood_mask",
    "score_ood_mask",
]

#: The category of every example, in display order.
CATEGORIES = ("clean", "label_issue", "ood", "unconfident")

_CATEGORY_NAMES = np.array(CATEGORIES)
_CLEAN, _LABEL_ISSUE, _OOD, _UNCONFIDENT = range(4)
#: How class thresholds are chosen: a percentile of, or the mean of, the self-confidences.
THRESHOLD_MODES = ("percentile", "mean")


def _ood_mask(pred_probs: np.ndarray, ood_thresholds: np.ndarray) -> np.ndarray:
    return (pred_probs < ood_thresholds).all(axis=1)


def ood_mask(pred_probs, ood_thresholds) -> np.ndarray:
    """Which examples look out of distribution.

    Parameters
    ----------
    pred_probs : array-like of shape (n, K)
        Out-of-sample predicted probabilities; rows sum to 1.
    ood_thresholds : array-like of shape (K,)
        One finite threshold per class.

    Returns
    -------
    mask : ndarray of shape (n,), dtype bool
        True where every class probability is strictly below that class's threshold.
    """
    probs = check_pred_probs(pred_probs)
    thresholds = _check_thresholds(ood_thresholds, probs.shape[1], "ood_thresholds")
    return _ood_mask(probs, thresholds)


def _score_ood_mask(scores: np.ndarray, percentile: float) -> tuple[np.ndarray, float]:
    cut = linear_percentile(np.sort(scores), percentile)
    return scores < cut, cut


def score_ood_mask(scores, percentile) -> tuple[np.ndarray, float]:
    """Which examples look out of distribution by an outlier score.

    Parameters
    ----------
    scores : array-like of shape (n,)
        One finite score per example, lower meaning more atypical (for example
        :func:`pyvizzy.outlier.knn_outlier_scores`); at least one.
    percentile : float
        In [0, 100]: the cut is this percentile of all the scores (numpy's linear method).

    Returns
    -------
    mask : ndarray of shape (n,), dtype bool
        True where the score is strictly below the cut.
    cut : float
        The cut.
    """
    value = _check_percentile(percentile, "percentile")
    return _score_ood_mask(_check_scores(scores, None), value)


def _check_scores(scores, n_items: int | None) -> np.ndarray:
    array = np.asarray(scores, dtype=np.float64)
    if array.ndim != 1 or array.shape[0] == 0:
        raise ValueError(f"ood_scores must be a non-empty 1-D array, got shape {array.shape}")
    if n_items is not None and array.shape[0] != n_items:
        raise ValueError(f"ood_scores has {array.shape[0]} values for {n_items} examples")
    if not np.isfinite(array).all():
        row = _first_bad_row(~np.isfinite(array))
        raise ValueError(f"ood_scores[{row}] = {array[row]} is not finite")
    return array


def _read_only(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class Categorization:
    """The outcome of :func:`categorize` (arrays are read-only).

    Attributes
    ----------
    class_thresholds : ndarray of shape (K,)
        The threshold a class's probability must reach for it to be suggested.
    ood_thresholds : ndarray of shape (K,)
        An example is OOD when every class probability is below these.
    suggested : ndarray of shape (n,), dtype int64
        The suggested class, or -1 for none.
    joint : ndarray of shape (K, K), dtype int64
        The confident joint: given label (rows) by suggested label (columns).
    ood : ndarray of shape (n,), dtype bool
        The OOD mask (computed for every example, with or without a suggestion).
    categories : ndarray of shape (n,), dtype str
        One of :data:`CATEGORIES` per example: ``"clean"`` (suggestion == given),
        ``"label_issue"`` (suggestion != given), ``"ood"`` (no suggestion and OOD),
        ``"unconfident"`` (no suggestion, not OOD).
    ood_score_cut : float or None
        With ``ood_scores`` (see :func:`categorize`): the score below which an example is
        OOD; None otherwise.
    """

    class_thresholds: np.ndarray
    ood_thresholds: np.ndarray
    suggested: np.ndarray
    joint: np.ndarray
    ood: np.ndarray
    categories: np.ndarray
    category_codes: np.ndarray = field(repr=False)
    ood_score_cut: float | None = None

    def indices(self, category: str) -> np.ndarray:
        """Row indices of the examples in ``category`` (one of :data:`CATEGORIES`)."""
        if category not in CATEGORIES:
            raise ValueError(f"unknown category {category!r}; expected one of {CATEGORIES}")
        return np.flatnonzero(self.category_codes == CATEGORIES.index(category))

    def counts(self) -> dict[str, int]:
        """Number of examples in each category, in :data:`CATEGORIES` order."""
        tally = np.bincount(self.category_codes.astype(np.intp), minlength=len(CATEGORIES))
        return {name: int(count) for name, count in zip(CATEGORIES, tally, strict=True)}


def categorize(
    pred_probs,
    labels,
    class_percentile=50,
    ood_percentile=15,
    threshold_mode="percentile",
    ood_scores=None,
) -> Categorization:
    """Put every example into one of :data:`CATEGORIES`.

    Parameters
    ----------
    pred_probs : array-like of shape (n, K)
        Out-of-sample predicted probabilities; rows sum to 1.
    labels : array-like of shape (n,)
        Given class indices in ``[0, K)``.
    class_percentile : float, default=50
        Percentile of each class's self-confidence used as its class threshold
        (ignored when ``threshold_mode="mean"``).
    ood_percentile : float, default=15
        Percentile of each class's self-confidence used as its OOD threshold.
    threshold_mode : {"percentile", "mean"}, default="percentile"
        ``"mean"`` uses :func:`mean_thresholds` for the class thresholds; the OOD
        thresholds stay percentiles.
    ood_scores : array-like of shape (n,), optional
        An outlier score per example, lower meaning more atypical (for example
        :func:`pyvizzy.outlier.knn_outlier_scores`). When given, it decides what is out of
        distribution instead of the OOD thresholds (:func:`score_ood_mask` at
        ``ood_percentile``), and an OOD example is OOD whatever the model suggests for it:
        it has no suggestion, so it leaves the confident joint. The OOD thresholds are still
        computed and returned.

    Returns
    -------
    Categorization
        Thresholds, suggestions, confident joint, OOD mask and categories.
    """
    class_value = _check_percentile(class_percentile, "class_percentile")
    ood_value = _check_percentile(ood_percentile, "ood_percentile")
    if threshold_mode not in THRESHOLD_MODES:
        raise ValueError(f"threshold_mode must be one of {THRESHOLD_MODES}, got {threshold_mode!r}")
    probs, labels = _check_labels_against(pred_probs, labels)
    n_classes = probs.shape[1]
    if threshold_mode == "percentile":
        class_thresholds, ood_thresholds = _percentiles_by_class(
            probs, labels, [class_value, ood_value]
        )
    else:
        class_thresholds = _mean_thresholds(probs, labels)
        ood_thresholds = _percentiles_by_class(probs, labels, [ood_value])[0]
    suggested = _suggested_labels(probs, class_thresholds)
    ood_score_cut = None
    if ood_scores is None:
        ood = _ood_mask(probs, ood_thresholds)
    else:
        ood, ood_score_cut = _score_ood_mask(_check_scores(ood_scores, len(labels)), ood_value)
        suggested = np.where(ood, -1, suggested)
    codes = np.where(
        suggested >= 0,
        np.where(suggested == labels, _CLEAN, _LABEL_ISSUE),
        np.where(ood, _OOD, _UNCONFIDENT),
    )
    return Categorization(
        class_thresholds=_read_only(np.array(class_thresholds)),
        ood_thresholds=_read_only(np.array(ood_thresholds)),
        suggested=_read_only(suggested),
        joint=_read_only(_confident_joint(labels, suggested, n_classes)),
        ood=_read_only(ood),
        categories=_read_only(_CATEGORY_NAMES[codes]),
        category_codes=_read_only(codes),
        ood_score_cut=ood_score_cut,
    )
