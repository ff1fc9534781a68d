"""The demo set's photos in the catalog build, fetched from an image host on 127.0.0.1.

The host is a server this module starts, holding a generated JPEG at each of the 300 sources
of ``input_data_before_embeddings.json`` (read from ../shared/vizzy-demo; skipped without it):
right files, a corrupt one, a missing one, a file that fails once; and hosts that cannot be
reached (a closed port, a port that never answers). No test reaches the public image host:
``PYVIZZY_IMAGE_BASE_URL`` points at a closed port unless a test names a host.
"""

import hashlib
import http.server
import io
import json
import socket
import threading
import time
import urllib.request

import numpy as np
import pytest

from pyvizzy.app import data as app_data
from pyvizzy.dataset import load_dataset
from pyvizzy.files import sha256_of
from pyvizzy.pipeline import demo_images, download
from pyvizzy.pipeline.catalog import DEMO_KEY, build_catalog
from pyvizzy.pipeline.demo import read_demo_records
from pyvizzy.pipeline.demo_files import shared_demo_dir
from pyvizzy.pipeline.demo_images import (
    IMAGE_BASE_URL,
    IMAGE_BASE_URL_ENV,
    MANIFEST_FILE,
    image_base_url,
)

SHARED_DEMO = shared_demo_dir()
pytestmark = pytest.mark.skipif(
    not (SHARED_DEMO / "input_data_before_embeddings.json").is_file(),
    reason=f"Vizzy demo files not found at {SHARED_DEMO}",
)
UNREACHABLE = "could not be reached"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(autouse=True)
def no_public_host(monkeypatch):
    """Whatever a test forgets to name, the image host is a closed port on 127.0.0.1."""
    monkeypatch.setenv(IMAGE_BASE_URL_ENV, f"http://127.0.0.1:{free_port()}/nowhere/")


@pytest.fixture(scope="module")
def records():
    return read_demo_records(SHARED_DEMO)


def colour_of(index):
    """A colour of its own for each of the 300 items, so a thumbnail tells which file it was."""
    return (index * 37 % 256, index * 91 % 256, (index * 7 + 60) % 256)


@pytest.fixture(scope="module")
def photos(records):
    """``{source: JPEG bytes}``: small plain-coloured photos, one per item."""
    from PIL import Image

    made = {}
    for index, source in enumerate(records.sources):
        buffer = io.BytesIO()
        Image.new("RGB", (60, 40), colour_of(index)).save(buffer, format="JPEG", quality=95)
        made[source] = buffer.getvalue()
    return made


class ImageHost:
    """An HTTP server on 127.0.0.1 serving ``files`` (``{source: bytes}``) under ``/val/``.

    ``requests`` records (method, source) of each request; ``drop_once`` holds sources whose
    first GET is answered by closing the connection (a network failure).
    """

    def __init__(self, files):
        self.files = dict(files)
        self.requests = []
        self.drop_once = set()
        #: Sources answered with HTTP 503 (a failing server), every time.
        self.failing = set()
        host = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self, body):
                source = self.path.removeprefix("/val/")
                host.requests.append((self.command, source))
                if self.command == "GET" and source in host.drop_once:
                    host.drop_once.discard(source)
                    self.close_connection = True
                    return
                if source in host.failing:
                    self.send_error(503)
                    return
                content = host.files.get(source)
                if content is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                if body:
                    self.wfile.write(content)

            def do_GET(self):
                self.answer(True)

            def do_HEAD(self):
                self.answer(False)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/val/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def gets(self, source=None):
        return [r for r in self.requests if r[0] == "GET" and source in (None, r[1])]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def host(photos):
    served = ImageHost(photos)
    yield served
    served.close()


def build(tmp_path, image_base_url=None, lines=None, out="datasets"):
    """Build the catalog with the demo files of ../shared/vizzy-demo and a cache in tmp_path."""
    log = (lines.append if lines is not None else lambda line: None)
    build_catalog(
        tmp_path / out, demo_dir=SHARED_DEMO, cache_dir=tmp_path / "cache",
        image_base_url=image_base_url, log=log,
    )  # fmt: skip
    path = tmp_path / out / DEMO_KEY / "dataset.json"
    return load_dataset(path), path


def notices(dataset, path):
    entry = app_data.CatalogEntry(key=DEMO_KEY, name=dataset.name, path=f"{DEMO_KEY}/{path.name}")
    return app_data.dataset_notices(dataset, app_data.image_urls(entry, dataset))


