"""``pyvizzy build --out DIR [--dataset FILE ...]``: the static site, with datasets of one's own."""

from __future__ import annotations

import argparse
import zipfile
from pathlib import Path

from .common import fail

__all__ = ["add_parser", "run"]

DESCRIPTION = """\
Build the static pyvizzy site into a folder: the app compiled to run in the browser (Pyodide),
the bundled digits, Vizzy's cat/dog/bear set when its files can be had, and every --dataset.

A dataset's key (its address is ?dataset=KEY) is the name of the folder that holds its file
(mine/dataset.json -> mine), or KEY=FILE names one; keys are made of a-z, 0-9 and -. Each
file and the thumbnails it names are checked before anything is built and copied into the
site, at datasets/KEY/."""

NEEDS = """\
what it needs on the machine:
  Python with pyvizzy's app extra (pip install 'pyvizzy[app,site]'); the pinned Pyodide
    runtime and wheels are downloaded from npm and PyPI into the cache on the first build
    (each checked against its sha256), so the first build needs the network.
  Node.js >= 18: compiles the shipped Python to bytecode with Pyodide. Without it the
    build stops and says so; --no-bytecode builds without it (slower start).
  npm: fetches the Pyodide package; without npm its tarball is downloaded from the npm
    registry's address instead.
  Chromium (/usr/bin/chromium) and Python's playwright: the site's memory snapshot (first
    visits start from it) and, with Pillow, the posters. Without them the build says so in
    one line each and leaves them out: first visits start Python afresh (a few seconds
    more) and the embed shows a plain Start box.
  brotli (Python package): the .br copies; without it, .gz copies only."""

EXAMPLES = """\
examples:
  pyvizzy build --out site
  pyvizzy build --out site --dataset mine/dataset.json --default mine
  pyvizzy build --out site --dataset photos=data/2024/dataset.json --brotli-quality 5"""


def add_parser(commands) -> None:
    """Add ``build`` to the subcommands."""
    from .build_options import add_site_options

    parser = commands.add_parser(
        "build", help="build the static site (the app, its datasets and yours)",
        description=DESCRIPTION, epilog=f"{NEEDS}\n\n{EXAMPLES}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", type=Path, required=True, help="output folder (replaced whole)")
    parser.add_argument("--dataset", dest="datasets", action="append", default=[],
                        metavar="[KEY=]FILE",
                        help="a dataset file to include (repeatable); KEY=FILE names its key")
    parser.add_argument("--default", metavar="KEY",
                        help="the dataset the page opens by default (default: the cat/dog/bear "
                             "set when included, else digits)")
    parser.add_argument("--image-base-url", default=None,
                        help="where the demo set's images are downloaded from (default: "
                             "$PYVIZZY_IMAGE_BASE_URL, else the public host)")
    add_site_options(parser)
    parser.set_defaults(run=run)


def run(args) -> int:
    """Check the datasets, then build the site into ``args.out``."""
    from pyvizzy.pipeline.errors import InputError
    from pyvizzy.pipeline.user_datasets import parse_dataset_spec

    try:
        datasets = [parse_dataset_spec(spec) for spec in args.datasets]
    except InputError as error:
        return fail("build", error, 2)
    if args.out.exists() and not args.out.is_dir():
        return fail("build", f"--out {args.out} exists and is not a folder", 2)
    from pyvizzy.site.pages import BUILD_INFO

    if args.out.is_dir() and any(args.out.iterdir()) and not (args.out / BUILD_INFO).is_file():
        # (the build replaces the folder as a whole: never one that is not a site)
        return fail("build", f"--out {args.out} holds files and is not a pyvizzy site (it has "
                             f"no {BUILD_INFO}): name a new or empty folder", 2)

    from pyvizzy.dataset import DatasetError
    from pyvizzy.pipeline.errors import PipelineError
    from pyvizzy.site import SiteBuildError, build_site
    from pyvizzy.site.compress import BROTLI_QUALITY
    from pyvizzy.site.fetch import PinError

    print(f"building the site into {args.out}", flush=True)
    try:
        report = build_site(
            args.out, app_script=args.app, cache_dir=args.cache, demo_dir=args.demo_dir,
            bytecode=not args.no_bytecode, compress=not args.no_gzip,
            stored_archives=not args.deflate_archives,
            memory_snapshot=not args.no_memory_snapshot, site_snapshot=args.site_snapshot,
            brotli_quality=None if args.no_brotli else (
                BROTLI_QUALITY if args.brotli_quality is None else args.brotli_quality),
            posters=args.posters, base_url=args.base_url, datasets=datasets,
            default=args.default, image_base_url=args.image_base_url,
        )
    except (SiteBuildError, PinError, PipelineError, DatasetError, OSError) as error:
        return fail("build", error)
    except zipfile.BadZipFile as error:  # (the build's own readers name the archive)
        return fail("build", f"a zip archive in the build's cache {_cache_folder(args)} is "
                             f"damaged ({error}): delete the folder and build again")
    print(f"built {report.out_dir} in {report.seconds['total']:.1f} s: "
          f"{len(report.packages)} packages, datasets {', '.join(report.datasets)}, "
          f"{report.total_bytes / 1e6:.1f} MB")
    return 0


def _cache_folder(args) -> Path:
    """The build's cache: ``--cache``, else the site's cache in :func:`pyvizzy.files.cache_dir`."""
    from pyvizzy.files import cache_dir
    from pyvizzy.site.build import CACHE_NAME

    return args.cache or cache_dir(CACHE_NAME)
