// Copyright 2026 the raftsnap authors. Apache-2.0 license.

import { createHash } from "node:crypto";
import type { Sha256 } from "../sha256/sha256.ts";

/**
 * A {@linkcode Sha256} on `node:crypto`, without the worker URL that `nativeSha256`
 * carries: what its hashing worker runs.
 */
export function createNodeCryptoSha256(): Sha256 {
  const hash = createHash("sha256");
  return {
    update: (chunk: Uint8Array) => void hash.update(chunk),
    digest: () => new Uint8Array(hash.digest()),
  };
}
