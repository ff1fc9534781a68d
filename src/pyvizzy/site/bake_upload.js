// Run in the bake visit's page (bake.py, with checksum.js, memory_snapshot.js and
// snapshot_store.js added to it): read the memory snapshot the worker kept for `key`, check it
// as a visit would before restoring it (MemorySnapshot.parse: its format, key, length and
// checksum), and send it with its sha256 to the build's server at `path`. Resolves to null,
// or to why not.
async ([path, key]) => {
  const kept = await SnapshotStore.load(key);
  if (!kept) return "no snapshot kept for key " + key;
  try {
    MemorySnapshot.parse(kept, key);
  } catch (error) {
    return "the kept snapshot is unusable: " + error.message;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", kept));
  const sha256 = Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
  const response = await fetch(path, {
    method: "PUT", body: kept, headers: { "X-Pyvizzy-Sha256": sha256 },
  });
  return response.ok ? null : "the build's server answered " + response.status;
}
