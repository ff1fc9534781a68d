"""Every slider setting at once: what :func:`detection_report` would say at each pair of
class and OOD percentiles (0-100), for a precision/recall curve.

:func:`detection_sweep` computes the counts of :func:`~pyvizzy.confident.detection_report`
for all 101 x 101 settings of :func:`~pyvizzy.confident.categorize` (percentile mode) in a few
matrix products: an item's category at ``(c, o)`` is decided by whether it has a suggestion at
``c`` (a class percentile) and whether it is OOD at ``o``, so each count is a sum over items
of a product of one indicator per setting. Once per model, it makes a curve along the class
percentile at any OOD percentile a lookup.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pyvizzy.confident._validation import _check_index_array, _check_labels_against
from pyvizzy.confident.categories import _check_scores, _score_ood_mask
from pyvizzy.confident.report import DetectionCounts, DetectionReport
from pyvizzy.confident.thresholds import _percentiles_by_class
from pyvizzy.formats import TRUTH_OOD, TRUTH_UNKNOWN

__all__ = ["PERCENTILES", "DetectionSweep", "detection_sweep"]

#: The settings swept: every whole percentile.
PERCENTILES = tuple(range(101))
_KINDS = ("overall", "cross_class", "ood")


@dataclass(frozen=True, eq=False)
class DetectionSweep:
    """Counts of :func:`~pyvizzy.confident.detection_report` at every setting.

    Attributes
    ----------
    n_flagged, n_correct : dict of str to ndarray of shape (101, 101), dtype int64
        Per kind (``"overall"``, ``"cross_class"``, ``"ood"``), indexed by
        ``[class_percentile, ood_percentile]``.
    n_actual : dict of str to int
        Per kind, the actual errors (the same at every setting).
    n_evaluated, n_excluded : int
        Examples with known and with unknown truth.
    """

    n_flagged: dict
    n_correct: dict
    n_actual: dict
    n_evaluated: int
    n_excluded: int

    def report_at(self, class_percentile: int, ood_percentile: int) -> DetectionReport:
        """The :class:`~pyvizzy.confident.DetectionReport` at one setting."""
        counts = {
            kind: DetectionCounts(
                n_actual=self.n_actual[kind],
                n_flagged=int(self.n_flagged[kind][class_percentile, ood_percentile]),
                n_correct=int(self.n_correct[kind][class_percentile, ood_percentile]),
            )
            for kind in _KINDS
        }
        return DetectionReport(**counts, n_evaluated=self.n_evaluated, n_excluded=self.n_excluded)

    def curve(self, kind: str, ood_percentile: int) -> tuple[np.ndarray, np.ndarray]:
        """Precision and recall of ``kind`` at class percentiles 0-100 (NaN where nothing is
        flagged, or nothing is actual), the OOD percentile held at ``ood_percentile``."""
        flagged = self.n_flagged[kind][:, ood_percentile].astype(np.float64)
        correct = self.n_correct[kind][:, ood_percentile].astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            precision = np.where(flagged > 0, correct / flagged, np.nan)
        actual = self.n_actual[kind]
        recall = correct / actual if actual else np.full(flagged.shape, np.nan)
        return precision, recall


def _counts(indicator: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``indicator @ weights`` as exact integers (indicator and weights are 0/1)."""
    return np.rint(indicator @ weights).astype(np.int64)


def detection_sweep(pred_probs, labels, truth, ood_scores=None) -> DetectionSweep:
    """What :func:`~pyvizzy.confident.detection_report` says of
    :func:`~pyvizzy.confident.categorize` at every whole class and OOD percentile.

    Parameters
    ----------
    pred_probs : array-like of shape (n, K)
    labels : array-like of shape (n,)
        Given class indices.
    truth : array-like of shape (n,)
        True class index, -1 for OOD, or -2 for unknown (left out of every count).
    ood_scores : array-like of shape (n,), optional
        As in :func:`~pyvizzy.confident.categorize`: the outlier scores that decide OOD.

    Returns
    -------
    DetectionSweep
        ``report_at(c, o)`` equals ``detection_report(categorize(pred_probs, labels, c, o,
        "percentile", ood_scores).categories, labels, truth)``.
    """
    probs, labels = _check_labels_against(pred_probs, labels)
    truth = _check_index_array(truth, "truth", labels.shape[0])
    scores = None if ood_scores is None else _check_scores(ood_scores, labels.shape[0])
    thresholds = _percentiles_by_class(probs, labels, list(PERCENTILES))
    most_probable = probs.argmax(axis=1)
    has_suggestion = probs.max(axis=1)[None, :] >= thresholds[:, most_probable]
    differs = most_probable != labels
    if scores is None:
        # OOD at o when every p[i, k] < thresholds[o, k]; each class's threshold rises with
        # o, so an item is OOD from the first o where the last of its classes is passed.
        first = np.max(
            [np.searchsorted(thresholds[:, k], probs[:, k], side="right")
             for k in range(probs.shape[1])],
            axis=0,
        )  # fmt: skip
        ood = np.arange(len(PERCENTILES))[:, None] >= first[None, :]
    else:
        ood = np.array([_score_ood_mask(scores, percentile)[0] for percentile in PERCENTILES])
    known = (truth != TRUTH_UNKNOWN).astype(np.float64)
    truly_ood = truth == TRUTH_OOD
    actual = {"cross_class": (truth >= 0) & (truth != labels), "ood": truly_ood}
    actual["overall"] = actual["cross_class"] | truly_ood
    issue = (has_suggestion & differs).astype(np.float64)  # rows: class percentiles
    no_suggestion = (~has_suggestion).astype(np.float64)
    ood = ood.astype(np.float64)  # rows: OOD percentiles
    n_settings = len(PERCENTILES)

    def label_issues_and_oods(weights):
        """The weighted counts of both flagged categories at every (c, o)."""
        if scores is None:  # OOD: no suggestion and below every OOD threshold
            label_issues = np.repeat(_counts(issue, weights)[:, None], n_settings, 1)
            return label_issues, _counts(no_suggestion * weights, ood.T)
        # OOD: a low score, whatever the suggestion (so a label issue only when not OOD)
        label_issues = _counts(issue, weights)[:, None] - _counts(issue * weights, ood.T)
        return label_issues, np.repeat(_counts(ood, weights)[None, :], n_settings, 0)

    def by_kind(label_issues, oods):
        return {"overall": label_issues + oods, "cross_class": label_issues, "ood": oods}

    flagged = by_kind(*label_issues_and_oods(known))
    correct = {kind: by_kind(*label_issues_and_oods(known * actual[kind]))[kind] for kind in _KINDS}
    n_known = int(known.sum())
    return DetectionSweep(
        n_flagged=flagged,
        n_correct=correct,
        n_actual={kind: int((actual[kind] & (known > 0)).sum()) for kind in _KINDS},
        n_evaluated=n_known,
        n_excluded=int(labels.shape[0] - n_known),
    )
