// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { SnapshotError } from "../../errors.ts";
import { decodeMsgpack, MsgpackError } from "./_msgpack.ts";
import { ProtoError } from "./_protobuf.ts";
import type { FramedRecord } from "./_state_framer.ts";
import { readStorageEntry } from "./_storage_entry.ts";

/** Consul's KVS record type. */
export const CONSUL_KVS = 2;

/** One key of a Consul KV store or a Vault storage backend, as a record holds it. */
export interface KvEntry {
  /** The key (Consul) or storage path (Vault). */
  key: string;
  /** The value's bytes: a view of the record, valid while it is. */
  value: Uint8Array;
  /** Consul's `Flags` (0 for Vault). */
  flags: number | bigint;
  /** Consul Enterprise's namespace, when the record names one. */
  namespace?: string;
  /** Consul Enterprise's admin partition, when the record names one. */
  partition?: string;
}

const utf8 = new TextDecoder();

/**
 * The key and value of a Consul KVS record or a Vault storage entry, whole.
 *
 * @throws {SnapshotError} (`record-invalid`, or `limit-exceeded` for a record larger than
 * was captured) when the record is not a key with a value.
 */
export function kvEntry(product: "consul" | "vault", record: FramedRecord, limit: number): KvEntry {
  const what = product === "vault" ? "a protobuf StorageEntry" : "a DirEntry map with a Key";
  const fail = (code: "record-invalid" | "limit-exceeded", reason: string) =>
    new SnapshotError(
      code,
      `record ${record.number} (${
        product === "vault" ? "StorageEntry" : "type 2, KVS"
      }) at offset ${record.offset} ${reason}`,
      {
        layer: "state",
        entry: "state.bin",
        offset: record.offset,
        expected: code === "limit-exceeded" ? `at most ${limit} bytes` : what,
        found: reason,
        record: {
          number: record.number,
          type: record.type,
          name: product === "vault" ? "StorageEntry" : "KVS",
        },
      },
    );
  if (!record.complete || record.bytes === undefined) {
    throw fail("limit-exceeded", `is larger than maxRecordBytes (${limit})`);
  }
  const bytes = record.bytes;
  if (product === "vault") {
    try {
      const entry = readStorageEntry(bytes, true);
      return { key: entry.key, value: entry.value ?? new Uint8Array(), flags: 0 };
    } catch (error) {
      if (!(error instanceof ProtoError)) throw error;
      throw fail("record-invalid", `is not ${what}: ${error.message}`);
    }
  }
  let map: unknown;
  try {
    map = decodeMsgpack(bytes, 0).value;
  } catch (error) {
    if (!(error instanceof MsgpackError)) throw error;
    throw fail("record-invalid", `is not ${what}: ${error.reason}`);
  }
  if (!(map instanceof Map)) throw fail("record-invalid", `is not ${what}`);
  const key = text(map.get("Key"));
  if (key === undefined) throw fail("record-invalid", "has no string Key");
  const value = map.get("Value");
  const flags = map.get("Flags");
  const entry: KvEntry = {
    key,
    value: value instanceof Uint8Array ? value : new Uint8Array(),
    flags: typeof flags === "number" || typeof flags === "bigint" ? flags : 0,
  };
  const namespace = text(map.get("Namespace"));
  const partition = text(map.get("Partition"));
  if (namespace) entry.namespace = namespace;
  if (partition) entry.partition = partition;
  return entry;
}

function text(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return utf8.decode(value);
  return undefined;
}

/**
 * Orders keys as the products store them: by their UTF-8 bytes (memdb's radix tree,
 * BoltDB's B+tree), which is code point order, not JavaScript's UTF-16 unit order.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (a code point above U+FFFF) sorts after every other unit.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}
