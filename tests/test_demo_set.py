"""The Vizzy demo set (cat / dog / bear + OOD) end to end: crossval, then categorize.

Reads the original files straight from ``../shared/vizzy-demo`` (never copied into the
repository); skipped when that folder is absent.
"""

from __future__ import annotations

import hashlib
import json
import logging

import numpy as np
import pytest

from pyvizzy.confident import CATEGORIES, categorize, detection_report
from pyvizzy.crossval import out_of_sample_pred_probs
from pyvizzy.formats import OOD_LABEL, TRUTH_OOD
from pyvizzy.pipeline.demo_files import shared_demo_dir

DEMO_DIR = shared_demo_dir()
# sha256 of the files as published in cleanlab/vizzy at 210c05c (see the folder's README.md)
DEMO_FILES = {
    "input_data_before_embeddings.json": (
        "1e200ef2d306764257c1e8ffd03bc04366e35e0ee014d3066da61df4d040a1b6"
    ),
    "img_id_to_label.json": "cb2137ebe6c5c6500961b781bf362699a89474a4412c4a8cea0f09024489c335",
    "output_data_embeddings_32.json": (
        "b66d179c0d081f13fdc7e4a19ee1245786e1fbf7c37fd1ccb3bb66bc20e2b45e"
    ),
}

logger = logging.getLogger(__name__)

pytestmark = pytest.mark.skipif(
    not all((DEMO_DIR / name).is_file() for name in DEMO_FILES),
    reason=f"Vizzy demo files not found in {DEMO_DIR} (cleanlab/vizzy src/model at 210c05c)",
)


@pytest.fixture(scope="module")
def demo():
    """Features, given labels, true labels (-1 = OOD) and class names, in file order."""
    for name, digest in DEMO_FILES.items():
        actual = hashlib.sha256((DEMO_DIR / name).read_bytes()).hexdigest()
        assert actual == digest, f"{DEMO_DIR / name} is not the published file (sha256 {actual})"
    given = json.loads((DEMO_DIR / "input_data_before_embeddings.json").read_text())
    truth = json.loads((DEMO_DIR / "img_id_to_label.json").read_text())
    embedded = json.loads((DEMO_DIR / "output_data_embeddings_32.json").read_text())
    ids = list(given)
    class_names = sorted({entry["givenLabel"] for entry in given.values()})
    features = np.array([embedded[item]["embedding"] for item in ids], dtype=np.float64)
    labels = np.array([class_names.index(given[item]["givenLabel"]) for item in ids])
    true_labels = np.array(
        [TRUTH_OOD if truth[item] == OOD_LABEL else class_names.index(truth[item]) for item in ids]
    )
    return features, labels, true_labels, class_names


@pytest.fixture(scope="module")
def demo_pred_probs(demo):
    features, labels, _, _ = demo
    return out_of_sample_pred_probs(features, labels, seed=0)


def test_demo_files_hold_the_documented_set(demo):
    features, labels, true_labels, class_names = demo
    assert class_names == ["bear", "cat", "dog"]
    assert features.shape == (300, 32)
    assert np.bincount(labels).tolist() == [100, 100, 100]
    planted = true_labels != labels
    assert planted.sum() == 18
    assert (true_labels == TRUTH_OOD).sum() == 9


def test_defaults_flag_planted_errors_and_partition_the_set(demo, demo_pred_probs):
    _, labels, true_labels, class_names = demo
    pred_probs = demo_pred_probs
    assert pred_probs.shape == (300, 3)
    np.testing.assert_allclose(pred_probs.sum(axis=1), 1.0, atol=1e-12)

    result = categorize(pred_probs, labels)
    report = detection_report(result.categories, labels, true_labels)
    counts = result.counts()
    message = (
        f"demo set, seed 0, class_percentile=50, ood_percentile=15: "
        f"{report.overall.n_correct} of {report.overall.n_actual} planted errors flagged "
        f"({report.cross_class.n_correct} of {report.cross_class.n_actual} cross-class errors "
        f"as label issues, {report.ood.n_correct} of {report.ood.n_actual} OOD images as OOD); "
        f"{report.overall.n_flagged} flagged, precision {report.overall.precision:.3f}, "
        f"recall {report.overall.recall:.3f}; categories {counts}; "
        f"joint (rows given, columns suggested, {class_names}) {result.joint.tolist()}"
    )
    print(message)
    logger.info(message)

    # The categories partition the 300 examples.
    assert sum(counts.values()) == 300
    assert set(result.categories.tolist()) <= set(CATEGORIES)
    # The joint counts exactly the examples with a suggestion: the clean and label issues.
    assert result.joint.sum() == counts["clean"] + counts["label_issue"]
    assert result.joint.sum() == np.sum(result.suggested >= 0)
    assert np.trace(result.joint) == counts["clean"]
    assert np.all(result.joint.sum(axis=1) <= np.bincount(labels))
    # Flagging finds errors far above their base rate (18 of 300).
    base_rate = report.overall.n_actual / report.n_evaluated
    assert report.overall.n_correct > 0
    assert report.overall.precision > 2 * base_rate


def test_mean_thresholds_on_the_demo(demo, demo_pred_probs):
    _, labels, true_labels, _ = demo
    result = categorize(demo_pred_probs, labels, threshold_mode="mean")
    report = detection_report(result.categories, labels, true_labels)
    message = (
        f"demo set, seed 0, mean thresholds, ood_percentile=15: "
        f"{report.overall.n_correct} of {report.overall.n_actual} planted errors flagged, "
        f"{report.overall.n_flagged} flagged; categories {result.counts()}"
    )
    print(message)
    logger.info(message)
    assert sum(result.counts().values()) == 300
    assert result.joint.sum() == np.sum(result.suggested >= 0)
