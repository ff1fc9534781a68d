"""Out-of-sample predicted probabilities by stratified K-fold cross-validation.

Vizzy trained libsvm's C-SVC (RBF kernel, C=10, gamma=0.01) with probability
estimates on every training split. ``SVC(probability=True)``, which wraps that
libsvm feature, is deprecated from scikit-learn 1.9, and the replacement
scikit-learn suggests (``CalibratedClassifierCV(SVC(), ensemble=False)``) calibrates
one-vs-rest: on the demo set its probabilities differ from libsvm's by 0.07 on
average and find markedly fewer OOD images. So this module computes libsvm's own
estimate from the non-deprecated parts of scikit-learn:

1. one-vs-one decision values of the training split, each out-of-fold (an inner
   stratified 5-fold split, as libsvm's internal cross-validation);
2. for every pair of classes, Platt's sigmoid fitted to those decision values
   (libsvm's ``sigmoid_train``: prior-corrected targets, Newton with backtracking);
3. the SVC refit on the whole training split; its pairwise probabilities for the
   held-out rows are coupled into class probabilities by method 2 of Wu, Lin and
   Weng (2004), libsvm's ``multiclass_probability``, solved in closed form.

The SVCs are libsvm's, called through scikit-learn's compiled binding without importing
the rest of scikit-learn (:mod:`pyvizzy.libsvm`: seconds less start-up in the browser).
The fold assignment is scikit-learn's ``StratifiedKFold(shuffle=True)``, the RBF kernel
its ``rbf_kernel``, both re-stated here in numpy (and tested equal to them).
"""

from __future__ import annotations

import math

import numpy as np

from . import libsvm

__all__ = ["CALIBRATION_FOLDS", "out_of_sample_pred_probs", "rbf_gram", "stratified_folds"]

#: Inner folds used to get out-of-fold decision values for Platt scaling (libsvm uses 5).
CALIBRATION_FOLDS = 5

#: libsvm clips pairwise probabilities into [MIN_PAIRWISE, 1 - MIN_PAIRWISE].
MIN_PAIRWISE = 1e-7

#: Up to this many rows the RBF Gram matrix (n x n float64) is computed once and shared.
GRAM_MAX_ITEMS = 4000


def _check_features(X) -> np.ndarray:
    try:
        features = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"X must be a 2-D array of numbers: {error}") from None
    if features.ndim != 2:
        raise ValueError(f"X must be 2-D (n_examples, n_features), got shape {features.shape}")
    if features.shape[1] == 0:
        raise ValueError("X has no features (0 columns)")
    finite = np.isfinite(features)
    if not finite.all():
        row, column = (int(index[0]) for index in np.nonzero(~finite))
        raise ValueError(
            f"X[{row}, {column}] is {float(features[row, column])}: every feature must be finite "
            "(drop or impute NaN / infinite values first)"
        )
    return features


def _check_labels(labels, n_items: int) -> np.ndarray:
    array = np.asarray(labels)
    if array.ndim != 1:
        raise ValueError(f"labels must be 1-D, got shape {array.shape}")
    if array.dtype.kind not in "iu":
        raise ValueError(f"labels must hold integer class indices, got dtype {array.dtype}")
    if array.shape[0] != n_items:
        raise ValueError(f"labels has {array.shape[0]} entries but X has {n_items} rows")
    if (array < 0).any():
        row = int(np.flatnonzero(array < 0)[0])
        raise ValueError(f"labels[{row}] = {array[row]} is negative; class indices start at 0")
    return array.astype(np.int64, copy=False)


def _check_folds(n_folds, labels: np.ndarray, n_classes: int) -> int:
    if isinstance(n_folds, bool) or not isinstance(n_folds, int | np.integer) or n_folds < 2:
        raise ValueError(f"n_folds must be an integer >= 2, got {n_folds!r}")
    n_folds = int(n_folds)
    if labels.shape[0] < n_folds:
        raise ValueError(
            f"{labels.shape[0]} examples are fewer than n_folds={n_folds}: "
            "add examples or lower n_folds"
        )
    class_sizes = np.bincount(labels.astype(np.intp), minlength=n_classes)
    for k, size in enumerate(class_sizes):
        if 0 < size < n_folds:
            raise ValueError(
                f"class {k} has {size} example(s), fewer than n_folds={n_folds}, so some "
                f"training split would see too few of it: add examples of class {k}, merge it "
                "into another class or drop it, or lower n_folds"
            )
    if (class_sizes > 0).sum() < 2:
        raise ValueError("labels hold a single class; at least 2 are needed to train a classifier")
    return n_folds


