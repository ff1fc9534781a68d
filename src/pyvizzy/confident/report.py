"""Evaluation against ground truth: precision and recall of the flagged examples."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pyvizzy.confident._validation import _check_index_array, _first_bad_row
from pyvizzy.confident.categories import _CATEGORY_NAMES, CATEGORIES
from pyvizzy.formats import TRUTH_OOD, TRUTH_UNKNOWN

__all__ = ["DetectionCounts", "DetectionReport", "detection_report"]


@dataclass(frozen=True)
class DetectionCounts:
    """How a set of flagged examples matches a set of actual errors.

    Attributes
    ----------
    n_actual : int
        Examples that really are errors of this kind.
    n_flagged : int
        Examples flagged.
    n_correct : int
        Examples both flagged and actual errors (true positives).
    """

    n_actual: int
    n_flagged: int
    n_correct: int

    @property
    def precision(self) -> float:
        """``n_correct / n_flagged``; NaN when nothing is flagged."""
        return self.n_correct / self.n_flagged if self.n_flagged else float("nan")

    @property
    def recall(self) -> float:
        """``n_correct / n_actual``; NaN when there is no actual error."""
        return self.n_correct / self.n_actual if self.n_actual else float("nan")

    def as_dict(self) -> dict:
        """Counts, precision and recall as a plain dict."""
        return {
            "n_actual": self.n_actual,
            "n_flagged": self.n_flagged,
            "n_correct": self.n_correct,
            "precision": self.precision,
            "recall": self.recall,
        }


@dataclass(frozen=True)
class DetectionReport:
    """Flagged examples against ground truth (see :func:`detection_report`).

    Attributes
    ----------
    overall : DetectionCounts
        Flagged = ``"label_issue"`` or ``"ood"``; actual = any error (true class
        differs from the given one, or the example is OOD).
    cross_class : DetectionCounts
        Flagged = ``"label_issue"``; actual = the true label is another class.
    ood : DetectionCounts
        Flagged = ``"ood"``; actual = the example is OOD.
    n_evaluated : int
        Examples with known truth (the only ones counted).
    n_excluded : int
        Examples with unknown truth (-2), left out of every count.
    """

    overall: DetectionCounts
    cross_class: DetectionCounts
    ood: DetectionCounts
    n_evaluated: int
    n_excluded: int

    def as_dict(self) -> dict:
        """The report as nested plain dicts."""
        return {
            "overall": self.overall.as_dict(),
            "cross_class": self.cross_class.as_dict(),
            "ood": self.ood.as_dict(),
            "n_evaluated": self.n_evaluated,
            "n_excluded": self.n_excluded,
        }


def _counts(flagged: np.ndarray, actual: np.ndarray) -> DetectionCounts:
    return DetectionCounts(
        n_actual=int(actual.sum()),
        n_flagged=int(flagged.sum()),
        n_correct=int((flagged & actual).sum()),
    )


def detection_report(categories, labels, truth) -> DetectionReport:
    """Precision and recall of the flagged examples against ground truth.

    Only examples whose truth is known are counted (``truth != -2``).

    - ``overall``: flagged means category ``"label_issue"`` or ``"ood"``; an actual
      error is an example whose truth differs from its given label (a different
      class, or OOD). An OOD example flagged as a label issue counts as correct here.
    - ``cross_class``: flagged means ``"label_issue"``; actual means the truth is a
      class other than the given one. An OOD example flagged as a label issue is a
      false positive here.
    - ``ood``: flagged means ``"ood"``; actual means the truth is OOD (-1).

    Parameters
    ----------
    categories : array-like of shape (n,)
        One of :data:`CATEGORIES` per example (``Categorization.categories``).
    labels : array-like of shape (n,)
        Given class indices (>= 0).
    truth : array-like of shape (n,)
        True class index, -1 for OOD, or -2 for unknown.

    Returns
    -------
    DetectionReport
    """
    category_array = np.asarray(categories)
    if category_array.ndim != 1:
        raise ValueError(f"categories must be 1-D, got shape {category_array.shape}")
    n_items = category_array.shape[0]
    known_category = np.isin(category_array, _CATEGORY_NAMES)
    if not known_category.all():
        row = _first_bad_row(~known_category)
        raise ValueError(
            f"categories[{row}] = {str(category_array[row])!r} is not one of {CATEGORIES}"
        )
    labels = _check_index_array(labels, "labels", n_items)
    if (labels < 0).any():
        row = _first_bad_row(labels < 0)
        raise ValueError(f"labels[{row}] = {labels[row]} is negative")
    truth = _check_index_array(truth, "truth", n_items)
    if (truth < TRUTH_UNKNOWN).any():
        row = _first_bad_row(truth < TRUTH_UNKNOWN)
        raise ValueError(
            f"truth[{row}] = {truth[row]} must be a class index, -1 (OOD) or -2 (unknown)"
        )
    known = truth != TRUTH_UNKNOWN
    category_array, labels, truth = category_array[known], labels[known], truth[known]
    is_label_issue = category_array == "label_issue"
    is_ood = category_array == "ood"
    truly_ood = truth == TRUTH_OOD
    truly_other_class = (truth >= 0) & (truth != labels)
    return DetectionReport(
        overall=_counts(is_label_issue | is_ood, truly_ood | truly_other_class),
        cross_class=_counts(is_label_issue, truly_other_class),
        ood=_counts(is_ood, truly_ood),
        n_evaluated=int(known.sum()),
        n_excluded=int(n_items - known.sum()),
    )
