// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { toBase64 } from "../_bytes.ts";
import type { ArchiveEntry, VerifyResult } from "../archive/read_archive.ts";
import { SnapshotError, type SnapshotErrorCode, type SnapshotErrorLayer } from "../errors.ts";
import type { SnapshotMeta } from "../format/meta.ts";
import { UploadError, type UploadErrorCode } from "./upload_error.ts";

/**
 * `meta.json` as JSON, with raft's own (Go) key names, the shape the CLI's `--json`
 * prints. The four uint64 fields are decimal strings, always, so values beyond 2^53 stay
 * exact and a field never changes type.
 */
export interface SnapshotMetaJson {
  /** The FSM's snapshot format version. */
  Version: number;
  /** The snapshot ID. */
  ID: string;
  /** The raft index, as a decimal string. */
  Index: string;
  /** The raft term, as a decimal string. */
  Term: string;
  /** The deprecated peer list, base64, or `null`. */
  Peers: string | null;
  /** The cluster membership. */
  Configuration: { Servers: { Suffrage: number; ID: string; Address: string }[] | null };
  /** The index of that configuration, as a decimal string. */
  ConfigurationIndex: string;
  /** The declared length of `state.bin`, as a decimal string. */
  Size: string;
}

/** One archive entry as JSON. */
export interface ArchiveEntryJson {
  /** `meta.json`, `state.bin`, `SHA256SUMS` or `SHA256SUMS.sealed`. */
  name: string;
  /** Its length in bytes. */
  size: number;
  /** Lowercase hex SHA-256 of its bytes. */
  sha256: string;
  /** Its modification time in Unix seconds, as the tar stores it. */
  mtime: number;
  /** Offset of its tar header in the uncompressed tar. */
  offset: number;
}

/** A verification result as JSON: shared by the edge handler's 201 body and the CLI's `--json`. */
export interface VerifyResultJson {
  /** The decoded `meta.json`. */
  meta: SnapshotMetaJson;
  /** The entries, in archive order, with their SHA-256. */
  entries: ArchiveEntryJson[];
  /** The length of `state.bin`. */
  stateSize: number;
  /** Its SHA-256, lowercase hex. */
  stateSha256: string;
  /** Whether the archive holds `SHA256SUMS.sealed`. */
  sealed: boolean;
  /** Whether a sealer opened it and its sums matched. */
  sealVerified: boolean;
  /** `sha-256=` + base64 SHA-256 of the archive bytes (Go's `Snapshot.Checksum`). */
  checksum: string;
  /** The compressed length: for an upload, what was stored. */
  compressedBytes: number;
  /** The uncompressed tar's length. */
  tarBytes: number;
  /** gzip members (Go writes one). */
  gzipMembers: number;
  /** Zero bytes accepted after the tar under `allowZeroPadding`. */
  zeroPadding: number;
}

/** The body of a 201 from {@linkcode createVerifyHandler}: the snapshot is stored. */
export interface StoredUploadJson extends VerifyResultJson {
  /** Always `true` here. */
  ok: true;
  /** The key the store returned from `commit`, or `null`. */
  key: string | null;
}

/** The `error` member of a refused upload, the CLI's `--json` error shape plus a hint. */
export interface UploadErrorJson {
  /** A `SnapshotError` code (status 400) or an `UploadError` code. */
  code: SnapshotErrorCode | UploadErrorCode;
  /** For a bad archive, the layer that failed; otherwise `null`. */
  layer: SnapshotErrorLayer | null;
  /** The archive entry involved, or `null`. */
  entry: string | null;
  /** The byte offset (compressed for `gzip`, uncompressed otherwise), or `null`. */
  offset: number | null;
  /** What a valid upload has there, or `null`. */
  expected: string | null;
  /** What this one has instead, or `null`. */
  found: string | null;
  /** What is wrong (a `SnapshotError`'s message without its `Cannot verify the snapshot: ` prefix). */
  message: string;
  /** What to do about it. */
  hint: string;
}