def thumbnail_colour(path):
    from PIL import Image

    with Image.open(path) as picture:
        return np.asarray(picture.convert("RGB"), dtype=float).reshape(-1, 3).mean(axis=0)


def cached(tmp_path, source):
    return tmp_path / "cache" / "images" / source


def manifest(tmp_path):
    return json.loads((tmp_path / "cache" / "images" / MANIFEST_FILE).read_text())


def test_right_files_become_thumbnails_and_their_sha256_is_recorded(host, records, tmp_path):
    dataset, path = build(tmp_path, host.url)
    assert all(image is not None for image in dataset.images)
    for index in (0, 150, 299):
        thumbnail = path.parent / dataset.images[index]
        assert np.allclose(thumbnail_colour(thumbnail), colour_of(index), atol=4)
    recorded = manifest(tmp_path)
    assert recorded == {s: hashlib.sha256(b).hexdigest() for s, b in host.files.items()}
    assert "No images" not in dataset.description and "images" not in dataset.provenance
    assert notices(dataset, path) == []
    assert len(host.gets()) == 300
    leftovers = [p for p in (tmp_path / "cache").rglob(".*")]
    assert leftovers == []

    # the next build finds every image in the cache, checked, and asks the host nothing
    host.requests.clear()
    again, _ = build(tmp_path, host.url, out="again")
    assert host.requests == []
    assert again.images == dataset.images


def test_a_corrupt_file_is_not_kept_and_its_item_gets_a_tile(host, records, tmp_path):
    bad = records.sources[5]
    host.files[bad] = b"<html>not an image</html>"
    lines = []
    dataset, path = build(tmp_path, host.url, lines)
    assert dataset.images[5] is None
    assert sum(image is not None for image in dataset.images) == 299
    assert not cached(tmp_path, bad).exists() and bad not in manifest(tmp_path)
    assert len(manifest(tmp_path)) == 299
    assert "No images for 1 of 300 items: 1 not images" in dataset.provenance["images"]
    assert bad in dataset.provenance["images"]
    assert any("1 not images" in line for line in lines)
    assert any("1 not images" in notice for notice in notices(dataset, path))


def test_a_file_missing_on_the_host_leaves_a_tile_and_is_counted(host, records, tmp_path):
    gone = records.sources[7]
    del host.files[gone]
    lines = []
    dataset, path = build(tmp_path, host.url, lines)
    assert dataset.images[7] is None
    assert sum(image is not None for image in dataset.images) == 299
    assert "1 not on the image host" in dataset.provenance["images"]
    assert "HTTP 404" in dataset.provenance["images"]
    assert any("No images for 1 of 300 items: 1 not on the image host" in line for line in lines)
    assert any("1 not on the image host" in notice for notice in notices(dataset, path))
    assert len(host.gets(gone)) == 1  # a 404 is not asked again


def test_a_server_error_ends_the_downloads_after_its_tries(host, records, tmp_path):
    failing = records.sources[5]
    host.failing.add(failing)
    dataset, _path = build(tmp_path, host.url)
    assert sum(image is not None for image in dataset.images) == 5  # the ones before it
    assert "the host stopped answering" in dataset.provenance["images"]
    assert len(host.gets(failing)) == 3 and len(host.gets()) == 5 + 3  # none after it


def test_a_network_failure_is_tried_again(host, records, tmp_path):
    flaky = records.sources[3]
    host.drop_once.add(flaky)
    dataset, _ = build(tmp_path, host.url)
    assert len(host.gets(flaky)) == 2
    assert all(image is not None for image in dataset.images)


def test_a_closed_port_is_found_with_one_request_and_leaves_tiles(tmp_path, monkeypatch):
    calls = []
    real_urlopen = urllib.request.urlopen

    def counting_urlopen(request, *args, **kwargs):
        calls.append(getattr(request, "full_url", request))
        return real_urlopen(request, *args, **kwargs)

    monkeypatch.setattr(urllib.request, "urlopen", counting_urlopen)
    lines = []
    started = time.perf_counter()
    dataset, path = build(tmp_path, f"http://127.0.0.1:{free_port()}/val/", lines)
    elapsed = time.perf_counter() - started
    assert len(calls) == 1, calls
    assert elapsed < 2  # the whole build: the probe is refused at once
    assert all(image is None for image in dataset.images)
    assert UNREACHABLE in dataset.description and UNREACHABLE in dataset.provenance["images"]
    assert IMAGE_BASE_URL_ENV in dataset.provenance["images"]
    assert sum(UNREACHABLE in line for line in lines) == 1
    shown = notices(dataset, path)
    assert len(shown) == 1 and UNREACHABLE in shown[0] and "item's id" in shown[0]


