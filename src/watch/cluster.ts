// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import type { CatalogRecord } from "./catalog.ts";
import { formatDuration } from "./duration.ts";

/**
 * The cluster a key belongs to. By default its folder (`consul/prod/x.snap` →
 * `consul/prod`; a key with no folder → `""`). With a pattern: a `RegExp` (or its source)
 * matched against the key, whose first capture group (or, without groups, the whole
 * match) names the cluster; a key it does not match belongs to `""`.
 *
 * @example
 * ```ts
 * import { clusterOf } from "@raftsnap/raftsnap/watch";
 *
 * if (clusterOf("consul/prod/1.snap") !== "consul/prod") throw new Error("folder");
 * if (clusterOf("vault-eu-2026-01-01.snap", "^(.*?)-\\d{4}-") !== "vault-eu") throw new Error("pattern");
 * ```
 *
 * @param key The object's key.
 * @param pattern How to name clusters, if not by folder.
 * @returns The cluster's name.
 */
export function clusterOf(key: string, pattern?: RegExp | string): string {
  if (pattern === undefined) {
    const slash = key.lastIndexOf("/");
    return slash < 0 ? "" : key.slice(0, slash);
  }
  const match = (typeof pattern === "string" ? new RegExp(pattern) : pattern).exec(key);
  if (!match) return "";
  return match[1] ?? match[0];
}

/** A warning about a cluster. */
export interface ClusterWarning {
  /**
   * `stale`: the newest good backup is older than `maxAgeMs`; `no-good`: no backup of the
   * cluster verified; `index-backwards`: a later backup has a lower raft Index than the
   * one before; `stopped`: no backup arrived for much longer than the cluster's usual gap.
   */
  code: "stale" | "no-good" | "index-backwards" | "stopped";
  /** What was seen, in words. */
  message: string;
}

/** One point of a cluster's history. */
export interface HistoryPoint {
  /** The object's time (ms since the epoch). */
  time: number;
  /** The object's size in bytes. */
  size: number;
  /** The raft Index, when known. */
  index?: string;
  /** Whether it verified. */
  ok: boolean;
}

/** What a cluster's backups look like. */
export interface ClusterStatus {
  /** The cluster's name. */
  cluster: string;
  /** Backups recorded. */
  backups: number;
  /** Of these, how many verified. */
  good: number;
  /** The backups that did not verify. */
  failures: { key: string; code?: string; message?: string }[];
  /** The newest backup that verified (by its time), if any. */
  newest?: CatalogRecord;
  /** How old that one is (ms), now. */
  ageMs?: number;
  /** The time of the newest backup of any verdict. */
  lastSeen?: number;
  /** The warnings, empty when all is well. */
  warnings: ClusterWarning[];
  /** Every backup, oldest first (for a chart). */
  history: HistoryPoint[];
}

/** Options of {@linkcode clusterStatus}. */
export interface ClusterStatusOptions {
  /** Warn (`stale`) when the newest good backup is older than this (ms). @default {Infinity} */
  maxAgeMs?: number;
  /** Now (ms since the epoch). @default {Date.now()} */
  now?: number;
  /**
   * Warn (`stopped`) when the newest backup is older than this many times the cluster's
   * median gap between backups (with at least three backups).
   *
   * @default {3}
   */
  stoppedFactor?: number;
}

/**
 * Groups records by cluster and says, per cluster, which backup is the newest good one,
 * how old it is, what failed, and what to worry about (see {@linkcode ClusterWarning}).
 *
 * @example
 * ```ts
 * import { clusterStatus } from "@raftsnap/raftsnap/watch";
 *
 * const day = 86_400_000;
 * const record = (key: string, modified: number, index: string, ok = true) =>
 *   ({ key, size: 1, etag: key, modified, ok, meta: { id: key, index, term: "1", size: "1" }, verifiedAt: modified, cluster: "c" });
 * const [status] = clusterStatus(
 *   [record("c/1.snap", 0, "10"), record("c/2.snap", day, "5"), record("c/3.snap", 2 * day, "12", false)],
 *   { maxAgeMs: day, now: 3 * day },
 * );
 * if (status?.newest?.key !== "c/2.snap" || status.ageMs !== 2 * day) throw new Error("newest");
 * const codes = status.warnings.map((w) => w.code).sort();
 * if (codes.join() !== "index-backwards,stale") throw new Error(codes.join());
 * ```
 *
 * @param records The catalog's records.
 * @param options The most age, now.
 * @returns One status per cluster, by name.
 */
export function clusterStatus(
  records: Iterable<CatalogRecord>,
  options: ClusterStatusOptions = {},
): ClusterStatus[] {
  const now = options.now ?? Date.now();
  const maxAge = options.maxAgeMs ?? Infinity;
  const factor = options.stoppedFactor ?? 3;
  const groups = new Map<string, CatalogRecord[]>();
  for (const record of records) {
    if (record.code === "missing") continue;
    const group = groups.get(record.cluster);
    if (group) group.push(record);
    else groups.set(record.cluster, [record]);
  }
  const statuses: ClusterStatus[] = [];
  for (const [cluster, group] of [...groups].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)) {
    group.sort(byTime);
    const good = group.filter((r) => r.ok);
    const newest = good.at(-1);
    const warnings: ClusterWarning[] = [];
    const ageMs = newest ? now - newest.modified : undefined;
    if (!newest) {
      warnings.push({ code: "no-good", message: `no backup of ${name(cluster)} verified` });
    } else if (ageMs! > maxAge) {
      warnings.push({
        code: "stale",
        message: `the newest good backup of ${name(cluster)} (${newest.key}) is ${
          formatDuration(ageMs!)
        } old, more than ${formatDuration(maxAge)}`,
      });
    }
    for (let i = 1; i < good.length; i++) {
      const before = good[i - 1]!.meta?.index;
      const after = good[i]!.meta?.index;
      if (before !== undefined && after !== undefined && BigInt(after) < BigInt(before)) {
        warnings.push({
          code: "index-backwards",
          message: `${good[i]!.key} has Index ${after}, lower than ${before} of ${
            good[i - 1]!.key
          } before it`,
        });
      }
    }
    const last = group.at(-1)!;
    if (group.length >= 3) {
      const gaps = group.slice(1).map((r, i) => r.modified - group[i]!.modified).sort((a, b) =>
        a - b
      );
      const median = gaps[Math.floor(gaps.length / 2)]!;
      const silent = now - last.modified;
      if (median > 0 && silent > factor * median) {
        warnings.push({
          code: "stopped",
          message: `no backup of ${name(cluster)} for ${formatDuration(silent)}; they came every ${
            formatDuration(median)
          }`,
        });
      }
    }
    statuses.push({
      cluster,
      backups: group.length,
      good: good.length,
      failures: group.filter((r) => !r.ok).map((r) => ({
        key: r.key,
        code: r.code,
        message: r.message,
      })),
      newest,
      ageMs,
      lastSeen: last.modified,
      warnings,
      history: group.map((r) => ({
        time: r.modified,
        size: r.size,
        index: r.meta?.index,
        ok: r.ok,
      })),
    });
  }
  return statuses;
}

function byTime(a: CatalogRecord, b: CatalogRecord): number {
  return a.modified - b.modified || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

function name(cluster: string): string {
  return cluster === "" ? "the top level" : JSON.stringify(cluster);
}
