// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { DEFAULT_PART_SIZE, MIN_PART_SIZE, stageMultipart } from "./_multipart.ts";
import {
  multipartResumableStore,
  type ResumableBackend,
  type ResumableRecords,
} from "./_resumable_multipart.ts";
import type { SnapshotStore, StagedUpload } from "./store.ts";
import type { ResumableStore } from "./tus/resumable_store.ts";

export type { ResumableRecords, ResumableState } from "./_resumable_multipart.ts";

/** The part of a Workers R2 bucket binding's multipart upload that {@linkcode R2Store} uses. */
export interface R2MultipartUploadLike {
  /** The upload's key. */
  readonly key: string;
  /** The upload's ID. */
  readonly uploadId: string;
  /** Uploads one part (a stream: of known length, such as a stored object's body). */
  uploadPart(
    partNumber: number,
    value: Uint8Array | ReadableStream<Uint8Array>,
  ): Promise<{ partNumber: number; etag: string }>;
  /** Completes the upload from its parts. */
  complete(parts: { partNumber: number; etag: string }[]): Promise<unknown>;
  /** Aborts the upload. */
  abort(): Promise<void>;
}

/** The part of an R2 object's head that {@linkcode R2Store} reads. */
export interface R2ObjectLike {
  /** The object's size in bytes. */
  readonly size: number;
  /** Its custom metadata. */
  readonly customMetadata?: Record<string, string>;
}

/**
 * The part of a Workers R2 bucket binding (`env.BUCKET`, type `R2Bucket`) that
 * {@linkcode R2Store} uses; the binding itself fits.
 */
export interface R2BucketLike {
  /** An object's metadata, or null. */
  head(key: string): Promise<R2ObjectLike | null>;
  /** An object with its body (or a range of it), or null. */
  get(
    key: string,
    options?: { range?: { offset: number; length?: number } },
  ): Promise<(R2ObjectLike & { body: ReadableStream<Uint8Array> }) | null>;
  /** Stores an object. */
  put(
    key: string,
    value: ReadableStream<Uint8Array> | Uint8Array | null,
    options?: {
      customMetadata?: Record<string, string>;
      httpMetadata?: { contentType?: string };
    },
  ): Promise<unknown>;
  /** Deletes an object. */
  delete(key: string): Promise<void>;
  /** Starts a multipart upload. */
  createMultipartUpload(
    key: string,
    options?: {
      customMetadata?: Record<string, string>;
      httpMetadata?: { contentType?: string };
    },
  ): Promise<R2MultipartUploadLike>;
  /** A multipart upload started before (for {@linkcode R2Store.resumable}). */
  resumeMultipartUpload?(key: string, uploadId: string): R2MultipartUploadLike;
  /** Lists keys (for {@linkcode R2Store.resumable}). */
  list?(options: { prefix?: string; cursor?: string }): Promise<{
    objects: { key: string }[];
    truncated: boolean;
    cursor?: string;
  }>;
}

/** Options of {@linkcode R2Store.resumable}. */
export interface ResumableOptions {
  /**
   * Where each upload's record and multipart state is kept: by default a JSON object
   * beside the staging, `<prefix>.tus-records/<id>.json`; a Durable Object passes its
   * own storage.
   */
  records?: ResumableRecords;
}

/** Options of {@linkcode R2Store}. */
export interface R2StoreOptions {
  /**
   * Prepended to every object key (a "folder", such as `consul/`).
   *
   * @default {""}
   */
  prefix?: string;
  /**
   * Bytes per part of the multipart upload, at least 5 MiB. Two parts at most are held in
   * memory per upload (a Workers isolate has 128 MB); an upload no bigger than one part
   * is put at once, at commit.
   *
   * @default {8388608} (8 MiB)
   */
  partSize?: number;
}

const CONTENT_TYPE = "application/gzip";

/**
 * A {@linkcode SnapshotStore} in Cloudflare R2, through a Workers bucket binding.
 *
 * ### Overview
 *
 * Each upload is staged as an R2 multipart upload under `<prefix>.staging-<UUID>`, in
 * parts of `partSize`, as it streams in; at most two parts are in memory. Only once the
 * archive verified is it completed, then copied to its key, `<prefix><snapshotKey>`
 * (`<ID>-<Index>-<16 hex of the archive's SHA-256>.snap`, as `FsStore` names files), with
 * custom metadata `snapshot-id`, `snapshot-index`, `snapshot-term`, `state-sha256` and
 * `archive-checksum`; the staging object is then deleted. (R2 fixes an object's key and
 * metadata when its multipart upload starts, before the archive has told either.) An
 * upload no bigger than one part is put once, at its key. Any failure aborts the
 * multipart upload, so a bad, cut, oversized, timed-out or abandoned upload leaves
 * nothing. A snapshot already stored under its key is kept, and different bytes under
 * that key are refused.
 *
 * @example A Worker that verifies uploads into R2
 * ```ts ignore
 * import { bearerAuthorizer, createVerifyHandler, R2Store } from "@raftsnap/raftsnap";
 *
 * export default {
 *   fetch(request: Request, env: { SNAPSHOTS: R2Bucket; UPLOAD_TOKEN: string }) {
 *     const handler = createVerifyHandler({
 *       store: new R2Store(env.SNAPSHOTS),
 *       authorize: bearerAuthorizer(env.UPLOAD_TOKEN),
 *     });
 *     return handler(request);
 *   },
 * };
 * ```
 */
