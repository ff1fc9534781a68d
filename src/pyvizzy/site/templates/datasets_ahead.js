// Dataset files fetched by the worker ahead of Python's synchronous reads of them
// (pyvizzy.app.data): the catalog and the dataset the page's address asks for, while Python
// starts; and the file of a dataset the reader switches to, before Python opens it
// (`pyvizzyFetchAhead`, awaited by data.fetch_ahead). A synchronous read cannot be stopped if
// the server stalls; these fetches give up when no byte arrives for `idleSeconds` (waiting
// for the answer, or between two pieces of its body), so a slow link that keeps sending is
// never cut short. Python takes a text that has arrived once (`pyvizzyTakePrefetched`: a
// function, not the Map, whose methods called through Python's proxy of it can fail).
/* exported DatasetsAhead */
"use strict";

const DatasetsAhead = (() => {
  const arrived = new Map();

  /** The text at `url` (relative to the worker), or a readable Error: the server's answer
   * when it is not ok, a stall of `idleSeconds`, or the request's failure. */
  async function fetchText(url, idleSeconds, fetch = self.fetch) {
    const stop = new AbortController();
    const stalled = new Error(`no data came for ${idleSeconds} s`);
    let timer = null;
    const watch = () => {
      clearTimeout(timer);
      timer = setTimeout(() => stop.abort(stalled), idleSeconds * 1000);
    };
    watch();
    try {
      const response = await fetch(url, { signal: stop.signal });
      if (!response.ok) {
        throw new Error(`the server answered ${response.status}` +
          (response.statusText ? ` ${response.statusText}` : ""));
      }
      if (!response.body) return await response.text();
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let text = "";
      for (let piece = await reader.read(); !piece.done; piece = await reader.read()) {
        watch();
        text += decoder.decode(piece.value, { stream: true });
      }
      return text + decoder.decode();
    } catch (error) {
      if (stop.signal.aborted) throw stalled;
      if (error && error.name === "TypeError") {
        throw new Error(`the request failed (${error.message})`);
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Start making the worker's functions for Python: `config` is the worker's (its
   * `datasets_url`, `catalog_file` and `dataset_idle_seconds`). */
  function install(config) {
    self.pyvizzyTakePrefetched = (url) => {
      const text = arrived.get(url);
      arrived.delete(url);
      return text;
    };
    // A Promise of the text at `url` kept for Python's next read of it; rejects with an
    // Error whose message says why (Python names the file).
    self.pyvizzyFetchAhead = async (url) => {
      arrived.set(url, await fetchText(url, config.dataset_idle_seconds));
    };
    return {
      /** The catalog and the dataset `location`'s address asks for (else the default). */
      startFor: async (location) => {
        const inDatasets = async (path) => {
          const url = config.datasets_url + "/" + path;
          const text = await fetchText(url, config.dataset_idle_seconds);
          arrived.set(url, text);
          return text;
        };
        try {
          const catalog = JSON.parse(await inDatasets(config.catalog_file));
          const asked = new URLSearchParams(location.search || "").get("dataset");
          const key = asked === null ? catalog.default : asked;
          const entry = (catalog.datasets || []).find((item) => item.key === key);
          if (entry && typeof entry.path === "string") await inDatasets(entry.path);
        } catch (error) {
          // (the app's own request then says what is wrong)
          console.info("pyvizzy: the dataset could not be fetched ahead", error);
        }
      },
    };
  }

  return { fetchText: fetchText, install: install };
})();
