// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { ChunkReader } from "../../_chunk_reader.ts";
import { SnapshotError } from "../../errors.ts";
import { Gunzip, readHeaderRest } from "./gunzip.ts";
import { RATIO_FLOOR } from "../../limits.ts";

/**
 * gzip made to behave like Go's `gzip.Reader`: several concatenated members are one
 * stream, and every failure is a typed {@linkcode SnapshotError} instead of the
 * platform's bare `TypeError`.
 *
 * Two inflaters share the work. The platform's `DecompressionStream` is the fast path
 * for what writers make: one member (Go), or a few large ones (our `parallel` writer).
 * But each member costs it a native stream whose memory returns only at a full GC, so an
 * archive of many tiny members would cost gigabytes. So a member is inflated natively
 * only while the archive has paid for it with {@linkcode NATIVE_MEMBER_BYTES} compressed
 * bytes per native member; past that, every further member goes through the script
 * inflater ({@linkcode Gunzip}), which carries on across members in constant memory.
 * The script inflater also takes the whole stream where it is the faster one: a stream
 * whose start inflates very far (zeros), and any stream in workerd.
 *
 * Stages: {@linkcode inflate} reads the source; {@linkcode StartCheck} checks the first
 * header and probes how far the start inflates; bytes go to {@linkcode NativeMembers}
 * until the budget runs out, then to {@linkcode ScriptMembers}; both pass output through
 * one {@linkcode OutputGate}.
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
  /**
   * Which inflater takes the members: `auto` as described above, `native` for the
   * platform's only, `script` for the script inflater only (tests and benchmarks).
   *
   * @default {"auto"}
   */
  engine?: "auto" | "native" | "script";
}

/** What {@linkcode inflate} reports once the stream ended cleanly. */
export interface InflateSummary {
  /** Compressed bytes read. */
  compressedBytes: number;
  /** Decompressed bytes produced. */
  decompressedBytes: number;
  /** gzip members seen. */
  members: number;
  /** Of those, the members the platform's `DecompressionStream` inflated. */
  nativeMembers: number;
}

/**
 * Compressed bytes that pay for each native member after the first. A native stream
 * holds about 40 KiB until a full GC, so at most a sixth of the compressed size can be
 * waiting for one; a writer's members (Go's one, our 4 MiB blocks) stay native.
 */
export const NATIVE_MEMBER_BYTES = 256 * 1024;

// Caps the bytes handed to the platform decompressor at once, which bounds how much it
// can produce in one go: 16 KiB of deflate inflate to at most about 16.5 MiB.
const MAX_PIECE = 16 * 1024;
/**
 * Compressed bytes of a native member kept for a replay. The platform drops the output of
 * the write that fails (and what it decoded past its last handed-out chunk), where Go's
 * flate hands out every byte decoded before the fault: so when a member fails, the script
 * inflater replays it from its start, and the sink gets the output the platform dropped
 * before the script inflater's error (Go's). A member's first REPLAY_BYTES are kept (a
 * copy, bounded memory); a fault past them keeps the platform's answer (see `#replay`).
 */
export const REPLAY_BYTES = 4 * 1024 * 1024;
/** Compressed bytes the `auto` engine probes before it picks an inflater. */
const PROBE_BYTES = 64 * 1024;
/** Output the probe inflates at most. */
const PROBE_OUTPUT = 4 * 1024 * 1024;
/** Above this many bytes out per byte in, the script inflater takes the stream. */
const SCRIPT_RATIO = 64;
const EMPTY = new Uint8Array(0);
const HEADER = 10;
const TRAILER = 8;
/** Input bytes a native member remembers, to find its trailer a few bytes before the end. */
const TAIL = 16;
/**
 * The member header every native decompressor is handed in place of the member's own,
 * once {@linkcode readHeaderRest} has read that one as Go does: no flags, MTIME 0, XFL 0,
 * OS 255. Header fields have no bearing on the data, CRC or length; so the platform never
 * decides a header (zlib refuses FLG's reserved bits, which Go ignores, and reads names
 * of any length, which Go refuses past 511 bytes).
 */
