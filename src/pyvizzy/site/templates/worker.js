// pyvizzy's Pyodide Web Worker: Python (Pyodide 0.27.7) runs here, off the page's main thread.
// Its Python half is the module pyvizzy.app.worker_runtime (preload, build_page, WorkerPage).
// Adapted from Panel 1.7.5's pyodide_worker.js (BSD-3-Clause), rewritten to load every file
// from this site: Pyodide core and wheels from ./pyodide/ through the site's own
// pyodide-lock.json (no micropip, no package index), nothing from a CDN.
// Python starts from a memory snapshot of this build (memory_snapshot.js) when there is one:
// the one an earlier visit kept (the origin's private file system), else the site's own (made
// at build time); and else afresh.
/* global loadPyodide, MemorySnapshot, SnapshotStore, SnapshotDownload, DatasetsAhead, LoadErrors,
   deferStdlib, fetchStdlibLater */
"use strict";

const CONFIG = __PYVIZZY_WORKER_CONFIG__;
const SNAPSHOT_KEY = CONFIG.memory_snapshot_key;

// A request for one of Pyodide's files or the standard library's placeholder that fails is
// what a failed start names (load_errors.js).
importScripts("load_errors.js");
LoadErrors.watch([CONFIG.pyodide_url, CONFIG.stdlib_placeholder]);

// First look for a kept snapshot; where there is none, the site's starts downloading before
// the other scripts load (startApplication). A kept one is read once Pyodide has started
// fetching its own files.
LoadErrors.importScripts("snapshot_store.js", "snapshot_download.js", "datasets_ahead.js");
const keptSnapshot = SNAPSHOT_KEY
  ? SnapshotStore.find(SNAPSHOT_KEY).catch((error) => {
    // (e.g. a browser that gives the page no private file system)
    console.info("pyvizzy: no kept memory snapshot (the private file system is unreadable)",
      error);
    return null;
  })
  : Promise.resolve(null);
// The site's snapshot: given up when no byte arrives for CONFIG.snapshot_idle_seconds (then
// Python starts afresh); the page is told how much of it has arrived.
let siteSnapshotDownload = null;
function siteSnapshot() {
  if (!SNAPSHOT_KEY || !CONFIG.site_memory_snapshot) return Promise.resolve(null);
  siteSnapshotDownload ||= SnapshotDownload.start(CONFIG.site_memory_snapshot, {
    idleSeconds: CONFIG.snapshot_idle_seconds,
    lengthOf: (head) => MemorySnapshot.storedLength(head),
    onProgress: (fraction) => self.postMessage({ type: "progress", fraction: fraction }),
  }).catch((error) => {
    passedOver("site", error);
    return null;
  });
  return siteSnapshotDownload;
}
// Why each snapshot was passed over (`{source, reason}`: window.pyvizzyLoad shows them).
const snapshotProblems = [];
function passedOver(source, error) {
  // (console.info: the worker turns some console warnings into load failures)
  console.info(`pyvizzy: the ${source}'s memory snapshot is passed over`, error);
  snapshotProblems.push({ source: source, reason: String(error && error.message || error) });
}

const started = performance.now();
function elapsed() {
  return Math.round(performance.now() - started);
}
function status(phase, message) {
  // (t: ms on the worker's clock; started_at: when that clock started, ms since the epoch)
  self.postMessage({ type: "status", phase: phase, msg: message, t: elapsed(),
    started_at: performance.timeOrigin + started });
}
function fail(phase, error) {
  failed = true;
  const text = String(error && error.message ? error.message : error);
  const lines = text.trim().split("\n");
  // While Python starts, a file of the site's that could not be loaded is the likely cause.
  const cause = appSent ? null : LoadErrors.first();
  self.postMessage({
    type: "error",
    phase: phase,
    msg: cause || lines[lines.length - 1] || text,
    detail: text.slice(-4000),
    t: elapsed(),
  });
  // A kept snapshot this start was restored from is not tried again (the next visit takes
  // the site's).
  if (!appSent && snapshotSource === "cache") SnapshotStore.drop().catch(() => {});
}

let currentPhase = "pyodide";
let failed = false;
let appSent = false; // the app has been sent to the page
self.addEventListener("unhandledrejection", (event) => {
  if (!failed) fail(currentPhase, event.reason);
});
// Emscripten reports a failed WebAssembly download only as a console warning and then waits
// forever: turn that warning into a readable failure.
const consoleWarn = console.warn.bind(console);
console.warn = (...args) => {
  consoleWarn(...args);
  const text = args.map(String).join(" ");
  if (!failed && /instantiat|Failed to fetch|failed to asynchronously prepare wasm/.test(text)) {
    fail(currentPhase, "Python's WebAssembly runtime could not be downloaded or compiled (" +
      text.split("\n")[0] + ")");
  }
};

// Python -> page: one patch, a JSON string (pyvizzy.app.panel_compat.DocumentRelay).
function sendPatch(patch) {
  self.postMessage({ type: "patch", patch: patch });
  lookAheadSoon(); // (what Python just published moves the settings to compute ahead)
}

