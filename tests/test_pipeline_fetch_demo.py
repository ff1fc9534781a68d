"""scripts/fetch_demo.py: the Vizzy cat/dog/bear set from a folder, or downloaded and verified.

The download path is tested against an HTTP server on 127.0.0.1 that the test starts, serving
copies of ../shared/vizzy-demo laid out like the Vizzy repository: right files, a corrupted
file, a missing file; and an image host that is there or unreachable.
"""

import functools
import http.server
import io
import json
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from pyvizzy.dataset import load_dataset
from pyvizzy.formats import TRUTH_OOD
from pyvizzy.pipeline.demo import CLASS_NAMES, make_demo_dataset, read_demo_records
from pyvizzy.pipeline.demo_files import DEMO_FILES, fetch_demo_files, shared_demo_dir
from pyvizzy.pipeline.errors import DemoError
from pyvizzy.projection import tsne_map

REPO_ROOT = Path(__file__).resolve().parents[1]
SCRIPT = REPO_ROOT / "scripts" / "fetch_demo.py"
SHARED_DEMO = shared_demo_dir()
pytestmark = pytest.mark.skipif(
    not SHARED_DEMO.is_dir(), reason=f"Vizzy demo files not found at {SHARED_DEMO}"
)


def run_script(*args):
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True
    )


def check_demo_dataset(dataset):
    assert dataset.n_items == 300
    assert dataset.class_names == CLASS_NAMES == ("cat", "dog", "bear")
    assert np.bincount(dataset.given).tolist() == [100, 100, 100]
    known = dataset.truth >= 0
    assert np.bincount(dataset.truth[known]).tolist() == [97, 97, 97]
    assert int(np.sum(dataset.truth == TRUTH_OOD)) == 9
    cross_class = known & (dataset.truth != dataset.given)
    assert int(cross_class.sum()) == 9
    assert int(np.sum(dataset.given != dataset.truth)) == 18  # 9 cross-class + 9 OOD
    assert np.array_equal(dataset.map, tsne_map(dataset.embeddings, seed=0))  # its t-SNE map
    assert "map = t-SNE of the embeddings" in dataset.provenance["method"]


def test_from_the_shared_folder(tmp_path):
    out = tmp_path / "cdb" / "dataset.json"
    result = run_script("--from", SHARED_DEMO, "--out", out)
    assert result.returncode == 0, result.stderr
    dataset = load_dataset(out)
    check_demo_dataset(dataset)
    published = json.loads((SHARED_DEMO / "output_data_embeddings_32.json").read_text())
    given = json.loads((SHARED_DEMO / "input_data_before_embeddings.json").read_text())
    truth = json.loads((SHARED_DEMO / "img_id_to_label.json").read_text())
    for index in (0, 137, 299):
        image_id = dataset.ids[index]
        assert dataset.embeddings[index].tolist() == published[image_id]["embedding"]
        assert dataset.class_names[dataset.given[index]] == given[image_id]["givenLabel"]
        expected_truth = truth[image_id]
        actual = "OOD" if dataset.truth[index] < 0 else dataset.class_names[dataset.truth[index]]
        assert actual == expected_truth
    assert all(image is None for image in dataset.images)
    assert "No images" in dataset.description
    assert "MIT License" in dataset.provenance["license_text"]
    assert "210c05c3f64816fe18f418ff9647a18a6a22f0fa" in dataset.provenance["source"]
    assert not dataset.random_weights


@pytest.fixture
def server(tmp_path):
    """Serve tmp_path/www on 127.0.0.1; yields (www folder, base URL)."""
    www = tmp_path / "www"
    www.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(www))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield www, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def repository(server):
    """Copies of the published files laid out like the Vizzy repository at the pinned commit."""
    www, base_url = server
    repo = www / "vizzy"
    for demo_file in DEMO_FILES:
        target = repo / demo_file.repo_path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SHARED_DEMO / demo_file.name, target)
    return repo, base_url + "vizzy/"


def test_download_verifies_and_caches_every_file(repository, tmp_path):
    repo, base_url = repository
    cache = tmp_path / "cache"
    lines = []
    fetch_demo_files(cache, base_url=base_url, log=lines.append)
    assert sorted(p.name for p in cache.iterdir()) == sorted(f.name for f in DEMO_FILES)
    assert len(lines) == len(DEMO_FILES)
    for demo_file in DEMO_FILES:
        assert (cache / demo_file.name).read_bytes() == (SHARED_DEMO / demo_file.name).read_bytes()
    # a second run finds everything in the cache and downloads nothing
    shutil.rmtree(repo)
    fetch_demo_files(cache, base_url=base_url, log=lines.append)
    assert len(lines) == len(DEMO_FILES)
    check_demo_dataset(load_dataset_from(cache, tmp_path))


