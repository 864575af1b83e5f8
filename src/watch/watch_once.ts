// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import type { ReadOptions } from "../archive/verify.ts";
import { type AlertMessage, alertsBetween, alertStateOf } from "./alerts.ts";
import type { AlertState, Catalog, CatalogRecord } from "./catalog.ts";
import { clusterOf, type ClusterStatus, clusterStatus } from "./cluster.ts";
import { planRetention } from "./retention.ts";
import type { SnapshotSource, SourceObject } from "./source.ts";
import { needsVerification, verifyObject } from "./verify_object.ts";

/** Retention, as {@linkcode watchOnce} applies it (see `planRetention`). */
export interface WatchRetention {
  /** Keep the newest N verified backups of each cluster. */
  keepLast?: number;
  /** Keep every verified backup younger than this (ms). */
  keepWithinMs?: number;
  /** Delete (and move) for real; otherwise only say what would be done. @default {false} */
  apply?: boolean;
  /** Move bad backups to this key prefix (only when given). */
  moveBadTo?: string;
  /** This watcher's name in claims. @default {a random UUID} */
  owner?: string;
  /** How long a claim holds off other watchers (ms). @default {3600000} */
  claimTtlMs?: number;
}

/** Options of {@linkcode watchOnce}. */
export interface WatchOptions
  extends Pick<ReadOptions, "sealer" | "hasher" | "allowZeroPadding" | "limits" | "useWorker"> {
  /** Verify a backup again once its last verification is this old (ms). @default {604800000} (7 days) */
  reverifyAfterMs?: number;
  /** Warn when a cluster's newest good backup is older than this (ms). @default {Infinity} */
  maxAgeMs?: number;
  /** How keys group into clusters (see `clusterOf`). @default {the key's folder} */
  clusterPattern?: RegExp | string;
  /** Objects verified at once. @default {4} */
  concurrency?: number;
  /** Only keys under this prefix. @default {""} */
  prefix?: string;
  /** Retention; none without it. */
  retention?: WatchRetention;
  /**
   * Delivers the alerts of the pass (to a webhook, say) before the alert state is kept: if
   * it rejects, the state is not kept, so the next pass alerts again (at least once rather
   * than at most once).
   */
  deliverAlerts?: (alerts: AlertMessage[]) => Promise<void>;
  /**
   * This watcher's name in the catalog's claims (alerts; retention's too unless it names
   * its own). @default {a random UUID}
   */
  owner?: string;
  /**
   * How long an alert's claim holds off other watchers while this one delivers it (ms);
   * a watcher that dies meanwhile delays the alert by this much, not forever.
   * @default {300000}
   */
  alertClaimTtlMs?: number;
  /** Receives a line for each action (verified, deleted, would delete, moved). */
  log?: (line: string) => void;
  /** The clock. @default {Date.now} */
  now?: () => number;
  /** Stops the pass. */
  signal?: AbortSignal;
}

/** One snapshot's line in a {@linkcode WatchReport}. */
export interface ReportEntry extends CatalogRecord {
  /** Whether it was verified in this pass (rather than taken from the catalog). */
  verifiedNow: boolean;
}

/** What retention did (or, in a dry run, would do). */
export interface RetentionReport {
  /** Whether it was applied. */
  applied: boolean;
  /** Keys kept. */
  kept: number;
  /** Keys deleted (or that would be, in a dry run). */
  deleted: string[];
  /** Keys another watcher had claimed, left to it. */
  skipped: string[];
  /** Bad keys moved aside (or that would be). */
  moved: { from: string; to: string }[];
  /** Bad keys reported, not touched. */
  bad: string[];
}

/** Counts of a pass. */
export interface WatchTotals {
  /** Snapshots listed. */
  objects: number;
  /** Of these, verified good. */
  ok: number;
  /** Of these, bad. */
  bad: number;
  /** Catalogued snapshots that vanished without the watcher deleting them. */
  missing: number;
  /** Verified in this pass. */
  verified: number;
  /** Bytes verified in this pass. */
  bytesVerified: number;
}

/** What one pass found. */
export interface WatchReport {
  /** The source's name. */
  source?: string;
  /** When the pass started (ms since the epoch). */
  startedAt: number;
  /** When it ended. */
  finishedAt: number;
  /** Whether every backup is good, none is missing and no cluster is stale or without a good backup. */
  ok: boolean;
  /** The counts. */
  totals: WatchTotals;
  /** One entry per snapshot (and per missing one), by key. */
  objects: ReportEntry[];
  /** Each cluster's status. */
  clusters: ClusterStatus[];
  /** What retention did, when asked for. */
  retention?: RetentionReport;
  /**
   * The alerts of this pass (conditions that changed since the last), less those another
   * watcher sharing the catalog sends.
   */
  alerts: AlertMessage[];
}

