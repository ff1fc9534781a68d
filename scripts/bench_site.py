#!/usr/bin/env python3
"""Benchmark the built static site in headless Chromium and print a table.

    .venv/bin/python scripts/bench_site.py --site site [--cold 5 --repeat 5 --moves 20 --jumps 8]

Serves the site on 127.0.0.1, then measures:
- cold loads, each with a fresh browser profile (empty HTTP cache, no service worker);
- repeat visits in the last cold load's profile (HTTP cache, service worker and the Python
  memory snapshot kept in the private file system);
for each: first paint (the pre-rendered snapshot), interactive (trained and the sliders live),
the Python phases (runtime + packages, imports, app build), the in-browser 5-fold training
time and the bytes transferred. Then the slider-to-redraw latency over ``--moves`` arrow-key
presses on the class slider (from the keydown event to the paint of the first frame that shows
the new state), and over ``--jumps`` PageUp presses on the OOD slider (10 steps each: past the
settings the worker computes ahead, so these wait for Python), on the last cold load and on
the last repeat visit at 1440x900, then on one more repeat visit at each ``--size`` (a phone's
390x844 and a blog column's 700x650 by default), with how many presses were drawn from a payload
computed ahead; and the 10 largest files of a cold load. Then, for each ``--large`` size, a
generated table opened with the file picker: the seconds until it is trained and drawn, and
the slider latencies at that size. Then ``--network-cold`` cold loads
through each ``--network`` (bandwidth and round trip, emulated by the benchmark's own server
for every download: the page's and the Python worker's), with what bounds them: the bytes to
download at that bandwidth, and the rest.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pyvizzy.site.chromium import CHROMIUM, CHROMIUM_ARGS, IMAGES_SHOWN
from pyvizzy.site.serve import Link, serve_in_thread

READY = """() => {
    const load = window.pyvizzyLoad;
    if (load && load.error) { return true; }
    const s = load && load.live && window.pyvizzy && window.pyvizzy.state && window.pyvizzy.state();
    return !!(s && s.trained);
}"""
TIMINGS = """() => {
    const load = window.pyvizzyLoad;
    const paint = performance.getEntriesByType('paint');
    const first = paint.find((e) => e.name === 'first-contentful-paint') || paint[0];
    const at = (name) => {
        const e = load.events.find((x) => x.name === name);
        return e ? e.t : null;
    };
    const inWorker = (name) => {
        const e = load.events.find((x) => x.name === name);
        return e ? e.worker_t : null;
    };
    const s = window.pyvizzy.state();
    return {
        first_paint: first ? first.startTime : null,
        snapshot: at('prerendered'),
        worker_start: inWorker('status:pyodide'),
        // the page's clock when the worker's started
        worker_offset: (load.events.find((x) => x.name === 'status:pyodide') || {}).worker_started
            ?? null,
        imports_start: inWorker('status:imports'),
        app_start: inWorker('status:app'),
        render_start: inWorker('status:render'),
        live: at('live'),
        interactive: performance.now(),
        train_seconds: s ? s.train_seconds : null,
        memory_snapshot: load.memory_snapshot,
        memory_snapshot_source: load.memory_snapshot_source,
        snapshot_read: (load.memory_snapshot_times || {}).read_at ?? null,
        snapshot_restored: (load.memory_snapshot_times || {}).restored_at ?? null,
        error: load.error,
    };
}"""
# The first visit has kept its memory snapshot (or will not): repeat visits may start from it.
SNAPSHOT_SETTLED = """() => window.pyvizzyLoad.live &&
    window.pyvizzyLoad.memory_snapshot_kept !== "pending";"""
# Key press to the paint of the first frame that shows the new state: the key's time is the
# keydown event's own timestamp, recorded by a capturing listener (it runs before the slider's
# own), which also starts watching the frames: the state is checked in each animation-frame
# callback, and a task posted from the callback that finds it runs once that frame has been
# painted. (Watching from the page, not from the benchmark after the key press returns, keeps
# the benchmark's own round trip out of the figure: a frame painted meanwhile is counted. The
# state is read in place: window.pyvizzy.state() makes a copy, 13 ms for 2,000 x 10 items.)
KEY_LISTENER = """() => {
    window.addEventListener("keydown", (e) => {
        const keyAt = e.timeStamp;
        const [field, expected] = window.__benchExpected;
        window.__benchMove = new Promise((resolve) => {
            const check = () => {
                const s = window.pyvizzy.page.state;  // (state() copies all of it)
                if (!s || s[field] !== expected) { requestAnimationFrame(check); return; }
                const channel = new MessageChannel();
                channel.port1.onmessage = () => resolve(performance.now() - keyAt);
                channel.port2.postMessage(0);
            };
            requestAnimationFrame(check);
        });
    }, { capture: true });
}"""
MOVE = "() => window.__benchMove"
BEFORE_MOVE = """([field, delta]) => {
    window.__benchExpected = [field, window.pyvizzy.page.state[field] + delta];
    return (window.pyvizzyLoad.lookahead || {hits: 0}).hits;
}"""
HITS = "() => (window.pyvizzyLoad.lookahead || {hits: 0}).hits"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


RESOURCES = """() => {
    const page = performance.getEntriesByType('navigation').concat(
        performance.getEntriesByType('resource'));
    const all = page.map((e) => ({name: e.name, transferSize: e.transferSize,
                                  decodedBodySize: e.decodedBodySize}));
    return all.concat(window.pyvizzyLoad.worker_resources || []);
}"""


def visit(context, url: str):
    """Open the page in ``context``: its timings, its downloads, and the page.

    Downloads come from Resource Timing, in the page and in the Python worker (which reports
    its own): (url, bytes over the network incl. headers, decoded bytes); a file served from
    the HTTP cache or the service worker's cache counts 0 bytes over the network.
    """
    page = context.new_page()
    page.goto(url)
    page.wait_for_function(READY, timeout=180_000, polling="raf")
    page.wait_for_function("() => window.pyvizzyLoad.worker_resources !== undefined",
                           timeout=30_000)
    timings = page.evaluate(TIMINGS)
    if timings["error"]:
        raise RuntimeError(f"the app failed to load: {timings['error']}")
    files = [(e["name"], e["transferSize"] or 0, e["decodedBodySize"] or 0)
             for e in page.evaluate(RESOURCES)]
    return timings, files, page


#: The key presses measured: name -> (slider, key up, key down, slider steps a press, presses
#: each way in turn). The worker computes ahead the settings up to 4 steps along the slider
#: moved last and 2 across: PageUp on the OOD slider (only up: nothing there was visited)
#: goes past them, to settings that wait for Python.
PRESSES = {
    "class slider, arrow keys (1 step a press)": ("class", "ArrowRight", "ArrowLeft", 1, 10),
    "OOD slider, PageUp (10 steps a press, to settings not computed ahead)": (
        "ood", "PageUp", "PageDown", 10, 1000),
}


def timed_press(page, step: int, keys=None) -> tuple[float, bool]:
    """Key press number ``step`` on the focused slider (``keys``: one of :data:`PRESSES`, by
    default the first), after :data:`KEY_LISTENER`: ms to the first painted frame showing it,
    and whether it was drawn from a payload computed ahead."""
    slider, up, down, size, each_way = keys or next(iter(PRESSES.values()))
    key, delta = (up, size) if (step // each_way) % 2 == 0 else (down, -size)
    hits_before = page.evaluate(BEFORE_MOVE, [f"{slider}_percentile", delta])
    page.keyboard.press(key)
    return page.evaluate(MOVE), page.evaluate(HITS) > hits_before


def cold_visit(playwright, profile: Path, url: str):
    """A cold visit (a fresh profile): (timings with bytes and requests, files, context,
    page)."""
    context = playwright.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS,
        viewport={"width": 1440, "height": 900},
    )
    timings, files, page = visit(context, url)
    timings["bytes"] = sum(size for _, size, _ in files)
    timings["requests"] = len(files)
    return timings, files, context, page


def network_lines(site: Path, playwright, profiles: Path, links: list[Link], runs: int,
                  send_compressed: bool) -> list[str]:
    """``runs`` cold visits through each of ``links``: the report's rows."""
    if runs <= 0 or not links:
        return []
    lines = ["Cold visits through an emulated network (the benchmark's server paces every "
             f"response; {runs} each, median (min-max), seconds):", "",
             "| network | first paint | interactive | MB | the MB at that bandwidth | "
             "memory snapshot read (page clock) | after it: restore, app, train |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for link in links:
        server, base = serve_in_thread(site, send_compressed=send_compressed, link=link)
        visits = []
        try:
            for run in range(runs):
                timings, _files, context, _page = cold_visit(
                    playwright, profiles / f"network-{link.mbit_per_s:g}-{run}",
                    base + "index.html")
                context.close()
                visits.append(timings)
                print(f"{link}, cold {run + 1}: interactive "
                      f"{timings['interactive'] / 1000:.2f} s", file=sys.stderr)
        finally:
            server.shutdown()
        wire = [v["bytes"] * 8 / (link.mbit_per_s * 1e6) * 1000 for v in visits]
        read_at = [(v, v["snapshot_read"] + v["worker_offset"]) for v in visits
                   if v["snapshot_read"] is not None and v["worker_offset"] is not None]
        read = [at for _, at in read_at]
        after = [v["interactive"] - at for v, at in read_at]
        lines.append(
            f"| {link} | {fmt([v['first_paint'] for v in visits], 1000)} | "
            f"{fmt([v['interactive'] for v in visits], 1000)} | "
            f"{fmt([v['bytes'] for v in visits], 1e6, 1)} | {fmt(wire, 1000)} | "
            f"{fmt(read, 1000)} | {fmt(after, 1000)} |")
    return [*lines, ""]


def slider_latencies(page, moves: int, jumps: int) -> dict:
    """Per kind of :data:`PRESSES` (``moves`` arrow presses, ``jumps`` page presses): the
    latencies, Python's time per change message, the page's time per patch applied, and
    whether each press was drawn from a payload computed ahead."""
    page.evaluate(KEY_LISTENER)
    measured = {}
    for (name, keys), count in zip(PRESSES.items(), (moves, jumps), strict=True):
        page.locator(f'[data-pv="{keys[0]}-slider"] input').focus()
        page.evaluate("() => { window.pyvizzyLoad.python_ms.length = 0;"
                      " window.pyvizzyLoad.apply_ms.length = 0; }")
        presses = [timed_press(page, step, keys) for step in range(count)]
        measured[name] = (
            [latency for latency, _ in presses],
            page.evaluate("() => window.pyvizzyLoad.python_ms.slice()"),
            page.evaluate("() => window.pyvizzyLoad.apply_ms.slice()"),
            [hit for _, hit in presses],
        )
    return measured


def large_dataset(page, folder: Path, size: str, moves: int, jumps: int) -> dict:
    """A generated table of ``size`` (``ITEMSxCLASSES``, 32 dimensions) opened in ``page``
    with the file picker: seconds from choosing it to the trained state on the page,
    Python's training, and the slider latencies at that size."""
    from pyvizzy.app.synthetic import synthetic_table

    n_items, n_classes = (int(n) for n in size.split("x"))
    table = folder / f"table-{size}.csv"
    table.write_text(synthetic_table(n_items, n_classes), encoding="utf-8")
    started = time.perf_counter()
    page.locator('[data-pv="open-dataset"]').set_input_files(str(table))
    page.wait_for_function(
        f"() => {{ const s = window.pyvizzy.state(); return !!s && s.trained && "
        f"s.dataset === 'file:{table.name}' }}", timeout=900_000, polling=100)
    opened = time.perf_counter() - started
    state = page.evaluate("window.pyvizzy.state()")
    if state["error"]:
        raise RuntimeError(f"{table.name}: {state['error']}")
    page.wait_for_timeout(500)
    return {"open_s": opened, "train_s": state["train_seconds"],
            "sliders": slider_latencies(page, moves, jumps)}


def large_lines(measured: dict) -> list[str]:
    """The report's rows for the reader's own large datasets (:func:`large_dataset`)."""
    if not measured:
        return []
    lines = ["A reader's own table opened with the file picker (a repeat visit at 1440x900, "
             "32 dimensions; read, validated, trained, drawn):", "",
             "| items x classes | chosen to drawn, s | of which 5-fold training, s | "
             "slider p95, arrow keys, ms | slider p95, PageUp, ms |",
             "| --- | --- | --- | --- | --- |"]
    for size, result in measured.items():
        arrows, pages = (result["sliders"][name][0] for name in PRESSES)
        lines.append(f"| {size} | {result['open_s']:.1f} | {result['train_s']:.1f} | "
                     f"{percentile(arrows, 95):.1f} | {percentile(pages, 95):.1f} |")
    return [*lines, ""]


def _summary(values: list[float]) -> str:
    if not values:
        return "n/a"
    return f"median {statistics.median(values):.1f} ms, p95 {percentile(values, 95):.1f} ms"


def slider_lines(sliders: dict) -> list[str]:
    """The slider paragraphs of the report, per visit and window size measured."""
    lines = []
    for where, measured in sliders.items():
        for name, (latencies, python_ms, apply_ms, hits) in measured.items():
            if not latencies:
                continue
            split = []
            for part_name, wanted in (("drawn from a payload computed ahead", True),
                                      ("waiting for Python", False)):
                part = [ms for ms, hit in zip(latencies, hits, strict=True) if hit == wanted]
                split.append(f"{part_name}: {len(part)}" + (f" ({_summary(part)})" if part else ""))
            lines += [
                f"Slider to redraw on {where} ({name}, {len(latencies)} "
                f"presses; from the keydown event to the paint of the first frame "
                f"showing the new state): {_summary(latencies)}, max {max(latencies):.1f} ms; "
                f"of which Python in the worker per change message: {_summary(python_ms)}; "
                f"the page applying Python's patches (main thread) per patch: "
                f"{_summary(apply_ms)}; presses {', '.join(split)}.",
                "",
            ]
    return lines


def fmt(values: list[float], scale: float = 1.0, digits: int = 2) -> str:
    values = [v for v in values if v is not None]
    if not values:
        return "n/a"
    low, middle, high = (min(values) / scale, statistics.median(values) / scale,
                         max(values) / scale)
    return f"{middle:.{digits}f} ({low:.{digits}f}-{high:.{digits}f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=Path("site"))
    parser.add_argument("--cold", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--moves", type=int, default=20, help="arrow-key presses")
    parser.add_argument("--jumps", type=int, default=8, help="PageUp presses (at most 8)")
    parser.add_argument("--size", action="append", default=None,
                        help="also measure the sliders on a repeat visit at this window "
                             "size (repeatable; default: 390x844, a phone, and 700x650, a "
                             "blog column)")
    parser.add_argument("--network", action="append", default=None, type=Link.parse,
                        help="also time cold loads through this network, MBIT/RTT_MS "
                             "(repeatable; default: 20/40 and 5/100)")
    parser.add_argument("--network-cold", type=int, default=2,
                        help="cold loads through each --network (0: none)")
    parser.add_argument("--large", action="append", default=None, metavar="ITEMSxCLASSES",
                        help="open a generated table of this size with the file picker "
                             "(repeatable; default 2000x10 and 5000x20; 0 for none)")
    parser.add_argument("--no-gzip", action="store_true", help="serve without compression")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("--screenshot", type=Path, default=None,
                        help="also save a 1440x900 screenshot of the live page here (PNG)")
    parser.add_argument("--screenshot-query", default="?dataset=digits",
                        help="address parameters for the screenshot (default: the digits "
                             "set, our own data)")
    args = parser.parse_args(argv)
    args.size = args.size or ["390x844", "700x650"]
    args.network = args.network or [Link(20, 40), Link(5, 100)]
    args.large = [size for size in args.large or ["2000x10", "5000x20"] if size != "0"]

    from playwright.sync_api import sync_playwright

    server, base = serve_in_thread(args.site, send_compressed=not args.no_gzip)
    url = base + "index.html"
    cold, repeat = [], []
    sliders = {}  # "the cold visit at 1440x900", ...: slider_latencies(...)
    largest: list = []
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profiles:
        context = None
        for run in range(args.cold):
            if context is not None:
                context.close()
            timings, files, context, page = cold_visit(
                playwright, Path(profiles) / f"profile-{run}", url)
            cold.append(timings)
            largest = sorted(files, key=lambda f: -f[1])[:10]
            print(f"cold {run + 1}: interactive {timings['interactive'] / 1000:.2f} s, "
                  f"{timings['bytes'] / 1e6:.1f} MB (memory snapshot: "
                  f"{timings['memory_snapshot']}, {timings['memory_snapshot_source']})",
                  file=sys.stderr)
            if run == args.cold - 1:
                sliders["the cold visit at 1440x900"] = slider_latencies(page, args.moves,
                                                                         args.jumps)
                page.evaluate("() => navigator.serviceWorker && navigator.serviceWorker.ready")
                page.wait_for_function(SNAPSHOT_SETTLED, timeout=60_000, polling=100)
                time.sleep(1.0)
            page.close()
        for run in range(args.repeat):
            timings, files, page = visit(context, url)
            timings["bytes"] = sum(size for _, size, _ in files)
            timings["requests"] = len(files)
            repeat.append(timings)
            print(f"repeat {run + 1}: interactive {timings['interactive'] / 1000:.2f} s "
                  f"(memory snapshot: {timings['memory_snapshot']}, "
                  f"{timings['memory_snapshot_source']})", file=sys.stderr)
            if run == args.repeat - 1:
                sliders["the repeat visit at 1440x900"] = slider_latencies(page, args.moves,
                                                                           args.jumps)
            page.close()
        for size in args.size:  # one more repeat visit each, the sliders where they start
            timings, files, page = visit(context, url)
            width, height = (int(n) for n in size.split("x"))
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_timeout(500)  # (the layout for the size, and its joint)
            sliders[f"a repeat visit at {size}"] = slider_latencies(page, args.moves, args.jumps)
            page.close()
        large = {}
        if args.large:
            _timings, _files, page = visit(context, url)
            for size in args.large:
                large[size] = large_dataset(page, Path(profiles), size, args.moves, args.jumps)
                print(f"{size}: drawn {large[size]['open_s']:.1f} s after it was chosen",
                      file=sys.stderr)
            page.close()
        if args.screenshot:
            page = context.new_page()
            page.goto(url + args.screenshot_query)
            page.wait_for_function(READY, timeout=180_000)
            page.wait_for_function(IMAGES_SHOWN, timeout=30_000, polling=100)
            page.wait_for_timeout(200)
            args.screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.screenshot))
            print(f"screenshot: {args.screenshot}", file=sys.stderr)
            page.close()
        context.close()
        server.shutdown()
        networks = network_lines(args.site, playwright, Path(profiles), args.network,
                                 args.network_cold, not args.no_gzip)

    def row(name, key, scale=1000.0, digits=2):
        return (f"| {name} | {fmt([r[key] for r in cold], scale, digits)} | "
                f"{fmt([r[key] for r in repeat], scale, digits)} |")

    def restored_from(runs, source):
        count = sum(r["memory_snapshot"] == "restored" and r["memory_snapshot_source"] == source
                    for r in runs)
        return f"{count} of {len(runs)}"

    def phase(runs, start, end):
        return [r[end] - r[start] for r in runs if r[start] is not None and r[end] is not None]

    lines = [
        f"Site: {args.site} ({'gzip' if not args.no_gzip else 'no compression'}), "
        f"{args.cold} cold loads (fresh profile each), {args.repeat} repeat visits; "
        "median (min-max), seconds unless stated.",
        "",
        "| measure | cold | repeat visit |",
        "| --- | --- | --- |",
        row("first paint (snapshot)", "first_paint"),
        row("interactive (trained, sliders live)", "interactive"),
        f"| - Python runtime + packages | {fmt(phase(cold, 'worker_start', 'imports_start'), 1000)}"
        f" | {fmt(phase(repeat, 'worker_start', 'imports_start'), 1000)} |",
        "|   - the memory snapshot read (cold: downloaded; repeat: the kept file), "
        f"while Pyodide starts | {fmt(phase(cold, 'worker_start', 'snapshot_read'), 1000)} | "
        f"{fmt(phase(repeat, 'worker_start', 'snapshot_read'), 1000)} |",
        "|   - then the memory restored and the libraries reloaded | "
        f"{fmt(phase(cold, 'snapshot_read', 'snapshot_restored'), 1000)} | "
        f"{fmt(phase(repeat, 'snapshot_read', 'snapshot_restored'), 1000)} |",
        "| - imports (Panel, libsvm, the app's modules) | "
        f"{fmt(phase(cold, 'imports_start', 'app_start'), 1000)}"
        f" | {fmt(phase(repeat, 'imports_start', 'app_start'), 1000)} |",
        f"| - app: load data, train, build | {fmt(phase(cold, 'app_start', 'render_start'), 1000)}"
        f" | {fmt(phase(repeat, 'app_start', 'render_start'), 1000)} |",
        row("in-browser 5-fold training", "train_seconds", 1.0, 3),
        row("MB transferred (from the network)", "bytes", 1e6, 1),
        row("requests", "requests", 1.0, 0),
        "| started from a memory snapshot (cold: the site's; repeat: the one kept) | "
        f"{restored_from(cold, 'site')} | {restored_from(repeat, 'cache')} |",
        "",
        *slider_lines(sliders),
        *large_lines(large),
        *networks,
        "10 largest files of a cold load:",
        "",
        "| file | KB on the wire | KB decoded |",
        "| --- | --- | --- |",
        *(f"| {u.replace(base, '')} | {size / 1024:.0f} | {decoded / 1024:.0f} |"
          for u, size, decoded in largest),
    ]
    print("\n".join(lines))
    if args.json:
        args.json.write_text(json.dumps({"cold": cold, "repeat": repeat,
                                         "slider_ms": {k: {name: v[0] for name, v in m.items()}
                                                       for k, m in sliders.items()},
                                         "slider_hits": {k: {name: v[3] for name, v in m.items()}
                                                         for k, m in sliders.items()},
                                         "largest": largest}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
