// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/**
 * hash-wasm's SHA-256 as a {@linkcode Sha256}, without the worker URL that
 * `hashWasmSha256` carries. The hashing worker imports this module, not `hash_wasm_sha256.ts`: a
 * worker must not resolve URLs against its own `import.meta.url`, which is a `blob:` URL
 * when the page starts it from a fetched copy of its script (an offline page does), and
 * `new URL("../x", "blob:…")` throws, so the worker would die before saying it is ready
 * and the page would hash on its main thread.
 */

import { createSHA256, type IHasher } from "hash-wasm";
import type { Sha256 } from "./sha256.ts";

// Each hash-wasm hasher is a WebAssembly instance with its own memory: reuse them, so
// verifying thousands of small archives does not churn through instances.
const idle: IHasher[] = [];
const MAX_IDLE = 16;

/** A fresh hash-wasm SHA-256 (from the pool of idle instances when it has one). */
export async function createHashWasmSha256(): Promise<Sha256> {
  let hasher: IHasher | undefined = idle.pop() ?? await createSHA256();
  hasher.init();
  const release = () => {
    if (hasher && idle.length < MAX_IDLE) idle.push(hasher);
    hasher = undefined;
  };
  return {
    update: (chunk: Uint8Array) => void hasher!.update(chunk),
    digest: () => {
      const digest = hasher!.digest("binary");
      release();
      return digest;
    },
    close: release,
  };
}
