// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/**
 * A {@linkcode Spool} on a temporary file, for Deno: what Go's `Restore` does with
 * `os.CreateTemp`. Not reached from `mod.ts`, so the library stays runtime-neutral.
 *
 * @example Restoring a snapshot through a temporary file
 * ```ts
 * import { restoreSnapshot, writeSnapshot } from "@raftsnap/raftsnap";
 * import { FileSpool } from "@raftsnap/raftsnap/deno/file-spool";
 *
 * const state = new TextEncoder().encode("state");
 * await restoreSnapshot(writeSnapshot({ index: 1, term: 1, size: 5 }, state), async (_meta, stream) => {
 *   if ((await new Response(stream).text()) !== "state") throw new Error("bad state");
 * }, { spool: () => FileSpool.create() });
 * ```
 *
 * @module
 */

import type { Spool } from "../archive/spool.ts";

/** Options of {@linkcode FileSpool.create}. */
export interface FileSpoolOptions {
  /**
   * The folder for the temporary file.
   *
   * @default {the system's temporary folder}
   */
  dir?: string;
}

/** A {@linkcode Spool} on a temporary file that {@linkcode FileSpool.dispose} removes. */
export class FileSpool implements Spool {
  /** The temporary file's path. */
  readonly path: string;
  /** Receives the bytes. */
  readonly writable: WritableStream<Uint8Array>;
  #size = 0;
  #disposed = false;
  #readers: Deno.FsFile[] = [];

  private constructor(path: string, file: Deno.FsFile) {
    this.path = path;
    const sink = file.writable.getWriter();
    this.writable = new WritableStream({
      write: async (chunk) => {
        await sink.write(chunk);
        this.#size += chunk.length;
      },
      close: () => sink.close(),
      abort: (reason) => sink.abort(reason),
    });
  }

  /**
   * Creates the temporary file (mode 0600).
   *
   * @param options Where to put it.
   * @returns The spool.
   */
  static async create(options: FileSpoolOptions = {}): Promise<FileSpool> {
    const path = await Deno.makeTempFile({ dir: options.dir, prefix: "raftsnap-spool-" });
    const file = await Deno.open(path, { write: true, truncate: true });
    return new FileSpool(path, file);
  }

  /** Bytes written so far. */
  get size(): number {
    return this.#size;
  }

  /** Everything written. @returns A stream of the file's bytes. */
  readable(): ReadableStream<Uint8Array> {
    if (this.#disposed) throw new TypeError("The spool has been disposed of");
    const file = Deno.openSync(this.path, { read: true });
    this.#readers.push(file);
    return file.readable;
  }

  /** Removes the file. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const file of this.#readers) {
      try {
        file.close();
      } catch {
        // Already closed by its stream.
      }
    }
    await this.writable.abort().catch(() => {});
    await Deno.remove(this.path).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }
}
