"""The built static site in headless Chromium, served from 127.0.0.1 with no other host.

The site is built once for this module (into a temporary folder; set ``PYVIZZY_TEST_SITE`` to
an already built folder to reuse it), served by ``pyvizzy.site.serve``, and loaded with every
request recorded: anything not addressed to the test server fails the test. Python runs in
Pyodide in a Web Worker; the checks compare the page's ``window.pyvizzy.state()`` with
``pyvizzy.confident.categorize()`` run here in CPython. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import itertools
import json
import re
import shutil
import subprocess
import threading
import time
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar

import brotli
import numpy as np
import pytest
from snapshot_check import categorize_state

from pyvizzy.app.state import N_FOLDS, TRAIN_SEED
from pyvizzy.crossval import out_of_sample_pred_probs
from pyvizzy.dataset import load_dataset
from pyvizzy.site import ddot

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "tests" / "artifacts"
LOAD_TIMEOUT_MS = 120_000
LIVE_AND_TRAINED = """() => {
    const load = window.pyvizzyLoad;
    if (load && load.error) { return true; }
    const s = load && load.live && window.pyvizzy && window.pyvizzy.state && window.pyvizzy.state();
    return !!(s && s.trained);
}"""
STATE = "() => window.pyvizzy.state()"


class Recorder:
    """Every request and failed response of one page, and its uncaught errors."""

    def __init__(self, page, origin: str):
        self.origin = origin.rstrip("/")
        self.requests: list[str] = []
        self.failed: list[str] = []
        self.page_errors: list[str] = []
        self.csp_violations: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", self._console)
        page.on("requestfailed", lambda request: self.failed.append(request.url))
        page.on("response", self._response)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def _console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)

    def _response(self, response) -> None:
        if response.status >= 400:
            self.failed.append(f"{response.status} {response.url}")

    def foreign(self) -> list[str]:
        """Requests to anything but the test server (same-origin blob: and data: are fine)."""
        allowed = (self.origin + "/", f"blob:{self.origin}/", "data:")
        return [url for url in self.requests if not url.startswith(allowed)]


def open_page(browser, base_url: str, path: str = "index.html", *, width=1440, height=900):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    recorder = Recorder(page, base_url)
    page.goto(base_url + path)
    return page, recorder


def wait_until_trained(page) -> dict:
    page.wait_for_function(LIVE_AND_TRAINED, timeout=LOAD_TIMEOUT_MS)
    error = page.evaluate("window.pyvizzyLoad.error")
    assert error is None, f"the app failed to load: {error}"
    return page.evaluate(STATE)


def wait_for_state(page, condition: str, timeout_ms: int = 30_000) -> dict:
    page.wait_for_function(
        f"() => {{ const s = window.pyvizzy.state(); return !!(s && ({condition})); }}",
        timeout=timeout_ms,
    )
    return page.evaluate(STATE)


def press_slider(page, slider: str, key: str, times: int, condition: str) -> dict:
    """Press ``key`` ``times`` on the ``<slider>-slider``; the state once ``condition`` holds,
    checked against ``categorize()``."""
    page.locator(f'[data-pv="{slider}-slider"] input').focus()
    for _ in range(times):
        page.keyboard.press(key)
    state = wait_for_state(page, condition)
    assert_agrees_with_categorize(state)
    return state


def assert_agrees_with_categorize(state: dict) -> None:
    """The page's thresholds, joint and categories are what CPython computes from its data."""
    expected = categorize_state(state)
    np.testing.assert_allclose(state["class_thresholds"], expected.class_thresholds, atol=1e-9)
    np.testing.assert_allclose(state["ood_thresholds"], expected.ood_thresholds, atol=1e-9)
    np.testing.assert_array_equal(np.asarray(state["joint"]), expected.joint)
    assert list(state["categories"]) == [str(c) for c in expected.categories]


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"site-{name}.png"))


def test_loads_offline_trains_and_the_sliders_agree_with_categorize(browser, base_url, site_dir):
    page, recorder = open_page(browser, base_url)
    start = wait_until_trained(page)
    assert (start["class_percentile"], start["ood_percentile"]) == (50, 15)
    assert_agrees_with_categorize(start)
    # The model trained in the browser (libsvm on the site's own ddot_) is CPython's (libsvm
    # on OpenBLAS): the same folds and the same sums, but for rounding.
    dataset = load_dataset(site_dir / "datasets" / start["dataset"] / "dataset.json")
    expected = out_of_sample_pred_probs(dataset.embeddings, np.asarray(start["given"]),
                                        n_folds=N_FOLDS, seed=TRAIN_SEED)
    np.testing.assert_allclose(start["pred_probs"], expected, atol=1e-9)
    screenshot(page, "index-1440x900")

    press_slider(page, "class", "ArrowRight", 6, "s.class_percentile === 56")
    moved = press_slider(page, "ood", "ArrowRight", 5,
                         "s.ood_percentile === 20 && s.class_percentile === 56")
    assert moved["categories"] != start["categories"] or moved["joint"] != start["joint"]
    assert moved["train_seconds"] == start["train_seconds"]  # a slider never retrains

    overflow = page.evaluate(
        "() => [document.documentElement.scrollWidth - innerWidth,"
        " document.documentElement.scrollHeight - innerHeight]"
    )
    assert overflow[0] <= 0 and overflow[1] <= 0, f"the page scrolls at 1440x900: {overflow}"
    screenshot(page, "index-moved")
    assert recorder.foreign() == [], f"requests left the origin: {recorder.foreign()}"
    assert recorder.failed == [], f"failed requests: {recorder.failed}"
    assert recorder.page_errors == []
    assert recorder.csp_violations == []
    page.context.close()


# Each animation frame, the class percentile of the state and the one the histograms' legend
# shows (what is drawn), until window.__stopWatching is set.
WATCH_FRAMES = """() => {
    window.__shown = [];
    window.__stopWatching = false;
    const watch = () => {
        const views = window.pyvizzy.page.views;
        const legend = views.histograms && views.histograms.root.querySelector(".pv-legend > span");
        const drawn = legend ? Number((legend.textContent.match(/(\\d+)th pct/) || [])[1]) : null;
        window.__shown.push([window.pyvizzy.state().class_percentile, drawn]);
        if (!window.__stopWatching) { requestAnimationFrame(watch); }
    };
    requestAnimationFrame(watch);
}"""
SETTLED = "() => window.pyvizzyLoad.settled"


