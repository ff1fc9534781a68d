#!/usr/bin/env python3
"""Where a slider move's time goes in the browser: a Chromium trace of key presses, summed.

    .venv/bin/python scripts/profile_slider.py --site site [--moves 20] [--trace trace.json]
                                               [--table 2000x10]

Serves the built site on 127.0.0.1, opens it twice in one headless Chromium profile (the
second visit is a repeat visit: memory snapshot and compiled code kept), moves the class
slider by key presses while Chromium traces, and prints per move the CPU time of each step
on the critical path: the page's main thread (the key's handling and Python's patches applied,
then style, layout, paint, pre-paint, layerize and commit of each frame), Python in the
worker, and raster. CPU time (the trace's thread time) moves less with other jobs' load
than wall time, which ``bench_site.py`` reports.
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_site import KEY_LISTENER, READY, SNAPSHOT_SETTLED, large_dataset, timed_press

from pyvizzy.site.chromium import CHROMIUM, CHROMIUM_ARGS
from pyvizzy.site.serve import serve_in_thread

CATEGORIES = ["devtools.timeline", "disabled-by-default-devtools.timeline", "blink", "v8.execute"]
#: (thread, trace event) -> the row it is reported as.
STEPS = {
    ("CrRendererMain", "EventDispatch"): "page: input events (the key, the slider)",
    ("CrRendererMain", "HandlePostMessage"): "page: Python's patches applied",
    ("CrRendererMain", "UpdateLayoutTree"): "page: style",
    ("CrRendererMain", "Layout"): "page: layout",
    ("CrRendererMain", "PrePaint"): "page: pre-paint",
    ("CrRendererMain", "Paint"): "page: paint",
    ("CrRendererMain", "Layerize"): "page: layerize (compositing)",
    ("CrRendererMain", "Commit"): "page: commit to the compositor",
    ("DedicatedWorker thread", "HandlePostMessage"): "worker: Python (one change message)",
    ("ThreadPoolForegroundWorker", "RasterTask"): "raster",
}


def trace_moves(site: Path, moves: int, table: str | None = None,
                ) -> tuple[list[dict], list[float]]:
    """Chromium's trace events of ``moves`` key presses on a repeat visit, and the latencies
    (``table``: on a generated table of that size, ``ITEMSxCLASSES``, opened first)."""
    from playwright.sync_api import sync_playwright

    _server, base = serve_in_thread(site)
    url = base + "index.html"
    events: list[dict] = []
    done: list[bool] = []
    latencies = []
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS,
            viewport={"width": 1440, "height": 900},
        )
        for _visit in range(2):
            page = context.new_page()
            page.goto(url)
            page.wait_for_function(READY, timeout=180_000, polling="raf")
            page.wait_for_function(SNAPSHOT_SETTLED, timeout=60_000, polling=100)
            if _visit == 0:
                page.close()
        if table:
            large_dataset(page, Path(profile), table, 0, 0)
        time.sleep(1.0)
        page.locator('[data-pv="class-slider"] input').focus()
        page.evaluate(KEY_LISTENER)

        def move(step: int) -> float:
            return timed_press(page, step)[0]

        for step in range(4):  # not traced: the first moves of a visit
            move(step)
        cdp = context.new_cdp_session(page)
        cdp.on("Tracing.dataCollected", lambda message: events.extend(message["value"]))
        cdp.on("Tracing.tracingComplete", lambda _message: done.append(True))
        cdp.send("Tracing.start", {"traceConfig": {"includedCategories": CATEGORIES},
                                   "transferMode": "ReportEvents"})
        latencies = [move(step) for step in range(moves)]
        cdp.send("Tracing.end")
        while not done:
            page.wait_for_timeout(100)
        context.close()
    return events, latencies


def cpu_per_move(events: list[dict], moves: int) -> dict[str, float]:
    """Milliseconds of thread time per move for each row of :data:`STEPS`."""
    threads = {
        (event["pid"], event["tid"]): event["args"]["name"]
        for event in events if event.get("ph") == "M" and event.get("name") == "thread_name"
    }
    totals: collections.Counter = collections.Counter()
    for event in events:
        if event.get("ph") != "X":
            continue
        row = STEPS.get((threads.get((event["pid"], event["tid"])), event["name"]))
        if row is not None:
            totals[row] += event.get("tdur", event.get("dur", 0)) / 1000
    return {row: totals[row] / moves for row in dict.fromkeys(STEPS.values())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=Path("site"))
    parser.add_argument("--moves", type=int, default=20)
    parser.add_argument("--table", default=None, metavar="ITEMSxCLASSES",
                        help="move the sliders on a generated table of this size (2000x10)")
    parser.add_argument("--trace", type=Path, default=None, help="also save the raw trace")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        print(f"{args.site}: no built site (make site)", file=sys.stderr)
        return 1
    events, latencies = trace_moves(args.site, args.moves, args.table)
    if args.trace:
        args.trace.write_text(json.dumps(events), encoding="utf-8")
    print(f"Site: {args.site}, repeat visit, {args.moves} key presses on the class slider.\n")
    print("| step | CPU ms per move |\n| --- | --- |")
    for row, value in cpu_per_move(events, args.moves).items():
        print(f"| {row} | {value:.2f} |")
    ordered = sorted(latencies)
    print(f"\nKeydown to the paint showing the new state (wall time, traced): median "
          f"{statistics.median(ordered):.1f} ms, max {ordered[-1]:.1f} ms.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
