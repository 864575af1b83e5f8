// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/** The Worker side of {@linkcode ParallelGzipStream}: each block becomes one gzip member. */

interface Scope {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown, transfer?: Transferable[]): void;
}

const scope = globalThis as unknown as Scope;

/** The member's bytes, in the pieces the platform's compressor handed out. */
async function compress(block: Uint8Array): Promise<Uint8Array[]> {
  const gzip = new CompressionStream("gzip");
  const writer = gzip.writable.getWriter();
  const reader = gzip.readable.getReader();
  void writer.write(block as Uint8Array<ArrayBuffer>).then(() => writer.close()).catch(() => {});
  const parts: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  return parts;
}

scope.onmessage = async (event: MessageEvent) => {
  const { id, buffer, length } = event.data as { id: number; buffer: ArrayBuffer; length: number };
  try {
    const parts = await compress(new Uint8Array(buffer, 0, length));
    // Each piece moves to the calling thread as it is (no joined copy), unless it shares
    // its buffer with another; the block's buffer goes back too, for the next block.
    const buffers = new Set<ArrayBuffer>();
    const member = parts.map((part) => {
      const whole = part.byteOffset === 0 && part.byteLength === part.buffer.byteLength &&
        !buffers.has(part.buffer as ArrayBuffer);
      const out = whole ? part : part.slice();
      buffers.add(out.buffer as ArrayBuffer);
      return out;
    });
    scope.postMessage({ id, member, buffer }, [...buffers, buffer]);
  } catch (error) {
    scope.postMessage({ id, error: String(error) });
  }
};
