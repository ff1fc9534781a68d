// The page's first script. It starts fetching the pre-rendered first view of the dataset the
// address asks for (first-view/<key>.json: the build made one per dataset of its catalog;
// none for a dataset added since, so a first view never shows another dataset than the one
// Python will), and starts the Python worker, so that Python boots while the page's big
// Bokeh/Panel scripts load (they take about a second). boot.js takes both over and replays
// the worker's messages that arrived before it. Should boot.js not load, or fail before the
// app is live, this says so in place of the loading line.
(function () {
  "use strict";
  const views = JSON.parse(document.currentScript.dataset.firstViews);
  const asked = new URLSearchParams(window.location.search).get("dataset");
  const key = asked === null ? views.default : asked;
  const early = { worker: null, messages: [], errors: [], firstView: Promise.resolve(null) };
  // Why the site's file `url` could not be loaded ("the server answered 404").
  early.explain = (url) => fetch(url, { method: "HEAD", cache: "no-store" }).then(
    (response) => (response.ok ? "the browser could not run it" :
      "the server answered " + response.status),
    () => "the network failed");
  if (views.datasets.includes(key)) {
    early.firstView = fetch(views.folder + encodeURIComponent(key) + ".json")
      .then((response) => (response.ok ? response.json() : null))
      .catch(() => null);
  }
  window.pyvizzyEarly = early;
  watchBoot();
  if (typeof Worker === "undefined" || typeof WebAssembly === "undefined") return;
  const worker = new Worker("worker.js");
  early.worker = worker;
  worker.onmessage = (event) => early.messages.push(event);
  worker.onerror = (event) => early.errors.push(event);
  worker.postMessage({ type: "init", location: JSON.stringify(window.location) });

  // boot.js could not be loaded, threw, or never ran: say so (index.html's error box, with its
  // Reload link), unless boot.js has shown an error of its own or the app is live.
  function watchBoot() {
    const isBoot = (url) => /(^|\/)boot\.js(\?|$)/.test(url || "");
    let failed = false;
    const fail = (message) => {
      failed = true;
      const load = (window.pyvizzyLoad ||= { live: false, error: null, events: [] });
      if (load.live || load.error) return;
      load.error = message;
      document.body.classList.add("pyvizzy-failed");
      const box = document.getElementById("pyvizzy-error");
      box.querySelector(".pyvizzy-error-message").textContent = message;
      box.hidden = false;
    };
    window.addEventListener("error", (event) => {
      if (event.target instanceof HTMLScriptElement && isBoot(event.target.src)) {
        failed = true; // (not loaded: ask the server why)
        early.explain(event.target.src).then((why) => fail("Could not load boot.js: " + why));
      } else if (isBoot(event.filename)) {
        fail("The page's script boot.js failed: " + event.message);
      }
    }, true);
    window.addEventListener("load", () => {
      if (!failed && !window.pyvizzyLoad) fail("The page's script boot.js did not run.");
    });
  }
})();