def load_dataset_from(folder, tmp_path):
    out = tmp_path / "from-cache" / "dataset.json"
    make_demo_dataset(out, from_dir=folder, log=lambda line: None)
    return load_dataset(out)


def test_script_downloads_into_the_cache(repository, tmp_path):
    _, base_url = repository
    out = tmp_path / "out" / "dataset.json"
    result = run_script("--base-url", base_url, "--cache-dir", tmp_path / "c", "--out", out)
    assert result.returncode == 0, result.stderr
    check_demo_dataset(load_dataset(out))


def test_a_corrupted_file_is_an_error_and_is_not_kept(repository, tmp_path):
    repo, base_url = repository
    corrupted = repo / "src" / "model" / "img_id_to_label.json"
    corrupted.write_text(corrupted.read_text().replace('"bear"', '"cat"', 1))
    cache = tmp_path / "cache"
    with pytest.raises(DemoError, match=r"img_id_to_label\.json: sha256 [0-9a-f]{64} differs"):
        fetch_demo_files(cache, base_url=base_url)
    assert not (cache / "img_id_to_label.json").exists()
    assert not [p for p in cache.iterdir() if p.name.startswith(".")]

    out = tmp_path / "out" / "dataset.json"
    result = run_script("--base-url", base_url, "--cache-dir", cache, "--out", out)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "differs from the published" in result.stderr
    assert not out.parent.exists() or list(out.parent.iterdir()) == []


def test_a_corrupted_cached_file_is_downloaded_again(repository, tmp_path):
    _, base_url = repository
    cache = tmp_path / "cache"
    fetch_demo_files(cache, base_url=base_url)
    (cache / "LICENSE").write_text("tampered")
    fetch_demo_files(cache, base_url=base_url)
    assert (cache / "LICENSE").read_bytes() == (SHARED_DEMO / "LICENSE").read_bytes()


def test_a_missing_file_is_an_error(repository, tmp_path):
    repo, base_url = repository
    (repo / "src" / "model" / "output_data_embeddings_32.json").unlink()
    with pytest.raises(DemoError, match=r"output_data_embeddings_32\.json: HTTP 404"):
        fetch_demo_files(tmp_path / "cache", base_url=base_url)
    assert not (tmp_path / "cache" / "output_data_embeddings_32.json").exists()


