// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { type ArchiveInput, toByteStream } from "./_input.ts";
import { readArchive, type ReadOptions, type VerifyResult } from "./read_archive.ts";

export type { ArchiveEntry, ReadOptions, VerifyResult } from "./read_archive.ts";
export type { ArchiveInput } from "./_input.ts";

/** Options of {@linkcode verifySnapshot}. */
export type VerifyOptions = ReadOptions;

/**
 * Go's `snapshot.Verify`: reads the whole archive and checks everything Go checks (gzip
 * integrity and clean end, tar headers, entry names, `SHA256SUMS` in any line order,
 * `SHA256SUMS.sealed` when a sealer is given, nothing after the end of the archive), in
 * one pass and constant memory.
 *
 * @example Verifying a snapshot written in memory
 * ```ts
 * import { verifySnapshot, writeSnapshot } from "@raftsnap/raftsnap";
 *
 * const state = new TextEncoder().encode("hello raft snapshot\n");
 * const archive = writeSnapshot({ id: "2-5-1700000000000", index: 5, term: 2, size: state.length }, state);
 * const result = await verifySnapshot(archive);
 * if (result.meta.index !== 5n || result.stateSize !== 20) throw new Error("unexpected result");
 * ```
 *
 * @param archive The `.snap` bytes: a stream, a `Blob` (a `File`), a `Response` or a `Uint8Array`.
 * @param options A sealer, a hasher, padding tolerance, the archive checksum, a signal.
 * @returns The metadata, each entry's size and SHA-256, and what was checked.
 * @throws {SnapshotError} when the archive is bad; its `code` says which check failed.
 */
export function verifySnapshot(
  archive: ArchiveInput,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  return readArchive(toByteStream(archive), options);
}
