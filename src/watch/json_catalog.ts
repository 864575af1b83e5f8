// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import {
  type CatalogDocument,
  type CatalogHead,
  documentStream,
  entryOf,
  readDocument,
  setEntry,
} from "./_catalog_document.ts";
import type { AlertState, Catalog, CatalogRecord } from "./catalog.ts";

/**
 * Where a {@linkcode JsonCatalog} keeps its one document, with a compare-and-swap write:
 * a file beside the snapshots (a lock file guards the swap), an S3 object (`If-Match` on
 * its ETag, `If-None-Match: *` for the first write). The document goes both ways as a
 * byte stream, so that neither side needs it whole in memory.
 */
export interface CatalogStorage {
  /**
   * What it holds, and a version that changes with every write; `undefined` before the
   * first. The caller reads the body or cancels it.
   */
  read(): Promise<{ body: ReadableStream<Uint8Array>; version: string } | undefined>;
  /**
   * Writes the document only if it is still at `version` (`undefined`: only if there is none).
   *
   * @returns `false` when another writer got there first (nothing was written); otherwise
   * the new version, or `true` when it is not known.
   */
  write(body: ReadableStream<Uint8Array>, version: string | undefined): Promise<boolean | string>;
  /**
   * The stored version alone (`undefined` before the first write), where it costs less
   * than reading the document: a catalog that already holds that version reads no text.
   */
  version?(): Promise<string | undefined>;
}

export type { CatalogDocument };

/** Options of {@linkcode JsonCatalog}. */
export interface JsonCatalogOptions {
  /**
   * Writes held back before they go out; once the catalog holds more than four times as
   * many records, a quarter of its records (each write rewrites the whole document, so a
   * fixed batch would make a pass over N objects write N²/batch records).
   * @default {1000}
   */
  batch?: number;
  /** How long a removal is remembered (ms). @default {2592000000} (30 days) */
  keepRemovedMs?: number;
  /** The clock. @default {Date.now} */
  now?: () => number;
}

interface Pending {
  puts: Map<string, CatalogRecord>;
  removes: Map<string, number>;
  alerts: AlertState | undefined;
}

const EMPTY = (): CatalogDocument => ({
  raftsnapWatchCatalog: 1,
  records: {},
  removed: {},
  claims: {},
});

/**
 * A {@linkcode Catalog} in one JSON document on a {@linkcode CatalogStorage}. Writes are
 * batched and merged into the stored document by compare-and-swap: a writer that lost
 * the race reads the document again and re-applies its own changes, so two watchers
 * never lose each other's records; a record never replaces a newer one of the same key,
 * nor revives a key removed after it was verified; claims live in the same document, so
 * exactly one watcher's claim wins.
 *
 * @example In memory
 * ```ts
 * import { type CatalogStorage, JsonCatalog } from "@raftsnap/raftsnap/watch";
 *
 * let stored: { bytes: Uint8Array<ArrayBuffer>; version: string } | undefined;
 * const storage: CatalogStorage = {
 *   read: () => Promise.resolve(stored && { body: new Blob([stored.bytes]).stream(), version: stored.version }),
 *   async write(body, version) {
 *     const bytes = new Uint8Array(await new Response(body).arrayBuffer());
 *     if (stored?.version !== version) return false;
 *     stored = { bytes, version: String(Number(version ?? 0) + 1) };
 *     return stored.version;
 *   },
 * };
 * const one = new JsonCatalog(storage);
 * const two = new JsonCatalog(storage);
 * if (!await one.claim("delete:a.snap", "one", 60_000)) throw new Error("first claim");
 * if (await two.claim("delete:a.snap", "two", 60_000)) throw new Error("second claim won");
 * await one.put({ key: "a.snap", size: 1, etag: "e", modified: 0, ok: true, verifiedAt: 1, cluster: "" });
 * await one.flush();
 * if ((await new JsonCatalog(storage).get("a.snap"))?.ok !== true) throw new Error("lost");
 * ```
 */