// Python's WorkerPage, once the app is built: its methods, each taken once (proxies borrowed
// from the page's, which lives as long as the worker), not a temporary proxy per call.
let page = null;

// Slider look-ahead (pyvizzy.app.lookahead): while the worker has nothing else to do, Python
// computes what a slider move to a nearby setting would publish and sends it to the page,
// one setting per task, so that a message from the page waits behind one at most.
let lookingAhead = false; // once the page is live
let lookAheadTimer = null;
function sendAhead(basis, key, payload) {
  self.postMessage({ type: "ahead", basis: basis, key: key, payload: payload });
}
function lookAheadSoon() {
  if (lookingAhead && lookAheadTimer === null) lookAheadTimer = setTimeout(lookAhead, 0);
}
function lookAhead() {
  lookAheadTimer = null;
  let more = false;
  try {
    more = page.lookAheadStep();
  } catch (error) {
    // The app works without it: stop looking ahead, and say why in the console.
    console.info("pyvizzy: the slider look-ahead failed and is off", error);
    lookingAhead = false;
  }
  if (more) lookAheadSoon();
}
// The catalog and the dataset the page's address asks for, fetched while Python starts, and a
// dataset the reader switches to, before Python reads it (datasets_ahead.js).
const datasetsAhead = DatasetsAhead.install(CONFIG);
// A long training's progress, told to the page while Python works (bridge.py's
// tell_busy_now).
self.pyvizzyTellBusy = (text) => self.postMessage({ type: "busy", text: String(text) });

// To keep for the next visit once the app is live: the snapshot taken after a fresh start, or
// the site's that this visit restored (its bytes).
let snapshotToKeep = null;
let snapshotState = SNAPSHOT_KEY ? "none" : "off";
let snapshotSource = null; // where the restored snapshot came from: "cache" or "site"
const snapshotTimes = {}; // ms since the worker started: read_at (snapshot read), restored_at
let pageLocation = null;
let locationArrived;
const locationPromise = new Promise((resolve) => {
  locationArrived = resolve;
});

// Python from a memory snapshot (the kept one, else the site's), or else started afresh with
// the packages loaded (and, where snapshots are on, the libraries' places recorded: the
// recorder is returned).
async function startPython(options) {
  for (const [source, open] of [["cache", () => keptSnapshot], ["site", siteSnapshot]]) {
    const snapshot = await open();
    if (!snapshot) continue;
    let bytes = null;
    try {
      // Its body is read while Pyodide starts (the site's, as it arrives), and its checksum
      // computed as it is read.
      const check = MemorySnapshot.checker();
      const body = snapshot.arrayBuffer(check.update).then((buffer) => {
        snapshotTimes.read_at = elapsed();
        bytes = buffer;
        return buffer;
      });
      const later = Object.assign({}, options, {
        stdLibURL: new URL(CONFIG.stdlib_placeholder, self.location.href).href,
      });
      self.pyodide = await MemorySnapshot.restore(loadPyodide, later, body, SNAPSHOT_KEY,
        snapshotTimes, check);
      deferStdlib();
      snapshotTimes.restored_at = elapsed();
      snapshotState = "restored";
      snapshotSource = source;
      if (source === "site") snapshotToKeep = bytes;
      return null;
    } catch (error) {
      // Pyodide's own files failing is no fault of the snapshot's: a fresh start needs them
      // too (fail() names the file).
      if (LoadErrors.first()) throw error;
      snapshotState = "unusable";
      passedOver(source, error);
      // A kept one that was read but does not fit is dropped; one that could not be read
      // (another tab of the site reading or writing it just then) is left alone.
      if (source === "cache" && bytes) await SnapshotStore.drop().catch(() => {});
    }
  }
  let recorder = null;
  if (SNAPSHOT_KEY) {
    recorder = MemorySnapshot.recordLibraries();
    options = Object.assign({ _makeSnapshot: true }, options);
  }
  // Packages download in parallel while the interpreter boots (resolved from our lock file).
  self.pyodide = await loadPyodide(Object.assign({ packages: CONFIG.packages }, options));
  // (Pyodide only logs a package it could not load)
  const missing = CONFIG.packages.filter((name) => !(name in self.pyodide.loadedPackages));
  if (missing.length) throw new Error("Could not load the packages " + missing.join(", "));
  return recorder;
}

// After the app is live, the work for the next visit waits until the visitor has left the
// app alone for a moment, so that it does not slow the first slider moves: keeping the
// snapshot here (storing copies the whole snapshot) and, told by the "quiet" message, the page's
// service worker (its install copies the pinned files).
const QUIET_MS = 1500;
let lastPatchAt = 0;
function whenQuiet() {
  const wait = lastPatchAt + QUIET_MS - performance.now();
  if (wait > 0) {
    setTimeout(whenQuiet, wait);
    return;
  }
  self.postMessage({ type: "quiet" });
  fetchStdlibLater();
  if (snapshotToKeep) storeSnapshot();
}

