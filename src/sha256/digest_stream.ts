// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import type { Sha256 } from "./sha256.ts";

/** Cloudflare's `crypto.DigestStream`: a native, streaming digest, as a writable stream. */
interface DigestStreamLike extends WritableStream<ArrayBufferView> {
  readonly digest: Promise<ArrayBuffer>;
}

type DigestStreamConstructor = new (algorithm: string) => DigestStreamLike;

function digestStreamClass(): DigestStreamConstructor | undefined {
  const ctor = (globalThis.crypto as unknown as { DigestStream?: unknown } | undefined)
    ?.DigestStream;
  return typeof ctor === "function" ? ctor as DigestStreamConstructor : undefined;
}

/** Whether this runtime has `crypto.DigestStream` (Cloudflare Workers and workerd do). */
export function hasDigestStream(): boolean {
  return digestStreamClass() !== undefined;
}

/**
 * A {@linkcode Sha256} on the runtime's `crypto.DigestStream`, which Cloudflare Workers
 * (workerd) have: native speed, and no WebAssembly, which Workers may not compile at run
 * time. `update` returns the write's promise: the chunk is the stream's until then.
 *
 * @throws {TypeError} where the runtime has no `crypto.DigestStream`.
 */
export function createDigestStreamSha256(): Sha256 {
  const DigestStream = digestStreamClass();
  if (!DigestStream) throw new TypeError("this runtime has no crypto.DigestStream");
  const stream = new DigestStream("SHA-256");
  const writer = stream.getWriter();
  let ended = false;
  return {
    update: (chunk: Uint8Array) => writer.write(chunk),
    digest: async () => {
      ended = true;
      await writer.close();
      return new Uint8Array(await stream.digest);
    },
    close: () => {
      if (ended) return;
      ended = true;
      writer.abort().catch(() => {});
      stream.digest.catch(() => {});
    },
  };
}
