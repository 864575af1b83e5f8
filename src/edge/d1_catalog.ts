// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import type { AlertState, Catalog, CatalogRecord } from "../watch/catalog.ts";

/** The part of a D1 prepared statement that {@linkcode D1Catalog} uses. */
export interface D1StatementLike {
  /** Binds the `?` parameters. */
  bind(...values: unknown[]): D1StatementLike;
  /** The first row, or null. */
  first<T = Record<string, unknown>>(): Promise<T | null>;
  /** Every row. */
  all<T = Record<string, unknown>>(): Promise<{ results: T[] }>;
  /** Runs it; `meta.changes` counts the rows written. */
  run(): Promise<{ meta: { changes?: number } }>;
}

/**
 * The part of a Workers D1 binding (`env.DB`, type `D1Database`) that
 * {@linkcode D1Catalog} uses; the binding itself fits.
 */
export interface D1DatabaseLike {
  /** Prepares a statement. */
  prepare(query: string): D1StatementLike;
  /** Runs statements in one transaction. */
  batch(statements: D1StatementLike[]): Promise<unknown[]>;
}

/**
 * The tables {@linkcode D1Catalog} keeps, as SQL: apply it once as a D1 migration
 * (`examples/cloudflare-watch/migrations/0001_catalog.sql` is this text).
 *
 * - `raftsnap_records`: one row per object, the `CatalogRecord` as JSON in `record`, its
 *   key, cluster, verdict and verification time as columns to query and index.
 * - `raftsnap_claims`: who may delete or move a key, until when.
 * - `raftsnap_state`: named JSON values (the alert state of the last pass).
 */
export const D1_CATALOG_SCHEMA = `CREATE TABLE IF NOT EXISTS raftsnap_records (
  key TEXT PRIMARY KEY,
  cluster TEXT NOT NULL,
  ok INTEGER NOT NULL,
  verified_at INTEGER NOT NULL,
  record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS raftsnap_records_cluster ON raftsnap_records (cluster);
CREATE TABLE IF NOT EXISTS raftsnap_claims (
  key TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  until INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS raftsnap_state (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`;

/** D1 binds at most 100 parameters to a statement. */
const KEYS_PER_QUERY = 90;

/** Options of {@linkcode D1Catalog}. */
export interface D1CatalogOptions {
  /**
   * Records per query when reading them all.
   *
   * @default {500}
   */
  pageSize?: number;
  /** The clock, for claims. @default {Date.now} */
  now?: () => number;
}

/**
 * A {@linkcode Catalog} in Cloudflare D1, through a Workers binding: the records the
 * watcher keeps between passes, shared by every Worker invocation (cron, queue consumers,
 * status requests) and by two watchers over one bucket.
 *
 * ### Overview
 *
 * Each write is one SQL statement, so it is atomic, and conditional where two writers
 * could race: `put` replaces a record only with one verified at the same time or later
 * (a slow consumer never overwrites a newer verdict with an older one), and `claim` takes a
 * key only when no other owner holds a live claim on it (its `changes` count says who
 * won), so two watchers never delete the same backup twice. `all()` pages through the
 * records in key order, `pageSize` at a time. Create the tables with
 * {@linkcode D1_CATALOG_SCHEMA} (a D1 migration).
 *
 * @example In a Worker
 * ```ts ignore
 * import { D1Catalog, R2Source, verifyObject } from "@raftsnap/raftsnap";
 *
 * export default {
 *   async queue(batch: MessageBatch<{ key: string }>, env: { SNAPSHOTS: R2Bucket; CATALOG: D1Database }) {
 *     const source = new R2Source(env.SNAPSHOTS);
 *     const catalog = new D1Catalog(env.CATALOG);
 *     for (const message of batch.messages) {
 *       const object = await source.stat(message.body.key);
 *       if (object) await catalog.put(await verifyObject(source, object));
 *       message.ack();
 *     }
 *   },
 * };
 * ```
 */
export class D1Catalog implements Catalog {
  /** The database binding. */
  readonly db: D1DatabaseLike;
  readonly #pageSize: number;
  readonly #now: () => number;

