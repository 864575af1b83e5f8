// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { SnapshotError } from "../errors.ts";

/**
 * Where a state waits while its archive is verified (Go writes it to a temporary file).
 * Write everything to {@linkcode Spool.writable} and close it, read it back with
 * {@linkcode Spool.readable}, and always {@linkcode Spool.dispose} it.
 */
export interface Spool {
  /** Receives the bytes. */
  readonly writable: WritableStream<Uint8Array>;
  /** Everything written, once the writable has closed. May be called more than once. */
  readable(): ReadableStream<Uint8Array>;
  /** Bytes written so far. */
  readonly size: number;
  /** Releases the storage. Safe to call more than once. */
  dispose(): Promise<void>;
}

/** Makes a fresh {@linkcode Spool}. */
export type SpoolFactory = () => Spool | Promise<Spool>;

/** Options of {@linkcode MemorySpool}. */
export interface MemorySpoolOptions {
  /**
   * The most bytes the spool holds; writing more fails with a `spool-full`
   * {@linkcode SnapshotError}.
   *
   * @default {268435456}
   */
  maxBytes?: number;
}

/**
 * A {@linkcode Spool} in memory, with a byte cap: the portable default. In Deno, the
 * `@raftsnap/raftsnap/deno/file-spool` module has one on a temporary file.
 *
 * @example Spooling and reading back
 * ```ts
 * import { MemorySpool } from "@raftsnap/raftsnap";
 *
 * const spool = new MemorySpool({ maxBytes: 16 });
 * const writer = spool.writable.getWriter();
 * await writer.write(new TextEncoder().encode("hello"));
 * await writer.close();
 * const text = await new Response(spool.readable()).text();
 * await spool.dispose();
 * if (text !== "hello") throw new Error(text);
 * ```
 */
export class MemorySpool implements Spool {
  readonly #max: number;
  #chunks: Uint8Array[] = [];
  #size = 0;
  /** Receives the bytes. */
  readonly writable: WritableStream<Uint8Array>;

  /** Makes an empty spool. @param options The byte cap. */
  constructor(options: MemorySpoolOptions = {}) {
    this.#max = options.maxBytes ?? 256 * 1024 * 1024;
    this.writable = new WritableStream({
      write: (chunk) => {
        if (this.#size + chunk.length > this.#max) {
          throw new SnapshotError(
            "spool-full",
            `the state does not fit the in-memory spool (at most ${this.#max} bytes); ` +
              "use a file spool for large snapshots",
            { layer: "spool", entry: "state.bin", expected: `at most ${this.#max} bytes` },
          );
        }
        this.#chunks.push(chunk);
        this.#size += chunk.length;
      },
    });
  }

  /** Bytes written so far. */
  get size(): number {
    return this.#size;
  }

  /** Everything written. @returns A stream of the spooled bytes. */
  readable(): ReadableStream<Uint8Array> {
    const chunks = this.#chunks;
    let i = 0;
    return new ReadableStream({
      pull(controller) {
        const chunk = chunks[i++];
        if (chunk === undefined) controller.close();
        else controller.enqueue(chunk);
      },
    });
  }

  /** Drops the bytes. */
  dispose(): Promise<void> {
    this.#chunks = [];
    this.#size = 0;
    return Promise.resolve();
  }
}
