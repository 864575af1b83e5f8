// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { decodeMsgpack, MsgpackError, utf8OrUndefined } from "../decoders/_msgpack.ts";
import { protoFields } from "../decoders/_protobuf.ts";
import { isSecretField } from "../products/_redact.ts";
import { keyText } from "../decoders/_record_value.ts";

/**
 * The byte that replaces every byte of a secret: `*`. A redacted string or byte string
 * keeps its msgpack (or protobuf) header and length and becomes `***…`; an ext keeps
 * its type and length. Numbers, booleans, nils and map keys stay, as `decodeRecords`
 * shows them.
 */
export const REDACTED_BYTE = 0x2a;

/** A run of bytes to overwrite: [start, end) within the value. */
export type Range = [start: number, end: number];

const CONFIG_ENTRY = 22;

/**
 * Where the secrets of one Consul or Nomad record lie: the payloads of every raw, str,
 * bin and ext leaf under a field that `decodeRecords` redacts (`_redact.ts` decides,
 * with the same depth rules as `recordValue`).
 *
 * @param bytes The record's msgpack value, whole (after the type byte).
 * @throws {MsgpackError} when the bytes are not one msgpack value.
 */
export function msgpackSecretRanges(
  product: "consul" | "nomad",
  type: number,
  bytes: Uint8Array,
): Range[] {
  // Decoding first applies decodeRecords' bounds (depth, object count) to the walk below.
  const whole = decodeMsgpack(bytes, 0);
  if (whole.end !== bytes.length) throw new MsgpackError(whole.end, "bytes after the value");
  const walker = new Walker(product, type, bytes);
  // A ConfigEntry is one raw holding two values: its secrets lie inside that raw.
  if (product === "consul" && type === CONFIG_ENTRY) {
    const inner = rawPayload(bytes, 0);
    if (inner && inner.end === bytes.length) {
      try {
        const first = decodeMsgpack(bytes.subarray(0, inner.end), inner.start);
        const second = decodeMsgpack(bytes.subarray(0, inner.end), first.end);
        if (second.end === inner.end && second.value instanceof Map) {
          walker.value(first.end, undefined, -1, false);
          return walker.ranges;
        }
      } catch (error) {
        if (!(error instanceof MsgpackError)) throw error;
      }
      return []; // printed as base64 by decodeRecords, so nothing is redacted either
    }
  }
  const end = walker.value(0, undefined, -1, false);
  if (end !== bytes.length) throw new MsgpackError(end, "bytes after the record's value");
  return walker.ranges;
}

/**
 * Where a Vault `StorageEntry`'s value lies: `decodeRecords` redacts it whole.
 *
 * @param message The protobuf message, whole.
 * @throws {ProtoError} when it is not protobuf.
 */
export function storageEntrySecretRanges(message: Uint8Array): Range[] {
  const ranges: Range[] = [];
  for (const field of protoFields(message)) {
    if (field.field === 2 && field.wire === 2 && field.bytes) {
      const start = field.bytes.byteOffset - message.byteOffset;
      ranges.push([start, start + field.bytes.length]);
    }
  }
  return ranges;
}

function rawPayload(bytes: Uint8Array, at: number): { start: number; end: number } | undefined {
  const b = bytes[at];
  if (b === undefined) return undefined;
  if (b >= 0xa0 && b <= 0xbf) return { start: at + 1, end: at + 1 + (b & 0x1f) };
  const width = b === 0xd9 || b === 0xc4 ? 1 : b === 0xda || b === 0xc5 ? 2 : b === 0xdb ||
      b === 0xc6
    ? 4
    : 0;
  if (width === 0) return undefined;
  const start = at + 1 + width;
  return { start, end: start + uint(bytes, at + 1, width) };
}

function uint(bytes: Uint8Array, at: number, width: number): number {
  if (at + width > bytes.length) throw new MsgpackError(at, "a truncated length");
  let n = 0;
  for (let i = 0; i < width; i++) n = n * 256 + bytes[at + i]!;
  return n;
}

