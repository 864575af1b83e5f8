// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import type { ListOptions, SnapshotSource, SourceObject } from "../watch/source.ts";

/** An object as an R2 bucket binding lists or heads it (the part {@linkcode R2Source} reads). */
export interface R2ListedObject {
  /** The key. */
  readonly key: string;
  /** The size in bytes. */
  readonly size: number;
  /** The ETag, without quotes (as R2 event notifications give it too). */
  readonly etag: string;
  /** When it was written. */
  readonly uploaded: Date;
}

/**
 * The part of a Workers R2 bucket binding (`env.BUCKET`, type `R2Bucket`) that
 * {@linkcode R2Source} uses; the binding itself fits.
 */
export interface R2SourceBucket {
  /** One page of a listing. */
  list(options?: { prefix?: string; cursor?: string; limit?: number }): Promise<{
    objects: R2ListedObject[];
    truncated: boolean;
    cursor?: string;
  }>;
  /** An object's metadata, or null. */
  head(key: string): Promise<R2ListedObject | null>;
  /** An object with its body, or null. */
  get(key: string): Promise<
    | (R2ListedObject & {
      body: ReadableStream<Uint8Array>;
      httpMetadata?: Record<string, unknown>;
      customMetadata?: Record<string, string>;
    })
    | null
  >;
  /** Stores an object. */
  put(
    key: string,
    value: ReadableStream<Uint8Array>,
    options?: {
      httpMetadata?: Record<string, unknown>;
      customMetadata?: Record<string, string>;
    },
  ): Promise<unknown>;
  /** Deletes an object. */
  delete(key: string): Promise<void>;
}

/** Options of {@linkcode R2Source}. */
export interface R2SourceOptions {
  /**
   * Only objects under this key prefix; the source's keys are the object keys without it
   * (so clusters are the folders below it).
   *
   * @default {""}
   */
  prefix?: string;
  /**
   * Only keys that end with this: the snapshots, not what else the bucket holds.
   *
   * @default {".snap"}
   */
  suffix?: string;
  /**
   * Objects per listing page (R2 gives at most 1000).
   *
   * @default {1000}
   */
  pageSize?: number;
}

/**
 * A {@linkcode SnapshotSource} on a Cloudflare R2 bucket binding: what the watcher
 * (`watchOnce`, or the Worker in `examples/cloudflare-watch/`) lists, streams through the
 * verifier and, with retention applied, deletes.
 *
 * ### Overview
 *
 * The listing is paged with R2's cursors (`pageSize` objects per request, one page in
 * memory at a time). Each object's ETag is R2's (an MD5 of the bytes for a plain put, of
 * the parts for a multipart upload), unquoted, the form R2 event notifications give, so a
 * record made from a notification and one made from a listing compare equal. `open`
 * streams the body as R2 sends it; nothing is buffered.
 *
 * @example Listing and reading a bucket (here a small one in memory)
 * ```ts
 * import { R2Source, type R2SourceBucket } from "@raftsnap/raftsnap/r2-source";
 *
 * const stored = new Map([["backups/consul/a.snap", new Uint8Array(3)], ["backups/notes.txt", new Uint8Array(1)]]);
 * const info = (key: string) => ({ key, size: stored.get(key)!.length, etag: "e", uploaded: new Date(0) });
 * const bucket: R2SourceBucket = {
 *   list: (o) => Promise.resolve({
 *     objects: [...stored.keys()].filter((k) => k.startsWith(o?.prefix ?? "")).map(info),
 *     truncated: false,
 *   }),
 *   head: (key) => Promise.resolve(stored.has(key) ? info(key) : null),
 *   get: (key) => Promise.resolve(stored.has(key) ? { ...info(key), body: new Blob([stored.get(key)!]).stream() } : null),
 *   put: () => Promise.resolve(),
 *   delete: (key) => Promise.resolve(void stored.delete(key)),
 * };
 * const source = new R2Source(bucket, { prefix: "backups/" });
 * const keys = [];
 * for await (const object of source.list()) keys.push(object.key);
 * if (keys.join() !== "consul/a.snap") throw new Error(keys.join());
 * if (!await source.open("consul/a.snap")) throw new Error("not found");
 * ```
 */
