// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Uploads one file with tus-js-client under Node, as a user's uploader would, and reports
// on stdout one JSON line per event: "patch" after every PATCH's answer (then, with
// "pause", it waits for a line on stdin before going on, so the test can restart the
// server or evict the Durable Object between two PATCHes), then "success" or "error"
// with the last answer's status and body. Run by tests/workers/_tus.ts (copied beside the
// node_modules tests/_tus_js_client.ts installs).
//
//   node _tus_node.mjs '{"endpoint":"http://...","file":"x.snap","chunkSize":65536,...}'

import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import * as tus from "tus-js-client";

const options = JSON.parse(process.argv[2]);
const bytes = readFileSync(options.file);
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const say = (event) => process.stdout.write(JSON.stringify(event) + "\n");

const upload = new tus.Upload(bytes, {
  endpoint: options.endpoint,
  uploadUrl: options.uploadUrl ?? null,
  chunkSize: options.chunkSize ?? Infinity,
  headers: options.token ? { Authorization: `Bearer ${options.token}` } : {},
  metadata: { filename: options.file.split("/").pop() },
  retryDelays: options.retryDelays ?? [],
  storeFingerprintForResuming: false,
  uploadDataDuringCreation: options.withCreation ?? false,
  async onAfterResponse(req, res) {
    if (req.getMethod() !== "PATCH" && req.getMethod() !== "POST") return;
    say({
      event: req.getMethod() === "POST" ? "created" : "patch",
      url: req.getMethod() === "POST"
        ? new URL(res.getHeader("Location") ?? "", req.getURL()).href
        : req.getURL(),
      status: res.getStatus(),
      offset: Number(res.getHeader("Upload-Offset") ?? -1),
    });
    const last = res.getStatus() !== 204 && req.getMethod() === "PATCH";
    if (options.pause && !last && res.getStatus() < 300) await lines.next();
  },
  onSuccess({ lastResponse }) {
    say({
      event: "success",
      url: upload.url,
      status: lastResponse.getStatus(),
      body: lastResponse.getBody(),
    });
    process.exit(0);
  },
  onError(error) {
    const response = error.originalResponse;
    say({
      event: "error",
      url: upload.url,
      message: String(error.message).split("\n")[0],
      status: response ? response.getStatus() : 0,
      body: response ? response.getBody() : "",
    });
    process.exit(0);
  },
});
upload.start();
