// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/**
 * Backup watch: every stored snapshot verified, again and again, and retention that never
 * deletes the last good one. The pieces run on any runtime; a source (a folder, S3, an R2
 * binding) and a catalog (a JSON file, D1, memory) plug in.
 *
 * @example One pass over a source in memory
 * ```ts
 * import { MemoryCatalog, watchOnce } from "@raftsnap/raftsnap/watch";
 *
 * const source = { async *list() {}, open: () => Promise.resolve(undefined), delete: () => Promise.resolve() };
 * const report = await watchOnce(source, new MemoryCatalog());
 * if (report.totals.objects !== 0) throw new Error("empty");
 * ```
 *
 * @module
 */

export * from "./source.ts";
export * from "./catalog.ts";
export * from "./verify_object.ts";
export * from "./cluster.ts";
export * from "./retention.ts";
export * from "./alerts.ts";
export * from "./duration.ts";
export * from "./watch_once.ts";
export * from "./metrics.ts";
export * from "./json_catalog.ts";
export * from "./folder_source.ts";
export * from "./status_html.ts";