export class R2Store implements SnapshotStore {
  /** The bucket binding. */
  readonly bucket: R2BucketLike;
  /** The key prefix. */
  readonly prefix: string;
  /** The part size. */
  readonly partSize: number;

  /**
   * Makes a store on a bucket binding.
   *
   * @param bucket The R2 bucket binding.
   * @param options The key prefix and part size.
   * @throws {RangeError} when `partSize` is under 5 MiB.
   */
  constructor(bucket: R2BucketLike, options: R2StoreOptions = {}) {
    this.bucket = bucket;
    this.prefix = options.prefix ?? "";
    this.partSize = options.partSize ?? DEFAULT_PART_SIZE;
    if (!(this.partSize >= MIN_PART_SIZE) || !Number.isInteger(this.partSize)) {
      throw new RangeError(`partSize must be an integer of at least ${MIN_PART_SIZE} bytes`);
    }
  }

  /**
   * Stages an upload (the multipart upload starts with the first full part).
   *
   * @returns The staged upload.
   */
  begin(): StagedUpload {
    return stageMultipart(this.#backend(), {
      partSize: this.partSize,
      keyFor: (name) => this.prefix + name,
    });
  }

  /**
   * Resumable (tus) uploads staged in this bucket: parts of `partSize`, each written
   * once as a readable object under `<prefix>.tus-staging/<id>/` (a lost verifier is
   * rebuilt by reading them back), the bytes after the last part as readable `tail`
   * segments (each `flush` writes what it adds). Once the archive verified, a multipart
   * upload is created at its key with its metadata, each staged part's body streamed
   * into it and the tail sent as its last part, so a verified upload is stored as
   * {@linkcode R2Store.begin}'s are. Everything staged is deleted when the upload is
   * committed, refused, terminated or expired.
   *
   * @example Resumable uploads in R2 behind the tus handler
   * ```ts ignore
   * import { R2Store } from "@raftsnap/raftsnap/r2-store";
   *
   * declare const env: { SNAPSHOTS: R2Bucket };
   * const store = new R2Store(env.SNAPSHOTS).resumable();
   * const staged = await store.open("0123abcd");
   * console.log(staged?.record.offset);
   * ```
   *
   * @param options Where the records are kept.
   * @returns The store.
   * @throws {TypeError} when the binding lacks `list` or `resumeMultipartUpload`.
   */
  resumable(options: ResumableOptions = {}): ResumableStore {
    const bucket = this.bucket;
    if (!bucket.list || !bucket.resumeMultipartUpload) {
      throw new TypeError("resumable uploads need the bucket's list and resumeMultipartUpload");
    }
    return multipartResumableStore(this.#backend(), {
      partSize: this.partSize,
      prefix: this.prefix,
      records: options.records,
    });
  }

  #backend(): ResumableBackend<R2MultipartUploadLike> {
    const bucket = this.bucket;
    return {
      async get(key, length) {
        const object = await bucket.get(
          key,
          length === undefined ? undefined : { range: { offset: 0, length } },
        );
        return object?.body;
      },
      async *list(prefix) {
        let cursor: string | undefined;
        do {
          const page = await bucket.list!({ prefix, cursor });
          for (const object of page.objects) yield object.key;
          cursor = page.truncated ? page.cursor : undefined;
        } while (cursor);
      },
      resume: (key, uploadId) => bucket.resumeMultipartUpload!(key, uploadId),
      uploadIdOf: (upload) => upload.uploadId,
      async head(key) {
        const object = await bucket.head(key);
        if (!object) return undefined;
        return { size: object.size, checksum: object.customMetadata?.["archive-checksum"] };
      },
      async put(key, bytes, customMetadata) {
        await bucket.put(key, bytes, {
          customMetadata,
          httpMetadata: { contentType: CONTENT_TYPE },
        });
      },
      create: (key) => bucket.createMultipartUpload(key),
      uploadPart: (upload, partNumber, bytes) => upload.uploadPart(partNumber, bytes),
      createWith: (key, customMetadata) =>
        bucket.createMultipartUpload(key, {
          customMetadata,
          httpMetadata: { contentType: CONTENT_TYPE },
        }),
      async copyPart(upload, partNumber, from) {
        // The binding has no part copy: the object streams through the Worker (its body
        // has a known length, which uploadPart needs).
        const source = await bucket.get(from);
        if (!source) throw new Error(`the staged object ${from} is gone`);
        return await upload.uploadPart(partNumber, source.body);
      },
      async complete(upload, parts) {
        await upload.complete(parts);
      },
      abort: (upload) => upload.abort(),
      async copy(from, to, customMetadata) {
        // The binding has no copy: the object streams through the Worker (its body has a
        // known length, which put needs).
        const source = await bucket.get(from);
        if (!source) throw new Error(`the staged object ${from} is gone`);
        await bucket.put(to, source.body, {
          customMetadata,
          httpMetadata: { contentType: CONTENT_TYPE },
        });
      },
      delete: (key) => bucket.delete(key),
    };
  }
}
