// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import {
  buildHuffman,
  decodeSlow,
  FIXED_DISTANCES,
  FIXED_LITERALS,
  type Huffman,
} from "./huffman.ts";
import { HuffmanError } from "./huffman.ts";

/**
 * A raw deflate decoder (RFC 1951) in script, resumable at any input boundary: the
 * inflater for many small gzip members, where the platform's `DecompressionStream` costs
 * a native stream (and its memory, until a full GC) per member.
 *
 * Each step decodes one unit (a block header with its tables, a literal, a match) from
 * the input it has; when the input ends inside a unit, it rolls back to the unit's first
 * bit and asks for more, so no partial state has to be kept. It accepts and refuses what
 * zlib does, with zlib's words, so that the two inflaters judge a stream alike.
 */

/** Why a deflate stream is refused, in zlib's words. */
export class DeflateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DeflateError";
  }
}

/** What {@linkcode RawInflater.run} stopped for. */
export type InflateStatus = "input" | "output" | "end";

/** History a match may reach back into. */
const WINDOW = 32 * 1024;
/** Output taken out at a time (at most). */
const CHUNK = 64 * 1024;
const OUT_LIMIT = WINDOW + CHUNK;
const MAX_MATCH = 258;
/**
 * Input that any unit fits in, with the refills' overshoot: the codes and extra bits of
 * a match take at most 48 bits (6 bytes), and a refill reads 4 bytes ahead.
 */
const FAST_INPUT = 16;

const HEADER = 0;
const STORED = 1;
const CODES = 2;
const END = 3;

// deno-fmt-ignore
const LENGTH_BASE = Uint16Array.of(
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
  35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
);
// deno-fmt-ignore
const LENGTH_EXTRA = Uint8Array.of(
  0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
);
// deno-fmt-ignore
const DISTANCE_BASE = Uint16Array.of(
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769,
  1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
);
// deno-fmt-ignore
const DISTANCE_EXTRA = Uint8Array.of(
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
);
/** The order code length code lengths are sent in. */
// deno-fmt-ignore
const CODE_LENGTH_ORDER = Uint8Array.of(
  16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
);

const EMPTY = new Uint8Array(0);

/**
 * Decodes one raw deflate stream after another (see {@linkcode RawInflater.reset}) from
 * an input cursor that the gzip framing around it shares.
 */
export class RawInflater {
  /** The input; `pos` is the next byte to read. Between calls no bit is held back. */
  input: Uint8Array = EMPTY;
  /** The next input byte to read. */
  pos = 0;
  /**
   * Output, the last {@linkcode WINDOW} bytes of history first: `out[flushed, outPos)`
   * is decoded and not yet taken.
   */
  readonly out: Uint8Array = new Uint8Array(OUT_LIMIT + MAX_MATCH);
  /** End of the decoded output in `out`. */
  outPos = WINDOW;
  /** Start of the output not yet taken. */
  flushed = WINDOW;
  /** Bytes this stream has produced: how far back a match may reach. */
  produced = 0;

  #state = HEADER;
  #final = false;
  #bits = 0;
  #bitCount = 0;
  #storedLeft = 0;
  #literals: Huffman = FIXED_LITERALS;
  #distances: Huffman = FIXED_DISTANCES;
  readonly #lengths = new Uint8Array(286 + 30);
  readonly #codeLengths = new Uint8Array(19);
  #view: DataView | undefined;
  #viewInput: Uint8Array | undefined;

  /** Starts a new stream at `pos`, which must be on a byte boundary. */
  reset(): void {
    this.#state = HEADER;
    this.#final = false;
    this.#bits = 0;
    this.#bitCount = 0;
    this.produced = 0;
  }

