"""Fixtures shared by the browser tests: the site, built once per test session by
``pyvizzy build`` with a dataset of generated photos made by ``pyvizzy embed`` (key
``mine``), and served; Chromium.

The tests never reach another host: the demo set's image host is a closed port here."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from pyvizzy.site.chromium import CHROMIUM, CHROMIUM_ARGS

os.environ["PYVIZZY_IMAGE_BASE_URL"] = "http://127.0.0.1:9/"
#: The key of the test site's own dataset (``pyvizzy build --dataset mine/dataset.json``).
OWN_DATASET_KEY = "mine"


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory) -> Path:
    """The built site (``$PYVIZZY_TEST_SITE`` to test one built already)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (make system-deps)")
    reuse = os.environ.get("PYVIZZY_TEST_SITE")
    if reuse:
        return Path(reuse)
    if shutil.which("node") is None:
        pytest.skip("Node.js is needed to build the site (bytecode compilation)")
    from photo_set import embed_photos, make_photo_folder, run_pyvizzy

    scratch = tmp_path_factory.mktemp("site")
    photos = make_photo_folder(scratch / "photos")
    dataset = embed_photos(photos, scratch / OWN_DATASET_KEY / "dataset.json")
    out = scratch / "site"
    built = run_pyvizzy("build", "--out", out, "--dataset", dataset,
                        "--brotli-quality", "5")  # (quick .br copies)
    if built.returncode != 0:
        raise RuntimeError(f"pyvizzy build failed: {built.stderr[-3000:]}")
    return out


@pytest.fixture(scope="session")
def base_url(site_dir):
    """The site served on 127.0.0.1 (a free port)."""
    from pyvizzy.site.serve import serve_in_thread

    server, url = serve_in_thread(site_dir)
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    """(folder, url): a folder for a blog's pages, served on ``localhost`` (another origin than
    the site's 127.0.0.1, still a local one), without the site's policy (a blog has its own)."""
    from pyvizzy.site.serve import serve_in_thread

    folder = tmp_path_factory.mktemp("host")
    (folder / "index.html").write_text("<!DOCTYPE html><title>A blog</title>", encoding="utf-8")
    server, url = serve_in_thread(folder, site_policy=False)
    yield folder, url.replace("127.0.0.1", "localhost")
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, through Playwright (one per test module)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (make system-deps)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
