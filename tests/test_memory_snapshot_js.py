"""memory_snapshot.js's stored format, run in Node.js: what `serialize` writes, `parse` reads
back (the memory as a view, not copied), and anything else is refused before Python starts:
another length, format or build, and any flipped bit (checksum.js's XXH32). The download of
the site's snapshot (snapshot_download.js) gives up once no byte has come for its idle limit.

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
#: The scripts the harness loads, in the worker's order.
SCRIPTS = [SITE / "templates" / name
           for name in ("checksum.js", "snapshot_download.js", "memory_snapshot.js")]
UPLOAD = SITE / "bake_upload.js"

# A stand-in for Emscripten's FS holding two files, and a "captured" snapshot whose memory is
# Pyodide's layout: a 48-byte header (its length at byte 4) then the memory.
HARNESS = r"""
const vm = require("vm");
const fs = require("fs");
const context = { self: {}, TextEncoder, TextDecoder, DataView, Uint8Array, Uint32Array,
                  Int32Array, Blob, Response, JSON, Math, Object, Error, console, performance,
                  setTimeout, clearTimeout, AbortController };
vm.createContext(context);
vm.runInContext(process.argv[2].split(",").map((path) => fs.readFileSync(path, "utf8"))
                .join("\n") + "\nObject.assign(self, { MS: MemorySnapshot, Checksum, " +
                "SnapshotDownload });", context);
const { MS, Checksum, SnapshotDownload } = context.self;
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
                   header: { format: "pyvizzy-memory-snapshot/2", libraries: [],
                             tableLengthAtStart: 1234, memoryBytes: memory.length } };
