// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/**
 * Finds where one msgpack value ends, fed any chunking of its bytes, without building
 * the value: Consul's and Nomad's state has no record lengths, so this is what frames
 * it. Memory is the container stack and a 9-byte partial header, whatever the value's
 * size; raw payloads are skipped in bulk.
 */
export class MsgpackSkipper {
  /** Items still to read in each open container, innermost last. */
  #stack: number[] = [];
  /** A token header split across chunks. */
  #head = new Uint8Array(9);
  #headLength = 0;
  #headNeed = 0;
  /** Where the split header's token began, from the start of the value. */
  #headAt = 0;
  /** Payload bytes (raw, bin, ext) still to skip. */
  #skip = 0;
  /** Bytes of the current value consumed so far. */
  #consumed = 0;

  /** The deepest nesting accepted. */
  static readonly MAX_DEPTH = 1000;

  /** Bytes of the current value consumed so far. */
  get consumed(): number {
    return this.#consumed;
  }

  /** Whether no byte of a value has been consumed yet. */
  get idle(): boolean {
    return this.#consumed === 0;
  }

  /**
   * Consumes bytes of the current value from `bytes[start..]`.
   *
   * @returns The index just past the value's last byte once it is complete (the skipper
   * is then ready for the next value), or -1 when every byte was consumed and the value
   * goes on.
   * @throws {MsgpackFrameError} for the never-used byte 0xc1 or nesting past MAX_DEPTH.
   */
  scan(bytes: Uint8Array, start: number): number {
    let pos = start;
    const end = bytes.length;
    for (;;) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, end - pos);
        pos += n;
        this.#skip -= n;
        if (this.#skip > 0) return this.#done(start, end, -1);
        if (this.#finishItem()) return this.#done(start, pos, pos);
        continue;
      }
      if (pos >= end) return this.#done(start, end, -1);
      let header: Uint8Array = bytes;
      let at = pos;
      let tokenAt = this.#consumed + pos - start;
      if (this.#headNeed > 0) {
        const n = Math.min(this.#headNeed - this.#headLength, end - pos);
        this.#head.set(bytes.subarray(pos, pos + n), this.#headLength);
        this.#headLength += n;
        pos += n;
        if (this.#headLength < this.#headNeed) return this.#done(start, end, -1);
        header = this.#head;
        at = 0;
        tokenAt = this.#headAt;
        this.#headNeed = 0;
        this.#headLength = 0;
      } else {
        const size = headerSize(bytes[pos]!);
        if (size < 0) throw new MsgpackFrameError(tokenAt, bytes[pos]!);
        if (pos + size > end) {
          this.#head.set(bytes.subarray(pos, end));
          this.#headLength = end - pos;
          this.#headNeed = size;
          this.#headAt = tokenAt;
          return this.#done(start, end, -1);
        }
        pos += size;
      }
      if (this.#token(header, at, tokenAt)) return this.#done(start, pos, pos);
    }
  }

  /** Forgets any value in progress. */
  reset(): void {
    this.#stack.length = 0;
    this.#headLength =
      this.#headNeed =
      this.#skip =
      this.#consumed =
        0;
  }

  #done(start: number, upTo: number, result: number): number {
    this.#consumed += upTo - start;
    if (result >= 0) this.#consumed = 0;
    return result;
  }

  /**
   * Applies one complete token header; true when the top-level value ended.
   * `offset` is where the token began, from the start of the value.
   */
  #token(h: Uint8Array, at: number, offset: number): boolean {
    const b = h[at]!;
    if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) return this.#finishItem();
    if (b <= 0x8f) return this.#open((b & 0x0f) * 2, offset);
    if (b <= 0x9f) return this.#open(b & 0x0f, offset);
    if (b <= 0xbf) return this.#payload(b & 0x1f);
    switch (b) {
      case 0xc4:
      case 0xd9:
        return this.#payload(h[at + 1]!);
      case 0xc5:
      case 0xda:
        return this.#payload(u16(h, at + 1));
      case 0xc6:
      case 0xdb:
        return this.#payload(u32(h, at + 1));
      case 0xc7:
        return this.#payload(h[at + 1]!);
      case 0xc8:
        return this.#payload(u16(h, at + 1));
      case 0xc9:
        return this.#payload(u32(h, at + 1));
      case 0xd4:
        return this.#payload(1);
      case 0xd5:
        return this.#payload(2);
      case 0xd6:
        return this.#payload(4);
      case 0xd7:
        return this.#payload(8);
      case 0xd8:
        return this.#payload(16);
      case 0xdc:
        return this.#open(u16(h, at + 1), offset);
      case 0xdd:
        return this.#open(u32(h, at + 1), offset);
      case 0xde:
        return this.#open(u16(h, at + 1) * 2, offset);
      case 0xdf:
        return this.#open(u32(h, at + 1) * 2, offset);
      default: // fixed-size numbers: the header is the whole token
        return this.#finishItem();
    }
  }

  #payload(length: number): boolean {
    if (length === 0) return this.#finishItem();
    this.#skip = length;
    return false;
  }

  #open(items: number, offset: number): boolean {
    if (items === 0) return this.#finishItem();
    if (this.#stack.length >= MsgpackSkipper.MAX_DEPTH) {
      throw new MsgpackFrameError(offset, undefined, "nesting deeper than 1000 levels");
    }
    this.#stack.push(items);
    return false;
  }

  /** Counts one finished item; true when that finished the top-level value. */
  #finishItem(): boolean {
    const stack = this.#stack;
    while (stack.length > 0) {
      const top = stack.length - 1;
      if (--stack[top]! > 0) return false;
      stack.pop();
    }
    return true;
  }
}

/** A byte no msgpack value may hold, or a value nested too deeply. */
export class MsgpackFrameError extends Error {
  /** Offset of the problem from the start of the value. */
  readonly offset: number;

  /**
   * @param offset Offset from the start of the value.
   * @param byte The offending byte, if that is the problem.
   * @param reason Otherwise, what is wrong.
   */
  constructor(offset: number, byte: number | undefined, reason?: string) {
    super(reason ?? `byte 0x${byte!.toString(16).padStart(2, "0")} is not a msgpack type`);
    this.name = "MsgpackFrameError";
    this.offset = offset;
  }
}

/** The header size of the token starting with `b` (payload excluded), or -1 for 0xc1. */
function headerSize(b: number): number {
  if (b <= 0xbf || b >= 0xe0) return 1;
  return HEADER_SIZES[b - 0xc0]!;
}

// 0xc0..0xdf: nil, (never used), false, true, bin8/16/32, ext8/16/32, float32/64,
// uint8..64, int8..64, fixext1..16 (type byte in the header), str8/16/32, array16/32,
// map16/32.
const HEADER_SIZES = [
  1,
  -1,
  1,
  1,
  2,
  3,
  5,
  3,
  4,
  6,
  5,
  9,
  2,
  3,
  5,
  9,
  2,
  3,
  5,
  9,
  2,
  2,
  2,
  2,
  2,
  2,
  3,
  5,
  3,
  5,
  3,
  5,
]; // deno-fmt-ignore

function u16(h: Uint8Array, at: number): number {
  return (h[at]! << 8) | h[at + 1]!;
}

function u32(h: Uint8Array, at: number): number {
  return ((h[at]! << 24) >>> 0) + ((h[at + 1]! << 16) | (h[at + 2]! << 8) | h[at + 3]!);
}
