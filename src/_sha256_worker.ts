// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/** A hashing worker on hash-wasm, for {@linkcode hashWasmSha256}. */

import { serveHashing } from "./_hash_worker_protocol.ts";
import { createHashWasmSha256 } from "./_hash_wasm_sha256.ts";

// Not `hashWasmSha256` from sha256.ts: this script must not resolve URLs against its own
// (a blob: URL in the page), see _hash_wasm_sha256.ts.
serveHashing(createHashWasmSha256);