class Walker {
  readonly ranges: Range[] = [];
  #product: "consul" | "nomad";
  #type: number;
  #bytes: Uint8Array;

  constructor(product: "consul" | "nomad", type: number, bytes: Uint8Array) {
    this.#product = product;
    this.#type = type;
    this.#bytes = bytes;
  }

  /** Walks the value at `at` as `recordValue`'s `plain` does; returns its end. */
  value(at: number, key: string | undefined, depth: number, secret: boolean): number {
    const bytes = this.#bytes;
    const b = bytes[at];
    if (b === undefined) throw new MsgpackError(at, "a truncated value");
    const payload = (start: number, length: number, what: "raw" | "ext") => {
      const end = start + length;
      if (end > bytes.length) throw new MsgpackError(at, `a truncated ${what}`);
      if (secret && length > 0) this.ranges.push([start, end]);
      return end;
    };
    if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) return at + 1;
    if (b >= 0xa0 && b <= 0xbf) return payload(at + 1, b & 0x1f, "raw");
    if (b >= 0x90 && b <= 0x9f) return this.#array(at + 1, b & 0x0f, key, depth, secret);
    if (b >= 0x80 && b <= 0x8f) return this.#map(at + 1, b & 0x0f, depth + 1, secret);
    switch (b) {
      case 0xcc:
      case 0xd0:
        return at + 2;
      case 0xcd:
      case 0xd1:
        return at + 3;
      case 0xce:
      case 0xd2:
      case 0xca:
        return at + 5;
      case 0xcf:
      case 0xd3:
      case 0xcb:
        return at + 9;
      case 0xd9:
      case 0xc4:
        return payload(at + 2, uint(bytes, at + 1, 1), "raw");
      case 0xda:
      case 0xc5:
        return payload(at + 3, uint(bytes, at + 1, 2), "raw");
      case 0xdb:
      case 0xc6:
        return payload(at + 5, uint(bytes, at + 1, 4), "raw");
      case 0xd4:
        return payload(at + 2, 1, "ext");
      case 0xd5:
        return payload(at + 2, 2, "ext");
      case 0xd6:
        return payload(at + 2, 4, "ext");
      case 0xd7:
        return payload(at + 2, 8, "ext");
      case 0xd8:
        return payload(at + 2, 16, "ext");
      case 0xc7:
        return payload(at + 3, uint(bytes, at + 1, 1), "ext");
      case 0xc8:
        return payload(at + 4, uint(bytes, at + 1, 2), "ext");
      case 0xc9:
        return payload(at + 6, uint(bytes, at + 1, 4), "ext");
      case 0xdc:
        return this.#array(at + 3, uint(bytes, at + 1, 2), key, depth, secret);
      case 0xdd:
        return this.#array(at + 5, uint(bytes, at + 1, 4), key, depth, secret);
      case 0xde:
        return this.#map(at + 3, uint(bytes, at + 1, 2), depth + 1, secret);
      case 0xdf:
        return this.#map(at + 5, uint(bytes, at + 1, 4), depth + 1, secret);
    }
    throw new MsgpackError(at, `the never-used byte 0x${b.toString(16)}`);
  }

  #array(at: number, items: number, key: string | undefined, depth: number, secret: boolean) {
    let pos = at;
    // Items inherit the list's field name and depth, as in recordValue.
    for (let i = 0; i < items; i++) pos = this.value(pos, key, depth, secret);
    return pos;
  }

  #map(at: number, items: number, depth: number, secret: boolean): number {
    let pos = at;
    for (let i = 0; i < items; i++) {
      const { value: rawKey, end } = decodeMsgpack(this.#bytes, pos);
      const key = typeof rawKey === "string"
        ? rawKey
        : rawKey instanceof Uint8Array
        ? utf8OrUndefined(rawKey) ?? keyText(rawKey)
        : keyText(rawKey);
      const hidden = secret || isSecretField(this.#product, this.#type, key, depth);
      pos = this.value(end, key, depth, hidden);
    }
    return pos;
  }
}
