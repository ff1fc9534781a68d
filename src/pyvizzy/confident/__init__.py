"""Confident learning as plain array functions.

Everything here works on ``pred_probs``, an ``(n, K)`` array of out-of-sample
predicted class probabilities (rows sum to 1), and ``labels``, the ``(n,)``
given (possibly noisy) class indices in ``[0, K)``.

Vizzy's rule, which the app shows, is:

1. For every class ``k``, a *class threshold*: a percentile (or the mean) of the
   self-confidence ``pred_probs[labels == k, k]`` of the examples given label ``k``.
2. An example gets a *suggested label*: its most probable class, if that
   probability reaches that class's threshold; otherwise none (``-1``).
3. The *confident joint* counts the examples that have a suggestion, by given
   label (rows) and suggested label (columns).
4. An example with no suggestion is *out of distribution* when every class
   probability is strictly below that class's *OOD threshold* (a lower
   percentile of the same self-confidences), and *unconfident* otherwise.

``categorize(..., ood_scores=)`` puts another lens in step 4's place: an example whose
outlier score is below a percentile of all the scores is out of distribution, whatever it
is suggested (:func:`score_ood_mask`); :mod:`~pyvizzy.confident.sweep` counts what
:func:`detection_report` says at every slider setting at once.

:func:`cleanlab_confident_joint` and :func:`label_quality_scores` reproduce
cleanlab's ``compute_confident_joint(calibrate=False)`` and
``get_label_quality_scores`` exactly, without depending on cleanlab.

The public functions validate their inputs and raise :class:`ValueError` with a
message that names the argument and the offending row. :func:`categorize`
validates once and then runs unchecked, so it is cheap enough to call on every
slider move (well under a millisecond for 300 examples and 3 classes).

The functions live by topic, as in cleanlab: :mod:`~pyvizzy.confident.thresholds` (class
thresholds), :mod:`~pyvizzy.confident.count` (suggested labels and the confident joint),
:mod:`~pyvizzy.confident.categories` (the OOD mask and :func:`categorize`, cleanlab's
``filter``), :mod:`~pyvizzy.confident.rank` (label quality scores) and
:mod:`~pyvizzy.confident.report` (evaluation against ground truth). Every public name is
importable from this package.
"""

from pyvizzy.confident._validation import ROW_SUM_TOLERANCE, check_labels, check_pred_probs
from pyvizzy.confident.categories import (
    CATEGORIES,
    THRESHOLD_MODES,
    Categorization,
    categorize,
    ood_mask,
    score_ood_mask,
)
from pyvizzy.confident.count import cleanlab_confident_joint, confident_joint, suggested_labels
from pyvizzy.confident.rank import label_quality_scores
from pyvizzy.confident.report import DetectionCounts, DetectionReport, detection_report
from pyvizzy.confident.thresholds import (
    EMPTY_CLASS_THRESHOLD,
    linear_percentile,
    mean_thresholds,
    percentile_thresholds,
)
from pyvizzy.formats import TRUTH_OOD, TRUTH_UNKNOWN

__all__ = [
    "CATEGORIES",
    "EMPTY_CLASS_THRESHOLD",
    "ROW_SUM_TOLERANCE",
    "THRESHOLD_MODES",
    "TRUTH_OOD",
    "TRUTH_UNKNOWN",
    "Categorization",
    "DetectionCounts",
    "DetectionReport",
    "categorize",
    "check_labels",
    "check_pred_probs",
    "cleanlab_confident_joint",
    "confident_joint",
    "detection_report",
    "label_quality_scores",
    "linear_percentile",
    "mean_thresholds",
    "ood_mask",
    "percentile_thresholds",
    "score_ood_mask",
    "suggested_labels",
]