  /**
   * Decodes until the input runs out (`"input"`: push more, then call again), the
   * output is full (`"output"`: {@linkcode take} it, then call again) or the stream
   * ended (`"end"`: `pos` is the byte after it).
   *
   * @throws {DeflateError} for data zlib refuses; `pos` is then near the bad bits.
   */
  run(): InflateStatus {
    try {
      for (;;) {
        let status: InflateStatus | undefined;
        if (this.#state === HEADER) status = this.#blockHeader();
        else if (this.#state === STORED) status = this.#stored();
        else if (this.#state === CODES) status = this.#codes();
        else status = "end";
        if (status !== undefined) return status;
      }
    } finally {
      // Hand whole bytes held in the bit buffer back to the input, so that the framing
      // sees exactly where the stream ends and the next input can simply follow `pos`.
      const whole = this.#bitCount >> 3;
      this.pos -= whole;
      this.#bitCount -= whole * 8;
      this.#bits &= (1 << this.#bitCount) - 1;
      if (this.#state === END) this.#bits = this.#bitCount = 0;
    }
  }

  /** The output decoded since the last call, as a copy of its own. */
  take(): Uint8Array {
    const chunk = this.out.slice(this.flushed, this.outPos);
    this.flushed = this.outPos;
    if (this.outPos >= OUT_LIMIT) {
      this.out.copyWithin(0, this.outPos - WINDOW, this.outPos);
      this.outPos = this.flushed = WINDOW;
    }
    return chunk;
  }

  #need(count: number): boolean {
    while (this.#bitCount < count) {
      if (this.pos >= this.input.length) return false;
      this.#bits |= this.input[this.pos++]! << this.#bitCount;
      this.#bitCount += 8;
    }
    return true;
  }

  #read(count: number): number {
    const value = this.#bits & ((1 << count) - 1);
    this.#bits >>>= count;
    this.#bitCount -= count;
    return value;
  }

  #blockHeader(): InflateStatus | undefined {
    const pos = this.pos;
    const bits = this.#bits;
    const bitCount = this.#bitCount;
    const rollback = () => {
      this.pos = pos;
      this.#bits = bits;
      this.#bitCount = bitCount;
      return "input" as const;
    };
    if (!this.#need(3)) return rollback();
    const final = this.#read(1) === 1;
    const type = this.#read(2);
    if (type === 0) {
      // Stored: skip to a byte boundary, then LEN and its complement NLEN.
      this.#read(this.#bitCount & 7);
      this.pos -= this.#bitCount >> 3;
      this.#bits = this.#bitCount = 0;
      if (this.input.length - this.pos < 4) return rollback();
      const b = this.input;
      const at = this.pos;
      const length = b[at]! | (b[at + 1]! << 8);
      const complement = b[at + 2]! | (b[at + 3]! << 8);
      if (length !== (~complement & 0xffff)) throw new DeflateError("invalid stored block lengths");
      this.pos += 4;
      this.#storedLeft = length;
      this.#state = STORED;
    } else if (type === 1) {
      this.#literals = FIXED_LITERALS;
      this.#distances = FIXED_DISTANCES;
      this.#state = CODES;
    } else if (type === 2) {
      if (!this.#dynamicTables()) return rollback();
      this.#state = CODES;
    } else {
      throw new DeflateError("invalid block type");
    }
    this.#final = final;
    return undefined;
  }

  /** Reads a dynamic block's code tables; false when the input ends inside them. */
  #dynamicTables(): boolean {
    if (!this.#need(14)) return false;
    const literalCount = this.#read(5) + 257;
    const distanceCount = this.#read(5) + 1;
    const codeCount = this.#read(4) + 4;
    if (literalCount > 286 || distanceCount > 30) {
      throw new DeflateError("too many length or distance symbols");
    }
    const codeLengths = this.#codeLengths.fill(0);
    for (let i = 0; i < codeCount; i++) {
      if (!this.#need(3)) return false;
      codeLengths[CODE_LENGTH_ORDER[i]!] = this.#read(3);
    }
    const lengthCode = huffman(codeLengths, "code lengths");
    const total = literalCount + distanceCount;
    const lengths = this.#lengths.fill(0);
    let have = 0;
    while (have < total) {
      const entry = this.#decode(lengthCode);
      if (entry === -1) return false;
      if (entry === -2) throw new DeflateError("invalid code lengths set");
      const symbol = entry >>> 4;
      if (symbol < 16) {
        lengths[have++] = symbol;
        continue;
      }
      let value = 0;
      let repeat: number;
      if (symbol === 16) {
        if (have === 0) throw new DeflateError("invalid bit length repeat");
        if (!this.#need(2)) return false;
        value = lengths[have - 1]!;
        repeat = 3 + this.#read(2);
      } else if (symbol === 17) {
        if (!this.#need(3)) return false;
        repeat = 3 + this.#read(3);
      } else {
        if (!this.#need(7)) return false;
        repeat = 11 + this.#read(7);
      }
      if (have + repeat > total) throw new DeflateError("invalid bit length repeat");
      lengths.fill(value, have, have + repeat);
      have += repeat;
    }
    if (lengths[256] === 0) throw new DeflateError("invalid code -- missing end-of-block");
    this.#literals = huffman(lengths.subarray(0, literalCount), "literal/lengths");
    this.#distances = huffman(lengths.subarray(literalCount, total), "distances");
    return true;
  }

  /** One code from the bit buffer: `symbol << 4 | length`, -1 for more input, -2 for none. */
  #decode(code: Huffman): number {
    while (this.#bitCount < 15 && this.pos < this.input.length) {
      this.#bits |= this.input[this.pos++]! << this.#bitCount;
      this.#bitCount += 8;
    }
    let entry = code.table[this.#bits & (code.table.length - 1)]!;
    if (entry === 0) entry = decodeSlow(code, this.#bits, this.#bitCount);
    else if ((entry & 15) > this.#bitCount) entry = -1;
    if (entry >= 0) this.#read(entry & 15);
    return entry;
  }

  #stored(): InflateStatus | undefined {
    while (this.#storedLeft > 0) {
      if (this.outPos >= OUT_LIMIT) return "output";
      const n = Math.min(this.#storedLeft, this.input.length - this.pos, OUT_LIMIT - this.outPos);
      if (n === 0) return "input";
      this.out.set(this.input.subarray(this.pos, this.pos + n), this.outPos);
      this.pos += n;
      this.outPos += n;
      this.produced += n;
      this.#storedLeft -= n;
    }
    this.#state = this.#final ? END : HEADER;
    return undefined;
  }

  /** A DataView on the input, made once per input (a block may be a few bytes). */
  #viewOf(input: Uint8Array): DataView {
    let view = this.#view;
    if (!view || this.#viewInput !== input) {
      view = this.#view = new DataView(input.buffer, input.byteOffset, input.byteLength);
      this.#viewInput = input;
    }
    return view;
  }

  /** Literals and matches until the block ends: the hot loop, on local copies. */
  #codes(): InflateStatus | undefined {
    const input = this.input;
    const end = input.length;
    const out = this.out;
    const view = this.#viewOf(input);
    const literals = this.#literals;
    const distances = this.#distances;
    const literalTable = literals.table;
    const literalMask = literalTable.length - 1;
    const distanceTable = distances.table;
    const distanceMask = distanceTable.length - 1;
    // produced = base + outPos while this runs
    const base = this.produced - this.outPos;
    let pos = this.pos;
    let bits = this.#bits;
    let bitCount = this.#bitCount;
    let outPos = this.outPos;
    let unitPos = pos;
    let unitBits = bits;
    let unitBitCount = bitCount;
    let status: InflateStatus | undefined;
    let failure: string | undefined;

    units: for (;;) {
      // The fast path: with FAST_INPUT bytes ahead no unit can run out of input, so the
      // refills test no bounds and nothing is rolled back. Anything unusual (a long code,
      // a bad code or distance) goes back to the unit's start and takes the careful path
      // below, which reports it. Its main refill loads 4 bytes at once and counts only the
      // whole bytes that fit under bit 30: the bits above `bitCount` are then the input's
      // next bits (or zeros), and any later refill ORs the same bits in again, so they
      // never need clearing. (Below 2^30, `bits` stays a small integer for V8.)
      let detour = false;
      fast: while (end - pos >= FAST_INPUT && outPos < OUT_LIMIT) {
        unitPos = pos;
        unitBits = bits;
        unitBitCount = bitCount;
        if (bitCount < 15) {
          bits |= (view.getInt32(pos, true) << bitCount) & 0x3fffffff;
          pos += (30 - bitCount) >> 3;
          bitCount += ((30 - bitCount) >> 3) << 3;
        }
        let entry = literalTable[bits & literalMask]!;
        if (entry === 0) {
          detour = true;
          break fast;
        }
        bits >>>= entry & 15;
        bitCount -= entry & 15;
        let symbol = entry >>> 4;
        if (symbol < 256) {
          out[outPos++] = symbol;
          // Literals come in runs: take the next ones while the bits at hand hold them
          // (at most 30 more bytes, within the slack after OUT_LIMIT).
          for (;;) {
            entry = literalTable[bits & literalMask]!;
            if (entry === 0 || entry >= 256 << 4 || (entry & 15) > bitCount) break;
            bits >>>= entry & 15;
            bitCount -= entry & 15;
            out[outPos++] = entry >>> 4;
          }
          continue;
        }
        if (symbol === 256) {
          this.#state = this.#final ? END : HEADER;
          break units;
        }
        symbol -= 257;
        if (symbol >= 29) {
          detour = true;
          break fast;
        }
        let extra = LENGTH_EXTRA[symbol]!;
        if (bitCount < extra) {
          bits |= input[pos++]! << bitCount;
          bitCount += 8;
        }
        const length = LENGTH_BASE[symbol]! + (bits & ((1 << extra) - 1));
        bits >>>= extra;
        bitCount -= extra;
        if (bitCount < 15) {
          bits |= (view.getInt32(pos, true) << bitCount) & 0x3fffffff;
          pos += (30 - bitCount) >> 3;
          bitCount += ((30 - bitCount) >> 3) << 3;
        }
        entry = distanceTable[bits & distanceMask]!;
        if (entry === 0) {
          detour = true;
          break fast;
        }
        bits >>>= entry & 15;
        bitCount -= entry & 15;
        symbol = entry >>> 4;
        if (symbol >= 30) {
          detour = true;
          break fast;
        }
        extra = DISTANCE_EXTRA[symbol]!;
        if (bitCount < extra) {
          bits |= (input[pos]! | (input[pos + 1]! << 8)) << bitCount;
          pos += 2;
          bitCount += 16;
        }
        const distance = DISTANCE_BASE[symbol]! + (bits & ((1 << extra) - 1));
        bits >>>= extra;
        bitCount -= extra;
        if (distance > base + outPos) {
          detour = true;
          break fast;
        }
        // The same copy as the careful path's, written out again: as a function it cost
        // a fifth of the throughput (V8 does not inline it into a loop this large).
        let from = outPos - distance;
        if (distance === 1) {
          out.fill(out[from]!, outPos, outPos + length);
          outPos += length;
        } else if (distance >= length && length >= 32) {
          out.copyWithin(outPos, from, from + length);
          outPos += length;
        } else {
          for (const stop = outPos + length; outPos < stop;) out[outPos++] = out[from++]!;
        }
      }
      if (detour) {
        // The fast path stopped inside a unit: decode it again, carefully.
        pos = unitPos;
        bits = unitBits;
        bitCount = unitBitCount;
      }
      if (outPos >= OUT_LIMIT) {
        status = "output";
        break;
      }
      unitPos = pos;
      unitBits = bits;
      unitBitCount = bitCount;
      while (bitCount < 15 && pos < end) {
        bits |= input[pos++]! << bitCount;
        bitCount += 8;
      }
      let entry = literalTable[bits & literalMask]!;
      if (entry === 0) entry = decodeSlow(literals, bits, bitCount);
      else if ((entry & 15) > bitCount) entry = -1;
      if (entry < 0) {
        if (entry === -2) failure = "invalid literal/length code";
        else status = "input";
        break;
      }
      bits >>>= entry & 15;
      bitCount -= entry & 15;
      let symbol = entry >>> 4;
      if (symbol < 256) {
        out[outPos++] = symbol;
        continue;
      }
      if (symbol === 256) {
        this.#state = this.#final ? END : HEADER;
        break;
      }
      symbol -= 257;
      if (symbol >= 29) {
        failure = "invalid literal/length code";
        break;
      }
      let extra = LENGTH_EXTRA[symbol]!;
      while (bitCount < extra && pos < end) {
        bits |= input[pos++]! << bitCount;
        bitCount += 8;
      }
      if (bitCount < extra) {
        status = "input";
        break;
      }
      const length = LENGTH_BASE[symbol]! + (bits & ((1 << extra) - 1));
      bits >>>= extra;
      bitCount -= extra;

      while (bitCount < 15 && pos < end) {
        bits |= input[pos++]! << bitCount;
        bitCount += 8;
      }
      entry = distanceTable[bits & distanceMask]!;
      if (entry === 0) entry = decodeSlow(distances, bits, bitCount);
      else if ((entry & 15) > bitCount) entry = -1;
      if (entry < 0) {
        if (entry === -2) failure = "invalid distance code";
        else status = "input";
        break;
      }
      bits >>>= entry & 15;
      bitCount -= entry & 15;
      symbol = entry >>> 4;
      if (symbol >= 30) {
        failure = "invalid distance code";
        break;
      }
      extra = DISTANCE_EXTRA[symbol]!;
      while (bitCount < extra && pos < end) {
        bits |= input[pos++]! << bitCount;
        bitCount += 8;
      }
      if (bitCount < extra) {
        status = "input";
        break;
      }
      const distance = DISTANCE_BASE[symbol]! + (bits & ((1 << extra) - 1));
      bits >>>= extra;
      bitCount -= extra;
      if (distance > base + outPos) {
        failure = "invalid distance too far back";
        break;
      }
      let from = outPos - distance;
      if (distance === 1) {
        out.fill(out[from]!, outPos, outPos + length);
        outPos += length;
      } else if (distance >= length && length >= 32) {
        out.copyWithin(outPos, from, from + length);
        outPos += length;
      } else {
        for (const stop = outPos + length; outPos < stop;) out[outPos++] = out[from++]!;
      }
    }

    if (status === "input" || failure !== undefined) {
      // Undo the unit the input ended in (or that failed: `pos` then points at it).
      pos = unitPos;
      bits = unitBits;
      bitCount = unitBitCount;
    }
    this.pos = pos;
    this.#bits = bits;
    this.#bitCount = bitCount;
    this.produced = base + outPos;
    this.outPos = outPos;
    if (failure !== undefined) throw new DeflateError(failure);
    return status;
  }
}

function huffman(lengths: Uint8Array, kind: "code lengths" | "literal/lengths" | "distances") {
  try {
    return buildHuffman(lengths, kind);
  } catch (error) {
    if (error instanceof HuffmanError) throw new DeflateError(error.message);
    throw error;
  }
}
