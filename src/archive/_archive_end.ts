// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { SnapshotError } from "../errors.ts";
import type { TarReader } from "../format/tar/reader.ts";

/**
 * The clean-end stage: after the tar's end-of-archive blocks, nothing may follow (Go's
 * `concludeGzipRead`), except zero padding where the caller allows it.
 *
 * @throws {SnapshotError} `trailing-data`.
 */
export function checkTarEnd(tar: TarReader, allowZeroPadding = false): void {
  const trailing = tar.trailing;
  if (trailing.bytes === 0 || (allowZeroPadding && trailing.allZero)) return;
  const offset = tar.position - trailing.bytes;
  const message = trailing.allZero
    ? `${trailing.bytes} bytes of zero padding follow the end of the tar archive at offset ${offset}, ` +
      "as GNU tar writes it; Go's Verify, and so Consul, Vault and Nomad, refuse such snapshots " +
      "(the allowZeroPadding option accepts it)"
    : `${trailing.bytes} bytes follow the end of the tar archive at offset ${offset}`;
  throw new SnapshotError("trailing-data", message, {
    layer: "tar",
    offset,
    expected: "end of data after the two zero blocks",
    found: `${trailing.bytes} more bytes`,
  });
}

/** A gzip failure inside an entry names that entry, as Go's wrapping does. */
export function inEntry(error: unknown, entry: string | undefined): unknown {
  if (!(error instanceof SnapshotError) || error.layer !== "gzip" || error.entry || !entry) {
    return error;
  }
  return new SnapshotError(
    error.code,
    error.message.replace(/^Cannot verify the snapshot: /, "")
      .replace(/(; raise limits\.\w+ to read it)?$/, ` (inside "${entry}")$1`),
    {
      layer: error.layer,
      entry,
      offset: error.offset,
      expected: error.expected,
      found: error.found,
      cause: error.cause,
      limit: error.limit,
    },
  );
}
