"""Training: the model's out-of-sample predicted probabilities of a dataset (Vizzy's 5-fold
RBF SVM, with a fixed seed so that a reload gives the same numbers)."""

from __future__ import annotations

import time

import numpy as np

from pyvizzy.crossval import out_of_sample_pred_probs

__all__ = ["N_FOLDS", "TRAIN_SEED", "fit_pred_probs"]

#: Training settings (Vizzy's): 5-fold RBF SVM, fixed seed so a reload gives the same numbers.
N_FOLDS = 5
TRAIN_SEED = 0


def fit_pred_probs(dataset, labels, progress=None) -> tuple[np.ndarray, float]:
    """Out-of-sample predicted probabilities of ``dataset`` for ``labels``, and the seconds.

    A 5-fold SVM (:func:`pyvizzy.crossval.out_of_sample_pred_probs`, which calls
    ``progress(fold, n_folds)`` before each fold); the columns of classes left with no item
    are zeros, so the result is always n x K.
    """
    started = time.perf_counter()
    pred_probs = out_of_sample_pred_probs(
        dataset.embeddings, labels, n_folds=N_FOLDS, seed=TRAIN_SEED, progress=progress
    )
    n_classes = dataset.n_classes
    if pred_probs.shape[1] < n_classes:  # the last classes have no item left
        pad = np.zeros((pred_probs.shape[0], n_classes - pred_probs.shape[1]))
        pred_probs = np.hstack([pred_probs, pad])
    if not np.isfinite(pred_probs).all():
        raise ValueError("the model's probabilities are not all finite")
    return pred_probs, time.perf_counter() - started
