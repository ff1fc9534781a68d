"""Shared by the tests: ``categorize()`` recomputed in CPython from the app's state dict."""

from __future__ import annotations

import numpy as np

from pyvizzy.confident import Categorization, categorize


def categorize_state(state: dict) -> Categorization:
    """What ``categorize()`` gives for a ``window.pyvizzy.state()`` / ``snapshot()`` dict (with
    its outlier scores when the nearest neighbours decide OOD)."""
    knn = state.get("ood_lens") == "knn"
    return categorize(
        np.asarray(state["pred_probs"], dtype=float),
        np.asarray(state["given"], dtype=np.int64),
        class_percentile=state["class_percentile"],
        ood_percentile=state["ood_percentile"],
        threshold_mode=state["threshold_mode"],
        ood_scores=np.asarray(state["outlier_scores"], dtype=float) if knn else None,
    )
