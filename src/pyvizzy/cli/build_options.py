"""The site build's own options of ``pyvizzy build`` (those of
:func:`pyvizzy.site.build.build_site` that are not about datasets)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["add_site_options"]


def add_site_options(parser) -> None:
    """Add the build's options to ``parser`` (``pyvizzy build``)."""
    parser.add_argument("--app", type=Path, default=None,
                        help="the Panel script to compile (default: the package's "
                             "pyvizzy/app/main.py)")
    parser.add_argument("--cache", type=Path, default=None,
                        help="download and build cache (default: .cache/site, or "
                             "$PYVIZZY_CACHE_DIR/site)")
    parser.add_argument("--demo-dir", type=Path, default=None,
                        help="folder with Vizzy's demo files (default: $PYVIZZY_DEMO_DIR, the "
                             "cache, ../shared/vizzy-demo, else a download: docs/datasets.md)")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="ship source wheels (no Node.js needed; slower start, readable "
                             "tracebacks)")
    parser.add_argument("--no-gzip", action="store_true",
                        help="skip the .gz copies (implies --deflate-archives)")
    parser.add_argument("--brotli-quality", type=int, default=None,
                        help="quality of the .br copies, 0-11 (default 11: the smallest; a "
                             "minute or two for the memory snapshot, once for the other files)")
    parser.add_argument("--no-brotli", action="store_true", help="skip the .br copies")
    posters = parser.add_mutually_exclusive_group()
    posters.add_argument("--posters", dest="posters", action="store_true", default=None,
                         help="make a picture of each dataset's first view (posters/*.webp) "
                              "in headless Chromium (default: where Chromium, Playwright and "
                              "Pillow are installed)")
    posters.add_argument("--no-posters", dest="posters", action="store_false",
                         help="do not: the embed shows a plain Start box")
    parser.add_argument("--base-url", default=None,
                        help="the address the site will be served from, such as "
                             "https://example.org/pyvizzy/ (for the social preview, og:image)")
    parser.add_argument("--deflate-archives", action="store_true",
                        help="compress inside the wheels and stdlib zip, for a host that does "
                             "not compress .whl/.zip responses (loads a little slower)")
    parser.add_argument("--no-memory-snapshot", action="store_true",
                        help="start Python afresh on every visit (no snapshot kept in the "
                             "visitor's browser after the first; implies --no-site-snapshot)")
    snapshot = parser.add_mutually_exclusive_group()
    snapshot.add_argument("--site-snapshot", dest="site_snapshot", action="store_true",
                          default=None,
                          help="make Python's memory snapshot at build time in headless "
                               "Chromium and serve it, so first visits start from it too "
                               "(default: when Chromium and Playwright are installed)")
    snapshot.add_argument("--no-site-snapshot", dest="site_snapshot", action="store_false",
                          help="do not: first visits start Python afresh")
