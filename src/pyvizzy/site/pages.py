"""Step *pages*: the page, its scripts, the vendored Bokeh/Panel files and the policy.

``index.html`` carries the pre-rendered first view and the page's configuration; ``worker.js``
and ``sw.js`` get theirs written in; Bokeh's and Panel's JS and CSS that the app needs are
copied out of their wheels into ``vendor/``. Every page gets the same Content-Security-Policy:
this origin only.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from pyvizzy.app.data import DATASETS_URL
from pyvizzy.files import sha256_of, write_bytes_atomic, write_text_atomic
from pyvizzy.formats import CATALOG_FILE

from . import resources, wheels
from .bake import site_snapshot_path
from .context import BuildContext, SiteBuildError
from .lock import LockEntry
from .policy import content_security_policy
from .posters import SCALE, SIZE, poster_path
from .prerender import BOKEH_CDN, PANEL_CDN_DIST_TEMPLATE, Prerendered
from .slim import PANEL_ROOT

__all__ = [
    "PYODIDE_DIR",
    "WorkerConfig",
    "build_id",
    "content_security_policy",
    "json_for_script",
    "localize_prerender",
    "memory_snapshot_key",
    "vendor_resources",
    "write_build_info",
    "write_pages",
    "write_site_pages",
]

#: The file that says what a built site is (and that a folder is one).
BUILD_INFO = "build-info.json"

PYODIDE_DIR = "pyodide/"
BOKEH_DIR = "vendor/bokeh/"
#: The pre-rendered first view of each dataset: <key>.json.
FIRST_VIEW_DIR = "first-view/"
# Panel dist folders served next to the JS: stylesheets and the images they refer to.
PANEL_DIST_DIRS = ("css/", "assets/", "bundled/theme/")
# Bokeh's WebGL bundle is listed by Panel but only used by webgl output backends.
DROPPED_JS = ("bokeh-gl-",)
#: Copied as they are.
STATIC_FILES = ("early.js", "boot.js", "site.css", "article.js", "doc.css", "memory_snapshot.js",
                "checksum.js", "snapshot_store.js", "snapshot_download.js", "datasets_ahead.js",
                "stdlib_later.js", "load_errors.js", "embed.js")
#: The worker's scripts: what runs before the memory snapshot is taken (with the pinned files
#: and pyvizzy's own wheel, which the build id covers).
WORKER_SCRIPTS = ("worker.js", "memory_snapshot.js", "checksum.js", "snapshot_store.js",
                  "snapshot_download.js", "datasets_ahead.js", "stdlib_later.js",
                  "load_errors.js")
#: How long the page waits for a step of the load before it says something is stuck.
STALL_SECONDS = 120
#: How long the worker waits for a byte of the site's memory snapshot (its answer, or the next
#: piece of its body) before it gives the download up and starts Python afresh.
SNAPSHOT_IDLE_SECONDS = 20
#: How long the worker waits for a byte of a dataset file it fetches for Python (the answer,
#: or the next piece) before it gives up and the app says so (datasets_ahead.js).
DATASET_IDLE_SECONDS = 20
#: What a worker restored from a memory snapshot starts with in place of the standard
#: library's archive (worker.js fetches the archive once the app is live): a zip of nothing.
STDLIB_PLACEHOLDER = "stdlib-placeholder.zip"
EMPTY_ZIP = b"PK\x05\x06" + bytes(18)
#: What the page is, for search results and link previews.
DESCRIPTION = ("Confident learning, live in your browser: a model trained on the page finds "
               "the label errors and the out-of-distribution images in a dataset.")


@dataclass(frozen=True)
class WorkerConfig:
    """What ``worker.js`` is told (written into it as ``CONFIG``).

    Attributes
    ----------
    packages : list of str
        The packages Pyodide loads (from the site's lock).
    app_source : str
        The app script's text.
    memory_snapshot_key : str or None
        The name the visitor's browser keeps the memory snapshot under (None: none kept).
    site_memory_snapshot : str or None
        The site-relative path of the site's own memory snapshot (None: none served).
    """

    packages: list[str]
    app_source: str
    memory_snapshot_key: str | None
    site_memory_snapshot: str | None

    def to_json(self) -> dict:
        return {
            "pyodide_url": PYODIDE_DIR,
            "packages": self.packages,
            "app_source": self.app_source,
            "memory_snapshot_key": self.memory_snapshot_key,
            "site_memory_snapshot": self.site_memory_snapshot,
            "snapshot_idle_seconds": SNAPSHOT_IDLE_SECONDS,
            "dataset_idle_seconds": DATASET_IDLE_SECONDS,
            "stdlib_placeholder": STDLIB_PLACEHOLDER,
            "datasets_url": DATASETS_URL,
            "catalog_file": CATALOG_FILE,
        }


def json_for_script(value) -> str:
    """JSON safe to embed inside a <script type="application/json"> element."""
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    # "<" only occurs inside JSON strings, where \u003c means the same character.
    return text.replace("<", "\\u003c")


def localize_prerender(prerendered: Prerendered, panel_version: str) -> Prerendered:
    """The pre-rendered document with Panel's CDN addresses pointing at the site's copy."""
    panel_cdn = PANEL_CDN_DIST_TEMPLATE.format(version=panel_version)
    docs_json = prerendered.docs_json.replace(panel_cdn, f"{PANEL_ROOT}{panel_version}/dist/")
    for marker in ("https://cdn.", "http://cdn."):
        if marker in docs_json:
            where = docs_json.index(marker)
            raise SiteBuildError(
                f"the pre-rendered app still refers to a CDN: {docs_json[where:where + 120]}"
            )
    return dataclasses.replace(prerendered, docs_json=docs_json)


def vendor_resources(prerendered: Prerendered, staging: Path, originals: dict[str, Path],
                     panel_version: str) -> tuple[list[str], list[str]]:
    """Copy the Bokeh/Panel JS and CSS the page needs out of the full wheels ``originals``;
    return their site-relative URLs (scripts, stylesheets)."""
    panel_cdn = PANEL_CDN_DIST_TEMPLATE.format(version=panel_version)
    panel_local = f"{PANEL_ROOT}{panel_version}/dist/"
    bokeh_version = wheels.read_wheel_info(originals["bokeh"]).version
    with zipfile.ZipFile(originals["bokeh"]) as bokeh_archive, \
            zipfile.ZipFile(originals["panel"]) as panel_archive:

        def localize(url: str) -> str | None:
            if url.startswith(BOKEH_CDN):
                name = url[len(BOKEH_CDN):]
                if name.startswith(DROPPED_JS):
                    return None
                # The wheel names its bundles without the version (bokeh-3.7.3.min.js is
                # bokeh.min.js).
                unversioned = name.replace(f"-{bokeh_version}", "")
                write_bytes_atomic(staging / BOKEH_DIR / name,
                                   bokeh_archive.read(f"bokeh/server/static/js/{unversioned}"))
                return BOKEH_DIR + name
            if url.startswith(panel_cdn):
                name = url[len(panel_cdn):]
                write_bytes_atomic(staging / panel_local / name,
                                   panel_archive.read(f"panel/dist/{name}"))
                return panel_local + name
            raise SiteBuildError(
                f"the app needs {url}, which is neither Bokeh's nor Panel's JS/CSS")

        # es-module-shims only serves Panel's ESM components (JSComponent, ...); it also runs
        # an inline feature test that the policy (rightly) refuses.
        uses_esm = '"name":"panel.models.esm.' in prerendered.docs_json
        js = [local for url in prerendered.js_urls
              if (uses_esm or "es-module-shims" not in url) and (local := localize(url))]
        css = [local for url in prerendered.css_urls if (local := localize(url))]
        for name in panel_archive.namelist():
            relative = name[len("panel/dist/"):]
            if name.startswith("panel/dist/") and relative.startswith(PANEL_DIST_DIRS):
                if not name.endswith("/"):
                    write_bytes_atomic(staging / panel_local / relative, panel_archive.read(name))
        write_bytes_atomic(staging / panel_local / "images/favicon.ico",
                           panel_archive.read("panel/dist/images/favicon.ico"))
    return js, css


def build_id(staging: Path, files: list[str]) -> str:
    """A digest of the pinned files the site serves (names and contents)."""
    digest = hashlib.sha256()
    for name in files:
        digest.update(name.encode())
        digest.update(sha256_of(staging / name).encode())
    return digest.hexdigest()[:16]


def memory_snapshot_key(site_build_id: str, packages: list[str]) -> str:
    """The name a visitor's browser keeps its memory snapshot under for this build.

    It changes with any file the site serves from ``pyodide/`` and ``vendor/``
    (``site_build_id``; pyvizzy's own wheel, whose worker_runtime runs before the snapshot, is
    one of them), with the packages loaded and with the worker's scripts, so a snapshot is
    only ever restored by the build that made it.
    """
    digest = hashlib.sha256(site_build_id.encode())
    digest.update(json.dumps(packages).encode())
    for name in WORKER_SCRIPTS:
        digest.update(resources.template_bytes(name))
    return digest.hexdigest()[:16]


def first_view(dataset: str, prerendered: Prerendered, element_ids: list[str]) -> str:
    """The file ``first-view/<dataset>.json``: the pre-rendered document, its render items
    drawing its roots into the page's root elements ``element_ids`` (in order), and the
    settings it shows."""
    if len(prerendered.roots) != len(element_ids):
        raise SiteBuildError(
            f"the first view of {dataset} has {len(prerendered.roots)} roots, the page "
            f"{len(element_ids)}: every dataset's first view must have the same layout")
    roots = {mid: eid for (_, mid), eid in zip(prerendered.roots, element_ids, strict=True)}
    view = {
        "format": "pyvizzy-first-view/1",
        "dataset": dataset,
        "settings": prerendered.settings,
        "docs_json": json.loads(prerendered.docs_json),
        "render_items": [{**item, "roots": roots} for item in prerendered.render_items],
    }
    return json.dumps(view, separators=(",", ":"))


def social_tags(title: str, base_url: str | None, poster: str | None) -> str:
    """The page's description, and with ``base_url`` its social preview (Open Graph)."""
    tags = [("name", "description", DESCRIPTION)]
    if base_url:
        tags += [("property", "og:type", "website"), ("property", "og:title", title),
                 ("property", "og:description", DESCRIPTION),
                 ("property", "og:url", base_url + "index.html")]
        if poster:
            tags += [("property", "og:image", base_url + poster),
                     ("property", "og:image:width", str(SIZE[0] * SCALE)),
                     ("property", "og:image:height", str(SIZE[1] * SCALE)),
                     ("name", "twitter:card", "summary_large_image")]
    return "\n".join(f'  <meta {kind}="{html.escape(name)}" content="{html.escape(value)}">'
                     for kind, name, value in tags)


def poster_picture(dataset: str | None, alt: str, extra: str = "") -> str:
    """A ``<picture>`` of ``dataset``'s poster in the reader's colour scheme, or nothing
    without one."""
    if dataset is None:
        return ""
    dark, light = (html.escape(poster_path(dataset, theme)) for theme in ("dark", "light"))
    return (f'<picture><source srcset="{dark}" media="(prefers-color-scheme: dark)">'
            f'<img src="{light}" alt="{html.escape(alt)}" width="{SIZE[0]}" '
            f'height="{SIZE[1]}"{extra}></picture>')


def write_pages(staging: Path, views: dict[str, Prerendered], default: str, js_urls: list[str],
                css_urls: list[str], worker_config: WorkerConfig, site_build_id: str,
                pinned_files: list[str], panel_version: str, *, posters: bool = False,
                base_url: str | None = None) -> None:
    """index.html, the first views (one per dataset of ``views``; ``default``: the catalog's),
    the page's scripts, worker.js, sw.js, embed.html and article.html; the host pages'
    embed.js. ``posters``: the posters step will draw ``posters/<key>.webp`` (shown without
    JavaScript, and named as the social preview when ``base_url`` is known)."""
    csp = html.escape(content_security_policy())
    css_links = "\n".join(f'  <link rel="stylesheet" href="{html.escape(u)}">' for u in css_urls)
    scripts = "\n".join(f'  <script src="{html.escape(u)}"></script>' for u in js_urls)
    page_roots = views[default].roots
    root_divs = "\n".join(
        f'  <div id="{html.escape(eid)}" data-root-id="{html.escape(mid)}" '
        'style="display: contents;"></div>'
        for eid, mid in page_roots
    )
    for dataset, prerendered in views.items():
        write_text_atomic(staging / FIRST_VIEW_DIR / f"{dataset}.json",
                          first_view(dataset, prerendered, [eid for eid, _ in page_roots]))
    first_views = {"folder": FIRST_VIEW_DIR, "default": default, "datasets": sorted(views)}
    page_config = {
        "worker_url": "worker.js",
        "service_worker": "sw.js",
        "build_id": site_build_id,
        # What the snapshot's scripts leave on window that only the live app may provide.
        "snapshot_globals": ["pyvizzy"],
        "stall_seconds": STALL_SECONDS,
    }
    poster_of = default if posters else None  # (the dataset whose poster the pages show)
    poster_alt = (f"{views[default].title}: a picture of the figure for "
                  f"{default} at its first settings")
    replacements = {
        "__CSP__": csp,
        "__SOCIAL__": social_tags(views[default].title, base_url,
                                  poster_of and poster_path(poster_of)),
        "__NOSCRIPT_POSTER__": poster_picture(poster_of, poster_alt,
                                              ' style="max-width:100%;height:auto"'),
        "__TITLE__": html.escape(views[default].title),
        "__FIRST_VIEWS__": html.escape(json.dumps(first_views)),
        "__FAVICON__": f"{PANEL_ROOT}{panel_version}/dist/images/favicon.ico",
        "__CSS_LINKS__": css_links,
        "__JS_SCRIPTS__": scripts,
        "__ROOT_DIVS__": root_divs,
        "__CONFIG_JSON__": json_for_script(page_config),
    }
    page = resources.template_text("index.html")
    for key, value in replacements.items():
        page = page.replace(key, value)
    write_text_atomic(staging / "index.html", page)
    for name in STATIC_FILES:
        write_bytes_atomic(staging / name, resources.template_bytes(name))
    write_text_atomic(staging / "worker.js", resources.template_text("worker.js").replace(
        "__PYVIZZY_WORKER_CONFIG__", json.dumps(worker_config.to_json(), indent=1)))
    write_text_atomic(staging / "sw.js", resources.template_text("sw.js").replace(
        "__PYVIZZY_SW_CONFIG__",
        json.dumps({"build_id": site_build_id, "pinned": pinned_files}, indent=1),
    ))
    for name in ("embed.html", "article.html"):
        text = resources.template_text(name).replace("__CSP__", csp)
        text = text.replace("__POSTER_IMG__", poster_picture(
            poster_of, poster_alt,
            ' loading="lazy" style="max-width:100%;height:auto"'))
        write_text_atomic(staging / name, text)


def write_site_pages(ctx: BuildContext, views: dict[str, Prerendered], default: str,
                     originals: dict[str, Path], packages: list[str]) -> tuple[str, WorkerConfig]:
    """Step *pages*: the vendored Bokeh/Panel files (out of the full wheels ``originals``) and
    the pages, with the first view of each dataset (``views``; ``default``, the catalog's,
    lays out the page); returns the site's build id and what the worker was told."""
    staging = ctx.staging
    panel_version = wheels.read_wheel_info(originals["panel"]).version
    views = {key: localize_prerender(view, panel_version) for key, view in views.items()}
    for key, view in views.items():
        if (view.js_urls, view.css_urls) != (views[default].js_urls, views[default].css_urls):
            raise SiteBuildError(f"the first views of {key} and {default} need different "
                                 "JS or CSS: the page loads one set")
    js_urls, css_urls = vendor_resources(views[default], staging, originals, panel_version)
    write_bytes_atomic(staging / STDLIB_PLACEHOLDER, EMPTY_ZIP)
    pinned_files = sorted([
        *(path.relative_to(staging).as_posix()
          for folder in (PYODIDE_DIR, "vendor/")
          for path in (staging / folder).rglob("*") if path.is_file()),
        STDLIB_PLACEHOLDER,  # (a restored Python's first request)
    ])
    site_build_id = build_id(staging, pinned_files)
    snapshot_key = memory_snapshot_key(site_build_id, packages)
    worker_config = WorkerConfig(
        packages=packages,
        app_source=ctx.app_script.read_text(encoding="utf-8"),
        memory_snapshot_key=snapshot_key if ctx.options.memory_snapshot else None,
        site_memory_snapshot=(site_snapshot_path(snapshot_key)
                              if ctx.options.site_snapshot else None),
    )
    write_pages(staging, views, default, js_urls, css_urls, worker_config, site_build_id,
                pinned_files, panel_version, posters=ctx.options.posters,
                base_url=ctx.options.base_url)
    return site_build_id, worker_config


def write_build_info(ctx: BuildContext, site_build_id: str, worker_config: WorkerConfig,
                     entries: list[LockEntry]) -> None:
    """``build-info.json``: the build id, versions, datasets and options of the site."""
    info = {
        "build_id": site_build_id,
        "pyodide": ctx.pins["pyodide"]["version"],
        "packages": {e.name: e.version for e in entries},
        "datasets": ctx.report.datasets,
        "bytecode": ctx.options.bytecode,
        "stored_archives": ctx.options.stored,
        "site_memory_snapshot": worker_config.site_memory_snapshot,
    }
    write_text_atomic(ctx.staging / BUILD_INFO, json.dumps(info, indent=1) + "\n")