/** The source could not be listed: nothing was verified. */
export class SourceError extends Error {
  /**
   * An error for a source that could not be read.
   *
   * @param message What failed.
   * @param options The cause.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SourceError";
  }
}

/**
 * One pass of the watcher: lists the source (paged), verifies each new, changed or due
 * object (at most `concurrency` at once, each streamed through the verifier), records the
 * verdicts in the catalog, reports catalogued backups that vanished, computes each
 * cluster's status and the alerts since the last pass, and plans (or, with `apply`,
 * carries out) retention. Deletions are claimed through the catalog first, so two
 * watchers never delete the same object twice.
 *
 * @example One pass over a source in memory
 * ```ts
 * import { writeSnapshot } from "@raftsnap/raftsnap";
 * import { MemoryCatalog, watchOnce } from "@raftsnap/raftsnap/watch";
 *
 * const state = new TextEncoder().encode("hello raft snapshot\n");
 * const bytes = new Uint8Array(await new Response(
 *   writeSnapshot({ id: "2-5-1700000000000", index: 5, term: 2, size: state.length }, state),
 * ).arrayBuffer());
 * const source = {
 *   async *list() { yield { key: "consul/a.snap", size: bytes.length, etag: "e", modified: Date.now() }; },
 *   open: () => Promise.resolve(new Blob([bytes]).stream()),
 *   delete: () => Promise.resolve(),
 * };
 * const report = await watchOnce(source, new MemoryCatalog());
 * if (!report.ok || report.totals.verified !== 1 || report.clusters[0]?.cluster !== "consul") throw new Error("bad");
 * ```
 *
 * @param source Where the snapshots are.
 * @param catalog Where the verdicts are kept between passes.
 * @param options Re-verification, clusters, concurrency, retention, the clock.
 * @returns The report.
 * @throws {SourceError} when the source cannot be listed.
 */
export async function watchOnce(
  source: SnapshotSource,
  catalog: Catalog,
  options: WatchOptions = {},
): Promise<WatchReport> {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const reverifyAfterMs = options.reverifyAfterMs ?? 604_800_000;
  const concurrency = options.concurrency ?? 4;
  if (!(Number.isSafeInteger(concurrency) && concurrency >= 1)) {
    throw new RangeError(`concurrency must be a whole number of at least 1, not ${concurrency}`);
  }
  const log = options.log ?? (() => {});
  const signal = options.signal;
  const aside = options.retention?.moveBadTo;
  const totals: WatchTotals = {
    objects: 0,
    ok: 0,
    bad: 0,
    missing: 0,
    verified: 0,
    bytesVerified: 0,
  };
  const entries = new Map<string, ReportEntry>();
  const running = new Set<Promise<void>>();

  let failure: { error: unknown } | undefined; // a task's own failure (the catalog's, an abort)
  const verify = async (object: SourceObject) => {
    const record = await verifyObject(source, object, {
      ...options,
      clusterPattern: options.clusterPattern,
      now,
      signal,
    });
    if (record.code === "missing") {
      entries.delete(object.key); // deleted between listing and reading: not a backup now
      return;
    }
    await catalog.put(record);
    totals.verified++;
    totals.bytesVerified += object.size;
    log(record.ok ? `verified ${record.key}: ok` : `verified ${record.key}: ${record.code}`);
    entries.set(record.key, { ...record, verifiedNow: true });
  };

  try {
    for await (const object of source.list({ prefix: options.prefix, signal })) {
      if (aside && object.key.startsWith(aside)) continue;
      signal?.throwIfAborted();
      const record = await catalog.get(object.key);
      if (!needsVerification(object, record, { reverifyAfterMs, now: now() })) {
        // The cluster as named now (the pattern may have changed since it was verified).
        const cluster = clusterOf(object.key, options.clusterPattern);
        entries.set(object.key, { ...record!, cluster, verifiedNow: false });
        continue;
      }
      entries.set(object.key, { ...placeholder(object), verifiedNow: true });
      const task: Promise<void> = verify(object)
        .catch((error) => void (failure ??= { error }))
        .finally(() => running.delete(task));
      running.add(task);
      if (running.size >= concurrency) await Promise.race(running);
      if (failure) break;
    }
  } catch (error) {
    await Promise.allSettled(running);
    signal?.throwIfAborted();
    if (failure) throw failure.error;
    throw new SourceError(
      `cannot list ${source.name ?? "the source"}: ${
        error instanceof Error ? error.message : error
      }`,
      { cause: error },
    );
  }
  await Promise.all(running);
  if (failure) throw failure.error;

  // Catalogued backups that are no longer listed vanished: report them once, then forget.
  const prefix = options.prefix ?? "";
  for await (const record of catalog.all()) {
    if (entries.has(record.key) || !record.key.startsWith(prefix)) continue;
    if (aside && record.key.startsWith(aside)) continue;
    // Deleted by another watcher during this pass (it claims first): not a lost backup.
    if (await catalog.isClaimed?.(`delete:${record.key}`)) continue;
    const gone: ReportEntry = {
      ...record,
      ok: false,
      code: "missing",
      message: "the backup was catalogued but is no longer in the source",
      verifiedAt: now(),
      verifiedNow: false,
    };
    entries.set(record.key, gone);
    log(`missing ${record.key}`);
    await catalog.remove(record.key);
  }
  for (const entry of entries.values()) {
    if (entry.code === "missing") totals.missing++;
    else {
      totals.objects++;
      if (entry.ok) totals.ok++;
      else totals.bad++;
    }
  }
  const present = () => [...entries.values()].filter((e) => e.code !== "missing");

  let retention: RetentionReport | undefined;
  if (options.retention) {
    retention = await applyRetention(
      source,
      catalog,
      present(),
      { ...options.retention, owner: options.retention.owner ?? options.owner },
      now,
      log,
    );
    for (const key of [...retention.deleted, ...retention.moved.map((m) => m.from)]) {
      if (retention.applied) entries.delete(key);
    }
  }
  const kept = present();
  const clusters = clusterStatus(kept, { maxAgeMs: options.maxAgeMs, now: now() });
  const current = alertStateOf(clusters, kept);
  const previous = (await catalog.loadAlerts?.()) ?? {};
  const owner = options.owner ?? crypto.randomUUID();
  const changed = alertsBetween(previous, current);
  // Without a delivery, nothing to claim: the report lists what changed.
  const { alerts, keep, claimed } = options.deliverAlerts
    ? await claimAlerts(
      catalog,
      changed,
      current,
      owner,
      options.alertClaimTtlMs ?? 300_000,
      log,
    )
    : { alerts: changed, keep: current, claimed: [] };
  let delivered = true;
  if (alerts.length > 0 && options.deliverAlerts) {
    try {
      await options.deliverAlerts(alerts);
    } catch (error) {
      delivered = false;
      log(
        `alerts not delivered, sent again next pass: ${
          error instanceof Error ? error.message : error
        }`,
      );
    }
  }
  // A quiet pass (no condition changed) leaves the stored state alone: no whole-catalog write.
  if (delivered && !sameStates(previous, keep)) {
    await catalog.saveAlerts?.(keep);
    // Kept before the claims go: a watcher that claims next finds them delivered.
    await catalog.flush?.();
  }
  for (const key of claimed) await catalog.release?.(key, owner);
  await catalog.flush?.();
  const objects = [...entries.values()].sort((a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  return {
    source: source.name,
    startedAt,
    finishedAt: now(),
    ok: totals.bad === 0 && totals.missing === 0 &&
      clusters.every((c) => !c.warnings.some((w) => w.code === "stale" || w.code === "no-good")),
    totals,
    objects,
    clusters,
    retention,
    alerts,
  };
}

/**
 * Makes each alert go out once across watchers sharing a catalog: the pass's delivery is
 * claimed (`alerts`, one claim a pass, not a catalog write per alert), and after the claim
 * the stored alert state is read again; an alert whose change is stored already (another
 * watcher delivered it) is dropped. A watcher that does not win the claim sends nothing
 * and keeps, for its alerts' subjects, what is stored, so that if the claim's holder
 * fails, the next pass still sees the change (at least once).
 */
async function claimAlerts(
  catalog: Catalog,
  alerts: AlertMessage[],
  current: AlertState,
  owner: string,
  ttlMs: number,
  log: (line: string) => void,
): Promise<{ alerts: AlertMessage[]; keep: AlertState; claimed: string[] }> {
  if (!catalog.claim || alerts.length === 0) return { alerts, keep: current, claimed: [] };
  const won = await catalog.claim("alerts", owner, ttlMs);
  const stored = (await catalog.loadAlerts?.()) ?? {};
  const send = won
    ? alerts.filter((alert) => (stored[alert.subject]?.state ?? "ok") !== alert.state)
    : [];
  const keep: AlertState = { ...current };
  for (const alert of alerts) {
    if (send.includes(alert)) continue;
    log(`alert ${alert.event} ${alert.subject}: another watcher sends it`);
    if (won) continue; // stored already: `current` agrees
    const before = stored[alert.subject];
    if (before) keep[alert.subject] = before;
    else delete keep[alert.subject];
  }
  return { alerts: send, keep, claimed: won ? ["alerts"] : [] };
}

/** Whether two alert states hold the same subjects in the same states. */
function sameStates(a: AlertState, b: AlertState): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => b[key]?.state === a[key]!.state);
}

function placeholder(object: SourceObject): CatalogRecord {
  return { ...object, ok: false, code: "read-error", verifiedAt: 0, cluster: "" };
}

/**
 * Carries out (or, without `apply`, only reports) a retention plan ({@linkcode planRetention})
 * over the given records: each deletion is claimed through the catalog first (so two
 * watchers never delete the same object twice), then deleted from the source, then removed
 * from the catalog, and logged; bad backups are only reported, or moved to `moveBadTo`
 * when it is given. {@linkcode watchOnce} calls it after verifying; a Worker's cron can too.
 *
 * @example A dry run
 * ```ts
 * import { applyRetention, MemoryCatalog } from "@raftsnap/raftsnap/watch";
 *
 * const day = 86_400_000;
 * const record = (key: string, modified: number) =>
 *   ({ key, size: 1, etag: key, modified, ok: true, verifiedAt: modified, cluster: "c" });
 * const source = { async *list() {}, open: () => Promise.resolve(undefined), delete: () => Promise.resolve() };
 * const lines: string[] = [];
 * const report = await applyRetention(source, new MemoryCatalog(), [record("c/1.snap", 0), record("c/2.snap", day)],
 *   { keepLast: 1 }, () => 2 * day, (line) => lines.push(line));
 * if (report.applied || report.deleted.join() !== "c/1.snap" || !lines[0]?.startsWith("would delete")) throw new Error("bad");
 * ```
 *
 * @param source Where the backups are.
 * @param catalog The catalog (its `claim`, when it has one, guards each deletion).
 * @param records The records retention chooses among (those present in the source).
 * @param options The rules, `apply`, `moveBadTo`, the owner and claim time.
 * @param now The clock.
 * @param log Receives a line per action.
 * @returns What was (or would be) done.
 */
export async function applyRetention(
  source: SnapshotSource,
  catalog: Catalog,
  records: CatalogRecord[],
  options: WatchRetention,
  now: () => number = Date.now,
  log: (line: string) => void = () => {},
): Promise<RetentionReport> {
  const plan = planRetention(records, {
    keepLast: options.keepLast,
    keepWithinMs: options.keepWithinMs,
    now: now(),
  });
  const applied = options.apply ?? false;
  const owner = options.owner ?? crypto.randomUUID();
  const ttl = options.claimTtlMs ?? 3_600_000;
  const report: RetentionReport = {
    applied,
    kept: plan.keep.length,
    deleted: [],
    skipped: [],
    moved: [],
    bad: plan.bad.map((r) => r.key),
  };
  const claimed = async (key: string) =>
    catalog.claim ? await catalog.claim(`delete:${key}`, owner, ttl) : true;
  for (const record of plan.delete) {
    if (!applied) {
      log(`would delete ${record.key} (cluster ${record.cluster || "(top level)"})`);
      report.deleted.push(record.key);
      continue;
    }
    if (!await claimed(record.key) || await source.delete(record.key) === false) {
      log(`left ${record.key}: another watcher deletes it`);
      report.skipped.push(record.key);
      continue;
    }
    await catalog.remove(record.key);
    log(`deleted ${record.key} (cluster ${record.cluster || "(top level)"})`);
    report.deleted.push(record.key);
  }
  if (options.moveBadTo !== undefined) {
    for (const record of plan.bad) {
      const to = options.moveBadTo + record.key;
      if (!applied) {
        log(`would move ${record.key} to ${to}`);
        report.moved.push({ from: record.key, to });
        continue;
      }
      if (!source.move) throw new TypeError(`${source.name ?? "this source"} cannot move objects`);
      if (!await claimed(record.key)) {
        report.skipped.push(record.key);
        continue;
      }
      await source.move(record.key, to);
      await catalog.remove(record.key);
      log(`moved ${record.key} to ${to}`);
      report.moved.push({ from: record.key, to });
    }
  }
  return report;
}
