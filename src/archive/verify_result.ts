// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import type { SnapshotMeta } from "../format/meta.ts";

/** One entry of a verified archive. */
export interface ArchiveEntry {
  /** The entry's name. */
  name: string;
  /** Its data length in bytes. */
  size: number;
  /** Lowercase hex SHA-256 of its data. */
  sha256: string;
  /** Its modification time, as stored (whole seconds). */
  modTime: Date;
  /** Offset of its header in the uncompressed tar stream. */
  offset: number;
  /** The bytes of the small entries (`meta.json` and the sums files), as stored. */
  content?: Uint8Array;
}

/** What a verification found: the metadata, and what each entry hashed to. */
export interface VerifyResult {
  /** The decoded `meta.json` (Go's zero meta if the archive has none and still verifies). */
  meta: SnapshotMeta;
  /** The entries in archive order. */
  entries: ArchiveEntry[];
  /** The bytes of `state.bin` that passed. */
  stateSize: number;
  /** Lowercase hex SHA-256 of `state.bin`. */
  stateSha256: string;
  /** Whether the archive holds `SHA256SUMS.sealed`. */
  sealed: boolean;
  /** Whether a sealer opened `SHA256SUMS.sealed` and its sums matched. */
  sealVerified: boolean;
  /** Compressed bytes read. */
  compressedBytes: number;
  /** Uncompressed tar bytes, padding included. */
  tarBytes: number;
  /** gzip members in the input (Go writes one). */
  gzipMembers: number;
  /** Zero bytes accepted after the end of the tar under `allowZeroPadding`. */
  zeroPadding: number;
  /** `sha-256=` + base64 SHA-256 of the compressed archive, when `checksum` was asked for. */
  checksum?: string;
}
