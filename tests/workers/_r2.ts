// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Helpers for tests against Miniflare's local R2: archives to upload, and what the bucket
// holds, including the multipart uploads still open (read from Miniflare's SQLite store,
// as neither the binding nor its S3 API lists them).

import { DatabaseSync } from "node:sqlite";
import { Miniflare } from "miniflare";
import { snapshotKey, verifySnapshot, writeSnapshot } from "../../mod.ts";
import { assert, collect, hex } from "../_helpers.ts";

/** What the tests read of a local R2 bucket (the binding's own type is Workers'). */
export interface LocalBucket {
  list(): Promise<{ objects: { key: string }[] }>;
  get(key: string): Promise<
    { arrayBuffer(): Promise<ArrayBuffer>; customMetadata?: Record<string, string> } | null
  >;
}

/**
 * Checks that `archive` is stored under `prefix` + the key `FsStore` would give it,
 * byte-identical, with its custom metadata; returns that key.
 */
export async function expectObject(
  bucket: LocalBucket,
  prefix: string,
  archive: Uint8Array,
): Promise<string> {
  const result = await verifySnapshot(archive, { checksum: true });
  const sha = hex(new Uint8Array(await crypto.subtle.digest("SHA-256", archive as BufferSource)));
  const key = prefix + snapshotKey(result.meta, sha);
  const object = await bucket.get(key);
  assert.ok(object, `${key} is not stored`);
  const bytes = new Uint8Array(await object.arrayBuffer());
  assert.equal(bytes.length, archive.length);
  assert.ok(bytes.every((b, i) => b === archive[i]), "the stored bytes differ");
  assert.deepEqual(object.customMetadata, {
    "snapshot-id": result.meta.id,
    "snapshot-index": String(result.meta.index),
    "snapshot-term": String(result.meta.term),
    "state-sha256": result.stateSha256,
    "archive-checksum": result.checksum,
  });
  return key;
}

/** A valid archive of `size` bytes of incompressible state (so it stays that big). */
export async function archiveOf(size: number, id = "3-77-1700000000000"): Promise<Uint8Array> {
  const state = new Uint8Array(size);
  for (let at = 0; at < size; at += 65536) {
    crypto.getRandomValues(state.subarray(at, Math.min(size, at + 65536)));
  }
  return await collect(writeSnapshot({ id, index: 77, term: 3, size }, state));
}

/** The multipart uploads of a persisted local R2 that are neither completed nor aborted. */
export async function openMultipartUploads(persist: string): Promise<number> {
  let open = 0;
  const dir = `${persist}/miniflare-R2BucketObject`;
  try {
    await Deno.stat(dir);
  } catch {
    return 0; // nothing was ever stored
  }
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.name.endsWith(".sqlite")) continue;
    const db = new DatabaseSync(`${persist}/miniflare-R2BucketObject/${entry.name}`, {
      readOnly: true,
    });
    try {
      const table = db.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_mf_multipart_uploads'",
      ).get();
      if (!table) continue;
      const row = db.prepare("SELECT COUNT(*) AS n FROM _mf_multipart_uploads WHERE state = 0")
        .get() as { n: number };
      open += row.n;
    } finally {
      db.close();
    }
  }
  return open;
}

/**
 * Waits until `check` holds, or `ms` passed (a bounded poll, not a timing assertion: the
 * default is a safety net for a loaded machine, and the wait ends once `check` holds).
 */
export async function eventually(check: () => Promise<boolean>, ms = 30_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return await check();
}

/** A body that sends `bytes`, then stalls (or fails, with `fail`) instead of ending. */
export function stallingBody(bytes: Uint8Array, fail?: AbortSignal): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(bytes);
        return;
      }
      return new Promise<void>((resolve) => {
        fail?.addEventListener("abort", () => {
          controller.error(new Error("the client went away"));
          resolve();
        });
      });
    },
  });
}

/** The credentials every local S3 API of the tests accepts. */
export const S3_CREDENTIALS = {
  accessKeyId: "AKIDRAFTSNAPTEST",
  secretAccessKey: "raftsnap-test-secret",
};

/** Miniflare's local R2, bucket `bucket` bound as `BUCKET`, served on its S3 API too. */
export interface LocalS3 {
  mf: Miniflare;
  /** Miniflare's storage folder (a fresh temporary one). */
  persist: string;
  /** Where Miniflare listens (the S3 API is under `/cdn-cgi/local/r2/s3`). */
  url: URL;
  bucket: LocalBucket;
}

/** Starts {@linkcode LocalS3} with a bucket named `bucket`, storing in a fresh folder. */
export async function startLocalS3(bucket: string, prefix: string): Promise<LocalS3> {
  const persist = await Deno.makeTempDir({ prefix });
  const mf = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response(null, { status: 404 }) } }",
    compatibilityDate: "2025-09-01",
    r2Buckets: { BUCKET: { id: bucket, s3Credentials: S3_CREDENTIALS } },
    r2Persist: persist,
  } as never);
  const url = new URL(String(await mf.ready));
  return {
    mf,
    persist,
    url,
    bucket: (await mf.getR2Bucket("BUCKET")) as unknown as LocalBucket,
  };
}
