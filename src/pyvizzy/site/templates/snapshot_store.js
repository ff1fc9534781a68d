// Where the visitor's browser keeps pyvizzy's memory snapshot (memory_snapshot.js): one file
// in the origin's private file system, dropped and written anew when the build changes.
/* exported SnapshotStore */
/* global MemorySnapshot */
"use strict";

const SnapshotStore = (() => {
  // One file, `<key>.bin`, in the folder FOLDER of the origin's private file system. The
  // worker reads it with a synchronous access handle: one read straight into memory (Cache
  // Storage's read arrives in many pieces instead, each copied on the worker's thread while
  // Pyodide starts there).

  const FOLDER = "pyvizzy-memory-snapshot";

  const isNotFound = (error) => error && (error.name === "NotFoundError" ||
    error.name === "TypeMismatchError");

  async function snapshotFolder(create) {
    if (!(self.navigator && navigator.storage && navigator.storage.getDirectory)) return null;
    const root = await navigator.storage.getDirectory();
    try {
      return await root.getDirectoryHandle(FOLDER, { create: create });
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  /** The kept snapshot for `key`, not read yet (its `arrayBuffer(onChunk)` reads it, as a
   * Response's would, and hands what it read to `onChunk`, as a download does), or null. */
  async function find(key) {
    const folder = await snapshotFolder(false);
    if (!folder) return null;
    let file;
    try {
      file = await folder.getFileHandle(key + ".bin");
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
    return { arrayBuffer: (onChunk) => readFile(file, onChunk) };
  }

  async function readFile(file, onChunk = () => {}) {
    if (!file.createSyncAccessHandle) return (await file.getFile()).arrayBuffer(); // (a page)
    const access = await file.createSyncAccessHandle();
    try {
      // (one read: reading in pieces, each hashed while still in the processor's cache, costs
      // more in reads than it saves)
      const bytes = new Uint8Array(access.getSize());
      if (access.read(bytes, { at: 0 }) !== bytes.length) throw new Error("short read");
      onChunk(bytes);
      return bytes.buffer;
    } finally {
      access.close();
    }
  }

  /** The kept snapshot for `key` as an ArrayBuffer, or null. */
  async function load(key) {
    const kept = await find(key);
    return kept && kept.arrayBuffer();
  }

  /** Keep a snapshot as the one for `key`, dropping any other: `snapshot` is either what
   * `capture` took (in this `pyodide`) or the stored form of one (an ArrayBuffer, such as
   * the site's own snapshot that this visit restored). In a worker only. Returns its size in
   * bytes (0 where the browser has no private file system for the page). It is written
   * under another name and renamed once complete, so a visit never finds half a file. */
  async function store(key, snapshot, pyodide) {
    const parts = snapshot.memory
      ? MemorySnapshot.serialize(snapshot, pyodide.FS, MemorySnapshot.packageFolders(pyodide),
        key)
      : [new Uint8Array(snapshot)];
    await drop();
    const folder = await snapshotFolder(true);
    if (!folder) return 0;
    const partial = await folder.getFileHandle(key + ".part", { create: true });
    const access = await partial.createSyncAccessHandle();
    let size = 0;
    try {
      access.truncate(0);
      for (const part of parts) {
        if (access.write(part, { at: size }) !== part.byteLength) throw new Error("short write");
        size += part.byteLength;
      }
      access.flush();
    } finally {
      access.close();
    }
    await partial.move(key + ".bin");
    return size;
  }

  async function drop() {
    if (!(self.navigator && navigator.storage && navigator.storage.getDirectory)) return;
    const root = await navigator.storage.getDirectory();
    try {
      await root.removeEntry(FOLDER, { recursive: true });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  return { find, load, store, drop };
})();
