// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// The Worker paths: hashing a large state on a Worker, compressing on two. Run with
// --sanitize-ops --sanitize-resources (deno task test), so a worker left running fails the test.

import { parseSnapshot, SnapshotError, verifySnapshot, writeSnapshot } from "../../mod.ts";
import { nativeSha256 } from "../../src/deno/native_sha256.ts";
import { inflate } from "../../src/format/gzip/inflate.ts";
import { assert, chunked, collect, hex, prng, waitUntil } from "../_helpers.ts";

const SIZE = 9 * 1024 * 1024 + 123; // above the 8 MiB worker threshold
const next = prng(42);
const state = new Uint8Array(SIZE).map((_, i) => (i % 7 === 0 ? next() * 256 : i >> 10) & 0xff);
const expected = hex(new Uint8Array(await crypto.subtle.digest("SHA-256", state)));
const meta = { id: "1-2-3", index: 2, term: 1, size: SIZE };
const archive = await collect(writeSnapshot(meta, chunked(state, [65536])));

Deno.test("verifySnapshot() hashes a large state alike on a Worker, on one thread and natively", async () => {
  for (const options of [{}, { useWorker: false }, { hasher: nativeSha256 }]) {
    const result = await verifySnapshot(chunked(archive, [100000]), options);
    assert.equal(result.stateSha256, expected, JSON.stringify(Object.keys(options)));
  }
});

Deno.test("verifySnapshot() stops its hashing worker when a large archive fails midway", async () => {
  const bad = archive.slice(0, archive.length >> 1);
  await assert.rejects(verifySnapshot(bad), SnapshotError);
  const corrupt = await collect(writeSnapshot({ ...meta, size: SIZE }, state));
  corrupt[corrupt.length - 6]! ^= 1; // the gzip CRC
  await assert.rejects(verifySnapshot(corrupt), SnapshotError);
});

Deno.test("parseSnapshot() cancelled midway stops its hashing worker", async () => {
  const parsed = parseSnapshot(chunked(archive, [65536]));
  const reader = parsed.state.getReader();
  await reader.read();
  await reader.cancel();
  await assert.rejects(parsed.result);
});

Deno.test("writeSnapshot({ parallel: true }) writes several gzip members that verify", async () => {
  const parallel = await collect(
    writeSnapshot(meta, chunked(state, [1 << 20]), { parallel: true }),
  );
  const result = await verifySnapshot(parallel);
  assert.equal(result.stateSha256, expected);
  assert.ok(result.gzipMembers >= 3, `${result.gzipMembers} members`);
  // The tar inside is byte for byte the serial writer's.
  const serial = await collect(writeSnapshot(meta, state, { modTime: new Date(0) }));
  const again = await collect(writeSnapshot(meta, state, { modTime: new Date(0), parallel: true }));
  const tarOf = async (bytes: Uint8Array<ArrayBuffer>) => {
    const parts: Uint8Array<ArrayBuffer>[] = [];
    await inflate(new Blob([bytes]).stream(), (chunk) => void parts.push(chunk.slice()));
    return await collect(new Blob(parts).stream());
  };
  const [a, b] = await Promise.all([tarOf(serial), tarOf(again)]);
  assert.equal(a.length, b.length);
  assert.ok(a.every((byte, i) => byte === b[i]), "the parallel tar differs");
});

Deno.test("writeSnapshot() cancelled midway stops its workers and its state reader", async () => {
  for (const parallel of [false, true]) {
    let cancelled = false;
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(state.slice(0, 1 << 20));
      },
      cancel() {
        cancelled = true;
      },
    });
    const reader = writeSnapshot({ ...meta, size: 1 << 30 }, source, { parallel }).getReader();
    await reader.read();
    await reader.cancel();
    // (The cancellation may cross to the workers and back first: polled.)
    await waitUntil(() => cancelled, `parallel=${parallel}: the state stream cancelled`);
    assert.ok(cancelled, `parallel=${parallel}: the state stream was not cancelled`);
  }
});

Deno.test("verifySnapshot() falls back to hashing in-thread when the worker script cannot load", async () => {
  // Deno prints a worker's load failure itself, so the case runs in a child process whose
  // output is checked here and kept out of the test run's.
  const child = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./_worker_fallback.ts", import.meta.url).pathname],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const out = new TextDecoder().decode(child.stdout);
  const err = new TextDecoder().decode(child.stderr);
  assert.equal(child.code, 0, err);
  const results = JSON.parse(out) as { worker: string; verified: string; rewritten: string }[];
  assert.deepEqual(results.map((r) => r.worker), ["missing", "throwing"]);
  for (const r of results) {
    assert.equal(r.verified, expected, r.worker);
    assert.equal(r.rewritten, expected, r.worker);
  }
  // Both workers really failed to start: the fallback was taken, not the worker.
  assert.match(err, /no_such_worker\.ts/);
  assert.match(err, /this worker cannot start/);
});
