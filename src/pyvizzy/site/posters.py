"""Step *posters*: a picture of each dataset's first view, ``posters/<key>.webp``, and one
in the dark theme, ``posters/<key>-dark.webp``.

The one-line embed's snippet shows it (``<img loading="lazy">`` in the link) until the live
figure replaces it, and where scripts do not run (a feed reader, JavaScript off); click-to-
start puts its Start button over it; ``index.html`` shows it in its ``<noscript>`` note and,
built with a base URL, names the default dataset's as its social preview (``og:image``). Each
is the built page drawn in headless Chromium at a blog column's size (700 x 651 CSS px, the
frame's height there), at twice the pixels, with a Python worker that never starts: only the
pre-rendered first view, as a reader sees it first, in the light theme and in the dark one
(a ``<picture>`` shows the reader's). WebP, at the best quality that keeps it under
:data:`MAX_BYTES`.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from pyvizzy.files import write_bytes_atomic

from .chromium import CHROMIUM, CHROMIUM_ARGS, IMAGES_SHOWN, run_in_own_thread, unavailable
from .context import SiteBuildError
from .serve import serve_in_thread

__all__ = ["MAX_BYTES", "POSTER_DIR", "SIZE", "THEMES", "cannot_make_posters", "make_posters",
           "poster_path", "webp_under"]

POSTER_DIR = "posters/"
#: The frame the picture is taken in (CSS px) and its pixel ratio.
SIZE, SCALE = (700, 651), 2
MAX_BYTES = 300_000
#: WebP qualities tried, best first, until the picture fits in MAX_BYTES.
QUALITIES = (82, 72, 62, 52, 42)
# The first view is drawn (then IMAGES_SHOWN: every image in view has loaded).
DRAWN = "() => !!(window.pyvizzyLoad && window.pyvizzyLoad.prerendered)"
# The progress line and the error box are the loading page's, not the figure's.
HIDDEN = ".pyvizzy-progress, .pyvizzy-error { display: none !important; }"
WORKER_THAT_NEVER_STARTS = "self.onmessage = () => {};"


#: The themes drawn, and what each adds to the poster's name.
THEMES = {"light": "", "dark": "-dark"}


def poster_path(key: str, theme: str = "light") -> str:
    """The site-relative path of the poster of dataset ``key`` in ``theme``."""
    return f"{POSTER_DIR}{key}{THEMES[theme]}.webp"


def cannot_make_posters() -> str | None:
    """Why this machine cannot make posters (no Chromium, Playwright or Pillow's WebP), or
    None."""
    reason = unavailable()
    if reason:
        return reason
    try:
        from PIL import features
    except ImportError:
        return "Pillow is not installed (pip install -e '.[site]')"
    if not features.check("webp"):
        return "this Pillow cannot write WebP"
    return None


def webp_under(png: bytes, max_bytes: int = MAX_BYTES) -> bytes:
    """``png`` as WebP, at the best of :data:`QUALITIES` that makes it ``max_bytes`` or less."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        picture = image.convert("RGB")
    for quality in QUALITIES:
        out = io.BytesIO()
        picture.save(out, "WEBP", quality=quality, method=6)
        if out.tell() <= max_bytes:
            return out.getvalue()
    raise SiteBuildError(f"a poster does not fit in {max_bytes} bytes even at WebP quality "
                         f"{QUALITIES[-1]} ({out.tell()} bytes)")


def make_posters(site: Path, keys: list[str], *, timeout_s: float = 120,
                 log: Callable[[str], None] = print) -> list[Path]:
    """Write ``site/posters/<key>.webp`` and ``<key>-dark.webp`` for each dataset of
    ``keys``; returns them."""
    site = Path(site).resolve()
    shots: dict[tuple[str, str], bytes] = {}
    server, url = serve_in_thread(site)
    try:
        run_in_own_thread(_shoot, url, keys, timeout_s, shots)
    finally:
        server.shutdown()
        server.server_close()
    written = []
    for (key, theme), png in shots.items():
        target = site / poster_path(key, theme)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(target, webp_under(png))
        written.append(target)
    log(f"  posters: {', '.join(f'{p.name} {p.stat().st_size // 1000} KB' for p in written)}")
    return written


def _shoot(url: str, keys: list[str], timeout_s: float,
           shots: dict[tuple[str, str], bytes]) -> None:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for theme in THEMES:  # (the app follows the reader's colour scheme)
                context = browser.new_context(
                    viewport={"width": SIZE[0], "height": SIZE[1]}, device_scale_factor=SCALE,
                    color_scheme=theme, timezone_id="UTC", locale="en-US",
                    service_workers="block")
                context.route("**/worker.js", lambda route: route.fulfill(
                    status=200, content_type="text/javascript", body=WORKER_THAT_NEVER_STARTS))
                page = context.new_page()
                for key in keys:
                    page.goto(f"{url}index.html?{urlencode({'dataset': key})}")
                    page.add_style_tag(content=HIDDEN)
                    for drawn in (DRAWN, IMAGES_SHOWN):
                        page.wait_for_function(drawn, timeout=timeout_s * 1000, polling=100)
                    shots[key, theme] = page.screenshot(type="png")
                context.close()
        except PlaywrightError as error:
            raise SiteBuildError(f"the posters could not be made: {error}") from None
        finally:
            browser.close()
