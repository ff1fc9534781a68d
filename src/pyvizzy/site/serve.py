"""A small static file server for the built site (127.0.0.1 only).

It serves ``.wasm`` as ``application/wasm`` (needed for streaming compilation), sends a
pre-compressed ``<file>.br`` or ``<file>.gz`` with ``Content-Encoding: br`` or ``gzip`` when
the browser accepts it, and asks browsers to revalidate (the service worker caches the
pinned files for repeat visits). Every response carries the site's policy as headers
(:func:`pyvizzy.site.policy.response_headers`: the pages' Content-Security-Policy with
``frame-ancestors``, ``nosniff``, no referrer).
A :class:`Link` slows it down to a given bandwidth and round-trip time (the benchmark's
network rows).
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from .policy import ANY_FRAME_ANCESTOR, response_headers

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


@dataclass
class Link:
    """A network link every response of a server shares: ``mbit_per_s`` of bandwidth (each
    response's bytes go out in ``chunk`` pieces, in turn with the other responses being
    sent), and a round trip of ``rtt_ms`` before each response's first byte.

    This models one connection over which the browser's requests are multiplexed (HTTP/2):
    the round trip of a new connection and of TLS are not added, nor TCP's slow start.
    Throttling in the server, not in the browser, slows every download alike: the page's,
    the Python worker's and the service worker's.
    """

    mbit_per_s: float
    rtt_ms: float
    chunk: int = 16384
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _free_at: float = 0.0

    def __post_init__(self):
        if not (self.mbit_per_s > 0 and self.rtt_ms >= 0):
            raise ValueError(f"a link needs a bandwidth above 0 and a round trip of 0 or more, "
                             f"not {self.mbit_per_s} Mbit/s and {self.rtt_ms} ms")

    @classmethod
    def parse(cls, text: str) -> Link:
        """``"20/40"``: 20 Mbit/s with a 40 ms round trip."""
        try:
            mbit, rtt = (float(part) for part in text.split("/"))
        except ValueError:
            raise ValueError(f"a network is MBIT/RTT_MS, such as 20/40, not {text!r}") from None
        return cls(mbit, rtt)

    def __str__(self) -> str:
        return f"{self.mbit_per_s:g} Mbit/s, {self.rtt_ms:g} ms round trip"

    def round_trip(self) -> None:
        time.sleep(self.rtt_ms / 1000)

    def send(self, source, outputfile) -> None:
        """Copy ``source`` to ``outputfile`` at the link's pace."""
        seconds_per_byte = 8 / (self.mbit_per_s * 1e6)
        while piece := source.read(self.chunk):
            with self._lock:
                start = max(time.monotonic(), self._free_at)
                self._free_at = start + len(piece) * seconds_per_byte
                due = self._free_at
            time.sleep(max(0.0, due - time.monotonic()))
            outputfile.write(piece)


class SiteRequestHandler(http.server.SimpleHTTPRequestHandler):
    """``SimpleHTTPRequestHandler`` with the right MIME types and optional gzip."""

    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map, **EXTRA_TYPES
    }
    send_compressed = True
    quiet = True
    on_request = None  # optional callable(path), e.g. for tests counting what was fetched
    link: Link | None = None  # optional: the network the responses go through
    policy_headers: ClassVar[dict[str, str]] = response_headers()

    def send_head(self):
        if self.link is not None:
            self.link.round_trip()
        path = Path(self.translate_path(self.path))
        packed = self._packed_copy(path)
        if packed is None:
            return super().send_head()
        encoding, packed_path = packed
        try:
            handle = open(packed_path, "rb")
        except OSError:
            return super().send_head()
        stat = os.fstat(handle.fileno())
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(stat.st_size))
        self.send_header("Last-Modified", self.date_time_string(int(stat.st_mtime)))
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        return handle

    def _packed_copy(self, path: Path) -> tuple[str, Path] | None:
        """(encoding, file): the smallest pre-compressed copy of ``path`` the browser accepts
        (brotli before gzip), or None."""
        if not (self.send_compressed and path.is_file()):
            return None
        accepted = {part.split(";")[0].strip()
                    for part in self.headers.get("Accept-Encoding", "").split(",")}
        for encoding, suffix in (("br", ".br"), ("gzip", ".gz")):
            packed = path.with_name(path.name + suffix)
            if encoding in accepted and packed.is_file():
                return encoding, packed
        return None

    def copyfile(self, source, outputfile):
        try:
            if self.link is not None:
                self.link.send(source, outputfile)
            else:
                super().copyfile(source, outputfile)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the browser went away (a page closed mid-download): nothing to report

    def end_headers(self):
        self.send_header("Cache-Control", "no-cache")
        for name, value in self.policy_headers.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, format, *args):
        if self.on_request is not None:
            self.on_request(self.path)
        if not self.quiet:
            super().log_message(format, *args)


def make_server(directory: Path, port: int = 8000, *, host: str = "127.0.0.1",
                send_compressed: bool = True, quiet: bool = True, on_request=None,
                frame_ancestors: str = ANY_FRAME_ANCESTOR, site_policy: bool = True,
                handler: type[SiteRequestHandler] = SiteRequestHandler,
                **attributes) -> http.server.ThreadingHTTPServer:
    """A threading HTTP server for ``directory`` (``port=0`` picks a free port).

    ``on_request``, when given, is called with the path of every request served.
    ``frame_ancestors`` says which pages may embed the site (the policy's
    ``frame-ancestors``: :func:`pyvizzy.site.policy.response_headers`); ``site_policy=False``
    sends no policy headers (a server of other pages, such as a test's blog).
    ``handler`` (a SiteRequestHandler) serves the requests, with ``attributes`` set on it.
    """
    directory = Path(directory).resolve()
    if not (directory / "index.html").is_file():
        raise FileNotFoundError(
            f"{directory}: no index.html (build the site first: pyvizzy build --out DIR)"
        )
    handler = functools.partial(
        type("Handler", (handler,), {
            "send_compressed": send_compressed,
            "quiet": quiet,
            "on_request": staticmethod(on_request) if on_request else None,
            "policy_headers": response_headers(frame_ancestors) if site_policy else {},
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
