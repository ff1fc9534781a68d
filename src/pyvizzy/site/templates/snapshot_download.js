// The site's own memory snapshot (memory_snapshot.js), downloaded by the worker while Python
// starts. A download that stalls (no byte for `idleSeconds`: waiting for the server's answer,
// or between two pieces of its body) is given up, so the worker starts Python afresh instead;
// a slow one that keeps sending is never cut short.
/* exported SnapshotDownload */
"use strict";

const SnapshotDownload = (() => {
  const PROGRESS_MS = 200; // how often the download tells its progress

  /** Start downloading `url`. Resolves to null when the server has no snapshot (an answer
   * that is not ok), else to the snapshot, whose `arrayBuffer(onChunk)` reads its body (like
   * a kept one's: snapshot_store.js) with `read`, `onProgress(fraction)` told how much has
   * arrived. Rejects, and a read rejects, with a readable Error when the download fails or
   * stalls. */
  async function start(url, { idleSeconds, lengthOf, onProgress = () => {}, fetch = self.fetch }) {
    const stop = new AbortController();
    const stalled = new Error(
      `the memory snapshot's download stalled (no bytes for ${idleSeconds} s)`);
    let timer = null;
    const watch = (on) => {
      clearTimeout(timer);
      if (on) timer = setTimeout(() => stop.abort(stalled), idleSeconds * 1000);
    };
    const failed = (error) => (stop.signal.aborted ? stalled : error);
    watch(true);
    let response;
    try {
      response = await fetch(url, { signal: stop.signal });
    } catch (error) {
      throw failed(error);
    } finally {
      watch(false); // (until its body is read: the worker loads its scripts meanwhile)
    }
    if (!response.ok) {
      if (response.body) response.body.cancel().catch(() => {});
      return null;
    }
    return {
      arrayBuffer: async (onChunk) => {
        watch(true);
        try {
          return await read(response, { lengthOf, onProgress, onChunk,
            onPiece: () => watch(true) });
        } catch (error) {
          throw failed(error);
        } finally {
          watch(false);
        }
      },
    };
  }

  /** The body of `response` (an ArrayBuffer): once its first bytes give its length
   * (`lengthOf(head)`, head a Uint8Array: null until they hold it), one buffer of that length
   * is made and each piece is copied there as it arrives (no second copy of the whole once
   * the last piece is in); a body of another length is an error. `onProgress(fraction)` is
   * told how much has arrived at most every PROGRESS_MS, `onPiece()` of every piece, and
   * `onChunk(bytes)` is handed the body in order as it arrives, in chunks that start on a
   * 4-byte boundary. */
  async function read(response, { lengthOf, onProgress = () => {}, onPiece = () => {},
    onChunk = () => {} }) {
    if (!response.body) return response.arrayBuffer();
    const reader = response.body.getReader();
    let head = []; // the pieces before the length is known
    let body = null;
    let received = 0;
    let lookAt = 0; // (the length is looked for again once twice as much has arrived)
    let toldAt = -Infinity;
    let handed = 0; // (what onChunk has been given)
    for (let piece = await reader.read(); !piece.done; piece = await reader.read()) {
      onPiece();
      if (body && received + piece.value.length > body.length) {
        throw new Error("the memory snapshot is too long");
      }
      if (body) body.set(piece.value, received);
      else head.push(piece.value);
      received += piece.value.length;
      if (!body && received >= lookAt) {
        const joined = joinPieces(head, received);
        const total = lengthOf(joined);
        if (total !== null && total < received) throw new Error("the memory snapshot is too long");
        if (total === null) {
          lookAt = 2 * received;
        } else {
          body = new Uint8Array(total);
          body.set(joined);
          head = null;
        }
      }
      if (body && received - handed >= 4) {
        onChunk(body.subarray(handed, received - (received % 4)));
        handed = received - (received % 4);
      }
      if (body && performance.now() - toldAt >= PROGRESS_MS) {
        toldAt = performance.now();
        onProgress(received / body.length);
      }
    }
    if (!body) return joinPieces(head, received).buffer; // (parse says what is wrong)
    if (received !== body.length) throw new Error("the memory snapshot is cut short");
    onChunk(body.subarray(handed));
    onProgress(1);
    return body.buffer;
  }

  function joinPieces(pieces, length) {
    const joined = new Uint8Array(length);
    pieces.reduce((at, piece) => (joined.set(piece, at), at + piece.length), 0);
    return joined;
  }

  return { start, read };
})();
