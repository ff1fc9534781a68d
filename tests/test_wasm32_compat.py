"""The core runs on Pyodide's wasm32, where ``np.intp`` is 32 bits.

There numpy's ``bincount`` refuses int64 input ("Cannot cast array data from dtype('int64') to
dtype('int32') according to the rule 'safe'"), which 64-bit CPython accepts. These tests make
``np.bincount`` behave as on wasm32 and run the code paths the browser runs.
"""

import numpy as np
import pytest
from test_dataset import make_document

from pyvizzy.confident import categorize
from pyvizzy.crossval import out_of_sample_pred_probs
from pyvizzy.dataset import dataset_from_dict, dataset_to_dict

_real_bincount = np.bincount


def _wasm32_bincount(x, /, weights=None, minlength=0):
    array = np.asarray(x)
    if array.dtype.kind in "iu" and array.dtype.itemsize > 4:
        raise TypeError(
            "Cannot cast array data from dtype('int64') to dtype('int32') according to the "
            "rule 'safe'"
        )
    return _real_bincount(array, weights, minlength)


@pytest.fixture
def wasm32_bincount(monkeypatch):
    """``np.intp`` is int32 and ``np.bincount`` refuses int64, as on wasm32."""
    monkeypatch.setattr(np, "intp", np.int32)
    monkeypatch.setattr(np, "bincount", _wasm32_bincount)
    with pytest.raises(TypeError):  # the stand-in really refuses int64, as wasm32 does
        np.bincount(np.zeros(3, dtype=np.int64))


def test_dataset_loading_counts_classes_with_wasm32_integers(wasm32_bincount):
    dataset = dataset_from_dict(make_document())
    assert dataset_to_dict(dataset)["class_names"] == ["cat", "dog", "bear"]


def test_training_and_categorizing_with_wasm32_integers(wasm32_bincount):
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(3, dtype=np.int64), 20)
    features = rng.normal(size=(60, 4)) + labels[:, None] * 2.0
    pred_probs = out_of_sample_pred_probs(features, labels, seed=0)
    result = categorize(pred_probs, labels)
    assert result.joint.sum() == int((result.suggested >= 0).sum())
    assert sum(result.counts().values()) == 60
