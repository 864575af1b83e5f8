// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { type ArchiveInput, toByteStream } from "../../archive/_input.ts";
import type { VerifyResult } from "../../archive/read_archive.ts";
import { type ParseOptions, parseSnapshot } from "../../archive/parse.ts";
import { bytesEqual } from "../../_bytes.ts";
import { SnapshotError } from "../../errors.ts";
import type { SnapshotMeta } from "../../format/meta.ts";
import { compareKeys, CONSUL_KVS, kvEntry } from "../decoders/_kv_entry.ts";
import { archiveFirst, RecordPuller } from "../decoders/_record_pull.ts";
import { recordTypeName } from "../products/_type_names.ts";
import type { Product } from "../inspect_result.ts";

/** Options of {@linkcode diffSnapshots}. */
export interface DiffOptions extends ParseOptions {
  /** Decode both states as this product's instead of detecting it. */
  product?: Product;
  /**
   * How many `/`-separated parts of a key name a prefix row (inspect's `depth`).
   *
   * @default {2}
   */
  depth?: number;
  /**
   * Compare only keys that start with this (inspect's `filter`).
   *
   * @default {""}
   */
  filter?: string;
  /**
   * The most changed keys listed by name; the rest are counted only.
   *
   * @default {1000}
   */
  maxKeys?: number;
  /**
   * The most prefix rows kept; changes under further prefixes count in the totals only.
   *
   * @default {10000}
   */
  maxKeyPrefixes?: number;
  /**
   * The largest KV record compared (its key and value are held while the other state
   * catches up); a larger one fails with `limit-exceeded`.
   *
   * @default {67108864}
   */
  maxRecordBytes?: number;
  /**
   * Called for each key added, removed or changed as the merge finds it: every one, in
   * key order, whatever `maxKeys`, with where its records are in each state (to read
   * them again from a copy of the state, see `states`).
   */
  onKey?: (change: KeyChangeFound) => void;
  /**
   * Streams each state's bytes pass through on their way to the comparison, as they are
   * read: to keep a copy of a state, say, and read records from it later at the offsets
   * `onKey` gives. Their output must be the bytes they were given.
   */
  states?: {
    old?: TransformStream<Uint8Array, Uint8Array>;
    new?: TransformStream<Uint8Array, Uint8Array>;
  };
}

/** Where a record is in its `state.bin`. */
export interface RecordSpan {
  /** The record's number, counted from 1 in its state. */
  number: number;
  /** The record's type byte (Consul); `undefined` for a Vault entry. */
  type: number | undefined;
  /** Offset of its first byte (its type byte or length prefix). */
  offset: number;
  /** Offset of the byte after its last. */
  end: number;
  /** Its size, as inspect counts it. */
  size: number;
}

/** One key that differs, as {@linkcode DiffOptions.onKey} hears of it. */
export interface KeyChangeFound extends KeyChange {
  /** The prefix row it counts in, or `undefined` past `maxKeyPrefixes`. */
  prefix: string | undefined;
  /** Its record in OLD (removed and changed keys). */
  old?: RecordSpan;
  /** Its record in NEW (added and changed keys). */
  new?: RecordSpan;
}

/** One metadata field that differs. */
export interface MetaChange {
  /** `ID`, `Index`, `Term`, `Version`, `Size`, `ConfigurationIndex` or `Servers`. */
  field: string;
  /** OLD's value, as text. */
  old: string;
  /** NEW's value, as text. */
  new: string;
}

/** One record type's count and bytes in both states. */
export interface TypeChange {
  /** The type byte (Consul, Nomad); `undefined` for Vault entries. */
  type: number | undefined;
  /** The product's name for it. */
  name: string;
  /** Records of the type in OLD. */
  oldCount: number;
  /** Their bytes in OLD, as inspect counts them. */
  oldBytes: number;
  /** Records of the type in NEW. */
  newCount: number;
  /** Their bytes in NEW. */
  newBytes: number;
}

