// The page's first script. It starts fetching the pre-rendered first view of the dataset the
// address asks for (first-view/<key>.json: the build made one per dataset of its catalog;
// none for a dataset added since, so a first view never shows another dataset than the one
// Python will), and starts the Python worker, so that Python boots while the page's big
// Bokeh/Panel scripts load (they take about a second). boot.js takes both over and replays
// the worker's messages that arrived before it.
(function () {
  "use strict";
  const views = JSON.parse(document.currentScript.dataset.firstViews);
  const asked = new URLSearchParams(window.location.search).get("dataset");
  const key = asked === null ? views.default : asked;
  const early = { worker: null, messages: [], errors: [], firstView: Promise.resolve(null) };
  if (views.datasets.includes(key)) {
    early.firstView = fetch(views.folder + encodeURIComponent(key) + ".json")
      .then((response) => (response.ok ? response.json() : null))
      .catch(() => null);
  }
  window.pyvizzyEarly = early;
  if (typeof Worker === "undefined" || typeof WebAssembly === "undefined") return;
  const worker = new Worker("worker.js");
  early.worker = worker;
  worker.onmessage = (event) => early.messages.push(event);
  worker.onerror = (event) => early.errors.push(event);
  worker.postMessage({ type: "init", location: JSON.stringify(window.location) });
})();
