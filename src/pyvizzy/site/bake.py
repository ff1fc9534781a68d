"""The site's own memory snapshot, made at build time in headless Chromium.

With it a first visit starts Python as a repeat visit does (``templates/memory_snapshot.js``):
from Python's memory right after the imports, instead of installing the packages and importing
them. The build opens the built site once in headless Chromium (Debian's, as the browser tests
do), lets the page's worker start Python afresh and keep its snapshot (in the origin's private
file system), has the page check it as a visit would (``memory_snapshot.js`` is the one home
of its format) and send it, with its sha256, back to the build's own server, which keeps it
only if it arrived whole, and writes it into the site with a gzip copy beside it
(``pyvizzy serve`` sends that one).

Nothing of it is third-party data: it is the site's own Python, made from the site's own
files. The snapshot is taken before the app runs, so it holds neither the page's address nor
a dataset; the bake visit's clock is set to UTC.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from .chromium import CHROMIUM, CHROMIUM_ARGS, run_in_own_thread, unavailable
from .compress import write_brotli
from .resources import bake_script
from .serve import SiteRequestHandler, serve_in_thread

#: The site's folder of memory snapshots; the worker's config names the file for its key.
SNAPSHOT_DIR = "memory-snapshot/"
#: The most the build's server takes from the page.
MAX_BYTES = 1 << 30
#: Where the page sends the snapshot back to (the build's server only).
UPLOAD_PATH = "/_bake/memory-snapshot"
#: The header carrying the sha256 the page computed of what it sends.
SHA256_HEADER = "X-Pyvizzy-Sha256"
#: The scripts the bake visit's page needs to read and check the kept snapshot.
SNAPSHOT_SCRIPTS = ("checksum.js", "memory_snapshot.js", "snapshot_store.js")

# The bake visit is over: its worker has kept the snapshot, or cannot, or the app failed.
SETTLED = """() => {
    const load = window.pyvizzyLoad;
    return !!load && (!!load.error || (load.live && load.memory_snapshot_kept !== "pending"));
}"""


class SnapshotBakeError(RuntimeError):
    """The site's memory snapshot could not be made (the message says why)."""


def site_snapshot_path(key: str) -> str:
    """The site-relative path of the memory snapshot for ``key``."""
    return f"{SNAPSHOT_DIR}{key}.bin"


class _UploadHandler(SiteRequestHandler):
    """Serves the site, and takes one PUT of the snapshot into ``target``: kept only when it
    arrived whole with the sha256 the page declared (else the file is removed)."""

    target: Path = Path()

    def do_PUT(self):
        length = int(self.headers.get("Content-Length") or -1)
        declared = self.headers.get(SHA256_HEADER, "")
        if self.path != UPLOAD_PATH or not 0 < length <= MAX_BYTES:
            self.send_error(400, "only the memory snapshot may be sent here")
            return
        digest = hashlib.sha256()
        with open(self.target, "wb") as out:
            left = length
            while left:
                chunk = self.rfile.read(min(left, 1 << 20))
                if not chunk:
                    break
                out.write(chunk)
                digest.update(chunk)
                left -= len(chunk)
        whole = not left and digest.hexdigest() == declared
        if not whole:
            self.target.unlink(missing_ok=True)
        self.send_response(204 if whole else 400)
        self.end_headers()


def _visit_and_upload(url: str, key: str, timeout_s: float) -> None:
    """Open ``url`` in headless Chromium; once its worker has kept the memory snapshot for
    ``key``, have the page send it to the build's server."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    messages: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # No service worker: it would only download the pinned files meanwhile.
            context = browser.new_context(timezone_id="UTC", locale="en-US",
                                          service_workers="block")
            page = context.new_page()
            page.on("console", lambda message: messages.append(message.text))
            page.goto(url + "index.html")
            page.wait_for_function(SETTLED, timeout=timeout_s * 1000, polling=200)
            load = page.evaluate("window.pyvizzyLoad")
            if load.get("error") or load.get("memory_snapshot_kept") != "stored":
                raise SnapshotBakeError(
                    f"the bake visit did not keep a snapshot (Python started: "
                    f"{load.get('memory_snapshot')!r}, kept: "
                    f"{load.get('memory_snapshot_kept')!r}, error {load.get('error')!r}); "
                    f"its console: {' | '.join(messages[-5:])}"
                )
            for script in SNAPSHOT_SCRIPTS:
                page.add_script_tag(url=url + script)
            problem = page.evaluate(bake_script(), [UPLOAD_PATH, key])
            if problem:
                raise SnapshotBakeError(f"the snapshot could not be read out: {problem}")
        except PlaywrightError as error:
            raise SnapshotBakeError(
                f"the bake visit failed: {error}; its console: {' | '.join(messages[-5:])}"
            ) from None
        finally:
            browser.close()


def bake_memory_snapshot(site: Path, key: str, *, timeout_s: float = 300,
                         brotli_quality: int | None = None,
                         log: Callable[[str], None] = print) -> Path:
    """Make the memory snapshot of the built site ``site`` for ``key`` and write it there.

    Writes ``site/memory-snapshot/<key>.bin``, its ``.gz`` and, given ``brotli_quality``,
    its ``.br`` (each to a temporary file first, then renamed). Returns the path of the
    ``.bin``. Raises SnapshotBakeError when the visit fails or does not keep a snapshot.
    """
    reason = unavailable()
    if reason:
        raise SnapshotBakeError(reason)
    site = Path(site).resolve()
    final = site / site_snapshot_path(key)
    final.parent.mkdir(parents=True, exist_ok=True)
    received = Path(tempfile.mkstemp(prefix=".upload-", dir=final.parent)[1])
    server, url = serve_in_thread(site, handler=_UploadHandler, target=received)
    try:
        run_in_own_thread(_visit_and_upload, url, key, timeout_s)
        if not received.is_file() or received.stat().st_size == 0:
            raise SnapshotBakeError("the bake visit's page sent no snapshot")
        packed = received.with_name(received.name + ".gz")
        with open(received, "rb") as source, gzip.GzipFile(packed, "wb", compresslevel=6,
                                                           mtime=0) as out:
            shutil.copyfileobj(source, out, 1 << 20)
        received.chmod(0o644)  # (mkstemp makes it private to the builder)
        if brotli_quality is not None:
            os.replace(write_brotli(received, brotli_quality), final.with_name(final.name + ".br"))
        packed.chmod(0o644)
        os.replace(packed, final.with_name(final.name + ".gz"))
        os.replace(received, final)
    finally:
        server.shutdown()
        server.server_close()
        received.unlink(missing_ok=True)
        for suffix in (".gz", ".br"):
            received.with_name(received.name + suffix).unlink(missing_ok=True)
    packed_sizes = [f"{path.stat().st_size / 1e6:.1f} MB {name}"
                    for name, path in (("gzip", final.with_name(final.name + ".gz")),
                                       ("brotli", final.with_name(final.name + ".br")))
                    if path.is_file()]
    log(f"  site memory snapshot: {final.stat().st_size / 1e6:.1f} MB "
        f"({', '.join(packed_sizes)})")
    return final
