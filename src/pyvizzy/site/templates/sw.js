// pyvizzy service worker: keeps this build's pinned files (Pyodide, wheels, Bokeh/Panel JS/CSS)
// in Cache Storage so a repeat visit loads them without the network. The cache's name carries
// the build id: a new build gets a new cache and the old one is deleted.
"use strict";

const BUILD = __PYVIZZY_SW_CONFIG__;
const CACHE = "pyvizzy-" + BUILD.build_id;
const PINNED = new Set(BUILD.pinned.map((path) => new URL(path, self.registration.scope).href));

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll([...PINNED]))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith("pyvizzy-") && name !== CACHE)
            .map((name) => caches.delete(name))
        )
      )
      .then(() => self.clients.claim())
  );
});

// A page may be newer than this service worker (the site was rebuilt and the new worker is not
// active yet): each page load asks build-info.json which build it belongs to, and the cached
// files are used only while that is this worker's build.
let sameBuild = Promise.resolve(true);
function checkBuild() {
  sameBuild = fetch(new URL("build-info.json", self.registration.scope).href, { cache: "no-store" })
    .then((response) => response.json())
    .then((info) => {
      const same = info.build_id === BUILD.build_id;
      if (!same) self.registration.update();
      return same;
    })
    .catch(() => false);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    checkBuild();
    return;
  }
  const url = new URL(request.url);
  url.search = "";
  if (!PINNED.has(url.href)) return; // pages, datasets: straight to the network
  event.respondWith(
    sameBuild.then((same) => (same ? fromCache(request, url) : fetch(request)))
  );
});

function fromCache(request, url) {
  return (
    caches.open(CACHE).then((cache) =>
      cache.match(url.href).then(
        (hit) =>
          hit ||
          fetch(request).then((response) => {
            if (response.ok) cache.put(url.href, response.clone());
            return response;
          })
      )
    )
  );
}
