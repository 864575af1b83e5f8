// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/** The Worker side of {@linkcode ParallelGzipStream}: each block becomes one gzip member. */

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
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    length += value.length;
  }
  if (parts.length === 1) return parts[0]!;
  const member = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    member.set(part, at);
    at += part.length;
  }
  return member;
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
