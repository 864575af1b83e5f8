// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { readArchive } from "../archive/read_archive.ts";
import type { ReadOptions } from "../archive/verify.ts";
import { SnapshotError } from "../errors.ts";
import type { SnapshotMeta } from "../format/meta.ts";
import { DETECT_BYTES, detectProduct } from "../inspect/products/detect_product.ts";
import type { CatalogRecord } from "./catalog.ts";
import { clusterOf } from "./cluster.ts";

export type { ReadOptions } from "../archive/verify.ts";
import type { SnapshotSource, SourceObject } from "./source.ts";

/** Options of {@linkcode verifyObject}. */
export interface VerifyObjectOptions extends ReadOptions {
  /** How keys group into clusters (see {@linkcode clusterOf}). @default {folder of the key} */
  clusterPattern?: RegExp | string;
  /** The clock, for `verifiedAt`. @default {Date.now} */
  now?: () => number;
}

/**
 * Streams one object of a source through the verifier ({@linkcode readArchive}, as
 * `verifySnapshot` does), naming the product from the state's first bytes and hashing the
 * state as it passes, without buffering it; returns the record the catalog keeps. A bad
 * archive is a record with `ok: false` and the `SnapshotError` code; an object that
 * vanished is `missing`; a read that failed otherwise is `read-error`. Only an abort
 * through `options.signal` rejects.
 *
 * @example Verifying an object in memory
 * ```ts
 * import { writeSnapshot } from "@raftsnap/raftsnap";
 * import { verifyObject } from "@raftsnap/raftsnap/watch";
 *
 * const state = new TextEncoder().encode("hello raft snapshot\n");
 * const bytes = new Uint8Array(await new Response(
 *   writeSnapshot({ id: "2-5-1700000000000", index: 5, term: 2, size: state.length }, state),
 * ).arrayBuffer());
 * const source = {
 *   list: async function* () {},
 *   open: () => Promise.resolve(new Blob([bytes]).stream()),
 *   delete: () => Promise.resolve(),
 * };
 * const object = { key: "consul/a.snap", size: bytes.length, etag: "e", modified: 0 };
 * const record = await verifyObject(source, object);
 * if (!record.ok || record.meta?.index !== "5" || record.cluster !== "consul") throw new Error("bad");
 * ```
 *
 * @param source Where the object is.
 * @param object The object, as listed.
 * @param options Reader options (hasher, sealer, limits, signal), the cluster pattern, the clock.
 * @returns What the catalog keeps of this verification.
 */
export async function verifyObject(
  source: SnapshotSource,
  object: SourceObject,
  options: VerifyObjectOptions = {},
): Promise<CatalogRecord> {
  const now = options.now ?? Date.now;
  const base = {
    key: object.key,
    size: object.size,
    etag: object.etag,
    modified: object.modified,
    cluster: clusterOf(object.key, options.clusterPattern),
  };
  let meta: SnapshotMeta | undefined;
  const head = new Uint8Array(DETECT_BYTES);
  let headLength = 0;
  let stateSeen = false;
  const product = () => stateSeen ? detectProduct(head.subarray(0, headLength)).product : undefined;
  let stream: ReadableStream<Uint8Array> | undefined;
  try {
    stream = await source.open(object.key, options.signal);
  } catch (error) {
    options.signal?.throwIfAborted();
    return { ...base, ok: false, code: "read-error", message: messageOf(error), verifiedAt: now() };
  }
  if (!stream) {
    return {
      ...base,
      ok: false,
      code: "missing",
      message: "the object is gone",
      verifiedAt: now(),
    };
  }
  try {
    const result = await readArchive(stream, options, {
      meta: (m) => void (meta = m),
      state(chunk) {
        stateSeen = true;
        if (headLength < DETECT_BYTES) {
          const take = Math.min(DETECT_BYTES - headLength, chunk.length);
          head.set(chunk.subarray(0, take), headLength);
          headLength += take;
        }
      },
    });
    return {
      ...base,
      ok: true,
      meta: metaOf(result.meta),
      product: product() ?? "unknown",
      stateSha256: result.stateSha256,
      verifiedAt: now(),
    };
  } catch (error) {
    options.signal?.throwIfAborted();
    const code = error instanceof SnapshotError ? error.code : "read-error";
    return {
      ...base,
      ok: false,
      code,
      message: messageOf(error),
      meta: meta && metaOf(meta),
      product: product(),
      verifiedAt: now(),
    };
  }
}

function metaOf(meta: SnapshotMeta): CatalogRecord["meta"] {
  return {
    id: meta.id,
    index: String(meta.index),
    term: String(meta.term),
    size: String(meta.size),
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Options of {@linkcode needsVerification}. */
export interface NeedsVerificationOptions {
  /** Verify again once the last verification is this old (ms); 0 for every pass. */
  reverifyAfterMs: number;
  /** Now (ms since the epoch). */
  now: number;
}

/**
 * Whether an object must be verified in this pass: it is new (no record), it changed
 * (another ETag or size), or its last verification is `reverifyAfterMs` old (rot changes
 * neither size nor ETag on every store, nor a file's modification time).
 *
 * @example
 * ```ts
 * import { needsVerification } from "@raftsnap/raftsnap/watch";
 *
 * const object = { key: "a.snap", size: 10, etag: "e", modified: 0 };
 * const record = { ...object, ok: true, verifiedAt: 1000, cluster: "" };
 * if (needsVerification(object, record, { reverifyAfterMs: 5000, now: 2000 })) throw new Error("fresh");
 * if (!needsVerification(object, record, { reverifyAfterMs: 5000, now: 6000 })) throw new Error("due");
 * if (!needsVerification(object, undefined, { reverifyAfterMs: 5000, now: 0 })) throw new Error("new");
 * ```
 *
 * @param object The object, as listed now.
 * @param record What the catalog holds of it.
 * @param options When to verify again, and now.
 * @returns Whether to verify it.
 */
export function needsVerification(
  object: SourceObject,
  record: CatalogRecord | undefined,
  options: NeedsVerificationOptions,
): boolean {
  if (!record) return true;
  if (record.etag !== object.etag || record.size !== object.size) return true;
  return options.now - record.verifiedAt >= options.reverifyAfterMs;
}
