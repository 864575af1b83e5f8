// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/**
 * A {@linkcode SnapshotStore} in a folder, for the edge handler on Deno.
 *
 * Each upload is written to `<dir>/.staging-<random UUID>` (created new, mode 0600) and,
 * once it verified, flushed to disk (data, then the folder's entry) and given its final name, `<dir>/<key>`, where the
 * key is `snapshotKey`: `<ID>-<Index>-<first 16 hex of the archive's SHA-256>.snap`, the
 * ID made safe for a file name. The final name is made with a hard link and the staging
 * name then removed, so an existing file is never replaced: a re-upload of the same bytes
 * keeps the file that is there, and different bytes under an existing name are refused.
 * An aborted upload's staging file is removed.
 *
 * @example Serving uploads into a folder
 * ```ts ignore
 * import { createVerifyHandler } from "@raftsnap/raftsnap";
 * import { FsStore } from "./src/deno/fs_store.ts";
 *
 * const store = await FsStore.open("./snapshots");
 * Deno.serve({ hostname: "127.0.0.1", port: 8787 }, createVerifyHandler({ store }));
 * ```
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { SnapshotStore, StagedUpload, VerifiedUpload } from "../edge/store.ts";
import { openFileStream } from "./file_stream.ts";

/** Options of {@linkcode FsStore.open}. */
export interface FsStoreOptions {
  /**
   * Flush each snapshot to disk (`fdatasync`) before it is given its final name.
   *
   * @default {true}
   */
  sync?: boolean;
  /**
   * The mode of the files written.
   *
   * @default {0o600}
   */
  mode?: number;
}

/**
 * Bytes the staging writable queues before it asks the handler to wait: enough that
 * reading the upload overlaps with writing it (a write is a round trip to a thread),
 * little enough that memory stays bounded per upload.
 */
const QUEUE_BYTES = 512 * 1024;

/** The prefix of staging files. No final name starts with a dot. */
export const STAGING_PREFIX = ".staging-";

function join(dir: string, name: string): string {
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

async function removeQuietly(path: string) {
  try {
    await Deno.remove(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of await openFileStream(path)) hash.update(chunk);
  return hash.digest("hex");
}

/** Flushes a folder's entries (the new name) where the platform can; Windows cannot. */
async function syncDir(dir: string) {
  let handle: Deno.FsFile | undefined;
  try {
    handle = await Deno.open(dir, { read: true });
    await handle.syncData();
  } catch {
    // Not supported here: the file's data is flushed, its name may not be yet.
  } finally {
    handle?.close();
  }
}

/** Snapshots in a folder; see the module documentation. */
export class FsStore implements SnapshotStore {
  /** The folder. */
  readonly dir: string;
  readonly #sync: boolean;
  readonly #mode: number;

  private constructor(dir: string, options: FsStoreOptions) {
    this.dir = dir;
    this.#sync = options.sync ?? true;
    this.#mode = options.mode ?? 0o600;
  }

  /**
   * Opens (and creates, if need be) the folder.
   *
   * @param dir The folder.
   * @param options Flushing and file mode.
   * @returns The store.
   */
  static async open(dir: string, options: FsStoreOptions = {}): Promise<FsStore> {
    await Deno.mkdir(dir, { recursive: true });
    return new FsStore(dir, options);
  }

  /**
   * Removes staging files older than `age` milliseconds: what a crashed server left.
   * (Another server may be writing to younger ones in the same folder.)
   *
   * @param age The age beyond which a staging file is stale.
   * @returns The names removed.
   */
  async removeStaleStaging(age: number): Promise<string[]> {
    const removed: string[] = [];
    for await (const entry of Deno.readDir(this.dir)) {
      if (!entry.isFile || !entry.name.startsWith(STAGING_PREFIX)) continue;
      const path = join(this.dir, entry.name);
      const { mtime } = await Deno.stat(path);
      if (mtime && Date.now() - mtime.getTime() > age) {
        await removeQuietly(path);
        removed.push(entry.name);
      }
    }
    return removed;
  }

  /**
   * Creates the staging file.
   *
   * @returns The staged upload.
   */
  async begin(): Promise<StagedUpload> {
    const staging = join(this.dir, STAGING_PREFIX + crypto.randomUUID());
    const sync = this.#sync;
    let file: Deno.FsFile | undefined = await Deno.open(staging, {
      createNew: true,
      write: true,
      mode: this.#mode,
    });
    const close = () => {
      const open = file;
      file = undefined;
      try {
        open?.close();
      } catch {
        // already closed
      }
    };
    const writable = new WritableStream<Uint8Array>({
      async write(chunk) {
        for (let done = 0; done < chunk.length;) {
          if (!file) throw new Error("the staging file was closed");
          done += await file.write(chunk.subarray(done));
        }
      },
      async close() {
        if (sync) await file?.syncData();
        close();
      },
      abort: close,
    }, new ByteLengthQueuingStrategy({ highWaterMark: QUEUE_BYTES }));
    return {
      writable,
      commit: async (upload: VerifiedUpload) => {
        const target = join(this.dir, upload.key);
        try {
          await Deno.link(staging, target);
        } catch (error) {
          if (!(error instanceof Deno.errors.AlreadyExists)) {
            await removeQuietly(staging);
            throw error;
          }
          // The same name: the same ID, index and hash prefix. Keep it if it is the same file.
          const same = (await Deno.stat(target)).size === upload.size &&
            await sha256OfFile(target) === upload.sha256;
          await removeQuietly(staging);
          if (!same) throw new Error(`${upload.key} exists with different content`);
          return upload.key;
        }
        await removeQuietly(staging);
        if (sync) await syncDir(this.dir);
        return upload.key;
      },
      abort: async () => {
        close();
        await removeQuietly(staging);
      },
    };
  }
}
