// pyvizzy's Pyodide memory snapshot: a visit starts from Python's memory as it was right
// after the slow imports (Panel, numpy, libsvm's binding), instead of starting the interpreter,
// installing the packages and importing them again.
//
// Pyodide 0.27 can snapshot and restore its WebAssembly memory (`_makeSnapshot`,
// `makeMemorySnapshot`, `_loadSnapshot`), but not the shared libraries loaded before the
// snapshot (numpy's, libsvm's): their code is not in that memory. This file adds
// what is missing:
//   - while a fresh start loads each library, it records where Emscripten placed it (its
//     memory base and table base; Emscripten keeps them in the `handle` it is given);
//   - on a restore, before the memory is restored, it loads the same libraries again in
//     the same order at the same addresses (same handles), so every function pointer in the
//     restored memory finds its function in the table again; restoring the memory then
//     overwrites whatever the libraries' data segments and constructors wrote;
//   - the packages' files (Emscripten's in-memory file system is not in the memory) are saved
//     with the snapshot and written back first.
// The snapshot is made in a browser: at build time (the build opens the site once in headless
// Chromium and serves what that visit kept, so a first visit starts from it too), or in the
// visitor's browser on its first visit. The visitor's browser keeps it in the origin's private
// file system (snapshot_store.js) under a key that changes with the build; the key is in the
// snapshot's header (only the build that made it restores it), with a checksum of all after
// it (checksum.js: a damaged snapshot is never restored). This file is the one home of the
// snapshot's stored format. Any doubt (a checksum that does not match, a library placed
// differently, a table that does not line up, another build's snapshot) and the worker passes
// the snapshot over (dropping a kept one; one another tab holds just then is left alone): it
// tries the site's, else starts Python the ordinary way.
/* exported MemorySnapshot */
/* global Checksum */
"use strict";

