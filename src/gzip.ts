// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { SnapshotError } from "./errors.ts";
import { RATIO_FLOOR } from "./limits.ts";

/**
 * gzip on the platform's `DecompressionStream`, made to behave like Go's `gzip.Reader`:
 * several concatenated members are one stream, and every failure is a typed
 * {@linkcode SnapshotError} instead of the platform's bare `TypeError`.
 *
 * Deno's and Chromium's `DecompressionStream` stop at the end of the first member and
 * reject whatever follows. So each input chunk is split just before every `1f 8b 08`
 * (a possible member header); when a piece that starts there is refused after the
 * member took all bytes before it, and the 4 bytes before it equal the member's output
 * length (its ISIZE trailer), a new member starts with that piece. Single-member input
 * pays only for the `indexOf` scan; every member's CRC and length are still checked
 * natively.
 */

/** Receives decompressed bytes; a returned promise holds back further output. */
export type InflateSink = (chunk: Uint8Array) => void | Promise<void>;

/** Options of {@linkcode inflate}. */
export interface InflateOptions {
  /** Sees each compressed chunk as it is read (to hash the archive). */
  onCompressed?: (chunk: Uint8Array) => void | Promise<void>;
  /** Most decompressed bytes; more fails with `limit-exceeded`. */
  maxBytes?: number;
  /** Most decompressed bytes per compressed byte, once 16 MiB are out. */
  maxRatio?: number;
}

/** What {@linkcode inflate} reports once the stream ended cleanly. */
export interface InflateSummary {
  /** Compressed bytes read. */
  compressedBytes: number;
  /** Decompressed bytes produced. */
  decompressedBytes: number;
  /** gzip members seen. */
  members: number;
}

// Caps the bytes handed to the platform decompressor at once, which bounds how much it
// can produce in one go: 16 KiB of deflate inflate to at most about 16.5 MiB.
const MAX_PIECE = 16 * 1024;
const HEADER = 10;
const TRAILER = 8;

class Member {
  readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly done: Promise<void>;
  bytesIn = 0;
  bytesOut = 0;
  sinkError: unknown = undefined;
  /** Pieces starting with `1f 8b 08` that this member took after its first bytes. */
  magicPieces = 0;
  readonly #tail = new Uint8Array(4);

  constructor(sink: InflateSink, check: (bytesOut: number) => void) {
    const ds = new DecompressionStream("gzip");
    // TypeScript types the platform stream over BufferSource; it takes any Uint8Array.
    this.writer = ds.writable.getWriter() as unknown as WritableStreamDefaultWriter<Uint8Array>;
    const reader = ds.readable.getReader();
    this.done = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        this.bytesOut += value.length;
        try {
          check(this.bytesOut);
          await sink(value);
        } catch (error) {
          this.sinkError = error;
          await reader.cancel(error).catch(() => {});
          throw error;
        }
      }
    })();
    // The read loop's failure is looked at through `sinkError` and the writer.
    this.done.catch(() => {});
  }

  took(piece: Uint8Array) {
    if (this.bytesIn > 0 && startsWithMagic(piece)) this.magicPieces++;
    this.bytesIn += piece.length;
    if (piece.length >= 4) this.#tail.set(piece.subarray(piece.length - 4));
    else {
      this.#tail.copyWithin(0, piece.length);
      this.#tail.set(piece, 4 - piece.length);
    }
  }

  /** Whether the input so far ends with a trailer whose ISIZE matches the output. */
  get endsWithTrailer(): boolean {
    if (this.bytesIn < HEADER + 2 + TRAILER) return false;
    const t = this.#tail;
    const isize = (t[0]! | (t[1]! << 8) | (t[2]! << 16) | (t[3]! << 24)) >>> 0;
    return isize === this.bytesOut % 2 ** 32;
  }
}

/** The next offset from `from` where `1f 8b 08` starts, or -1. */
function findMagic(bytes: Uint8Array, from: number): number {
  let at = bytes.indexOf(0x1f, from);
  while (at !== -1 && !startsWithMagic(bytes, at)) at = bytes.indexOf(0x1f, at + 1);
  return at;
}

function startsWithMagic(bytes: Uint8Array, at = 0): boolean {
  return bytes[at] === 0x1f && bytes[at + 1] === 0x8b && bytes[at + 2] === 0x08;
}

