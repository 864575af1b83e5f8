// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/**
 * The Worker side of {@linkcode createWorkerSha256}: hashes the buffers it is sent, in
 * order, and sends each buffer back (transferred) so the main thread can reuse it.
 */

import { createSHA256 } from "hash-wasm";

interface Scope {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown, transfer?: Transferable[]): void;
}

const scope = globalThis as unknown as Scope;
const ready = createSHA256().then((hasher) => {
  hasher.init();
  return hasher;
});
let queue: Promise<void> = Promise.resolve();

// The handler is set at once, so no message is lost while hash-wasm starts.
scope.onmessage = (event: MessageEvent) => {
  const message = event.data as { type: "data"; buffer: ArrayBuffer; length: number } | {
    type: "digest";
  };
  queue = queue.then(async () => {
    const hasher = await ready;
    if (message.type === "data") {
      hasher.update(new Uint8Array(message.buffer, 0, message.length));
      scope.postMessage({ type: "ack", buffer: message.buffer }, [message.buffer]);
    } else {
      const digest = hasher.digest("binary");
      hasher.init();
      scope.postMessage({ type: "digest", digest }, [digest.buffer as ArrayBuffer]);
    }
  });
};