const xxh32 = (bytes, seed = 0, cuts = []) => {
  const hash = Checksum.xxh32(seed);
  let at = 0;
  for (const cut of cuts) { hash.update(bytes.subarray(at, cut)); at = cut; }
  hash.update(bytes.subarray(at));
  return hash.digest().toString(16).padStart(8, "0");
};
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
  const text = new TextDecoder().decode(other.subarray(12, 12 + 60));
  other.set(new TextEncoder().encode(text.replace("snapshot/2", "snapshot/0")), 12);
  refuse("other format", other.buffer);
  refuse("other build", buffer, "key-2");
  // Flipped bits: anywhere in the memory (200 of them, or one), in a file, in the scratch
  // room, in the header (a digit for another: still JSON), in the checksum itself.
  const flipped = (positions) => {
    const bytes = new Uint8Array(buffer.slice(0));
    for (const bit of positions) bytes[bit >> 3] ^= 1 << (bit & 7);
    return bytes.buffer;
  };
  const memoryAt = 8 * parsed.memory.byteOffset;
  const random = (n, from, to) => Array.from({ length: n }, (_, i) =>
    from + Math.floor(((i * 2654435761) % 4294967296) / 4294967296 * (to - from)));
  refuse("200 bits in the memory", flipped(random(200, memoryAt, memoryAt + 8 * 4144)));
  refuse("one bit in the memory", flipped([memoryAt + 8 * 4000 + 3]));
  refuse("one bit in the scratch room", flipped([memoryAt + 8 * (4144 + 100)]));
  refuse("one bit in a file", flipped([8 * (parsed.memory.byteOffset - 500)]));
  const digit = 12 + new TextDecoder().decode(new Uint8Array(buffer, 12, 200))
    .indexOf(":1234,") + 2;
  refuse("a digit in the header", flipped([8 * digit])); // (1234 is 1334: the same layout)
  refuse("one bit in the checksum", flipped([8 * 8 + 5]));
  // checksum.js is XXH32: xxHash's own test values, whatever the pieces it is given in.
  const text32 = (s) => new TextEncoder().encode(s);
  const long = Uint8Array.from({ length: 1001 }, (_, i) => (i * 7) & 255);
  outcome.xxh32 = [xxh32(text32("")), xxh32(text32("a")), xxh32(text32("abc")),
                   xxh32(text32("Nobody inspects the spammish repetition")),
                   xxh32(text32("abc"), 1), xxh32(long),
                   xxh32(long, 0, [3, 5, 22, 23, 500]), xxh32(long.subarray(1))];
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
  const check = MS.checker();
  const read = new Uint8Array(await SnapshotDownload.read(streamed(whole), {
    lengthOf: MS.storedLength, onProgress: (f) => told.push(f), onChunk: check.update }));
  outcome.read = { same: read.length === whole.length && read.every((b, i) => b === whole[i]),
                   told: [told[0], told[told.length - 1]], errors: [] };
  // The checksum computed from the pieces as they came: all of them, and it matches; a
  // damaged body's does not.
  const damagedCheck = MS.checker();
  await SnapshotDownload.read(streamed(new Uint8Array(flipped([memoryAt + 8 * 100]))),
                              { lengthOf: MS.storedLength, onChunk: damagedCheck.update });
  outcome.read.checked = [check.seen() === whole.length, check.matches(),
                          damagedCheck.matches()];
  for (const bad of [whole.subarray(0, whole.length - 100), (() => {
    const b = new Uint8Array(whole.length + 16); b.set(whole); return b; })()]) {
    try { await SnapshotDownload.read(streamed(bad), { lengthOf: MS.storedLength });
          outcome.read.errors.push(null); }
    catch (error) { outcome.read.errors.push(error.message); }
  }
  // `start` with an idle limit of 0.2 s: a body sent in pieces 50 ms apart arrives whole; a
  // server that stops sending, or never answers, is given up.
  // A stand-in for fetch: a server that sends `pieces` `gapMs` apart, then ends the body or
  // (`ends` false) sends nothing more; or (`answers` false) never answers. Its abort signal
  // ends the request as fetch's does.
  const server = ({ pieces = [], gapMs = 0, answers = true, ends = true }) => (url, init) =>
    new Promise((resolve, reject) => {
      init.signal.addEventListener("abort", () => reject(init.signal.reason));
      if (!answers) return;
      resolve(new Response(new ReadableStream({
        async start(controller) {
          init.signal.addEventListener("abort", () => controller.error(init.signal.reason));
          for (const piece of pieces) {
            controller.enqueue(piece);
            await new Promise((wake) => setTimeout(wake, gapMs));
          }
          if (ends) controller.close();
        },
      })));
    });
  const slices = (bytes, n) => Array.from({ length: n }, (_, i) =>
    bytes.slice(Math.floor(i * bytes.length / n), Math.floor((i + 1) * bytes.length / n)));
  const download = async (fetch) => {
    const started = performance.now();
    try {
      const snapshot = await SnapshotDownload.start("/s.bin",
        { idleSeconds: 0.2, lengthOf: MS.storedLength, fetch });
      const bytes = new Uint8Array(await snapshot.arrayBuffer());
      return [bytes.length === whole.length && bytes.every((b, i) => b === whole[i]), null];
    } catch (error) {
      return [error.message, Math.round(performance.now() - started)];
    }
  };
  const pieces = slices(whole, 8);
  outcome.stall = {
    slow: await download(server({ pieces, gapMs: 50 })),
    stops: await download(server({ pieces: pieces.slice(0, 3), ends: false })),
    silent: await download(server({ answers: false })),
    missing: await SnapshotDownload.start("/s.bin", { idleSeconds: 0.2,
      lengthOf: MS.storedLength, fetch: async () => new Response("gone", { status: 404 }) }),
  };
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
    scripts = ",".join(str(path) for path in SCRIPTS)
    done = subprocess.run([node, str(harness), scripts, str(written), str(UPLOAD)],
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
    assert found["checked"] == [True, True, False], "the checksum as the pieces arrive"
    assert found["errors"] == ["the memory snapshot is cut short",
                               "the memory snapshot is too long"]


def test_parse_refuses_anything_but_a_whole_snapshot_of_its_format(outcome):
    refused = dict(outcome["refused"])
    assert refused["garbage"] == "not a pyvizzy memory snapshot"
    assert refused["cut short"] == "the memory snapshot is cut short or too long"
    assert refused["too long"] == "the memory snapshot is cut short or too long"
    assert refused["other format"] == "memory snapshot of another format"
    assert refused["other build"] == "memory snapshot of another build"


def test_parse_refuses_a_snapshot_with_any_flipped_bit(outcome):
    # Each of these parses as a snapshot of this build and this length: only the checksum,
    # written with it, tells that it is damaged.
    damaged = "the memory snapshot is damaged (its checksum does not match)"
    refused = dict(outcome["refused"])
    for where in ("200 bits in the memory", "one bit in the memory", "one bit in the scratch room",
                  "one bit in a file", "a digit in the header", "one bit in the checksum"):
        assert refused[where] == damaged, where


def test_the_checksum_is_xxh32_given_in_any_pieces(outcome):
    # xxHash's own values (XXH32 of "", "a", "abc" and the xxhash docs' sentence, seed 0;
    # "abc" with seed 1; 1001 bytes (i * 7) & 255, as Python's xxhash 4.1 gives it), so
    # `xxhsum -H32` can check a snapshot's.
    assert outcome["xxh32"][:5] == ["02cc5d05", "550d7456", "32d153ff", "e2293b2f", "aa3da8ff"]
    whole, in_pieces, shifted = outcome["xxh32"][5:]
    assert whole == in_pieces == "e124d4e7"
    assert shifted == "30756c89"  # (its last 1000 bytes: the words read off a 4-byte boundary)


def test_a_download_that_stops_sending_is_given_up_after_its_idle_limit(outcome):
    stall = outcome["stall"]
    assert stall["slow"] == [True, None], "a slow body that keeps coming is read whole"
    stalled = "the memory snapshot's download stalled (no bytes for 0.2 s)"
    for case in ("stops", "silent"):  # (in its body; before any answer)
        message, after_ms = stall[case]
        assert message == stalled, case
        assert 150 <= after_ms < 2000, case
    assert stall["missing"] is None, "a server without the snapshot: none, no error"


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
