// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// A consumer of the npm package, run with Node and with Bun from a scratch project that
// installed the tarball: `node verify.mjs CASES.json`. One JSON line per case.

import { readFile } from "node:fs/promises";
import { createAesGcmSealer, SnapshotError, verifySnapshot, writeSnapshot } from "raftsnap";
import { nativeSha256 } from "raftsnap/native-sha256";

const cases = JSON.parse(await readFile(process.argv[2], "utf8"));
for (const { name, path, key } of cases) {
  const sealer = key ? await createAesGcmSealer(key) : undefined;
  try {
    const bytes = await readFile(path);
    const result = await verifySnapshot(new Blob([bytes]), { sealer, checksum: true });
    console.log(JSON.stringify({
      name,
      verdict: "ok",
      id: result.meta.id,
      stateSha256: result.stateSha256,
      sealVerified: result.sealVerified,
    }));
  } catch (error) {
    if (!(error instanceof SnapshotError)) throw error;
    console.log(JSON.stringify({ name, verdict: error.code }));
  }
}

// A round trip with the native hasher subpath.
const state = new TextEncoder().encode("written from the package\n");
const archive = writeSnapshot({ id: "pkg", index: 9, term: 3, size: state.length }, state);
const written = await verifySnapshot(archive, { hasher: nativeSha256 });
console.log(JSON.stringify({ name: "round-trip", verdict: "ok", id: written.meta.id }));
