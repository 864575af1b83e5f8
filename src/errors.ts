// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import type { LimitName } from "./limits.ts";

/**
 * Every way a snapshot archive can be bad, as a stable code.
 *
 * | code | layer | meaning | Go's error |
 * |---|---|---|---|
 * | `empty` | gzip | the input holds no bytes | `failed to decompress snapshot: EOF` |
 * | `gzip-header` | gzip | the input does not start with a gzip header | `gzip: invalid header` |
 * | `gzip-data` | gzip | the deflate data is corrupt, or non-gzip bytes follow the last member | `flate: corrupt input`, `gzip: invalid header` |
 * | `gzip-checksum` | gzip | a member's CRC-32 or length trailer does not match its data | `gzip: invalid checksum` |
 * | `truncated` | gzip, tar | the input ends early | `unexpected EOF` |
 * | `trailing-data` | tar | bytes follow the end of the tar archive | `N unread uncompressed bytes remain` |
 * | `tar-header` | tar | a tar header is malformed (checksum, number field, PAX record) | `archive/tar: invalid header` |
 * | `tar-unsupported` | tar | a sparse file, which no snapshot writer produces | (Go expands it) |
 * | `entry-too-large` | entry | `meta.json` or a sums file is 8192 bytes or more | `read max specified bytes (8192) without EOF` |
 * | `unexpected-entry` | entry | an entry other than the four known names | `unexpected file "NAME" in snapshot` |
 * | `meta-invalid` | meta | `meta.json` is not the JSON of a raft `SnapshotMeta` | `failed to decode snapshot metadata: ...` |
 * | `sums-invalid` | sums | a sums line is not `HEX  NAME` | `fmt.Sscanf` errors |
 * | `sums-unknown-file` | sums | a sums line names a file other than `meta.json` or `state.bin` | `list missing hash for "NAME"` |
 * | `hash-mismatch` | sums | a file's SHA-256 differs from its sums line | `hash check failed for "NAME"` |
 * | `file-missing` | sums | `meta.json` or `state.bin` has no sums line | `file missing for "NAME"` |
 * | `seal-open` | seal | the sealer could not open `SHA256SUMS.sealed` | `failed to open the sealed hashes: ...` |
 * | `sealer-required` | seal | a sealed archive is to be rewritten (redacted) and no sealer was given to seal the new sums | (Go's `Write` seals only with a `Sealer`) |
 * | `limit-exceeded` | gzip, tar, entry, state | the archive goes past a `ReadLimits` bound named by `limit` (more than `maxTarBytes` inflated, too many entries, an oversized PAX header), or a decoder's bound | (Go has no such bound) |
 * | `size-mismatch` | write | the state given to a writer is not `meta.size` bytes long | (Go copies `Size` bytes) |
 * | `spool-full` | spool | the state does not fit the spool's byte cap | (Go spools to a file) |
 * | `record-invalid` | state | a record of `state.bin` cannot be decoded (bad msgpack or protobuf, an impossible length) | `failed to decode ...` in the product's inspect |
 *
 * A `state.bin` that ends inside a record is `truncated` with layer `state`.
 */
export type SnapshotErrorCode =
  | "empty"
  | "gzip-header"
  | "gzip-data"
  | "gzip-checksum"
  | "truncated"
  | "trailing-data"
  | "tar-header"
  | "tar-unsupported"
  | "entry-too-large"
  | "unexpected-entry"
  | "meta-invalid"
  | "sums-invalid"
  | "sums-unknown-file"
  | "hash-mismatch"
  | "file-missing"
  | "seal-open"
  | "sealer-required"
  | "limit-exceeded"
  | "size-mismatch"
  | "spool-full"
  | "record-invalid";

/** The layer of the archive where a {@linkcode SnapshotError} was found. */
export type SnapshotErrorLayer =
  | "gzip"
  | "tar"
  | "entry"
  | "meta"
  | "sums"
  | "seal"
  | "write"
  | "spool"
  | "state";

/** Where and what: the details a {@linkcode SnapshotError} carries besides its message. */
export interface SnapshotErrorDetails {
  /** The layer that failed. */
  layer: SnapshotErrorLayer;
  /** The archive entry involved, such as `state.bin`. */
  entry?: string;
  /**
   * The byte offset where the problem was found: in the compressed input for the
   * `gzip` layer, in `state.bin` for the `state` layer, in the uncompressed tar stream
   * for every other layer.
   */
  offset?: number;
  /** What a valid archive has here. */
  expected?: string;
  /** What this archive has instead. */
  found?: string;
  /** The underlying error, such as a platform `TypeError` from `DecompressionStream`. */
  cause?: unknown;
  /** For the `state` layer: the record (counted from 1) that failed, and its type. */
  record?: RecordPosition;
  /** For `limit-exceeded` (and `entry-too-large`): the {@linkcode ReadLimits} field reached. */
  limit?: LimitName;
}

/** Which record of `state.bin` a {@linkcode SnapshotError} of the `state` layer is about. */
export interface RecordPosition {
  /** The record's number, counted from 1 in stream order. */
  number: number;
  /** Its type byte, where the framing has one (Consul, Nomad). */
  type?: number;
  /** The product's name for the type, such as `KVS` or `Unknown(200)`. */
  name?: string;
}

/**
 * The one error class for a bad snapshot archive. Branch on {@linkcode SnapshotError.code},
 * never on the message text.
 *
 * @example Branching on the code
 * ```ts
 * import { SnapshotError, verifySnapshot } from "@raftsnap/raftsnap";
 *
 * try {
 *   await verifySnapshot(new Blob([new TextEncoder().encode("not a snapshot at all")]));
 *   throw new Error("unreachable");
 * } catch (error) {
 *   if (!(error instanceof SnapshotError) || error.code !== "gzip-header") throw error;
 * }
 * ```
 */
export class SnapshotError extends Error {
  /** The stable code of the check that failed. */
  readonly code: SnapshotErrorCode;
  /** The layer of the archive that failed. */
  readonly layer: SnapshotErrorLayer;
  /** The entry involved, where known. */
  readonly entry: string | undefined;
  /** The byte offset, where known (see {@linkcode SnapshotErrorDetails.offset}). */
  readonly offset: number | undefined;
  /** What a valid archive has here, where it can be said. */
  readonly expected: string | undefined;
  /** What this archive has instead, where it can be said. */
  readonly found: string | undefined;
  /** For the `state` layer, the record that failed. */
  readonly record: RecordPosition | undefined;
  /**
   * The {@linkcode ReadLimits} field the archive went past, for `limit-exceeded` (and
   * `entry-too-large` under a `maxSmallEntryBytes` other than Go's 8191): raise it to
   * read the archive.
   */
  readonly limit: LimitName | undefined;

  /**
   * Builds the error; the message is prefixed with `Cannot write the snapshot: ` for the
   * `write` layer and `Cannot verify the snapshot: ` for every other.
   *
   * @param code The stable code.
   * @param message What is wrong, with the offending value.
   * @param details The layer, entry, offset, expectation and cause.
   */
  constructor(code: SnapshotErrorCode, message: string, details: SnapshotErrorDetails) {
    const verb = details.layer === "write" ? "write" : "verify";
    super(`Cannot ${verb} the snapshot: ${message}`, { cause: details.cause });
    this.name = "SnapshotError";
    this.code = code;
    this.layer = details.layer;
    this.entry = details.entry;
    this.offset = details.offset;
    this.expected = details.expected;
    this.found = details.found;
    this.record = details.record;
    this.limit = details.limit;
  }
}
