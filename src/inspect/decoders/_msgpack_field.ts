// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { MsgpackFrameError, MsgpackSkipper } from "./_msgpack_skipper.ts";

const utf8 = new TextDecoder();
/** One skipper for every call: it is reset before each value, and calls do not nest. */
const SKIPPER = new MsgpackSkipper();

/**
 * The string value of one field of a msgpack map, read from the map's bytes (or a
 * prefix of them) without decoding the rest: how inspect finds a KVS record's `Key`
 * among its fields, skipping a value that may be megabytes long.
 *
 * @returns The value, or `undefined` when the bytes are not a map, the field is absent
 * or not a string, or the bytes end first.
 */
export function readMapString(bytes: Uint8Array, name: string): string | undefined {
  const map = containerHeader(bytes, 0);
  if (!map) return undefined;
  const skipper = SKIPPER;
  let pos = map.end;
  for (let i = 0; i < map.items; i++) {
    const key = rawAt(bytes, pos);
    if (
      key && key.end <= bytes.length && utf8.decode(bytes.subarray(key.start, key.end)) === name
    ) {
      const value = rawAt(bytes, key.end);
      if (!value || value.end > bytes.length) return undefined;
      return utf8.decode(bytes.subarray(value.start, value.end));
    }
    for (let skip = 0; skip < 2; skip++) { // the key, then its value
      skipper.reset();
      try {
        pos = skipper.scan(bytes, pos);
      } catch (error) {
        if (error instanceof MsgpackFrameError) return undefined;
        throw error;
      }
      if (pos < 0) return undefined;
    }
  }
  return undefined;
}

/** A map header's pair count and end. */
function containerHeader(
  bytes: Uint8Array,
  at: number,
): { items: number; end: number } | undefined {
  const b = bytes[at];
  if (b === undefined) return undefined;
  if (b >= 0x80 && b <= 0x8f) return { items: b & 0x0f, end: at + 1 };
  if (b === 0xde && at + 3 <= bytes.length) {
    return { items: (bytes[at + 1]! << 8) | bytes[at + 2]!, end: at + 3 };
  }
  if (b === 0xdf && at + 5 <= bytes.length) {
    return {
      items: new DataView(bytes.buffer, bytes.byteOffset + at + 1, 4).getUint32(0),
      end: at + 5,
    };
  }
  return undefined;
}

/** Where the payload of a raw/str/bin at `at` lies. */
function rawAt(bytes: Uint8Array, at: number): { start: number; end: number } | undefined {
  const b = bytes[at];
  if (b === undefined) return undefined;
  if (b >= 0xa0 && b <= 0xbf) return { start: at + 1, end: at + 1 + (b & 0x1f) };
  const width = b === 0xd9 || b === 0xc4
    ? 1
    : b === 0xda || b === 0xc5
    ? 2
    : b === 0xdb || b === 0xc6
    ? 4
    : 0;
  if (width === 0 || at + 1 + width > bytes.length) return undefined;
  let length = 0;
  for (let i = 1; i <= width; i++) length = length * 256 + bytes[at + i]!;
  return { start: at + 1 + width, end: at + 1 + width + length };
}
