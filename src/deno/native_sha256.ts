// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/**
 * A native SHA-256 for Deno and Node (`node:crypto`), several times faster than the
 * portable WebAssembly default. Not reached from `mod.ts`; pass it as the `hasher`
 * option where the runtime has it.
 *
 * @example Verifying with the native hasher
 * ```ts
 * import { verifySnapshot, writeSnapshot } from "@raftsnap/raftsnap";
 * import { nativeSha256 } from "@raftsnap/raftsnap/deno/native-sha256";
 *
 * const state = new TextEncoder().encode("state");
 * const result = await verifySnapshot(writeSnapshot({ index: 1, term: 1, size: 5 }, state), {
 *   hasher: nativeSha256,
 * });
 * if (result.stateSize !== 5) throw new Error("unexpected size");
 * ```
 *
 * @module
 */

import type { Sha256Factory } from "../sha256/sha256.ts";
import { createNodeCryptoSha256 } from "./node_crypto_sha256.ts";

/**
 * {@linkcode Sha256Factory} on `node:crypto`; large states are hashed by the same code
 * on a Worker, so inflating and hashing overlap.
 */
export const nativeSha256: Sha256Factory = Object.assign(
  createNodeCryptoSha256,
  { workerUrl: new URL("./native_sha256_worker.ts", import.meta.url) },
);
