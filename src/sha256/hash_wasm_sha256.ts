// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { createHashWasmSha256 } from "./hash_wasm.ts";
import type { Sha256, Sha256Factory } from "./sha256.ts";

/**
 * The default {@linkcode Sha256Factory}: hash-wasm's WebAssembly SHA-256, which runs in
 * every runtime.
 *
 * @example Hashing two chunks
 * ```ts
 * import { hashWasmSha256 } from "@raftsnap/raftsnap";
 *
 * const hasher = await hashWasmSha256();
 * hasher.update(new TextEncoder().encode("ab"));
 * hasher.update(new TextEncoder().encode("c"));
 * const hex = Array.from(await hasher.digest(), (b) => b.toString(16).padStart(2, "0")).join("");
 * if (!hex.startsWith("ba7816bf")) throw new Error(hex);
 * ```
 *
 * @returns A fresh hasher.
 */
export const hashWasmSha256: Sha256Factory = Object.defineProperty(
  (): Promise<Sha256> => createHashWasmSha256(),
  "workerUrl",
  {
    // Resolved on first use, not at load: where `import.meta.url` is no base URL (a
    // bundle in an edge runtime), this throws, and hashing stays on the calling thread.
    get(): URL | undefined {
      try {
        // The worker script imports `hash_wasm.ts` only: see there why.
        return new URL("./worker.ts", import.meta.url);
      } catch {
        return undefined;
      }
    },
    enumerable: true,
  },
);
