"""Build the static pyvizzy site: the Panel app compiled to run in Pyodide, from our own files.

:func:`build_site` runs the steps of ``docs/site.md``'s table in order, each a function of its
own module that takes the build's :class:`~pyvizzy.site.context.BuildContext` and what the
steps before it made:

============  ===========================================================================
fetch/verify  :func:`pyvizzy.site.sources.fetch_sources`
wheels/slim   :func:`pyvizzy.site.slim.prepare_wheels` (build, slim, patch, resolve)
compile       :func:`pyvizzy.site.bytecode.compile_site_archives`
lock          :func:`pyvizzy.site.lock.place_runtime`
data          :func:`pyvizzy.pipeline.catalog.build_catalog`
pre-render    :func:`pyvizzy.site.prerender.prerender_app_isolated` (a first view per dataset)
pages         :mod:`pyvizzy.site.pages`
posters       :func:`pyvizzy.site.posters.make_posters`
gzip, brotli  :func:`pyvizzy.site.compress.gzip_files`, ``brotli_files``
snapshot      :func:`pyvizzy.site.bake.bake_memory_snapshot`
============  ===========================================================================

The whole site is assembled in a temporary folder beside ``out_dir`` and swapped in at the
end, so a failed build never leaves a half-written site.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from pyvizzy import files

from . import bake, chromium, resources
from .bytecode import compile_site_archives
from .compress import BROTLI_QUALITY, brotli_available, brotli_files, gzip_files
from .context import BuildContext, BuildOptions, BuildReport, SiteBuildError
from .datasets import checked_datasets, place_datasets
from .lock import place_runtime
from .pages import PYODIDE_DIR, write_build_info, write_site_pages
from .posters import cannot_make_posters, make_posters
from .prerender import prerender_app_isolated
from .slim import check_dropped_not_imported, check_only_kept_imported, prepare_wheels
from .sources import fetch_sources

__all__ = ["BuildReport", "SiteBuildError", "build_site"]

#: The site's download and build cache in ``pyvizzy.files.cache_dir``.
CACHE_NAME = "site"


def build_site(out_dir: Path, *, app_script: Path | None = None, cache_dir: Path | None = None,
               demo_dir: Path | None = None, bytecode: bool = True, compress: bool = True,
               stored_archives: bool = True, memory_snapshot: bool = True,
               site_snapshot: bool | None = None, brotli_quality: int | None = BROTLI_QUALITY,
               posters: bool | None = None, base_url: str | None = None,
               datasets: Iterable[tuple[str, Path]] = (), default: str | None = None,
               image_base_url: str | None = None,
               log: Callable[[str], None] = print) -> BuildReport:
    """Build the whole static site into ``out_dir`` (replaced atomically at the end).

    Parameters
    ----------
    out_dir : path-like
    app_script : path-like, optional
        The Panel app script (default: the package's ``pyvizzy/app/main.py``).
    cache_dir : path-like, optional
        Downloads and the files made from them (default ``.cache/site``, or
        ``$PYVIZZY_CACHE_DIR/site``).
    demo_dir : path-like, optional
        A folder holding Vizzy's demo files (default: found as
        :func:`pyvizzy.pipeline.demo_files.find_demo_folder` finds it).
    bytecode : bool
        Ship sourceless bytecode (faster start; tracebacks without source lines).
    compress : bool
        Write a ``.gz`` beside each compressible file.
    brotli_quality : int or None
        Also write a ``.br`` beside each ``.gz``, at this quality (0 to 11; 11, the default,
        is the smallest and slowest: about 10 s a MB, cached but for the memory snapshot);
        None for none. Without the ``brotli`` package the build says so and writes none.
    stored_archives : bool
        Write the (compiled) wheels and stdlib uncompressed inside, which loads faster when
        the server compresses them; turn it off for a host that serves ``.whl``/``.zip``
        files uncompressed.
    memory_snapshot : bool
        Let the worker keep Python's memory after the imports in the visitor's browser and
        start repeat visits from it (``memory_snapshot.js``).
    site_snapshot : bool or None
        Also make that snapshot at build time, in headless Chromium, and serve it, so first
        visits start from it too (:mod:`pyvizzy.site.bake`). None makes it
        where Chromium and Playwright are installed; True fails where they are not.
    posters : bool or None
        Make a picture of each dataset's first view (:mod:`pyvizzy.site.posters`), for the
        embed, the no-script note and the social preview. None makes them where Chromium,
        Playwright and Pillow are; True fails where they are not.
    base_url : str or None
        The address the site will be served from (``https://host/path/``): the page then
        names its social preview (``og:image``, ``og:url``), which must be absolute.
    datasets : iterable of (str, path-like)
        Datasets of one's own, ``(key, file)``, added to the catalog as ``datasets/<key>/``
        with their thumbnails (:mod:`pyvizzy.pipeline.user_datasets`); checked, with
        ``default``, before anything is built.
    default : str or None
        The dataset the page opens by default (otherwise the demo set when it is included,
        else the digits).
    image_base_url : str or None
        The host of the demo set's images (default: ``$PYVIZZY_IMAGE_BASE_URL``, else the
        public host).
    log : callable
        Receives one line per event.
    """
    started = time.perf_counter()
    out_dir = Path(out_dir).resolve()
    datasets = checked_datasets(datasets, default)
    options = BuildOptions(bytecode=bytecode, compress=compress,
                           stored_archives=stored_archives, memory_snapshot=memory_snapshot,
                           site_snapshot=want_site_snapshot(memory_snapshot, site_snapshot, log),
                           brotli_quality=want_brotli(compress, brotli_quality, log),
                           posters=want_posters(posters, log),
                           base_url=checked_base_url(base_url))
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-build-", dir=out_dir.parent))
    try:
        with ExitStack() as stack:
            if app_script is None:
                app_script = stack.enter_context(resources.app_script())
            ctx = BuildContext(
                out_dir=out_dir, staging=staging,
                cache_dir=Path(cache_dir or files.cache_dir(CACHE_NAME)).resolve(),
                app_script=Path(app_script).resolve(), demo_dir=demo_dir, options=options,
                pins=resources.pins(), log=log, datasets=datasets, default_dataset=default,
                image_base_url=image_base_url,
            )
            _build_into_staging(ctx, Path(stack.enter_context(tempfile.TemporaryDirectory())))
        _swap_in(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    ctx.report.seconds["total"] = round(time.perf_counter() - started, 2)
    return ctx.report


def _build_into_staging(ctx: BuildContext, scratch: Path) -> None:
    """Every step, in order, into ``ctx.staging`` (``scratch``: a folder for pyvizzy's wheel)."""
    if not ctx.app_script.is_file():
        raise SiteBuildError(f"{ctx.app_script}: the app script does not exist")
    staging, pins = ctx.staging, ctx.pins
    with ctx.step("fetch"):
        sources = fetch_sources(ctx)
    with ctx.step("wheels"):
        shipped = prepare_wheels(ctx, sources, scratch)
        ctx.report.packages = shipped.needed
    with ctx.step("bytecode"):
        core, shipped_files = compile_site_archives(ctx, sources.core, shipped.wheels)
    with ctx.step("lock"):
        entries = place_runtime(
            staging / PYODIDE_DIR, core, shipped_files, sources.official_lock,
            pins["wasm_wheels"]["packages"], shipped.infos, shipped.requires,
            pins.get("not_loaded", {}),
        )
    with ctx.step("datasets"):
        ctx.report.datasets = place_datasets(ctx)
    with ctx.step("prerender"):
        catalog = json.loads((staging / "datasets" / "index.json").read_text(encoding="utf-8"))
        keys = [entry["key"] for entry in catalog["datasets"]]
        prerendered, app_modules = prerender_app_isolated(
            ctx.app_script, env={"PYVIZZY_DATASETS": str(staging / "datasets")},
            queries=tuple("?" + urlencode({"dataset": key}) for key in keys),
        )
        check_only_kept_imported(shipped.keep, app_modules)
        check_dropped_not_imported(shipped.drop, app_modules)
    with ctx.step("pages"):
        site_build_id, worker_config = write_site_pages(
            ctx, dict(zip(keys, prerendered, strict=True)), catalog["default"],
            sources.wheels, shipped.needed)
        write_build_info(ctx, site_build_id, worker_config, entries)
    if ctx.options.posters:
        with ctx.step("posters"):
            make_posters(staging, keys, log=ctx.log)
    if ctx.options.compress:
        with ctx.step("gzip"):
            gzip_files(staging)
    if ctx.options.brotli_quality is not None:
        with ctx.step("brotli"):
            brotli_files(staging, ctx.options.brotli_quality, ctx.cache_dir / "brotli")
    if ctx.options.site_snapshot:
        with ctx.step("memory snapshot"):
            try:
                bake.bake_memory_snapshot(staging, worker_config.memory_snapshot_key,
                                          brotli_quality=ctx.options.brotli_quality,
                                          log=ctx.log)
            except bake.SnapshotBakeError as error:
                raise SiteBuildError(
                    f"the site's memory snapshot: {error} (build with --no-site-snapshot "
                    "to leave it out)"
                ) from None
    ctx.report.total_bytes = sum(p.stat().st_size for p in staging.rglob("*")
                                 if p.is_file() and not p.name.endswith((".gz", ".br")))


def want_brotli(compress: bool, quality: int | None, log) -> int | None:
    """The brotli quality to build with: None without compression, or (said in one line)
    without the ``brotli`` package."""
    if not compress or quality is None:
        return None
    if not 0 <= quality <= 11:
        raise SiteBuildError(f"brotli's quality is 0 to 11, not {quality}")
    if not brotli_available():
        log("no .br copies: the brotli package is not installed (pip install -e '.[site]')")
        return None
    return quality


def want_posters(wanted: bool | None, log) -> bool:
    """Whether this build makes posters (see :func:`build_site`)."""
    if wanted is False:
        return False
    reason = cannot_make_posters()
    if reason and wanted:
        raise SiteBuildError(f"the posters cannot be made here: {reason}")
    if reason:
        log(f"no posters ({reason}): the embed shows a plain Start box")
    return reason is None


def checked_base_url(base_url: str | None) -> str | None:
    """``base_url`` if it is an http(s) address of a folder (ending in ``/``), else an error."""
    if base_url is None:
        return None
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or not base_url.endswith("/") \
            or parts.query or parts.fragment:
        raise SiteBuildError(f"the base URL must be an http(s) address ending in /, such as "
                             f"https://example.org/pyvizzy/, not {base_url!r}")
    return base_url


def want_site_snapshot(memory_snapshot: bool, wanted: bool | None, log) -> bool:
    """Whether this build makes the site's memory snapshot (see :func:`build_site`)."""
    if not memory_snapshot or wanted is False:
        return False
    reason = chromium.unavailable()
    if reason and wanted:
        raise SiteBuildError(f"the site's memory snapshot cannot be made here: {reason}")
    if reason:
        log(f"no site memory snapshot ({reason}): first visits start Python afresh")
    return reason is None


def _swap_in(staging: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` by ``staging`` with two renames (the old site removed after)."""
    old = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}-old-{os.getpid()}")
        os.replace(out_dir, old)
    os.replace(staging, out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
