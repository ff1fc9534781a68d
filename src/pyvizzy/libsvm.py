"""libsvm's C-SVC through scikit-learn's compiled binding, without the rest of scikit-learn.

:mod:`pyvizzy.crossval` needs one thing from scikit-learn: libsvm's C-SVC solver, which
scikit-learn compiles into its extension module ``sklearn.svm._libsvm``. Importing it the
usual way runs ``sklearn/__init__.py`` and ``sklearn/svm/__init__.py``, which import most
of scikit-learn and of SciPy (sparse matrices, optimizers, special functions, ~130
WebAssembly libraries): seconds of the page's start in Pyodide, for nothing the app uses.

:func:`import_binding` loads the extension module with any parent package that is not
imported yet stood in for by an empty package module (its ``__init__.py`` not run). The
binding itself imports only ``sklearn.utils._cython_blas`` and
``scipy.linalg.cython_blas`` (BLAS function pointers). The stand-ins and the modules
imported under them are then dropped from ``sys.modules``, so a later ``import sklearn``
(or ``scipy``) runs its ``__init__.py`` as usual and gets the extension modules already
loaded.

:func:`fit` and :func:`decision_values` call the binding as scikit-learn's
``BaseLibSVM._dense_fit`` / ``_dense_decision_function`` do, with ``SVC``'s defaults. The
binding is private to scikit-learn (its signature has not changed from 1.6.1, Pyodide's, to
1.9); ``tests/test_libsvm.py`` checks, with whatever scikit-learn the tests run, that they
give ``SVC(decision_function_shape="ovo")``'s decision values.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import sys
from dataclasses import dataclass

import numpy as np

__all__ = ["BINDING", "LibsvmModel", "decision_values", "fit", "import_binding"]

#: scikit-learn's compiled libsvm binding.
BINDING = "sklearn.svm._libsvm"
#: Packages whose ``__init__.py`` importing :data:`BINDING` would otherwise run.
SKIPPED_PACKAGES = ("sklearn", "sklearn.svm", "sklearn.utils", "scipy", "scipy.linalg")

#: libsvm's ``svm_type`` for C-SVC.
C_SVC = 0
#: scikit-learn's ``SVC`` defaults, passed as it passes them.
SVC_DEFAULTS = {"degree": 3, "coef0": 0.0, "tol": 1e-3, "cache_size": 200.0, "shrinking": True}


@functools.cache
def import_binding():
    """``sklearn.svm._libsvm``, imported without running unimported packages' ``__init__``."""
    return sys.modules.get(BINDING) or _import_under_stand_ins()


def _import_under_stand_ins():
    before = set(sys.modules)
    stand_ins = []
    try:
        for name in SKIPPED_PACKAGES:
            if name in sys.modules:
                continue
            spec = importlib.util.find_spec(name)
            if spec is None or spec.submodule_search_locations is None:
                raise ImportError(f"{name} is not an importable package (needed for {BINDING})")
            sys.modules[name] = importlib.util.module_from_spec(spec)
            stand_ins.append(name)
        return importlib.import_module(BINDING)
    finally:
        # Forget every module imported under a stand-in: a later real import of the
        # package imports them again, which for an extension module returns the module
        # already loaded (and sets it as the real package's attribute).
        prefixes = tuple(f"{name}." for name in stand_ins)
        for name in set(sys.modules) - before:
            if name in stand_ins or name.startswith(prefixes):
                del sys.modules[name]


@dataclass(frozen=True)
class LibsvmModel:
    """A fitted one-vs-one C-SVC, as libsvm returns it.

    ``support`` indexes the training rows; ``support_vectors`` is empty for a
    precomputed kernel. ``dual_coef`` and ``intercept`` are libsvm's, not sign-flipped for
    two classes as ``SVC`` presents them: a positive decision value of pair ``(i, j)``
    always favours class ``i``.
    """

    support: np.ndarray
    support_vectors: np.ndarray
    n_support: np.ndarray
    dual_coef: np.ndarray
    intercept: np.ndarray
    kernel: str
    gamma: float


def fit(X: np.ndarray, labels: np.ndarray, *, C: float, kernel: str = "rbf",
        gamma: float = 0.0) -> LibsvmModel:
    """Fit libsvm's C-SVC.

    Parameters
    ----------
    X : ndarray of shape (n, d), or (n, n) Gram matrix for ``kernel="precomputed"``
    labels : ndarray of shape (n,)
        Class indices ``0 .. K-1``, each present (libsvm orders classes by index).
    C : float
    kernel : {"rbf", "precomputed"}
    gamma : float
        RBF width (ignored for ``"precomputed"``).

    Returns
    -------
    LibsvmModel
    """
    binding = import_binding()
    features = np.ascontiguousarray(X, dtype=np.float64)
    targets = np.ascontiguousarray(labels, dtype=np.float64)
    binding.set_verbosity_wrap(0)  # libsvm prints its progress unless told not to
    result = binding.fit(
        features, targets, svm_type=C_SVC, sample_weight=np.empty(0),
        class_weight=np.empty(0), kernel=kernel, C=float(C), nu=0.5, probability=0,
        gamma=float(gamma), epsilon=0.0, max_iter=-1, random_seed=0, **SVC_DEFAULTS,
    )
    support, support_vectors, n_support, dual_coef, intercept = result[:5]
    return LibsvmModel(support, support_vectors, n_support, dual_coef, intercept, kernel,
                       float(gamma))


def decision_values(model: LibsvmModel, X: np.ndarray) -> np.ndarray:
    """One-vs-one decision values, shape ``(m, K * (K - 1) / 2)``, pairs ``(i, j)``, ``i < j``.

    ``X`` holds the rows to score: features for ``"rbf"``, or their kernel values against
    the training rows (shape ``(m, n_train)``) for ``"precomputed"``.
    """
    binding = import_binding()
    empty = np.empty(0)
    values = binding.decision_function(
        np.ascontiguousarray(X, dtype=np.float64), model.support, model.support_vectors,
        model.n_support, model.dual_coef, model.intercept, empty, empty, svm_type=C_SVC,
        kernel=model.kernel, degree=SVC_DEFAULTS["degree"],
        cache_size=SVC_DEFAULTS["cache_size"], coef0=SVC_DEFAULTS["coef0"],
        gamma=model.gamma,
    )
    return np.asarray(values).reshape(np.shape(X)[0], -1)
