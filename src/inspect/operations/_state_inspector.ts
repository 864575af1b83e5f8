// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { SnapshotError } from "../../errors.ts";
import { decodeMsgpack } from "../decoders/_msgpack.ts";
import { readMapString } from "../decoders/_msgpack_field.ts";
import { ProtoError } from "../decoders/_protobuf.ts";
import type { FramedRecord } from "../decoders/_state_framer.ts";
import { StateRecords } from "../decoders/_state_records.ts";
import { readStorageEntry } from "../decoders/_storage_entry.ts";
import { recordTypeName } from "../products/_type_names.ts";
import type { InspectResult, KeyPrefixStats, Product, RecordTypeStats } from "../inspect_result.ts";

/** What {@linkcode StateInspector} counts by. */
export interface StateInspectorOptions {
  /** Decode as this product instead of detecting it. */
  product?: Product;
  /** Key parts that name a prefix row; 0 for the whole key (Vault) or one row "" (Consul). */
  depth: number;
  /** Count only keys starting with this. */
  filter: string;
  /** The most prefix rows kept; keys under further prefixes count only in the totals. */
  maxPrefixes: number;
}

/** The part of an {@linkcode InspectResult} that the state alone decides. */
export type StateStats = Pick<
  InspectResult,
  | "product"
  | "productReason"
  | "records"
  | "totalBytes"
  | "stateBytes"
  | "lastIndex"
  | "types"
  | "keys"
  | "maxType"
  | "unknownTypes"
>;

/** Consul's KVS record type. */
const CONSUL_KVS = 2;
/** Bytes of a record kept to find its key: keys come first in both products' encodings. */
const KEY_CAPTURE = 1 << 20;

/**
 * Counts a `state.bin` as it streams past, the way the products' inspect commands do:
 * records per type, per-prefix key statistics, unknown types. Push chunks, then `end()`.
 */
export class StateInspector {
  #options: StateInspectorOptions;
  #records: StateRecords;
  #stats: StateStats;
  #types = new Map<number | undefined, RecordTypeStats>();
  #prefixes = new Map<string, KeyPrefixStats>();

