// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/**
 * raftsnap reads, verifies, writes and restores HashiCorp raft snapshot archives: the
 * `.snap` files of `consul snapshot save`, `vault operator raft snapshot save` and
 * `nomad operator snapshot save`, as the Go package `github.com/hashicorp/raft-snapshot`
 * does, on WHATWG streams and WebCrypto only, so the same code runs in Deno, browsers,
 * edge runtimes and Node.
 *
 * @example Verifying a snapshot
 * ```ts
 * import { verifySnapshot, writeSnapshot } from "@raftsnap/raftsnap";
 *
 * const state = new TextEncoder().encode("hello raft snapshot\n");
 * const archive = writeSnapshot({ id: "2-5-1700000000000", index: 5, term: 2, size: state.length }, state);
 * const { meta, stateSha256 } = await verifySnapshot(archive);
 * if (meta.id !== "2-5-1700000000000" || stateSha256.length !== 64) throw new Error("bad");
 * ```
 *
 * @module
 */

export * from "./src/errors.ts";
export * from "./src/limits.ts";
export * from "./src/format/meta.ts";
export * from "./src/format/sums.ts";
export * from "./src/format/seal.ts";
export * from "./src/sha256/sha256.ts";
export * from "./src/sha256/hash_wasm_sha256.ts";
export * from "./src/sha256/default_sha256.ts";
export * from "./src/sha256/digest_stream.ts";
export * from "./src/sha256/js_sha256.ts";
export * from "./src/archive/verify.ts";
export * from "./src/archive/parse.ts";
export * from "./src/archive/write.ts";
export * from "./src/archive/spool.ts";
export * from "./src/archive/restore.ts";
export * from "./src/archive/snapshot.ts";
export * from "./src/archive/result_json.ts";
export * from "./src/inspect/operations/inspect_snapshot.ts";
export * from "./src/inspect/operations/decode_records.ts";
export * from "./src/inspect/operations/format_decode.ts";
export * from "./src/inspect/operations/format_inspect.ts";
export * from "./src/inspect/products/format_consul.ts";
export * from "./src/inspect/products/format_nomad.ts";
export * from "./src/inspect/products/format_vault.ts";
export * from "./src/inspect/operations/diff_snapshots.ts";
export * from "./src/inspect/operations/format_diff.ts";
export * from "./src/inspect/operations/redact_snapshot.ts";
export * from "./src/inspect/operations/export_kv.ts";
export * from "./src/edge/verify_handler.ts";
export * from "./src/edge/memory_store.ts";
export * from "./src/edge/r2_store.ts";
export * from "./src/edge/s3_store.ts";
export * from "./src/edge/tus/resumable_store.ts";
export * from "./src/edge/tus/tus_options.ts";
export * from "./src/edge/tus/tus_session.ts";
export * from "./src/edge/tus/tus_handler.ts";
export * from "./src/edge/tus_client.ts";
export * from "./src/edge/r2_source.ts";
export * from "./src/edge/d1_catalog.ts";
export * from "./src/watch/source.ts";
export * from "./src/watch/catalog.ts";
export * from "./src/watch/verify_object.ts";
export * from "./src/watch/cluster.ts";
export * from "./src/watch/retention.ts";
export * from "./src/watch/alerts.ts";
export * from "./src/watch/duration.ts";
export * from "./src/watch/watch_once.ts";
export * from "./src/watch/metrics.ts";
export * from "./src/watch/json_catalog.ts";
export * from "./src/watch/folder_source.ts";
export * from "./src/edge/s3_source.ts";
export * from "./src/watch/status_html.ts";
