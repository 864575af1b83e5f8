// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { SnapshotError } from "../../errors.ts";
import { crc32 } from "./crc32.ts";
import { DeflateError, RawInflater } from "./inflate_raw.ts";

/**
 * gzip members (RFC 1952) one after another, in script: headers as Go's `gzip.Reader`
 * reads them, deflate through {@linkcode RawInflater}, and each trailer's CRC-32 and
 * length checked. It knows exactly where each member ends, so any number of members
 * costs a constant amount of memory and a small constant of time each.
 */

const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
/** Go reads a header's name or comment into a 512-byte buffer, NUL included. */
const MAX_STRING = 512;
const HEADER = 10;
const TRAILER = 8;

/** What {@linkcode Gunzip.run} stopped for: more input, or output to take. */
export type GunzipStatus = "input" | "output";

/** Decodes a gzip stream of any number of members from pushed input. */
export class Gunzip {
  readonly #raw = new RawInflater();
  #state: "header" | "deflate" | "trailer" = "header";
  /** Compressed offset of `input[0]`. */
  #base: number;
  #crc = 0;
  /** Where in the output the current member's bytes not yet in the CRC start. */
  #crcFrom = 0;
  /** Members that ended with a good trailer. */
  members = 0;

  /** @param offset The compressed offset of the first byte pushed, for error reports. */
  constructor(offset = 0) {
    this.#base = offset;
  }

  /** Compressed bytes consumed, counted from the start of the whole stream. */
  get offset(): number {
    return this.#base + this.#raw.pos;
  }

  /** Adds input after what is left of the previous input. */
  push(bytes: Uint8Array): void {
    const raw = this.#raw;
    const rest = raw.input.subarray(raw.pos);
    this.#base += raw.pos;
    if (rest.length === 0) raw.input = bytes;
    else {
      const joined = new Uint8Array(rest.length + bytes.length);
      joined.set(rest);
      joined.set(bytes, rest.length);
      raw.input = joined;
    }
    raw.pos = 0;
  }

  /**
   * Decodes what the input allows.
   *
   * @throws {SnapshotError} `gzip-data`, `gzip-header` or `gzip-checksum`.
   */
  run(): GunzipStatus {
    const raw = this.#raw;
    for (;;) {
      if (this.#state === "header") {
        if (!this.#header()) return "input";
        raw.reset();
        this.#crc = 0;
        this.#crcFrom = raw.outPos;
        this.#state = "deflate";
      }
      if (this.#state === "deflate") {
        let status;
        try {
          status = raw.run();
        } catch (error) {
          if (!(error instanceof DeflateError)) throw error;
          throw new SnapshotError(
            "gzip-data",
            `corrupt deflate data near offset ${this.offset} (${error.message})`,
            { layer: "gzip", offset: this.offset, cause: error },
          );
        }
        if (status !== "end") return status;
        this.#state = "trailer";
      }
      if (raw.input.length - raw.pos < TRAILER) return "input";
      this.#trailer();
      this.members++;
      this.#state = "header";
    }
  }

  /** The output decoded since the last call (it may span members). */
  take(): Uint8Array {
    this.#updateCrc();
    const chunk = this.#raw.take();
    this.#crcFrom = this.#raw.outPos;
    return chunk;
  }

  /**
   * Checks that the input ended on a member boundary, after at least one member.
   *
   * @throws {SnapshotError} `truncated`, or `empty` for no input at all.
   */
  finish(): void {
    const raw = this.#raw;
    const left = raw.input.length - raw.pos;
    if (this.#state === "header" && left === 0) {
      if (this.members > 0) return;
      throw new SnapshotError("empty", "the input is empty", { layer: "gzip", offset: 0 });
    }
    const where = this.#state === "header"
      ? "inside a gzip member header"
      : this.#state === "deflate"
      ? "inside a gzip member's deflate data"
      : "inside a gzip member's 8-byte trailer";
    const end = this.#base + raw.input.length;
    throw new SnapshotError(
      "truncated",
      `the gzip stream ends ${where}, at offset ${end} (the file is truncated)`,
      { layer: "gzip", offset: end, expected: "more gzip data" },
    );
  }

  #updateCrc() {
    const raw = this.#raw;
    if (raw.outPos > this.#crcFrom) {
      this.#crc = crc32(raw.out.subarray(this.#crcFrom, raw.outPos), this.#crc);
      this.#crcFrom = raw.outPos;
    }
  }

