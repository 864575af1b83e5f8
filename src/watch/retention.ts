// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import type { CatalogRecord } from "./catalog.ts";

/** Options of {@linkcode planRetention}. */
export interface RetentionOptions {
  /** Keep the newest N verified backups of each cluster. */
  keepLast?: number;
  /** Keep every verified backup younger than this (ms). */
  keepWithinMs?: number;
  /** Now (ms since the epoch). @default {Date.now()} */
  now?: number;
}

/** What retention would do. */
export interface RetentionPlan {
  /** Verified backups kept. */
  keep: CatalogRecord[];
  /** Verified backups past both rules: to delete. */
  delete: CatalogRecord[];
  /** Backups that did not verify: reported, never deleted here (moved aside only on request). */
  bad: CatalogRecord[];
}

/**
 * Plans retention per cluster among verified backups only. A verified backup is kept when
 * it is among the newest `keepLast`, or younger than `keepWithinMs`, and the newest
 * verified backup of each cluster is kept whatever its age; with neither rule given,
 * everything is kept. Bad backups are listed apart and never planned for deletion: when
 * backups break, age alone must not remove the last good one.
 *
 * @example The newest good backup survives, however old
 * ```ts
 * import { planRetention } from "@raftsnap/raftsnap/watch";
 *
 * const day = 86_400_000;
 * const record = (key: string, modified: number, ok = true) =>
 *   ({ key, size: 1, etag: key, modified, ok, verifiedAt: modified, cluster: "c" });
 * const plan = planRetention(
 *   [record("c/1.snap", 0), record("c/2.snap", day), record("c/3.snap", 2 * day, false)],
 *   { keepWithinMs: day, now: 100 * day },
 * );
 * if (plan.keep.map((r) => r.key).join() !== "c/2.snap") throw new Error("keep");
 * if (plan.delete.map((r) => r.key).join() !== "c/1.snap") throw new Error("delete");
 * if (plan.bad.map((r) => r.key).join() !== "c/3.snap") throw new Error("bad");
 * ```
 *
 * @param records The catalog's records.
 * @param options The rules, and now.
 * @returns What to keep, delete, and report.
 * @throws {RangeError} when `keepLast` is not a whole number or `keepWithinMs` is negative.
 */
export function planRetention(
  records: Iterable<CatalogRecord>,
  options: RetentionOptions = {},
): RetentionPlan {
  const { keepLast, keepWithinMs } = options;
  if (keepLast !== undefined && !(Number.isSafeInteger(keepLast) && keepLast >= 0)) {
    throw new RangeError(`keepLast must be a whole number, not ${keepLast}`);
  }
  if (keepWithinMs !== undefined && !(keepWithinMs >= 0)) {
    throw new RangeError(`keepWithinMs must be 0 or more, not ${keepWithinMs}`);
  }
  const now = options.now ?? Date.now();
  const plan: RetentionPlan = { keep: [], delete: [], bad: [] };
  const clusters = new Map<string, CatalogRecord[]>();
  for (const record of records) {
    if (record.code === "missing") continue;
    if (!record.ok) {
      plan.bad.push(record);
      continue;
    }
    const group = clusters.get(record.cluster);
    if (group) group.push(record);
    else clusters.set(record.cluster, [record]);
  }
  const rules = keepLast !== undefined || keepWithinMs !== undefined;
  for (const group of clusters.values()) {
    group.sort((a, b) => b.modified - a.modified || (a.key < b.key ? 1 : -1)); // newest first
    group.forEach((record, rank) => {
      const kept = !rules || rank === 0 ||
        (keepLast !== undefined && rank < keepLast) ||
        (keepWithinMs !== undefined && now - record.modified <= keepWithinMs);
      (kept ? plan.keep : plan.delete).push(record);
    });
  }
  return plan;
}
