"""The site build's pieces, without a browser: pins fail closed, the lock is exact, wheels are
slimmed and patched as intended, and the static server negotiates gzip and MIME types.

The end-to-end build is exercised by tests/test_site_browser.py.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import brotli
import pytest

from pyvizzy.site import chromium, derived, fetch, lock, resources, wheels
from pyvizzy.site.build import _swap_in, want_site_snapshot
from pyvizzy.site.compress import brotli_files, gzip_files
from pyvizzy.site.context import BuildContext, BuildOptions, SiteBuildError
from pyvizzy.site.pages import content_security_policy, json_for_script, memory_snapshot_key
from pyvizzy.site.policy import response_headers
from pyvizzy.site.serve import Link, serve_in_thread
from pyvizzy.site.slim import (
    PANEL_ROOT,
    check_dropped_not_imported,
    check_only_kept_imported,
    drop_unused,
    keep_only_modules,
)
from pyvizzy.site.sources import fetch_wasm_wheels

HEX64 = set("0123456789abcdef")


def _make_wheel(path: Path, files: dict[str, bytes], metadata: str) -> Path:
    dist_info = "demo-1.0.dist-info"
    entries = {**files, f"{dist_info}/METADATA": metadata.encode(), f"{dist_info}/RECORD": b""}
    return wheels.write_wheel(entries, path)


# ----------------------------------------------------------------------------- pins


def test_every_pin_names_a_version_and_a_sha256():
    pins = resources.pins()
    artifacts = [pins["pyodide"], pins["wasm_wheels"], *pins["pure_wheels"],
                 *pins["pure_from_sdist"]]
    for artifact in artifacts:
        assert len(artifact["sha256"]) == 64 and set(artifact["sha256"]) <= HEX64, artifact
        assert artifact["file"]
    for wheel in pins["pure_wheels"]:
        assert wheel["version"] in wheel["file"], wheel
    shipped = {w["name"] for w in pins["pure_wheels"]} | set(pins["wasm_wheels"]["packages"])
    assert not shipped & set(pins["not_loaded"]), "a package is both shipped and left out"
    assert all(reason.strip() for reason in pins["not_loaded"].values())


def test_verify_file_fails_closed_on_a_changed_or_missing_file(tmp_path):
    path = tmp_path / "thing.whl"
    path.write_bytes(b"the pinned bytes")
    good = hashlib.sha256(b"the pinned bytes").hexdigest()
    assert fetch.verify_file(path, good, what="thing") == path
    path.write_bytes(b"tampered bytes")
    with pytest.raises(fetch.PinError, match=r"sha256 of .*thing\.whl"):
        fetch.verify_file(path, good, what="thing")
    with pytest.raises(fetch.PinError, match="missing"):
        fetch.verify_file(tmp_path / "absent.whl", good, what="absent")


def test_a_cached_download_that_differs_from_its_pin_stops_the_build(tmp_path):
    cached = tmp_path / "pkg-1.0-py3-none-any.whl"
    cached.write_bytes(b"corrupted in the cache")
    pinned = hashlib.sha256(b"what the registry serves").hexdigest()

    def never_called(_tmp_dir):
        raise AssertionError("a cached file must be verified, not silently replaced")

    with pytest.raises(fetch.PinError, match="Refusing to build"):
        fetch._fetch_into_cache(cached.name, pinned, tmp_path, never_called, what="pkg",
                                log=lambda line: None)


def test_a_fresh_download_is_verified_before_it_enters_the_cache(tmp_path):
    pinned = hashlib.sha256(b"expected").hexdigest()

    def download_wrong(tmp_dir):
        (tmp_dir / "pkg.whl").write_bytes(b"something else")

    with pytest.raises(fetch.PinError):
        fetch._fetch_into_cache("pkg.whl", pinned, tmp_path, download_wrong, what="pkg",
                                log=lambda line: None)
    assert not (tmp_path / "pkg.whl").exists()

    def download_right(tmp_dir):
        (tmp_dir / "pkg.whl").write_bytes(b"expected")

    path = fetch._fetch_into_cache("pkg.whl", pinned, tmp_path, download_right, what="pkg",
                                   log=lambda line: None)
    assert path.read_bytes() == b"expected"


def test_the_npm_tarball_address_follows_the_registry_layout():
    assert fetch.npm_tarball_url("pyodide@0.27.7") == (
        "https://registry.npmjs.org/pyodide/-/pyodide-0.27.7.tgz"
    )


# ----------------------------------------------------------------------------- lock


def test_resolve_closure_follows_dependencies_and_leaves_out_the_unneeded():
    requires = {"app": ("panel", "numpy"), "panel": ("bokeh", "requests"), "bokeh": ("numpy",),
                "numpy": (), "requests": ("urllib3",)}
    needed = lock.resolve_closure(["app"], requires, {"requests": "not used"})
    assert needed == ["app", "bokeh", "numpy", "panel"]


def test_resolve_closure_names_a_dependency_that_is_neither_shipped_nor_excused():
    with pytest.raises(lock.DependencyError, match="'pandas'"):
        lock.resolve_closure(["panel"], {"panel": ("pandas",)}, {})


def test_write_lock_refuses_a_dependency_missing_from_the_lock(tmp_path):
    entry = lock.LockEntry("panel", "1.7.5", "panel.whl", "0" * 64, ("bokeh",), ("panel",))
    with pytest.raises(lock.DependencyError, match="bokeh"):
        lock.write_lock(tmp_path / "pyodide-lock.json", {"version": "0.27.7"}, [entry])
    bokeh = lock.LockEntry("bokeh", "3.7.3", "bokeh.whl", "1" * 64, (), ("bokeh",))
    path = lock.write_lock(tmp_path / "pyodide-lock.json", {"version": "0.27.7"}, [entry, bokeh])
    written = json.loads(path.read_text())
    assert set(written["packages"]) == {"panel", "bokeh"}
    assert written["packages"]["panel"]["depends"] == ["bokeh"]


# ----------------------------------------------------------------------------- wheels


def test_wheel_metadata_is_read_for_the_pyodide_platform(tmp_path):
    metadata = (
        "Metadata-Version: 2.1\nName: Demo_Pkg\nVersion: 1.0\n"
        "Requires-Dist: numpy>=1.16\n"
        'Requires-Dist: tornado>=6.2; sys_platform != "emscripten"\n'
        'Requires-Dist: colorama; platform_system == "Windows"\n'
        'Requires-Dist: pytest; extra == "test"\n'
    )
    path = _make_wheel(tmp_path / "demo.whl", {"demo/__init__.py": b""}, metadata)
    info = wheels.read_wheel_info(path)
    assert info.name == "demo-pkg" and info.version == "1.0"
    assert info.requires == ("numpy",)
    assert info.imports == ("demo",)


def test_written_wheels_have_a_correct_record(tmp_path):
    path = _make_wheel(tmp_path / "demo.whl", {"demo/a.py": b"x = 1\n"}, "Name: demo\n")
    with zipfile.ZipFile(path) as archive:
        record = archive.read("demo-1.0.dist-info/RECORD").decode()
        data = archive.read("demo/a.py")
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    assert f"demo/a.py,sha256={digest},{len(data)}" in record.splitlines()


def test_panel_keeps_its_css_and_version_file_but_not_bundles_or_tests():
    keep = wheels.keep_in_panel
    assert keep("panel/io/resources.py")
    assert keep("panel/package.json")
    assert keep("panel/dist/css/loading.css")
    assert not keep("panel/dist/panel.min.js")
    assert not keep("panel/dist/bundled/font-awesome/css/all.min.css")
    assert not keep("panel/tests/test_viewable.py")
    assert not keep("panel/models/slider.ts")
    assert not wheels.keep_in_bokeh("bokeh/server/static/js/bokeh.min.js")
    assert wheels.keep_in_bokeh("bokeh/models/widgets/sliders.py")


def test_panel_patch_points_at_the_site_and_fails_loudly_when_the_source_changed():
    patch = wheels.patch_panel(PANEL_ROOT)
    resources = b'x = 1\nCDN_ROOT = "https://cdn.holoviz.org/panel/"\n'
    assert f'CDN_ROOT = "{PANEL_ROOT}"'.encode() in patch("panel/io/resources.py", resources)
    pyodide = b"if pyodide_http is None:\n    import pandas\n"
    assert b"'pandas' in sys.modules" in patch("panel/io/pyodide.py", pyodide)
    assert patch("panel/other.py", b"unchanged") == b"unchanged"
    with pytest.raises(ValueError, match="CDN_ROOT"):
        patch("panel/io/resources.py", b'CDN_ROOT = "https://elsewhere/"')


def test_pyvizzy_wheel_leaves_out_build_time_subpackages(tmp_path):
    package = tmp_path / "pyvizzy"
    for name in ("__init__.py", "confident.py", "app/__init__.py", "site/build.py",
                 "pipeline/embed.py", "app/__pycache__/x.cpython-311.pyc"):
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text("# code\n")
    path = wheels.build_pyvizzy_wheel(package, "0.1.0", tmp_path / "out")
    names = zipfile.ZipFile(path).namelist()
    assert "pyvizzy/confident.py" in names and "pyvizzy/app/__init__.py" in names
    assert not any(n.startswith(("pyvizzy/site/", "pyvizzy/pipeline/")) for n in names)
    assert not any("__pycache__" in n for n in names)
    assert wheels.read_wheel_info(path).requires == ("numpy", "scikit-learn")


# ----------------------------------------------------------------------------- pages


def test_the_content_security_policy_allows_no_other_host_whatever_a_dataset_says():
    # It is built from what the app loads (this origin, data: and blob: images), never from
    # a dataset's text: an image field such as "https://x;connect-src *;..." cannot widen it.
    import inspect

    assert not inspect.signature(content_security_policy).parameters
    policy = content_security_policy()
    for directive in policy.split("; "):
        _name, *sources = directive.split(" ")
        assert set(sources) <= {"'self'", "'none'", "'unsafe-eval'", "'wasm-unsafe-eval'",
                                "'unsafe-inline'", "data:", "blob:"}, directive
    assert "default-src 'self'" in policy and "connect-src 'self'" in policy


def test_json_in_a_script_element_cannot_close_it():
    text = json_for_script({"html": "</script><script>alert(1)</script><!--"})
    assert "</" not in text and "<!--" not in text
    assert json.loads(text)["html"] == "</script><script>alert(1)</script><!--"


def test_swap_in_replaces_the_old_site_whole(tmp_path):
    out = tmp_path / "site"
    out.mkdir()
    (out / "stale.txt").write_text("old")
    staging = tmp_path / "staging"
    staging.mkdir()
    (staging / "index.html").write_text("new")
    _swap_in(staging, out)
    assert sorted(p.name for p in out.iterdir()) == ["index.html"]
    assert list(tmp_path.iterdir()) == [out]


# ----------------------------------------------------------------------------- server


def test_server_sends_wasm_mime_and_gzip_only_to_browsers_that_accept_it(tmp_path):
    (tmp_path / "index.html").write_text("<!DOCTYPE html><title>t</title>")
    wasm = b"\0asm" + bytes(range(256)) * 40
    (tmp_path / "pyodide.asm.wasm").write_bytes(wasm)
    gzip_files(tmp_path)
    assert (tmp_path / "pyodide.asm.wasm.gz").exists()
    server, base = serve_in_thread(tmp_path)
    try:
        request = urllib.request.Request(base + "pyodide.asm.wasm",
                                         headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request) as response:
            assert response.headers["Content-Type"] == "application/wasm"
            assert response.headers["Content-Encoding"] == "gzip"
            assert gzip.GzipFile(fileobj=io.BytesIO(response.read())).read() == wasm
        with urllib.request.urlopen(base + "pyodide.asm.wasm") as response:
            assert response.headers.get("Content-Encoding") is None
            assert response.read() == wasm
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(("frame_ancestors", "expected"), [
    (None, "frame-ancestors *"),  # the default: any page may embed it (a blog's iframe)
    ("'self' https://blog.example", "frame-ancestors 'self' https://blog.example"),
])
def test_every_response_carries_the_pages_policy_as_headers(tmp_path, frame_ancestors,
                                                             expected):
    (tmp_path / "index.html").write_text("<!DOCTYPE html><title>t</title>")
    (tmp_path / "a.js").write_text("1")
    gzip_files(tmp_path)
    options = {} if frame_ancestors is None else {"frame_ancestors": frame_ancestors}
    server, base = serve_in_thread(tmp_path, **options)
    try:
        for path, encoding in (("index.html", "gzip"), ("a.js", "identity"), ("gone", None)):
            request = urllib.request.Request(base + path,
                                             headers={"Accept-Encoding": encoding or "gzip"})
            try:
                response = urllib.request.urlopen(request)
            except urllib.error.HTTPError as error:  # (a 404 carries them too)
                response = error
            with response:
                policy = response.headers["Content-Security-Policy"]
                assert policy == f"{content_security_policy()}; {expected}", path
                assert response.headers["X-Content-Type-Options"] == "nosniff"
                assert response.headers["Referrer-Policy"] == "no-referrer"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("sources", ["", "*; script-src *", "'self',x", "a\r\nSet-Cookie: x"])
def test_frame_ancestors_cannot_add_a_directive_or_a_header(sources):
    with pytest.raises(ValueError, match="frame-ancestors"):
        response_headers(sources)


def test_server_prefers_brotli_then_gzip_as_the_browser_accepts(tmp_path):
    (tmp_path / "index.html").write_text("<!DOCTYPE html><title>t</title>")
    wasm = b"\0asm" + bytes(range(256)) * 40
    (tmp_path / "pyodide.asm.wasm").write_bytes(wasm)
    gzip_files(tmp_path)
    assert brotli_files(tmp_path, quality=5) == [tmp_path / "pyodide.asm.wasm.br"]
    server, base = serve_in_thread(tmp_path)
    try:
        for accepted, expected in (("gzip, deflate, br, zstd", "br"), ("gzip;q=1.0", "gzip"),
                                   ("zstd", None)):
            request = urllib.request.Request(base + "pyodide.asm.wasm",
                                             headers={"Accept-Encoding": accepted})
            with urllib.request.urlopen(request) as response:
                assert response.headers.get("Content-Encoding") == expected, accepted
                body = response.read()
            unpack = {"br": brotli.decompress, "gzip": gzip.decompress, None: bytes}[expected]
            assert unpack(body) == wasm
    finally:
        server.shutdown()
        server.server_close()


def test_brotli_copies_come_from_the_cache_only_when_they_unpack_to_the_file(tmp_path):
    site, cache = tmp_path / "site", tmp_path / "cache"
    site.mkdir()
    data = b"pyvizzy " * 4000
    (site / "app.js").write_bytes(data)
    gzip_files(site)
    (copy,) = brotli_files(site, quality=5, cache=cache)
    (kept,) = cache.iterdir()
    assert brotli.decompress(copy.read_bytes()) == data and kept.read_bytes() == copy.read_bytes()
    kept.write_bytes(brotli.compress(b"something else"))  # a cache entry that lies
    copy.unlink()
    brotli_files(site, quality=5, cache=cache)
    assert brotli.decompress(copy.read_bytes()) == data
    assert brotli.decompress(kept.read_bytes()) == data  # made again


def test_a_link_paces_every_response_at_its_bandwidth_and_round_trip(tmp_path):
    (tmp_path / "index.html").write_text("<!DOCTYPE html><title>t</title>")
    (tmp_path / "big.bin").write_bytes(bytes(200_000))
    link = Link.parse("8/50")  # 1 MB/s: 0.2 s for the file, after a 50 ms round trip
    assert (link.mbit_per_s, link.rtt_ms) == (8, 50)
    server, base = serve_in_thread(tmp_path, link=link)
    try:
        started = time.monotonic()
        with urllib.request.urlopen(base + "big.bin") as response:
            assert len(response.read()) == 200_000
        assert time.monotonic() - started >= 0.25
    finally:
        server.shutdown()
        server.server_close()
    for bad in ("fast", "0/40", "20/-1"):
        with pytest.raises(ValueError, match=r"network|bandwidth"):
            Link.parse(bad)


def test_the_kept_modules_check_looks_at_the_apps_own_imports():
    # The check is given the modules of the pre-render's own fresh process: what the calling
    # process imported earlier (a test session that ran the pipeline, say) must not count.
    import sklearn.tree  # noqa: F401  (imported here, not by the app)

    keep = {"sklearn": ["sklearn.svm._libsvm"]}
    check_only_kept_imported(keep, frozenset({"sklearn", "sklearn.svm", "sklearn.svm._libsvm",
                                              "numpy", "panel"}))
    with pytest.raises(SiteBuildError, match=r"sklearn\.tree, sklearn\.utils"):
        check_only_kept_imported(keep, frozenset({"sklearn", "sklearn.tree", "sklearn.utils"}))


def test_module_file_prefixes_keep_a_module_and_its_packages_init_files():
    prefixes = wheels.module_file_prefixes(["a.b.c", "a.d"])
    assert prefixes == ("a/__init__.", "a/b/__init__.", "a/b/c.", "a/d.")
    kept = [n for n in ("a/__init__.py", "a/b/__init__.pyc", "a/b/c.cpython-312.so", "a/b/cd.py",
                        "a/b/e.py", "a/d.py", "a/d/x.py") if n.startswith(prefixes)]
    assert kept == ["a/__init__.py", "a/b/__init__.pyc", "a/b/c.cpython-312.so", "a/d.py"]
    assert wheels.is_dist_info("a-1.0.dist-info/METADATA")
    assert not wheels.is_dist_info("a/x.dist-info/METADATA")


def test_every_wheel_loses_what_never_runs_and_the_modules_pinned_to_drop(tmp_path):
    files = {"demo/__init__.py": b"", "demo/core.py": b"x = 1\n", "demo/core.pyi": b"",
             "demo/include/demo.h": b"", "demo/lib/libdemo.a": b"", "demo/_ext.pyx": b"",
             "demo/tests/test_core.py": b"", "demo/f2py/__init__.py": b"",
             "demo/_simd.cpython-312-wasm32-emscripten.so": b"\0asm",
             "demo/_simdx.py": b"", "demo-1.0.data/data/share/demo/providers.json": b"{}"}
    source = _make_wheel(tmp_path / "demo-1.0-py3-none-any.whl", files,
                         "Name: demo\nVersion: 1.0\n")
    drop = {"demo": ["demo.f2py", "demo._simd"]}
    slim = drop_unused({"demo": source}, drop, tmp_path / "slim")["demo"]
    kept = sorted(n for n in zipfile.ZipFile(slim).namelist() if not wheels.is_dist_info(n))
    assert kept == ["demo/__init__.py", "demo/_simdx.py", "demo/core.py"]
    check_dropped_not_imported(drop, frozenset({"demo", "demo.core", "demo._simdx"}))
    with pytest.raises(SiteBuildError, match=r"imports demo\._simd, demo\.f2py\.x, which"):
        check_dropped_not_imported(drop, frozenset({"demo", "demo.f2py.x", "demo._simd"}))


def test_the_memory_snapshot_key_changes_with_whatever_runs_before_the_snapshot():
    # The worker's Python (pyvizzy.app.worker_runtime) ships in pyvizzy's wheel, one of the
    # pinned files the build id covers; the worker's scripts count too (read from the package).
    key = memory_snapshot_key("0123456789abcdef", ["numpy", "panel"])
    assert len(key) == 16 and key == memory_snapshot_key("0123456789abcdef", ["numpy", "panel"])
    others = [
        memory_snapshot_key("0123456789abcdeg", ["numpy", "panel"]),  # another served file
        memory_snapshot_key("0123456789abcdef", ["numpy"]),
    ]
    assert key not in others and len(set(others)) == 2


#: Pyodide's modules stood in for, so that the worker's Python runs in CPython.
_STAND_INS = (
    "import json, sys\n"
    "from unittest import mock\n"
    "for name in ('js', 'pyodide', 'pyodide.ffi', 'pyodide.http'):\n"
    "    sys.modules[name] = mock.MagicMock()\n"
    "from pyvizzy.app import worker_runtime\n"
)


def _run_worker_python(script: str, datasets: Path | None = None):
    """Run ``script`` after :data:`_STAND_INS` in a fresh CPython; its last line, as JSON."""
    env = {**os.environ, "PYVIZZY_DATASETS": str(datasets)} if datasets else None
    result = subprocess.run([sys.executable, "-c", _STAND_INS + script], capture_output=True,
                            text=True, timeout=180, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.splitlines()[-1])


def test_the_preload_leaves_the_libraries_objects_out_of_the_collectors_full_passes():
    # The worker's preload in CPython: everything it imported is frozen, and a collection
    # then finds little to scan.
    frozen, tracked = _run_worker_python(
        "import gc\n"
        "worker_runtime.preload()\n"
        "print(json.dumps([gc.get_freeze_count(), len(gc.get_objects())]))\n"
    )
    assert frozen > 100_000 and tracked < frozen / 100


def _run_with_the_app(tmp_path: Path, script: str, search: str = ""):
    """:func:`_run_worker_python` of ``script`` after the worker's own calls (preload, then
    the page built from the package's app script and linked), on a synthetic catalog: there,
    ``page`` is the WorkerPage, ``sent`` collects the patches to the page, ``ahead`` the
    payloads sent ahead, ``sliders`` is the sliders' model and ``move_slider(value)`` moves
    the class slider as the page does."""
    from pyvizzy.app.synthetic import write_synthetic_catalog

    datasets = write_synthetic_catalog(tmp_path / "datasets")
    with resources.app_script() as app_script:
        app_source = app_script.read_text(encoding="utf-8")
    return _run_worker_python(
        "worker_runtime.preload()\n"
        "before = set(sys.modules)\n"
        "sent, ahead = [], []\n"
        f"location = json.dumps({{'search': {search!r}}})\n"
        f"page = worker_runtime.build_page(location, {app_source!r}, sent.append,\n"
        "                                  lambda *found: ahead.append(list(found)))\n"
        "imported = sorted(set(sys.modules) - before)\n"
        "page.link()\n"
        "sliders = next(m for m in page.document.models"
        " if 'pv-sliders' in getattr(m, 'css_classes', ()))\n"
        "def move_slider(value):\n"
        "    page.apply_page_patch(json.dumps({'events': [{'kind': 'ModelChanged', 'model': "
        "{'id': sliders.data.id}, 'attr': 'class_percentile', 'new': value}]}))\n"
        + script,
        datasets,
    )


def test_building_the_app_imports_nothing_the_preload_has_not(tmp_path):
    # What the worker runs after the preload (the memory snapshot is taken between the two),
    # in CPython with stand-ins for Pyodide's modules: the page's address, the app and its
    # document. A module it imports would be imported anew on every visit. The app reads the
    # page's address through the session the worker gives the document.
    found = _run_with_the_app(tmp_path, (
        "print(json.dumps({'imported': imported, 'roots': len(page.document.roots),"
        " 'class': page.app.state.class_percentile}))\n"
    ), search="?class=60")  # fmt: skip
    assert found["imported"] == [] and found["roots"] >= 1 and found["class"] == 60


def test_building_the_app_runs_no_collector_pass_and_leaves_the_collector_on(tmp_path):
    # The worker's first build of the app, in CPython (Pyodide's modules stood in for): no
    # pass of the cyclic garbage collector runs while it builds, and it is on again after.
    from pyvizzy.app.synthetic import write_synthetic_catalog

    datasets = write_synthetic_catalog(tmp_path / "datasets")
    with resources.app_script() as app_script:
        app_source = app_script.read_text(encoding="utf-8")
    passes, enabled = _run_worker_python(
        "import gc\n"
        "worker_runtime.preload()\n"
        "passes = []\n"
        "gc.callbacks.append(lambda phase, info: passes.append(info['generation']))\n"
        f"worker_runtime.build_page(None, {app_source!r}, lambda *a: None, lambda *a: None)\n"
        "print(json.dumps([passes, gc.isenabled()]))\n",
        datasets,
    )
    assert passes == [] and enabled


def test_a_slider_move_goes_back_to_the_page_as_one_json_patch_with_the_state_inline(tmp_path):
    # The worker's page <-> Python relay in CPython (Pyodide's modules stood in for): the page
    # moves the class slider; Python answers with ONE patch, a JSON string in which the
    # bridge's state (bytes) is written as base64, which BokehJS decodes.
    sent = _run_with_the_app(tmp_path, (
        "sent.clear()\n"
        "move_slider(63)\n"
        "print(json.dumps(sent))\n"
    ))  # fmt: skip
    assert len(sent) == 1 and isinstance(sent[0], str)
    (change,) = json.loads(sent[0])["events"]
    assert change["attr"] == "dynamic" and change["new"]["type"] == "bytes"
    payload = json.loads(base64.b64decode(change["new"]["data"]))
    assert payload["state"]["class_percentile"] == 63
    assert set(payload["views"]) >= {"joint", "results", "histograms", "explainer", "scoreboard"}


def test_the_worker_sends_ahead_what_the_next_slider_move_then_publishes(tmp_path):
    # The worker's look-ahead in CPython (Pyodide's modules stood in for): after the page
    # moves the class slider up, each idle step sends one payload, the next setting up first;
    # moving there publishes that payload (but for its answer's own numbers).
    found = _run_with_the_app(tmp_path, (
        "def move(value):\n"
        "    move_slider(value)\n"
        "    return json.loads(page.app.bridge.dynamic)\n"
        "move(63)\n"
        "ahead.clear()\n"
        "steps = [page.lookahead_step() for _ in range(3)]\n"
        "print(json.dumps({'steps': steps, 'ahead': ahead, 'moved': move(64)}))\n"
    ))  # fmt: skip
    assert found["steps"] == [True, True, True]
    (basis, key, text), *_rest = found["ahead"]
    assert key == "64,15" and [row[1] for row in found["ahead"]][1:] == ["62,15", "65,15"]
    moved = found["moved"]
    assert basis == moved["basis"]
    ahead = json.loads(text)
    for payload in (ahead, moved):
        for key in ("seq", "revision", "redraw_ms"):
            payload["state"].pop(key, None)
    assert ahead == moved


def test_the_site_snapshot_is_made_where_it_can_be_and_required_only_when_asked(monkeypatch):
    logged: list[str] = []
    monkeypatch.setattr(chromium, "unavailable", lambda: "no Chromium at /usr/bin/chromium")
    assert want_site_snapshot(True, None, logged.append) is False
    assert logged == ["no site memory snapshot (no Chromium at /usr/bin/chromium): "
                      "first visits start Python afresh"]
    with pytest.raises(SiteBuildError, match="cannot be made here: no Chromium"):
        want_site_snapshot(True, True, logged.append)
    monkeypatch.setattr(chromium, "unavailable", lambda: None)
    assert want_site_snapshot(True, None, logged.append) is True
    assert want_site_snapshot(True, False, logged.append) is False
    # No memory snapshot at all: nothing to bake either.
    assert want_site_snapshot(False, True, logged.append) is False
    assert len(logged) == 1


def test_the_bake_server_keeps_only_a_whole_snapshot_upload(tmp_path):
    from pyvizzy.site.bake import SHA256_HEADER, UPLOAD_PATH, _UploadHandler

    (tmp_path / "index.html").write_text("<p>site</p>")
    target = tmp_path / "received.bin"
    server, base = serve_in_thread(tmp_path, handler=_UploadHandler, target=target)
    base = base.rstrip("/")

    def put(path: str, data: bytes, sha256: str | None = None) -> int:
        digest = hashlib.sha256(data).hexdigest() if sha256 is None else sha256
        request = urllib.request.Request(base + path, data=data, method="PUT",
                                         headers={SHA256_HEADER: digest})
        try:
            with urllib.request.urlopen(request) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    try:
        assert put("/index.html", b"overwrite") == 400
        assert (tmp_path / "index.html").read_text() == "<p>site</p>"
        assert not target.exists()
        assert put(UPLOAD_PATH, b"pyz1 bytes", sha256="0" * 64) == 400  # damaged on the way
        assert not target.exists()
        assert put(UPLOAD_PATH, b"pyz1 bytes") == 204
        assert target.read_bytes() == b"pyz1 bytes"
    finally:
        server.shutdown()
        server.server_close()


# ----------------------------------------------------------------------------- the cache


def test_a_derived_file_changed_in_the_cache_is_made_again(tmp_path):
    # A wheel slimmed to some modules, then changed in the cache: the next build remakes it.
    source = _make_wheel(tmp_path / "demo-1.0-py3-none-any.whl",
                         {"demo/__init__.py": b"", "demo/kept.py": b"x = 1\n",
                          "demo/dropped.py": b"y = 2\n"}, "Name: demo\nVersion: 1.0\n")
    slim = keep_only_modules({"demo": source}, {"demo": ["demo.kept"]}, tmp_path / "slim")["demo"]
    made = slim.read_bytes()
    assert sorted(zipfile.ZipFile(slim).namelist())[:2] == ["demo-1.0.dist-info/METADATA",
                                                             "demo-1.0.dist-info/RECORD"]
    assert derived.verified(slim)
    with open(slim, "ab") as handle:
        handle.write(b"extra module")
    assert not derived.verified(slim)
    again = keep_only_modules({"demo": source}, {"demo": ["demo.kept"]}, tmp_path / "slim")
    assert again["demo"] == slim and slim.read_bytes() == made


def test_a_webassembly_wheel_changed_in_the_cache_is_taken_from_its_carrier_again(tmp_path):
    wheel = b"the official numpy wheel"
    carrier = tmp_path / "downloads" / "carrier-1.0-py3-none-any.whl"
    carrier.parent.mkdir()
    with zipfile.ZipFile(carrier, "w") as archive:
        archive.writestr("carrier/assets/numpy-2.0.2-cp312.whl", wheel)
    pins = {"wasm_wheels": {"pypi": "carrier==1.0", "file": carrier.name,
                            "sha256": hashlib.sha256(carrier.read_bytes()).hexdigest(),
                            "prefix": "carrier/assets/", "packages": ["numpy"]}}
    official = {"packages": {"numpy": {"file_name": "numpy-2.0.2-cp312.whl",
                                       "sha256": hashlib.sha256(wheel).hexdigest()}}}
    ctx = BuildContext(out_dir=tmp_path / "site", staging=tmp_path / "staging",
                       cache_dir=tmp_path, app_script=tmp_path / "app.py", demo_dir=None,
                       options=BuildOptions(), pins=pins, log=lambda line: None)
    extracted = fetch_wasm_wheels(ctx, official)["numpy"]
    assert extracted.read_bytes() == wheel
    with open(extracted, "ab") as handle:
        handle.write(b"appended module")
    assert fetch_wasm_wheels(ctx, official)["numpy"].read_bytes() == wheel


# ----------------------------------------------------------------------------- posters


def test_a_poster_is_webp_at_the_best_quality_that_fits_or_an_error():
    from PIL import Image

    from pyvizzy.site.posters import webp_under

    picture = io.BytesIO()
    Image.new("RGB", (1400, 1302), "#dde4f0").save(picture, "PNG")
    poster = webp_under(picture.getvalue())
    assert poster[:4] == b"RIFF" and poster[8:12] == b"WEBP" and len(poster) <= 300_000
    noise = io.BytesIO()
    Image.frombytes("RGB", (400, 400), os.urandom(400 * 400 * 3)).save(noise, "PNG")
    with pytest.raises(SiteBuildError, match="does not fit in 20000 bytes"):
        webp_under(noise.getvalue(), max_bytes=20_000)


def test_the_base_url_is_an_http_folder_and_the_preview_names_the_poster_only_with_it():
    from pyvizzy.site.build import checked_base_url
    from pyvizzy.site.pages import social_tags

    assert checked_base_url("https://example.org/pyvizzy/") == "https://example.org/pyvizzy/"
    for bad in ("https://example.org/pyvizzy", "ftp://example.org/", "/pyvizzy/",
                "https://example.org/?x=1/"):
        with pytest.raises(SiteBuildError, match="base URL"):
            checked_base_url(bad)
    tags = social_tags("pyvizzy", "https://example.org/p/", "posters/digits.webp")
    assert '<meta property="og:image" content="https://example.org/p/posters/digits.webp">' \
        in tags
    assert "og:" not in social_tags("pyvizzy", None, "posters/digits.webp")
    assert "og:image" not in social_tags("pyvizzy", "https://example.org/p/", None)


def test_posters_are_made_where_they_can_be_and_required_only_when_asked(monkeypatch):
    from pyvizzy.site import build

    logged: list[str] = []
    monkeypatch.setattr(build, "cannot_make_posters", lambda: "no Chromium at /usr/bin/chromium")
    assert build.want_posters(None, logged.append) is False
    assert logged == ["no posters (no Chromium at /usr/bin/chromium): the embed shows a plain "
                      "Start box"]
    with pytest.raises(SiteBuildError, match="posters cannot be made here: no Chromium"):
        build.want_posters(True, logged.append)
    monkeypatch.setattr(build, "cannot_make_posters", lambda: None)
    assert build.want_posters(None, logged.append) is True
    assert build.want_posters(False, logged.append) is False


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js builds the bytecode")
def test_a_build_without_chromium_extras_still_writes_every_page(tmp_path):
    # No posters, no site snapshot, no brotli (as on a machine without Chromium or the site
    # extra): the site is whole all the same, build-info.json included.
    from pyvizzy.site import build_site

    out = tmp_path / "site"
    logged: list[str] = []
    build_site(out, site_snapshot=False, posters=False, brotli_quality=None, log=logged.append)
    for name in ("index.html", "build-info.json", "worker.js", "embed.js", "stdlib-placeholder.zip",
                 "first-view/digits.json"):
        assert (out / name).is_file(), name
    assert not (out / "posters").exists() and not list(out.rglob("*.br"))
    assert json.loads((out / "build-info.json").read_text())["build_id"]


DOCUMENTED = '''
"""The module's docstring."""
def plain():
    """A function's docstring."""
    return 1
def echoes():
    "same"
    return "same"
async def waits():
    """An async function's docstring."""
class Documented:
    """A class's docstring."""
    def method(self):
        """A method's docstring."""
        return ("generated" for _ in range(1)), (lambda: "lambda")
class Reused:
    "reused"
    text = "reused"
'''


def test_compiled_bytecode_keeps_no_docstring_and_every_other_constant():
    # What the site's bytecode compiler does to each module's code: every docstring
    # (functions', classes', the module's) becomes "" (a string still), at every depth; the
    # constants code uses (even the text of a docstring used again in the body) stay.
    from pyvizzy.site.pycompile import without_docstrings

    found = {}
    exec(without_docstrings(compile(DOCUMENTED, "documented", "exec")), found)
    assert found["plain"].__doc__ == "" and found["plain"]() == 1
    assert found["waits"].__doc__ == ""
    assert found["Documented"].method.__doc__ == ""
    assert found["__doc__"] == "" and found["Documented"].__doc__ == ""
    assert found["echoes"].__doc__ == "same" and found["echoes"]() == "same"
    assert found["Reused"].__doc__ == "reused" and found["Reused"].text == "reused"
    generated, function = found["Documented"]().method()
    assert list(generated) == ["generated"] and function() == "lambda"
