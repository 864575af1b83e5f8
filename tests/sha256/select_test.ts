// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// The hashers the library chooses between: plain JavaScript and DigestStream against
// WebCrypto, and the default's choice where DigestStream exists (it does in workerd;
// tests/workers/workerd_test.ts checks it there) or does not (Deno: hash-wasm).

import {
  createDigestStreamSha256,
  createJsSha256,
  defaultSha256,
  hasDigestStream,
} from "../../mod.ts";
import { assert, hex, prng } from "../_helpers.ts";

async function webCrypto(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
}

Deno.test("plain-JavaScript SHA-256 equals WebCrypto's, in any chunking", async () => {
  const next = prng(3);
  for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 100_003]) {
    const bytes = new Uint8Array(length).map(() => next() * 256);
    for (const step of [1, 7, 64, 4096, length || 1]) {
      const hasher = createJsSha256();
      for (let at = 0; at < length; at += step) hasher.update(bytes.subarray(at, at + step));
      assert.equal(hex(await hasher.digest()), await webCrypto(bytes), `${length}/${step}`);
    }
  }
});

Deno.test("the default picks crypto.DigestStream where it exists, hash-wasm elsewhere", async () => {
  assert.equal(hasDigestStream(), false, "Deno has no DigestStream");
  assert.ok(defaultSha256.workerUrl, "hash-wasm's hashing worker is offered in Deno");
  assert.throws(() => createDigestStreamSha256(), TypeError);
  // A stand-in DigestStream on WebCrypto: the default must take it, and drop the worker.
  class FakeDigestStream extends WritableStream<ArrayBufferView> {
    readonly digest: Promise<ArrayBuffer>;
    constructor(algorithm: string) {
      const parts: Uint8Array[] = [];
      let done!: (bytes: ArrayBuffer) => void;
      super({
        write: (chunk) => void parts.push(new Uint8Array(chunk.buffer.slice(0))),
        close: async () => {
          const all = new Uint8Array(await new Blob(parts as BlobPart[]).arrayBuffer());
          done(await crypto.subtle.digest(algorithm, all));
        },
      });
      this.digest = new Promise((resolve) => (done = resolve));
    }
  }
  const c = crypto as unknown as { DigestStream?: unknown };
  c.DigestStream = FakeDigestStream;
  try {
    assert.equal(hasDigestStream(), true);
    assert.equal(defaultSha256.workerUrl, undefined);
    const hasher = await defaultSha256();
    await hasher.update(new TextEncoder().encode("ab"));
    await hasher.update(new TextEncoder().encode("c"));
    assert.equal(
      hex(await hasher.digest()),
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  } finally {
    delete c.DigestStream;
  }
});