async function storeSnapshot() {
  const snapshot = snapshotToKeep;
  snapshotToKeep = null;
  const storeStarted = performance.now();
  let stored;
  try {
    const bytes = await SnapshotStore.store(SNAPSHOT_KEY, snapshot, self.pyodide);
    stored = { state: bytes ? "stored" : "failed", bytes: bytes,
      ms: Math.round(performance.now() - storeStarted) };
  } catch (error) {
    console.info("pyvizzy: the memory snapshot could not be stored", error);
    stored = { state: "failed", bytes: 0, error: String(error) };
  }
  self.postMessage(Object.assign({ type: "memory-snapshot" }, stored));
}

async function startApplication() {
  let phase = "pyodide";
  const setPhase = (name) => {
    phase = name;
    currentPhase = name;
  };
  try {
    status(phase, "Starting Python");
    // (importScripts holds the worker until each script has arrived, one after the other:
    // the longest download starts before them)
    if (!(await keptSnapshot)) siteSnapshot();
    LoadErrors.importScripts("checksum.js", "memory_snapshot.js", "stdlib_later.js",
      CONFIG.pyodide_url + "pyodide.js", CONFIG.pyodide_url + "pyodide.asm.js");
    const indexURL = new URL(CONFIG.pyodide_url, self.location.href).href;
    const recorder = await startPython({
      indexURL: indexURL,
      env: { PYVIZZY_RUNTIME: "pyodide-worker" },
    });
    setPhase("imports");
    status(phase, "Importing Panel, libsvm and the app");
    // (a restored Python has imported them already: they are in the snapshot)
    let imported = null;
    if (snapshotState !== "restored") {
      const runtime = self.pyodide.pyimport("pyvizzy.app.worker_runtime");
      try {
        runtime.preload();
        if (recorder) {
          const found = runtime.imported_bytecode();
          imported = new Set(found.toJs());
          found.destroy();
        }
      } finally {
        runtime.destroy(); // (no proxy of Python's is left over when the snapshot is taken)
      }
    }
    if (recorder) {
      try {
        snapshotToKeep = MemorySnapshot.capture(self.pyodide, recorder, imported);
        snapshotState = "captured";
      } catch (error) {
        snapshotState = "failed";
        console.info("pyvizzy: no memory snapshot taken", error);
      }
    }
    setPhase("app");
    status(phase, "Building the app");
    const runtime = self.pyodide.pyimport("pyvizzy.app.worker_runtime");
    const built = runtime.build_page(await locationPromise, CONFIG.app_source, sendPatch,
      sendAhead);
    runtime.destroy();
    page = {
      link: built.link,
      applyPagePatch: built.apply_page_patch,
      setLocation: built.set_location,
      lookAheadStep: built.lookahead_step,
    };
    const proxy = await built.render();
    const rendered = proxy.toJs({ dict_converter: Object.fromEntries });
    proxy.destroy();
    status("render", "Drawing");
    appSent = true;
    self.postMessage({
      type: "render",
      memory_snapshot: snapshotState,
      memory_snapshot_source: snapshotSource,
      memory_snapshot_problems: snapshotProblems,
      memory_snapshot_kept: snapshotToKeep ? "pending" : null,
      memory_snapshot_times: snapshotTimes,
      docs_json: rendered.docs_json,
      render_items: rendered.render_items,
      root_ids: rendered.root_ids,
      t: elapsed(),
    });
  } catch (error) {
    fail(phase, error);
  }
}

self.onmessage = async (event) => {
  const msg = event.data;
  try {
    if (msg.type === "init") {
      pageLocation = msg.location;
      locationArrived(pageLocation);
      datasetsAhead.startFor(pageLocation);
    } else if (msg.type === "rendered") {
      page.link();
      // What this worker downloaded (for benchmarks: the page cannot see a worker's requests).
      const resources = performance.getEntriesByType("resource").map((entry) => ({
        name: entry.name,
        transferSize: entry.transferSize,
        encodedBodySize: entry.encodedBodySize,
        decodedBodySize: entry.decodedBodySize,
        startTime: entry.startTime,
        responseEnd: entry.responseEnd,
      }));
      self.postMessage({ type: "linked", t: elapsed(), resources: resources });
      lastPatchAt = performance.now();
      whenQuiet();
      lookingAhead = true;
      lookAheadSoon();
    } else if (msg.type === "patch") {
      const patchStarted = performance.now();
      lastPatchAt = patchStarted;
      page.applyPagePatch(msg.patch);
      self.postMessage({ type: "idle", python_ms: performance.now() - patchStarted });
      lookAheadSoon();
    } else if (msg.type === "location") {
      page.setLocation(msg.location);
    }
  } catch (error) {
    fail(msg.type, error);
    if (msg.type === "patch") {
      self.postMessage({ type: "idle" });
    }
  }
};

startApplication();
