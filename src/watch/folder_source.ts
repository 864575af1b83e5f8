// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { concatBytes } from "../_bytes.ts";
import type { CatalogStorage } from "./json_catalog.ts";
import type { ListOptions, SnapshotSource, SourceObject } from "./source.ts";

/**
 * The file system calls a {@linkcode FolderSource} makes, so that one source serves every
 * runtime: `denoFolderFileSystem` (`src/deno/folder_fs.ts`) on Deno, the CLI's runtime on
 * Deno and Node. Paths use `/`. A missing file fails with an error whose `kind` is
 * `"not-found"`, `name` is `"NotFound"` or `code` is `"ENOENT"`.
 */
export interface FolderFileSystem {
  /** A folder's entries (names only). */
  readDir(path: string): AsyncIterable<{ name: string; isFile: boolean; isDirectory: boolean }>;
  /** A file's size, modification time (ms) and kind. */
  stat(path: string): Promise<{ size: number; mtime?: number; isDirectory: boolean }>;
  /** A file as a stream, read `chunkSize` bytes at a time. */
  openRead(path: string, options?: { chunkSize?: number }): Promise<ReadableStream<Uint8Array>>;
  /** A file's text. */
  readTextFile(path: string): Promise<string>;
  /** Writes a whole file, from bytes or a stream. */
  writeFile(path: string, data: Uint8Array | ReadableStream<Uint8Array>): Promise<void>;
  /** Creates a file only if none is there. @returns `false` when one is. */
  createNew(path: string, bytes: Uint8Array): Promise<boolean>;
  /** Renames, replacing the target. */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file. */
  remove(path: string): Promise<void>;
  /** `mkdir -p`. */
  mkdirAll(path: string): Promise<void>;
}

/** Whether an error says the file is not there (Deno's, Node's or the CLI's own). */
export function isNotFound(error: unknown): boolean {
  const e = error as { kind?: unknown; name?: unknown; code?: unknown } | null;
  return e?.kind === "not-found" || e?.name === "NotFound" || e?.code === "ENOENT";
}

/** The folder the watcher keeps its own files in, inside the watched folder. */
export const WATCH_DIR = ".raftsnap-watch";

function join(dir: string, key: string): string {
  return dir.endsWith("/") ? dir + key : `${dir}/${key}`;
}

/**
 * A folder of snapshots as a {@linkcode SnapshotSource}: every `*.snap` file below it
 * (folders whose names start with `.` skipped, so the watcher's own `.raftsnap-watch/`
 * is), keyed by its path relative to the folder with `/`. The ETag is the size and the
 * modification time: a file rewritten in place with both unchanged is caught by the
 * scheduled re-verification.
 *
 * @example
 * ```ts ignore
 * import { FolderSource, watchOnce } from "@raftsnap/raftsnap/watch";
 * import { denoFolderFileSystem } from "@raftsnap/raftsnap/deno/folder-fs";
 *
 * const source = new FolderSource("/backups", denoFolderFileSystem);
 * const report = await watchOnce(source, source.catalog());
 * ```
 */
export class FolderSource implements SnapshotSource {
  /** The folder. */
  readonly name: string;
  readonly #fs: FolderFileSystem;

  /**
   * A source on a folder.
   *
   * @param folder The folder's path.
   * @param fs The runtime's file system.
   */
  constructor(folder: string, fs: FolderFileSystem) {
    this.name = folder;
    this.#fs = fs;
  }

  /** Walks the folder, one entry at a time (nothing is gathered). */
  async *list(options: ListOptions = {}): AsyncIterable<SourceObject> {
    yield* this.#walk("", options);
  }

