// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Uploads a file with tus-js-client from Node, as a backup job would, and reports on stdout
// one JSON line per event: {"event":"chunk","offset":N}, then {"event":"success",...} or
// {"event":"error",...}. Run by tests/deno/tus_serve_test.ts with this folder's
// node_modules on NODE_PATH's place (the script is copied next to them).
//
//   node upload.mjs ENDPOINT FILE CHUNK_SIZE [TOKEN]

import { statSync } from "node:fs";
import { createReadStream } from "node:fs";
import * as tus from "tus-js-client";

const [endpoint, file, chunkText, token] = process.argv.slice(2);
const print = (event) => process.stdout.write(JSON.stringify(event) + "\n");
const size = statSync(file).size;

const upload = new tus.Upload(createReadStream(file), {
  endpoint,
  uploadSize: size,
  chunkSize: Number(chunkText),
  metadata: { filename: file.split("/").at(-1) },
  headers: token ? { authorization: `Bearer ${token}` } : {},
  // Enough retries, close enough, to ride out a server restart of a few seconds.
  retryDelays: Array.from({ length: 60 }, (_, i) => (i < 5 ? 100 : 250)),
  removeFingerprintOnSuccess: true,
  onChunkComplete(_chunk, accepted) {
    print({ event: "chunk", offset: accepted });
  },
  onSuccess(payload) {
    const response = payload?.lastResponse;
    const body = response?.getBody?.();
    print({
      event: "success",
      url: upload.url,
      status: response?.getStatus?.(),
      body: body ? JSON.parse(body) : null,
    });
  },
  onError(error) {
    const response = error.originalResponse;
    const body = response?.getBody?.();
    let json = null;
    try {
      json = body ? JSON.parse(body) : null;
    } catch {
      // not JSON
    }
    print({
      event: "error",
      message: String(error.message),
      status: response?.getStatus?.(),
      body: json,
    });
  },
});
upload.start();
