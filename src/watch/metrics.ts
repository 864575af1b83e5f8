// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import type { WatchReport } from "./watch_once.ts";

/** Counts a long-running watcher adds up over its passes (counters, in Prometheus' sense). */
export interface WatchCounters {
  /** Passes run. */
  passes: number;
  /** Passes that could not read the source. */
  failedPasses: number;
  /** Objects verified, over all passes. */
  verifiedObjects: number;
  /** Bytes verified, over all passes. */
  verifiedBytes: number;
}

/**
 * The Prometheus text exposition (format 0.0.4) of a pass, as `/metrics` serves it. A pure
 * function of the report (and, for a long-running watcher, its counters):
 *
 * - `raftsnap_watch_backups{cluster,verdict}`: backups by verdict (`ok`, `bad`);
 * - `raftsnap_watch_bad_backups{cluster,code}`: bad backups by error code;
 * - `raftsnap_watch_newest_good_timestamp_seconds{cluster}`: the newest good backup's time;
 * - `raftsnap_watch_newest_good_age_seconds{cluster}`: its age at the end of the pass;
 * - `raftsnap_watch_last_verified_timestamp_seconds{cluster}`: the latest verification of a good backup;
 * - `raftsnap_watch_cluster_warning{cluster,code}`: 1 per warning (`stale`, `no-good`, `index-backwards`, `stopped`);
 * - `raftsnap_watch_missing_backups`, `raftsnap_watch_pass_ok`, `raftsnap_watch_pass_duration_seconds`,
 *   `raftsnap_watch_last_pass_timestamp_seconds`, `raftsnap_watch_pass_verified_bytes`;
 * - with counters: `raftsnap_watch_passes_total`, `raftsnap_watch_failed_passes_total`,
 *   `raftsnap_watch_verified_objects_total`, `raftsnap_watch_verified_bytes_total`.
 *
 * @example
 * ```ts
 * import { metricsText, type WatchReport } from "@raftsnap/raftsnap/watch";
 *
 * const report: WatchReport = {
 *   startedAt: 0, finishedAt: 1000, ok: true, objects: [], alerts: [],
 *   totals: { objects: 0, ok: 0, bad: 0, missing: 0, verified: 0, bytesVerified: 0 },
 *   clusters: [{ cluster: "consul", backups: 1, good: 1, failures: [], warnings: [], history: [] }],
 * };
 * if (!metricsText(report).includes('raftsnap_watch_backups{cluster="consul",verdict="ok"} 1')) throw new Error("bad");
 * ```
 *
 * @param report The pass.
 * @param counters Totals over the passes, for a long-running watcher.
 * @returns The metrics, one family after another, ending in a newline.
 */
export function metricsText(report: WatchReport, counters?: WatchCounters): string {
  const out: string[] = [];
  const family = (
    name: string,
    type: "gauge" | "counter",
    help: string,
    samples: [Record<string, string>, number][],
  ) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) out.push(`${name}${labelText(labels)} ${num(value)}`);
  };
  const clusters = report.clusters;
  family(
    "raftsnap_watch_backups",
    "gauge",
    "Backups in the source by cluster and verdict.",
    clusters.flatMap((c) => [
      [{ cluster: c.cluster, verdict: "ok" }, c.good] as [Record<string, string>, number],
      [{ cluster: c.cluster, verdict: "bad" }, c.backups - c.good],
    ]),
  );
  const codes = new Map<string, number>();
  for (const c of clusters) {
    for (const f of c.failures) {
      const key = JSON.stringify([c.cluster, f.code ?? "unknown"]);
      codes.set(key, (codes.get(key) ?? 0) + 1);
    }
  }
  family(
    "raftsnap_watch_bad_backups",
    "gauge",
    "Backups that failed verification by cluster and error code.",
    [...codes].map(([key, n]) => {
      const [cluster, code] = JSON.parse(key) as [string, string];
      return [{ cluster, code }, n];
    }),
  );
  const withNewest = clusters.filter((c) => c.newest);
  family(
    "raftsnap_watch_newest_good_timestamp_seconds",
    "gauge",
    "Time of the newest backup that verified, by cluster.",
    withNewest.map((c) => [{ cluster: c.cluster }, c.newest!.modified / 1000]),
  );
  family(
    "raftsnap_watch_newest_good_age_seconds",
    "gauge",
    "Age of the newest backup that verified, by cluster.",
    withNewest.map((c) => [{ cluster: c.cluster }, (c.ageMs ?? 0) / 1000]),
  );
  const lastVerified = new Map<string, number>();
  for (const o of report.objects) {
    if (o.ok) lastVerified.set(o.cluster, Math.max(lastVerified.get(o.cluster) ?? 0, o.verifiedAt));
  }
  family(
    "raftsnap_watch_last_verified_timestamp_seconds",
    "gauge",
    "Time of the latest verification of a good backup, by cluster.",
    [...lastVerified].map(([cluster, at]) => [{ cluster }, at / 1000]),
  );
  family(
    "raftsnap_watch_cluster_warning",
    "gauge",
    "1 for each warning a cluster has (stale, no-good, index-backwards, stopped).",
    clusters.flatMap((c) =>
      [...new Set(c.warnings.map((w) => w.code))].map((code) =>
        [{ cluster: c.cluster, code }, 1] as [Record<string, string>, number]
      )
    ),
  );
  family("raftsnap_watch_missing_backups", "gauge", "Catalogued backups gone from the source.", [
    [{}, report.totals.missing],
  ]);
  family("raftsnap_watch_pass_ok", "gauge", "1 when the last pass found everything good.", [
    [{}, report.ok ? 1 : 0],
  ]);
  family("raftsnap_watch_pass_duration_seconds", "gauge", "Duration of the last pass.", [
    [{}, (report.finishedAt - report.startedAt) / 1000],
  ]);
  family("raftsnap_watch_last_pass_timestamp_seconds", "gauge", "End of the last pass.", [
    [{}, report.finishedAt / 1000],
  ]);
  family("raftsnap_watch_pass_verified_bytes", "gauge", "Bytes verified in the last pass.", [
    [{}, report.totals.bytesVerified],
  ]);
  if (counters) {
    family("raftsnap_watch_passes_total", "counter", "Passes run.", [[{}, counters.passes]]);
    family(
      "raftsnap_watch_failed_passes_total",
      "counter",
      "Passes that could not read the source.",
      [[{}, counters.failedPasses]],
    );
    family("raftsnap_watch_verified_objects_total", "counter", "Backups verified.", [
      [{}, counters.verifiedObjects],
    ]);
    family("raftsnap_watch_verified_bytes_total", "counter", "Bytes of backups verified.", [
      [{}, counters.verifiedBytes],
    ]);
  }
  return out.join("\n") + "\n";
}

function labelText(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  return `{${
    entries.map(([k, v]) =>
      `${k}="${v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"')}"`
    ).join(",")
  }}`;
}

function num(value: number): string {
  return Number.isFinite(value) ? String(value) : value > 0 ? "+Inf" : value < 0 ? "-Inf" : "NaN";
}
