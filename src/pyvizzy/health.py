"""A dataset's label health: cleanlab's ``dataset.health_summary`` with numpy alone.

:func:`health_summary` returns what ``cleanlab.dataset.health_summary(labels, pred_probs,
verbose=False)`` returns, as plain Python and numpy values instead of pandas DataFrames:

- ``overall_label_health_score``: ``1 - (number of label issues) / n``, where an example is
  a label issue when the (uncalibrated) confident joint counts it off the diagonal and its
  given label is not its most probable class (with a 1e-6 advantage to the given label), as
  ``cleanlab.count.num_label_issues`` counts them;
- ``joint``: the estimated joint distribution of given (rows) and true (columns) labels, the
  confident joint calibrated to the label counts and normalized to sum to 1;
- ``classes_by_label_quality``: cleanlab's per-class table, one entry per column, columns and
  rows in cleanlab's order (ascending label quality score);
- ``overlapping_classes``: cleanlab's table of class pairs (descending joint probability).

The confident joint is :func:`pyvizzy.confident.cleanlab_confident_joint`'s (per-class mean
self-confidence thresholds, cleanlab's rule for examples confident in several classes, the
diagonal raised to at least 1); its calibration and rounding follow
``cleanlab.count.calibrate_confident_joint`` operation by operation, so the numbers are equal
bit for bit. Rows with equal scores are ordered as pandas orders them (numpy's default
argsort on the same values), so ties come out in cleanlab's order too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pyvizzy.confident._validation import _check_labels_against
from pyvizzy.confident.count import _cleanlab_true_label_guess, _confident_joint
from pyvizzy.confident.thresholds import (
    _CLEANLAB_FLOAT_EPSILON,
)

__all__ = ["CLASS_COLUMNS", "OVERLAP_COLUMNS", "HealthSummary", "health_summary"]

#: The columns of ``classes_by_label_quality``, in cleanlab's order.
CLASS_COLUMNS = (
    "Class Index",
    "Label Issues",
    "Inverse Label Issues",
    "Label Noise",
    "Inverse Label Noise",
    "Label Quality Score",
)
#: The columns of ``overlapping_classes``, in cleanlab's order.
OVERLAP_COLUMNS = (
    "Class Index A",
    "Class Index B",
    "Num Overlapping Examples",
    "Joint Probability",
)

# cleanlab.internal.constants: EPSILON (the noise rates' denominators), TINY_VALUE (the
# calibration's) and FLOATING_POINT_COMPARISON (the given label's advantage when counting
# issues; the rounding's tolerance).
_CLEANLAB_EPSILON = 1e-6
_CLEANLAB_TINY_VALUE = 1e-100


@dataclass(frozen=True)
class HealthSummary:
    """What :func:`health_summary` returns.

    Attributes
    ----------
    overall_label_health_score : float
        In ``[0, 1]``: the fraction of examples whose label is not estimated to be an issue.
    num_label_issues : int
        The number of examples estimated to be label issues (the score is ``1 -
        num_label_issues / n``).
    joint : ndarray of shape (K, K), dtype float64
        Estimated ``P(given label = i, true label = j)``; sums to 1.
    classes_by_label_quality : dict of str to ndarray of shape (K,)
        Keys :data:`CLASS_COLUMNS` in that order; row ``r`` of the table is
        ``{column: values[r]}``. "Class Index", "Label Issues" and "Inverse Label Issues"
        are int64, the others float64. Rows by ascending "Label Quality Score".
    overlapping_classes : dict of str to ndarray of shape (m,)
        Keys :data:`OVERLAP_COLUMNS` in that order: one row per pair of classes,
        ``m = K (K - 1) / 2`` (each unordered pair once, A < B) or ``K (K - 1)`` when
        asymmetric. The first three columns are int64, "Joint Probability" float64. Rows by
        descending "Joint Probability".
    """

    overall_label_health_score: float
    num_label_issues: int
    joint: np.ndarray
    classes_by_label_quality: dict[str, np.ndarray]
    overlapping_classes: dict[str, np.ndarray]

    def rows(self, table: str) -> list[dict[str, float | int]]:
        """One of the two tables as a list of rows, each ``{column: Python number}``.

        Parameters
        ----------
        table : {"classes_by_label_quality", "overlapping_classes"}

        Returns
        -------
        rows : list of dict
            In the table's order, one dict per row, keys in the columns' order.
        """
        if table not in ("classes_by_label_quality", "overlapping_classes"):
            raise ValueError(
                f"table must be 'classes_by_label_quality' or 'overlapping_classes', got {table!r}"
            )
        columns = getattr(self, table)
        lists = {name: values.tolist() for name, values in columns.items()}
        n_rows = len(next(iter(lists.values())))
        return [{name: values[r] for name, values in lists.items()} for r in range(n_rows)]


# --------------------------------------------------------------------------------------------
# Unchecked kernels (inputs already validated)
# --------------------------------------------------------------------------------------------


def _round_preserving_sum(floats: np.ndarray) -> np.ndarray:
    """cleanlab's ``internal.util.round_preserving_sum``: round, then move the rounding
    error onto the entries that lost (or gained) most, in numpy's argsort order."""
    ints = floats.round()
    target = np.sum(floats).round()
    total = np.sum(ints).round()
    while abs(total - target) > _CLEANLAB_FLOAT_EPSILON:
        difference = np.round(target - total)
        increment = -1 if difference < 0.0 else 1
        changes = min(int(abs(difference)), floats.shape[0])
        for i in np.argsort(floats - ints)[::-increment][:changes]:
            ints[i] = ints[i] + increment
        total = np.sum(ints).round()
    return ints.astype(np.int64)


