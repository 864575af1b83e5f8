// Copyright 2026 the raftsnap authors. Apache-2.0 license.
/// <reference lib="dom" />

/**
 * Where the explorer keeps `state.bin` so that a value can be read again by its offset
 * without holding the state in the tab's memory.
 *
 * The `.snap` is gzip: a value near the end of a 1 GiB state can only be reached again by
 * inflating everything before it (seconds). So, while the state streams past once, it is
 * written to the origin-private file system (OPFS, on disk, outside the tab's heap), and a
 * value is then `File.slice(start, end)` of that file: one small read, whatever the
 * offset. Where OPFS is missing (some file:// copies, private windows), the state is kept
 * as a list of `Blob`s of 8 MiB each (the browser may page blobs to disk; it is still
 * the state's size in the browser), and the page says so.
 *
 * @module
 */

/** A spooled `state.bin`, written once in order, then read by offset. */
export interface Spool {
  /** `"opfs"` (a file on disk) or `"blobs"` (the browser's blob storage). */
  readonly kind: "opfs" | "blobs";
  /** Bytes written. */
  readonly size: number;
  /** Appends a chunk (copied). */
  write(chunk: Uint8Array): Promise<void>;
  /** Ends the writing: every byte is readable after this. */
  close(): Promise<void>;
  /**
   * Reads `[start, end)`. Before `close()`, resolves once those bytes are readable (OPFS:
   * when the spool is closed; blobs: when their 8 MiB piece is sealed).
   */
  read(start: number, end: number): Promise<Uint8Array>;
  /** Removes the file (OPFS) or drops the blobs. */
  dispose(): Promise<void>;
}

const PIECE = 8 << 20;
const PREFIX = "raftsnap-state-";

/**
 * Holds the Web Lock named `name` until `release` is called: while a tab lives, its spools'
 * locks are held (the browser releases them when the tab goes, however it goes).
 * @returns the release, or `undefined` without Web Locks.
 */
async function holdLock(name: string): Promise<(() => void) | undefined> {
  const locks = (navigator as { locks?: LockManager }).locks;
  if (!locks) return undefined;
  let release!: () => void;
  const held = new Promise<void>((resolve) => release = resolve);
  await new Promise<void>((granted, refused) => {
    locks.request(name, () => {
      granted();
      return held;
    }).catch(refused);
  });
  return release;
}

/** Opens a spool on OPFS when the browser offers it, else on blobs. */
export async function openSpool(): Promise<Spool> {
  try {
    const root = await navigator.storage?.getDirectory?.();
    if (root) {
      await sweep(root);
      const name = `${PREFIX}${Date.now()}-${Math.random().toString(36).slice(2)}.bin`;
      // The lock first: a file is never without it while its tab lives.
      const release = await holdLock(name);
      try {
        const handle = await root.getFileHandle(name, { create: true });
        const writable = await handle.createWritable();
        return new OpfsSpool(root, name, handle, writable, release);
      } catch (error) {
        release?.();
        throw error;
      }
    }
  } catch {
    // No OPFS here (an opaque origin, a private window): keep the state as blobs.
  }
  return new BlobSpool();
}

/**
 * Without Web Locks, spools older than this are taken for an earlier visit's leftovers
 * (a tab that crashed or was killed before it could remove its spools).
 */
const STALE_MS = 12 * 3600_000;

/**
 * Removes spools an earlier visit left: those whose Web Lock no tab holds (their tab is
 * gone), or without Web Locks only old ones, since a newer one may be another open tab's,
 * which still reads its values from it. Tabs remove their own spools when they are done
 * with them and when the page is left; this is for those that could not.
 */
