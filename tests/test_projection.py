"""pyvizzy.projection: the seeded t-SNE map, the numpy PCA map and their common scaling."""

import os
import subprocess
import sys

import numpy as np
import pytest
from sklearn.decomposition import PCA

from pyvizzy.projection import (
    MAP_DECIMALS,
    fill_square,
    pca_map,
    principal_components,
    tsne_map,
    tsne_perplexity,
)


def clusters(n_items=120, dims=32, n_classes=4, seed=0):
    """Points around ``n_classes`` well-separated centres, and each one's class."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n_items) % n_classes
    centres = rng.normal(size=(n_classes, dims)) * 6
    return centres[labels] + rng.normal(size=(n_items, dims)), labels


def nearest_neighbour_agreement(points, labels):
    """The share of points whose nearest other point has their label."""
    distances = np.linalg.norm(points[:, None] - points[None], axis=2)
    np.fill_diagonal(distances, np.inf)
    return float(np.mean(labels[distances.argmin(axis=1)] == labels))


def fills_the_square(points):
    """Whether ``points`` span [-1, 1] along their longer side, centred on the shorter."""
    low, high = points.min(axis=0), points.max(axis=0)
    longer = int(np.argmax(high - low))
    return (
        low[longer] == -1.0
        and high[longer] == 1.0
        and abs(low[1 - longer] + high[1 - longer]) <= 2 * 10.0**-MAP_DECIMALS
    )


# ----------------------------------------------------------------------------- t-SNE


def test_tsne_map_has_one_point_per_item_that_fills_the_square():
    embeddings, labels = clusters()
    points = tsne_map(embeddings)
    assert points.shape == (120, 2) and points.dtype == np.float64
    assert fills_the_square(points)
    assert np.array_equal(points, np.round(points, MAP_DECIMALS))
    assert not np.signbit(points[points == 0]).any()  # no -0.0 written to a file
    assert nearest_neighbour_agreement(points, labels) == 1.0  # it keeps the clusters


def test_tsne_map_is_reproducible_to_the_byte():
    embeddings, _ = clusters(n_items=80, seed=1)
    first = tsne_map(embeddings, seed=0)
    assert tsne_map(embeddings.copy(), seed=0).tobytes() == first.tobytes()
    assert tsne_map(embeddings.tolist(), seed=0).tobytes() == first.tobytes()
    # from the PCA start, the seed only seeds that start's randomized SVD
    assert np.array_equal(tsne_map(embeddings, seed=1), first)


def test_tsne_map_gives_the_same_bytes_with_one_thread_or_two():
    code = (
        "import sys, numpy as np; from pyvizzy.projection import tsne_map;"
        "x = np.random.default_rng(2).normal(size=(150, 8));"
        "sys.stdout.write(tsne_map(x).tobytes().hex())"
    )
    outputs = {
        threads: subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env={**os.environ, "OMP_NUM_THREADS": threads},
            check=True,
        ).stdout
        for threads in ("1", "2")
    }
    assert outputs["1"] == outputs["2"] and len(outputs["1"]) == 150 * 2 * 8 * 2


def test_tsne_uses_a_perplexity_below_a_third_of_the_items():
    assert tsne_perplexity(2000) == 30.0
    assert tsne_perplexity(91) == 30.0
    assert tsne_perplexity(31) == 10.0
    assert tsne_perplexity(4) == 1.0


@pytest.mark.parametrize("n_items", [4, 5, 12])
def test_tsne_map_of_a_few_items_fills_the_square(n_items):
    points = tsne_map(np.random.default_rng(n_items).normal(size=(n_items, 6)))
    assert points.shape == (n_items, 2) and fills_the_square(points)


@pytest.mark.parametrize("n_items", [2, 3])
def test_fewer_than_four_items_get_their_principal_components(n_items):
    embeddings = np.random.default_rng(7).normal(size=(n_items, 5))
    assert np.array_equal(tsne_map(embeddings), pca_map(embeddings))
    assert fills_the_square(tsne_map(embeddings))


@pytest.mark.parametrize("make_map", [tsne_map, pca_map])
@pytest.mark.parametrize("n_items", [0, 1, 2, 3, 40])
def test_a_set_of_equal_embeddings_maps_to_zeros(make_map, n_items):
    with np.errstate(all="raise"):  # no division by zero on the way
        points = make_map(np.full((n_items, 3), 0.1))
    assert points.shape == (n_items, 2)
    assert np.array_equal(points, np.zeros((n_items, 2)))
    assert not np.signbit(points).any()


def test_duplicates_among_other_items_are_mapped_together():
    embeddings, _ = clusters(n_items=60, seed=3)
    embeddings[10] = embeddings[20]
    points = tsne_map(embeddings)
    assert np.linalg.norm(points[10] - points[20]) < 0.05


@pytest.mark.parametrize("make_map", [tsne_map, pca_map])
@pytest.mark.parametrize(
    ("embeddings", "words"),
    [
        (np.zeros(5), "must be a 2-d array"),
        (np.zeros((5, 0)), "must be a 2-d array"),
        (np.array([[0.0, 1.0], [np.nan, 1.0], [2.0, 3.0]]), "row 1 holds a NaN"),
        (np.array([[0.0, 1.0], [1.0, 1.0], [2.0, np.inf]]), "row 2 holds a NaN or infinite"),
    ],
)
def test_bad_embeddings_are_refused(make_map, embeddings, words):
    with pytest.raises(ValueError, match=words):
        make_map(embeddings)


def test_the_module_imports_with_numpy_alone():
    code = (
        "import sys; import pyvizzy.projection as p;"
        "p.pca_map([[0.0, 1.0], [2.0, 3.0], [4.0, 1.0]]);"
        "print(sorted(m for m in ('sklearn', 'scipy') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# ----------------------------------------------------------------------------- PCA


@pytest.mark.parametrize(("n_items", "dims", "seed"), [(300, 32, 0), (50, 3, 1), (7, 40, 2)])
def test_principal_components_equal_scikit_learns_up_to_sign(n_items, dims, seed):
    rng = np.random.default_rng(seed)
    embeddings = rng.normal(size=(n_items, dims)) * rng.uniform(0.5, 4, size=dims) + 3.0
    ours = principal_components(embeddings)
    theirs = PCA(n_components=2, svd_solver="full").fit_transform(embeddings)
    signs = np.sign(np.sum(ours * theirs, axis=0))
    assert np.allclose(ours, theirs * signs, rtol=0, atol=1e-9)
    assert np.array_equal(pca_map(embeddings), fill_square(theirs * signs))


@pytest.mark.parametrize("seed", range(6))
def test_each_components_largest_loading_is_positive_whatever_the_row_order(seed):
    rng = np.random.default_rng(seed)
    embeddings = rng.normal(size=(100, 6)) * rng.permutation([1.0, 1, 5, 1, 3, 1])
    scores = principal_components(embeddings)
    centred = embeddings - embeddings.mean(axis=0)
    loadings = np.linalg.lstsq(scores, centred, rcond=None)[0]  # scores @ loadings = centred
    for loading in loadings:
        assert loading[np.argmax(np.abs(loading))] > 0
    order = rng.permutation(100)
    assert np.allclose(principal_components(embeddings[order]), scores[order], atol=1e-9)
    assert np.allclose(principal_components(-embeddings), -scores, atol=1e-9)


def test_pca_map_of_points_on_a_line_lies_on_the_x_axis():
    t = np.linspace(-1, 3, 9)[:, None]
    embeddings = t * np.array([[1.0, 2.0, -2.0]]) + 5.0
    points = pca_map(embeddings)
    assert fills_the_square(points)
    assert np.array_equal(points[:, 1], np.zeros(9))
    assert np.allclose(np.abs(points[:, 0]), np.abs(np.linspace(-1, 1, 9)), atol=1e-4)


def test_one_dimensional_embeddings_get_a_zero_second_component():
    points = pca_map(np.array([[0.0], [1.0], [4.0]]))
    assert np.array_equal(points, np.array([[-1.0, 0.0], [-0.5, 0.0], [1.0, 0.0]]))


# ----------------------------------------------------------------------------- scaling


def test_fill_square_centres_the_box_and_keeps_the_aspect():
    points = np.array([[10.0, 5.0], [14.0, 6.0], [12.0, 7.0]])
    assert np.array_equal(fill_square(points), np.array([[-1.0, -0.5], [1.0, 0.0], [0.0, 0.5]]))
    tall = fill_square(points[:, ::-1])
    assert np.array_equal(tall, fill_square(points)[:, ::-1])
    assert np.array_equal(fill_square(points * 1e-9 + 3), fill_square(points))


def test_fill_square_rounds_and_leaves_no_negative_zero():
    points = np.array([[0.0, -1e-7], [3.0, 0.0], [-3.0, 1.0 / 3.0]])
    scaled = fill_square(points)
    assert scaled.tolist() == [[0.0, -0.0556], [1.0, -0.0556], [-1.0, 0.0556]]
    assert not np.signbit(fill_square(np.array([[1.0, -1e-9], [-1.0, 0.0]]))[:, 1]).any()
    with pytest.raises(ValueError, match="n x 2"):
        fill_square(np.zeros((3, 3)))
