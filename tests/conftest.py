"""Fixtures shared by the browser tests: the site, built once per test session, and served;
Chromium."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from pyvizzy.site.chromium import CHROMIUM, CHROMIUM_ARGS


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
    from pyvizzy.site import build_site

    out = tmp_path_factory.mktemp("site") / "site"
    build_site(out, brotli_quality=5, log=lambda line: None)  # (quick .br copies)
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
def browser():
    """Debian's Chromium, headless, through Playwright (one per test module)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (make system-deps)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