def stratified_folds(labels: np.ndarray, n_folds: int,
                     seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Shuffled stratified K-fold ``(train_rows, test_rows)`` pairs.

    The same folds as scikit-learn's ``StratifiedKFold(n_folds, shuffle=True,
    random_state=seed).split(X, labels)``: each class's rows are dealt to the folds
    round-robin over the sorted labels, then each class's fold numbers are shuffled.

    Parameters
    ----------
    labels : ndarray of shape (n,)
        Class labels (any sortable values).
    n_folds : int
    seed : int
        Seeds ``numpy.random.RandomState``, as scikit-learn's ``check_random_state``.

    Returns
    -------
    list of (ndarray, ndarray)
        Row indices, in increasing order, for each fold.
    """
    rng = np.random.RandomState(seed)
    _, first_rows, lexical = np.unique(labels, return_index=True, return_inverse=True)
    _, by_appearance = np.unique(first_rows, return_inverse=True)
    encoded = by_appearance[lexical.reshape(-1)]  # classes numbered by first appearance
    n_classes = first_rows.size
    dealt = np.sort(encoded)
    allocation = np.asarray(
        [np.bincount(dealt[i::n_folds], minlength=n_classes) for i in range(n_folds)]
    )
    test_fold = np.empty(encoded.size, dtype=np.intp)
    for k in range(n_classes):
        folds_of_class = np.arange(n_folds).repeat(allocation[:, k])
        rng.shuffle(folds_of_class)
        test_fold[encoded == k] = folds_of_class
    rows = np.arange(encoded.size)
    return [(rows[test_fold != i], rows[test_fold == i]) for i in range(n_folds)]


def rbf_gram(X: np.ndarray, Y: np.ndarray | None = None, gamma: float = 1.0) -> np.ndarray:
    """RBF kernel ``exp(-gamma * |x - y| ** 2)`` between the rows of ``X`` and ``Y``.

    Computed as scikit-learn's ``rbf_kernel`` (squared norms minus twice the dot product,
    clipped at 0, an exact 0 on the diagonal when ``Y`` is ``X``).
    """
    same = Y is None
    Y = X if same else Y
    squared = -2 * (X @ Y.T)
    squared += np.einsum("ij,ij->i", X, X)[:, np.newaxis]
    squared += np.einsum("ij,ij->i", Y, Y)[np.newaxis, :]
    np.maximum(squared, 0, out=squared)
    if same:
        np.fill_diagonal(squared, 0)
    squared *= -gamma
    return np.exp(squared, out=squared)


def _sigmoid_loss(decision: np.ndarray, targets: np.ndarray, a: float, b: float) -> float:
    """Cross-entropy of ``p = 1 / (1 + exp(a * decision + b))`` against ``targets``."""
    z = a * decision + b
    return float(np.sum(targets * np.logaddexp(0, z) + (1 - targets) * np.logaddexp(0, -z)))


def platt_sigmoid(decision: np.ndarray, is_positive: np.ndarray) -> tuple[float, float]:
    """Fit Platt's sigmoid ``P(positive | f) = 1 / (1 + exp(a * f + b))``.

    libsvm's ``sigmoid_train`` (Lin, Lin and Weng, 2007): targets shrunk towards
    the class priors, Newton's method with backtracking line search.

    Parameters
    ----------
    decision : ndarray of shape (m,)
        Out-of-fold decision values.
    is_positive : ndarray of shape (m,), dtype bool
        Which examples belong to the positive class.

    Returns
    -------
    a, b : float
    """
    n_positive = int(is_positive.sum())
    n_negative = is_positive.size - n_positive
    targets = np.where(is_positive, (n_positive + 1) / (n_positive + 2), 1 / (n_negative + 2))
    a, b = 0.0, math.log((n_negative + 1) / (n_positive + 1))
    loss = _sigmoid_loss(decision, targets, a, b)
    for _ in range(100):
        probability = np.exp(-np.logaddexp(0, a * decision + b))
        curvature = probability * (1 - probability)
        h_aa = 1e-12 + float(np.sum(decision * decision * curvature))
        h_bb = 1e-12 + float(np.sum(curvature))
        h_ab = float(np.sum(decision * curvature))
        residual = targets - probability
        g_a, g_b = float(np.sum(decision * residual)), float(np.sum(residual))
        if abs(g_a) < 1e-5 and abs(g_b) < 1e-5:
            break
        determinant = h_aa * h_bb - h_ab * h_ab
        step_a = -(h_bb * g_a - h_ab * g_b) / determinant
        step_b = -(h_aa * g_b - h_ab * g_a) / determinant
        slope = g_a * step_a + g_b * step_b
        step = 1.0
        while step >= 1e-10:
            new_a, new_b = a + step * step_a, b + step * step_b
            new_loss = _sigmoid_loss(decision, targets, new_a, new_b)
            if new_loss < loss + 1e-4 * step * slope:
                a, b, loss = new_a, new_b, new_loss
                break
            step /= 2
        else:
            break  # line search failed: keep the best point found
    return a, b


def couple_pairwise(pairwise: np.ndarray) -> np.ndarray:
    """Class probabilities from pairwise ones (Wu, Lin and Weng 2004, method 2).

    Minimizes ``sum_i sum_{j != i} (r_ji p_i - r_ij p_j) ** 2`` subject to
    ``sum(p) == 1``, as libsvm's ``multiclass_probability`` does iteratively, by
    solving its linear (KKT) system directly.

    Parameters
    ----------
    pairwise : ndarray of shape (n, K, K)
        ``pairwise[:, i, j]`` estimates ``P(class i | class i or j)``, with
        ``pairwise[:, j, i] == 1 - pairwise[:, i, j]``; the diagonal is ignored.

    Returns
    -------
    probabilities : ndarray of shape (n, K)
        Non-negative rows summing to 1.
    """
    n_items, n_classes, _ = pairwise.shape
    diagonal = np.arange(n_classes)
    transposed = pairwise.transpose(0, 2, 1)
    system = np.zeros((n_items, n_classes + 1, n_classes + 1))
    quadratic = -transposed * pairwise  # Q_ij = -r_ji * r_ij
    squares = transposed**2
    squares[:, diagonal, diagonal] = 0
    quadratic[:, diagonal, diagonal] = squares.sum(axis=2)  # Q_ii = sum_j r_ji ** 2
    system[:, :n_classes, :n_classes] = quadratic
    system[:, :n_classes, n_classes] = 1
    system[:, n_classes, :n_classes] = 1
    right_side = np.zeros((n_items, n_classes + 1, 1))
    right_side[:, n_classes, 0] = 1
    probabilities = np.linalg.solve(system, right_side)[:, :n_classes, 0]
    probabilities = np.clip(probabilities, 0, None)
    return probabilities / probabilities.sum(axis=1, keepdims=True)


class _RowSVC:
    """Fits one-vs-one RBF C-SVCs (libsvm) on subsets of the rows of one data set.

    Up to :data:`GRAM_MAX_ITEMS` rows, the RBF Gram matrix is computed once and every
    fit uses a slice of it (a precomputed kernel): the same model (decision values
    agree to 1e-14) about 2.5 times faster, since the cross-validation fits 30 SVCs on
    overlapping rows.
    """

    def __init__(self, features: np.ndarray, C: float, gamma: float):
        self.features = features
        self.C = C
        self.gamma = gamma
        small = features.shape[0] <= GRAM_MAX_ITEMS
        self.gram = rbf_gram(features, gamma=gamma) if small else None

    def fit_decision(
        self, train_rows: np.ndarray, labels: np.ndarray, predict_rows: np.ndarray
    ) -> np.ndarray:
        """Fit on ``train_rows``; one-vs-one decision values of ``predict_rows``.

        Returns shape ``(len(predict_rows), n_pairs)``, pairs ``(i, j)``, ``i < j``, of
        the classes present in ``train_rows``; positive values favour class ``i``.
        """
        _, targets = np.unique(labels[train_rows], return_inverse=True)  # classes as 0..K-1
        if self.gram is None:
            model = libsvm.fit(self.features[train_rows], targets, C=self.C, kernel="rbf",
                               gamma=self.gamma)
            return libsvm.decision_values(model, self.features[predict_rows])
        model = libsvm.fit(self.gram[np.ix_(train_rows, train_rows)], targets, C=self.C,
                           kernel="precomputed")
        return libsvm.decision_values(model, self.gram[np.ix_(predict_rows, train_rows)])


def _fit_predict_proba(
    svc: _RowSVC,
    labels: np.ndarray,
    train_rows: np.ndarray,
    test_rows: np.ndarray,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """libsvm-style probabilities of ``test_rows`` from a model of ``train_rows``.

    Returns ``(classes, probabilities)``: the classes present in the training rows and
    an array of shape ``(len(test_rows), len(classes))``.
    """
    train_labels = labels[train_rows]
    classes, class_sizes = np.unique(train_labels, return_counts=True)
    if class_sizes.min() < 2:
        raise ValueError(
            "a training split holds a single example of some class, too few to calibrate "
            "probabilities: add examples of the smallest class or use more folds"
        )
    pairs = [(i, j) for i in range(classes.size) for j in range(i + 1, classes.size)]
    out_of_fold = np.zeros((train_rows.size, len(pairs)))
    inner_folds = min(CALIBRATION_FOLDS, int(class_sizes.min()))
    for fit_part, held_part in stratified_folds(train_labels, inner_folds, seed):
        out_of_fold[held_part] = svc.fit_decision(
            train_rows[fit_part], labels, train_rows[held_part]
        )
    test_decision = svc.fit_decision(train_rows, labels, test_rows)
    pairwise = np.full((test_rows.size, classes.size, classes.size), 0.5)
    for column, (i, j) in enumerate(pairs):
        in_pair = (train_labels == classes[i]) | (train_labels == classes[j])
        a, b = platt_sigmoid(out_of_fold[in_pair, column], train_labels[in_pair] == classes[i])
        probability = 1 / (1 + np.exp(np.clip(a * test_decision[:, column] + b, -700, 700)))
        probability = np.clip(probability, MIN_PAIRWISE, 1 - MIN_PAIRWISE)
        pairwise[:, i, j] = probability
        pairwise[:, j, i] = 1 - probability
    return classes, couple_pairwise(pairwise)


def out_of_sample_pred_probs(
    X, labels, n_folds=5, C=10.0, gamma=0.01, seed=0, progress=None
) -> np.ndarray:
    """Predicted class probabilities, each from a model that did not see that row.

    Parameters
    ----------
    X : array-like of shape (n, d)
        Finite features (e.g. 32-d embeddings).
    labels : array-like of shape (n,)
        Given class indices ``>= 0``. ``K = labels.max() + 1``; a class index with no
        examples gets a column of zeros.
    n_folds : int, default=5
        Folds of the stratified split. Every class that occurs needs at least
        ``n_folds`` examples.
    C : float, default=10.0
        SVC regularization (Vizzy's libsvm cost).
    gamma : float, default=0.01
        RBF kernel width (Vizzy's value).
    seed : int, default=0
        Seeds the shuffled fold assignment; same input and seed, same output.
    progress : callable, optional
        Called as ``progress(fold, n_folds)`` before each fold is fitted (``fold`` counts
        from 0), for a long training's progress.

    Returns
    -------
    pred_probs : ndarray of shape (n, K)
        Row ``i`` comes from the model trained on the folds not holding ``i``; rows
        sum to 1.

    Raises
    ------
    ValueError
        For non-finite or mis-shaped input, fewer examples than folds, or a class with
        fewer members than folds (the message says what to do).
    """
    features = _check_features(X)
    labels = _check_labels(labels, features.shape[0])
    if labels.shape[0] == 0:
        raise ValueError("X and labels are empty")
    n_classes = int(labels.max()) + 1
    n_folds = _check_folds(n_folds, labels, n_classes)
    for name, value in (("C", C), ("gamma", gamma)):
        if not (isinstance(value, int | float | np.number) and np.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a positive finite number, got {value!r}")

    pred_probs = np.zeros((features.shape[0], n_classes))
    svc = _RowSVC(features, C, gamma)
    for fold, (train_rows, test_rows) in enumerate(stratified_folds(labels, n_folds, seed)):
        if progress is not None:
            progress(fold, n_folds)
        classes, fold_probs = _fit_predict_proba(svc, labels, train_rows, test_rows, seed)
        pred_probs[np.ix_(test_rows, classes)] = fold_probs
    return pred_probs
