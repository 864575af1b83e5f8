// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/**
 * The Worker side of {@linkcode WorkerGzipStream}: one `CompressionStream` for the whole
 * input, so the output is a single gzip member, exactly what compressing on the calling
 * thread gives. Output is sent back as it is produced; each input block is acknowledged
 * once the compressor has taken it.
 */

interface Scope {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown, transfer?: Transferable[]): void;
}

const scope = globalThis as unknown as Scope;
const gzip = new CompressionStream("gzip");
const writer = gzip.writable.getWriter();
const reader = gzip.readable.getReader();

const pumped = (async () => {
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    scope.postMessage({ type: "out", chunk: value }, [value.buffer as ArrayBuffer]);
  }
})();

let queue: Promise<void> = Promise.resolve();
scope.onmessage = (event: MessageEvent) => {
  const message = event.data as { type: "data"; block: Uint8Array<ArrayBuffer> } | { type: "end" };
  queue = queue.then(async () => {
    try {
      if (message.type === "data") {
        // The compressor may keep a view of the block until it has been compressed:
        // wait for that, then hand the buffer back for reuse.
        await writer.write(message.block);
        scope.postMessage({ type: "ack", buffer: message.block.buffer }, [message.block.buffer]);
      } else {
        await writer.close();
        await pumped;
        scope.postMessage({ type: "done" });
      }
    } catch (error) {
      scope.postMessage({ type: "error", message: String(error) });
    }
  });
};
