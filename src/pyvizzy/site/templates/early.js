// Starts the Python worker first thing, before the page's big Bokeh/Panel scripts load (they
// take about a second), so that Python boots meanwhile. boot.js takes the worker over and
// replays the messages that arrived before it.
(function () {
  "use strict";
  if (typeof Worker === "undefined" || typeof WebAssembly === "undefined") return;
  const worker = new Worker("worker.js");
  const early = { worker: worker, messages: [], errors: [] };
  worker.onmessage = (event) => early.messages.push(event);
  worker.onerror = (event) => early.errors.push(event);
  worker.postMessage({ type: "init", location: JSON.stringify(window.location) });
  window.pyvizzyEarly = early;
})();
