// What the Python worker (worker.js) says when one of the site's own files cannot be loaded:
// one readable line that names the file and what went wrong ("Could not load
// pyodide/pyodide-lock.json: the server answered 404"), rather than what the code reading it
// makes of an error page (a JSON syntax error, a failed import, a link to pyodide.org).
/* exported LoadErrors */
"use strict";

const LoadErrors = (() => {
  const folder = new URL(".", self.location.href).href; // (the site's)
  const problems = [];
  let watched = [];

  /** `url` relative to the site's folder (as the site names its files). */
  function nameOf(url) {
    const href = new URL(url, self.location.href).href;
    return href.startsWith(folder) ? href.slice(folder.length) : href;
  }

  function note(name, why) {
    const line = `Could not load ${name}: ${why}`;
    problems.push(line);
    return line;
  }

  /** Watch the worker's requests for the site's files whose names start with one of
   * `prefixes`: an answer that is not ok, a download that fails, a JSON file that does not
   * parse is noted (and the request goes on as it would). */
  function watch(prefixes) {
    watched = prefixes;
    const fetch = self.fetch;
    self.fetch = async (resource, init) => {
      const name = nameOf(resource instanceof Request ? resource.url : resource);
      if (!watched.some((prefix) => name.startsWith(prefix))) return fetch(resource, init);
      let response;
      try {
        response = await fetch(resource, init);
      } catch (error) {
        // (a request with an integrity check fails whatever the server answers: ask it)
        const answer = await fetch(resource, { method: "HEAD", cache: "no-store" }).catch(
          () => null);
        note(name, answer && !answer.ok ? "the server answered " + answer.status
          : answer && init && init.integrity ? "it is not the file the lock file's sha256 names"
            : `the download failed (${error.message})`);
        throw error;
      }
      if (!response.ok) {
        note(name, "the server answered " + response.status);
      } else if (name.endsWith(".json")) {
        const json = response.json.bind(response);
        response.json = () => json().catch((error) => {
          throw new Error(note(name, `it is not valid JSON (${error.message})`));
        });
      }
      return response;
    };
  }

  /** Why `url` cannot be loaded ("the server answered 404"), or null when it can: a
   * synchronous request, as a worker may make (only once something failed). */
  function whyNot(url) {
    const request = new XMLHttpRequest();
    try {
      request.open("HEAD", url, false);
      request.send();
    } catch (error) {
      return "the network failed";
    }
    return request.status >= 200 && request.status < 300 ? null
      : "the server answered " + request.status;
  }

  /** `importScripts(...urls)`, throwing an Error that names the script that could not be
   * loaded and why. */
  function importScripts(...urls) {
    try {
      self.importScripts(...urls);
    } catch (error) {
      if (error.name !== "NetworkError") throw error; // (a script that ran and threw)
      for (const url of urls) {
        const why = whyNot(url);
        if (why) throw new Error(note(nameOf(url), why));
      }
      throw error;
    }
  }

  /** The first file noted, as one readable line, or null. */
  const first = () => problems[0] || null;

  return { watch, importScripts, whyNot, first };
})();