def test_fast_slider_moves_draw_ahead_never_back_and_end_on_pythons_answer(browser, base_url):
    # Key presses faster than Python answers: those to a setting computed ahead are drawn at
    # once, and no answer to an earlier press is drawn over them (the look-ahead's ordering).
    page, recorder = open_page(browser, base_url)
    start = wait_until_trained(page)
    page.wait_for_function("() => window.pyvizzyLoad.lookahead.received >= 6", timeout=30_000)
    page.locator('[data-pv="class-slider"] input').focus()
    for key, step in (("ArrowRight", 1), ("ArrowLeft", -1)):
        before = page.evaluate(STATE)["class_percentile"]
        page.evaluate(WATCH_FRAMES)
        for _ in range(12):
            page.keyboard.press(key)
        target = before + 12 * step
        page.wait_for_function(SETTLED, timeout=30_000)
        state = wait_for_state(page, f"s.class_percentile === {target} && 'redraw_ms' in s")
        page.wait_for_timeout(100)  # a few more frames, in case anything older came back
        page.evaluate("() => { window.__stopWatching = true; }")
        shown = page.evaluate("() => window.__shown")
        for column, what in ((0, "state"), (1, "drawing")):
            values = [row[column] for row in shown if row[column] is not None]
            steps = [step * (later - earlier) for earlier, later in itertools.pairwise(values)]
            assert min(steps) >= 0, f"the {what} went back: {values}"
            assert values[-1] == target, f"the {what} ends at {values[-1]}: {values}"
        assert_agrees_with_categorize(state)
    lookahead = page.evaluate("() => window.pyvizzyLoad.lookahead")
    assert lookahead["hits"] > 0, lookahead  # some presses were drawn from payloads ahead
    assert state["train_seconds"] == start["train_seconds"]
    assert recorder.page_errors == []
    page.context.close()


def test_the_address_sets_the_initial_view(browser, base_url):
    page, recorder = open_page(browser, base_url, "index.html?class=70&ood=5")
    state = wait_until_trained(page)
    assert (state["class_percentile"], state["ood_percentile"]) == (70, 5)
    assert_agrees_with_categorize(state)
    assert recorder.foreign() == []
    page.context.close()


# Every state the page forms (each merge of Python's parts), copied: what a host polling
# state() could see.
SAMPLE_STATES = """() => {
    const api = window.pyvizzy;
    const merge = api.merge;
    window.sampledStates = [];
    api.merge = (...args) => { merge(...args); window.sampledStates.push(api.state()); };
}"""


def test_relabel_and_train_changes_the_predicted_probabilities(browser, base_url):
    page, recorder = open_page(browser, base_url)
    before = wait_until_trained(page)
    page.evaluate(SAMPLE_STATES)
    selected = before["selected"]
    assert selected is not None, "the app selects the first label issue after training"
    index = before["ids"].index(selected)
    old_label = before["class_names"][before["given"][index]]
    new_label = next(name for name in before["class_names"] if name != old_label)
    page.locator(".pv-panel-dataset select").select_option(new_label)
    page.get_by_role("button", name="Train").click()
    after = wait_for_state(
        page, f"s.trained && s.given[{index}] !== {before['given'][index]}", 60_000
    )
    after = wait_for_state(page, f"s.train_seconds !== {json.dumps(before['train_seconds'])}")
    sampled = page.evaluate("window.sampledStates")
    assert any(state["train_seconds"] == after["train_seconds"] for state in sampled)
    # Never one model's probabilities with another's categories: each payload Python
    # published (its seq) is only ever shown with the model it was computed from.
    model_of_payload = {}
    for state in sampled:
        model = (state["train_seconds"], json.dumps(state["pred_probs"]))
        assert model_of_payload.setdefault(state["seq"], model) == model, state["seq"]
        assert_agrees_with_categorize(state)
    assert after["class_names"][after["given"][index]] == new_label
    assert not np.allclose(after["pred_probs"], before["pred_probs"])
    assert_agrees_with_categorize(after)
    assert recorder.foreign() == []
    assert recorder.page_errors == []
    page.context.close()


def test_the_sample_article_embeds_the_app_and_hears_its_state(browser, base_url):
    page, recorder = open_page(browser, base_url, "article.html", width=1280, height=1000)
    page.wait_for_function(
        "() => { const s = window.pyvizzyLastState; return !!(s && s.trained); }",
        timeout=LOAD_TIMEOUT_MS,
    )
    summary = page.evaluate("window.pyvizzyLastState")
    assert (summary["class_percentile"], summary["ood_percentile"]) == (70, 5)
    assert "pred_probs" not in summary and "categories" not in summary  # (no ?origin=)
    state = page.frames[1].evaluate("window.pyvizzy.state()")
    assert_agrees_with_categorize(state)
    counts = {name: state["categories"].count(name) for name in set(state["categories"])}
    assert summary["counts"] == counts and summary["joint"] == state["joint"]
    caption = page.locator("#pyvizzy-caption").inner_text()
    assert "Class percentile 70" in caption
    assert f"{counts.get('label_issue', 0)} label issues" in caption
    frame = page.frame_locator("iframe.pyvizzy-embed-frame")
    assert frame.locator('[data-pv="class-slider"]').count() == 1
    screenshot(page, "article")
    assert recorder.foreign() == []
    page.context.close()


def test_a_load_failure_keeps_the_snapshot_and_says_what_went_wrong(browser, base_url):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.route("**/pyodide.asm.wasm", lambda route: route.abort())
    page.goto(base_url + "index.html")
    page.wait_for_function("() => window.pyvizzyLoad && window.pyvizzyLoad.error",
                           timeout=LOAD_TIMEOUT_MS)
    assert page.evaluate("window.pyvizzyLoad.prerendered") is True
    box = page.locator("#pyvizzy-error")
    assert box.is_visible()
    assert "failed to load" in box.inner_text()
    # The pre-rendered first view is still on the page (its panels are drawn).
    assert page.locator('[data-pv="class-slider"]').count() >= 1
    screenshot(page, "load-failure")
    context.close()


def test_embed_page_documents_the_iframe_snippet(browser, base_url):
    page, recorder = open_page(browser, base_url, "embed.html")
    text = page.locator("main").inner_text()
    for parameter in ("dataset", "class", "ood", "mode", "select", "pyvizzy:state", "<iframe"):
        assert parameter in text
    assert recorder.foreign() == [] and recorder.failed == []
    page.context.close()


