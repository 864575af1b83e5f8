// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// S3Store.resumable() (the multipart staging R2Store.resumable() shares) against
// Miniflare's S3 API on loopback: bytes written in pieces of any size are staged in parts
// of exactly partSize plus a readable tail; a new store (a restarted server) opens the
// upload at its recorded offset and replays exactly the recorded bytes; bytes written
// after the last flush are dropped; no multipart upload is open while staging; commit
// stores the archive byte-identical with its metadata (its parts copied from the staged
// objects) and deletes everything staged; a commit whose copy fails aborts its multipart
// upload, stores nothing and leaves the staging as it was (a retry then commits);
// refusal, termination and expiry leave no object and no open multipart upload; a part
// that fails fails flush and leaves nothing open once the upload is ended.

import type { Miniflare } from "miniflare";
import { S3Store, snapshotKey, verifySnapshot } from "../../mod.ts";
import type { ResumableRecord, ResumableStore } from "../../src/edge/tus/resumable_store.ts";
import { assert, collect, hex, prng } from "../_helpers.ts";
import {
  archiveOf,
  eventually,
  expectObject,
  type LocalBucket,
  openMultipartUploads,
  S3_CREDENTIALS,
  startLocalS3,
} from "../workers/_r2.ts";
import { type FaultProxy, startFaultProxy } from "./_fault_proxy.ts";

// Deno's sanitizers are off for the tests that use the file's Miniflare and fault proxy:
// they keep timers and ops (undici timers, the proxy's accept loop) across tests.
const ACROSS_TESTS = { sanitizeOps: false, sanitizeResources: false };

const MIB = 1024 * 1024;
const PART = 5 * MIB;
const CREDENTIALS = S3_CREDENTIALS;
const BUCKET = "raft-snapshots";
const PREFIX = "tus/";

let mf: Miniflare;
let persist: string;
let proxy: FaultProxy;
let bucket: LocalBucket;
const stored = new Set<string>();

Deno.test({
  name: "resumable s3: start Miniflare's S3 API",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const s3 = await startLocalS3(BUCKET, "raftsnap-tus-s3-");
    ({ mf, persist } = s3);
    const url = s3.url;
    bucket = s3.bucket;
    proxy = startFaultProxy({ hostname: url.hostname, port: Number(url.port) });
  },
});

/** A new store each time: what a restarted server makes. */
function store(): ResumableStore {
  return new S3Store({
    endpoint: `${proxy.url}/cdn-cgi/local/r2/s3`,
    bucket: BUCKET,
    region: "auto",
    ...CREDENTIALS,
    prefix: PREFIX,
    partSize: PART,
    retries: 0,
  }).resumable();
}

function record(id: string, length: number): ResumableRecord {
  const now = Date.now();
  return { id, length, metadata: {}, owner: "o", created: now, expires: now + 60_000, offset: 0 };
}

async function verified(archive: Uint8Array) {
  const result = await verifySnapshot(archive, { checksum: true });
  const sha256 = hex(
    new Uint8Array(await crypto.subtle.digest("SHA-256", archive as BufferSource)),
  );
  return {
    result,
    checksum: result.checksum!,
    sha256,
    size: archive.length,
    key: snapshotKey(result.meta, sha256),
  };
}

async function nothingLeft(what: string, records: string[] = []) {
  const keys = (await bucket.list()).objects.map((o) => o.key).sort();
  assert.deepEqual(
    keys,
    [...stored, ...records.map((id) => `${PREFIX}.tus-records/${id}.json`)].sort(),
    `${what}: objects`,
  );
  assert.ok(
    await eventually(async () => await openMultipartUploads(persist) === 0),
    `${what}: a multipart upload is still open`,
  );
}

/** Writes `bytes` in pieces of random sizes up to `max`. */
async function writeAll(
  staged: { write(b: Uint8Array): Promise<void> },
  bytes: Uint8Array,
  seed: number,
  max: number,
) {
  const random = prng(seed);
  for (let at = 0; at < bytes.length;) {
    const n = Math.min(bytes.length - at, 1 + Math.floor(random() * max));
    await staged.write(bytes.subarray(at, at + n));
    at += n;
  }
}

function same(a: Uint8Array, b: Uint8Array, what: string) {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) assert.fail(`${what}: byte ${i} differs`);
}

