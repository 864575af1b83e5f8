// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Run by tests/node_smoke_test.ts with Node: `node tests/node_smoke.mjs BUNDLE CASES.json`.
// Imports the library bundle (dist/lib/raftsnap.mjs) and verifies each case, reading the
// file as a Blob (fs.openAsBlob), so the bundle's streams, DecompressionStream, WebCrypto
// and hash-wasm all run on Node's own implementations. Prints one JSON line per case.

import { openAsBlob } from "node:fs";
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { verifyOutcome } from "./_outcome.mjs";

const [bundle, casesFile] = process.argv.slice(2);
const raftsnap = await import(pathToFileURL(bundle).href);
const { createAesGcmSealer, verifySnapshot, writeSnapshot } = raftsnap;

/** @type {{ name: string, path: string, key?: string }[]} */
const cases = JSON.parse(await readFile(casesFile, "utf8"));
for (const { name, path, key } of cases) {
  console.log(JSON.stringify(await verifyOutcome(raftsnap, name, await openAsBlob(path), key)));
}

// A round trip in Node: CompressionStream, the tar writer and the sealer.
const state = new TextEncoder().encode("written by Node\n");
const sealer = await createAesGcmSealer(new Uint8Array(32).fill(7));
const archive = writeSnapshot({ id: "node", index: 9, term: 3, size: state.length }, state, {
  sealer,
});
const written = await verifySnapshot(archive, { sealer });
console.log(JSON.stringify({
  name: "node-write",
  verdict: "ok",
  id: written.meta.id,
  index: String(written.meta.index),
  stateSha256: written.stateSha256,
  sealVerified: written.sealVerified,
}));
