#!/usr/bin/env python3
"""Build the static pyvizzy site into a folder (default ``site/``).

    .venv/bin/python scripts/build_site.py --out site

Downloads are cached in ``.cache/site`` and checked against ``src/pyvizzy/site/pins.json``;
any sha256 mismatch stops the build. See docs/site.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pyvizzy.site import SiteBuildError, build_site
from pyvizzy.site.compress import BROTLI_QUALITY
from pyvizzy.site.fetch import PinError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("site"), help="output folder")
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
                        help="ship source wheels (slower start, readable tracebacks)")
    parser.add_argument("--no-gzip", action="store_true",
                        help="skip the .gz copies (implies --deflate-archives)")
    parser.add_argument("--brotli-quality", type=int, default=BROTLI_QUALITY,
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
    args = parser.parse_args(argv)
    print(f"building the site into {args.out}")
    try:
        report = build_site(args.out, app_script=args.app, cache_dir=args.cache,
                            demo_dir=args.demo_dir, bytecode=not args.no_bytecode,
                            compress=not args.no_gzip,
                            stored_archives=not args.deflate_archives,
                            memory_snapshot=not args.no_memory_snapshot,
                            site_snapshot=args.site_snapshot,
                            brotli_quality=None if args.no_brotli else args.brotli_quality,
                            posters=args.posters, base_url=args.base_url)
    except (SiteBuildError, PinError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"built {report.out_dir} in {report.seconds['total']:.1f} s: "
          f"{len(report.packages)} packages, datasets {', '.join(report.datasets)}, "
          f"{report.total_bytes / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
