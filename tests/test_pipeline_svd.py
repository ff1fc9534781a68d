"""Truncated SVD: agreement with scikit-learn, and with Vizzy's published 32-d embeddings."""

import json

import numpy as np
import pytest
from scipy.linalg import subspace_angles
from sklearn.decomposition import TruncatedSVD

from pyvizzy.pipeline.demo_files import shared_demo_dir
from pyvizzy.pipeline.svd import truncated_svd

SHARED_DEMO = shared_demo_dir()


@pytest.fixture
def features():
    rng = np.random.default_rng(7)
    # non-negative, low-rank-ish like post-ReLU CNN features
    return np.abs(rng.normal(size=(120, 12)) @ rng.normal(size=(12, 60))) + rng.random((120, 60))


def test_matches_scikit_learn_truncated_svd(features):
    ours = truncated_svd(features, 8)
    reference = TruncatedSVD(8, algorithm="arpack", random_state=0).fit(features)
    transformed = reference.transform(features)
    # same columns up to sign
    signs = np.sign(np.sum(ours.reduced * transformed, axis=0))
    assert np.allclose(ours.reduced, transformed * signs, atol=1e-8)
    assert np.allclose(ours.singular_values, reference.singular_values_)
    assert np.allclose(ours.explained_variance_ratio, reference.explained_variance_ratio_)


def test_projection_components_and_energy(features):
    result = truncated_svd(features, 10)
    assert result.reduced.shape == (120, 10)
    assert np.allclose(result.reduced, features @ result.components.T)
    assert np.allclose(result.components @ result.components.T, np.eye(10), atol=1e-10)
    assert np.all(np.diff(result.singular_values) <= 0)
    assert np.all(np.diff(result.energy_ratio) <= 0)
    full = truncated_svd(features, 60)
    assert np.isclose(full.energy_ratio.sum(), 1.0)
    assert np.allclose(full.reduced[:, :10], result.reduced)


def test_deterministic_signs(features):
    first, second = truncated_svd(features, 5), truncated_svd(features.copy(), 5)
    assert np.array_equal(first.reduced, second.reduced)


@pytest.mark.parametrize(
    ("matrix", "n_components", "message"),
    [
        (np.ones(5), 1, "2-d"),
        (np.array([[1.0, 2.0], [np.nan, 1.0], [0.0, 1.0]]), 1, "row 1"),
        (np.ones((4, 3)), 4, "1..3"),
        (np.ones((4, 3)), 0, "1..3"),
        (np.ones((4, 3)), 2.5, "integer"),
    ],
)
def test_bad_input_is_refused(matrix, n_components, message):
    with pytest.raises(ValueError, match=message):
        truncated_svd(matrix, n_components)


@pytest.mark.skipif(not SHARED_DEMO.is_dir(), reason=f"Vizzy demo files not found at {SHARED_DEMO}")
def test_reproduces_the_published_32d_embeddings():
    """Our SVD of the 292 shared raw embeddings spans Vizzy's published 32-d space.

    The published reduction was fitted on the final 300 images, 8 of which have no raw
    embedding in embeddings.json, so the two bases cannot agree exactly; the leading
    directions must, and a linear map must carry one set onto the other almost perfectly.
    """
    raw = json.loads((SHARED_DEMO / "embeddings.json").read_text())
    published = json.loads((SHARED_DEMO / "output_data_embeddings_32.json").read_text())
    shared_ids = [image_id for image_id in raw if image_id in published]
    assert len(shared_ids) == 292
    features = np.array([raw[i]["embedding"] for i in shared_ids], dtype=float)
    target = np.array([published[i]["embedding"] for i in shared_ids], dtype=float)
    assert features.shape == (292, 512)

    ours = truncated_svd(features, 32).reduced
    angles = np.sort(np.degrees(subspace_angles(ours, target)))
    assert np.median(angles) < 1.0
    assert np.all(angles[:24] < 3.0)

    def r_squared(source, goal):
        mapping, *_ = np.linalg.lstsq(source, goal, rcond=None)
        residual = goal - source @ mapping
        return 1 - np.sum(residual**2) / np.sum((goal - goal.mean(axis=0)) ** 2)

    assert r_squared(ours, target) > 0.98
    assert r_squared(target, ours) > 0.98
    leading = [abs(np.corrcoef(ours[:, j], target[:, j])[0, 1]) for j in range(5)]
    assert min(leading) > 0.99
