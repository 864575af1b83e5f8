// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/** The snapshot's metadata as a record keeps it (decimal strings: Index is a uint64). */
export interface RecordMeta {
  /** The snapshot's ID. */
  id: string;
  /** Its raft Index. */
  index: string;
  /** Its raft Term. */
  term: string;
  /** The state's size `meta.json` gives. */
  size: string;
}

/** What one verification of one object found. */
export interface CatalogRecord {
  /** The object's key. */
  key: string;
  /** Its size when verified. */
  size: number;
  /** Its ETag when verified. */
  etag: string;
  /** Its modification time when verified (ms since the epoch). */
  modified: number;
  /** Whether it verified. */
  ok: boolean;
  /** Why not: a `SnapshotError` code, `missing`, or `read-error`. */
  code?: string;
  /** Why not, in words. */
  message?: string;
  /** The metadata, when `meta.json` could be read. */
  meta?: RecordMeta;
  /** `consul`, `vault`, `nomad` or `unknown`, when the state could be read. */
  product?: string;
  /** The lowercase hex SHA-256 of `state.bin`, when it verified. */
  stateSha256?: string;
  /** When it was verified (ms since the epoch). */
  verifiedAt: number;
  /** The cluster it belongs to (see `clusterOf`). */
  cluster: string;
}

/**
 * Where records live between passes: a JSON file (`JsonCatalog`), D1, memory. Writes are
 * conditional where the store allows it, so that two watchers never lose a record or
 * delete an object twice.
 */
export interface Catalog {
  /** The record of a key. */
  get(key: string): Promise<CatalogRecord | undefined>;
  /** Adds or replaces a record (a newer `verifiedAt` wins over an older one). */
  put(record: CatalogRecord): Promise<void>;
  /** Forgets a key (its object was deleted or is gone). */
  remove(key: string): Promise<void>;
  /** Every record. */
  all(): AsyncIterable<CatalogRecord>;
  /**
   * Claims a key for an action (deleting it, moving it aside): only one watcher's claim
   * wins until `ttlMs` has passed.
   *
   * @returns Whether this claim won.
   */
  claim?(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /**
   * Whether anyone holds a live claim on a key now, as stored (not as this catalog last
   * read it): a watcher claims before it deletes, so a backup another watcher deleted
   * during this pass is not reported missing.
   */
  isClaimed?(key: string): Promise<boolean>;
  /** Gives up `owner`'s claim on a key (another owner's claim stays). */
  release?(key: string, owner: string): Promise<void>;
  /**
   * The alert state of the last pass (so alerts go out once per change, across runs), as
   * stored now: another watcher may have kept one since this catalog was read.
   */
  loadAlerts?(): Promise<AlertState | undefined>;
  /** Keeps the alert state of this pass. */
  saveAlerts?(state: AlertState): Promise<void>;
  /** Writes out what is held back (a file catalog batches its writes). */
  flush?(): Promise<void>;
}

/** One condition alerts follow: a cluster's freshness or one backup's verdict. */
export interface AlertCondition {
  /** `ok`, `bad` (a backup failed), `stale` (newest good too old), `no-good` (none). */
  state: "ok" | "bad" | "stale" | "no-good";
  /** The cluster. */
  cluster: string;
  /** The backup, for a backup's condition. */
  key?: string;
  /** What the state means here, in words. */
  detail: string;
}

/** Conditions by subject (`cluster:NAME`, `backup:KEY`). */
export type AlertState = Record<string, AlertCondition>;

/**
 * A {@linkcode Catalog} in memory: for tests, and for a watcher that keeps running in one
 * process and needs no records across restarts.
 *
 * @example Keeping a record
 * ```ts
 * import { MemoryCatalog } from "@raftsnap/raftsnap/watch";
 *
 * const catalog = new MemoryCatalog();
 * await catalog.put({ key: "a.snap", size: 1, etag: "x", modified: 0, ok: true, verifiedAt: 1, cluster: "" });
 * if ((await catalog.get("a.snap"))?.ok !== true) throw new Error("lost");
 * ```
 */
export class MemoryCatalog implements Catalog {
  readonly #records = new Map<string, CatalogRecord>();
  readonly #claims = new Map<string, { owner: string; until: number }>();
  #alerts: AlertState | undefined;

  /** The record of a key. */
  get(key: string): Promise<CatalogRecord | undefined> {
    return Promise.resolve(this.#records.get(key));
  }

  /** Adds or replaces a record; an older one does not replace a newer one. */
  put(record: CatalogRecord): Promise<void> {
    const held = this.#records.get(record.key);
    if (!held || held.verifiedAt <= record.verifiedAt) this.#records.set(record.key, record);
    return Promise.resolve();
  }

  /** Forgets a key. */
  remove(key: string): Promise<void> {
    this.#records.delete(key);
    return Promise.resolve();
  }

  /** Every record, in key order of insertion. */
  async *all(): AsyncIterable<CatalogRecord> {
    for (const record of [...this.#records.values()]) yield await Promise.resolve(record);
  }

  /** Claims a key; a live claim of another owner wins. */
  claim(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const held = this.#claims.get(key);
    if (held && held.until > now && held.owner !== owner) return Promise.resolve(false);
    this.#claims.set(key, { owner, until: now + ttlMs });
    return Promise.resolve(true);
  }

  /** Whether anyone holds a live claim on a key. */
  isClaimed(key: string): Promise<boolean> {
    return Promise.resolve((this.#claims.get(key)?.until ?? 0) > Date.now());
  }

  /** Gives up `owner`'s claim on a key. */
  release(key: string, owner: string): Promise<void> {
    if (this.#claims.get(key)?.owner === owner) this.#claims.delete(key);
    return Promise.resolve();
  }

  /** The alert state kept last. */
  loadAlerts(): Promise<AlertState | undefined> {
    return Promise.resolve(this.#alerts);
  }

  /** Keeps the alert state. */
  saveAlerts(state: AlertState): Promise<void> {
    this.#alerts = state;
    return Promise.resolve();
  }
}
