// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import type { VerifyResult } from "../archive/read_archive.ts";
import { resultToJson, type VerifyResultJson } from "../archive/result_json.ts";
import { SnapshotError, type SnapshotErrorCode, type SnapshotErrorLayer } from "../errors.ts";
import { UploadError, type UploadErrorCode } from "./upload_error.ts";

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
  "bad-header": "Send the tus 1.0.0 headers as the protocol defines them: Upload-Length and " +
    "Upload-Offset as decimal byte counts, Upload-Metadata as comma-separated `key base64` pairs.",
  "not-found": "No such upload: it expired, was deleted, or belongs to other credentials. " +
    "Create a new one.",
  "offset-mismatch": "Upload-Offset differs from the bytes the server holds: ask with HEAD " +
    "and continue from its Upload-Offset.",
  "gone": "The upload has ended; GET it for the outcome.",
  "tus-version": "Send Tus-Resumable: 1.0.0 (this server speaks tus 1.0.0).",
  "locked": "Another PATCH on this upload is in progress: wait for it, then ask with HEAD.",
  "too-many-uploads": "These credentials have as many uploads open as the server allows: " +
    "finish or delete one, or wait for them to expire.",
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
