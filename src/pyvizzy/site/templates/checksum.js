// The memory snapshot's checksum (memory_snapshot.js writes it and checks it before a
// restore): XXH32, xxHash's 32-bit hash (https://xxhash.com; the same value as `xxhsum -H32`
// or Python's xxhash.xxh32), over little-endian 32-bit words, as every browser's typed arrays
// are. It catches flipped bits and damaged files, not a forgery (nothing here needs that: the
// snapshot comes from this site or from this browser's own storage). In pieces, as a stream:
// `update` as often as needed, then `digest`. It reads the words through an Int32Array view
// (a copy only for a piece that does not start on a 4-byte boundary), 2 stripes of 4 lanes a
// turn: in Chromium about as fast as JavaScript reads 75 MB at all, and 3 times as fast as
// crypto.subtle's SHA-256, which also holds the thread while it hashes (docs/site.md).
/* exported Checksum */
"use strict";

const Checksum = (() => {
  const P1 = 0x9e3779b1 | 0;
  const P2 = 0x85ebca77 | 0;
  const P3 = 0xc2b2ae3d | 0;
  const P4 = 0x27d4eb2f | 0;
  const P5 = 0x165667b1 | 0;
  const STRIPE = 16;

  /** A running XXH32 with `seed` (a 32-bit integer): `update(bytes)`, then `digest()`. */
  function xxh32(seed = 0) {
    const lanes = [(seed + P1 + P2) | 0, (seed + P2) | 0, seed | 0, (seed - P1) | 0];
    const carry = new Uint8Array(STRIPE); // the bytes of a stripe not complete yet
    let carried = 0;
    let total = 0;

    // (4 lanes, 2 stripes a turn: all int32 locals, which V8 then keeps in registers)
    function stripes(words) {
      const p1 = P1 | 0;
      const p2 = P2 | 0;
      let v1 = lanes[0] | 0;
      let v2 = lanes[1] | 0;
      let v3 = lanes[2] | 0;
      let v4 = lanes[3] | 0;
      const n = words.length;
      let i = 0;
      for (; i + 8 <= n; i += 8) {
        v1 = (v1 + Math.imul(words[i], p2)) | 0;
        v1 = Math.imul((v1 << 13) | (v1 >>> 19), p1);
        v2 = (v2 + Math.imul(words[i + 1], p2)) | 0;
        v2 = Math.imul((v2 << 13) | (v2 >>> 19), p1);
        v3 = (v3 + Math.imul(words[i + 2], p2)) | 0;
        v3 = Math.imul((v3 << 13) | (v3 >>> 19), p1);
        v4 = (v4 + Math.imul(words[i + 3], p2)) | 0;
        v4 = Math.imul((v4 << 13) | (v4 >>> 19), p1);
        v1 = (v1 + Math.imul(words[i + 4], p2)) | 0;
        v1 = Math.imul((v1 << 13) | (v1 >>> 19), p1);
        v2 = (v2 + Math.imul(words[i + 5], p2)) | 0;
        v2 = Math.imul((v2 << 13) | (v2 >>> 19), p1);
        v3 = (v3 + Math.imul(words[i + 6], p2)) | 0;
        v3 = Math.imul((v3 << 13) | (v3 >>> 19), p1);
        v4 = (v4 + Math.imul(words[i + 7], p2)) | 0;
        v4 = Math.imul((v4 << 13) | (v4 >>> 19), p1);
      }
      if (i < n) { // (an odd number of stripes: the last)
        v1 = (v1 + Math.imul(words[i], p2)) | 0;
        v1 = Math.imul((v1 << 13) | (v1 >>> 19), p1);
        v2 = (v2 + Math.imul(words[i + 1], p2)) | 0;
        v2 = Math.imul((v2 << 13) | (v2 >>> 19), p1);
        v3 = (v3 + Math.imul(words[i + 2], p2)) | 0;
        v3 = Math.imul((v3 << 13) | (v3 >>> 19), p1);
        v4 = (v4 + Math.imul(words[i + 3], p2)) | 0;
        v4 = Math.imul((v4 << 13) | (v4 >>> 19), p1);
      }
      lanes.splice(0, 4, v1, v2, v3, v4);
    }

    function update(bytes) {
      total += bytes.length;
      let at = 0;
      if (carried) {
        at = Math.min(STRIPE - carried, bytes.length);
        carry.set(bytes.subarray(0, at), carried);
        carried += at;
        if (carried < STRIPE) return;
        stripes(new Int32Array(carry.buffer));
        carried = 0;
      }
      const whole = bytes.length - at - ((bytes.length - at) % STRIPE);
      if (whole) {
        const start = bytes.byteOffset + at;
        stripes(start % 4 === 0 ? new Int32Array(bytes.buffer, start, whole / 4)
          : new Int32Array(bytes.slice(at, at + whole).buffer));
      }
      carry.set(bytes.subarray(at + whole));
      carried = bytes.length - at - whole;
    }

    /** The hash of everything given, as an unsigned 32-bit integer. */
    function digest() {
      const [v1, v2, v3, v4] = lanes;
      let h = total >= STRIPE
        ? ((v1 << 1) | (v1 >>> 31)) + ((v2 << 7) | (v2 >>> 25)) +
          ((v3 << 12) | (v3 >>> 20)) + ((v4 << 18) | (v4 >>> 14))
        : seed + P5;
      h = (h + total) | 0;
      const rest = new DataView(carry.buffer, 0, carried);
      let at = 0;
      for (; at + 4 <= carried; at += 4) {
        h = (h + Math.imul(rest.getUint32(at, true), P3)) | 0;
        h = Math.imul((h << 17) | (h >>> 15), P4);
      }
      for (; at < carried; at++) {
        h = (h + Math.imul(carry[at], P5)) | 0;
        h = Math.imul((h << 11) | (h >>> 21), P1);
      }
      h = Math.imul(h ^ (h >>> 15), P2);
      h = Math.imul(h ^ (h >>> 13), P3);
      return (h ^ (h >>> 16)) >>> 0;
    }

    return { update, digest };
  }

  /** A check of data that holds its own checksum: its first `prefixBytes` bytes hold, at
   * `seedAt` and `digestAt`, the seed and the XXH32 of all that follows them. Give it the
   * bytes in order as they arrive (`update`: a download's pieces are hashed while still in
   * the processor's cache), then `matches()`; `seen()` counts them, `ms` is the time spent. */
  function checker(prefixBytes, seedAt, digestAt) {
    const prefix = new DataView(new ArrayBuffer(prefixBytes));
    let seen = 0;
    let hash = null;
    const check = {
      ms: 0,
      seen: () => seen,
      matches: () => hash !== null && hash.digest() === prefix.getUint32(digestAt, true),
      update: (bytes) => {
        const started = performance.now();
        for (; seen < prefixBytes && bytes.length; bytes = bytes.subarray(1)) {
          prefix.setUint8(seen++, bytes[0]);
        }
        if (seen === prefixBytes) hash ||= xxh32(prefix.getUint32(seedAt, true));
        if (hash) hash.update(bytes);
        seen += bytes.length;
        check.ms += performance.now() - started;
      },
    };
    return check;
  }

  return { xxh32, checker };
})();