/** Keys added, removed and changed under one prefix. */
export interface PrefixChange {
  /** The prefix: the first `depth` parts of the keys. */
  name: string;
  /** Keys only in NEW. */
  added: number;
  /** Keys only in OLD. */
  removed: number;
  /** Keys in both whose values differ. */
  changed: number;
}

/** One key that differs. */
export interface KeyChange {
  /** The key or storage path. */
  key: string;
  /** What happened to it between OLD and NEW. */
  change: "added" | "removed" | "changed";
}

/** How the keys (Consul KV, Vault storage paths) of two states differ. */
export interface KeysDiff {
  /** The prefix depth of the rows. */
  depth: number;
  /** The filter applied to the keys. */
  filter: string;
  /** Keys only in NEW. */
  added: number;
  /** Keys only in OLD. */
  removed: number;
  /** Keys in both whose value bytes differ. */
  changed: number;
  /** Keys in both with the same value. */
  unchanged: number;
  /** Rows by prefix, those with most changes first (then by name). */
  prefixes: PrefixChange[];
  /** Changes under prefixes past `maxKeyPrefixes`: in the totals only. */
  omittedPrefixes: number;
  /** The first `maxKeys` changed keys, in key order. */
  list: KeyChange[];
  /** Changed keys not listed (past `maxKeys`). */
  omittedKeys: number;
}

/** One side of a diff. */
export interface DiffSide {
  /** Its metadata. */
  meta: SnapshotMeta;
  /** What verification found. */
  verify: VerifyResult;
  /** The product whose state it is. */
  product: Product | "unknown";
  /** Records in its state. */
  records: number;
}

/** What {@linkcode diffSnapshots} found. */
export interface SnapshotDiff {
  /** The older snapshot (the first argument). */
  old: DiffSide;
  /** The newer snapshot. */
  new: DiffSide;
  /** Whether both states are byte-identical (the same records, in the same order). */
  same: boolean;
  /** Metadata fields that differ. */
  meta: MetaChange[];
  /** Every record type of either state, OLD's order of bytes first. */
  types: TypeChange[];
  /** Key changes, when both states are Consul's or both Vault's. */
  keys: KeysDiff | undefined;
  /** One line that sums it up. */
  verdict: string;
}

interface KeyItem {
  key: string;
  value: Uint8Array;
  span: RecordSpan;
}

interface Tallies {
  types: Map<number | undefined, TypeChange>;
  records: number;
}