Deno.test(
  "resumable s3: staged across restarts in exact parts, replayed, committed, nothing left",
  ACROSS_TESTS,
  async () => {
    const archive = await archiveOf(17 * MIB, "tus-s3");
    const id = "upload1";
    let staged = await store().create(record(id, archive.length));
    // Three "PATCH"es, each followed by a restart: 3 MiB (tail only), up to 11 MiB (two
    // parts and a tail), up to 13.5 MiB; then bytes written but never flushed.
    const cuts = [3 * MIB, 11 * MIB, 13.5 * MIB];
    let at = 0;
    for (const [i, cut] of cuts.entries()) {
      await writeAll(staged, archive.subarray(at, cut), i, 900_000);
      await staged.flush(Date.now() + 60_000);
      assert.equal(staged.record.offset, cut);
      at = cut;
      staged = (await store().open(id))!;
      assert.equal(staged.record.offset, cut, "the offset after a restart");
      same(await collect(staged.replay()), archive.subarray(0, cut), `replay at ${cut}`);
    }
    await staged.write(archive.subarray(at, 16 * MIB)); // never flushed: lost in a restart
    staged = (await store().open(id))!;
    assert.equal(staged.record.offset, at);
    same(await collect(staged.replay()), archive.subarray(0, at), "replay after a lost write");
    // The parts are exactly PART bytes, whatever the writes were (part 3 went up with the
    // lost write: it is not recorded, and is sent again).
    const keys = (await bucket.list()).objects.map((o) => o.key);
    const parts = keys.filter((k) => k.includes("/part-"));
    assert.deepEqual(
      parts.sort(),
      [1, 2, 3].map((n) => `${PREFIX}.tus-staging/${id}/part-0000${n}`),
    );
    for (const key of parts) {
      assert.equal((await (await bucket.get(key))!.arrayBuffer()).byteLength, PART);
    }
    // Each byte is written once while staging: as a readable object, no multipart upload.
    assert.equal(await openMultipartUploads(persist), 0, "a multipart upload while staging");
    // The tail after part 2: the segments the flushes at 11 and 13.5 MiB wrote.
    assert.deepEqual(
      keys.filter((k) => k.includes("/tail-")).sort(),
      [0, MIB].map((s) => `${PREFIX}.tus-staging/${id}/tail-00002-${String(s).padStart(10, "0")}`),
    );
    await writeAll(staged, archive.subarray(at), 9, 2_000_000);
    const upload = await verified(archive);
    assert.equal(await staged.commit(upload), upload.key);
    stored.add(await expectObject(bucket, PREFIX, archive));
    await staged.end({ stored: { ok: true, key: upload.key } as never }, Date.now() + 60_000);
    await nothingLeft("committed", [id]);
    const ended = (await store().open(id))!;
    assert.deepEqual(ended.record.ended, { stored: { ok: true, key: upload.key } });
    await ended.end("deleted");
    await nothingLeft("record deleted");
    assert.equal(await store().open(id), undefined);
  },
);

Deno.test(
  "resumable s3: an archive under one part is put once at its key",
  ACROSS_TESTS,
  async () => {
    const archive = await archiveOf(2 * MIB, "tus-small");
    let staged = await store().create(record("small", archive.length));
    await writeAll(staged, archive.subarray(0, MIB), 1, 100_000);
    await staged.flush(Date.now() + 60_000);
    staged = (await store().open("small"))!;
    await writeAll(staged, archive.subarray(MIB), 2, 100_000);
    await staged.commit(await verified(archive));
    stored.add(await expectObject(bucket, PREFIX, archive));
    await staged.end("deleted");
    await nothingLeft("small");
  },
);

Deno.test(
  "resumable s3: refused, terminated and expired uploads leave nothing staged",
  ACROSS_TESTS,
  async () => {
    const archive = await archiveOf(12 * MIB, "tus-gone");
    for (const how of ["refused", "deleted", "expired"] as const) {
      const id = `gone-${how}`;
      const staged = await store().create(record(id, archive.length));
      await writeAll(staged, archive.subarray(0, 11 * MIB), 3, 1_000_000);
      await staged.flush(how === "expired" ? Date.now() - 1 : Date.now() + 60_000);
      assert.equal(await openMultipartUploads(persist), 0);
      const staging = (await bucket.list()).objects
        .filter((o) => o.key.startsWith(`${PREFIX}.tus-staging/${id}/`));
      assert.equal(staging.length, 3, `${how}: two parts and a tail staged`);
      if (how === "refused") {
        const refused = { ok: false, status: 400, error: { code: "truncated" } } as never;
        await (await store().open(id))!.end({ refused }, Date.now() + 60_000);
        await nothingLeft(how, [id]);
        assert.deepEqual((await store().open(id))!.record.ended, { refused });
        await (await store().open(id))!.end("deleted");
      } else if (how === "deleted") {
        await (await store().open(id))!.end("deleted");
      } else {
        const expired: string[] = [];
        for await (const e of store().expired!(Date.now())) expired.push(e);
        assert.deepEqual(expired, [id]);
        await (await store().open(id))!.end("deleted");
      }
      await nothingLeft(how);
    }
  },
);

Deno.test(
  "resumable s3: a part that fails fails the flush; ending the upload leaves nothing",
  ACROSS_TESTS,
  async () => {
    const archive = await archiveOf(12 * MIB, "tus-fail");
    const staged = await store().create(record("fails", archive.length));
    proxy.fault = { match: (m, t) => m === "PUT" && t.includes("/part-00002"), action: "500" };
    try {
      await staged.write(archive.subarray(0, 11 * MIB)).catch(() => {});
      let failed = false;
      await staged.flush(Date.now() + 60_000).catch(() => failed = true);
      assert.ok(failed, "flush did not fail");
    } finally {
      proxy.fault = undefined;
    }
    assert.equal((await store().open("fails"))!.record.offset, 0);
    await staged.end("deleted");
    await nothingLeft("failed part");
  },
);

