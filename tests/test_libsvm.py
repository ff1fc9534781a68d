"""Tests of pyvizzy.libsvm: scikit-learn's SVC decision values, and the lean import."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sklearn.svm import SVC

from pyvizzy import libsvm
from pyvizzy.crossval import rbf_gram


def clusters(seed: int, sizes: tuple[int, ...], n_features: int = 6):
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=1.5, size=(len(sizes), n_features))
    features = np.concatenate([c + rng.normal(size=(n, n_features))
                               for c, n in zip(centers, sizes, strict=True)])
    return features, np.repeat(np.arange(len(sizes)), sizes)


@pytest.mark.parametrize("sizes", [(30, 25, 20), (40, 35), (12, 15, 9, 14)])
@pytest.mark.parametrize("precomputed", [True, False])
def test_decision_values_are_svcs_one_vs_one_values(sizes, precomputed):
    features, labels = clusters(len(sizes) + precomputed, sizes)
    train, test = np.arange(0, labels.size, 2), np.arange(1, labels.size, 2)
    gamma, C = 0.2, 10.0
    if precomputed:
        gram = rbf_gram(features, gamma=gamma)
        reference = SVC(kernel="precomputed", C=C, decision_function_shape="ovo")
        reference.fit(gram[np.ix_(train, train)], labels[train])
        expected = reference.decision_function(gram[np.ix_(test, train)])
        model = libsvm.fit(gram[np.ix_(train, train)], labels[train], C=C,
                           kernel="precomputed")
        ours = libsvm.decision_values(model, gram[np.ix_(test, train)])
    else:
        reference = SVC(kernel="rbf", C=C, gamma=gamma, decision_function_shape="ovo")
        expected = reference.fit(features[train], labels[train]).decision_function(
            features[test])
        model = libsvm.fit(features[train], labels[train], C=C, kernel="rbf", gamma=gamma)
        ours = libsvm.decision_values(model, features[test])
    expected = expected.reshape(test.size, -1)
    if len(sizes) == 2:
        expected = -expected  # SVC flips two-class values so that positive means classes_[1]
    assert ours.shape == (test.size, len(sizes) * (len(sizes) - 1) // 2)
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-10)
    np.testing.assert_array_equal(np.sort(model.support), np.sort(reference.support_))


def test_positive_values_favour_the_first_class_of_each_pair():
    features, labels = clusters(9, (25, 25, 25))
    model = libsvm.fit(features, labels, C=10.0, kernel="rbf", gamma=0.2)
    values = libsvm.decision_values(model, features)
    for column, (i, j) in enumerate([(0, 1), (0, 2), (1, 2)]):
        assert np.mean(values[labels == i, column] > 0) > 0.8
        assert np.mean(values[labels == j, column] < 0) > 0.8


def test_fit_prints_nothing(capfd):
    # libsvm writes its progress to the C stdout by default (in the browser: the console,
    # which more than doubled the training time).
    features, labels = clusters(10, (20, 20, 20))
    libsvm.fit(features, labels, C=10.0, kernel="rbf", gamma=0.2)
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""


def run_fresh(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_binding_imports_without_running_scikit_learns_or_scipys_init():
    out = run_fresh("""
        import sys
        from pyvizzy import libsvm
        binding = libsvm.import_binding()
        loaded = [n for n in ("sklearn", "scipy", "sklearn.base", "scipy.sparse", "scipy.optimize")
                  if n in sys.modules]
        print(loaded, binding.__name__, libsvm.import_binding() is binding)
    """)
    assert out.split() == ["[]", libsvm.BINDING, "True"]


def test_scikit_learn_imports_normally_after_the_binding():
    out = run_fresh("""
        import numpy as np
        from pyvizzy import libsvm
        binding = libsvm.import_binding()
        from sklearn.svm import SVC
        import sklearn.svm._libsvm
        X = np.array([[0.0], [0.1], [1.0], [1.1]])
        print(SVC().fit(X, [0, 0, 1, 1]).predict([[0.05], [1.05]]).tolist(),
              sklearn.svm._libsvm is binding)
    """)
    assert out.split() == ["[0,", "1]", "True"]


def test_the_site_ships_exactly_the_modules_the_binding_imports():
    """pins.json's keep_only_modules: what import_binding imports of scikit-learn and SciPy."""
    import json
    from importlib.resources import files

    out = run_fresh("""
        import sys
        imported = []
        sys.addaudithook(lambda event, args: event == "import" and imported.append(args[0]))
        from pyvizzy import libsvm
        libsvm.import_binding()
        print(" ".join(sorted({m for m in imported if m.split(".")[0] in ("sklearn", "scipy")})))
    """)
    imported = set(out.split())
    # Cython >= 3.1 builds share one utility module per package; Pyodide's (3.0) do not.
    imported = {m for m in imported if not m.endswith("._cyutility")}
    keep = json.loads(files("pyvizzy.site").joinpath("pins.json").read_text())["keep_only_modules"]
    kept = {m for top, modules in keep.items() if not top.startswith("_") for m in modules}
    assert imported - set(libsvm.SKIPPED_PACKAGES) == kept
