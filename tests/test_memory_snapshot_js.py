"""memory_snapshot.js's stored format, run in Node.js: what `serialize` writes, `parse` reads
back (the memory as a view, not copied), and anything else is refused before Python starts.

The snapshot's real use (first visit stores, repeat visit restores, a damaged one is dropped)
is tested in a browser in test_site_browser.py.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

SITE = Path(__file__).resolve().parents[1] / "src" / "pyvizzy" / "site"
SCRIPT = SITE / "templates" / "memory_snapshot.js"
UPLOAD = SITE / "bake_upload.js"

# A stand-in for Emscripten's FS holding two files, and a "captured" snapshot whose memory is
# Pyodide's layout: a 48-byte header (its length at byte 4) then the memory.
HARNESS = r"""
const vm = require("vm");
const fs = require("fs");
const context = { self: {}, TextEncoder, TextDecoder, DataView, Uint8Array, Uint32Array,
                  Blob, Response, JSON, Math, Object, Error, console, performance };
vm.createContext(context);
vm.runInContext(fs.readFileSync(process.argv[2], "utf8") + "\nself.MS = MemorySnapshot;",
                context);
const MS = context.self.MS;
const files = { "/lib/site/a.py": new Uint8Array([1, 2, 3]), "/lib/site/pkg/b.so":
                new Uint8Array(1001).fill(7), "/lib/site/pkg/c.pyc": new Uint8Array(5) };
const FS = {
  analyzePath: (p) => ({ exists: p === "/lib/site" }),
  readdir: (dir) => [".", ".."].concat(dir === "/lib/site" ? ["a.py", "pkg"] : ["b.so", "c.pyc"]),
  lstat: (p) => ({ mode: p in files ? 1 : 2 }),
  isDir: (mode) => mode === 2,
  isFile: (mode) => mode === 1,
  readFile: (p) => files[p],
};
const memory = new Uint8Array(48 + 4096);
new DataView(memory.buffer).setUint32(4, 48, true);
memory.fill(9, 48);
// c.pyc is the bytecode of a module imported when the snapshot was taken: not kept.
const captured = { memory, imported: new Set(["/lib/site/pkg/c.pyc"]),
                   header: { format: "pyvizzy-memory-snapshot/1", libraries: [],
                             memoryBytes: memory.length } };