async function sweep(root: FileSystemDirectoryHandle): Promise<void> {
  const found: string[] = [];
  // deno-lint-ignore no-explicit-any
  for await (const name of (root as any).keys() as AsyncIterable<string>) {
    if (name.startsWith(PREFIX)) found.push(name);
  }
  // The locks after the files: a file listed had its lock taken before it was made.
  const locks = (navigator as { locks?: LockManager }).locks;
  const held = locks
    ? new Set(((await locks.query()).held ?? []).map((lock) => lock.name))
    : undefined;
  const names = found.filter((name) => {
    const written = Number(name.slice(PREFIX.length).split("-")[0]);
    return held ? !held.has(name) : !(Date.now() - written < STALE_MS);
  });
  for (const name of names) {
    // A tab may still be writing it: it then stays until that tab's own dispose.
    await root.removeEntry(name).catch(() => {});
  }
}

/** Gathers chunks into pieces of about `PIECE` bytes, so each write or blob is large. */
class Gather {
  parts: Uint8Array[] = [];
  bytes = 0;
  add(chunk: Uint8Array) {
    this.parts.push(chunk.slice());
    this.bytes += chunk.length;
  }
  take(): Uint8Array[] {
    const parts = this.parts;
    this.parts = [];
    this.bytes = 0;
    return parts;
  }
}

class OpfsSpool implements Spool {
  readonly kind = "opfs";
  size = 0;
  #gather = new Gather();
  #closed: Promise<void>;
  #markClosed!: () => void;
  #file: File | undefined;
  #writable: FileSystemWritableFileStream | undefined;

  constructor(
    private root: FileSystemDirectoryHandle,
    private name: string,
    private handle: FileSystemFileHandle,
    writable: FileSystemWritableFileStream,
    private release: (() => void) | undefined,
  ) {
    this.#writable = writable;
    this.#closed = new Promise((resolve) => this.#markClosed = resolve);
  }

  async write(chunk: Uint8Array) {
    this.#gather.add(chunk);
    this.size += chunk.length;
    if (this.#gather.bytes >= PIECE) await this.#flush();
  }

  async #flush() {
    if (this.#gather.bytes === 0) return;
    await this.#writable!.write(new Blob(this.#gather.take() as BlobPart[]));
  }

  async close() {
    await this.#flush();
    await this.#writable?.close();
    this.#writable = undefined;
    this.#file = await this.handle.getFile();
    this.#markClosed();
  }

  async read(start: number, end: number): Promise<Uint8Array> {
    await this.#closed;
    return new Uint8Array(await this.#file!.slice(start, end).arrayBuffer());
  }

  async dispose() {
    await this.#writable?.abort().catch(() => {});
    this.#writable = undefined;
    this.#file = undefined;
    await this.root.removeEntry(this.name).catch(() => {});
    this.release?.();
  }
}

class BlobSpool implements Spool {
  readonly kind = "blobs";
  size = 0;
  #gather = new Gather();
  #pieces: { start: number; blob: Blob }[] = [];
  #sealed = 0;
  #waiters: (() => void)[] = [];

  write(chunk: Uint8Array) {
    this.#gather.add(chunk);
    this.size += chunk.length;
    if (this.#gather.bytes >= PIECE) this.#seal();
    return Promise.resolve();
  }

  #seal() {
    if (this.#gather.bytes === 0) return;
    const blob = new Blob(this.#gather.take() as BlobPart[]);
    this.#pieces.push({ start: this.#sealed, blob });
    this.#sealed += blob.size;
    for (const wake of this.#waiters.splice(0)) wake();
  }

  close() {
    this.#seal();
    this.#sealed = Infinity; // nothing more will come
    for (const wake of this.#waiters.splice(0)) wake();
    return Promise.resolve();
  }

  async read(start: number, end: number): Promise<Uint8Array> {
    while (end > this.#sealed) await new Promise<void>((wake) => this.#waiters.push(wake));
    const parts: Blob[] = [];
    for (const piece of this.#pieces) {
      const pieceEnd = piece.start + piece.blob.size;
      if (pieceEnd <= start || piece.start >= end) continue;
      parts.push(piece.blob.slice(Math.max(0, start - piece.start), end - piece.start));
    }
    return new Uint8Array(await new Blob(parts).arrayBuffer());
  }

  dispose() {
    this.#pieces = [];
    return Promise.resolve();
  }
}
