// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/**
 * A {@linkcode SnapshotError} in an operator's words: which check failed, where, what was
 * expected and found, and what to do. It works from the error's code, layer, entry,
 * offset, expected and found; the message itself is shown as the technical detail.
 */

import type { SnapshotError, SnapshotErrorCode, SnapshotErrorLayer } from "../mod.ts";
import { formatCount } from "./format.ts";

/** What the page shows for a failed verification. */
export interface Explanation {
  /** One line: what is wrong. */
  title: string;
  /** The check that failed, in words. */
  check: string;
  /** Where in the file, when known. */
  where?: string;
  /** What a good archive has there, when known. */
  expected?: string;
  /** What this archive has instead, when known. */
  found?: string;
  /** What to do next. */
  advice: string;
}

// Partial: a layer or code added to the library later gets the generic wording.
const CHECKS: Partial<Record<SnapshotErrorLayer, string>> = {
  gzip: "Decompression (the gzip layer)",
  tar: "Archive structure (the tar layer)",
  entry: "The files in the archive",
  meta: "Snapshot metadata (meta.json)",
  sums: "Checksums (SHA256SUMS)",
  seal: "Sealed checksums (SHA256SUMS.sealed)",
  write: "Writing",
  spool: "Buffering the state",
  state: "Decoding state.bin",
};

const RESAVE = "Take a new snapshot (consul snapshot save, vault operator raft snapshot save, " +
  "nomad operator snapshot save) and check that one.";

const TEXTS: Partial<Record<SnapshotErrorCode, (e: SnapshotError) => [string, string]>> = {
  "empty": () => ["The file is empty", `It holds no bytes: the save wrote nothing. ${RESAVE}`],
  "gzip-header": (e) => [
    "This is not a snapshot archive",
    // The library says "looks like an uncompressed tar" only in the message.
    /uncompressed tar/.test(e.message)
      ? "It is an uncompressed tar: someone decompressed the .snap. Use the file exactly as " +
        "the save wrote it."
      : "A .snap file is gzip-compressed and this file is not. Check that you picked the " +
        "file the save wrote.",
  ],
  "gzip-data": () => [
    "The compressed data is damaged",
    "The gzip stream is corrupt, or other bytes follow it: the file was damaged in storage " +
    `or in transfer, or changed after the save. Copy it again from its source, or ${RESAVE}`,
  ],
  "gzip-checksum": () => [
    "The compressed data fails its CRC-32 check",
    `The decompressed bytes are not the bytes that were compressed: the file is damaged. ${RESAVE}`,
  ],
  "truncated": () => [
    "The file ends too early",
    "It was cut short: the save, the upload or the copy did not finish. Copy the whole file " +
    "again, or take a new snapshot.",
  ],
  "trailing-data": () => [
    "There is data after the end of the archive",
    "Something was appended to the snapshot, or two files were joined. Use the file exactly " +
    "as it was saved.",
  ],
  "tar-header": () => [
    "An archive header is damaged",
    `A tar header inside the snapshot is malformed: the file is corrupt. ${RESAVE}`,
  ],
  "tar-unsupported": () => [
    "The archive holds an entry no snapshot writer makes",
    "It was not written by Consul, Vault or Nomad, or was rebuilt by another tool.",
  ],
  "entry-too-large": (e) => [
    `${e.entry ?? "A small file"} is too large`,
    "Consul, Vault and Nomad refuse a meta.json or SHA256SUMS of 8192 bytes or more, so " +
    "they would refuse this snapshot.",
  ],
  "unexpected-entry": (e) => [
    `The archive holds an unexpected file${e.entry ? `: ${e.entry}` : ""}`,
    "A snapshot holds only meta.json, state.bin, SHA256SUMS and SHA256SUMS.sealed. Consul, " +
    "Vault and Nomad refuse any other file: the archive was modified or rebuilt.",
  ],
  "meta-invalid": () => [
    "meta.json is not valid snapshot metadata",
    `The snapshot's metadata cannot be read, so it cannot be restored. ${RESAVE}`,
  ],
  "sums-invalid": () => [
    "SHA256SUMS is malformed",
    `A line of the checksum list is not "<sha256>  <file name>": the archive is corrupt. ${RESAVE}`,
  ],
  "sums-unknown-file": (e) => [
    `SHA256SUMS lists a file the archive does not have${e.entry ? ` (${e.entry})` : ""}`,
    `The checksum list and the archive disagree: the archive was modified. ${RESAVE}`,
  ],
  "hash-mismatch": (e) => [
    `${e.entry ?? "A file"} does not match its checksum`,
    `Its SHA-256 differs from the one the snapshot recorded: the data is corrupt or was ` +
    `changed after the save. Do not restore it. ${RESAVE}`,
  ],
  "file-missing": (e) => [
    `${e.entry ?? "A file"} has no checksum`,
    `SHA256SUMS does not list it, so its contents cannot be trusted. ${RESAVE}`,
  ],
  "seal-open": () => [
    "The sealed checksums could not be opened",
    "SHA256SUMS.sealed did not open with this key: the key is wrong, or the sealed list was " +
    "tampered with. Check the key (64 hex digits), or verify without a key to check the " +
    "plain checksums only.",
  ],
  "limit-exceeded": () => [
    "The archive goes past a safety limit",
    "It inflates to more bytes than the page reads, or holds oversized or too many " +
    "entries: the limits are set far past anything Consul, Vault or Nomad write. The " +
    "command line can raise them (raftsnap verify --limit NAME=VALUE).",
  ],
  "size-mismatch": () => ["The state is not the declared size", RESAVE],
  "spool-full": () => ["The state is too large to hold", "Use the command line instead."],
  "record-invalid": () => [
    "A record of state.bin cannot be decoded",
    "The archive verified, but its state is not what Consul, Nomad or Vault write.",
  ],
};

/**
 * Explains a failed verification.
 *
 * @param error The library's error.
 * @returns The title, the check, where, expected, found and advice.
 */
export function explain(error: SnapshotError): Explanation {
  const [title, advice] =
    (TEXTS[error.code] ?? (() => [`The snapshot is bad (${error.code})`, RESAVE]))(
      error,
    );
  const place = error.offset === undefined
    ? undefined
    : error.layer === "gzip"
    ? `byte ${formatCount(error.offset)} of the file`
    : `byte ${formatCount(error.offset)} of the decompressed archive`;
  const where = [error.entry ? `in ${error.entry}` : undefined, place ? `at ${place}` : undefined]
    .filter(Boolean).join(", ");
  return {
    title,
    check: CHECKS[error.layer] ?? `The ${error.layer} layer`,
    where: where || undefined,
    expected: error.expected,
    found: error.found,
    advice,
  };
}
