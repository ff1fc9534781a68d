// pyvizzy's Pyodide worker (worker.js imports this): the standard library's archive, fetched
// after a restore rather than waited for. Uses the worker's CONFIG and self.pyodide.
/* exported deferStdlib, fetchStdlibLater */
/* global CONFIG */
"use strict";

// After a restore, Python's standard library (the archive python_stdlib.zip, 2.5 MB) is not
// needed to start: every module imported before the snapshot is in the restored memory. So a
// restore starts with an empty archive in its place (CONFIG.stdlib_placeholder), and the
// real one is fetched once the visitor has left the app alone a moment (whenQuiet); an
// import that needs it before then has it fetched at once (worker_runtime.StdlibGate; a
// worker may make a synchronous request).
const stdlib = { archive: null, written: true, download: null };
function writeStdlib(buffer) {
  if (stdlib.written) return;
  self.pyodide.FS.writeFile(stdlib.archive, new Uint8Array(buffer));
  stdlib.written = true;
}
function stdlibUrl() {
  return new URL(CONFIG.pyodide_url + "python_stdlib.zip", self.location.href).href;
}
self.pyvizzyStdlib = {
  written: () => stdlib.written,
  now: () => {
    const request = new XMLHttpRequest();
    request.open("GET", stdlibUrl(), false);
    request.responseType = "arraybuffer";
    request.send();
    if (request.status !== 200) {
      throw new Error(`Could not load ${CONFIG.pyodide_url}python_stdlib.zip: ` +
        (request.status ? "the server answered " + request.status : "the network failed"));
    }
    writeStdlib(request.response);
  },
};
// Right after a restore: the gate for imports until the archive is written; without it (it
// could not be made), the archive at once.
function deferStdlib() {
  const runtime = self.pyodide.pyimport("pyvizzy.app.worker_runtime");
  try {
    stdlib.archive = runtime.defer_stdlib(self.pyvizzyStdlib);
    stdlib.written = false;
  } catch (error) {
    console.info("pyvizzy: the standard library is fetched now", error);
    stdlib.archive = runtime.stdlib_archive();
    stdlib.written = false;
    self.pyvizzyStdlib.now();
  } finally {
    runtime.destroy();
  }
}
function fetchStdlibLater() {
  if (stdlib.written || stdlib.download) return;
  stdlib.download = fetch(stdlibUrl())
    .then((response) => {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.arrayBuffer();
    })
    .then(writeStdlib)
    .catch((error) => {
      // (an import that needs it will try again, and say so if it cannot)
      console.info("pyvizzy: the standard library could not be downloaded yet", error);
      stdlib.download = null;
    });
}