def test_a_local_folder_with_a_changed_file_is_refused(tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(SHARED_DEMO, folder)
    (folder / "input_data_before_embeddings.json").chmod(0o644)
    with open(folder / "input_data_before_embeddings.json", "a") as stream:
        stream.write(" ")
    out = tmp_path / "out" / "dataset.json"
    result = run_script("--from", folder, "--out", out)
    assert result.returncode == 1
    assert "input_data_before_embeddings.json: sha256" in result.stderr
    assert not out.exists()
    result = run_script("--from", tmp_path / "nowhere", "--out", out)
    assert result.returncode == 1 and "is not a folder" in result.stderr


def test_records_are_cross_checked(tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(SHARED_DEMO, folder)
    truths_path = folder / "img_id_to_label.json"
    truths_path.chmod(0o644)
    truths = json.loads(truths_path.read_text())
    first_id = next(iter(truths))
    truths[first_id] = "lion"
    truths_path.write_text(json.dumps(truths))
    with pytest.raises(DemoError, match=rf"img_id_to_label\.json: id '{first_id}': label 'lion'"):
        read_demo_records(folder)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def image_host(server):
    """300 small JPEGs (a colour per true class) where the image host would serve them."""
    from PIL import Image

    www, base_url = server
    records = read_demo_records(SHARED_DEMO)
    colours = {0: (200, 120, 60), 1: (60, 200, 120), 2: (60, 60, 200), -1: (128, 128, 128)}
    rng = np.random.default_rng(0)
    for source, truth in zip(records.sources, records.truth, strict=True):
        path = www / "val" / source
        path.parent.mkdir(parents=True, exist_ok=True)
        pixels = np.asarray(colours[int(truth)]) + rng.normal(0, 20, size=(100, 150, 3))
        Image.fromarray(pixels.clip(0, 255).astype(np.uint8)).save(path, format="JPEG")
    return base_url + "val/"


def test_images_from_a_reachable_host_become_thumbnails(image_host, tmp_path):
    from PIL import Image

    out = tmp_path / "out" / "dataset.json"
    dataset = make_demo_dataset(
        out,
        from_dir=SHARED_DEMO,
        cache_dir=tmp_path / "cache",
        images=True,
        image_base_url=image_host,
        log=lambda line: None,
    )
    assert all(image is not None for image in dataset.images)
    picture = Image.open(io.BytesIO((out.parent / dataset.images[0]).read_bytes()))
    assert picture.format == "JPEG" and picture.size == (128, 85)
    assert "No images" not in dataset.description
    assert len(list((tmp_path / "cache" / "images").rglob("*.JPEG"))) == 300


def test_recompute_embeds_the_downloaded_images(image_host, tmp_path, monkeypatch):
    pytest.importorskip("torch")
    from pyvizzy.pipeline import embed

    # the whole path runs for real, on 32x32 crops instead of 224x224 to keep the test fast
    monkeypatch.setattr(embed, "RESIZE_TO", 36)
    monkeypatch.setattr(embed, "CROP_TO", 32)
    out = tmp_path / "out" / "dataset.json"
    dataset = make_demo_dataset(
        out,
        from_dir=SHARED_DEMO,
        cache_dir=tmp_path / "cache",
        recompute=True,
        random_weights=True,
        device="cpu",
        image_base_url=image_host,
        log=lambda line: None,
    )
    check_demo_dataset(load_dataset(out))
    assert dataset.embeddings.shape == (300, 32)
    assert dataset.random_weights and load_dataset(out).random_weights
    assert "recomputed" in dataset.provenance["method"]
    published = read_demo_records(SHARED_DEMO).embeddings
    assert not np.allclose(dataset.embeddings, published)
    # the generated images carry their true class in their colour; the embedding keeps it
    distances = np.linalg.norm(dataset.embeddings[:, None] - dataset.embeddings[None], axis=2)
    np.fill_diagonal(distances, np.inf)
    assert np.mean(dataset.truth[distances.argmin(axis=1)] == dataset.truth) > 0.9


def test_images_from_an_unreachable_host_leave_placeholders(tmp_path):
    out = tmp_path / "out" / "dataset.json"
    result = run_script(
        "--from", SHARED_DEMO, "--out", out, "--images", "--cache-dir", tmp_path / "cache",
        "--image-base-url", f"http://127.0.0.1:{free_port()}/val/",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    dataset = load_dataset(out)
    assert all(image is None for image in dataset.images)
    assert "image host could not be reached" in dataset.description
    assert "image host could not be reached" in dataset.provenance["images"]

    result = run_script(
        "--from", SHARED_DEMO, "--out", tmp_path / "r.json", "--recompute", "--random-weights",
        "--cache-dir", tmp_path / "cache", "--image-base-url", f"http://127.0.0.1:{free_port()}/",
    )  # fmt: skip
    assert result.returncode == 1
    assert "--recompute needs the images" in result.stderr
    assert not (tmp_path / "r.json").exists()


def test_bad_options_are_refused(tmp_path):
    result = run_script("--from", SHARED_DEMO, "--out", tmp_path / "x.csv")
    assert result.returncode == 2 and "must end in .json" in result.stderr
    result = run_script("--from", SHARED_DEMO, "--out", tmp_path / "x.json", "--random-weights")
    assert result.returncode == 2 and "only apply with --recompute" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("edit", "words"), [
    (lambda text: text[:-1] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
     "nested deeper than 64 levels"),
    (lambda text: text.replace('"embedding": [', '"embedding": [1' + "0" * 400 + ", ", 1),
     "field 'embedding' holds a non-number"),
])
def test_records_name_a_file_too_deep_or_a_number_too_large(tmp_path, edit, words):
    folder = tmp_path / "copy"
    shutil.copytree(SHARED_DEMO, folder)
    path = folder / "output_data_embeddings_32.json"
    path.chmod(0o644)
    path.write_text(edit(path.read_text(encoding="utf-8").rstrip()), encoding="utf-8")
    with pytest.raises(DemoError, match=words) as caught:
        read_demo_records(folder)
    assert str(caught.value).startswith(str(path))
