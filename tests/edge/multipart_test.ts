// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// The multipart staging R2Store and S3Store share, on a fake service: parts of exactly
// partSize (the last shorter), in order, one in flight and at most two in memory; commit
// completes, copies and deletes the staging object; abort waits for the part in flight.

import { type ObjectBackend, stageMultipart } from "../../src/edge/_multipart.ts";
import type { VerifiedUpload } from "../../mod.ts";
import { assert } from "../_helpers.ts";

const PART = 5 * 1024 * 1024;

function fakeService() {
  const log: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const sizes: number[] = [];
  const backend: ObjectBackend<string> = {
    head: () => Promise.resolve(undefined),
    put: (key) => (log.push(`put ${key}`), Promise.resolve()),
    create: (key) => {
      log.push(`create ${key}`);
      return Promise.resolve("upload-1");
    },
    uploadPart: async (_upload, n, bytes) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      sizes.push(bytes.length);
      log.push(`part ${n}`);
      inFlight--;
      return { partNumber: n, etag: `e${n}` };
    },
    complete: (_upload, parts) => {
      log.push(`complete ${parts.map((p) => p.etag).join(",")}`);
      return Promise.resolve();
    },
    abort: () => (log.push("abort"), Promise.resolve()),
    copy: (from, to) => (log.push(`copy ${from.split("-")[0]} ${to}`), Promise.resolve()),
    delete: (key) => (log.push(`delete ${key.split("-")[0]}`), Promise.resolve()),
  };
  return { backend, log, sizes, max: () => maxInFlight };
}

const verified = (size: number) =>
  ({
    key: "k.snap",
    size,
    checksum: "sha-256=x",
    sha256: "00",
    result: { meta: { id: "i", index: 1n, term: 2n }, stateSha256: "ab" },
  }) as unknown as VerifiedUpload;

Deno.test("multipart staging: exact parts, in order, one in flight, then complete and copy", async () => {
  const { backend, log, sizes, max } = fakeService();
  const staged = stageMultipart(backend, { partSize: PART, keyFor: (n) => `p/${n}` });
  const writer = staged.writable.getWriter();
  const total = 2 * PART + 12345;
  for (let at = 0; at < total; at += 700_000) {
    await writer.write(new Uint8Array(Math.min(700_000, total - at)));
  }
  await writer.close();
  assert.equal(await staged.commit(verified(total)), "k.snap");
  assert.deepEqual(sizes, [PART, PART, 12345]);
  assert.equal(max(), 1);
  assert.deepEqual(log.slice(1), [
    "part 1",
    "part 2",
    "part 3",
    "complete e1,e2,e3",
    "copy p/.staging p/k.snap",
    "delete p/.staging",
  ]);
});

Deno.test("multipart staging: less than one part is put at its key, no multipart upload", async () => {
  const { backend, log } = fakeService();
  const staged = stageMultipart(backend, { partSize: PART, keyFor: (n) => n });
  const writer = staged.writable.getWriter();
  await writer.write(new Uint8Array(PART - 1));
  await writer.close();
  await staged.commit(verified(PART - 1));
  assert.deepEqual(log, ["put k.snap"]);
});

Deno.test("multipart staging: abort waits for the part in flight, then aborts", async () => {
  const { backend, log } = fakeService();
  const staged = stageMultipart(backend, { partSize: PART, keyFor: (n) => n });
  const writer = staged.writable.getWriter();
  await writer.write(new Uint8Array(PART + 1));
  await staged.abort(new Error("bad archive"));
  assert.deepEqual(log.slice(1), ["part 1", "abort"]);
  await assert.rejects(() => writer.write(new Uint8Array(1)));
  await assert.rejects(() => staged.commit(verified(1)) as Promise<unknown>);
});
