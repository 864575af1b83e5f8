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
 * It is also a {@linkcode ResumableStore} for resumable (tus) uploads: each is staged in
 * `<dir>/.tus/<id>.bin`, its record in `<dir>/.tus/<id>.json` (rewritten whole, by a
 * rename, after the bytes were flushed to disk), so an upload survives a restart of the
 * server; once it verified, its bytes get their final name the same way as above. An
 * ended upload's bytes are removed at once, its record once it expires.
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
import type {
  ResumableEnding,
  ResumableRecord,
  ResumableStore,
  StagedResumable,
} from "../edge/tus/resumable_store.ts";
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

/** The folder (inside the store's) of resumable uploads. */
export const RESUMABLE_DIR = ".tus";

/** What a resumable upload's id may be: it names files. */
const ID = /^[A-Za-z0-9_-]{1,128}$/;

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
export class FsStore implements SnapshotStore, ResumableStore {
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
      commit: (upload: VerifiedUpload) => this.#publish(staging, upload),
      abort: async () => {
        close();
        await removeQuietly(staging);
      },
    };
  }

  /** Gives a verified staging file its final name (never replacing another file). */
  async #publish(staging: string, upload: VerifiedUpload): Promise<string> {
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
    if (this.#sync) await syncDir(this.dir);
    return upload.key;
  }

  #resumable(name: string): string {
    return join(join(this.dir, RESUMABLE_DIR), name);
  }

  /** Writes a record: a new file, flushed, renamed over the old one. */
  async #saveRecord(record: ResumableRecord) {
    const path = this.#resumable(`${record.id}.json`);
    const temp = `${path}.${crypto.randomUUID()}.tmp`;
    const file = await Deno.open(temp, { createNew: true, write: true, mode: this.#mode });
    try {
      const bytes = new TextEncoder().encode(JSON.stringify(record));
      for (let done = 0; done < bytes.length;) done += await file.write(bytes.subarray(done));
      if (this.#sync) await file.syncData();
    } finally {
      file.close();
    }
    await Deno.rename(temp, path);
    if (this.#sync) await syncDir(join(this.dir, RESUMABLE_DIR));
  }

  async #loadRecord(id: string): Promise<ResumableRecord | undefined> {
    try {
      return JSON.parse(await Deno.readTextFile(this.#resumable(`${id}.json`)));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
  }

  /** Every record (unreadable ones skipped: being written, or not ours). */
  async *#records(): AsyncIterable<ResumableRecord> {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(join(this.dir, RESUMABLE_DIR)));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
    for (const entry of entries) {
      const id = entry.name.endsWith(".json") ? entry.name.slice(0, -5) : "";
      if (!entry.isFile || !ID.test(id)) continue;
      const record = await this.#loadRecord(id).catch(() => undefined);
      if (record) yield record;
    }
  }

  /**
   * Starts a resumable upload: its record and an empty staging file.
   *
   * @param record Its record.
   * @returns The staged upload.
   */
  async create(record: ResumableRecord): Promise<StagedResumable> {
    if (!ID.test(record.id)) throw new TypeError(`not an upload id: ${record.id}`);
    await Deno.mkdir(join(this.dir, RESUMABLE_DIR), { recursive: true, mode: 0o700 });
    const bytes = this.#resumable(`${record.id}.bin`);
    const file = await Deno.open(bytes, { createNew: true, write: true, mode: this.#mode });
    file.close();
    await this.#saveRecord(record);
    return this.#staged(structuredClone(record));
  }

  /**
   * A resumable upload as its last flush left it: its staging file is cut back to the
   * record's offset (bytes written after the last flush are dropped).
   *
   * @param id The upload's id.
   * @returns The staged upload, or `undefined`.
   */
  async open(id: string): Promise<StagedResumable | undefined> {
    if (!ID.test(id)) return undefined;
    const record = await this.#loadRecord(id);
    if (!record) return undefined;
    if (!record.ended) {
      const path = this.#resumable(`${id}.bin`);
      let size = 0;
      try {
        size = (await Deno.stat(path)).size;
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
        const file = await Deno.open(path, { createNew: true, write: true, mode: this.#mode });
        file.close();
      }
      if (size > record.offset) await Deno.truncate(path, record.offset);
      if (size < record.offset) {
        // Bytes the record counted are gone (a disk that lied about a flush): resume from
        // what is there.
        record.offset = size;
        await this.#saveRecord(record);
      }
    }
    return this.#staged(record);
  }

  /**
   * The ids of resumable uploads that expired before `now`.
   *
   * @param now Milliseconds since the epoch.
   * @returns The ids.
   */
  async *expired(now: number): AsyncIterable<string> {
    for await (const record of this.#records()) if (record.expires < now) yield record.id;
  }

  /**
   * Open resumable uploads of `owner`.
   *
   * @param owner The owner's hash.
   * @param now Milliseconds since the epoch.
   * @returns The count.
   */
  async countOpen(owner: string, now: number): Promise<number> {
    let count = 0;
    for await (const record of this.#records()) {
      if (record.owner === owner && !record.ended && record.expires >= now) count++;
    }
    return count;
  }

  #staged(record: ResumableRecord): StagedResumable {
    const path = this.#resumable(`${record.id}.bin`);
    let file: Deno.FsFile | undefined;
    let written = record.offset;
    const close = () => {
      const open = file;
      file = undefined;
      try {
        open?.close();
      } catch {
        // already closed
      }
    };
    return {
      record,
      write: async (bytes: Uint8Array) => {
        file ??= await Deno.open(path, { write: true, append: true });
        for (let done = 0; done < bytes.length;) done += await file.write(bytes.subarray(done));
        written += bytes.length;
      },
      flush: async (expires: number) => {
        if (file && this.#sync) await file.syncData();
        close();
        await this.#saveRecord({ ...record, offset: written, expires });
        record.offset = written;
        record.expires = expires;
      },
      replay: () => {
        let stream: ReadableStreamDefaultReader<Uint8Array> | undefined;
        let left = record.offset;
        return new ReadableStream<Uint8Array>({
          async pull(controller) {
            stream ??= (await openFileStream(path, { chunkSize: 1024 * 1024 })).getReader();
            const { done, value } = await stream.read();
            if (done || left <= 0) {
              controller.close();
              await stream.cancel();
              return;
            }
            const piece = value.length > left ? value.subarray(0, left) : value;
            left -= piece.length;
            controller.enqueue(piece);
          },
          async cancel() {
            await stream?.cancel();
          },
        });
      },
      commit: async (upload: VerifiedUpload) => {
        close();
        if (this.#sync) {
          const handle = await Deno.open(path, { read: true });
          try {
            await handle.syncData();
          } finally {
            handle.close();
          }
        }
        return await this.#publish(path, upload);
      },
      end: async (outcome: ResumableEnding | "deleted", expires?: number) => {
        close();
        await removeQuietly(path);
        if (outcome === "deleted") {
          await removeQuietly(this.#resumable(`${record.id}.json`));
          return;
        }
        record.ended = outcome;
        if (expires !== undefined) record.expires = expires;
        await this.#saveRecord(record);
      },
    };
  }
}