  #trailer() {
    const raw = this.#raw;
    this.#updateCrc();
    const b = raw.input;
    const at = raw.pos;
    const crc = (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
    const size = (b[at + 4]! | (b[at + 5]! << 8) | (b[at + 6]! << 16) | (b[at + 7]! << 24)) >>> 0;
    if (crc !== this.#crc || size !== raw.produced % 2 ** 32) {
      const what = crc !== this.#crc ? "CRC-32" : "length (ISIZE)";
      throw new SnapshotError(
        "gzip-checksum",
        `the ${what} in the gzip trailer does not match the data (the archive is corrupt)`,
        {
          layer: "gzip",
          offset: this.offset,
          expected: crc !== this.#crc ? hex(this.#crc) : `${raw.produced % 2 ** 32}`,
          found: crc !== this.#crc ? hex(crc) : `${size}`,
        },
      );
    }
    raw.pos += TRAILER;
  }

  /** Reads a member header as Go does; false when the input ends inside it. */
  #header(): boolean {
    const raw = this.#raw;
    const b = raw.input;
    const start = raw.pos;
    if (b.length - start < HEADER) return false;
    if (b[start] !== 0x1f || b[start + 1] !== 0x8b || b[start + 2] !== 0x08) {
      // At the stream's start, no gzip at all; after a member (Go's Read calls readHeader
      // again, gunzip.go L279, and gets ErrHeader, L185-186), bytes that are not gzip
      // follow it. A Gunzip may start after members another inflater took (offset > 0).
      throw this.offset === 0
        ? new SnapshotError(
          "gzip-header",
          "the input is not gzip data (it does not start with 1f 8b 08)",
          { layer: "gzip", offset: this.offset },
        )
        : new SnapshotError(
          "gzip-data",
          `bytes that are not gzip follow the end of the compressed data at offset ${this.offset}`,
          { layer: "gzip", offset: this.offset, expected: "a gzip member header (1f 8b 08)" },
        );
    }
    const at = readHeaderRest(b, start, this.offset);
    if (at === undefined) return false;
    raw.pos = at;
    return true;
  }
}

/**
 * Reads the rest of a gzip member header whose first 3 bytes (`1f 8b 08`) the caller
 * checked, exactly as Go's `gzip.Reader.readHeader` does (`src/compress/gzip/gunzip.go`,
 * Go 1.22: `readHeader`, lines 174-243, and `readString`, lines 141-170):
 *
 * - FLG's reserved bits 5-7 and FTEXT are ignored: Go reads `flg := z.buf[3]` and tests
 *   only flagExtra, flagName, flagComment and flagHdrCrc (lines 188, 198, 212, 219, 226);
 * - MTIME, XFL and OS take any value (lines 189-195: "z.buf[8] is XFL and is currently
 *   ignored");
 * - FEXTRA: a 2-byte little-endian length, then that many bytes, any content (198-209);
 * - FNAME and FCOMMENT: NUL-terminated, read into the 512-byte `z.buf` (line 80): at most
 *   511 bytes before the NUL, else ErrHeader (lines 145-147);
 * - FHCRC: the low 16 bits of the CRC-32 of every header byte before it, FEXTRA's length
 *   and data and both strings' NULs included (lines 196, 202, 207, 157), else ErrHeader
 *   (lines 226-234).
 *
 * The platform's decompressors differ (zlib refuses reserved bits, takes any name
 * length), which is why the native path runs this first and hands the platform a plain
 * header in place of the original (see `inflate.ts`).
 *
 * @param b The input.
 * @param start Where the member header starts in `b`.
 * @param offset The compressed offset of `b[start]`, for error reports.
 * @returns Where the deflate data starts in `b`, or `undefined` when `b` ends inside the
 * header.
 * @throws {SnapshotError} `gzip-header` where Go returns `gzip.ErrHeader`.
 */
export function readHeaderRest(b: Uint8Array, start: number, offset: number): number | undefined {
  if (b.length - start < HEADER) return undefined;
  const flags = b[start + 3]!;
  let at = start + HEADER;
  if (flags & FEXTRA) {
    if (b.length - at < 2) return undefined;
    at += 2 + (b[at]! | (b[at + 1]! << 8));
    if (at > b.length) return undefined;
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if (!(flags & flag)) continue;
    const nul = b.subarray(at, at + MAX_STRING).indexOf(0);
    if (nul === -1) {
      if (b.length - at < MAX_STRING) return undefined;
      throw badHeader(offset, `its ${flag === FNAME ? "name" : "comment"} is over 511 bytes`);
    }
    at += nul + 1;
  }
  if (flags & FHCRC) {
    if (b.length - at < 2) return undefined;
    const stored = b[at]! | (b[at + 1]! << 8);
    if (stored !== (crc32(b.subarray(start, at)) & 0xffff)) {
      throw badHeader(offset, "its header CRC does not match");
    }
    at += 2;
  }
  return at;
}

function badHeader(offset: number, why: string) {
  return new SnapshotError(
    "gzip-header",
    `the gzip member header at offset ${offset} is invalid: ${why}`,
    { layer: "gzip", offset },
  );
}

function hex(n: number): string {
  return n.toString(16).padStart(8, "0");
}
