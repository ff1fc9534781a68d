"""A small static file server for the built site (127.0.0.1 only).

It serves ``.wasm`` as ``application/wasm`` (needed for streaming compilation), sends a
pre-compressed ``<file>.gz`` with ``Content-Encoding: gzip`` when the browser accepts it, and
asks browsers to revalidate (the service worker caches the pinned files for repeat visits).
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path
from typing import ClassVar

EXTRA_TYPES = {
    ".wasm": "application/wasm",
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".json": "application/json",
    ".whl": "application/zip",
    ".zip": "application/zip",
    ".svg": "image/svg+xml",
    ".css": "text/css",
    ".html": "text/html",
}


class SiteRequestHandler(http.server.SimpleHTTPRequestHandler):
    """``SimpleHTTPRequestHandler`` with the right MIME types and optional gzip."""

    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map, **EXTRA_TYPES
    }
    use_gzip = True
    quiet = True
    on_request = None  # optional callable(path), e.g. for tests counting what was fetched

    def send_head(self):
        path = Path(self.translate_path(self.path))
        accepts_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        packed = path.with_name(path.name + ".gz")
        if self.use_gzip and accepts_gzip and path.is_file() and packed.is_file():
            try:
                handle = open(packed, "rb")
            except OSError:
                return super().send_head()
            stat = os.fstat(handle.fileno())
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(str(path)))
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(stat.st_size))
            self.send_header("Last-Modified", self.date_time_string(int(stat.st_mtime)))
            self.send_header("Vary", "Accept-Encoding")
            self.end_headers()
            return handle
        return super().send_head()

    def copyfile(self, source, outputfile):
        try:
            super().copyfile(source, outputfile)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the browser went away (a page closed mid-download): nothing to report

    def end_headers(self):
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def log_message(self, format, *args):
        if self.on_request is not None:
            self.on_request(self.path)
        if not self.quiet:
            super().log_message(format, *args)


def make_server(directory: Path, port: int = 8000, *, host: str = "127.0.0.1",
                use_gzip: bool = True, quiet: bool = True, on_request=None,
                handler: type[SiteRequestHandler] = SiteRequestHandler,
                **attributes) -> http.server.ThreadingHTTPServer:
    """A threading HTTP server for ``directory`` (``port=0`` picks a free port).

    ``on_request``, when given, is called with the path of every request served.
    ``handler`` (a SiteRequestHandler) serves the requests, with ``attributes`` set on it.
    """
    directory = Path(directory).resolve()
    if not (directory / "index.html").is_file():
        raise FileNotFoundError(f"{directory}: no index.html (build the site first: make site)")
    handler = functools.partial(
        type("Handler", (handler,), {
            "use_gzip": use_gzip,
            "quiet": quiet,
            "on_request": staticmethod(on_request) if on_request else None,
            **attributes,
        }),
        directory=str(directory),
    )
    server = http.server.ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def serve_in_thread(directory: Path, **options):
    """Start a server on a free port in a daemon thread; returns (server, base URL).
    ``options`` are make_server's."""
    server = make_server(directory, 0, **options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    return server, f"http://{host}:{port}/"
