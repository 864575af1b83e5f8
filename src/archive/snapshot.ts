// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { toBase64 } from "../_bytes.ts";
import type { SnapshotMeta, SnapshotMetaInit } from "../format/meta.ts";
import { defaultSha256 } from "../sha256/default_sha256.ts";
import { MemorySpool, type Spool, type SpoolFactory } from "./spool.ts";
import { type StateInput, type WriteOptions, writeSnapshot } from "./write.ts";
import { toSnapshotMeta } from "../format/meta.ts";

/** Options of {@linkcode Snapshot.create}. */
export interface SnapshotOptions extends WriteOptions {
  /**
   * Where the archive is kept.
   *
   * @default {() => new MemorySpool()}
   */
  spool?: SpoolFactory;
}

/**
 * Go's `snapshot.New` and `Snapshot`: an archive written once into a spool, with its
 * size and `sha-256=` checksum known, readable as often as needed until closed.
 *
 * @example Making a snapshot and reading its checksum
 * ```ts
 * import { Snapshot, verifySnapshot } from "@raftsnap/raftsnap";
 *
 * const state = new TextEncoder().encode("state");
 * const snapshot = await Snapshot.create({ index: 9, term: 2, size: state.length }, state);
 * try {
 *   const result = await verifySnapshot(snapshot.stream(), { checksum: true });
 *   if (result.checksum !== snapshot.checksum || snapshot.index !== 9n) throw new Error("mismatch");
 * } finally {
 *   await snapshot.close();
 * }
 * ```
 */
export class Snapshot {
  /** The metadata the snapshot was written with. */
  readonly meta: SnapshotMeta;
  /** The archive's size in bytes. */
  readonly size: number;
  /** `sha-256=` + base64 SHA-256 of the archive: the form of an HTTP `Digest` header. */
  readonly checksum: string;
  #spool: Spool | undefined;

  private constructor(meta: SnapshotMeta, spool: Spool, checksum: string) {
    this.meta = meta;
    this.size = spool.size;
    this.checksum = checksum;
    this.#spool = spool;
  }

  /** The raft index the snapshot covers (Go's `Index()`). */
  get index(): bigint {
    return this.meta.index;
  }

  /**
   * Writes the archive of `meta` and `state` into a spool, hashing it on the way.
   *
   * @param meta The metadata; `size` must be the state's length.
   * @param state The FSM state.
   * @param options Write options and the spool.
   * @returns The snapshot; {@linkcode Snapshot.close} it when done.
   */
  static async create(
    meta: SnapshotMeta | SnapshotMetaInit,
    state: StateInput,
    options: SnapshotOptions = {},
  ): Promise<Snapshot> {
    const full = toSnapshotMeta(meta);
    const hasher = await (options.hasher ?? defaultSha256)();
    const spool = await (options.spool ?? (() => new MemorySpool()))();
    try {
      await writeSnapshot(full, state, options)
        .pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            async transform(chunk, controller) {
              await hasher.update(chunk);
              controller.enqueue(chunk);
            },
          }),
        )
        .pipeTo(spool.writable, { signal: options.signal });
      return new Snapshot(full, spool, "sha-256=" + toBase64(await hasher.digest()));
    } catch (error) {
      await spool.dispose();
      throw error;
    }
  }

  /**
   * The archive bytes.
   *
   * @throws {TypeError} after {@linkcode Snapshot.close}.
   */
  stream(): ReadableStream<Uint8Array> {
    if (!this.#spool) throw new TypeError("The snapshot is closed");
    return this.#spool.readable();
  }

  /** Releases the spool. Safe to call more than once. */
  async close(): Promise<void> {
    const spool = this.#spool;
    this.#spool = undefined;
    await spool?.dispose();
  }
}
