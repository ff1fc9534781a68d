// pyvizzy page bootstrap (main thread): shows the pre-rendered first view, starts the Python
// Web Worker, shows its progress or a readable error, then swaps in the live app and keeps
// the page's Bokeh document in sync with the worker's.
// The worker protocol is adapted from Panel 1.7.5's pyodide_handler.js (BSD-3-Clause).
/* global Bokeh */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("pyvizzy-config").textContent);
  const load = {
    started: performance.timeOrigin,
    events: [],
    phase: "start",
    prerendered: false,
    live: false,
    // How Python started: "restored", "captured" (afresh, snapshot taken), "failed",
    // "unusable" (a snapshot was refused, then afresh without one), "off"...
    memory_snapshot: null,
    memory_snapshot_source: null, // what "restored" came from: "cache" or "site"
    memory_snapshot_problems: [], // why a snapshot was passed over: [{source, reason}]
    // The snapshot this visit keeps for the next (private file system): "pending" until the
    // worker has stored it, then "stored" or "failed"; null when there is none to keep.
    memory_snapshot_kept: null,
    python_ms: [], // time Python took for each change the page sent (last 100)
    // Slider moves drawn at once from a payload computed ahead (hits) or that waited for
    // Python (misses), and the payloads received ahead.
    lookahead: { hits: 0, misses: 0, received: 0 },
    settled: false, // Python has answered every change the page made
    apply_ms: [], // time the page took to apply each patch from Python (last 100)
    error: null,
    stalled: false, // the error says the load is slow (taken back once it moves on)
  };
  window.pyvizzyLoad = load;

  function mark(name, extra) {
    load.events.push(Object.assign({ name: name, t: Math.round(performance.now()) }, extra || {}));
  }

  const body = document.body;
  const progress = document.getElementById("pyvizzy-progress");
  const progressText = document.getElementById("pyvizzy-progress-text");
  const progressBar = document.getElementById("pyvizzy-progress-bar");
  const progressPercent = document.getElementById("pyvizzy-progress-percent");
  const PHASES = { pyodide: 1, imports: 2, app: 3, render: 4 };

  // If no step finishes for this long, something is stuck (a download that never ends):
  // say so rather than leave the progress bar pulsing forever.
  const STALL_MS = config.stall_seconds * 1000;
  let stallTimer = null;
  // Progress after that (e.g. the next fold of a long training) takes the error back.
  function watchForStall() {
    clearTimeout(stallTimer);
    if (load.stalled) takeBackStall();
    stallTimer = setTimeout(() => {
      if (!load.live && !load.error) {
        showError(
          "The app is taking unusually long to load (no progress for " +
            config.stall_seconds + " s while: " + load.phase + ")."
        );
        load.stalled = true;
        mark("stalled");
      }
    }, STALL_MS);
  }
  function takeBackStall() {
    load.stalled = false;
    load.error = null;
    body.classList.remove("pyvizzy-failed");
    const box = document.getElementById("pyvizzy-error");
    if (box) box.hidden = true;
  }
  watchForStall();

  function showStatus(phase, message) {
    watchForStall();
    load.phase = phase;
    if (progressText) progressText.textContent = message;
    if (progressPercent) progressPercent.textContent = "";
    if (progressBar && PHASES[phase]) {
      progressBar.style.width = Math.round((100 * PHASES[phase]) / 5) + "%";
    }
  }

  function showError(message, detail) {
    clearTimeout(stallTimer);
    load.stalled = false; // (a failure is not taken back)
    load.error = message;
    body.classList.add("pyvizzy-failed");
    const box = document.getElementById("pyvizzy-error");
    if (!box) return;
    box.hidden = false;
    box.querySelector(".pyvizzy-error-message").textContent = message;
    box.querySelector(".pyvizzy-error-detail").textContent = detail || "";
  }

  // 1. The first view, computed at build time, drawn while Python loads. It is a picture of
  // the app, not the app: while it renders, its scripts may not rewrite the address (the
  // live app must read the address the visitor opened), and what they leave on `window`
  // (e.g. `window.pyvizzy`) is removed afterwards so that only the live app answers.
  // Nor may they tell a host page (when embedded) about the snapshot's state: while the
  // snapshot renders, the page looks like a top-level page (window.parent === window).
  const history = window.history;
  const realReplaceState = history.replaceState;
  const realPushState = history.pushState;
  const parentDescriptor = Object.getOwnPropertyDescriptor(window, "parent");
  function snapshotMode(on) {
    history.replaceState = on ? function () {} : realReplaceState;
    history.pushState = on ? function () {} : realPushState;
    if (parentDescriptor && parentDescriptor.configurable) {
      Object.defineProperty(
        window,
        "parent",
        on ? { configurable: true, get: () => window } : parentDescriptor
      );
    }
  }
  const early = window.pyvizzyEarly;
  delete window.pyvizzyEarly;
  const firstView = early ? early.firstView : Promise.resolve(null);
  // A first view that arrives after the live app is drawn is not drawn (the live app never
  // waits for one still on its way); one being drawn is finished first.
  let liveStarted = false;
  let firstViewDrawing = null;
  firstView.then((view) => {
    if (!view || !window.Bokeh || liveStarted) return;
    noteSettings(view.settings);
    snapshotMode(true);
    firstViewDrawing = Bokeh.embed
      .embed_items(view.docs_json, view.render_items)
      .then(() => {
        for (const name of config.snapshot_globals || []) {
          delete window[name];
        }
        load.prerendered = true;
        load.first_view = { dataset: view.dataset, settings: view.settings };
        mark("prerendered");
      })
      .catch((error) => console.error("pre-rendered view failed", error))
      .finally(() => snapshotMode(false));
  });

  // The progress line says when the first view's settings are not the ones the address
  // asks for (Python, once up, shows those): "showing 50 / 15 until Python has 70 / 5".
  function noteSettings(shown) {
    const asked = new URLSearchParams(window.location.search);
    const wanted = (name) => {
      const value = asked.get(name);
      return value !== null && /^\d{1,3}$/.test(value) && Number(value) <= 100
        ? Number(value) : shown[name];
    };
    const note = document.querySelector(".pyvizzy-progress-note");
    const [nowClass, nowOod] = [wanted("class"), wanted("ood")];
    if (note && (nowClass !== shown.class || nowOod !== shown.ood)) {
      note.textContent = "(showing " + shown.class + " / " + shown.ood + " until Python has " +
        nowClass + " / " + nowOod + ")";
    }
  }

  if (typeof Worker === "undefined" || typeof WebAssembly === "undefined") {
    showError("This browser cannot run the live app (it needs Web Workers and WebAssembly).");
    return;
  }

  // 2. Python in a Web Worker (usually already started by early.js).
  const worker = early && early.worker ? early.worker : new Worker(config.worker_url);
  if (!early || !early.worker) {
    worker.postMessage({ type: "init", location: JSON.stringify(window.location) });
  }
  worker.busy = false;
  worker.queue = [];
  let patching = 0;
  // The page's changes are numbered (`moves`); `worker.answering` is the number of the last
  // change in the message Python is working on. The bridge (window.pyvizzy, lookahead.js)
  // draws a payload computed ahead when a slider moves to its setting, and then no answer
  // to an earlier change.
  let moves = 0;
  worker.answering = 0;
  let othersWaiting = false; // a change that is not a slider's is not answered yet

  // Page -> Python. Changes made in the same task (a slider sets `value` and
  // `value_throttled` together) travel as one message; while Python is busy, later changes
  // wait, and a newer value of the same property replaces an older one.
  let flushScheduled = false;
  function flushChanges() {
    flushScheduled = false;
    if (worker.busy || !worker.queue.length) return;
    const patch = worker.jsdoc.create_json_patch(worker.queue);
    worker.queue = [];
    worker.busy = true;
    worker.answering = moves;
    // One JSON string crosses to Python much faster than a tree of JS objects (each a
    // proxy to convert); a patch holding binary buffers goes as it is.
    let binary = false;
    const json = JSON.stringify(patch, (key, value) => {
      if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) binary = true;
      return value;
    });
    worker.postMessage({ type: "patch", patch: binary ? patch : json });
  }

  // Draw the sliders' new setting at once if the bridge holds it, computed ahead (whatever
  // goes wrong there, the change still goes to Python, which then draws it).
  function drawAhead() {
    const api = window.pyvizzy;
    if (othersWaiting || !api || !api.drawAhead) return false;
    try {
      return api.drawAhead(moves);
    } catch (error) {
      console.error("pyvizzy: a setting computed ahead could not be drawn", error);
      return false;
    }
  }

  function sendChange(jsdoc, event) {
    if ((event.setter_id != null && event.setter_id === "py") || patching > 0) {
      return;
    }
    if (event.model && event.attr) {
      worker.queue = worker.queue.filter(
        (old) => !(old.model === event.model && old.attr === event.attr)
      );
    }
    worker.queue.push(event);
    moves += 1;
    load.settled = false;
    const api = window.pyvizzy;
    const slider = Boolean(event.model && api && api.isSlider && api.isSlider(event.model));
    if (!slider) {
      othersWaiting = true;
    } else if (api.isSliderMove(event.model, event.attr)) {
      load.lookahead[drawAhead() ? "hits" : "misses"] += 1;
    }
    if (!worker.busy && !flushScheduled) {
      flushScheduled = true;
      queueMicrotask(flushChanges);
    }
  }

  worker.onerror = (event) => {
    if (event.message) {
      showError("The Python worker could not start: " + event.message);
    } else if (early && early.explain) { // (its script could not be loaded)
      early.explain(config.worker_url).then((why) => showError(
        "Could not load " + config.worker_url + ": " + why));
    } else {
      showError("Could not load " + config.worker_url);
    }
  };

  worker.onmessage = async (event) => {
    const msg = event.data;
    if (msg.type === "idle") {
      if (msg.python_ms !== undefined) {
        load.python_ms.push(Math.round(msg.python_ms * 10) / 10);
        if (load.python_ms.length > 100) load.python_ms.shift();
      }
      worker.busy = false;
      flushChanges();
      if (!worker.busy) {
        // Python has answered every change: what it published last is what the page shows.
        othersWaiting = false;
        if (window.pyvizzy && window.pyvizzy.settle) window.pyvizzy.settle();
        load.settled = true;
      }
    } else if (msg.type === "ahead") {
      load.lookahead.received += 1;
      if (window.pyvizzy && window.pyvizzy.ahead) {
        window.pyvizzy.ahead(msg.basis, msg.key, msg.payload);
      }
    } else if (msg.type === "progress") {
      // The snapshot's download, within the first phase; shown, not announced (the live
      // region says the phases only). Bytes arriving are progress: a slow link is not stuck.
      watchForStall();
      if (progressBar && load.phase === "pyodide") {
        progressBar.style.width = Math.round((100 * (PHASES.pyodide + msg.fraction)) / 5) + "%";
      }
      if (progressPercent) progressPercent.textContent = Math.round(100 * msg.fraction) + "\u00a0%";
      load.download_fraction = msg.fraction;
    } else if (msg.type === "busy") {
      // (before the app is live, a training's folds are the loading's progress)
      if (!load.live) showStatus(load.phase, msg.text);
      else if (window.pyvizzy && window.pyvizzy.busy) window.pyvizzy.busy(msg.text);
    } else if (msg.type === "status") {
      mark("status:" + msg.phase, { worker_t: msg.t,
        worker_started: msg.started_at - performance.timeOrigin });
      showStatus(msg.phase, msg.msg);
    } else if (msg.type === "error") {
      mark("error", { worker_t: msg.t });
      showError(
        "The app failed to load (" + msg.phase + "): " + msg.msg,
        msg.detail
      );
    } else if (msg.type === "render") {
      mark("worker-rendered", { worker_t: msg.t });
      load.memory_snapshot = msg.memory_snapshot;
      load.memory_snapshot_source = msg.memory_snapshot_source;
      load.memory_snapshot_problems = msg.memory_snapshot_problems || [];
      load.memory_snapshot_kept = msg.memory_snapshot_kept;
      load.memory_snapshot_times = msg.memory_snapshot_times;
      try {
        const docsJson = JSON.parse(msg.docs_json);
        const docId = Object.keys(docsJson)[0];
        // Build the document ourselves so that our change listener is attached BEFORE any
        // view is built: components that set a property while rendering (e.g. reading the
        // address) then reach Python, as they do under `panel serve`.
        const { Document } = Bokeh.require("document");
        const jsdoc = Document.from_json(docsJson[docId]);
        worker.jsdoc = jsdoc;
        jsdoc.on_change(sendChange.bind(null, jsdoc), false);
        // The root <div>s stand in document order, the same order as the worker's roots.
        const rootElements = [...document.querySelectorAll("[data-root-id]")];
        liveStarted = true;
        await firstViewDrawing; // (replaced only once drawn)
        Bokeh.index.roots.map((view) => view.remove());
        for (const element of rootElements) {
          element.innerHTML = "";
        }
        await Bokeh.embed.add_document_standalone(
          jsdoc, rootElements[0] || document.body, rootElements, false
        );
        body.classList.remove("pyvizzy-loading");
        if (progress) progress.hidden = true;
        if (load.stalled) takeBackStall(); // (it was slow, not stuck)
        load.live = true;
        load.phase = "live";
        mark("live");
        worker.postMessage({ type: "rendered" });
        worker.postMessage({ type: "location", location: JSON.stringify(window.location) });
      } catch (error) {
        showError("The app could not be drawn: " + error, String(error && error.stack));
      }
    } else if (msg.type === "memory-snapshot") {
      mark("memory-snapshot", { bytes: msg.bytes, ms: msg.ms });
      load.memory_snapshot_kept = msg.state;
    } else if (msg.type === "quiet") {
      registerServiceWorker();
    } else if (msg.type === "linked") {
      mark("linked", { worker_t: msg.t });
      load.worker_resources = msg.resources || [];
    } else if (msg.type === "patch") {
      const applyStarted = performance.now();
      const api = window.pyvizzy;
      try {
        patching += 1;
        // (Python's answer to the changes it was sent, up to the last one)
        if (api && api.answering) api.answering(worker.answering);
        const patch = typeof msg.patch === "string" ? JSON.parse(msg.patch) : msg.patch;
        worker.jsdoc.apply_json_patch(patch, new Map());
      } finally {
        patching -= 1;
        if (api && api.answering) api.answering(undefined);
        load.apply_ms.push(Math.round((performance.now() - applyStarted) * 10) / 10);
        if (load.apply_ms.length > 100) load.apply_ms.shift();
      }
    }
  };

  if (early && early.worker) {
    for (const event of early.errors) worker.onerror(event);
    for (const event of early.messages) worker.onmessage(event);
  }

  // 3. Once the app is live and the visitor has left it alone for a moment (the worker says
  // "quiet"): a service worker that keeps the pinned files for the next visit. Installing it
  // copies them all into Cache Storage; waiting keeps that off the first slider moves.
  function registerServiceWorker() {
    if (!config.service_worker || !("serviceWorker" in navigator)) return;
    if (!window.isSecureContext) return;
    navigator.serviceWorker.register(config.service_worker).catch((error) => {
      console.warn("service worker not registered", error);
    });
  }
})();