const PLAIN_HEADER = Uint8Array.of(0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff);

/**
 * Decompresses a gzip stream of one or more members, handing the output to `sink`
 * with backpressure.
 *
 * @param source The compressed bytes.
 * @param sink Receives the decompressed bytes; if it throws, inflation stops with that error.
 * @param options A compressed-chunk observer, the output limits and the engine.
 * @throws {SnapshotError} for input Go's `gzip.Reader` would refuse.
 */
export async function inflate(
  source: ReadableStream<Uint8Array>,
  sink: InflateSink,
  options: InflateOptions = {},
): Promise<InflateSummary> {
  const { onCompressed, engine = "auto" } = options;
  const gate = new OutputGate(sink, options.maxBytes ?? Infinity, options.maxRatio ?? Infinity);
  const reader = new ChunkReader(source);
  const start = new StartCheck(engine === "auto");
  let native: NativeMembers | undefined;
  let script: ScriptMembers | undefined;
  const route = async (bytes: Uint8Array) => {
    if (!native && !script) {
      if (engine === "script" || (engine === "auto" && (start.inflatesHigh || slowPlatform()))) {
        script = new ScriptMembers(gate, 0);
      } else native = new NativeMembers(gate, engine === "auto");
    }
    if (script) return await script.write(bytes);
    const rest = await native!.write(bytes);
    if (rest === undefined) return;
    script = new ScriptMembers(gate, native!.offset);
    await script.write(rest);
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!(value instanceof Uint8Array)) {
        // A JavaScript caller's stream of strings, numbers or ArrayBuffers.
        const got = typeof value === "object" && value !== null
          ? (value as object).constructor?.name ?? "object"
          : typeof value;
        throw new TypeError(
          `An archive stream must be a byte stream (ReadableStream<Uint8Array>): a chunk is ${
            /^[aeiou]/i.test(got) ? "an" : "a"
          } ${got}`,
        );
      }
      if (value.length === 0) continue;
      const seen = onCompressed?.(value);
      if (seen) await seen;
      const bytes = start.take(value);
      if (bytes !== undefined) await route(bytes);
    }
    const held = start.finish();
    if (held !== undefined) await route(held);
    if (!script) {
      const rest = await native!.close();
      if (rest === undefined) return gate.summary(native!.offset, native!.members, native!.members);
      script = new ScriptMembers(gate, native!.offset);
      await script.write(rest);
    }
    await script.close();
    const nativeMembers = native?.members ?? 0;
    return gate.summary(script.offset, nativeMembers + script.members, nativeMembers);
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    await native?.abort(error);
    throw error;
  } finally {
    reader.releaseLock();
  }
}

/**
 * Holds the first bytes back until the first member's magic is checked and, for the
 * `auto` engine, until {@linkcode PROBE_BYTES} are in: a throwaway script inflation of
 * them tells how far the archive inflates. A member that inflates more than
 * {@linkcode SCRIPT_RATIO} times (zeros, a 1000:1 archive) goes to the script inflater,
 * which is faster there and makes less garbage than the platform's large output buffers.
 */
class StartCheck {
  #held: Uint8Array | undefined = new Uint8Array(0);
  readonly #probe: boolean;
  /** Whether the start of the stream inflates more than {@linkcode SCRIPT_RATIO} times. */
  inflatesHigh = false;

  constructor(probe: boolean) {
    this.#probe = probe;
  }

