// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/**
 * A synchronous msgpack decoder over a complete buffer, for one record's value at a
 * time (the framer has already found where the value ends, so nothing here streams).
 *
 * It reads both the old spec that Consul and Nomad write (raw `0xa0`-`0xbf`, `0xda`,
 * `0xdb` for strings and `[]byte` alike) and the new one (`str8`, `bin8/16/32`, ext,
 * fixext, the timestamp extension). Conventions:
 *
 * - raw, str and bin → a `Uint8Array` view into the input (no copy, no UTF-8 guess:
 *   only the caller knows whether a Go field was a `string` or a `[]byte`);
 * - map → a `Map`. Keys that are raw/str/bin and valid UTF-8 become `string`s (struct
 *   fields are always such keys), so `map.get("Key")` works; any other key (a number,
 *   invalid UTF-8 bytes, nil, ...) is kept as its decoded value. A repeated key keeps the
 *   last value, as Go's decoder does;
 * - integers → `number` when within ±(2^53 - 1), otherwise `bigint` (uint64 and int64 alike);
 * - float32/float64 → `number`; nil → `null`; ext and fixext → {@linkcode MsgpackExt}.
 */

/** A decoded msgpack value. */
export type MsgpackValue =
  | null
  | boolean
  | number
  | bigint
  | Uint8Array
  | MsgpackValue[]
  | MsgpackMap
  | MsgpackExt;

/** A decoded msgpack map: string keys for UTF-8 raw keys, decoded values otherwise. */
export type MsgpackMap = Map<string | MsgpackValue, MsgpackValue>;

/** An ext or fixext value, undecoded: `type` -1 is the msgpack timestamp. */
export class MsgpackExt {
  /** The signed ext type. */
  readonly type: number;
  /** Its payload, a view into the input. */
  readonly data: Uint8Array;

  /**
   * @param type The signed ext type.
   * @param data The payload.
   */
  constructor(type: number, data: Uint8Array) {
    this.type = type;
    this.data = data;
  }
}

/** Bytes that are not one valid msgpack value. */
export class MsgpackError extends Error {
  /** Offset in the decoded buffer of the token at fault. */
  readonly offset: number;
  /** What is wrong there, such as `needs 3 more bytes` or `byte 0xc1 is not a msgpack type`. */
  readonly reason: string;

  /**
   * @param offset Offset of the token at fault.
   * @param reason What is wrong.
   */
  constructor(offset: number, reason: string) {
    super(`Cannot decode msgpack: ${reason} at offset ${offset}`);
    this.name = "MsgpackError";
    this.offset = offset;
    this.reason = reason;
  }
}

/** The deepest nesting of arrays and maps accepted. */
export const MAX_MSGPACK_DEPTH = 1000;

/**
 * The most strings, byte strings, arrays and maps one decoded value may hold. Each is a
 * JavaScript object of some 50-100 bytes built from as little as one msgpack byte, so a
 * hostile 64 MiB record could otherwise ask for gigabytes; real records hold thousands.
 */
export const MAX_MSGPACK_OBJECTS = 1 << 20;

/** A value that is well-formed but holds more than {@linkcode MAX_MSGPACK_OBJECTS}. */
export class MsgpackLimitError extends MsgpackError {}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Decodes a raw's bytes as UTF-8, or returns `undefined` when they are not valid UTF-8.
 * ASCII takes a fast path.
 */
