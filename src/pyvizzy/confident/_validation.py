"""Checks at the boundary of :mod:`pyvizzy.confident`.

Every public function validates its arguments here, then calls unchecked kernels. A problem
raises :class:`ValueError` with a message that names the argument and the first offending row.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ROW_SUM_TOLERANCE", "check_labels", "check_pred_probs"]

#: How far a row of ``pred_probs`` may sum from 1 (absolute).
ROW_SUM_TOLERANCE = 1e-5


def _first_bad_row(bad_rows: np.ndarray) -> int:
    return int(np.flatnonzero(bad_rows)[0])


def check_pred_probs(pred_probs) -> np.ndarray:
    """Validate predicted probabilities and return them as a float64 array.

    Parameters
    ----------
    pred_probs : array-like of shape (n, K)
        Predicted class probabilities: finite, non-negative, at least one row and
        two columns, every row summing to 1 within :data:`ROW_SUM_TOLERANCE`.

    Returns
    -------
    pred_probs : ndarray of shape (n, K), dtype float64

    Raises
    ------
    ValueError
        Naming the first offending row.
    """
    try:
        probs = np.asarray(pred_probs, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"pred_probs must be a 2-D array of numbers: {error}") from None
    if probs.ndim != 2:
        raise ValueError(f"pred_probs must be 2-D (n_examples, n_classes), got shape {probs.shape}")
    n_items, n_classes = probs.shape
    if n_items == 0:
        raise ValueError("pred_probs has no rows (no examples)")
    if n_classes < 2:
        raise ValueError(f"pred_probs must have at least 2 columns (classes), got {n_classes}")
    finite_rows = np.isfinite(probs).all(axis=1)
    if not finite_rows.all():
        row = _first_bad_row(~finite_rows)
        raise ValueError(f"pred_probs row {row} has a non-finite value: {probs[row].tolist()}")
    negative_rows = (probs < 0).any(axis=1)
    if negative_rows.any():
        row = _first_bad_row(negative_rows)
        raise ValueError(f"pred_probs row {row} has a negative value: {probs[row].tolist()}")
    row_sums = probs.sum(axis=1)
    off_rows = np.abs(row_sums - 1.0) > ROW_SUM_TOLERANCE
    if off_rows.any():
        row = _first_bad_row(off_rows)
        raise ValueError(
            f"pred_probs row {row} sums to {float(row_sums[row])!r}, not 1 "
            f"(tolerance {ROW_SUM_TOLERANCE}); pass normalized probabilities"
        )
    return probs


def _check_index_array(values, name: str, n_items: int | None) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {array.shape}")
    if array.size == 0 and array.dtype.kind not in "iu":
        array = array.astype(np.int64)
    if array.dtype.kind not in "iu":
        raise ValueError(f"{name} must hold integers (class indices), got dtype {array.dtype}")
    if n_items is not None and array.shape[0] != n_items:
        raise ValueError(f"{name} has {array.shape[0]} entries, expected {n_items} (one per row)")
    return array.astype(np.int64, copy=False)


def check_labels(labels, n_items: int | None, n_classes: int, name: str = "labels") -> np.ndarray:
    """Validate class indices and return them as an int64 array.

    Parameters
    ----------
    labels : array-like of shape (n,)
        Integer class indices, each in ``[0, n_classes)``.
    n_items : int or None
        The expected length, or None to accept any length.
    n_classes : int
        The number of classes K.
    name : str, default="labels"
        The argument name used in error messages.

    Returns
    -------
    labels : ndarray of shape (n,), dtype int64

    Raises
    ------
    ValueError
        If ``labels`` is not 1-D integers of the right length, or a value is out of
        range (the message names the first offending row).
    """
    array = _check_index_array(labels, name, n_items)
    out_of_range = (array < 0) | (array >= n_classes)
    if out_of_range.any():
        row = _first_bad_row(out_of_range)
        raise ValueError(f"{name}[{row}] = {array[row]} is not a class index in [0, {n_classes})")
    return array


def _check_labels_against(pred_probs, labels) -> tuple[np.ndarray, np.ndarray]:
    probs = check_pred_probs(pred_probs)
    return probs, check_labels(labels, probs.shape[0], probs.shape[1])


def _check_percentile(percentile, name: str = "percentile") -> float:
    try:
        value = float(percentile)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number in [0, 100], got {percentile!r}") from None
    if not 0.0 <= value <= 100.0:  # also rejects NaN
        raise ValueError(f"{name} must be in [0, 100], got {percentile!r}")
    return value


def _check_thresholds(thresholds, n_classes: int, name: str) -> np.ndarray:
    try:
        array = np.asarray(thresholds, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an array of {n_classes} numbers") from None
    if array.shape != (n_classes,):
        raise ValueError(f"{name} must have shape ({n_classes},), got {array.shape}")
    if not np.isfinite(array).all():
        row = _first_bad_row(~np.isfinite(array))
        raise ValueError(f"{name}[{row}] is not finite: {float(array[row])!r}")
    return array
