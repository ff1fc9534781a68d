"""Where the sliders stand and what confident learning finds there.

:class:`SliderSetting` is a setting of the two sliders; :class:`Outcome` the categorization at
one setting. The functions derive what views show from a categorization. Plain values and
numpy: no param, no Panel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pyvizzy.app.query import PERCENTILE_BOUNDS
from pyvizzy.confident import Categorization, DetectionReport

__all__ = ["Outcome", "SliderSetting", "joint_cell_members", "ranked_label_issues"]


@dataclass(frozen=True)
class SliderSetting:
    """Where the two sliders stand: the class and the OOD percentile (whole numbers 0-100)."""

    class_percentile: int
    ood_percentile: int

    def __post_init__(self):
        low, high = PERCENTILE_BOUNDS
        for name in ("class_percentile", "ood_percentile"):
            value = getattr(self, name)
            if isinstance(value, bool) or int(value) != value or not low <= value <= high:
                raise ValueError(f"{name} must be a whole number in {low}..{high}, got {value!r}")
            object.__setattr__(self, name, int(value))

    @property
    def key(self) -> str:
        """``"class,ood"``: how the page names the setting."""
        return f"{self.class_percentile},{self.ood_percentile}"


@dataclass(frozen=True)
class Outcome:
    """What confident learning finds with the sliders at one setting.

    ``result`` and ``report`` are None before training (``report`` also when the dataset
    has no known true labels). Views lay themselves out from an outcome, so the page can be
    told what a slider move *would* show (:meth:`AppState.outcome_at`) without the state
    changing.
    """

    setting: SliderSetting
    result: Categorization | None
    report: DetectionReport | None


# --------------------------------------------------------------------------------------------
# Derived views of a categorization (pure functions)
# --------------------------------------------------------------------------------------------


def joint_cell_members(labels, suggested, n_classes: int) -> list[list[np.ndarray]]:
    """The items counted in each cell of the confident joint.

    Parameters
    ----------
    labels : ndarray of shape (n,)
        Given class indices.
    suggested : ndarray of shape (n,)
        Suggested class indices, -1 for none (those items are in no cell).
    n_classes : int
        K.

    Returns
    -------
    cells : list of K lists of K int arrays
        ``cells[i][j]`` holds, in dataset order, the indices of the items given ``i``
        and suggested ``j``; ``len(cells[i][j]) == joint[i, j]``.
    """
    labels = np.asarray(labels)
    suggested = np.asarray(suggested)
    return [
        [np.flatnonzero((labels == i) & (suggested == j)) for j in range(n_classes)]
        for i in range(n_classes)
    ]


def ranked_label_issues(categories, quality) -> np.ndarray:
    """Indices of the label issues, least trustworthy label (lowest quality) first."""
    issues = np.flatnonzero(np.asarray(categories) == "label_issue")
    return issues[np.argsort(np.asarray(quality)[issues], kind="stable")]