export function utf8OrUndefined(bytes: Uint8Array): string | undefined {
  const n = bytes.length;
  if (n <= 32) {
    let ascii = true;
    for (let i = 0; i < n; i++) {
      if (bytes[i]! > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) return n === 0 ? "" : String.fromCharCode.apply(null, bytes as unknown as number[]);
  }
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Decodes the msgpack value starting at `offset`.
 *
 * @param bytes A buffer holding the whole value.
 * @param offset Where the value starts.
 * @returns The value and the offset just past it.
 * @throws {MsgpackError} when the value is truncated, holds the never-used byte `0xc1`,
 * declares a length beyond the buffer or nests deeper than {@linkcode MAX_MSGPACK_DEPTH}.
 */
export function decodeMsgpack(
  bytes: Uint8Array,
  offset = 0,
): { value: MsgpackValue; end: number } {
  const decoder = new Decoder(bytes, offset);
  const value = decoder.value(0);
  return { value, end: decoder.pos };
}

/** Every item takes at least one byte: a larger count is truncated or absurd. */
function declares(items: number, left: number): string {
  return `declares ${items} items, needs at least ${items - left} more bytes`;
}

const views = new WeakMap<ArrayBufferLike, DataView>();

function view(bytes: Uint8Array): DataView {
  // One DataView over the whole buffer, cached: records are small views of one chunk.
  let dv = views.get(bytes.buffer);
  if (dv === undefined) {
    dv = new DataView(bytes.buffer);
    views.set(bytes.buffer, dv);
  }
  return dv;
}

const TWO_53 = 2 ** 53;

/**
 * Map keys repeat (every record of a type has the same Go field names): short keys are
 * looked up in a small cache instead of being decoded again. Buckets by length and the
 * first and last byte; a few entries per bucket, replaced round-robin.
 */
const KEY_CACHE_MAX_LENGTH = 24;
const KEY_BUCKET_SIZE = 8;
const keyBuckets: ({ bytes: Uint8Array; text: string }[] | undefined)[] = new Array(4096);
const keyNext = new Uint8Array(4096);

function mapKey(bytes: Uint8Array): string | Uint8Array {
  const n = bytes.length;
  if (n === 0) return "";
  if (n > KEY_CACHE_MAX_LENGTH) return utf8OrUndefined(bytes) ?? bytes;
  const slot = ((n << 7) ^ (bytes[0]! << 3) ^ bytes[n - 1]! ^ (bytes[n >> 1]! << 5)) & 4095;
  let bucket = keyBuckets[slot];
  if (bucket === undefined) bucket = keyBuckets[slot] = [];
  search: for (let e = 0; e < bucket.length; e++) {
    const entry = bucket[e]!;
    const cached = entry.bytes;
    if (cached.length !== n) continue;
    for (let i = 0; i < n; i++) if (cached[i] !== bytes[i]) continue search;
    return entry.text;
  }
  const text = utf8OrUndefined(bytes);
  if (text === undefined) return bytes;
  const entry = { bytes: bytes.slice(), text };
  if (bucket.length < KEY_BUCKET_SIZE) bucket.push(entry);
  else {
    bucket[keyNext[slot]!] = entry;
    keyNext[slot] = (keyNext[slot]! + 1) % KEY_BUCKET_SIZE;
  }
  return text;
}

class Decoder {
  readonly bytes: Uint8Array;
  readonly dv: DataView;
  /** Absolute offset of `bytes[0]` within the DataView's buffer. */
  readonly base: number;
  pos: number;
  /** Objects (strings, arrays, maps) still allowed. */
  budget = MAX_MSGPACK_OBJECTS;

  constructor(bytes: Uint8Array, offset: number) {
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new RangeError(`Cannot decode msgpack: invalid offset ${offset}`);
    }
    this.bytes = bytes;
    this.dv = view(bytes);
    this.base = bytes.byteOffset;
    this.pos = offset;
  }

  /** Makes sure `n` bytes follow `pos`; `start` is the token blamed. */
  need(start: number, n: number): void {
    if (this.pos + n > this.bytes.length) {
      throw new MsgpackError(start, `needs ${this.pos + n - this.bytes.length} more bytes`);
    }
  }

  /** Counts one more object against the budget. */
  spend(start: number): void {
    if (--this.budget < 0) {
      throw new MsgpackLimitError(
        start,
        `more than ${MAX_MSGPACK_OBJECTS} strings, arrays and maps in one value`,
      );
    }
  }

  raw(start: number, length: number): Uint8Array {
    this.spend(start);
    this.need(start, length);
    const out = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  u8(start: number): number {
    this.need(start, 1);
    return this.bytes[this.pos++]!;
  }

  u16(start: number): number {
    this.need(start, 2);
    const v = this.dv.getUint16(this.base + this.pos);
    this.pos += 2;
    return v;
  }

  u32(start: number): number {
    this.need(start, 4);
    const v = this.dv.getUint32(this.base + this.pos);
    this.pos += 4;
    return v;
  }

  value(depth: number): MsgpackValue {
    const start = this.pos;
    this.need(start, 1);
    const b = this.bytes[this.pos++]!;
    if (b <= 0x7f) return b;
    if (b >= 0xe0) return b - 0x100;
    if (b <= 0x8f) return this.map(start, b & 0x0f, depth);
    if (b <= 0x9f) return this.array(start, b & 0x0f, depth);
    if (b <= 0xbf) return this.raw(start, b & 0x1f);
    const dv = this.dv;
    switch (b) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
      case 0xd9:
        return this.raw(start, this.u8(start));
      case 0xc5:
      case 0xda:
        return this.raw(start, this.u16(start));
      case 0xc6:
      case 0xdb:
        return this.raw(start, this.u32(start));
      case 0xc7:
        return this.ext(start, this.u8(start));
      case 0xc8:
        return this.ext(start, this.u16(start));
      case 0xc9:
        return this.ext(start, this.u32(start));
      case 0xca: {
        this.need(start, 4);
        const v = dv.getFloat32(this.base + this.pos);
        this.pos += 4;
        return v;
      }
      case 0xcb: {
        this.need(start, 8);
        const v = dv.getFloat64(this.base + this.pos);
        this.pos += 8;
        return v;
      }
      case 0xcc:
        return this.u8(start);
      case 0xcd:
        return this.u16(start);
      case 0xce:
        return this.u32(start);
      case 0xcf: {
        this.need(start, 8);
        const hi = dv.getUint32(this.base + this.pos);
        const lo = dv.getUint32(this.base + this.pos + 4);
        this.pos += 8;
        const n = hi * 4294967296 + lo;
        return n < TWO_53 ? n : (BigInt(hi) << 32n) | BigInt(lo);
      }
      case 0xd0: {
        const v = this.u8(start);
        return v < 0x80 ? v : v - 0x100;
      }
      case 0xd1: {
        this.need(start, 2);
        const v = dv.getInt16(this.base + this.pos);
        this.pos += 2;
        return v;
      }
      case 0xd2: {
        this.need(start, 4);
        const v = dv.getInt32(this.base + this.pos);
        this.pos += 4;
        return v;
      }
      case 0xd3: {
        this.need(start, 8);
        const hi = dv.getInt32(this.base + this.pos);
        const lo = dv.getUint32(this.base + this.pos + 4);
        this.pos += 8;
        const n = hi * 4294967296 + lo;
        return n < TWO_53 && n > -TWO_53 ? n : (BigInt(hi) << 32n) | BigInt(lo);
      }
      case 0xd4:
      case 0xd5:
      case 0xd6:
      case 0xd7:
      case 0xd8:
        return this.ext(start, 1 << (b - 0xd4));
      case 0xdc:
        return this.array(start, this.u16(start), depth);
      case 0xdd:
        return this.array(start, this.u32(start), depth);
      case 0xde:
        return this.map(start, this.u16(start), depth);
      case 0xdf:
        return this.map(start, this.u32(start), depth);
      default: // 0xc1
        throw new MsgpackError(start, "byte 0xc1 is not a msgpack type");
    }
  }

  ext(start: number, length: number): MsgpackExt {
    const type = this.u8(start);
    return new MsgpackExt(type < 0x80 ? type : type - 0x100, this.raw(start, length));
  }

  enter(start: number, items: number, depth: number): void {
    this.spend(start);
    if (items > this.bytes.length - this.pos) {
      throw new MsgpackError(start, declares(items, this.bytes.length - this.pos));
    }
    if (depth >= MAX_MSGPACK_DEPTH) {
      throw new MsgpackError(start, `nesting deeper than ${MAX_MSGPACK_DEPTH} levels`);
    }
  }

  array(start: number, length: number, depth: number): MsgpackValue[] {
    this.enter(start, length, depth);
    const out = new Array<MsgpackValue>(length);
    for (let i = 0; i < length; i++) out[i] = this.value(depth + 1);
    return out;
  }

  map(start: number, length: number, depth: number): MsgpackMap {
    this.enter(start, length * 2, depth);
    const out: MsgpackMap = new Map();
    for (let i = 0; i < length; i++) {
      const key = this.value(depth + 1);
      const value = this.value(depth + 1);
      out.set(key instanceof Uint8Array ? mapKey(key) : key, value);
    }
    return out;
  }
}