/** The body of every refusal from {@linkcode createVerifyHandler}. */
export interface FailedUploadJson {
  /** Always `false` here. */
  ok: false;
  /** What failed. */
  error: UploadErrorJson;
}

/**
 * `meta.json` as the JSON the CLI and the edge handler print.
 *
 * @example The uint64 fields are strings
 * ```ts
 * import { metaToJson, toSnapshotMeta } from "@raftsnap/raftsnap";
 *
 * const json = metaToJson(toSnapshotMeta({ id: "x", index: 2n ** 63n, term: 1, size: 5 }));
 * if (json.Index !== "9223372036854775808" || json.Size !== "5") throw new Error(json.Index);
 * ```
 *
 * @param meta The decoded metadata.
 * @returns Its JSON object.
 */
export function metaToJson(meta: SnapshotMeta): SnapshotMetaJson {
  return {
    Version: meta.version,
    ID: meta.id,
    Index: String(meta.index),
    Term: String(meta.term),
    Peers: meta.peers === null ? null : toBase64(meta.peers),
    Configuration: {
      Servers: meta.configuration.servers?.map((s) => ({
        Suffrage: s.suffrage,
        ID: s.id,
        Address: s.address,
      })) ?? null,
    },
    ConfigurationIndex: String(meta.configurationIndex),
    Size: String(meta.size),
  };
}

function entryToJson(entry: ArchiveEntry): ArchiveEntryJson {
  return {
    name: entry.name,
    size: entry.size,
    sha256: entry.sha256,
    mtime: Math.floor(entry.modTime.getTime() / 1000),
    offset: entry.offset,
  };
}

/**
 * A {@linkcode VerifyResult} as JSON, uint64 fields as decimal strings.
 *
 * @example
 * ```ts
 * import { resultToJson, verifySnapshot, writeSnapshot } from "@raftsnap/raftsnap";
 *
 * const result = await verifySnapshot(writeSnapshot({ index: 3, term: 1, size: 1 }, new Uint8Array(1)));
 * if (resultToJson(result).meta.Index !== "3") throw new Error("unexpected JSON");
 * ```
 *
 * @param result What a reader found.
 * @returns The JSON document's fields.
 */
export function resultToJson(result: VerifyResult): VerifyResultJson {
  return {
    meta: metaToJson(result.meta),
    entries: result.entries.map(entryToJson),
    stateSize: result.stateSize,
    stateSha256: result.stateSha256,
    sealed: result.sealed,
    sealVerified: result.sealVerified,
    checksum: result.checksum ?? "",
    compressedBytes: result.compressedBytes,
    tarBytes: result.tarBytes,
    gzipMembers: result.gzipMembers,
    zeroPadding: result.zeroPadding,
  };
}

/** The 201 body. */
export function storedJson(key: string | null, result: VerifyResult): StoredUploadJson {
  return { ok: true, key, ...resultToJson(result) };
}