  /** The bytes to inflate, or `undefined` while they are still held back. */
  take(chunk: Uint8Array): Uint8Array | undefined {
    if (this.#held === undefined) return chunk;
    const held = joinBytes(this.#held, chunk);
    // Not gzip: hold on until a tar's magic would show, so that what the error says does
    // not depend on where the chunks break (an upload sent in small pieces).
    if (held.length >= HEADER && (startsWithMagic(held) || held.length >= TAR_MAGIC_END)) {
      checkMagic(held);
    }
    if (held.length < (this.#probe ? PROBE_BYTES : HEADER) || !startsWithMagic(held)) {
      this.#held = held;
      return undefined;
    }
    return this.#release(held);
  }

  /** At the end of the input: what is still held, or a throw if it is no gzip stream. */
  finish(): Uint8Array | undefined {
    const held = this.#held;
    if (held === undefined) return undefined;
    if (held.length === 0) throw gzipError("empty", "the input is empty", 0);
    if (held.length < HEADER) {
      throw gzipError(
        "truncated",
        `the input ends inside the gzip header, after ${held.length} bytes`,
        held.length,
      );
    }
    checkMagic(held);
    return this.#release(held);
  }

  #release(held: Uint8Array): Uint8Array {
    this.#held = undefined;
    if (this.#probe) this.inflatesHigh = probeRatio(held) > SCRIPT_RATIO;
    return held;
  }
}

/**
 * Whether the platform's `DecompressionStream` is slower than the script inflater: in
 * workerd (Cloudflare Workers) it inflated a 1 GiB state at 70-100 MB/s (in 4 KiB output
 * chunks), where ours runs at about 240 MB/s and makes less garbage (a whole verify's peak
 * RSS 354 MiB against 185 MiB).
 */
function slowPlatform(): boolean {
  const agent = (globalThis as { navigator?: { userAgent?: unknown } }).navigator?.userAgent;
  return agent === "Cloudflare-Workers";
}

/** Output bytes per input byte of the start of a gzip stream (0 if it does not inflate). */
function probeRatio(bytes: Uint8Array): number {
  const gunzip = new Gunzip();
  gunzip.push(bytes);
  let out = 0;
  try {
    while (out < PROBE_OUTPUT && gunzip.run() === "output") out += gunzip.take().length;
    out += gunzip.take().length;
  } catch {
    return 0; // the real inflater reports what is wrong
  }
  return out / Math.max(1, gunzip.offset);
}

/** Where a tar header's `ustar` magic ends. */
const TAR_MAGIC_END = 262;

function checkMagic(head: Uint8Array) {
  if (startsWithMagic(head)) return;
  // An operator who packed the folder with tar but forgot gzip deserves to be told.
  const tar = head.length >= TAR_MAGIC_END &&
    String.fromCharCode(...head.subarray(257, TAR_MAGIC_END)) === "ustar";
  throw gzipError(
    "gzip-header",
    "the input is not gzip data (it does not start with 1f 8b 08)" +
      (tar ? "; it looks like an uncompressed tar: gzip it to make a .snap" : ""),
    0,
  );
}

/** Counts the output against the limits, then hands it to the sink. */
class OutputGate {
  /** Output of the members that ended (native) or of everything so far (script). */
  total = 0;

  constructor(
    readonly sink: InflateSink,
    readonly maxBytes: number,
    readonly maxRatio: number,
  ) {}

  /** Throws `limit-exceeded` when `total` bytes from `compressed` go past a limit. */
  check(total: number, compressed: number) {
    if (total > this.maxBytes) {
      throw new SnapshotError(
        "limit-exceeded",
        `the archive inflates to more than ${this.maxBytes} bytes; raise limits.maxTarBytes to read it`,
        {
          layer: "gzip",
          limit: "maxTarBytes",
          offset: compressed,
          expected: `at most ${this.maxBytes} bytes`,
          found: `${total} bytes so far`,
        },
      );
    }
    if (total > RATIO_FLOOR && total > this.maxRatio * compressed) {
      throw new SnapshotError(
        "limit-exceeded",
        `the archive inflates more than ${this.maxRatio} times its compressed size ` +
          `(${total} bytes from ${compressed}); raise limits.maxRatio to read it`,
        {
          layer: "gzip",
          limit: "maxRatio",
          offset: compressed,
          expected: `at most ${this.maxRatio}x`,
          found: `${total} bytes`,
        },
      );
    }
  }

  summary(compressedBytes: number, members: number, nativeMembers: number): InflateSummary {
    return { compressedBytes, decompressedBytes: this.total, members, nativeMembers };
  }
}

/** The members after the native ones, through the script inflater. */
class ScriptMembers {
  readonly #gunzip: Gunzip;
  readonly #gate: OutputGate;
  readonly #before: number;
  #out = 0;

  constructor(gate: OutputGate, offset: number) {
    this.#gate = gate;
    this.#gunzip = new Gunzip(offset);
    this.#before = gate.total;
  }

  get offset(): number {
    return this.#gunzip.offset;
  }

  get members(): number {
    return this.#gunzip.members;
  }

  async write(bytes: Uint8Array): Promise<void> {
    this.#gunzip.push(bytes);
    for (;;) {
      let status;
      try {
        status = this.#gunzip.run();
      } catch (error) {
        // The sink sees what came before first: its error (a hash mismatch, say) wins,
        // as Go reports the tar's errors before the gzip layer's.
        await this.#flush();
        throw error;
      }
      // Output waits in the window until a chunk is full ("output") or the input ends:
      // small input chunks (workerd hands a request body over in 4 KiB) then still make
      // 64 KiB chunks for the pipeline downstream, not 16 KiB ones.
      if (status === "input") return;
      await this.#flush();
    }
  }

  async close(): Promise<void> {
    try {
      this.#gunzip.finish();
    } catch (error) {
      await this.#flush();
      throw error;
    }
    await this.#flush();
  }

  async #flush() {
    const chunk = this.#gunzip.take();
    if (chunk.length === 0) return;
    this.#out += chunk.length;
    this.#gate.total = this.#before + this.#out;
    this.#gate.check(this.#gate.total, this.#gunzip.offset);
    await this.#gate.sink(chunk);
  }
}

/** One member on the platform's `DecompressionStream`. */
class NativeMember {
  readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly done: Promise<void>;
  bytesIn = 0;
  bytesOut = 0;
  sinkError: unknown = undefined;
  /** Pieces starting with `1f 8b 08` that this member took after its first bytes. */
  magicPieces = 0;
  /** The last TAIL bytes the member took (fewer at its start: see `bytesIn`). */
  readonly #tail = new Uint8Array(TAIL);
  /** The compressed offset where the member starts. */
  readonly start: number;
  /** The member's header bytes so far, until the whole header is in (then `undefined`). */
  #header: Uint8Array | undefined = new Uint8Array(0);
  #headerLength = 0;

  constructor(sink: InflateSink, check: (bytesOut: number) => void, start: number) {
    this.start = start;
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

  /** Whether the member's whole header is in (and was handed on as PLAIN_HEADER). */
  get headerDone(): boolean {
    return this.#header === undefined;
  }

  /**
   * Hands `piece` to the decompressor. While the member's header is not all in, the bytes
   * are held and read by {@linkcode readHeaderRest} (Go's rules, Go's errors); once it
   * is, the decompressor gets PLAIN_HEADER and the bytes after the header.
   */
  async write(piece: Uint8Array): Promise<void> {
    const header = this.#header;
    if (header === undefined) return await this.writer.write(piece);
    // The buffer grows by doubling: a 64 KiB FEXTRA fed a byte at a time stays linear.
    let buffer = header;
    if (this.#headerLength + piece.length > header.length) {
      buffer = new Uint8Array(Math.max(2 * header.length, this.#headerLength + piece.length, 64));
      buffer.set(header.subarray(0, this.#headerLength));
    }
    buffer.set(piece, this.#headerLength);
    this.#headerLength += piece.length;
    this.#header = buffer;
    const bytes = buffer.subarray(0, this.#headerLength);
    const end = readHeaderRest(bytes, 0, this.start);
    if (end === undefined) return;
    this.#header = undefined;
    await this.writer.write(joinBytes(PLAIN_HEADER, bytes.subarray(end)));
  }

  /** The member's input from its start while it is within REPLAY_BYTES, else `undefined`. */
  kept: Uint8Array[] | undefined = [];
  #keptBytes = 0;

  /** Keeps a copy of `piece` for a replay, while the member is within REPLAY_BYTES. */
  keep(piece: Uint8Array) {
    if (this.kept === undefined) return;
    this.#keptBytes += piece.length;
    if (this.#keptBytes > REPLAY_BYTES) this.kept = undefined;
    else this.kept.push(piece.slice());
  }

  took(piece: Uint8Array) {
    if (this.bytesIn > 0 && this.headerDone && startsWithMagic(piece)) this.magicPieces++;
    this.bytesIn += piece.length;
    if (piece.length >= TAIL) this.#tail.set(piece.subarray(piece.length - TAIL));
    else {
      this.#tail.copyWithin(0, piece.length);
      this.#tail.set(piece, TAIL - piece.length);
    }
  }

  /** Whether the input ends `extra` bytes after a trailer whose ISIZE matches the output. */
  #trailerAt(extra: number): boolean {
    if (this.bytesIn < HEADER + 2 + TRAILER + extra) return false;
    const t = this.#tail;
    const at = TAIL - 4 - extra;
    const isize = (t[at]! | (t[at + 1]! << 8) | (t[at + 2]! << 16) | (t[at + 3]! << 24)) >>> 0;
    return isize === this.bytesOut % 2 ** 32;
  }

  /** Whether the input so far ends with a trailer whose ISIZE matches the output. */
  get endsWithTrailer(): boolean {
    return this.#trailerAt(0);
  }

  /**
   * Whether a trailer whose ISIZE matches the output ends a few bytes before the input
   * does: bytes a decompressor took after the member (Bun's and Node's zlib take a 00).
   */
  get trailerBeforeEnd(): boolean {
    for (let extra = 1; extra <= TAIL - 4; extra++) if (this.#trailerAt(extra)) return true;
    return false;
  }
}

/**
 * Members on the platform's `DecompressionStream`, which stops at the end of a member
 * and refuses whatever follows. So each input chunk is split just before every
 * `1f 8b 08` (a possible member header); when a piece that starts there is refused after
 * the member took all bytes before it, and the 4 bytes before it equal the member's
 * output length (its ISIZE trailer), a new member starts with that piece. Single-member
 * input pays only for the `indexOf` scan; every member's CRC and length are still
 * checked natively.
 */
class NativeMembers {
  /** Compressed bytes the members took. */
  offset = 0;
  members = 0;
  readonly #gate: OutputGate;
  readonly #budgeted: boolean;
  #member: NativeMember | undefined;
  /** A possible magic split across chunks. */
  #carry = new Uint8Array(0);
  /** Compressed bytes taken by the decompressor, counting the piece it is working on. */
  #inFlight = 0;
  /** The input chunk not fed yet (see `write`). */
  #pending: Uint8Array | undefined;
  /** Once the stream's last bytes are being fed: how many (see `close`). */
  #finalBytes = 0;

  /** @param budgeted Whether members past the budget are handed back (see `write`). */
  constructor(gate: OutputGate, budgeted: boolean) {
    this.#gate = gate;
    this.#budgeted = budgeted;
  }

  /**
   * Inflates `bytes`. When a new member starts past the native budget, returns the
   * bytes from its first one on (with any held back), for the script inflater.
   */
  async write(chunk: Uint8Array): Promise<Uint8Array | undefined> {
    // Each chunk is fed once the next one arrives, so that `close` knows the last one.
    const previous = this.#pending;
    this.#pending = chunk;
    if (!previous) return undefined;
    const rest = await this.#write(previous);
    if (rest === undefined) return undefined;
    this.#pending = undefined;
    return joinBytes(rest, chunk);
  }

  async #write(chunk: Uint8Array): Promise<Uint8Array | undefined> {
    let bytes = this.#carry.length > 0 ? joinBytes(this.#carry, chunk) : chunk;
    // Hold back a trailing 1f or 1f 8b: the rest of a member header may follow.
    let keep = 0;
    if (bytes.at(-1) === 0x1f) keep = 1;
    else if (bytes.at(-2) === 0x1f && bytes.at(-1) === 0x8b) keep = 2;
    this.#carry = bytes.slice(bytes.length - keep);
    bytes = bytes.subarray(0, bytes.length - keep);
    const rest = await this.#feedSplit(bytes);
    if (rest === undefined) return undefined;
    const handed = joinBytes(rest, this.#carry);
    this.#carry = new Uint8Array(0);
    return handed;
  }

  /** Ends the last member; returns bytes for the script inflater as `write` does. */
  async close(): Promise<Uint8Array | undefined> {
    const final = this.#pending;
    this.#pending = undefined;
    if (final) {
      // The last 8 bytes (the trailer, in a good stream) go on their own, once all output
      // before them is taken. Where the platform fails a bad trailer without saying why
      // (Bun, workerd), the output is then whole, and the trailer's length tells a bad
      // CRC from corrupt data.
      const cut = Math.max(0, final.length - TRAILER);
      const head = cut > 0 ? await this.#write(final.subarray(0, cut)) : undefined;
      if (head !== undefined) return joinBytes(head, final.subarray(cut));
      await this.#member?.writer.write(EMPTY).catch(() => {}); // a failure shows below
      this.#finalBytes = final.length - cut;
      const rest = await this.#write(final.subarray(cut));
      if (rest !== undefined) return rest;
    }
    if (this.#carry.length > 0) {
      const rest = await this.#feedSplit(this.#carry);
      if (rest !== undefined) return rest;
    }
    const last = this.#member!;
    if (!last.headerDone) {
      // Go: readHeader's io.ReadFull meets the end (noEOF: io.ErrUnexpectedEOF).
      throw gzipError(
        "truncated",
        `the gzip stream ends inside a gzip member header, at offset ${this.offset} ` +
          "(the file is truncated)",
        this.offset,
      );
    }
    try {
      // An empty write resolves only once the sink has taken every chunk already made
      // (the stream's backpressure): nothing is lost if closing then fails.
      await last.writer.write(new Uint8Array(0));
      await last.writer.close();
    } catch (error) {
      await last.done.catch(() => {});
      if (last.sinkError !== undefined) throw last.sinkError;
      throw await this.#replay(last, this.#closeError(last, error), true);
    }
    await last.done;
    // Deno's and Chromium's decompressors refuse any byte after a member's trailer, so a
    // member that closed cleanly ends with it. Node's zlib skips bytes after a member that
    // start with 00, and joins the members that follow into one: a member that took no
    // possible header mid-stream and still does not end with its trailer had bytes skipped.
    if (!last.endsWithTrailer && last.magicPieces === 0) throw trailingBytes(this.offset);
    this.#gate.total += last.bytesOut;
    return undefined;
  }

  async abort(error: unknown) {
    const member = this.#member;
    if (!member) return;
    await member.writer.abort(error).catch(() => {});
    await member.done.catch(() => {});
  }

  /** Splits before every possible member header, into pieces of at most MAX_PIECE. */
  async #feedSplit(bytes: Uint8Array): Promise<Uint8Array | undefined> {
    // The next header position is remembered, so each byte is scanned once.
    let start = 0;
    let at = findMagic(bytes, 1);
    while (start < bytes.length) {
      if (at !== -1 && at <= start) at = findMagic(bytes, start + 1);
      const end = Math.min(at === -1 ? bytes.length : at, start + MAX_PIECE);
      if (!await this.#feed(bytes.subarray(start, end))) return bytes.subarray(start);
      start = end;
    }
    return undefined;
  }

  /** Whether the piece being fed holds the stream's last bytes (see `close`). */
  get #atEnd(): boolean {
    return this.#finalBytes > 0 && this.#carry.length === 0;
  }

  /** Whether a new native member is paid for; see {@linkcode NATIVE_MEMBER_BYTES}. */
  get #canStartMember(): boolean {
    return !this.#budgeted || this.members <= Math.floor(this.offset / NATIVE_MEMBER_BYTES);
  }

  #startMember(): NativeMember {
    const gate = this.#gate;
    const member = new NativeMember(gate.sink, (bytesOut) => {
      gate.check(gate.total + bytesOut, this.offset + this.#inFlight);
    }, this.offset);
    this.#member = member;
    this.members++;
    return member;
  }

  /** Inflates one piece; false when it starts a member past the native budget. */
  async #feed(piece: Uint8Array): Promise<boolean> {
    const current = this.#member ?? this.#startMember();
    this.#inFlight = piece.length;
    try {
      // A piece that starts with a possible member header, after a member whose input
      // ends with its true length: that member ends here, so close it instead of letting
      // the decompressor refuse the piece. Deno's decompressor checks a trailer's CRC
      // only at close: a bad CRC in a member followed by another would pass unseen.
      let ended = false;
      if (current.bytesIn > 0 && current.headerDone && startsWithMagic(piece)) {
        await current.writer.write(EMPTY); // resolves once all output is taken: bytesOut is exact
        ended = current.endsWithTrailer;
      }
      if (!ended) {
        current.keep(piece);
        await current.write(piece);
        current.took(piece);
        this.offset += piece.length;
        return true;
      }
    } catch (error) {
      // A header Go refuses: nothing reached the decompressor, whose read loop still waits.
      if (!current.headerDone) throw error;
      // Let the sink finish what it was given: an error it finds (a hash mismatch, say)
      // comes first, as Go reports the tar's errors before the gzip layer's.
      await current.done.catch(() => {});
      if (current.sinkError !== undefined) throw current.sinkError;
      throw await this.#replay(current, this.#writeError(current, piece, error), this.#atEnd);
    }
    await this.#closeEnded(current);
    // The member ended exactly where this piece starts: the piece opens the next one.
    this.#gate.total += current.bytesOut;
    this.#member = undefined;
    if (!this.#canStartMember) return false;
    const next = this.#startMember();
    try {
      next.keep(piece);
      await next.write(piece);
      next.took(piece);
      this.offset += piece.length;
      return true;
    } catch (error) {
      // A header Go refuses: nothing reached the decompressor, whose read loop still waits.
      if (!next.headerDone) throw error;
      await next.done.catch(() => {});
      if (next.sinkError !== undefined) throw next.sinkError;
      throw await this.#replay(next, this.#writeError(next, piece, error), this.#atEnd);
    }
  }

  /** Closes a member whose input ended with its trailer, so its CRC is checked. */
  async #closeEnded(member: NativeMember) {
    try {
      await member.writer.close();
      await member.done;
    } catch (error) {
      await member.done.catch(() => {});
      if (member.sinkError !== undefined) throw member.sinkError;
      // The trailer's length matched, so a bad CRC is what a platform that does not say
      // why (Bun, workerd) refuses here; only a cut deflate stream is something else.
      if (!/unexpected end|end of (file|stream)|truncat/i.test(String(error))) {
        throw badCrc(this.offset - TRAILER, error);
      }
      // Its last 4 bytes equal its length and a member header follows, yet its deflate
      // data goes on: only a crafted stream does that.
      throw gzipError(
        "gzip-data",
        `the gzip member before offset ${this.offset} looks complete (a trailer with its ` +
          "length, then a member header) but its deflate data does not end there",
        this.offset,
        error,
      );
    }
  }

  /**
   * The script inflater's answer for a member the platform refused: Go's flate hands out
   * every byte it decoded before a fault, where the platform drops the output of the write
   * that failed, and names some faults differently (a bad trailer after a stream whose
   * length changed: Go's checksum error, Deno's bare failure). So the member is inflated
   * again from its start; the sink gets the output past what the platform handed out (an
   * error the sink then finds, a bad tar header, say, comes first, as in Go), and the
   * script inflater's error is the verdict. Past REPLAY_BYTES of the member, or where the
   * script inflater does not fail on the same bytes, the platform's error stands.
   *
   * @param atEnd Whether the member's input is the whole rest of the stream.
   * @returns The error to throw.
   */
  async #replay(m: NativeMember, nativeError: SnapshotError, atEnd: boolean): Promise<unknown> {
    const kept = m.kept;
    m.kept = undefined;
    if (kept === undefined) return nativeError;
    const gunzip = new Gunzip(m.start);
    let input = new Uint8Array(kept.reduce((n, piece) => n + piece.length, 0));
    let at = 0;
    for (const piece of kept) {
      input.set(piece, at);
      at += piece.length;
    }
    gunzip.push(input);
    input = EMPTY;
    // The first `m.bytesOut` bytes reached the sink already, from the platform.
    let skip = m.bytesOut;
    let extra = 0;
    const hand = async () => {
      let chunk = gunzip.take();
      const skipped = Math.min(skip, chunk.length);
      skip -= skipped;
      chunk = chunk.subarray(skipped);
      if (chunk.length === 0) return;
      extra += chunk.length;
      this.#gate.check(this.#gate.total + m.bytesOut + extra, gunzip.offset);
      await this.#gate.sink(chunk);
    };
    for (;;) {
      let status;
      try {
        status = gunzip.run();
        if (status === "input" && atEnd) gunzip.finish();
      } catch (error) {
        await hand(); // the sink's error, if it finds one in what came before, wins
        return error;
      }
      if (status === "input") break;
      await hand();
    }
    // The script inflater found no fault in the bytes the platform refused: the two
    // disagree, and the platform's error stands.
    return nativeError;
  }

  #writeError(m: NativeMember, piece: Uint8Array, cause: unknown) {
    const offset = this.offset;
    // Chromium fails the write that holds a bad trailer (Deno fails the close).
    const zlib = zlibWords(cause);
    if (zlib === "incorrect data check" || zlib === "incorrect length check") {
      return badCrc(Math.max(0, offset + piece.length - TRAILER), cause);
    }
    // The stream's last bytes, fed alone after all output was taken, hold the member's
    // true length: the platform refused the trailer, not the data.
    if (
      zlib === undefined && this.#finalBytes === TRAILER && piece.length >= TRAILER &&
      readUint32(piece, piece.length - 4) === m.bytesOut % 2 ** 32
    ) {
      return badCrc(offset + piece.length - TRAILER, cause);
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
  }

  #closeError(last: NativeMember, cause: unknown) {
    const offset = this.offset;
    // Node's zlib drops the output of the call that failed, so the trailer test cannot
    // tell a bad CRC or trailing bytes from a cut stream there: zlib's own words can.
    const zlib = zlibWords(cause);
    if (
      last.endsWithTrailer || zlib === "incorrect data check" || zlib === "incorrect length check"
    ) {
      return badCrc(offset - TRAILER, cause);
    }
    if (zlib === "incorrect header check") return trailingBytes(offset, cause);
    // Bun's zlib says only "inflate failed": a trailer that matches the output, with bytes
    // after it, is bytes after the member, not a cut stream.
    if (zlib === undefined && last.trailerBeforeEnd) return trailingBytes(offset, cause);
    return gzipError(
      "truncated",
      `the gzip stream ends at offset ${offset} without a valid trailer ` +
        "(the file is truncated, or its last 8 bytes are corrupt)",
      offset,
      cause,
    );
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

/** A member's trailer that does not match its data (reported as Go reports it: the CRC-32). */
function badCrc(offset: number, cause: unknown) {
  return gzipError(
    "gzip-checksum",
    "the CRC-32 in the gzip trailer does not match the data (the archive is corrupt)",
    offset,
    cause,
  );
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
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function readUint32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>>
    0;
}
