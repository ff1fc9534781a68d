"""The bundled digits dataset: Vizzy's recipe, byte-for-byte regeneration, safe writing."""

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_digits

from pyvizzy.dataset import load_dataset
from pyvizzy.formats import TRUTH_OOD
from pyvizzy.pipeline import digits as digits_module
from pyvizzy.pipeline.digits import (
    CLASS_DIGITS,
    CROSS_CLASS_ERRORS,
    PIXEL_SCALE,
    make_digits_dataset,
    select_digits,
)
from pyvizzy.pipeline.output import write_dataset_with_thumbnails
from pyvizzy.projection import tsne_map

REPO_ROOT = Path(__file__).resolve().parents[1]
ASSET = REPO_ROOT / "src" / "pyvizzy" / "pipeline" / "bundled" / "digits" / "dataset.json"
SCRIPT = REPO_ROOT / "scripts" / "make_digits.py"


def files_under(folder):
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_script_regenerates_the_committed_asset_byte_for_byte(tmp_path):
    out = tmp_path / "digits" / "dataset.json"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    regenerated = files_under(out.parent)
    committed = files_under(ASSET.parent)
    assert sorted(regenerated) == sorted(committed)
    changed = [name for name in committed if committed[name] != regenerated[name]]
    assert changed == []


def test_recipe_counts_match_vizzy():
    dataset = load_dataset(ASSET)
    assert dataset.n_items == 300
    assert dataset.class_names == ("3", "5", "8")
    assert np.bincount(dataset.given).tolist() == [100, 100, 100]
    known = dataset.truth >= 0
    assert np.bincount(dataset.truth[known]).tolist() == [97, 97, 97]
    assert int(np.sum(dataset.truth == TRUTH_OOD)) == 9
    # rows: true class, columns: given class
    confusion = np.zeros((3, 3), dtype=int)
    np.add.at(confusion, (dataset.truth[known], dataset.given[known]), 1)
    off_diagonal = confusion - np.diag(np.diag(confusion))
    assert np.array_equal(off_diagonal, CROSS_CLASS_ERRORS)
    assert off_diagonal.sum(axis=0).tolist() == [3, 3, 3]  # 3 cross-class errors per given label
    ood_given = dataset.given[dataset.truth == TRUTH_OOD]
    assert np.bincount(ood_given, minlength=3).tolist() == [3, 3, 3]
    assert dataset.embeddings.shape == (300, 32)
    assert not dataset.random_weights


def test_the_map_is_the_t_sne_of_the_embeddings_and_keeps_the_classes_apart():
    dataset = load_dataset(ASSET)
    assert dataset.map.shape == (300, 2) and np.abs(dataset.map).max() == 1.0
    assert np.array_equal(dataset.map, tsne_map(dataset.embeddings, seed=0))
    known = dataset.truth >= 0
    distances = np.linalg.norm(dataset.map[:, None] - dataset.map[None], axis=2)
    np.fill_diagonal(distances, np.inf)
    nearest = distances.argmin(axis=1)
    assert np.mean(dataset.truth[nearest][known] == dataset.truth[known]) > 0.98


def test_items_are_the_digits_they_claim_to_be():
    dataset = load_dataset(ASSET)
    digits = load_digits()
    rows = np.array([int(item_id.removeprefix("digit-")) for item_id in dataset.ids])
    assert len(set(rows.tolist())) == 300
    targets = digits.target[rows]
    for true_class, target in zip(dataset.truth, targets, strict=True):
        if true_class == TRUTH_OOD:
            assert target not in CLASS_DIGITS
        else:
            assert target == CLASS_DIGITS[true_class]
    # the embeddings are an SVD projection of the scaled pixels: they keep most pairwise geometry
    pixels = digits.data[rows] * PIXEL_SCALE
    gram_pixels = pixels @ pixels.T
    gram_embedding = dataset.embeddings @ dataset.embeddings.T
    relative_error = np.linalg.norm(gram_pixels - gram_embedding) / np.linalg.norm(gram_pixels)
    assert relative_error < 0.02


def test_thumbnails_show_each_digit_crisply():
    image_module = pytest.importorskip("PIL.Image")
    dataset = load_dataset(ASSET)
    digits = load_digits()
    for item_id, image in list(zip(dataset.ids, dataset.images, strict=True))[:40]:
        picture = image_module.open(io.BytesIO((ASSET.parent / image).read_bytes()))
        assert picture.size == (64, 64) and picture.mode == "L"
        pixels = np.asarray(picture, dtype=float)
        blocks = pixels.reshape(8, 8, 8, 8)
        assert np.all(blocks == blocks[:, :1, :, :1])  # nearest-neighbour: flat 8x8 blocks
        ink = 16 - blocks[:, 0, :, 0] * 16 / 255
        source = digits.images[int(item_id.removeprefix("digit-"))]
        assert np.allclose(ink, source, atol=0.05)


def test_seed_changes_the_selection_and_same_seed_repeats_it():
    first, again, other = select_digits(1), select_digits(1), select_digits(2)
    assert np.array_equal(first.source_index, again.source_index)
    assert np.array_equal(first.embeddings, again.embeddings)
    assert not np.array_equal(first.source_index, other.source_index)


def test_energy_of_the_svd_decreases():
    energy = select_digits().energy_ratio
    assert np.all(np.diff(energy) <= 0)
    assert 0.9 < energy.sum() <= 1.0


def test_script_rejects_bad_out_and_leaves_nothing(tmp_path):
    not_json = tmp_path / "out.txt"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(not_json)], capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "out.txt" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []

    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(blocker / "dataset.json")],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_failed_write_keeps_the_previous_dataset(tmp_path, monkeypatch):
    out = tmp_path / "dataset.json"
    make_digits_dataset(out, seed=5)
    before = files_under(tmp_path)

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("pyvizzy.pipeline.output.save_dataset", fail)
    with pytest.raises(OSError, match="disk full"):
        make_digits_dataset(out, seed=6)
    assert files_under(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dataset-thumbnails", "dataset.json"]


def test_thumbnail_names_must_be_plain(tmp_path):
    dataset, _ = digits_module.build_digits_dataset(seed=3)
    with pytest.raises(ValueError, match="plain file name"):
        write_dataset_with_thumbnails(dataset, tmp_path / "d.json", [("../evil.png", b"x")])
    assert list(tmp_path.iterdir()) == []