  /** @param options The product override, depth and filter. */
  constructor(options: StateInspectorOptions) {
    this.#options = options;
    this.#stats = {
      product: "unknown",
      productReason: "",
      records: 0,
      totalBytes: 0,
      stateBytes: 0,
      lastIndex: undefined,
      types: [],
      keys: undefined,
      maxType: undefined,
      unknownTypes: [],
    };
    this.#records = new StateRecords({
      product: options.product,
      capture: (product) => (type) =>
        product === "vault" || (product === "consul" && type === CONSUL_KVS) ? KEY_CAPTURE : 0,
      start: (product, reason) => {
        this.#stats.product = product;
        this.#stats.productReason = reason;
        if (product === "consul" || product === "vault") {
          const { depth, filter } = options;
          this.#stats.keys = { depth, filter, prefixes: [], count: 0, bytes: 0 };
        }
      },
      record: (product, record) =>
        product === "vault" ? this.#vaultRecord(record) : this.#msgpackRecord(product, record),
    });
  }

  /** Consumes the next chunk of `state.bin`. @throws {SnapshotError} for a bad record. */
  push(chunk: Uint8Array): void {
    this.#stats.stateBytes += chunk.length;
    this.#records.push(chunk);
  }

  /** Ends the state. @throws {SnapshotError} when it ends inside a record. */
  end(): StateStats {
    this.#records.end();
    const stats = this.#stats;
    if (stats.product === "consul") stats.lastIndex = lastIndexOf(this.#records.header);
    stats.types = [...this.#types.values()].sort(byBytesThenName);
    stats.unknownTypes = stats.types.filter((t) => !t.known).map((t) => t.type!).sort((a, b) =>
      a - b
    );
    if (stats.keys) stats.keys.prefixes = [...this.#prefixes.values()].sort(byBytesThenName);
    return stats;
  }

  #msgpackRecord(product: "consul" | "nomad", record: FramedRecord): void {
    const type = record.type!;
    const stats = this.#stats;
    stats.records++;
    // Up to the end of the last record: a state of a header alone counts 0, as in Go.
    stats.totalBytes += record.size;
    if (stats.maxType === undefined || type > stats.maxType) stats.maxType = type;
    let row = this.#types.get(type);
    if (!row) {
      const { name, known } = recordTypeName(product, type);
      row = { type, name, known, count: 0, bytes: 0 };
      this.#types.set(type, row);
    }
    row.count++;
    row.bytes += record.size;
    if (product === "consul" && type === CONSUL_KVS) {
      const key = readMapString(record.bytes!, "Key");
      if (key === undefined) {
        throw new SnapshotError(
          "record-invalid",
          `record ${record.number} (type 2, KVS) at offset ${record.offset} has no string Key` +
            (record.complete ? "" : ` in its first ${KEY_CAPTURE} bytes`),
          {
            layer: "state",
            entry: "state.bin",
            offset: record.offset,
            expected: "a DirEntry map with a Key",
            found: "no Key",
            record: { number: record.number, type, name: row.name },
          },
        );
      }
      this.#countKey(key, record.size);
    }
  }

  #vaultRecord(record: FramedRecord): void {
    const stats = this.#stats;
    stats.records++;
    stats.totalBytes += record.size;
    let key: string;
    try {
      key = readStorageEntry(record.bytes!, record.complete).key;
    } catch (error) {
      if (!(error instanceof ProtoError)) throw error;
      const at = record.offset;
      throw new SnapshotError(
        "record-invalid",
        `entry ${record.number} at offset ${at} is not a protobuf StorageEntry: ${error.message} ` +
          `at byte ${error.offset} of its message`,
        {
          layer: "state",
          entry: "state.bin",
          offset: at,
          expected: "a StorageEntry {key, value, seal_wrap}",
          found: error.message,
          record: { number: record.number },
        },
      );
    }
    if (key !== "") this.#countKey(key, record.size);
  }

  #countKey(key: string, size: number): void {
    const { depth, filter } = this.#options;
    if (!key.startsWith(filter)) return;
    // Vault's depth 0 means whole keys; Consul slices split[0:0], one row named "".
    const name = depth > 0 || this.#stats.product === "consul" ? keyPrefix(key, depth) : key;
    const keys = this.#stats.keys!;
    keys.count++;
    keys.bytes += size;
    let row = this.#prefixes.get(name);
    if (!row) {
      if (this.#prefixes.size >= this.#options.maxPrefixes) {
        // A hostile state could name millions of prefixes: memory stays bounded.
        keys.omitted ??= { count: 0, bytes: 0 };
        keys.omitted.count++;
        keys.omitted.bytes += size;
        return;
      }
      row = { name, count: 0, bytes: 0 };
      this.#prefixes.set(name, row);
    }
    row.count++;
    row.bytes += size;
  }
}

/** The first `depth` `/`-separated parts of `key` (Go's `strings.Join(split[:depth], "/")`). */
function keyPrefix(key: string, depth: number): string {
  if (depth === 0) return "";
  let end = -1;
  for (let part = 0; part < depth; part++) {
    end = key.indexOf("/", end + 1);
    if (end < 0) return key;
  }
  return key.slice(0, end);
}

function byBytesThenName(a: { bytes: number; name: string }, b: { bytes: number; name: string }) {
  return b.bytes - a.bytes || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** `LastIndex` from the first bytes of Consul's header `{"LastIndex": n}`. */
function lastIndexOf(header: Uint8Array): bigint | undefined {
  try {
    const { value } = decodeMsgpack(header);
    const index = value instanceof Map ? value.get("LastIndex") : undefined;
    return typeof index === "number" || typeof index === "bigint" ? BigInt(index) : undefined;
  } catch {
    return undefined; // a header that is no map of a number names no index
  }
}