/**
 * Compares two snapshots: both are verified in full, their metadata compared, their
 * records counted by type, and their keys (Consul KV, Vault storage paths) merged in key
 * order to find those added, removed and changed (a changed key's value bytes differ;
 * values are never part of the result).
 *
 * Consul persists its KV store in key order (memdb's radix tree) and Vault its storage in
 * key order (BoltDB's B+tree), so the two states are walked side by side and memory holds
 * one record of each at a time, whatever the number of keys. A state whose keys are out
 * of order was not written by either product and fails with `record-invalid`.
 *
 * @example Comparing two Vault states
 * ```ts
 * import { diffSnapshots, writeSnapshot } from "@raftsnap/raftsnap";
 *
 * // Vault entries: [uvarint length][protobuf {1: key, 2: value}]
 * const entry = (key: string, value: string) => {
 *   const k = new TextEncoder().encode(key);
 *   const v = new TextEncoder().encode(value);
 *   return [2 + k.length + 2 + v.length, 0x0a, k.length, ...k, 0x12, v.length, ...v];
 * };
 * const snap = (...entries: number[][]) => {
 *   const state = new Uint8Array(entries.flat());
 *   return writeSnapshot({ id: "bolt-snapshot", index: 9, term: 2, size: state.length }, state);
 * };
 * const diff = await diffSnapshots(
 *   snap(entry("core/a", "1"), entry("core/b", "2")),
 *   snap(entry("core/b", "3"), entry("core/c", "4")),
 * );
 * if (diff.same || diff.keys?.added !== 1 || diff.keys.removed !== 1) throw new Error("unexpected");
 * if (diff.keys.changed !== 1 || diff.keys.list[1]?.key !== "core/b") throw new Error("unexpected");
 * ```
 *
 * @example Each change as it is found, with where its records are
 * ```ts
 * import { diffSnapshots, type KeyChangeFound, writeSnapshot } from "@raftsnap/raftsnap";
 *
 * const entry = (key: string, value: string) => {
 *   const k = new TextEncoder().encode(key);
 *   const v = new TextEncoder().encode(value);
 *   return [2 + k.length + 2 + v.length, 0x0a, k.length, ...k, 0x12, v.length, ...v];
 * };
 * const snap = (...entries: number[][]) => {
 *   const state = new Uint8Array(entries.flat());
 *   return writeSnapshot({ id: "bolt-snapshot", index: 9, term: 2, size: state.length }, state);
 * };
 * const found: KeyChangeFound[] = [];
 * await diffSnapshots(
 *   snap(entry("core/a", "1"), entry("core/b", "2")),
 *   snap(entry("core/b", "3")),
 *   { maxKeys: 0, onKey: (change) => found.push(change) },
 * );
 * // core/a removed (its record at offset 0 of OLD's state), core/b changed.
 * if (found.length !== 2 || found[0]!.old?.offset !== 0 || found[0]!.new) throw new Error("unexpected");
 * if (found[1]!.change !== "changed" || found[1]!.new?.offset !== 0) throw new Error("unexpected");
 * ```
 *
 * @param older The first snapshot (OLD).
 * @param newer The second snapshot (NEW).
 * @param options Key depth, filter and bounds, and what {@linkcode verifySnapshot} takes.
 * @returns What differs.
 * @throws {SnapshotError} when either archive is bad or a record cannot be read.
 */
