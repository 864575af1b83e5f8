// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { toBase64 } from "../_bytes.ts";
import type { SnapshotMeta } from "../format/meta.ts";
import type { ArchiveEntry, VerifyResult } from "./read_archive.ts";

/**
 * The JSON forms of what a reader found, shared by every shell: the CLI's `--json`, the
 * edge handler's answers, the inspector's JSON and the page.
 */

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