const HINTS: Partial<Record<SnapshotErrorCode | UploadErrorCode, string>> = {
  "empty": "The upload was empty: send the .snap file's bytes as the request body.",
  "gzip-header": "This is not a .snap file (a snapshot is gzip-compressed): upload the file " +
    "that `consul snapshot save`, `vault operator raft snapshot save` or " +
    "`nomad operator snapshot save` wrote, as is.",
  "truncated": "The archive ends early: the file was cut short. Check that the save finished " +
    "and that the whole file was sent, then upload it again.",
  "trailing-data": "Bytes follow the end of the archive: the file was modified or joined with " +
    "another. Upload the file exactly as it was saved.",
  "hash-mismatch": "The archive is corrupt: its contents do not match its SHA256SUMS. Take a " +
    "new snapshot and upload that.",
  "seal-open": "The sealed sums could not be opened: the snapshot was sealed with another key, " +
    "or not sealed at all.",
  "limit-exceeded": "The archive goes past a safety limit (too many entries, an oversized " +
    "header, or more inflated bytes than the server reads): the error names the limit.",
  "inflate-limit": "The archive inflates to more than this server verifies per upload: it may " +
    "be a valid snapshot (a mostly empty state compresses very well), but verifying it costs " +
    "more than the server allows. Verify it locally with `raftsnap verify`, or ask for a " +
    "higher bound.",
  "bad-length": "Send Content-Length as a decimal byte count, or leave it out.",
  "length-mismatch": "The body's length differs from Content-Length: send the file as is.",
  "digest-invalid": "Send the digest as Content-Digest: sha-256=:BASE64: or " +
    "Digest: sha-256=BASE64 (the `raftsnap checksum` format).",
  "digest-mismatch": "The bytes received are not the bytes the client hashed: the upload was " +
    "altered on the way, or the header belongs to another file. Upload it again.",
  "unauthorized": "Send the credentials this endpoint expects.",
  "forbidden": "These credentials may not upload here.",
  "method-not-allowed": "Upload with POST or PUT.",
  "timeout": "The upload took too long: send it faster, or ask for a longer timeout.",
  "length-required": "This endpoint needs Content-Length: send the file with its length " +
    "(not chunked).",
  "too-large": "The upload is larger than this endpoint accepts.",
  "unsupported-media-type": "Send the .snap as is, with Content-Type application/gzip, " +
    "application/x-gzip or application/octet-stream (or none), and no Content-Encoding.",
  "upload-aborted": "The upload did not finish: send it again.",
  "store-error": "The snapshot could not be stored: try again later.",
  "aborted": "The server is shutting down: try again later.",
  "busy": "The server is verifying as many uploads as it takes at once: send the upload " +
    "again after the Retry-After seconds.",
};

function hintFor(code: SnapshotErrorCode | UploadErrorCode, layer: string | null): string {
  return HINTS[code] ??
    (layer === null
      ? "This is a server-side fault, not a problem with the upload: report it."
      : "The archive fails verification: it is corrupt or was not written by a raft " +
        "snapshot writer. Take a new snapshot and upload that.");
}

/** The refusal body for an error. */
export function failedJson(error: SnapshotError | UploadError): FailedUploadJson {
  const snapshot = error instanceof SnapshotError ? error : undefined;
  const layer = snapshot?.layer ?? null;
  return {
    ok: false,
    error: {
      code: error.code,
      layer,
      entry: snapshot?.entry ?? null,
      offset: snapshot?.offset ?? null,
      expected: error.expected ?? null,
      found: error.found ?? null,
      message: error.message.replace(/^Cannot verify the snapshot: /, ""),
      hint: hintFor(error.code, layer),
    },
  };
}

/** A JSON response that no cache keeps. */
export function jsonResponse(
  status: number,
  body: StoredUploadJson | FailedUploadJson,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      ...headers,
    },
  });
}

/**
 * The JSON refusal {@linkcode createVerifyHandler} sends for an error, with its status
 * (400 for a `SnapshotError`, {@linkcode UploadError.status} otherwise). A custom
 * `authorize` hook can use it to refuse in the same shape.
 *
 * @example A 401 with a challenge
 * ```ts
 * import { UploadError, uploadErrorResponse } from "@raftsnap/raftsnap";
 *
 * const response = uploadErrorResponse(new UploadError("unauthorized", "no API key"), {
 *   "www-authenticate": 'ApiKey realm="backups"',
 * });
 * const body = await response.json();
 * if (response.status !== 401 || body.error.code !== "unauthorized") throw new Error("wrong");
 * ```
 *
 * @param error Why the upload is refused.
 * @param headers More response headers.
 * @returns The response: `{ "ok": false, "error": {...} }`.
 */
export function uploadErrorResponse(
  error: SnapshotError | UploadError,
  headers: Record<string, string> = {},
): Response {
  return jsonResponse(
    error instanceof UploadError ? error.status : 400,
    failedJson(error),
    headers,
  );
}
