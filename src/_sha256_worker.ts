// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/** A hashing worker on hash-wasm, for {@linkcode hashWasmSha256}. */

import { serveHashing } from "./_hash_worker_protocol.ts";
import { hashWasmSha256 } from "./sha256.ts";

serveHashing(hashWasmSha256);
