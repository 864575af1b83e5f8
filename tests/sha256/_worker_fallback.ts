// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Run by worker_test.ts in a child process: verifies and writes with hashing workers that
// cannot start (a missing script, a script that throws), and prints the state hashes.

import { hashWasmSha256, verifySnapshot, writeSnapshot } from "../../mod.ts";
import { chunked, collect, prng } from "../_helpers.ts";

const SIZE = 9 * 1024 * 1024 + 123; // above the 8 MiB worker threshold
const next = prng(42);
const state = new Uint8Array(SIZE).map((_, i) => (i % 7 === 0 ? next() * 256 : i >> 10) & 0xff);
const meta = { id: "1-2-3", index: 2, term: 1, size: SIZE };
const archive = await collect(writeSnapshot(meta, chunked(state, [65536])));

const dir = await Deno.makeTempDir({ prefix: "raftsnap-worker-" });
try {
  const broken = new URL(`file://${dir}/broken_worker.ts`);
  await Deno.writeTextFile(broken, 'throw new Error("this worker cannot start");\n');
  const workers = {
    missing: new URL("./no_such_worker.ts", import.meta.url),
    throwing: broken,
  };
  const results = [];
  for (const [worker, workerUrl] of Object.entries(workers)) {
    const hasher = Object.assign(() => hashWasmSha256(), { workerUrl });
    const verified = (await verifySnapshot(chunked(archive, [100000]), { hasher })).stateSha256;
    const again = await collect(writeSnapshot(meta, state, { hasher, useWorker: true }));
    const rewritten = (await verifySnapshot(again)).stateSha256;
    results.push({ worker, verified, rewritten });
  }
  console.log(JSON.stringify(results));
} finally {
  await Deno.remove(dir, { recursive: true });
}
