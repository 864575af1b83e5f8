// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/** A hashing worker on `node:crypto`, for {@linkcode nativeSha256}. */

import { serveHashing } from "../sha256/serve_hashing.ts";
import { createNodeCryptoSha256 } from "./node_crypto_sha256.ts";

serveHashing(createNodeCryptoSha256);
