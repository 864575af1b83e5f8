// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/** A hashing worker on hash-wasm, for {@linkcode hashWasmSha256}. */

import { serveHashing } from "./serve_hashing.ts";
import { createHashWasmSha256 } from "./hash_wasm.ts";

// Not `hashWasmSha256` from hash_wasm_sha256.ts: this script must not resolve URLs against its own
// (a blob: URL in the page), see hash_wasm.ts.
serveHashing(createHashWasmSha256);