Deno.test(
  "resumable s3: a commit whose copy fails stores nothing, leaves the staging; a retry commits",
  ACROSS_TESTS,
  async () => {
    const archive = await archiveOf(12 * MIB, "tus-commit-fail");
    const id = "commit-fails";
    let staged = await store().create(record(id, archive.length));
    await writeAll(staged, archive, 4, 1_000_000);
    await staged.flush(Date.now() + 60_000);
    const staging = async () =>
      (await bucket.list()).objects.map((o) => o.key)
        .filter((k) => k.startsWith(`${PREFIX}.tus-staging/${id}/`)).sort();
    const before = await staging();
    assert.equal(before.length, 3, "two parts and a tail staged");
    const upload = await verified(archive);
    // The second part's copy (UploadPartCopy, partNumber=2) fails at commit.
    proxy.fault = { match: (m, t) => m === "PUT" && t.includes("partNumber=2&"), action: "500" };
    try {
      let failed = false;
      await staged.commit(upload).catch(() => failed = true);
      assert.ok(failed, "commit did not fail");
    } finally {
      proxy.fault = undefined;
    }
    assert.equal(await bucket.get(PREFIX + upload.key), null, "stored after a failed commit");
    assert.ok(
      await eventually(async () => await openMultipartUploads(persist) === 0),
      "the commit's multipart upload is still open",
    );
    assert.deepEqual(await staging(), before, "the staging changed");
    // A restarted server finds it as it was, replays it, and commits.
    staged = (await store().open(id))!;
    assert.equal(staged.record.offset, archive.length);
    same(await collect(staged.replay()), archive, "replay after a failed commit");
    assert.equal(await staged.commit(upload), upload.key);
    stored.add(await expectObject(bucket, PREFIX, archive));
    await staged.end("deleted");
    await nothingLeft("committed after a failed commit");
  },
);

Deno.test(
  "resumable s3: a state written before (the staging's own multipart upload) is aborted",
  ACROSS_TESTS,
  async () => {
    const archive = await archiveOf(12 * MIB, "tus-old-state");
    const raw = bucket as unknown as {
      put(key: string, value: string): Promise<unknown>;
      createMultipartUpload(key: string): Promise<{ uploadId: string }>;
    };
    for (const how of ["commit", "end"] as const) {
      const id = `old-state-${how}`;
      const staged = await store().create(record(id, archive.length));
      await writeAll(staged, archive, 5, 1_000_000);
      await staged.flush(Date.now() + 60_000);
      // What the layout before left in a record: a multipart upload beside the parts.
      const left = await raw.createMultipartUpload(`${PREFIX}.tus-staging/${id}/upload`);
      const recordKey = `${PREFIX}.tus-records/${id}.json`;
      const state = JSON.parse(new TextDecoder().decode(
        await (await bucket.get(recordKey))!
          .arrayBuffer(),
      ));
      await raw.put(recordKey, JSON.stringify({ ...state, uploadId: left.uploadId }));
      assert.equal(await openMultipartUploads(persist), 1);
      const reopened = (await store().open(id))!;
      same(await collect(reopened.replay()), archive, `${how}: replay`);
      if (how === "commit") {
        const upload = await verified(archive);
        assert.equal(await reopened.commit(upload), upload.key);
        stored.add(await expectObject(bucket, PREFIX, archive));
      }
      await reopened.end("deleted");
      await nothingLeft(`old state, ${how}`);
    }
  },
);

Deno.test(
  "resumable s3: open uploads per owner are counted from the records, across restarts",
  ACROSS_TESTS,
  async () => {
    const now = Date.now();
    const made = (id: string, owner: string, expires = now + 60_000) =>
      store().create({ ...record(id, 100), owner, expires });
    await made("count-a1", "a");
    await made("count-a2", "a");
    await made("count-a3", "a", now - 1); // expired, not yet swept
    await made("count-b1", "b");
    const ended = await made("count-a4", "a");
    await ended.end(
      { refused: { ok: false, status: 400, error: { code: "truncated" } } as never },
      now + 60_000,
    );
    // A new store (a restarted server) knows nothing in memory: it counts from the bucket.
    assert.equal(await store().countOpen!("a", now), 2);
    assert.equal(await store().countOpen!("b", now), 1);
    assert.equal(await store().countOpen!("c", now), 0);
    for (const id of ["count-a1", "count-a2", "count-a3", "count-b1", "count-a4"]) {
      await (await store().open(id))!.end("deleted");
    }
    assert.equal(await store().countOpen!("a", now), 0);
    await nothingLeft("counted");
  },
);

Deno.test("resumable s3: ids that are not ids are unknown", ACROSS_TESTS, async () => {
  assert.equal(await store().open("../x"), undefined);
  assert.equal(await store().open("nope"), undefined);
});

Deno.test({
  name: "resumable s3: stop",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await proxy.close();
    await mf.dispose();
    await Deno.remove(persist, { recursive: true });
  },
});
