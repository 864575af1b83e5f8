// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import type { AlertCondition, AlertState, CatalogRecord } from "./catalog.ts";
import type { ClusterStatus } from "./cluster.ts";

export type { AlertCondition, AlertState } from "./catalog.ts";

/** One alert: a condition that changed state. */
export interface AlertMessage {
  /** One line for people (Slack's `text`). */
  text: string;
  /** What happened. */
  event:
    | "backup-failed"
    | "backup-recovered"
    | "cluster-stale"
    | "cluster-no-good"
    | "cluster-recovered";
  /** The condition's subject: `cluster:NAME` or `backup:KEY`. */
  subject: string;
  /** The cluster. */
  cluster: string;
  /** The backup, for a backup's alert. */
  key?: string;
  /** The state now. */
  state: AlertCondition["state"];
  /** The state before. */
  previous: AlertCondition["state"];
  /** The details, in words. */
  detail: string;
}

/**
 * The conditions alerts follow, from one pass: each cluster's freshness (`ok`, `stale`,
 * `no-good`) and each backup that failed (`bad`).
 *
 * @example
 * ```ts
 * import { alertStateOf } from "@raftsnap/raftsnap/watch";
 *
 * const state = alertStateOf([{ cluster: "c", backups: 0, good: 0, failures: [], warnings: [{ code: "no-good", message: "none" }], history: [] }], []);
 * if (state["cluster:c"]?.state !== "no-good") throw new Error("wrong");
 * ```
 *
 * @param clusters The clusters' status.
 * @param records The records of the pass (the bad ones become conditions).
 * @returns Conditions by subject.
 */
export function alertStateOf(
  clusters: Iterable<ClusterStatus>,
  records: Iterable<CatalogRecord>,
): AlertState {
  const state: AlertState = {};
  for (const status of clusters) {
    const warning = status.warnings.find((w) => w.code === "no-good") ??
      status.warnings.find((w) => w.code === "stale");
    state[`cluster:${status.cluster}`] = warning
      ? {
        state: warning.code as "stale" | "no-good",
        cluster: status.cluster,
        detail: warning.message,
      }
      : {
        state: "ok",
        cluster: status.cluster,
        detail: status.newest ? `newest good backup ${status.newest.key}` : "",
      };
  }
  for (const record of records) {
    if (record.ok) continue;
    state[`backup:${record.key}`] = {
      state: "bad",
      cluster: record.cluster,
      key: record.key,
      detail: `${record.code ?? "error"}: ${record.message ?? ""}`,
    };
  }
  return state;
}

/**
 * The alerts between two passes: one per condition whose state changed, so an alert goes
 * out once per change, not every pass. A backup that was failing and is now absent from
 * the conditions (it verified, or it is gone) recovers; a first pass (`previous` empty)
 * alerts only on what is not `ok`.
 *
 * @example
 * ```ts
 * import { alertsBetween } from "@raftsnap/raftsnap/watch";
 *
 * const bad = { "cluster:c": { state: "stale" as const, cluster: "c", detail: "old" } };
 * const ok = { "cluster:c": { state: "ok" as const, cluster: "c", detail: "" } };
 * if (alertsBetween({}, bad).length !== 1 || alertsBetween(bad, bad).length !== 0) throw new Error("once");
 * if (alertsBetween(bad, ok)[0]?.event !== "cluster-recovered") throw new Error("recovery");
 * ```
 *
 * @param previous The conditions of the pass before (empty for none).
 * @param current The conditions now.
 * @returns The alerts, clusters first.
 */
export function alertsBetween(previous: AlertState, current: AlertState): AlertMessage[] {
  const alerts: AlertMessage[] = [];
  const subjects = [...new Set([...Object.keys(current), ...Object.keys(previous)])].sort((a, b) =>
    a < b ? -1 : a > b ? 1 : 0
  );
  for (const subject of subjects) {
    const now = current[subject];
    const before = previous[subject];
    const was = before?.state ?? "ok";
    const is = now?.state ?? "ok";
    if (was === is) continue;
    const condition = (now ?? before)!;
    const backup = subject.startsWith("backup:");
    const event: AlertMessage["event"] = backup
      ? (is === "ok" ? "backup-recovered" : "backup-failed")
      : is === "ok"
      ? "cluster-recovered"
      : is === "stale"
      ? "cluster-stale"
      : "cluster-no-good";
    const where = condition.cluster === "" ? "(top level)" : condition.cluster;
    const detail = now ? now.detail : "it verified, or it is gone";
    const text = backup
      ? (is === "ok"
        ? `:white_check_mark: raftsnap: backup ${condition.key} no longer fails (${detail})`
        : `:x: raftsnap: backup ${condition.key} of ${where} failed verification: ${detail}`)
      : is === "ok"
      ? `:white_check_mark: raftsnap: cluster ${where} recovered: ${detail}`
      : `:warning: raftsnap: cluster ${where}: ${detail}`;
    alerts.push({
      text,
      event,
      subject,
      cluster: condition.cluster,
      key: condition.key,
      state: is,
      previous: was,
      detail,
    });
  }
  return alerts.sort((a, b) => Number(a.key !== undefined) - Number(b.key !== undefined));
}

/**
 * Posts an alert to a webhook as JSON: Slack-compatible (`text`), with the alert's fields
 * beside it. The answer's body is read and dropped.
 *
 * @example
 * ```ts ignore
 * import { postAlert } from "@raftsnap/raftsnap/watch";
 *
 * declare const alert: import("@raftsnap/raftsnap/watch").AlertMessage;
 * await postAlert("https://hooks.slack.com/services/...", alert);
 * ```
 *
 * @param url The webhook.
 * @param alert The alert.
 * @param options The `fetch` to use, a signal.
 * @throws {Error} when the webhook does not answer 2xx.
 */
export async function postAlert(
  url: string | URL,
  alert: AlertMessage,
  options: { fetch?: typeof fetch; signal?: AbortSignal } = {},
): Promise<void> {
  const send = options.fetch ?? fetch;
  const response = await send(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...alert, source: "raftsnap" }),
    signal: options.signal,
  });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`the webhook answered ${response.status}`);
}
