// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/** The Worker side of {@linkcode ParallelGzipStream}: each block becomes one gzip member. */

import { concatBytes } from "../../_bytes.ts";

interface Scope {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown, transfer?: Transferable[]): void;
}

const scope = globalThis as unknown as Scope;

async function compress(block: Uint8Array): Promise<Uint8Array> {
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
  return parts.length === 1 ? parts[0]! : concatBytes(parts);
}

scope.onmessage = async (event: MessageEvent) => {
  const { id, buffer, length } = event.data as { id: number; buffer: ArrayBuffer; length: number };
  try {
    const member = await compress(new Uint8Array(buffer, 0, length));
    const out = member.byteOffset === 0 && member.byteLength === member.buffer.byteLength
      ? member
      : member.slice();
    // Hand the block's buffer back too, for the next block.
    scope.postMessage({ id, member: out, buffer }, [out.buffer as ArrayBuffer, buffer]);
  } catch (error) {
    scope.postMessage({ id, error: String(error) });
  }
};