@pytest.fixture
def silent_host():
    """A port that accepts connections and never answers; yields (URL, accepted count)."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted = []

    def accept():
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            accepted.append(connection)

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/val/", accepted
    listener.close()
    for connection in accepted:
        connection.close()


def test_a_host_that_never_answers_costs_one_short_probe(silent_host, tmp_path, monkeypatch):
    url, accepted = silent_host
    monkeypatch.setattr(download, "PROBE_TIMEOUT_S", 0.5)
    started = time.perf_counter()
    dataset, _ = build(tmp_path, url)
    elapsed = time.perf_counter() - started
    assert len(accepted) == 1
    assert elapsed < 2.5
    assert all(image is None for image in dataset.images)
    assert UNREACHABLE in dataset.provenance["images"]


def test_a_cached_file_changed_later_is_found_and_fetched_again(host, records, tmp_path):
    build(tmp_path, host.url)
    changed = records.sources[11]
    path = cached(tmp_path, changed)
    path.write_bytes(host.files[records.sources[12]])  # still an image, but not this one
    host.requests.clear()
    lines = []
    dataset, _ = build(tmp_path, host.url, lines, out="again")
    assert any(str(path) in line and "differs from the one recorded" in line for line in lines)
    assert host.gets() == [("GET", changed)]
    assert path.read_bytes() == host.files[changed]
    assert manifest(tmp_path)[changed] == sha256_of(path)
    assert all(image is not None for image in dataset.images)


def test_a_bad_cached_file_without_the_host_is_named_and_left_out(host, records, tmp_path):
    build(tmp_path, host.url)
    path = cached(tmp_path, records.sources[2])
    path.write_bytes(b"garbage")
    dataset, _ = build(tmp_path, f"http://127.0.0.1:{free_port()}/val/", out="again")
    assert dataset.images[2] is None
    assert sum(image is not None for image in dataset.images) == 299
    assert UNREACHABLE in dataset.provenance["images"]
    assert str(path) in dataset.provenance["images"]
    assert not path.exists()


def test_the_environment_variable_names_the_host(host, tmp_path, monkeypatch):
    monkeypatch.setenv(IMAGE_BASE_URL_ENV, host.url.rstrip("/"))
    dataset, _ = build(tmp_path)
    assert len(host.gets()) == 300
    assert all(image is not None for image in dataset.images)


def test_the_image_host_is_the_option_then_the_variable_then_the_public_host(monkeypatch):
    monkeypatch.setenv(IMAGE_BASE_URL_ENV, "http://127.0.0.1:1/mirror")
    assert image_base_url("http://127.0.0.1:2/option") == "http://127.0.0.1:2/option/"
    assert image_base_url() == "http://127.0.0.1:1/mirror/"
    monkeypatch.setenv(IMAGE_BASE_URL_ENV, "")
    assert image_base_url() == IMAGE_BASE_URL
    monkeypatch.delenv(IMAGE_BASE_URL_ENV)
    assert image_base_url(None) == IMAGE_BASE_URL == "https://labelerrors.com/static/imagenet/val/"


def test_the_demo_command_fetches_from_the_variable_s_host(host, records, tmp_path, monkeypatch):
    from pyvizzy.pipeline.demo import make_demo_dataset

    monkeypatch.setenv(IMAGE_BASE_URL_ENV, host.url)
    del host.files[records.sources[0]]
    out = tmp_path / "out" / "dataset.json"
    dataset = make_demo_dataset(
        out, from_dir=SHARED_DEMO, cache_dir=tmp_path / "cache", images=True,
        log=lambda line: None,
    )  # fmt: skip
    assert dataset.images[0] is None
    assert all((out.parent / image).is_file() for image in dataset.images[1:])
    assert "1 not on the image host" in load_dataset(out).provenance["images"]
    assert len(host.gets()) == 300


@pytest.mark.parametrize("text", ["[" * 100_000, "not json", "[1, 2]", '{"a": ' + "9" * 5000 + "}"])
def test_a_damaged_manifest_counts_as_none(tmp_path, text):
    (tmp_path / MANIFEST_FILE).write_text(text)
    assert demo_images.read_manifest(tmp_path) == {}
