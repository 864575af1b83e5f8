// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import type { VerifyResult } from "../archive/read_archive.ts";

/**
 * Where {@linkcode createVerifyHandler} puts uploads: any object store fits. Each upload
 * is staged through {@linkcode SnapshotStore.begin}, then either committed (it verified)
 * or aborted (anything else), never both.
 */
export interface SnapshotStore {
  /**
   * Starts staging one upload. The metadata is not known yet (it is inside the archive,
   * which has not arrived): it comes with {@linkcode StagedUpload.commit}.
   *
   * @param info What the request says about the upload.
   * @returns Where the bytes go, and how to keep or drop them.
   */
  begin(info: UploadInfo): StagedUpload | Promise<StagedUpload>;
}

/** What the request says about an upload, before any of it has been read. */
export interface UploadInfo {
  /** The request's `Content-Length`, when it has one (the byte count is still checked). */
  contentLength: number | undefined;
  /** The request's media type, lowercase, without parameters, when it has one. */
  contentType: string | undefined;
  /** The request itself, for its headers and URL. Its body is already being read. */
  request: Request;
}

/**
 * One staged upload. The handler writes the uploaded bytes, exactly as they arrive, to
 * {@linkcode StagedUpload.writable}, then calls exactly one of `commit` and `abort`,
 * exactly once:
 *
 * - `commit` only after the writable closed cleanly, the archive verified, and the
 *   SHA-256 of the bytes written here equals the verified archive's checksum;
 * - `abort` on every failure: a bad archive, a digest mismatch, a client that went away,
 *   a timeout, the handler's signal, or this store's own writable failing.
 *
 * The writable may already be errored or closed when `abort` is called.
 */
export interface StagedUpload {
  /**
   * Receives the upload's bytes. The handler waits for `writer.ready` before it reads
   * more of the request, so this stream's queuing strategy bounds what is held in memory.
   * The chunks are shared with the verifier: read them, do not modify them.
   */
  writable: WritableStream<Uint8Array>;
  /**
   * Keeps the staged bytes. If it rejects, the handler answers 500 `store-error` and
   * does not call `abort`: a failed commit cleans up after itself.
   *
   * @param upload The verified archive: its metadata, entries, checksum and a key.
   * @returns Optionally the key under which it was stored; the 201 response shows it.
   */
  commit(upload: VerifiedUpload): string | void | Promise<string | void>;
  /**
   * Drops the staged bytes. Errors it throws are ignored.
   *
   * @param reason Why: a `SnapshotError` for a bad archive, an `UploadError` otherwise.
   */
  abort(reason: unknown): void | Promise<void>;
}

/** A verified upload, as {@linkcode StagedUpload.commit} receives it. */
export interface VerifiedUpload {
  /** What verification found: the metadata, entry hashes, `checksum` and the rest. */
  result: VerifyResult;
  /** `sha-256=` + base64 SHA-256 of the uploaded bytes (Go's `Snapshot.Checksum`). */
  checksum: string;
  /** Lowercase hex SHA-256 of the uploaded bytes. */
  sha256: string;
  /** The uploaded (compressed) bytes. */
  size: number;
  /** A name to store it under: {@linkcode snapshotKey} of the metadata and SHA-256. */
  key: string;
}

/**
 * A file name for a verified snapshot: `<ID>-<Index>-<first 16 hex digits of the
 * archive's SHA-256>.snap`. The ID comes from the uploaded `meta.json`, so it is made
 * safe: characters other than letters, digits, `.`, `_` and `-` become `_`, and so do
 * leading dots (the name never starts with a dot, so it is never hidden and never looks
 * like a staging file), it is cut to 64 characters, and an empty ID reads `snapshot`. Two uploads get
 * the same key only when their IDs, indexes and archive hashes agree.
 *
 * @example A key
 * ```ts
 * import { snapshotKey } from "@raftsnap/raftsnap";
 *
 * const key = snapshotKey({ id: "2-5-1700000000000", index: 5n }, "52".repeat(32));
 * if (key !== "2-5-1700000000000-5-5252525252525252.snap") throw new Error(key);
 * if (snapshotKey({ id: "../../etc", index: 1n }, "ab".repeat(32)) !== "___.._etc-1-abababababababab.snap") {
 *   throw new Error("unsafe");
 * }
 * ```
 *
 * @param meta The snapshot's ID and index.
 * @param sha256 The archive's SHA-256, lowercase hex.
 * @returns The key.
 */
export function snapshotKey(meta: { id: string; index: bigint }, sha256: string): string {
  const id =
    meta.id.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, (dots) => "_".repeat(dots.length))
      .slice(0, 64) ||
    "snapshot";
  return `${id}-${meta.index}-${sha256.slice(0, 16)}.snap`;
}
