"""Time a slider change to updated views, server side (median, p95, max).

    .venv/bin/python scripts/bench_app.py                       # digits asset, else synthetic
    .venv/bin/python scripts/bench_app.py --datasets site/datasets --dataset cats-dogs-bears
    .venv/bin/python scripts/bench_app.py --browser     # also: key press -> next paint

The app is built as under ``panel serve`` and rendered into a Bokeh document, so a
slider change runs everything a real one does in Python: the state recomputes the
categorization (no training), the panels that depend on the sliders rebuild their HTML
(the joint and the result lists only send their layout: the page moves their tiles),
the Bokeh models are updated and the bridge publishes the state. Each change's document
events are then serialized into the PATCH-DOC message the browser (or Pyodide's main
thread) would receive. With ``--browser`` it also serves the app (``panel serve`` on 127.0.0.1) and,
in headless Chromium, times a slider key press to the new state arriving and to the
next paint after it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from pyvizzy.site.resources import app_script_file

REPO = Path(__file__).resolve().parents[1]


def _datasets_folder(requested: Path | None) -> Path:
    if requested is not None:
        return requested
    from pyvizzy.formats import CATALOG_FILE, CATALOG_FORMAT, DATASET_FILE
    from pyvizzy.pipeline.catalog import digits_asset_path

    if (REPO / "site" / "datasets" / CATALOG_FILE).is_file():
        return REPO / "site" / "datasets"
    folder = Path(tempfile.mkdtemp(prefix="pyvizzy-bench-"))
    digits = digits_asset_path().parent
    if (digits / DATASET_FILE).is_file():
        shutil.copytree(digits, folder / "digits")
        index = {
            "format": CATALOG_FORMAT,
            "default": "digits",
            "datasets": [{"key": "digits", "name": "digits", "path": f"digits/{DATASET_FILE}"}],
        }
        (folder / CATALOG_FILE).write_text(json.dumps(index))
        return folder
    from pyvizzy.app.synthetic import write_synthetic_catalog

    return write_synthetic_catalog(folder)


def _summary(name: str, seconds: list[float]) -> str:
    ms = np.array(seconds) * 1000
    return (
        f"{name:<34} median {np.median(ms):7.2f} ms   p95 {np.percentile(ms, 95):7.2f} ms   "
        f"max {ms.max():7.2f} ms   (n={ms.size})"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=None, help="a datasets folder")
    parser.add_argument("--dataset", default="", help="catalog key (default: the default)")
    parser.add_argument("--steps", type=int, default=200, help="slider changes to time")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--browser", action="store_true", help="also time it in Chromium")
    args = parser.parse_args(argv)

    folder = _datasets_folder(args.datasets)
    os.environ["PYVIZZY_DATASETS"] = str(folder)

    import panel as pn
    from bokeh.document import Document
    from bokeh.protocol import Protocol

    from pyvizzy.app.controller import PyvizzyApp
    from pyvizzy.app.joint_panel import joint_layout, render_joint
    from pyvizzy.confident import categorize

    pn.extension()
    started = time.perf_counter()
    app = PyvizzyApp()
    app.start(f"?dataset={args.dataset}" if args.dataset else "")
    built = time.perf_counter() - started
    if app.state.error:
        print(app.state.error)
        return 1
    document = Document()
    root = app.view().get_root(document)
    document.add_root(root)
    events = []
    document.on_change(events.append)
    protocol = Protocol()

    state = app.state
    print(
        f"dataset {state.dataset_key!r}: {state.dataset.n_items} items, {state.n_classes} "
        f"classes; load + 5-fold training {state.train_seconds:.3f} s "
        f"(app built in {built:.2f} s)"
    )
    rng = np.random.default_rng(args.seed)
    sliders = app.sliders_panel.sliders
    python_times = {"class": [], "ood": []}
    total_times = []
    patch_bytes = []
    trainings = state.train_revision
    for step in range(args.steps):
        name = "class" if step % 2 == 0 else "ood"
        attribute = f"{name}_percentile"
        value = int(rng.integers(0, 101))
        while value == getattr(sliders, attribute):
            value = int(rng.integers(0, 101))
        events.clear()
        tick = time.perf_counter()
        setattr(sliders, attribute, value)
        updated = time.perf_counter()
        message = protocol.create("PATCH-DOC", list(events))
        size = len(message.header_json) + len(message.content_json)
        done = time.perf_counter()
        python_times[name].append(updated - tick)
        total_times.append(done - tick)
        patch_bytes.append(size)
    assert state.train_revision == trainings, "a slider change must never retrain"

    categorize_times, layout_times, joint_times = [], [], []
    for _ in range(100):
        tick = time.perf_counter()
        categorize(state.pred_probs, state.labels, 37, 12, "percentile")
        categorize_times.append(time.perf_counter() - tick)
        tick = time.perf_counter()
        joint_layout(state)
        layout_times.append(time.perf_counter() - tick)
        tick = time.perf_counter()
        render_joint(state)
        joint_times.append(time.perf_counter() - tick)

    print(_summary("class slider -> views updated", python_times["class"]))
    print(_summary("OOD slider -> views updated", python_times["ood"]))
    print(_summary("... + PATCH-DOC serialized", total_times))
    print(_summary("  of which categorize()", categorize_times))
    print(_summary("  of which the joint's layout", layout_times))
    print(_summary("the joint's HTML (once per model)", joint_times))
    print(
        f"PATCH-DOC size: median {statistics.median(patch_bytes) / 1024:.1f} KiB, "
        f"max {max(patch_bytes) / 1024:.1f} KiB"
    )
    if args.browser:
        _bench_browser(folder, args.dataset, min(args.steps, 60))
    return 0


_TIMER_JS = """() => {
  window.benchTimes = []
  document.addEventListener('keydown', () => { window.benchKey = performance.now() }, true)
  const api = window.pyvizzy
  const merge = api.merge
  api.merge = () => {
    merge()
    const arrived = performance.now()
    const key = window.benchKey
    requestAnimationFrame(() => setTimeout(() => {
      window.benchTimes.push([arrived - key, performance.now() - key])
    }, 0))
  }
}"""


def _bench_browser(folder: Path, dataset: str, presses: int) -> None:
    import socket
    import subprocess
    import sys
    import urllib.request

    from playwright.sync_api import sync_playwright

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "panel", "serve", str(app_script_file()),
         "--address", "127.0.0.1", "--port", str(port),
         "--allow-websocket-origin", f"127.0.0.1:{port}", "--static-dirs", f"datasets={folder}"],
        env={**os.environ, "PYVIZZY_DATASETS": str(folder)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/main" + (f"?dataset={dataset}" if dataset else "")
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(url, timeout=2).close()
                break
            except OSError:
                time.sleep(0.3)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
            )
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.goto(url)
            page.wait_for_function("window.pyvizzy && window.pyvizzy.state()", timeout=60_000)
            page.evaluate(_TIMER_JS)
            sliders = (('[data-pv="class-slider"]', "ArrowLeft"),
                       ('[data-pv="ood-slider"]', "ArrowRight"))
            for selector, key in sliders:
                page.locator(f"{selector} input").focus()
                for _ in range(presses // 2):
                    before = page.evaluate("window.benchTimes.length")
                    page.keyboard.press(key)
                    page.wait_for_function(f"window.benchTimes.length > {before}")
            times = np.array(page.evaluate("window.benchTimes"))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    print(_summary("browser: key -> new state", list(times[:, 0] / 1000)))
    print(_summary("browser: key -> next paint", list(times[:, 1] / 1000)))


if __name__ == "__main__":
    raise SystemExit(main())