def _calibrated_joint(confident_joint: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """``cleanlab.count.estimate_joint``: calibrate the counts, round them, normalize."""
    n_classes = confident_joint.shape[0]
    label_counts = np.bincount(labels.astype(np.intp), minlength=n_classes)
    # cleanlab's confident joint is a transposed confusion matrix (Fortran order); the same
    # layout gives np.sum below the same summation order, hence the same bits.
    counts = np.asfortranarray(confident_joint)
    row_totals = np.clip(counts.sum(axis=1), _CLEANLAB_TINY_VALUE, None)
    calibrated = (counts.T / row_totals * label_counts).T
    calibrated = calibrated / np.clip(np.sum(calibrated), _CLEANLAB_TINY_VALUE, None) * sum(
        label_counts
    )
    rounded = np.empty((n_classes, n_classes), dtype=np.int64)
    for row in range(n_classes):
        rounded[row] = _round_preserving_sum(np.asarray(calibrated[row], dtype=np.float64))
    return rounded / np.clip(float(np.sum(rounded)), _CLEANLAB_TINY_VALUE, None)


def _pandas_order(values: np.ndarray, ascending: bool) -> np.ndarray:
    """The row order of ``DataFrame.sort_values`` on one NaN-free column (pandas' nargsort
    with its default quicksort)."""
    index = np.arange(values.shape[0])
    if ascending:
        return index[values.argsort(kind="quicksort")]
    return index[::-1][values[::-1].argsort(kind="quicksort")][::-1]


def _classes_by_label_quality(joint: np.ndarray, n_items: int) -> dict[str, np.ndarray]:
    given_noise = joint.sum(axis=1) - joint.diagonal()
    true_noise = joint.sum(axis=0) - joint.diagonal()
    given_conditional = given_noise / np.clip(joint.sum(axis=1), _CLEANLAB_EPSILON, None)
    true_conditional = true_noise / np.clip(joint.sum(axis=0), _CLEANLAB_EPSILON, None)
    quality = 1 - given_conditional
    columns = (
        np.arange(joint.shape[0], dtype=np.int64),
        (given_noise * n_items).round().astype(np.int64),
        (true_noise * n_items).round().astype(np.int64),
        given_conditional,
        true_conditional,
        quality,
    )
    order = _pandas_order(quality, ascending=True)
    return {name: values[order] for name, values in zip(CLASS_COLUMNS, columns, strict=True)}


def _overlapping_classes(
    joint: np.ndarray, n_items: int, asymmetric: bool
) -> dict[str, np.ndarray]:
    n_classes = joint.shape[0]
    rows, cols = np.divmod(np.arange(n_classes * n_classes), n_classes)
    if asymmetric:
        values = joint
        keep = rows != cols
    else:
        values = np.triu(joint) + np.tril(joint).T
        keep = rows < cols
    probability = values.ravel()[keep]
    columns = (
        rows[keep].astype(np.int64),
        cols[keep].astype(np.int64),
        (probability * n_items).round().astype(np.int64),
        probability,
    )
    order = _pandas_order(probability, ascending=False)
    return {name: values[order] for name, values in zip(OVERLAP_COLUMNS, columns, strict=True)}


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def health_summary(labels, pred_probs, *, asymmetric=False) -> HealthSummary:
    """cleanlab's dataset health summary: an overall score, classes, overlapping pairs.

    Equal to ``cleanlab.dataset.health_summary(labels, pred_probs, asymmetric=asymmetric,
    verbose=False)``, its DataFrames given as dicts of columns (see :class:`HealthSummary`).

    Parameters
    ----------
    labels : array-like of shape (n,)
        Given class indices in ``[0, K)``, at least two distinct classes (as cleanlab
        requires); a class may have no examples.
    pred_probs : array-like of shape (n, K)
        Out-of-sample predicted probabilities; rows sum to 1.
    asymmetric : bool, default=False
        False: each unordered pair of classes once (A < B), scored by the sum of both
        off-diagonal cells of the joint. True: every ordered pair (A given, B true).

    Returns
    -------
    summary : HealthSummary

    Raises
    ------
    ValueError
        If an array is invalid (naming the argument and the first offending row), if
        ``labels`` holds fewer than two distinct classes, or ``asymmetric`` is not a bool.
    """
    if not isinstance(asymmetric, bool | np.bool_):
        raise ValueError(f"asymmetric must be True or False, got {asymmetric!r}")
    probs, labels = _check_labels_against(pred_probs, labels)
    if np.unique(labels).size < 2:
        raise ValueError(
            f"labels must hold at least 2 distinct classes (as cleanlab requires), "
            f"got only class {int(labels[0])}"
        )
    n_items, n_classes = probs.shape
    guess = _cleanlab_true_label_guess(probs, labels)
    counts = _confident_joint(labels, guess, n_classes)
    np.fill_diagonal(counts, np.maximum(counts.diagonal(), 1))
    joint = _calibrated_joint(counts, labels)
    # cleanlab.count.num_label_issues(estimation_method="off_diagonal"): counted off the
    # diagonal, unless the given label wins the argmax with a 1e-6 advantage.
    favoured = probs.copy()
    favoured[np.arange(n_items), labels] += _CLEANLAB_FLOAT_EPSILON
    issues = (guess >= 0) & (guess != labels) & (favoured.argmax(axis=1) != labels)
    n_issues = int(np.count_nonzero(issues))
    return HealthSummary(
        overall_label_health_score=float(1 - np.int64(n_issues) / n_items),
        num_label_issues=n_issues,
        joint=joint,
        classes_by_label_quality=_classes_by_label_quality(joint, n_items),
        overlapping_classes=_overlapping_classes(joint, n_items, bool(asymmetric)),
    )
