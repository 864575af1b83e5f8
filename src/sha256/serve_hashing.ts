// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/**
 * The Worker side of {@linkcode createWorkerSha256}: hashes the buffers it is sent, in
 * order, and sends each buffer back (transferred) so the main thread can reuse it. A
 * worker script calls {@linkcode serveHashing} with the SHA-256 it wants to use.
 */

import type { Sha256 } from "./sha256.ts";

interface Scope {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown, transfer?: Transferable[]): void;
}

/** Serves the hashing protocol on this worker with hashers from `create`. */
export function serveHashing(create: () => Sha256 | Promise<Sha256>): void {
  const scope = globalThis as unknown as Scope;
  let hasher = Promise.resolve(create());
  // Tell the main thread the script loaded and the hasher works: until then it keeps
  // the data, and falls back to hashing itself if this worker never gets here.
  hasher.then(() => scope.postMessage({ type: "ready" }));
  let queue: Promise<void> = Promise.resolve();
  // The handler is set at once, so no message is lost while the hasher starts.
  scope.onmessage = (event: MessageEvent) => {
    const message = event.data as { type: "data"; buffer: ArrayBuffer; length: number } | {
      type: "digest";
    };
    queue = queue.then(async () => {
      const h = await hasher;
      if (message.type === "data") {
        await h.update(new Uint8Array(message.buffer, 0, message.length));
        scope.postMessage({ type: "ack", buffer: message.buffer }, [message.buffer]);
      } else {
        const digest = (await h.digest()).slice();
        hasher = Promise.resolve(create());
        scope.postMessage({ type: "digest", digest }, [digest.buffer]);
      }
    });
  };
}