  async *#walk(dir: string, options: ListOptions): AsyncIterable<SourceObject> {
    for await (const entry of this.#fs.readDir(join(this.name, dir))) {
      options.signal?.throwIfAborted();
      const key = dir + entry.name;
      if (entry.isDirectory) {
        if (!entry.name.startsWith(".")) yield* this.#walk(`${key}/`, options);
        continue;
      }
      if (!entry.name.endsWith(".snap") || !key.startsWith(options.prefix ?? "")) continue;
      let info;
      try {
        info = await this.#fs.stat(join(this.name, key));
      } catch (error) {
        if (isNotFound(error)) continue; // removed while listed
        throw error;
      }
      if (info.isDirectory) continue;
      const modified = info.mtime ?? 0;
      yield { key, size: info.size, etag: `${info.size}-${modified}`, modified };
    }
  }

  /** The file as a stream; `undefined` when it is gone. */
  async open(key: string): Promise<ReadableStream<Uint8Array> | undefined> {
    try {
      // 64 KiB reads: a fresh buffer per read, so a bigger one costs small files memory churn.
      return await this.#fs.openRead(join(this.name, key), { chunkSize: 65536 });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Removes the file; `false` when it was already gone (another watcher removed it). */
  async delete(key: string): Promise<boolean> {
    try {
      await this.#fs.remove(join(this.name, key));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** Moves a file to another key (creating its folder). */
  async move(key: string, to: string): Promise<void> {
    const target = join(this.name, to);
    const slash = target.lastIndexOf("/");
    if (slash > 0) await this.#fs.mkdirAll(target.slice(0, slash));
    await this.#fs.rename(join(this.name, key), target);
  }

  /**
   * The catalog's storage: `.raftsnap-watch/catalog.json` in the folder, or `path`.
   *
   * @param path Where the catalog file is, if not in the folder.
   * @returns The storage, for a `JsonCatalog`.
   */
  catalogStorage(path?: string): CatalogStorage {
    return new FileCatalogStorage(
      path ?? join(join(this.name, WATCH_DIR), "catalog.json"),
      this.#fs,
    );
  }
}

/** Options of {@linkcode FileCatalogStorage}. */
export interface FileCatalogStorageOptions {
  /** A lock older than this (ms) was left by a watcher that died: it is broken. @default {30000} */
  staleLockMs?: number;
  /** The clock. @default {Date.now} */
  now?: () => number;
}

/**
 * A {@linkcode CatalogStorage} in a file. A write takes the lock `FILE.lock` (created only
 * if absent, so one writer at a time), checks that the file is still at the version it
 * read (a counter stored beside the document), writes a temporary file, renames it over
 * the catalog (so a reader never sees half a file) and drops the lock. A lock left by a
 * watcher that died is broken after `staleLockMs`.
 *
 * @example
 * ```ts ignore
 * import { FileCatalogStorage, JsonCatalog } from "@raftsnap/raftsnap/watch";
 * import { denoFolderFileSystem } from "@raftsnap/raftsnap/deno/folder-fs";
 *
 * const catalog = new JsonCatalog(new FileCatalogStorage("/var/lib/raftsnap/catalog.json", denoFolderFileSystem));
 * ```
 */
export class FileCatalogStorage implements CatalogStorage {
  /** The catalog file. */
  readonly path: string;
  readonly #fs: FolderFileSystem;
  readonly #stale: number;
  readonly #now: () => number;

  /**
   * A catalog file.
   *
   * @param path The file.
   * @param fs The runtime's file system.
   * @param options When a lock is stale, the clock.
   */
  constructor(path: string, fs: FolderFileSystem, options: FileCatalogStorageOptions = {}) {
    this.path = path;
    this.#fs = fs;
    this.#stale = options.staleLockMs ?? 30_000;
    this.#now = options.now ?? Date.now;
  }

  /** The document and its version (the `version` line before it). */
  async read(): Promise<{ body: ReadableStream<Uint8Array>; version: string } | undefined> {
    const opened = await this.#open();
    return opened && { version: opened.line, body: opened.rest };
  }

  /** The version alone: the document's first line, read without the rest. */
  async version(): Promise<string | undefined> {
    const opened = await this.#open({ chunkSize: 64 });
    await opened?.rest.cancel();
    return opened?.line;
  }

  async #open(
    options?: { chunkSize?: number },
  ): Promise<{ line: string; rest: ReadableStream<Uint8Array> } | undefined> {
    let stream: ReadableStream<Uint8Array>;
    try {
      stream = await this.#fs.openRead(this.path, options);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    return await splitFirstLine(stream);
  }

  /** Writes if still at `version`, under the lock. */
  async write(
    body: ReadableStream<Uint8Array>,
    version: string | undefined,
  ): Promise<string | false> {
    const lock = `${this.path}.lock`;
    const slash = this.path.lastIndexOf("/");
    if (slash > 0) await this.#fs.mkdirAll(this.path.slice(0, slash));
    const token = crypto.randomUUID();
    for (let attempt = 0;; attempt++) {
      if (await this.#fs.createNew(lock, new TextEncoder().encode(`${token} ${this.#now()}\n`))) {
        break;
      }
      await this.#breakStale(lock);
      if (attempt > 200) {
        await body.cancel();
        throw new Error(`the catalog stays locked: ${lock}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 25));
    }
    try {
      if (await this.version() !== version) {
        await body.cancel();
        return false;
      }
      const next = String(Number(version ?? 0) + 1);
      const temp = `${this.path}.${token}.tmp`;
      try {
        await this.#fs.writeFile(temp, afterLine(next, body));
        await this.#fs.rename(temp, this.path);
      } catch (error) {
        await this.#fs.remove(temp).catch(() => {});
        throw error;
      }
      return next;
    } finally {
      await this.#fs.remove(lock).catch(() => {});
    }
  }

  async #breakStale(lock: string): Promise<void> {
    let text: string;
    try {
      text = await this.#fs.readTextFile(lock);
    } catch {
      return;
    }
    const since = Number(text.split(" ")[1]);
    if (!(this.#now() - since > this.#stale)) return;
    // Rename first: of two watchers breaking the same lock, one rename succeeds.
    const aside = `${lock}.${crypto.randomUUID()}.stale`;
    try {
      await this.#fs.rename(lock, aside);
      await this.#fs.remove(aside);
    } catch {
      // Someone else broke it.
    }
  }
}

/** The version line most a catalog file starts with. */
const MAX_VERSION_LINE = 256;

/** A stream's first line (its version) and the bytes after it, as a stream of their own. */
async function splitFirstLine(
  stream: ReadableStream<Uint8Array>,
): Promise<{ line: string; rest: ReadableStream<Uint8Array> }> {
  const reader = stream.getReader();
  let head: Uint8Array = new Uint8Array(0);
  let newline = -1;
  try {
    while (newline < 0 && head.length <= MAX_VERSION_LINE) {
      const { done, value } = await reader.read();
      if (done) break;
      head = concatBytes([head, value]);
      newline = head.indexOf(0x0a);
    }
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  }
  const end = newline < 0 ? Math.min(head.length, MAX_VERSION_LINE) : newline;
  const rest = startingWith(head.subarray(newline < 0 ? end : newline + 1), reader);
  return { line: new TextDecoder().decode(head.subarray(0, end)), rest };
}

/** `line` and a newline, then the body's bytes. */
function afterLine(line: string, body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  return startingWith(new TextEncoder().encode(`${line}\n`), body.getReader());
}

/** `first` (unless empty), then what `reader` reads; cancelling it cancels the reader. */
function startingWith(
  first: Uint8Array,
  reader: ReadableStreamDefaultReader<Uint8Array>,
): ReadableStream<Uint8Array> {
  let held: Uint8Array | undefined = first.length > 0 ? first : undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (held) {
        controller.enqueue(held);
        held = undefined;
        return;
      }
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  }, { highWaterMark: 0 });
}
