// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/**
 * Why {@linkcode createVerifyHandler} refused an upload for a reason other than a bad
 * archive (that is a `SnapshotError`, status 400), with the HTTP status it answers.
 *
 * | code | status | meaning |
 * |---|---|---|
 * | `bad-length` | 400 | `Content-Length` is not a decimal number |
 * | `bad-header` | 400 | (resumable uploads) a tus header (`Upload-Length`, `Upload-Offset`, `Upload-Metadata`) is malformed or unsupported |
 * | `length-mismatch` | 400 | the body is not `Content-Length` bytes long |
 * | `digest-invalid` | 400 | a `Content-Digest` or `Digest` header has a malformed `sha-256` value |
 * | `digest-mismatch` | 400 | the upload's SHA-256 is not the one the header announced |
 * | `unauthorized` | 401 | `authorize` found no credentials |
 * | `forbidden` | 403 | `authorize` refused the credentials (or returned `false`) |
 * | `not-found` | 404 | (resumable uploads) no such upload: unknown, expired, or created with other credentials |
 * | `method-not-allowed` | 405 | not `POST` or `PUT` |
 * | `timeout` | 408 | the upload took longer than the `timeout` option |
 * | `offset-mismatch` | 409 | (resumable) `Upload-Offset` is not the offset staged |
 * | `gone` | 410 | (resumable) the upload ended: refused as a bad archive, or already stored |
 * | `length-required` | 411 | no `Content-Length`, and `requireLength` is set |
 * | `tus-version` | 412 | (resumable) no `Tus-Resumable: 1.0.0` |
 * | `too-large` | 413 | more than `maxBytes`, by `Content-Length` or by count |
 * | `inflate-limit` | 413 | the archive inflates past `maxInflateRatio` or `maxInflatedBytes`: it may be valid, but costs more than the handler allows |
 * | `unsupported-media-type` | 415 | a `Content-Type` or `Content-Encoding` that is not a plain snapshot |
 * | `locked` | 423 | (resumable) another `PATCH` on the upload is in progress |
 * | `too-many-uploads` | 429 | (resumable) the credentials have `maxOpenUploads` uploads open already |
 * | `upload-aborted` | 499 | the client went away, or the request body failed, before the upload ended |
 * | `store-error` | 500 | the store failed to begin, write, close or commit |
 * | `staging-mismatch` | 500 | the staged bytes do not hash to the verified checksum (a bug) |
 * | `internal` | 500 | anything else unexpected (a bug) |
 * | `aborted` | 503 | the handler's `signal` aborted (the server is shutting down) |
 * | `busy` | 503 | `maxConcurrentUploads` uploads are in progress already (with `Retry-After`; the body is not read) |
 */
export type UploadErrorCode =
  | "bad-length"
  | "bad-header"
  | "length-mismatch"
  | "digest-invalid"
  | "digest-mismatch"
  | "unauthorized"
  | "forbidden"
  | "not-found"
  | "method-not-allowed"
  | "timeout"
  | "offset-mismatch"
  | "gone"
  | "length-required"
  | "tus-version"
  | "too-large"
  | "inflate-limit"
  | "unsupported-media-type"
  | "locked"
  | "too-many-uploads"
  | "upload-aborted"
  | "store-error"
  | "staging-mismatch"
  | "internal"
  | "aborted"
  | "busy";

/** The HTTP status of each {@linkcode UploadErrorCode}. */
export const UPLOAD_ERROR_STATUS: Readonly<Record<UploadErrorCode, number>> = {
  "bad-length": 400,
  "bad-header": 400,
  "length-mismatch": 400,
  "digest-invalid": 400,
  "digest-mismatch": 400,
  unauthorized: 401,
  forbidden: 403,
  "not-found": 404,
  "method-not-allowed": 405,
  timeout: 408,
  "offset-mismatch": 409,
  gone: 410,
  "length-required": 411,
  "tus-version": 412,
  "too-large": 413,
  "inflate-limit": 413,
  "unsupported-media-type": 415,
  locked: 423,
  "too-many-uploads": 429,
  "upload-aborted": 499,
  "store-error": 500,
  "staging-mismatch": 500,
  internal: 500,
  aborted: 503,
  busy: 503,
};

/** Where and what, for an {@linkcode UploadError}. */
export interface UploadErrorDetails {
  /** What a valid upload has here. */
  expected?: string;
  /** What this one has instead. */
  found?: string;
  /** The underlying error. */
  cause?: unknown;
}

/**
 * An upload refused for a reason other than a bad archive. It is also the reason
 * {@linkcode StagedUpload.abort} receives for such failures.
 *
 * @example Its status
 * ```ts
 * import { UploadError } from "@raftsnap/raftsnap";
 *
 * const error = new UploadError("too-large", "the upload is over 1 GiB");
 * if (error.status !== 413) throw new Error(String(error.status));
 * ```
 */
export class UploadError extends Error {
  /** The stable code. */
  readonly code: UploadErrorCode;
  /** The HTTP status the handler answers with. */
  readonly status: number;
  /** What a valid upload has here, where it can be said. */
  readonly expected: string | undefined;
  /** What this one has instead, where it can be said. */
  readonly found: string | undefined;

  /**
   * Builds the error.
   *
   * @param code The stable code; it fixes the status.
   * @param message What is wrong, for a person.
   * @param details What was expected and found, and the cause.
   */
  constructor(code: UploadErrorCode, message: string, details: UploadErrorDetails = {}) {
    super(message, { cause: details.cause });
    this.name = "UploadError";
    this.code = code;
    this.status = UPLOAD_ERROR_STATUS[code];
    this.expected = details.expected;
    this.found = details.found;
  }
}