const MemorySnapshot = (() => {
  const FORMAT = "pyvizzy-memory-snapshot/2";
  // Emscripten's `struct dso`: the fields loadWebAssemblyModule reads and writes.
  const DSO_LOADED = 8; // u8: memory and table already allocated
  const DSO_MEM_BASE = 12;
  const DSO_MEM_SIZE = 16;
  const DSO_TABLE_BASE = 20;
  const DSO_TABLE_SIZE = 24;
  const DSO_BYTES = 64;
  // Room after the restored memory for the handles used while reloading the libraries; the
  // restore fills it with zeros afterwards.
  const SCRATCH_BYTES = 1 << 16;
  const LOADED_PACKAGES_INDEX = 6;
  const MAGIC = 0x327a7970; // "pyz2"
  const PREFIX_BYTES = 12; // MAGIC, the header's length, the checksum (32-bit little-endian)
  // Where Pyodide installs packages: site-packages and the folder of shared libraries.
  const packageFolders = (pyodide) => [pyodide._api.sitepackages, pyodide._api.dsodir];

  let create = null; // Emscripten's own _createPyodideModule

  /** Run `onModule(Module)` after Emscripten creates Pyodide's module, before loadPyodide
   * restores a snapshot or runs any Python. Needs pyodide.asm.js loaded already. A new hook
   * replaces one that never ran (a start that failed before creating its module). */
  function hookModuleCreation(onModule) {
    create ||= self._createPyodideModule;
    if (typeof create !== "function") {
      throw new Error("pyodide.asm.js must be loaded before the memory snapshot hook");
    }
    self._createPyodideModule = async (settings) => {
      self._createPyodideModule = create;
      const Module = await create(settings);
      await onModule(Module);
      return Module;
    };
  }

  // ---- first visit: record -------------------------------------------------------------

  /** Start recording the shared libraries Pyodide loads. Returns the recorder to give to
   * `capture` once the imports are done. */
  function recordLibraries() {
    const recorder = { libraries: [], Module: null };
    hookModuleCreation((Module) => {
      recorder.Module = Module;
      recorder.tableLengthAtStart = Module.wasmTable.length;
      const load = Module.loadDynamicLibrary;
      Module.loadDynamicLibrary = (name, flags, localScope, handle) => {
        if (handle !== undefined) return load(name, flags, localScope, handle);
        const ours = Module._calloc(DSO_BYTES, 1);
        const tableLength = Module.wasmTable.length;
        const done = (value) => {
          const u32 = Module.HEAPU32;
          if (Module.HEAPU8[ours + DSO_LOADED]) {
            recorder.libraries.push({
              name: name,
              global: Boolean(flags && flags.global),
              tableLength: tableLength,
              memoryBase: u32[(ours + DSO_MEM_BASE) >> 2],
              memorySize: u32[(ours + DSO_MEM_SIZE) >> 2],
              tableBase: u32[(ours + DSO_TABLE_BASE) >> 2],
              tableSize: u32[(ours + DSO_TABLE_SIZE) >> 2],
              tableLengthAfter: Module.wasmTable.length,
            });
          }
          return value;
        };
        const result = load(name, flags, localScope, ours);
        return result && typeof result.then === "function" ? result.then(done) : done(result);
      };
    });
    return recorder;
  }

  // JS objects Python holds that are not reachable from globalThis (Pyodide keeps those by
  // their path): functions made by `pyodide.code.run_js`, such as Panel's `_dict_converter`,
  // are kept as their source text. That is right only for functions that use no variables
  // of an enclosing scope, which is what run_js makes from a string; anything else refuses
  // the snapshot (the visit then goes on without one).
  function serializeJsObject(value) {
    if (typeof value === "function") {
      const source = Function.prototype.toString.call(value);
      if (!/\[native code\]\s*}$/.test(source)) return { function: source };
    }
    throw new Error("the memory snapshot cannot keep this JS object: " + String(value).slice(0, 80));
  }

  function deserializeJsObject(serialized) {
    if (serialized && typeof serialized.function === "string") {
      return (0, eval)("(" + serialized.function + ")");
    }
    throw new Error("unknown object in the memory snapshot");
  }

  function walkFiles(FS, dir, out) {
    for (const name of FS.readdir(dir)) {
      if (name === "." || name === "..") continue;
      const path = dir + "/" + name;
      const mode = FS.lstat(path).mode;
      if (FS.isDir(mode)) {
        walkFiles(FS, path, out);
      } else if (FS.isFile(mode)) {
        out.push(path);
      } else {
        throw new Error("the memory snapshot keeps only files and folders, not " + path);
      }
    }
    return out;
  }

  /** Take the snapshot of Python's memory: call it right after the imports, before Python is
   * given any JS object of the page's. `imported`: the set of bytecode files of the modules
   * imported (pyvizzy.app.worker_runtime.imported_bytecode), left out of the snapshot's
   * files since their code is in the memory. Cheap (one copy of the memory); `store` does
   * the rest later, when the app is up. */
  function capture(pyodide, recorder, imported) {
    const Module = recorder.Module;
    if (recorder.libraries.length * DSO_BYTES > SCRATCH_BYTES) {
      throw new Error("too many shared libraries for the memory snapshot");
    }
    // Pyodide expects the 7th entry of its table of JS objects to be an empty object; after
    // packages are loaded it is `pyodide.loadedPackages` (kept by pyodide._package_loader):
    // empty it while the snapshot is taken (`restore` puts it back).
    const loadedPackages = Object.assign({}, pyodide.loadedPackages);
    const heldPackages = Module.__hiwire_get(LOADED_PACKAGES_INDEX) === pyodide.loadedPackages;
    if (heldPackages) {
      for (const name of Object.keys(loadedPackages)) delete pyodide.loadedPackages[name];
    }
    let memory;
    try {
      memory = pyodide.makeMemorySnapshot({ serializer: serializeJsObject });
    } finally {
      Object.assign(pyodide.loadedPackages, loadedPackages);
    }
    const handles = {};
    for (const [handle, dso] of Object.entries(Module.LDSO.loadedLibsByHandle)) {
      if (dso && dso.name) handles[handle] = dso.name;
    }
    const names = {};
    for (const [name, dso] of Object.entries(Module.LDSO.loadedLibsByName)) {
      if (dso && dso.name) names[name] = dso.name;
    }
    return {
      memory: memory,
      imported: imported || new Set(),
      header: {
        format: FORMAT,
        tableLengthAtStart: recorder.tableLengthAtStart,
        libraries: recorder.libraries,
        handles: handles,
        names: names,
        loadedPackages: loadedPackages,
        heldPackages: heldPackages,
        memoryBytes: memory.length,
      },
    };
  }

  /** The stored form of a captured snapshot, as Blob parts: "pyz2", the header's length, the
   * checksum, the header (JSON, with `key`), the packages' files (but the bytecode of the
   * modules imported when it was taken), then Pyodide's snapshot of the memory (at a multiple
   * of 16 bytes) and SCRATCH_BYTES of zeros. The checksum is XXH32, seeded with the header's
   * length, of all that follows it. */
  function serialize(captured, FS, folders, key) {
    const found = [];
    for (const folder of folders) {
      if (FS.analyzePath(folder).exists) walkFiles(FS, folder, found);
    }
    const paths = found.filter((path) => !captured.imported.has(path));
    const contents = paths.map((path) => FS.readFile(path));
    const header = Object.assign({}, captured.header, {
      key: key,
      files: paths.map((path, i) => [path, contents[i].length]),
    });
    const headerBytes = new TextEncoder().encode(JSON.stringify(header));
    const parts = layout(header, headerBytes.length);
    const stored = [headerBytes, ...contents, new Uint8Array(parts.memoryStart - parts.filesEnd),
      captured.memory, new Uint8Array(SCRATCH_BYTES)];
    const checksum = Checksum.xxh32(headerBytes.length);
    for (const part of stored) checksum.update(part);
    const prefix = new DataView(new ArrayBuffer(PREFIX_BYTES));
    prefix.setUint32(0, MAGIC, true);
    prefix.setUint32(4, headerBytes.length, true);
    prefix.setUint32(8, checksum.digest(), true);
    return [new Uint8Array(prefix.buffer), ...stored];
  }

  /** Where the parts of a stored snapshot lie, from its header (`headerLength` bytes of
   * JSON after the prefix): the files one after the other from `filesStart` to `filesEnd`,
   * then the memory and SCRATCH_BYTES from `memoryStart` (a multiple of 16) to `end`. */
  function layout(header, headerLength) {
    const filesStart = PREFIX_BYTES + headerLength;
    const filesEnd = header.files.reduce((end, [, size]) => end + size, filesStart);
    const memoryStart = Math.ceil(filesEnd / 16) * 16;
    return { filesStart, filesEnd, memoryStart,
      end: memoryStart + header.memoryBytes + SCRATCH_BYTES };
  }

  /** The length of a stored snapshot, from its first bytes `head` (a Uint8Array): null
   * until they hold its whole header. */
  function storedLength(head) {
    if (head.length < PREFIX_BYTES) return null;
    const view = new DataView(head.buffer, head.byteOffset, head.length);
    if (view.getUint32(0, true) !== MAGIC) throw new Error("not a pyvizzy memory snapshot");
    const headerLength = view.getUint32(4, true);
    if (head.length < PREFIX_BYTES + headerLength) return null;
    return layout(readHeader(head, headerLength), headerLength).end;
  }

  function readHeader(bytes, headerLength) {
    const text = new TextDecoder().decode(bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + headerLength));
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new Error("the memory snapshot's header is damaged (" + error.message + ")");
    }
  }

  /** A check of a stored snapshot's checksum, to give its bytes to as they are read. */
  const checker = () => Checksum.checker(PREFIX_BYTES, 4, 8);

  /** The parts of a stored snapshot made for `key`: the memory a view into `buffer`, the
   * files views into a copy of their part, and `checksumMs`, the time its checksum took.
   * `check`: a checker given all of its bytes as they were read (the checksum is then known
   * at once), else the checksum is computed here. */
  function parse(buffer, key, check = null) {
    const view = new DataView(buffer);
    if (buffer.byteLength < PREFIX_BYTES || view.getUint32(0, true) !== MAGIC) {
      throw new Error("not a pyvizzy memory snapshot");
    }
    const headerLength = view.getUint32(4, true);
    if (PREFIX_BYTES + headerLength > buffer.byteLength) {
      throw new Error("the memory snapshot is cut short or too long");
    }
    const header = readHeader(new Uint8Array(buffer), headerLength);
    if (header.format !== FORMAT) throw new Error("memory snapshot of another format");
    if (header.key !== key) throw new Error("memory snapshot of another build");
    const parts = layout(header, headerLength);
    if (parts.end !== buffer.byteLength) {
      throw new Error("the memory snapshot is cut short or too long");
    }
    if (!check || check.seen() !== buffer.byteLength) {
      check = checker();
      check.update(new Uint8Array(buffer));
    }
    if (!check.matches()) {
      throw new Error("the memory snapshot is damaged (its checksum does not match)");
    }
    // The files get a buffer of their own (one copy): the file system keeps views into it
    // for good, and views into `buffer` would keep the old memory's 60-odd MB alive too.
    const filesBuffer = buffer.slice(parts.filesStart, parts.filesEnd);
    let offset = 0;
    const files = header.files.map(([path, size]) => {
      const data = new Uint8Array(filesBuffer, offset, size);
      offset += size;
      return [path, data];
    });
    const memory = new Uint8Array(buffer, parts.memoryStart, header.memoryBytes + SCRATCH_BYTES);
    return { header: header, files: files, memory: memory, checksumMs: Math.round(check.ms) };
  }

  // ---- repeat visit: restore -----------------------------------------------------------

  function writeFiles(FS, files) {
    const made = new Set();
    for (const [path, data] of files) {
      const dir = path.slice(0, path.lastIndexOf("/"));
      if (!made.has(dir)) {
        FS.mkdirTree(dir);
        made.add(dir);
      }
      FS.writeFile(path, data, { canOwn: true });
    }
  }

  async function reloadLibraries(Module, header, scratch) {
    if (Module.wasmTable.length !== header.tableLengthAtStart) {
      throw new Error("Pyodide's function table differs from the snapshot's");
    }
    for (const [i, lib] of header.libraries.entries()) {
      if (Module.wasmTable.length > lib.tableLength) {
        throw new Error("the function table is longer than when " + lib.name + " was loaded");
      }
      const handle = scratch + i * DSO_BYTES;
      Module.HEAPU8.fill(0, handle, handle + DSO_BYTES);
      Module.HEAPU8[handle + DSO_LOADED] = 1;
      Module.HEAPU32[(handle + DSO_MEM_BASE) >> 2] = lib.memoryBase;
      Module.HEAPU32[(handle + DSO_MEM_SIZE) >> 2] = lib.memorySize;
      Module.HEAPU32[(handle + DSO_TABLE_BASE) >> 2] = lib.tableBase;
      Module.HEAPU32[(handle + DSO_TABLE_SIZE) >> 2] = lib.tableSize;
      // (the library's file is read from the file system written back just before)
      const flags = { loadAsync: true, nodelete: true, allowUndefined: true, global: lib.global,
        fs: Module.FS };
      await Module.loadDynamicLibrary(lib.name, flags, lib.global ? null : {}, handle);
      delete Module.LDSO.loadedLibsByHandle[handle];
      // Its other names, as the first visit had them (Pyodide also registers a library by its
      // file name, which is how the libraries that need it name it).
      const dso = Module.LDSO.loadedLibsByName[lib.name];
      for (const [name, target] of Object.entries(header.names)) {
        if (target === lib.name) Module.LDSO.loadedLibsByName[name] ||= dso;
      }
      if (Module.wasmTable.length !== lib.tableLengthAfter) {
        throw new Error("the function table did not line up after reloading " + lib.name);
      }
    }
    // The handles the C side of dlopen holds in the restored memory.
    for (const [handle, name] of Object.entries(header.handles)) {
      const dso = Module.LDSO.loadedLibsByName[name];
      if (dso) Module.LDSO.loadedLibsByHandle[handle] = dso;
    }
  }

  /** Start Pyodide from a snapshot made for `key` (`buffer`: its ArrayBuffer, or a promise of
   * it; `check`: a checker it is given to as it is read, if any). `options` are loadPyodide's
   * (no packages: they are in the snapshot). `times` is given `checksum_ms`. */
  async function restore(loadPyodide, options, buffer, key, times = {}, check = null) {
    // `buffer` may still be on its way (a promise): Pyodide's own start overlaps the read,
    // and waits for the memory only when it creates its module.
    const parsed = Promise.resolve(buffer).then((bytes) => {
      const snapshot = parse(bytes, key, check);
      times.checksum_ms = snapshot.checksumMs;
      return snapshot;
    });
    hookModuleCreation(async (Module) => {
      const { header, files, memory } = await parsed;
      // The memory is stored with SCRATCH_BYTES of zeros after it: Pyodide sizes the new
      // memory from the snapshot it is given, so there is room after the old memory for the
      // handles used while the libraries are reloaded (restoring then writes zeros there).
      writeFiles(Module.FS, files);
      await reloadLibraries(Module, header, header.memoryBytes - headerBytesOf(memory));
    });
    const pyodide = await loadPyodide(Object.assign({}, options, {
      _loadSnapshot: parsed.then((snapshot) => snapshot.memory),
      _snapshotDeserializer: deserializeJsObject,
    }));
    const { header } = await parsed;
    Object.assign(pyodide.loadedPackages, header.loadedPackages);
    if (header.heldPackages) pyodide._module.__hiwire_set(LOADED_PACKAGES_INDEX, pyodide.loadedPackages);
    return pyodide;
  }

  // Pyodide's snapshot is its own header followed by the memory: the header's length is at
  // byte 4 (see API.makeSnapshot in pyodide.asm.js).
  function headerBytesOf(snapshot) {
    return new DataView(snapshot.buffer, snapshot.byteOffset, 8).getUint32(4, true);
  }

  return { recordLibraries, capture, serialize, storedLength, checker, parse, restore,
    packageFolders };
})();