function gzipError(
  code: "gzip-data" | "gzip-checksum" | "truncated" | "gzip-header" | "empty",
  message: string,
  offset: number,
  cause?: unknown,
) {
  return new SnapshotError(code, message, { layer: "gzip", offset, cause });
}

/**
 * Decompresses a gzip stream of one or more members, handing the output to `sink`
 * with backpressure.
 *
 * @param source The compressed bytes.
 * @param sink Receives the decompressed bytes; if it throws, inflation stops with that error.
 * @param options A compressed-chunk observer and the output limits.
 * @throws {SnapshotError} for input Go's `gzip.Reader` would refuse.
 */
export async function inflate(
  source: ReadableStream<Uint8Array>,
  sink: InflateSink,
  options: InflateOptions = {},
): Promise<InflateSummary> {
  const { onCompressed } = options;
  const maxBytes = options.maxBytes ?? Infinity;
  const maxRatio = options.maxRatio ?? Infinity;
  const reader = source.getReader();
  let offset = 0; // compressed bytes handed to members so far
  let head: Uint8Array | undefined = new Uint8Array(0); // first bytes, until the header is checked
  let carry = new Uint8Array(0); // a possible magic split across chunks
  let member: Member | undefined;
  let members = 0;
  let decompressed = 0;

  // Compressed bytes taken by the decompressor, counting the piece it is working on.
  let inFlight = 0;
  const check = (memberOut: number) => {
    const total = decompressed + memberOut;
    if (total > maxBytes) {
      throw new SnapshotError(
        "limit-exceeded",
        `the archive inflates to more than ${maxBytes} bytes; raise limits.maxTarBytes to read it`,
        {
          layer: "gzip",
          limit: "maxTarBytes",
          offset,
          expected: `at most ${maxBytes} bytes`,
          found: `${total} bytes so far`,
        },
      );
    }
    if (total > RATIO_FLOOR && total > maxRatio * (offset + inFlight)) {
      throw new SnapshotError(
        "limit-exceeded",
        `the archive inflates more than ${maxRatio} times its compressed size ` +
          `(${total} bytes from ${offset + inFlight}); raise limits.maxRatio to read it`,
        {
          layer: "gzip",
          limit: "maxRatio",
          offset,
          expected: `at most ${maxRatio}x`,
          found: `${total} bytes`,
        },
      );
    }
  };

  const startMember = () => {
    if (member) decompressed += member.bytesOut;
    member = new Member(sink, check);
    members++;
    return member;
  };

  const feed = async (piece: Uint8Array): Promise<void> => {
    const current = member ?? startMember();
    inFlight = piece.length;
    try {
      await current.writer.write(piece);
      current.took(piece);
      offset += piece.length;
      return;
    } catch (error) {
      // Let the sink finish what it was given: an error it finds (a hash mismatch, say)
      // comes first, as Go reports the tar's errors before the gzip layer's.
      await current.done.catch(() => {});
      if (current.sinkError !== undefined) throw current.sinkError;
      const nextMember = startsWithMagic(piece) && current.endsWithTrailer;
      if (!nextMember) throw classifyWriteError(current, piece, error);
    }
    // The member ended exactly where this piece starts: the piece opens the next one.
    const next = startMember();
    try {
      await next.writer.write(piece);
      next.took(piece);
      offset += piece.length;
    } catch (error) {
      await next.done.catch(() => {});
      if (next.sinkError !== undefined) throw next.sinkError;
      throw classifyWriteError(next, piece, error);
    }
  };

  const classifyWriteError = (m: Member, piece: Uint8Array, cause: unknown) => {
    // Chromium fails the write that holds a bad trailer (Deno fails the close).
    const zlib = zlibWords(cause);
    if (zlib === "incorrect data check" || zlib === "incorrect length check") {
      return gzipError(
        "gzip-checksum",
        "the CRC-32 in the gzip trailer does not match the data (the archive is corrupt)",
        Math.max(0, offset + piece.length - TRAILER),
        cause,
      );
    }
    if (m.bytesIn === 0 && !startsWithMagic(piece)) {
      return gzipError(
        "gzip-data",
        `bytes at offset ${offset} are not a gzip member header`,
        offset,
        cause,
      );
    }
    if (m.endsWithTrailer) return trailingBytes(offset, cause);
    return gzipError("gzip-data", `corrupt deflate data near offset ${offset}`, offset, cause);
  };

  const feedSplit = async (bytes: Uint8Array): Promise<void> => {
    // Split before every possible member header, and into pieces of at most MAX_PIECE.
    // The next header position is remembered, so each byte is scanned once.
    let start = 0;
    let at = findMagic(bytes, 1);
    while (start < bytes.length) {
      if (at !== -1 && at <= start) at = findMagic(bytes, start + 1);
      const end = Math.min(at === -1 ? bytes.length : at, start + MAX_PIECE);
      await feed(bytes.subarray(start, end));
      start = end;
    }
  };

  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (value.length === 0) continue;
      const seen = onCompressed?.(value);
      if (seen) await seen;
      let bytes: Uint8Array = value;
      if (head !== undefined) {
        head = joinBytes(head, bytes);
        if (head.length < HEADER) continue;
        if (!startsWithMagic(head)) {
          // An operator who packed the folder with tar but forgot gzip deserves to be told.
          const tar = head.length >= 262 &&
            String.fromCharCode(...head.subarray(257, 262)) === "ustar";
          throw gzipError(
            "gzip-header",
            "the input is not gzip data (it does not start with 1f 8b 08)" +
              (tar ? "; it looks like an uncompressed tar: gzip it to make a .snap" : ""),
            0,
          );
        }
        bytes = head;
        head = undefined;
      }
      if (carry.length > 0) bytes = joinBytes(carry, bytes);
      // Hold back a trailing 1f or 1f 8b: the rest of a member header may follow.
      let keep = 0;
      if (bytes.at(-1) === 0x1f) keep = 1;
      else if (bytes.at(-2) === 0x1f && bytes.at(-1) === 0x8b) keep = 2;
      carry = bytes.slice(bytes.length - keep);
      await feedSplit(bytes.subarray(0, bytes.length - keep));
    }
    if (head !== undefined) {
      if (head.length === 0) throw gzipError("empty", "the input is empty", 0);
      throw gzipError(
        "truncated",
        `the input ends inside the gzip header, after ${head.length} bytes`,
        head.length,
      );
    }
    if (carry.length > 0) await feedSplit(carry);
    const last = member!;
    try {
      // An empty write resolves only once the sink has taken every chunk already made
      // (the stream's backpressure): nothing is lost if closing then fails.
      await last.writer.write(new Uint8Array(0));
      await last.writer.close();
    } catch (error) {
      await last.done.catch(() => {});
      if (last.sinkError !== undefined) throw last.sinkError;
      // Node's zlib drops the output of the call that failed, so the trailer test cannot
      // tell a bad CRC or trailing bytes from a cut stream there: zlib's own words can.
      const zlib = zlibWords(error);
      if (
        last.endsWithTrailer || zlib === "incorrect data check" || zlib === "incorrect length check"
      ) {
        throw gzipError(
          "gzip-checksum",
          "the CRC-32 in the gzip trailer does not match the data (the archive is corrupt)",
          offset - TRAILER,
          error,
        );
      }
      if (zlib === "incorrect header check") throw trailingBytes(offset, error);
      throw gzipError(
        "truncated",
        `the gzip stream ends at offset ${offset} without a valid trailer ` +
          "(the file is truncated, or its last 8 bytes are corrupt)",
        offset,
        error,
      );
    }
    await last.done;
    // Deno's and Chromium's decompressors refuse any byte after a member's trailer, so a
    // member that closed cleanly ends with it. Node's zlib skips bytes after a member that
    // start with 00, and joins the members that follow into one: a member that took no
    // possible header mid-stream and still does not end with its trailer had bytes skipped.
    if (!last.endsWithTrailer && last.magicPieces === 0) throw trailingBytes(offset);
    decompressed += last.bytesOut;
    return { compressedBytes: offset, decompressedBytes: decompressed, members };
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    if (member) {
      await member.writer.abort(error).catch(() => {});
      await member.done.catch(() => {});
    }
    throw error;
  } finally {
    reader.releaseLock();
  }
}

function trailingBytes(offset: number, cause?: unknown) {
  return gzipError(
    "gzip-data",
    `bytes that are not gzip follow the end of the compressed data at offset ${offset}`,
    offset,
    cause,
  );
}

/**
 * zlib's own words in a decompressor's error, where the platform passes them on (Node's
 * message is zlib's; Chromium's ends with it): the one way to tell a bad CRC there, as
 * both drop the output of the call that failed.
 */
function zlibWords(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : "";
  return /incorrect (data|length|header) check/.exec(message)?.[0];
}

function joinBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