const check = async () => {
  const parts = MS.serialize(captured, FS, ["/lib/site", "/missing"], "key-1");
  const buffer = await new Blob(parts).arrayBuffer();
  fs.writeFileSync(process.argv[3], new Uint8Array(buffer));
  const parsed = MS.parse(buffer, "key-1");
  const outcome = {
    files: parsed.files.map(([path, data]) => [path, data.length, data[0]]),
    memoryOffset: parsed.memory.byteOffset,
    memoryLength: parsed.memory.length,
    memoryHead: Array.from(parsed.memory.subarray(48, 52)),
    scratchZero: parsed.memory.subarray(memory.length).every((b) => b === 0),
    refused: [],
  };
  const refuse = (name, bad, key = "key-1") => {
    try { MS.parse(bad, key); outcome.refused.push([name, null]); }
    catch (error) { outcome.refused.push([name, error.message]); }
  };
  refuse("garbage", new TextEncoder().encode("not a snapshot at all").buffer);
  refuse("cut short", buffer.slice(0, buffer.byteLength - 100));
  refuse("too long", (() => { const b = new Uint8Array(buffer.byteLength + 16);
                               b.set(new Uint8Array(buffer)); return b.buffer; })());
  const other = new Uint8Array(buffer.slice(0));
  const text = new TextDecoder().decode(other.subarray(8, 8 + 60));
  other.set(new TextEncoder().encode(text.replace("snapshot/1", "snapshot/0")), 8);
  refuse("other format", other.buffer);
  refuse("other build", buffer, "key-2");
  // `read`: a response's body in pieces of 7 bytes (the header arrives over many), its
  // progress told; a body cut short or too long refused.
  const streamed = (bytes) => new Response(new ReadableStream({
    start(controller) {
      for (let at = 0; at < bytes.length; at += 7) controller.enqueue(bytes.slice(at, at + 7));
      controller.close();
    },
  }));
  const whole = new Uint8Array(buffer);
  const told = [];
  const read = new Uint8Array(await MS.read(streamed(whole), (f) => told.push(f)));
  outcome.read = { same: read.length === whole.length && read.every((b, i) => b === whole[i]),
                   told: [told[0], told[told.length - 1]], errors: [] };
  for (const bad of [whole.subarray(0, whole.length - 100), (() => {
    const b = new Uint8Array(whole.length + 16); b.set(whole); return b; })()]) {
    try { await MS.read(streamed(bad), () => {}); outcome.read.errors.push(null); }
    catch (error) { outcome.read.errors.push(error.message); }
  }
  // bake_upload.js, as the bake visit's page runs it: the kept snapshot checked, then sent.
  const sent = [];
  let kept = buffer;
  Object.assign(context, {
    crypto: globalThis.crypto,
    SnapshotStore: { load: async (key) => (key === "key-1" ? kept : null) },
    fetch: async (path, init) => {
      sent.push([path, init.method, init.headers["X-Pyvizzy-Sha256"], init.body.byteLength]);
      return { ok: true, status: 204 };
    },
  });
  const upload = vm.runInContext(fs.readFileSync(process.argv[4], "utf8"), context);
  outcome.upload = { problems: [await upload(["/up", "key-1"]), await upload(["/up", "key-2"])] };
  kept = new TextEncoder().encode("not a snapshot at all").buffer;
  outcome.upload.problems.push(await upload(["/up", "key-1"]));
  outcome.upload.sent = sent;
  console.log(JSON.stringify(outcome));
};
check();
"""


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    """Where the harness writes the serialized snapshot (made for key "key-1")."""
    return tmp_path_factory.mktemp("snapshot") / "snapshot.bin"


@pytest.fixture(scope="module")
def outcome(tmp_path_factory, written) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed")
    harness = tmp_path_factory.mktemp("node") / "harness.js"
    harness.write_text(HARNESS)
    done = subprocess.run([node, str(harness), str(SCRIPT), str(written), str(UPLOAD)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_serialize_then_parse_gives_back_the_files_and_the_memory(outcome):
    assert outcome["files"] == [["/lib/site/a.py", 3, 1], ["/lib/site/pkg/b.so", 1001, 7]]
    assert outcome["memoryOffset"] % 16 == 0, "Pyodide reads the memory as 32-bit words"
    assert outcome["memoryLength"] == 48 + 4096 + 65536, "the memory, then the scratch room"
    assert outcome["memoryHead"] == [9, 9, 9, 9]
    assert outcome["scratchZero"]


def test_read_gives_the_stored_snapshot_with_its_progress_and_refuses_another_length(outcome):
    # A visit reads the site's snapshot as it arrives: into one buffer sized from its header,
    # telling how much has arrived; a body cut short or too long is not restored.
    found = outcome["read"]
    assert found["same"]
    assert 0 < found["told"][0] < 1 and found["told"][1] == 1
    assert found["errors"] == ["the memory snapshot is cut short",
                               "the memory snapshot is too long"]


def test_parse_refuses_anything_but_a_whole_snapshot_of_its_format(outcome):
    refused = dict(outcome["refused"])
    assert refused["garbage"] == "not a pyvizzy memory snapshot"
    assert refused["cut short"] == "the memory snapshot is cut short or too long"
    assert refused["too long"] == "the memory snapshot is cut short or too long"
    assert refused["other format"] == "memory snapshot of another format"
    assert refused["other build"] == "memory snapshot of another build"


def test_the_bake_sends_only_a_whole_snapshot_of_its_build_with_its_sha256(outcome, written):
    """bake_upload.js checks the kept snapshot as a visit would (MemorySnapshot.parse) and
    sends it with the sha256 the build's server checks the transfer against."""
    import hashlib

    good, other_build, garbage = outcome["upload"]["problems"]
    assert good is None
    assert other_build == "no snapshot kept for key key-2"
    assert garbage == "the kept snapshot is unusable: not a pyvizzy memory snapshot"
    data = written.read_bytes()
    assert outcome["upload"]["sent"] == [["/up", "PUT", hashlib.sha256(data).hexdigest(),
                                          len(data)]]
