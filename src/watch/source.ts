// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/** One object in a {@linkcode SnapshotSource}, as a listing gives it. */
export interface SourceObject {
  /** The key: a path relative to the folder, or the object key below the source's prefix. */
  key: string;
  /** The size in bytes. */
  size: number;
  /** The ETag (S3, R2), or a stand-in that changes with the content's size and time (folder). */
  etag: string;
  /** When it was last written, in milliseconds since the epoch. */
  modified: number;
}

/** Options of {@linkcode SnapshotSource.list}. */
export interface ListOptions {
  /** Only keys that start with this. @default {""} */
  prefix?: string;
  /** Stops the listing. */
  signal?: AbortSignal;
}

/**
 * Where snapshots are kept: a folder, an S3 bucket, an R2 binding. The watcher lists it,
 * streams each object through the verifier, and (with retention applied) deletes from it.
 *
 * @example A source in memory
 * ```ts
 * import type { SnapshotSource, SourceObject } from "@raftsnap/raftsnap/watch";
 *
 * const objects = new Map<string, Uint8Array>([["consul/a.snap", new Uint8Array(3)]]);
 * const source: SnapshotSource = {
 *   async *list() {
 *     for (const [key, bytes] of objects) {
 *       yield { key, size: bytes.length, etag: `"${bytes.length}"`, modified: 0 } as SourceObject;
 *     }
 *   },
 *   open: (key) => {
 *     const bytes = objects.get(key);
 *     return Promise.resolve(bytes && new Blob([bytes as BlobPart]).stream());
 *   },
 *   delete: (key) => Promise.resolve(void objects.delete(key)),
 * };
 * const keys = [];
 * for await (const object of source.list()) keys.push(object.key);
 * if (keys[0] !== "consul/a.snap") throw new Error("wrong");
 * ```
 */
export interface SnapshotSource {
  /** What the source is, for reports: a folder's path, `s3://bucket/prefix`. */
  readonly name?: string;
  /**
   * Pages through the objects (only the snapshots: keys ending in `.snap`, nothing the
   * watcher itself keeps there), never holding the whole listing in memory.
   */
  list(options?: ListOptions): AsyncIterable<SourceObject>;
  /**
   * The object's bytes as a stream.
   *
   * @returns The stream, or `undefined` when the object is gone.
   */
  open(key: string, signal?: AbortSignal): Promise<ReadableStream<Uint8Array> | undefined>;
  /**
   * Deletes an object.
   *
   * @returns `false` when it was already gone (someone else deleted it), where the
   * source can tell; `true` or nothing otherwise.
   */
  delete(key: string): Promise<boolean | void>;
  /** Moves a bad backup to another key (used only with an explicit flag). */
  move?(key: string, to: string): Promise<void>;
}