  /**
   * Makes a catalog on a D1 binding whose tables {@linkcode D1_CATALOG_SCHEMA} made.
   *
   * @param db The D1 binding.
   * @param options The page size of `all()`, the clock.
   * @throws {RangeError} when `pageSize` is not a whole number of at least 1.
   */
  constructor(db: D1DatabaseLike, options: D1CatalogOptions = {}) {
    this.db = db;
    this.#pageSize = options.pageSize ?? 500;
    this.#now = options.now ?? Date.now;
    if (!(Number.isSafeInteger(this.#pageSize) && this.#pageSize >= 1)) {
      throw new RangeError(`pageSize must be a whole number of at least 1, not ${this.#pageSize}`);
    }
  }

  /**
   * The record of a key.
   *
   * @param key The object's key.
   * @returns The record, or `undefined`.
   */
  async get(key: string): Promise<CatalogRecord | undefined> {
    const row = await this.db.prepare("SELECT record FROM raftsnap_records WHERE key = ?")
      .bind(key).first<{ record: string }>();
    return row ? JSON.parse(row.record) : undefined;
  }

  /**
   * The records of many keys, in a few queries (one per 90 keys).
   *
   * @param keys The objects' keys.
   * @returns The records found, by key.
   */
  async getMany(keys: Iterable<string>): Promise<Map<string, CatalogRecord>> {
    const found = new Map<string, CatalogRecord>();
    const all = [...keys];
    for (let at = 0; at < all.length; at += KEYS_PER_QUERY) {
      const some = all.slice(at, at + KEYS_PER_QUERY);
      const { results } = await this.db.prepare(
        `SELECT record FROM raftsnap_records WHERE key IN (${some.map(() => "?").join(",")})`,
      ).bind(...some).all<{ record: string }>();
      for (const row of results) {
        const record = JSON.parse(row.record) as CatalogRecord;
        found.set(record.key, record);
      }
    }
    return found;
  }

  /**
   * Adds or replaces a record, unless the one held was verified later.
   *
   * @param record The record.
   */
  async put(record: CatalogRecord): Promise<void> {
    await this.db.prepare(
      `INSERT INTO raftsnap_records (key, cluster, ok, verified_at, record) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET cluster = excluded.cluster, ok = excluded.ok,
         verified_at = excluded.verified_at, record = excluded.record
       WHERE excluded.verified_at >= raftsnap_records.verified_at`,
    ).bind(record.key, record.cluster, record.ok ? 1 : 0, record.verifiedAt, JSON.stringify(record))
      .run();
  }

  /**
   * Forgets a key.
   *
   * @param key The object's key.
   */
  async remove(key: string): Promise<void> {
    await this.db.prepare("DELETE FROM raftsnap_records WHERE key = ?").bind(key).run();
  }

  /**
   * Every record, in key order, `pageSize` per query.
   *
   * @returns The records.
   */
  async *all(): AsyncIterable<CatalogRecord> {
    let after: string | undefined;
    while (true) {
      const statement = after === undefined
        ? this.db.prepare("SELECT key, record FROM raftsnap_records ORDER BY key LIMIT ?")
          .bind(this.#pageSize)
        : this.db.prepare(
          "SELECT key, record FROM raftsnap_records WHERE key > ? ORDER BY key LIMIT ?",
        ).bind(after, this.#pageSize);
      const { results } = await statement.all<{ key: string; record: string }>();
      for (const row of results) yield JSON.parse(row.record) as CatalogRecord;
      if (results.length < this.#pageSize) return;
      after = results.at(-1)!.key;
    }
  }

  /**
   * Claims a key for `ttlMs`: wins when nobody holds it, the claim ran out, or `owner`
   * holds it already. One statement, so of two watchers claiming at once one wins.
   *
   * @param key What is claimed (such as `delete:KEY`).
   * @param owner Who claims it.
   * @param ttlMs How long the claim holds.
   * @returns Whether this claim won.
   */
  async claim(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = this.#now();
    const result = await this.db.prepare(
      `INSERT INTO raftsnap_claims (key, owner, until) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, until = excluded.until
       WHERE raftsnap_claims.until <= ? OR raftsnap_claims.owner = excluded.owner`,
    ).bind(key, owner, now + ttlMs, now).run();
    return (result.meta.changes ?? 0) > 0;
  }

  /**
   * Whether anyone holds a live claim on a key.
   *
   * @param key What may be claimed (such as `delete:KEY`).
   * @returns Whether a claim on it has not run out.
   */
  async isClaimed(key: string): Promise<boolean> {
    const row = await this.db.prepare(
      "SELECT 1 AS held FROM raftsnap_claims WHERE key = ? AND until > ?",
    )
      .bind(key, this.#now()).first<{ held: number }>();
    return row !== null;
  }

  /**
   * Gives up `owner`'s claim on a key (another owner's claim stays).
   *
   * @param key What was claimed.
   * @param owner Who claimed it.
   */
  async release(key: string, owner: string): Promise<void> {
    await this.db.prepare("DELETE FROM raftsnap_claims WHERE key = ? AND owner = ?")
      .bind(key, owner).run();
  }

  /**
   * A named value kept with the records (the last retention report, say).
   *
   * @param name The value's name.
   * @returns The value, or `undefined`.
   */
  async loadState<T = unknown>(name: string): Promise<T | undefined> {
    const row = await this.db.prepare("SELECT value FROM raftsnap_state WHERE name = ?")
      .bind(name).first<{ value: string }>();
    return row ? JSON.parse(row.value) : undefined;
  }

  /**
   * Keeps a named value (as JSON) with the records.
   *
   * @param name The value's name.
   * @param value The value.
   */
  async saveState(name: string, value: unknown): Promise<void> {
    await this.db.prepare(
      `INSERT INTO raftsnap_state (name, value) VALUES (?, ?)
       ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
    ).bind(name, JSON.stringify(value)).run();
  }

  /**
   * The alert state of the last pass.
   *
   * @returns The state, or `undefined` before the first.
   */
  loadAlerts(): Promise<AlertState | undefined> {
    return this.loadState<AlertState>("alerts");
  }

  /**
   * Keeps the alert state of this pass.
   *
   * @param state The state.
   */
  saveAlerts(state: AlertState): Promise<void> {
    return this.saveState("alerts", state);
  }
}