export class R2Source implements SnapshotSource {
  /** The bucket binding. */
  readonly bucket: R2SourceBucket;
  /** The key prefix. */
  readonly prefix: string;
  /** The key suffix of snapshots. */
  readonly suffix: string;
  /** Objects per listing page. */
  readonly pageSize: number;
  /** `r2://` and the prefix, for reports. */
  readonly name: string;

  /**
   * Makes a source on a bucket binding.
   *
   * @param bucket The R2 bucket binding.
   * @param options The key prefix and suffix, the page size.
   * @throws {RangeError} when `pageSize` is not between 1 and 1000.
   */
  constructor(bucket: R2SourceBucket, options: R2SourceOptions = {}) {
    this.bucket = bucket;
    this.prefix = options.prefix ?? "";
    this.suffix = options.suffix ?? ".snap";
    this.pageSize = options.pageSize ?? 1000;
    if (!(Number.isInteger(this.pageSize) && this.pageSize >= 1 && this.pageSize <= 1000)) {
      throw new RangeError(`pageSize must be a whole number from 1 to 1000, not ${this.pageSize}`);
    }
    this.name = `r2://${this.prefix}`;
  }

  /**
   * Pages through the snapshots under the prefix (and `options.prefix` below it), in key
   * order.
   *
   * @param options A prefix below the source's, and a signal that stops the listing.
   * @returns The objects, keys relative to the source's prefix.
   */
  async *list(options: ListOptions = {}): AsyncIterable<SourceObject> {
    let cursor: string | undefined;
    do {
      options.signal?.throwIfAborted();
      const page = await this.bucket.list({
        prefix: this.prefix + (options.prefix ?? ""),
        cursor,
        limit: this.pageSize,
      });
      for (const object of page.objects) {
        const key = this.keyOf(object.key);
        if (key !== undefined) yield this.#objectOf(key, object);
      }
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
  }

  /**
   * The source's key for a bucket key (as an R2 event notification names it), or
   * `undefined` when the object is not one of the source's snapshots.
   *
   * @param bucketKey The object's key in the bucket.
   * @returns The key relative to the prefix, or `undefined`.
   */
  keyOf(bucketKey: string): string | undefined {
    if (!bucketKey.startsWith(this.prefix) || !bucketKey.endsWith(this.suffix)) return undefined;
    return bucketKey.slice(this.prefix.length);
  }

  /**
   * An object as a listing would give it now (one `head`), or `undefined` when it is gone.
   *
   * @param key The source's key.
   * @returns The object, or `undefined`.
   */
  async stat(key: string): Promise<SourceObject | undefined> {
    const object = await this.bucket.head(this.prefix + key);
    return object ? this.#objectOf(key, object) : undefined;
  }

  /**
   * The object's bytes as R2 streams them.
   *
   * @param key The source's key.
   * @param signal Stops before the request is made.
   * @returns The body, or `undefined` when the object is gone.
   */
  async open(key: string, signal?: AbortSignal): Promise<ReadableStream<Uint8Array> | undefined> {
    signal?.throwIfAborted();
    const object = await this.bucket.get(this.prefix + key);
    return object?.body;
  }

  /**
   * Deletes an object.
   *
   * @param key The source's key.
   * @returns `false` when it was already gone.
   */
  async delete(key: string): Promise<boolean> {
    if (!await this.bucket.head(this.prefix + key)) return false;
    await this.bucket.delete(this.prefix + key);
    return true;
  }

  /**
   * Moves an object to another key (the binding has no copy: the body streams through the
   * Worker, with its metadata), then deletes it.
   *
   * @param key The source's key.
   * @param to The new key, below the same prefix.
   * @throws {Error} when the object is gone.
   */
  async move(key: string, to: string): Promise<void> {
    const object = await this.bucket.get(this.prefix + key);
    if (!object) throw new Error(`cannot move ${this.prefix + key}: it is gone`);
    await this.bucket.put(this.prefix + to, object.body, {
      httpMetadata: object.httpMetadata,
      customMetadata: object.customMetadata,
    });
    await this.bucket.delete(this.prefix + key);
  }

  #objectOf(key: string, object: R2ListedObject): SourceObject {
    return { key, size: object.size, etag: object.etag, modified: object.uploaded.getTime() };
  }
}