export class JsonCatalog implements Catalog {
  readonly #storage: CatalogStorage;
  readonly #batch: number;
  readonly #keepRemoved: number;
  readonly #now: () => number;
  #doc: CatalogDocument | undefined;
  /** The stored version `#doc` was read at or written as. */
  #version: string | undefined;
  #puts = new Map<string, CatalogRecord>();
  #removes = new Map<string, number>();
  #alerts: AlertState | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  /** The stored document's first line as `isClaimed` or `loadAlerts` last read it. */
  #fresh: { version: string; head: CatalogHead } | undefined;
  /** Records in the document as last read or written. */
  #records = 0;

  /**
   * A catalog on a storage.
   *
   * @param storage Where the document is.
   * @param options Batch size, how long removals are remembered, the clock.
   */
  constructor(storage: CatalogStorage, options: JsonCatalogOptions = {}) {
    this.#storage = storage;
    this.#batch = options.batch ?? 1000;
    this.#keepRemoved = options.keepRemovedMs ?? 30 * 86_400_000;
    this.#now = options.now ?? Date.now;
  }

  async #loaded(): Promise<CatalogDocument> {
    if (!this.#doc) {
      const { doc, version } = await this.#read();
      this.#doc = doc;
      this.#version = version;
      this.#records = Object.keys(doc.records).length;
    }
    return this.#doc;
  }

  async #read(): Promise<{ doc: CatalogDocument; version: string | undefined }> {
    // Unchanged since this catalog last read or wrote it: not even the text is read.
    if (this.#doc && this.#version !== undefined && this.#storage.version) {
      if (await this.#storage.version() === this.#version) {
        return { doc: this.#doc, version: this.#version };
      }
    }
    const stored = await this.#storage.read();
    if (!stored) return { doc: EMPTY(), version: undefined };
    // Unchanged since this catalog last read or wrote it: no need to parse it again (its
    // copy may hold changes of a write that lost; applying them again changes nothing).
    if (this.#doc && stored.version === this.#version) {
      await stored.body.cancel();
      return { doc: this.#doc, version: stored.version };
    }
    return { doc: await readDocument(stored.body), version: stored.version };
  }

  /**
   * The stored document's first line (claims, alerts) as it is now: this catalog's own
   * copy when that is what is stored, else read without the records (once per version).
   */
  async #storedHead(): Promise<CatalogHead | undefined> {
    const stored = await this.#storage.read();
    if (!stored) return undefined;
    if (this.#doc && stored.version === this.#version) {
      await stored.body.cancel();
      return this.#doc;
    }
    if (this.#fresh?.version === stored.version) await stored.body.cancel();
    else this.#fresh = { version: stored.version, head: await readDocument(stored.body, true) };
    return this.#fresh.head;
  }

  /** Merges pending changes into `doc`. */
  #apply(doc: CatalogDocument, pending: Pending): void {
    for (const [key, at] of pending.removes) {
      delete doc.records[key];
      setEntry(doc.removed, key, Math.max(entryOf(doc.removed, key) ?? 0, at));
    }
    for (const [key, record] of pending.puts) {
      const held = entryOf(doc.records, key);
      if ((entryOf(doc.removed, key) ?? -Infinity) >= record.verifiedAt) continue;
      if (held && held.verifiedAt > record.verifiedAt) continue;
      setEntry(doc.records, key, record);
    }
    if (pending.alerts) doc.alerts = pending.alerts;
    const now = this.#now();
    for (const [key, at] of Object.entries(doc.removed)) {
      if (now - at > this.#keepRemoved) delete doc.removed[key];
    }
    for (const [key, claim] of Object.entries(doc.claims)) {
      if (claim.until <= now) delete doc.claims[key];
    }
  }

  /** Read, change, write if unchanged; again from the read when another writer came first. */
  #swap<T>(change: (doc: CatalogDocument) => T): Promise<T> {
    const run = async () => {
      for (let attempt = 0;; attempt++) {
        const { doc, version } = await this.#read();
        // What is pending now; changes made while this write is out stay pending.
        const pending: Pending = {
          puts: new Map(this.#puts),
          removes: new Map(this.#removes),
          alerts: this.#alerts,
        };
        this.#apply(doc, pending);
        const result = change(doc);
        // Until written, `doc` (perhaps this catalog's own copy, changed) is not what is stored.
        this.#version = undefined;
        const written = await this.#storage.write(documentStream(doc), version);
        if (written !== false) {
          for (const [key, record] of pending.puts) {
            if (this.#puts.get(key) === record) this.#puts.delete(key);
          }
          for (const [key, at] of pending.removes) {
            if (this.#removes.get(key) === at) this.#removes.delete(key);
          }
          if (this.#alerts === pending.alerts) this.#alerts = undefined;
          this.#doc = doc;
          this.#version = typeof written === "string" ? written : undefined;
          this.#records = Object.keys(doc.records).length;
          return result;
        }
        if (attempt >= 100) throw new Error("the watch catalog keeps changing: gave up writing");
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * attempt));
      }
    };
    const done = this.#queue.then(run, run);
    this.#queue = done.catch(() => {});
    return done;
  }

  /** The record of a key (pending changes included). */
  async get(key: string): Promise<CatalogRecord | undefined> {
    if (this.#removes.has(key)) return undefined;
    return this.#puts.get(key) ?? entryOf((await this.#loaded()).records, key);
  }

  /** Adds or replaces a record; written out with the batch. */
  async put(record: CatalogRecord): Promise<void> {
    this.#removes.delete(record.key);
    this.#puts.set(record.key, record);
    if (this.#due()) await this.flush();
  }

  /** Whether enough is held back to write it out. */
  #due(): boolean {
    const held = this.#puts.size + this.#removes.size;
    if (held < this.#batch) return false;
    return held >= Math.max(this.#batch, this.#records >> 2);
  }

  /** Forgets a key; written out with the batch. */
  async remove(key: string): Promise<void> {
    this.#puts.delete(key);
    this.#removes.set(key, this.#now());
    if (this.#due()) await this.flush();
  }

  /** Every record (pending changes included). */
  async *all(): AsyncIterable<CatalogRecord> {
    const doc = await this.#loaded();
    const seen = new Set<string>();
    for (const record of [...this.#puts.values()]) {
      seen.add(record.key);
      yield record;
    }
    for (const key in doc.records) {
      if (!seen.has(key) && !this.#removes.has(key)) yield doc.records[key]!;
    }
  }

  /** Claims a name in the stored document: only one owner's claim is live at a time. */
  claim(key: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.#swap((doc) => {
      const held = doc.claims[key];
      if (held && held.owner !== owner && held.until > this.#now()) return false;
      doc.claims[key] = { owner, until: this.#now() + ttlMs };
      return true;
    });
  }

  /** Whether anyone holds a live claim on a key, in the document as stored now. */
  async isClaimed(key: string): Promise<boolean> {
    const head = await this.#storedHead();
    return (head?.claims[key]?.until ?? 0) > this.#now();
  }

  /** Gives up `owner`'s claim on a key in the stored document. */
  async release(key: string, owner: string): Promise<void> {
    await this.#swap((doc) => {
      if (doc.claims[key]?.owner === owner) delete doc.claims[key];
    });
  }

  /** The alert state kept last: this catalog's own, or the stored document's now. */
  async loadAlerts(): Promise<AlertState | undefined> {
    if (this.#alerts) return this.#alerts;
    return (await this.#storedHead())?.alerts;
  }

  /** Keeps the alert state; written out with the batch. */
  saveAlerts(state: AlertState): Promise<void> {
    this.#alerts = state;
    return Promise.resolve();
  }

  /** Writes out the pending changes. */
  async flush(): Promise<void> {
    if (this.#puts.size === 0 && this.#removes.size === 0 && !this.#alerts) return;
    await this.#swap(() => {});
  }
}