def test_the_site_lock_lists_exactly_the_served_files_and_no_page_names_a_cdn(site_dir):
    pyodide_dir = site_dir / "pyodide"
    site_lock = json.loads((pyodide_dir / "pyodide-lock.json").read_text())
    packages = site_lock["packages"]
    listed = {entry["file_name"] for entry in packages.values()}
    core = {"pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip",
            "pyodide-lock.json"}
    served = {p.name for p in pyodide_dir.iterdir() if not p.name.endswith((".gz", ".br"))}
    assert served - core == listed
    for entry in packages.values():
        data = (pyodide_dir / entry["file_name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["file_name"]
        assert set(entry["depends"]) <= set(packages), entry["name"]
    assert "pandas" not in packages and "micropip" not in packages
    # SciPy's OpenBLAS is the site's one-function library (pyvizzy.site.ddot).
    openblas = packages[ddot.PACKAGE]
    assert (openblas["version"], openblas["package_type"]) == (ddot.VERSION, "shared_library")
    with zipfile.ZipFile(pyodide_dir / openblas["file_name"]) as archive:
        assert archive.read(ddot.LIBRARY) == ddot.ddot_module()
    # Our own pages, scripts and the lock (vendored third-party JS may mention its CDN in code
    # paths the site never takes; the request recording in the tests above covers those).
    own_files = [p for p in site_dir.iterdir() if p.suffix in (".html", ".js", ".css", ".json")]
    own_files.append(pyodide_dir / "pyodide-lock.json")
    names = {p.name for p in own_files}
    assert {"index.html", "worker.js", "boot.js", "early.js", "sw.js"} <= names
    for path in own_files:
        text = path.read_text(encoding="utf-8")
        for host in ("cdn.jsdelivr.net", "cdn.bokeh.org", "cdn.holoviz.org", "unpkg.com",
                     "pypi.org", "fonts.googleapis.com", "githubusercontent"):
            assert host not in text, (path.name, host)


def test_repeat_visits_load_the_pinned_files_from_the_service_worker_of_their_build(
        browser, site_dir):
    from pyvizzy.site.serve import serve_in_thread

    served: list[str] = []
    server, url = serve_in_thread(site_dir, on_request=served.append)
    build_info = site_dir / "build-info.json"
    original = build_info.read_text()
    worker = site_dir / "worker.js"
    worker_text = worker.read_text()
    assert '"memory_snapshot_key": "' in worker_text

    def rewrite(path: Path, text: str) -> None:
        path.write_text(text)
        # (the server sends the .br or .gz copy when there is one)
        for suffix, pack in ((".gz", gzip.compress), (".br", brotli.compress)):
            packed = path.with_name(path.name + suffix)
            if packed.exists():
                packed.write_bytes(pack(text.encode()))
    context = browser.new_context(viewport={"width": 1440, "height": 900})

    def visit() -> list[str]:
        served.clear()
        page = context.new_page()
        page.goto(url + "index.html")
        wait_until_trained(page)
        page.evaluate("() => navigator.serviceWorker.ready")
        page.wait_for_timeout(1000)
        page.close()
        return [path for path in served if path.endswith((".whl", "stdlib-placeholder.zip"))]

    try:
        # (the worker starts from the site's memory snapshot; the service worker still keeps
        # the wheels, for a visit whose snapshot turns out unusable)
        assert visit(), "the first visit's service worker downloads the wheels"
        assert visit() == [], ("a repeat visit takes every wheel (and the placeholder of the "
                               "standard library) from the service worker")
        # The site is rebuilt: pages of the new build must not get the old build's files (nor
        # start from the old build's memory snapshot: a new build has a new snapshot key).
        build_info.write_text(original.replace('"build_id": "', '"build_id": "other-'))
        rewrite(worker, worker_text.replace('"memory_snapshot_key": "',
                                            '"memory_snapshot_key": "other-'))
        assert visit(), "after a rebuild the wheels come from the server again"
    finally:
        build_info.write_text(original)
        rewrite(worker, worker_text)
        context.close()
        server.shutdown()
        server.server_close()


MEMORY_SNAPSHOT_FOLDER = "pyvizzy-memory-snapshot"
# The visit's memory snapshot has settled: kept (after a fresh start or a restore from the
# site's), or there is none to keep (restored from the kept one, or off).
SNAPSHOT_SETTLED = """() => window.pyvizzyLoad.live &&
    window.pyvizzyLoad.memory_snapshot_kept !== "pending";"""
SITE_SNAPSHOT = "**/memory-snapshot/*.bin"
# The kept snapshots' file names (the origin's private file system, shared by the page and
# its worker).
STORED_SNAPSHOTS = f"""async () => {{
    const root = await navigator.storage.getDirectory();
    const names = [];
    try {{
        const folder = await root.getDirectoryHandle("{MEMORY_SNAPSHOT_FOLDER}");
        for await (const name of folder.keys()) names.push(name);
    }} catch (error) {{
        if (error.name !== "NotFoundError") throw error;
    }}
    return names.sort();
}}"""
# The one kept snapshot's file handle, in the page.
KEPT_FILE = f"""const root = await navigator.storage.getDirectory();
    const folder = await root.getDirectoryHandle("{MEMORY_SNAPSHOT_FOLDER}");
    const [name] = [...await Array.fromAsync(folder.keys())];
    const file = await folder.getFileHandle(name);
    const write = async (bytes) => {{
        const writable = await file.createWritable();
        await writable.write(bytes);
        await writable.close();
    }};"""
#: A stored snapshot's prefix (memory_snapshot.js): "pyz2", the header's length, then the
#: checksum (XXH32 of all after it, seeded with that length); the JSON header follows.
PREFIX_BYTES = 12
# Rewrite the one kept snapshot's JSON header with `edit` (a JS function of the parsed
# header), keeping the rest of the file as it is, and write its checksum anew (the page has
# checksum.js added), so that only what the edit says is wrong.
EDIT_SNAPSHOT_HEADER = f"""async (edit) => {{
    {KEPT_FILE}
    const buffer = await (await file.getFile()).arrayBuffer();
    const length = new DataView(buffer).getUint32(4, true);
    const header = JSON.parse(new TextDecoder().decode(
        new Uint8Array(buffer, {PREFIX_BYTES}, length)));
    (0, eval)(edit)(header);
    let text = JSON.stringify(header);
    // Same length as before, so the memory stays where it was (pad with spaces).
    if (text.length > length) throw new Error("edited header is longer");
    text = text.padEnd(length, " ");
    const out = new Uint8Array(buffer.slice(0));
    out.set(new TextEncoder().encode(text), {PREFIX_BYTES});
    const checksum = Checksum.xxh32(length);
    checksum.update(out.subarray({PREFIX_BYTES}));
    new DataView(out.buffer).setUint32(8, checksum.digest(), true);
    await write(out);
}}"""
# Flip `count` bits of the one kept snapshot's memory (Python's, after Pyodide's own header),
# spread evenly over it; its checksum is left as it was.
FLIP_MEMORY_BITS = f"""async (count) => {{
    {KEPT_FILE}
    const out = new Uint8Array(await (await file.getFile()).arrayBuffer());
    const view = new DataView(out.buffer);
    const length = view.getUint32(4, true);
    const header = JSON.parse(new TextDecoder().decode(
        out.subarray({PREFIX_BYTES}, {PREFIX_BYTES} + length)));
    const filesEnd = header.files.reduce((end, [, size]) => end + size, {PREFIX_BYTES} + length);
    const memoryStart = Math.ceil(filesEnd / 16) * 16;
    const from = memoryStart + view.getUint32(memoryStart + 4, true);
    const span = memoryStart + header.memoryBytes - from;
    for (let i = 0; i < count; i++) {{
        out[from + Math.floor((i + 0.5) * span / count)] ^= 1 << (i % 8);
    }}
    await write(out);
}}"""
# Replace the one kept snapshot with something that is not one.
GARBLE_SNAPSHOT = f"""async () => {{
    {KEPT_FILE}
    await write(new TextEncoder().encode("not a snapshot"));
}}"""

def visit_until_settled(context, base_url: str, path: str = "index.html"):
    """Open the page in ``context``; wait until trained and the memory snapshot settled.
    Returns the page, its recorder, the app's state and ``window.pyvizzyLoad``."""
    page = context.new_page()
    recorder = Recorder(page, base_url)
    page.goto(base_url + path)
    state = wait_until_trained(page)
    page.wait_for_function(SNAPSHOT_SETTLED, timeout=60_000, polling=100)
    return page, recorder, state, page.evaluate("window.pyvizzyLoad")


def started_from(load: dict) -> tuple:
    """How the visit's Python started, and what became of its snapshot."""
    return load["memory_snapshot"], load["memory_snapshot_source"]


def wheels_downloaded(load: dict) -> list[str]:
    return [e["name"] for e in load["worker_resources"] if e["name"].endswith(".whl")]


# The header of a stored memory snapshot, as memory_snapshot.js's `parse` (the one home of the
# format) reads it for a key, checksum checked, in Node.js (the site's checksum.js and
# memory_snapshot.js run as the worker runs them, one script after the other).
PARSE_IN_NODE = """
const vm = require("vm"), fs = require("fs");
globalThis.self = globalThis;
for (const path of process.argv[1].split(",")) vm.runInThisContext(fs.readFileSync(path, "utf8"));
const bytes = fs.readFileSync(process.argv[2]);
const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
console.log(JSON.stringify(vm.runInThisContext("MemorySnapshot").parse(buffer, process.argv[3])
                          .header));
"""


def read_snapshot_header(path: Path, key: str) -> dict:
    node = shutil.which("node")
    scripts = [path.parents[1] / name for name in ("checksum.js", "memory_snapshot.js")]
    assert node and all(script.is_file() for script in scripts)
    done = subprocess.run([node, "-e", PARSE_IN_NODE, ",".join(map(str, scripts)), str(path), key],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_site_serves_the_memory_snapshot_its_worker_asks_for(site_dir):
    info = json.loads((site_dir / "build-info.json").read_text())
    worker = (site_dir / "worker.js").read_text()
    key = worker.split('"memory_snapshot_key": "')[1].split('"')[0]
    assert info["site_memory_snapshot"] == f"memory-snapshot/{key}.bin"
    assert f'"site_memory_snapshot": "memory-snapshot/{key}.bin"' in worker
    path = site_dir / info["site_memory_snapshot"]
    header = read_snapshot_header(path, key)
    names = [name for name, _ in header["files"]]
    assert any(name.endswith("/libopenblas.so") for name in names)
    assert any("/panel/" in name for name in names)
    packed = path.with_name(path.name + ".gz")
    assert gzip.decompress(packed.read_bytes()) == path.read_bytes()
    packed = path.with_name(path.name + ".br")
    assert brotli.decompress(packed.read_bytes()) == path.read_bytes()


def test_a_first_visit_starts_from_the_sites_memory_snapshot_a_repeat_visit_from_the_kept_one(
        browser, base_url, site_dir):
    key = json.loads((site_dir / "build-info.json").read_text())["site_memory_snapshot"]
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        page, recorder, first, load = visit_until_settled(context, base_url)
        # Restored from the site's snapshot, which it then kept (under the same name).
        assert started_from(load) == ("restored", "site")
        assert load["memory_snapshot_kept"] == "stored"
        assert wheels_downloaded(load) == [], "a restored worker installs no packages"
        assert_agrees_with_categorize(first)
        assert recorder.foreign() == [] and recorder.failed == []
        # The worker asked for the site's snapshot before its other scripts, and fetched the
        # dataset once, while Python started (the app took it from there).
        started = {e["name"].split("/", 3)[-1]: e["startTime"] for e in load["worker_resources"]}
        assert started[key] < started["pyodide/pyodide.asm.js"]
        datasets = [e for e in load["worker_resources"] if "/datasets/" in e["name"]]
        assert sorted(e["name"].split("/datasets/")[1] for e in datasets) == [
            f"{first['dataset']}/dataset.json", "index.json"]
        assert all(e["responseEnd"] < load["memory_snapshot_times"]["restored_at"]
                   for e in datasets)
        stored = page.evaluate(STORED_SNAPSHOTS)
        assert stored == [key.rsplit("/", 1)[1]]
        page.close()

        page, recorder, restored, load = visit_until_settled(context, base_url)
        assert started_from(load) == ("restored", "cache")
        assert load["memory_snapshot_kept"] is None
        assert page.evaluate(STORED_SNAPSHOTS) == stored
        snapshot_requests = [url for url in recorder.requests if "/memory-snapshot/" in url]
        assert snapshot_requests == [], "the kept snapshot is used, not the site's"
        # The restored interpreter trains the same model to the same probabilities.
        np.testing.assert_allclose(restored["pred_probs"], first["pred_probs"], atol=1e-12)
        assert_agrees_with_categorize(restored)
        moved = press_slider(page, "class", "ArrowLeft", 4, "s.class_percentile === 46")
        # Retraining after a relabel goes through libsvm's binding restored from the snapshot.
        index = moved["ids"].index(moved["selected"])
        old_label = moved["class_names"][moved["given"][index]]
        new_label = next(name for name in moved["class_names"] if name != old_label)
        page.locator(".pv-panel-dataset select").select_option(new_label)
        page.get_by_role("button", name="Train").click()
        retrained = wait_for_state(
            page, f"s.trained && s.train_seconds !== {json.dumps(moved['train_seconds'])}",
            60_000,
        )
        assert retrained["class_names"][retrained["given"][index]] == new_label
        assert not np.allclose(retrained["pred_probs"], moved["pred_probs"])
        assert_agrees_with_categorize(retrained)
        assert recorder.foreign() == [] and recorder.failed == []
        assert recorder.page_errors == []
        assert wheels_downloaded(load) == []
    finally:
        context.close()


@pytest.mark.parametrize("site_snapshot", ["missing", "garbage"])
def test_without_a_usable_site_snapshot_python_starts_afresh_and_keeps_its_own(
        browser, base_url, site_snapshot):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    if site_snapshot == "missing":  # (e.g. a host that does not serve such large files)
        context.route(SITE_SNAPSHOT, lambda route: route.fulfill(status=404, body="gone"))
    else:
        context.route(SITE_SNAPSHOT, lambda route: route.fulfill(status=200, body="pyz1 junk"))
    reference = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        page, recorder, fresh, load = visit_until_settled(context, base_url)
        assert started_from(load) == ("captured", None)
        assert load["memory_snapshot_kept"] == "stored"
        assert wheels_downloaded(load), "a fresh start installs the packages"
        assert_agrees_with_categorize(fresh)
        assert recorder.page_errors == []
        page.close()
        # The same probabilities as a Python restored from the site's snapshot.
        page, _, restored, load = visit_until_settled(reference, base_url)
        assert started_from(load) == ("restored", "site")
        np.testing.assert_allclose(restored["pred_probs"], fresh["pred_probs"], atol=1e-12)
        # The next visit starts from the snapshot the fresh start kept.
        page, _, again, load = visit_until_settled(context, base_url)
        assert started_from(load) == ("restored", "cache")
        np.testing.assert_allclose(again["pred_probs"], fresh["pred_probs"], atol=1e-12)
    finally:
        context.close()
        reference.close()


@pytest.mark.parametrize("damage, reason", [
    # not a snapshot at all: refused before Python starts
    ("garbage", "not a pyvizzy memory snapshot"),
    # 200 bits flipped in Python's memory (the rest whole): restored, Python would die or
    # worse; its checksum refuses it before Pyodide restores it
    ("flipped", "the memory snapshot is damaged (its checksum does not match)"),
    # a library that no longer lines up, found after four have been loaded again: the
    # half-restored interpreter is abandoned and Python starts again in the same worker
    ("(h) => { h.libraries[3].tableLengthAfter += 1; }",
     "the function table did not line up after reloading "),
])
def test_an_unusable_kept_snapshot_is_dropped_and_the_sites_used_instead(
        browser, base_url, damage, reason):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        page, _, first, load = visit_until_settled(context, base_url)
        assert load["memory_snapshot_kept"] == "stored"
        if damage == "garbage":
            page.evaluate(GARBLE_SNAPSHOT)
        elif damage == "flipped":
            page.evaluate(FLIP_MEMORY_BITS, 200)
        else:
            page.add_script_tag(url=base_url + "checksum.js")
            page.evaluate(EDIT_SNAPSHOT_HEADER, damage)
        page.close()

        page, recorder, state, load = visit_until_settled(context, base_url)
        assert started_from(load) == ("restored", "site")
        [problem] = load["memory_snapshot_problems"]
        assert problem["source"] == "cache" and problem["reason"].startswith(reason), problem
        events = [event["name"] for event in page.evaluate("window.pyvizzyLoad.events")]
        assert "memory-snapshot" in events, "the site's snapshot is kept instead"
        assert load["memory_snapshot_kept"] == "stored"
        np.testing.assert_allclose(state["pred_probs"], first["pred_probs"], atol=1e-12)
        assert_agrees_with_categorize(state)
        assert recorder.page_errors == []
        page.close()

        page, _, _, load = visit_until_settled(context, base_url)
        assert started_from(load) == ("restored", "cache")
    finally:
        context.close()


def flip_memory_bits(stored: bytes, count: int) -> bytes:
    """``stored`` (a stored memory snapshot) with ``count`` bits of Python's memory flipped,
    spread evenly over it, as FLIP_MEMORY_BITS flips them."""
    out = bytearray(stored)
    length = int.from_bytes(out[4:8], "little")
    header = json.loads(out[PREFIX_BYTES:PREFIX_BYTES + length])
    files_end = PREFIX_BYTES + length + sum(size for _, size in header["files"])
    memory_start = -(-files_end // 16) * 16
    start = memory_start + int.from_bytes(out[memory_start + 4:memory_start + 8], "little")
    span = memory_start + header["memoryBytes"] - start
    for i in range(count):
        out[start + int((i + 0.5) * span / count)] ^= 1 << (i % 8)
    return bytes(out)


def test_a_damaged_site_snapshot_is_passed_over_and_python_starts_afresh(browser, site_dir):
    # The site serves its snapshot with 200 bits of Python's memory flipped (whole otherwise,
    # of its length): its checksum refuses it, and the page works all the same.
    from pyvizzy.site.serve import SiteRequestHandler, serve_in_thread

    stored = site_dir / json.loads((site_dir / "build-info.json").read_text())[
        "site_memory_snapshot"]

    class DamagedSnapshot(SiteRequestHandler):
        body: ClassVar[bytes] = flip_memory_bits(stored.read_bytes(), 200)

        def send_head(self):
            if not self.path.startswith("/memory-snapshot/"):
                return super().send_head()
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(self.body)))
            self.end_headers()
            return io.BytesIO(self.body)

    server, url = serve_in_thread(site_dir, handler=DamagedSnapshot)
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        _, recorder, state, load = visit_until_settled(context, url)
        assert started_from(load) == ("captured", None)
        assert load["memory_snapshot_problems"] == [{
            "source": "site",
            "reason": "the memory snapshot is damaged (its checksum does not match)"}]
        assert_agrees_with_categorize(state)
        assert recorder.page_errors == [] and load["error"] is None
    finally:
        context.close()
        server.shutdown()
        server.server_close()


@contextmanager
def stalling_site(site_dir, stalls, first_bytes: int):
    """The site served with each file whose path ``stalls(path)`` sending its first
    ``first_bytes`` and then nothing, its connection open, until the block ends; yields the
    site's address."""
    from pyvizzy.site.serve import SiteRequestHandler, serve_in_thread

    release = threading.Event()

    class Stalling(SiteRequestHandler):
        def copyfile(self, source, outputfile):
            if not stalls(self.path):
                return super().copyfile(source, outputfile)
            outputfile.write(source.read(first_bytes))
            outputfile.flush()
            release.wait(120)
            return None

    server, url = serve_in_thread(site_dir, handler=Stalling)
    try:
        yield url
    finally:
        release.set()
        server.shutdown()
        server.server_close()


def with_worker_limit(context, name: str, seconds: int) -> None:
    """Make the worker's limit ``name`` (``pyvizzy.site.pages``' ``NAME``) ``seconds``."""
    from pyvizzy.site import pages

    built = f'"{name}": {getattr(pages, name.upper())},'

    def shorter(route):
        response = route.fetch()
        text = response.text()
        assert built in text
        route.fulfill(response=response, body=text.replace(built, f'"{name}": {seconds},'))

    context.route("**/worker.js", shorter)


def test_a_stalled_snapshot_download_gives_way_to_a_fresh_start(browser, site_dir):
    # The server sends the first MB of the site's snapshot and then nothing more: once no byte
    # has come for the worker's idle limit (here made 2 s), Python starts afresh.
    stalls = lambda path: path.startswith("/memory-snapshot/")  # noqa: E731
    with stalling_site(site_dir, stalls, 1 << 20) as url:
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        with_worker_limit(context, "snapshot_idle_seconds", 2)
        try:
            _, recorder, state, load = visit_until_settled(context, url)
            assert started_from(load) == ("captured", None)
            assert load["memory_snapshot_problems"] == [{
                "source": "site",
                "reason": "the memory snapshot's download stalled (no bytes for 2 s)"}]
            assert_agrees_with_categorize(state)
            assert recorder.page_errors == [] and load["error"] is None
        finally:
            context.close()


def test_a_dataset_whose_file_stalls_is_given_up_and_the_one_on_screen_kept(browser, site_dir):
    # The reader switches to a dataset whose file stops coming after its first bytes: once
    # no byte has come for the worker's idle limit (here made 2 s), the page says so, its
    # busy card goes, and the dataset on screen stays whole and live.
    catalog = json.loads((site_dir / "datasets" / "index.json").read_text(encoding="utf-8"))
    target = next(entry for entry in catalog["datasets"] if entry["key"] != catalog["default"])
    with stalling_site(site_dir, lambda path: path == f"/datasets/{target['path']}", 1000) as url:
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        with_worker_limit(context, "dataset_idle_seconds", 2)
        try:
            page = context.new_page()
            recorder = Recorder(page, url)
            page.goto(url + "index.html")
            before = wait_until_trained(page)
            started = time.monotonic()
            page.locator('[data-pv="dataset"]').select_option(target["key"])
            page.wait_for_function("document.documentElement.classList.contains('pv-busy')")
            after = wait_for_state(page, "s.error !== null", timeout_ms=60_000)
            page.wait_for_function("!document.documentElement.classList.contains('pv-busy')")
            assert time.monotonic() - started < 30
            assert after["error"] == (
                f"Could not load dataset {target['key']!r}: could not fetch datasets/"
                f"{target['path']} relative to the page: no data came for 2 s")
            assert after["dataset"] == before["dataset"] and after["trained"]
            assert after["pred_probs"] == before["pred_probs"]
            assert recorder.page_errors == []
            # Still live: a slider moves and Python answers.
            press_slider(page, "class", "ArrowRight", 1,
                         f"s.class_percentile === {before['class_percentile'] + 1}")
        finally:
            context.close()


# Another tab of the site holding the kept file (a synchronous access handle is exclusive):
# a dedicated worker, started from a page of the same origin without the site's CSP.
HOLD_KEPT_FILE = f"""async () => {{
    const source = `onmessage = async (event) => {{
        if (event.data === "release") {{ self.handle.close(); postMessage("released"); return; }}
        const root = await navigator.storage.getDirectory();
        const folder = await root.getDirectoryHandle("{MEMORY_SNAPSHOT_FOLDER}");
        const [name] = await Array.fromAsync(folder.keys());
        self.handle = await (await folder.getFileHandle(name)).createSyncAccessHandle();
        postMessage("held");
    }};`;
    window.holder = new Worker(URL.createObjectURL(new Blob([source])));
    const answer = () => new Promise((resolve) => {{ window.holder.onmessage = resolve; }});
    window.release = async () => {{ window.holder.postMessage("release"); await answer(); }};
    window.holder.postMessage("hold");
    return (await answer()).data;
}}"""


def test_a_kept_snapshot_another_tab_holds_is_passed_over_not_dropped(browser, base_url):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        page, _, first, _ = visit_until_settled(context, base_url)
        kept = page.evaluate(STORED_SNAPSHOTS)
        assert len(kept) == 1
        page.close()
        holder = context.new_page()
        holder.goto(base_url + "no-such-page")  # (a 404 page: no Content-Security-Policy)
        assert holder.evaluate(HOLD_KEPT_FILE) == "held"

        page, recorder, state, load = visit_until_settled(context, base_url)
        assert started_from(load) == ("restored", "site")
        np.testing.assert_allclose(state["pred_probs"], first["pred_probs"], atol=1e-12)
        assert recorder.page_errors == []
        assert page.evaluate(STORED_SNAPSHOTS) == kept, "the held file is left as it was"
        page.close()

        holder.evaluate("window.release()")
        page, _, _, load = visit_until_settled(context, base_url)
        assert started_from(load) == ("restored", "cache")
    finally:
        context.close()


FIRST_VIEW_DRAWN = "() => window.pyvizzyLoad && window.pyvizzyLoad.prerendered"


def test_a_first_view_that_never_arrives_does_not_hold_the_live_app(browser, base_url):
    # The first view's request hangs; Python's app is drawn all the same, and the first
    # view is never drawn over it.
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    held = []
    context.route("**/first-view/*.json", lambda route: held.append(route))  # (never answered)
    try:
        page = context.new_page()
        page.goto(base_url + "index.html")
        state = wait_until_trained(page)
        assert held, "the page asked for its first view"
        assert state["trained"] and page.evaluate("window.pyvizzyLoad.prerendered") is False
    finally:
        context.close()


@pytest.mark.parametrize("boot, message", [
    ("missing", "Could not load boot.js: the server answered 404"),
    ("throws", "The page's script boot.js failed: Uncaught Error: boot.js is broken"),
])
def test_a_page_whose_boot_script_fails_says_so_with_a_way_out(browser, base_url, boot, message):
    # Not an endless loading line: the message in its place, and a link that reloads the page
    # (which, boot.js served again, then comes up).
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.route("**/boot.js", lambda route: route.fulfill(
        status=404, body="not here") if boot == "missing" else route.fulfill(
        status=200, content_type="text/javascript", body="throw new Error('boot.js is broken');"))
    try:
        page = context.new_page()
        page.goto(base_url + "index.html?class=40")
        page.wait_for_function("() => window.pyvizzyLoad && window.pyvizzyLoad.error",
                               timeout=30_000)
        box = page.locator("#pyvizzy-error")
        assert box.is_visible() and not page.locator("#pyvizzy-progress").is_visible()
        assert page.locator(".pyvizzy-error-message").inner_text() == message
        context.unroute("**/boot.js")
        with page.expect_navigation():
            box.get_by_role("link", name="Reload the page").click()
        assert page.url == base_url + "index.html?class=40"
        assert wait_until_trained(page)["class_percentile"] == 40
    finally:
        context.close()


def _answer(answer):
    """A route handler that answers with HTTP status ``answer``, or a 200 of garbage."""
    if answer == "garbage":
        return lambda route: route.fulfill(status=200, content_type="application/json",
                                           body="<html>not JSON</html>")
    return lambda route: route.fulfill(status=answer, content_type="text/html",
                                       body=f"<html>{answer}</html>")


@pytest.mark.parametrize("path, answer, afresh, message", [
    ("pyodide/pyodide-lock.json", 404, False,
     "Could not load pyodide/pyodide-lock.json: the server answered 404"),
    ("pyodide/pyodide-lock.json", 500, True,
     "Could not load pyodide/pyodide-lock.json: the server answered 500"),
    ("pyodide/pyodide-lock.json", "garbage", True,
     "Could not load pyodide/pyodide-lock.json: it is not valid JSON (Unexpected token"),
    ("pyodide/panel-*.whl", 404, True,
     "Could not load pyodide/panel-{version}-py3-none-any.whl: the server answered 404"),
    ("pyodide/python_stdlib.zip", 404, True,
     "Could not load pyodide/python_stdlib.zip: the server answered 404"),
    ("pyodide/pyodide.js", 404, False,
     "Could not load pyodide/pyodide.js: the server answered 404"),
    ("pyodide/pyodide.asm.wasm", 500, False,
     "Could not load pyodide/pyodide.asm.wasm: the server answered 500"),
    ("worker.js", 404, False, "Could not load worker.js: the server answered 404"),
])
def test_a_failed_start_names_the_file_and_the_servers_answer(
        browser, base_url, site_dir, path, answer, afresh, message):
    # (afresh: the site's memory snapshot is not served, so Python installs the packages)
    from pyvizzy.versions import PANEL

    context = browser.new_context(viewport={"width": 1440, "height": 900})
    if afresh:
        context.route(SITE_SNAPSHOT, _answer(404))
    context.route("**/" + path, _answer(answer))
    try:
        page = context.new_page()
        page.goto(base_url + "index.html")
        page.wait_for_function("() => window.pyvizzyLoad && window.pyvizzyLoad.error",
                               timeout=LOAD_TIMEOUT_MS)
        shown = page.locator(".pyvizzy-error-message").inner_text()
        assert page.locator("#pyvizzy-error").is_visible()
        assert re.fullmatch(r"(The app failed to load \(\w+\): )?" +
                            re.escape(message.format(version=PANEL)) + ".*", shown), shown
        assert "\n" not in shown
    finally:
        context.close()


def _first_view_only(browser, base_url: str, query: str):
    """The page at ``query`` with a Python worker that never answers: only the first view."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.route("**/worker.js", lambda route: route.fulfill(
        status=200, content_type="text/javascript", body="self.onmessage = () => {};"))
    page = context.new_page()
    recorder = Recorder(page, base_url)
    page.goto(base_url + "index.html" + query)
    return page, recorder


def test_the_first_view_is_the_asked_datasets_and_says_which_settings_it_shows(
        browser, base_url, site_dir):
    assert (site_dir / "index.html").stat().st_size < 20_000  # (the views are files of their own)
    page, recorder = _first_view_only(browser, base_url, "?dataset=digits&class=70&ood=5")
    page.wait_for_function(FIRST_VIEW_DRAWN, timeout=LOAD_TIMEOUT_MS)
    first = page.evaluate("window.pyvizzyLoad.first_view")
    assert first == {"dataset": "digits", "settings": {"class": 50, "ood": 15,
                                                        "mode": "percentile"}}
    assert page.locator('[data-pv-tile^="digit-"]').count() > 0
    note = page.locator(".pyvizzy-progress-note").inner_text()
    assert note == "(showing 50 / 15 until Python has 70 / 5)"
    assert [url for url in recorder.requests if "/first-view/" in url] == [
        base_url + "first-view/digits.json"]
    page.context.close()

    default = json.loads((site_dir / "datasets" / "index.json").read_text())["default"]
    page, _ = _first_view_only(browser, base_url, "?class=50")
    page.wait_for_function(FIRST_VIEW_DRAWN, timeout=LOAD_TIMEOUT_MS)
    assert page.evaluate("window.pyvizzyLoad.first_view.dataset") == default
    assert "until Python" not in page.locator(".pyvizzy-progress-note").inner_text()
    page.context.close()


def test_a_dataset_the_build_has_no_first_view_of_shows_none_rather_than_another(
        browser, base_url):
    page, recorder = _first_view_only(browser, base_url, "?dataset=added-later")
    page.wait_for_function("() => window.Bokeh && document.readyState === 'complete'")
    page.wait_for_timeout(500)
    assert page.evaluate("window.pyvizzyLoad.prerendered") is False
    assert [url for url in recorder.requests if "/first-view/" in url] == []
    assert page.locator("#pyvizzy-progress").is_visible()
    page.context.close()


def test_every_dataset_has_a_poster_of_its_first_view(site_dir):
    from PIL import Image, ImageStat

    catalog = json.loads((site_dir / "datasets" / "index.json").read_text())
    for entry in catalog["datasets"]:
        brightness = {}
        for theme in ("", "-dark"):
            poster = site_dir / "posters" / f"{entry['key']}{theme}.webp"
            assert poster.stat().st_size <= 300_000, poster
            with Image.open(poster) as image:
                assert (image.format, image.size) == ("WEBP", (1400, 1302))
                pixels = image.convert("L")
                # a picture of the figure, not of an empty page: many shades
                assert len(pixels.getcolors(1 << 20) or []) > 100, poster
                brightness[theme] = ImageStat.Stat(pixels).mean[0]
        assert brightness["-dark"] < brightness[""] / 2  # the dark theme's


def test_a_restored_python_fetches_its_standard_library_after_the_app_is_live_or_when_needed(
        browser, site_dir):
    # A restored worker starts with an empty archive in place of the standard library's and
    # fetches the real one once the app is live (here the server holds that answer back for
    # 4 s); a module of it imported before then makes the worker fetch it at once.
    from pyvizzy.site.serve import SiteRequestHandler, serve_in_thread

    class SlowStdlib(SiteRequestHandler):
        held: ClassVar[list] = []

        def send_head(self):
            if self.path.endswith("/python_stdlib.zip") and not self.held:
                self.held.append(self.path)
                time.sleep(4)
            return super().send_head()

    served: list[str] = []
    server, url = serve_in_thread(site_dir, handler=SlowStdlib, on_request=served.append)
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        page = context.new_page()
        page.goto(url + "index.html")
        wait_until_trained(page)
        load = page.evaluate("window.pyvizzyLoad")
        assert started_from(load) == ("restored", "site")
        worker = page.workers[0]
        assert worker.evaluate("self.pyvizzyStdlib.written()") is False
        imported = worker.evaluate(
            "self.pyodide.runPython(\"import sys; fresh = 'tabnanny' not in sys.modules;"
            " import tabnanny; (fresh, tabnanny.__name__)\").toJs()")
        assert imported == [True, "tabnanny"]
        assert worker.evaluate("self.pyvizzyStdlib.written()") is True
        assert worker.evaluate("self.pyodide.runPython('import sys;"
                               " type(sys.meta_path[0]).__name__')") != "StdlibGate"
        assert [p for p in served if "stdlib" in p and p.endswith(".zip")][:1] == [
            "/stdlib-placeholder.zip"]
    finally:
        context.close()
        server.shutdown()
        server.server_close()


# Every text the progress line's percent is given, from the page's very start (boot.js
# replays the worker's first messages in one go, and a busy page handles several between two
# looks of a poll): recorded as it is set.
RECORD_PERCENTS = """
window.percentsShown = [];
new MutationObserver((records) => {
    for (const record of records) {
        if (record.target.id !== "pyvizzy-progress-percent") continue;
        for (const node of record.addedNodes) window.percentsShown.push(node.textContent);
    }
}).observe(document, { childList: true, subtree: true });
"""


def test_the_progress_line_shows_how_much_of_the_memory_snapshot_has_arrived(browser, site_dir):
    # Through a 60 Mbit/s link the site's snapshot takes a couple of seconds: the page shows
    # its share (not in the live region), rising, up to all of it.
    from pyvizzy.site.serve import Link, serve_in_thread

    server, url = serve_in_thread(site_dir, link=Link(60, 10))
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.add_init_script(RECORD_PERCENTS)
    try:
        page = context.new_page()
        page.goto(url + "index.html")
        page.wait_for_function(LIVE_AND_TRAINED, timeout=LOAD_TIMEOUT_MS)
        assert page.locator("#pyvizzy-progress-percent").get_attribute("aria-hidden") == "true"
        shown = page.evaluate("window.percentsShown")
        assert all(re.fullmatch(r"\d{1,3}\u00a0%", text) for text in shown), shown
        percents = [int(text[:-2]) for text in shown]
        assert any(1 <= percent <= 99 for percent in percents), shown
        assert percents == sorted(percents) and percents[-1] == 100, shown
        load = page.evaluate("window.pyvizzyLoad")
        assert started_from(load) == ("restored", "site")
        assert load["download_fraction"] == 1
    finally:
        context.close()
        server.shutdown()
        server.server_close()


RECORD_PROGRESS_LINES = """
window.progressLines = [];
new MutationObserver((records) => {
    for (const record of records) {
        if (record.target.id !== "pyvizzy-progress-text") continue;
        for (const node of record.addedNodes) window.progressLines.push(node.textContent);
    }
}).observe(document, { childList: true, subtree: true });
"""


def test_a_slow_load_is_said_then_taken_back_and_the_first_training_counts_as_progress(
        browser, base_url):
    # With the page's limit for a step made 0.3 s, the load is "taking unusually long" at
    # some step; once it moves on (each fold of the first training is a step), and at the
    # latest once the app is live, that error is gone: it was slow, not stuck.
    from pyvizzy.site.pages import STALL_SECONDS

    limit = f'"stall_seconds":{STALL_SECONDS}'

    def shorter_limit(route):
        response = route.fetch()
        text = response.text()
        assert limit in text
        route.fulfill(response=response, body=text.replace(limit, '"stall_seconds":0.3'))

    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.route("**/index.html*", shorter_limit)
    context.add_init_script(RECORD_PROGRESS_LINES)
    try:
        page = context.new_page()
        recorder = Recorder(page, base_url)
        page.goto(base_url + "index.html")
        page.wait_for_function("() => { const load = window.pyvizzyLoad; return load.live && "
                               "window.pyvizzy.state() && window.pyvizzy.state().trained; }",
                               timeout=LOAD_TIMEOUT_MS)
        state = page.evaluate(STATE)
        load = page.evaluate("window.pyvizzyLoad")
        assert "stalled" in [event["name"] for event in load["events"]]
        assert load["error"] is None and not load["stalled"] and state["error"] is None
        assert page.locator("#pyvizzy-error").is_hidden()
        assert "pyvizzy-failed" not in page.evaluate("document.body.className")
        folds = [line for line in page.evaluate("window.progressLines") if "Fold" in line]
        assert [line.rsplit("Fold ", 1)[1] for line in folds] == [
            f"{fold} of {N_FOLDS}." for fold in range(1, N_FOLDS + 1)]
        assert recorder.page_errors == []
    finally:
        context.close()


@pytest.mark.parametrize(("file", "status", "body", "said"), [
    ("index.json", 404, "gone", "Could not read the dataset catalog: could not fetch "
     "datasets/index.json relative to the page: the server answered 404"),
    ("index.json", 200, "<html>an error page", "Could not read the dataset catalog: "
     "datasets/index.json: not valid JSON"),
    ("default", 500, "oops", "could not fetch datasets/{path} relative to the page: the "
     "server answered 500"),
])
def test_a_catalog_or_dataset_the_server_fails_is_named_with_its_answer(
        browser, base_url, site_dir, file, status, body, said):
    catalog = json.loads((site_dir / "datasets" / "index.json").read_text(encoding="utf-8"))
    path = next(entry["path"] for entry in catalog["datasets"]
                if entry["key"] == catalog["default"])
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.route(f"**/datasets/{path if file == 'default' else file}",
                  lambda route: route.fulfill(status=status, body=body))
    try:
        page = context.new_page()
        page.goto(base_url + "index.html")
        page.wait_for_function("() => window.pyvizzyLoad.live && window.pyvizzy.state() && "
                               "window.pyvizzy.state().error", timeout=LOAD_TIMEOUT_MS)
        error = page.evaluate(STATE)["error"]
        assert said.format(path=path) in error
        assert said.format(path=path) in page.locator(".pv-note.pv-err").inner_text()
    finally:
        context.close()


def test_a_dataset_the_address_names_that_fails_is_said_over_a_working_one(browser, base_url,
                                                                           site_dir):
    # The default opens in its place, the error stays on screen (the switcher showing the
    # default does not switch again and clear it), and the address is the working set's.
    catalog = json.loads((site_dir / "datasets" / "index.json").read_text(encoding="utf-8"))
    page, recorder = open_page(browser, base_url, "index.html?dataset=missing/dataset.json")
    try:
        state = wait_until_trained(page)
        page.wait_for_timeout(1500)  # (anything the page would do next)
        state = page.evaluate(STATE)
        assert state["dataset"] == catalog["default"] and state["trained"]
        assert state["error"].startswith("Could not load dataset 'missing/dataset.json': "
                                         "could not fetch missing/dataset.json")
        assert "missing/dataset.json" in page.locator(".pv-note.pv-err").inner_text()
        assert page.locator('[data-pv="dataset"]').input_value() == catalog["default"]
        page.wait_for_function(f"location.search.includes('dataset={catalog['default']}')")
        assert recorder.page_errors == []
    finally:
        page.context.close()