export async function diffSnapshots(
  older: ArchiveInput,
  newer: ArchiveInput,
  options: DiffOptions = {},
): Promise<SnapshotDiff> {
  const depth = options.depth ?? 2;
  if (!Number.isSafeInteger(depth) || depth < 0) {
    throw new RangeError(`depth must be a whole number of at least 0, not ${depth}`);
  }
  const filter = options.filter ?? "";
  const maxKeys = options.maxKeys ?? 1000;
  const maxPrefixes = options.maxKeyPrefixes ?? 10_000;
  const maxRecordBytes = options.maxRecordBytes ?? 64 * 1024 * 1024;
  if (!(maxRecordBytes > 0)) {
    throw new RangeError(`maxRecordBytes must be positive, not ${maxRecordBytes}`);
  }

  const open = (input: ArchiveInput, label: "OLD" | "NEW") => {
    const parsed = parseSnapshot(toByteStream(input), options);
    const tallies: Tallies = { types: new Map(), records: 0 };
    let last: string | undefined;
    const through = options.states?.[label === "OLD" ? "old" : "new"];
    const state = through ? parsed.state.pipeThrough(through) : parsed.state;
    const puller = new RecordPuller<KeyItem>(state, {
      product: options.product,
      capture: (product) => (type) =>
        product === "vault" || (product === "consul" && type === CONSUL_KVS) ? maxRecordBytes : 0,
      map(product, record) {
        tallies.records++;
        let row = tallies.types.get(record.type);
        if (!row) {
          const name = product === "vault"
            ? "StorageEntry"
            : recordTypeName(product, record.type!).name;
          row = { type: record.type, name, oldCount: 0, oldBytes: 0, newCount: 0, newBytes: 0 };
          tallies.types.set(record.type, row);
        }
        if (label === "OLD") {
          row.oldCount++;
          row.oldBytes += record.size;
        } else {
          row.newCount++;
          row.newBytes += record.size;
        }
        if (product === "nomad" || (product === "consul" && record.type !== CONSUL_KVS)) {
          return undefined;
        }
        const entry = kvEntry(product, record, maxRecordBytes);
        if (entry.key === "" && product === "vault") return undefined; // as inspect skips them
        if (last !== undefined && compareKeys(last, entry.key) >= 0) {
          throw new SnapshotError(
            "record-invalid",
            `${label}'s record ${record.number} at offset ${record.offset} has the key ` +
              `${JSON.stringify(entry.key)} after ${JSON.stringify(last)}: ` +
              `${product === "vault" ? "Vault" : "Consul"} writes its keys in order, once each`,
            {
              layer: "state",
              entry: "state.bin",
              offset: record.offset,
              expected: `a key after ${JSON.stringify(last)}`,
              found: JSON.stringify(entry.key),
              record: { number: record.number, type: record.type, name: row.name },
            },
          );
        }
        last = entry.key;
        if (!entry.key.startsWith(filter)) return undefined;
        const span: RecordSpan = {
          number: record.number,
          type: record.type,
          offset: record.offset,
          end: record.valueOffset + (record.bytes?.length ?? 0),
          size: record.size,
        };
        return { key: entry.key, value: entry.value.slice(), span };
      },
    });
    return { parsed, puller, tallies };
  };

  const a = open(older, "OLD");
  const b = open(newer, "NEW");
  const keys: KeysDiff = {
    depth,
    filter,
    added: 0,
    removed: 0,
    changed: 0,
    unchanged: 0,
    prefixes: [],
    omittedPrefixes: 0,
    list: [],
    omittedKeys: 0,
  };
  const prefixes = new Map<string, PrefixChange>();
  const onKey = options.onKey;
  const note = (change: KeyChange["change"], x?: KeyItem, y?: KeyItem) => {
    const key = (x ?? y)!.key;
    keys[change]++;
    if (keys.list.length < maxKeys) keys.list.push({ key, change });
    else keys.omittedKeys++;
    const name = keyPrefix(key, depth);
    let row = prefixes.get(name);
    if (!row && prefixes.size < maxPrefixes) {
      row = { name, added: 0, removed: 0, changed: 0 };
      prefixes.set(name, row);
    }
    if (row) row[change]++;
    else keys.omittedPrefixes++;
    onKey?.({ key, change, prefix: row?.name, old: x?.span, new: y?.span });
  };

  let current: "a" | "b" = "a";
  try {
    let x = await a.puller.next();
    current = "b";
    let y = await b.puller.next();
    while (x !== undefined || y !== undefined) {
      const order = x === undefined ? 1 : y === undefined ? -1 : compareKeys(x.key, y.key);
      if (order < 0) {
        note("removed", x);
      } else if (order > 0) {
        note("added", undefined, y);
      } else if (bytesEqual(x!.value, y!.value)) {
        keys.unchanged++;
      } else {
        note("changed", x, y);
      }
      if (order <= 0) {
        current = "a";
        x = await a.puller.next();
      }
      if (order >= 0) {
        current = "b";
        y = await b.puller.next();
      }
    }
  } catch (error) {
    const side = current === "a" ? a : b;
    const other = current === "a" ? b : a;
    await other.puller.cancel(error);
    throw await archiveFirst(error, side.puller, side.parsed.result);
  }
  const [va, vb] = await Promise.all([a.parsed.result, b.parsed.result]);

  const types = new Map(a.tallies.types);
  for (const [type, row] of b.tallies.types) {
    const seen = types.get(type);
    if (seen) {
      seen.newCount = row.newCount;
      seen.newBytes = row.newBytes;
    } else types.set(type, row);
  }
  const productA = a.puller.product;
  const productB = b.puller.product;
  const withKeys = productA === productB && (productA === "consul" || productA === "vault");
  keys.prefixes = [...prefixes.values()].sort((p, q) =>
    (q.added + q.removed + q.changed) - (p.added + p.removed + p.changed) ||
    (p.name < q.name ? -1 : p.name > q.name ? 1 : 0)
  );
  const diff: SnapshotDiff = {
    old: { meta: va.meta, verify: va, product: productA, records: a.tallies.records },
    new: { meta: vb.meta, verify: vb, product: productB, records: b.tallies.records },
    same: va.stateSha256 === vb.stateSha256,
    meta: metaChanges(va.meta, vb.meta),
    types: [...types.values()].sort((p, q) =>
      Math.max(q.oldBytes, q.newBytes) - Math.max(p.oldBytes, p.newBytes) ||
      (p.name < q.name ? -1 : p.name > q.name ? 1 : 0)
    ),
    keys: withKeys ? keys : undefined,
    verdict: "",
  };
  diff.verdict = verdictOf(diff);
  return diff;
}

