// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/**
 * What the explorer remembers of a state: for every record its offset (to read it again
 * from the spool), type and size; for every KV key (Consul KVS, Vault storage paths) the
 * key and its value's size; for every other record a label and a line of facts. Numbers
 * sit in typed arrays that grow by doubling, so 1,000,000 keys cost about 100 MB (mostly
 * the key strings), and no value is kept.
 *
 * @module
 */

import type { DecodedRecord } from "../../mod.ts";
import { classify, type Entry, markedSize, type ProductName } from "./catalog.ts";

function grow<T extends Float64Array | Uint32Array | Int32Array>(array: T, need: number): T {
  if (need <= array.length) return array;
  let length = array.length * 2;
  while (length < need) length *= 2;
  const next = new (array.constructor as new (n: number) => T)(length);
  next.set(array);
  return next;
}

/** A record that is not a KV entry, as the section lists show it. */
export interface Listed extends Entry {
  /** The record's index (0-based) in the index. */
  record: number;
}

/** The index of one state, filled while it streams past. */
export class StateIndex {
  /** The product, once `decodeRecords` named it. */
  product: ProductName | undefined;
  /** Records added. */
  records = 0;
  /** Each record's offset in `state.bin`. */
  offsets = new Float64Array(1024);
  /** Each record's size, as inspect counts it. */
  sizes = new Uint32Array(1024);
  /** Each record's type byte (255 for Vault entries). */
  types = new Uint32Array(1024);
  /** Record names by type byte seen. */
  typeNames = new Map<number, string>();
  /** The state's length, once it ended (the last record ends there). */
  stateEnd = Infinity;

  /** KV keys (Consul KVS, Vault paths), in arrival order. */
  keys: string[] = [];
  /** The record index of each key. */
  keyRecords = new Int32Array(1024);
  /** Each key's value size in bytes. */
  valueSizes = new Float64Array(1024);
  /** Whether the keys arrived in sorted order (the products write them so). */
  keysSorted = true;
  /** When not, the sorted order of `keys` (set by {@linkcode sortKeys}). */
  order: Int32Array | undefined;
  /** Value bytes before each key in sorted order (length keys + 1), for folder sizes. */
  cumulative = new Float64Array(1025);

  /** The other records, by section. */
  sections = new Map<string, Listed[]>();
  /** Every listed record, in arrival order (for search). */
  listed: Listed[] = [];
  /** Changes each time records are added: views redraw when it moved. */
  version = 0;

  /** Adds one decoded (redacted) record. */
  add(record: DecodedRecord): void {
    const i = this.records++;
    if (i >= this.offsets.length) {
      this.offsets = grow(this.offsets, i + 1);
      this.sizes = grow(this.sizes, i + 1);
      this.types = grow(this.types, i + 1);
    }
    this.offsets[i] = record.offset;
    this.sizes[i] = record.size;
    const type = record.type ?? 255;
    this.types[i] = type;
    if (!this.typeNames.has(type)) this.typeNames.set(type, record.name);
    const value = record.value as { Key?: unknown; Value?: unknown } | null;
    const isKey = this.product === "vault" || record.name === "KVS";
    if (isKey && value && typeof value.Key === "string") {
      this.#addKey(value.Key, i, markedSize(value.Value as string));
    } else {
      const entry: Listed = { ...classify(this.product!, record), record: i };
      this.listed.push(entry);
      let list = this.sections.get(entry.section);
      if (!list) this.sections.set(entry.section, list = []);
      list.push(entry);
    }
    this.version++;
  }

  #addKey(key: string, record: number, size: number) {
    const k = this.keys.length;
    if (k >= this.keyRecords.length) {
      this.keyRecords = grow(this.keyRecords, k + 1);
      this.valueSizes = grow(this.valueSizes, k + 1);
      this.cumulative = grow(this.cumulative, k + 2);
    }
    if (this.keysSorted && k > 0 && this.keys[k - 1]! > key) this.keysSorted = false;
    this.keys.push(key);
    this.keyRecords[k] = record;
    this.valueSizes[k] = size;
    this.cumulative[k + 1] = this.cumulative[k]! + size;
  }

  /**
   * Once every key is in: sorts them if they did not arrive sorted, and sums the value
   * sizes in that order.
   */
  sortKeys(): void {
    if (this.keysSorted) return;
    const keys = this.keys;
    const order = new Int32Array(keys.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    order.sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : a - b));
    this.order = order;
    for (let i = 0; i < order.length; i++) {
      this.cumulative[i + 1] = this.cumulative[i]! + this.valueSizes[order[i]!]!;
    }
  }

  /** Whether the tree can be drawn (keys in order, or sorted since). */
  get treeReady(): boolean {
    return this.keysSorted || this.order !== undefined;
  }

  /** The key index at position `p` of the sorted order. */
  keyAt(p: number): number {
    return this.order ? this.order[p]! : p;
  }

  /** The number of keys ready for the tree. */
  get treeKeys(): number {
    return this.treeReady ? this.keys.length : 0;
  }

  /** The first sorted position whose key is not below `text`. */
  lowerBound(text: string, lo = 0, hi = this.treeKeys): number {
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[this.keyAt(mid)]! < text) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The sorted range of keys that start with `prefix`. */
  range(prefix: string, lo = 0, hi = this.treeKeys): [number, number] {
    if (prefix === "") return [lo, hi];
    const start = this.lowerBound(prefix, lo, hi);
    return [start, this.lowerBound(after(prefix), start, hi)];
  }

  /** The bytes `[start, end)` of record `i` in `state.bin`. */
  span(i: number): [number, number] {
    const end = i + 1 < this.records ? this.offsets[i + 1]! : this.stateEnd;
    return [this.offsets[i]!, end];
  }
}

/** The smallest string above every string that starts with `prefix`. */
export function after(prefix: string): string {
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}
