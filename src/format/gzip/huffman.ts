// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/**
 * Canonical Huffman codes of deflate (RFC 1951 §3.2.2), built the way zlib's
 * `inflate_table` accepts them: over-subscribed sets are refused; incomplete sets only
 * where zlib allows them (a literal/length or distance set of a single 1-bit code).
 *
 * A code is decoded through a table indexed by the next `rootBits` input bits (codes
 * are stored bit-reversed, as deflate sends them); the rare longer codes fall back to
 * walking the canonical code one bit at a time. Building costs one pass over the table
 * and one over the symbols, so a hostile stream of tiny dynamic blocks stays cheap.
 */

/** A decoding table; see {@linkcode buildHuffman}. */
export interface Huffman {
  /**
   * Indexed by the next `rootBits` bits: `symbol << 4 | length` for a code of at most
   * `rootBits` bits, 0 where the bits start a longer code or no code at all.
   */
  readonly table: Int32Array;
  /** Bits of input the table is indexed by. */
  readonly rootBits: number;
  /** Codes of each length, 0 to 15. */
  readonly counts: Uint16Array;
  /** Symbols in canonical code order. */
  readonly symbols: Uint16Array;
}

/** Which code set is built, for zlib's rules on incomplete sets and its words. */
export type HuffmanKind = "code lengths" | "literal/lengths" | "distances";

/** Longest root table: 2^10 entries to fill per table at most. */
const MAX_ROOT = 10;

/** Thrown for a code set zlib refuses. */
export class HuffmanError extends Error {
  constructor(kind: HuffmanKind) {
    super(`invalid ${kind} set`);
    this.name = "HuffmanError";
  }
}

/**
 * Builds the decoding table of the code with these bit lengths (one per symbol, 0 for
 * an unused symbol).
 *
 * @throws {HuffmanError} for a set zlib refuses.
 */
export function buildHuffman(lengths: ArrayLike<number>, kind: HuffmanKind): Huffman {
  const counts = new Uint16Array(16);
  for (let symbol = 0; symbol < lengths.length; symbol++) counts[lengths[symbol]!]!++;
  counts[0] = 0;
  let maxLength = 15;
  while (maxLength > 0 && counts[maxLength] === 0) maxLength--;

  let left = 1;
  for (let length = 1; length <= 15; length++) {
    left = (left << 1) - counts[length]!;
    if (left < 0) throw new HuffmanError(kind);
  }
  // zlib takes an incomplete set only as a single 1-bit literal/length or distance code,
  // or none at all (decoding then fails at the first code read).
  if (left > 0 && maxLength > 0 && (kind === "code lengths" || maxLength !== 1)) {
    throw new HuffmanError(kind);
  }

  const offsets = new Uint16Array(16);
  for (let length = 1; length < 15; length++) {
    offsets[length + 1] = offsets[length]! + counts[length]!;
  }
  const symbols = new Uint16Array(lengths.length);
  for (let symbol = 0; symbol < lengths.length; symbol++) {
    const length = lengths[symbol]!;
    if (length !== 0) symbols[offsets[length]!++] = symbol;
  }

  const rootBits = Math.max(1, Math.min(maxLength, MAX_ROOT));
  const table = new Int32Array(1 << rootBits);
  // Walk the codes in canonical order; each short code fills every entry whose low bits
  // are its reversed code.
  let code = 0;
  let index = 0;
  for (let length = 1; length <= rootBits; length++) {
    for (let n = counts[length]!; n > 0; n--) {
      const entry = (symbols[index++]! << 4) | length;
      for (let at = reverse(code, length); at < table.length; at += 1 << length) {
        table[at] = entry;
      }
      code++;
    }
    code <<= 1;
  }
  return { table, rootBits, counts, symbols };
}

/**
 * Decodes a code longer than the root table, one bit at a time from the canonical
 * counts: `bits` holds at least `available` input bits, lowest first.
 *
 * @returns `symbol << 4 | length`, -1 when `available` bits end before the code does,
 * or -2 when the bits match no code.
 */
export function decodeSlow(huffman: Huffman, bits: number, available: number): number {
  const { counts, symbols } = huffman;
  let code = 0;
  let first = 0;
  let index = 0;
  for (let length = 1; length <= 15; length++) {
    if (length > available) return -1;
    code |= (bits >>> (length - 1)) & 1;
    const count = counts[length]!;
    if (code - first < count) return (symbols[index + code - first]! << 4) | length;
    index += count;
    first = (first + count) << 1;
    code <<= 1;
  }
  return -2;
}

function reverse(code: number, length: number): number {
  let reversed = 0;
  for (let i = 0; i < length; i++) {
    reversed = (reversed << 1) | (code & 1);
    code >>>= 1;
  }
  return reversed;
}

/** The fixed literal/length code of block type 1. */
export const FIXED_LITERALS: Huffman = buildHuffman(
  Array.from({ length: 288 }, (_, s) => s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8),
  "literal/lengths",
);

/** The fixed distance code of block type 1 (codes 30 and 31 exist but are invalid). */
export const FIXED_DISTANCES: Huffman = buildHuffman(new Array(32).fill(5), "distances");