function metaChanges(a: SnapshotMeta, b: SnapshotMeta): MetaChange[] {
  const servers = (m: SnapshotMeta) =>
    (m.configuration.servers ?? []).map((s) => `${s.id}@${s.address}/${s.suffrage}`).join(",");
  const fields: [string, string, string][] = [
    ["ID", a.id, b.id],
    ["Index", String(a.index), String(b.index)],
    ["Term", String(a.term), String(b.term)],
    ["Version", String(a.version), String(b.version)],
    ["Size", String(a.size), String(b.size)],
    ["ConfigurationIndex", String(a.configurationIndex), String(b.configurationIndex)],
    ["Servers", servers(a), servers(b)],
  ];
  return fields.filter(([, x, y]) => x !== y).map(([field, x, y]) => ({
    field,
    old: x,
    new: y,
  }));
}

/** 1234567 → `1,234,567`. */
export function groupDigits(n: number | bigint): string {
  const text = String(n < 0 ? -n : n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return n < 0 ? `-${text}` : text;
}

function verdictOf(diff: SnapshotDiff): string {
  if (diff.same) {
    return diff.meta.length === 0
      ? "OLD and NEW hold the same records and metadata"
      : `OLD and NEW hold the same records; metadata differs (${
        diff.meta.map((m) => m.field).join(", ")
      })`;
  }
  const parts: string[] = [];
  const delta = diff.new.records - diff.old.records;
  parts.push(
    delta === 0
      ? `NEW holds as many records as OLD (${groupDigits(diff.new.records)}), not the same`
      : `NEW is ${groupDigits(Math.abs(delta))} record${Math.abs(delta) === 1 ? "" : "s"} ${
        delta > 0 ? "ahead" : "behind"
      }`,
  );
  if (diff.old.product !== diff.new.product) {
    parts.push(`OLD is ${diff.old.product}'s state, NEW ${diff.new.product}'s`);
  }
  const keys = diff.keys;
  if (keys) {
    for (const change of ["added", "removed", "changed"] as const) {
      const n = keys[change];
      if (n === 0) continue;
      const top = [...keys.prefixes].sort((p, q) => q[change] - p[change])[0];
      const where = top && top[change] === n && top.name !== "" ? ` under ${top.name}` : "";
      parts.push(`${groupDigits(n)} key${n === 1 ? "" : "s"} ${change}${where}`);
    }
    if (keys.added + keys.removed + keys.changed === 0) {
      parts.push(`no key${keys.filter ? ` under ${keys.filter}` : ""} changed`);
    }
  }
  return parts.join("; ");
}

/** The first `depth` `/`-separated parts of `key`; the whole key for depth 0. */
function keyPrefix(key: string, depth: number): string {
  if (depth === 0) return key;
  let end = -1;
  for (let part = 0; part < depth; part++) {
    end = key.indexOf("/", end + 1);
    if (end < 0) return key;
  }
  return key.slice(0, end);
}
