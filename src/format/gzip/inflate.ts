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
 * whose start inflates very far (zeros), and any stream in workerd; and where the
 * platform's stream cannot show where a member ends (Node's). And it takes over from the
 * start of a native member the platform refused (within its first
 * {@linkcode REPLAY_BYTES}), or from the end of a member that bytes follow at the end of
 * the stream, so that what follows is decided as Go decides it, whatever the chunking.
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
/** A gzip member's trailer: CRC-32 and ISIZE. */
const TRAILER_BYTES = 8;
/**
 * Compressed bytes of a native member kept for a replay. The platform drops the output of
 * the write that fails (and what it decoded past its last handed-out chunk), where Go's
 * flate hands out every byte decoded before the fault; and it refuses bytes after a
 * member with the member's last output, where Go reads them as the next header. So when
 * the platform refuses a member, the script inflater takes the stream over from the
 * member's start: the sink gets the output the platform dropped (the part it had is
 * skipped), and the script inflater's verdict is Go's, whatever the chunking. A member's
 * first REPLAY_BYTES are kept (a copy, bounded memory); a fault past them keeps the
 * platform's answer (see `NativeMembers`).
 */
export const REPLAY_BYTES = 4 * 1024 * 1024;
/**
 * The stream's last bytes that go to the native decompressor one at a time (see
 * `NativeMembers.#tail`): a trailer and the 9 bytes that, after the last member, Go calls
 * a cut header (io.ErrUnexpectedEOF) rather than no header at all (ErrHeader).
 */
const HOLD = TRAILER_BYTES + 9;
/** Compressed bytes the `auto` engine probes before it picks an inflater. */
const PROBE_BYTES = 64 * 1024;
/** Output the probe inflates at most. */
const PROBE_OUTPUT = 4 * 1024 * 1024;
/** Above this many bytes out per byte in, the script inflater takes the stream. */
const SCRIPT_RATIO = 64;
const EMPTY = new Uint8Array(0);
const HEADER = 10;
const TRAILER = TRAILER_BYTES;
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
      if (
        engine === "script" ||
        (engine === "auto" &&
          (start.inflatesHigh || slowPlatform() || await nativeHidesMemberEnds()))
      ) {
        script = new ScriptMembers(gate, 0);
      } else native = new NativeMembers(gate, engine === "auto");
    }
    if (script) return await script.write(bytes);
    const rest = await native!.write(bytes);
    if (rest === undefined) return;
    script = new ScriptMembers(gate, native!.handoff.offset, native!.handoff.skip);
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
      script = new ScriptMembers(gate, native!.handoff.offset, native!.handoff.skip);
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

/**
 * Whether the platform's `DecompressionStream("gzip")` hides where a member ends: Node's
 * (zlib through a stream adapter) takes bytes after a member that start with 00 without a
 * word, joins the members that follow into one stream under zlib's own header rules (it
 * refuses FLG's reserved bits, which Go ignores), and resolves a write before it inflated
 * it, so the output so far is never known mid-stream. There the script inflater takes the
 * whole stream, which knows where each member ends and reads every header and every byte
 * after the last member as Go does. Asked once: a 20-byte empty member and a 00 byte.
 */
function nativeHidesMemberEnds(): Promise<boolean> {
  return hidesMemberEnds ??= (async () => {
    const ds = new DecompressionStream("gzip");
    const writer = ds.writable.getWriter();
    const reader = ds.readable.getReader();
    const drained = (async () => {
      while (!(await reader.read()).done);
    })();
    try {
      await writer.write(Uint8Array.of(...PLAIN_HEADER, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
      await writer.close();
      await drained;
      return true;
    } catch {
      await drained.catch(() => {});
      return false;
    }
  })();
}
let hidesMemberEnds: Promise<boolean> | undefined;

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
  /** Output the sink already has (from a native member handed back): not handed again. */
  #skip: number;

  /**
   * @param offset The compressed offset where the script inflater starts.
   * @param skip How many output bytes from there the sink already has.
   */
  constructor(gate: OutputGate, offset: number, skip = 0) {
    this.#gate = gate;
    this.#gunzip = new Gunzip(offset);
    this.#before = gate.total;
    this.#skip = skip;
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
    let chunk = this.#gunzip.take();
    if (chunk.length === 0) return;
    this.#out += chunk.length;
    this.#gate.total = this.#before + this.#out;
    this.#gate.check(this.#gate.total, this.#gunzip.offset);
    if (this.#skip > 0) {
      const skipped = Math.min(this.#skip, chunk.length);
      this.#skip -= skipped;
      chunk = chunk.subarray(skipped);
      if (chunk.length === 0) return;
    }
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
  #kept: Uint8Array[] | undefined = [];
  #keptBytes = 0;

  /** Keeps a copy of `piece` for a replay, while the member is within REPLAY_BYTES. */
  keep(piece: Uint8Array) {
    if (this.#kept === undefined) return;
    this.#keptBytes += piece.length;
    if (this.#keptBytes > REPLAY_BYTES) this.#kept = undefined;
    else this.#kept.push(piece.slice());
  }

  /** The kept input, joined (`undefined` past REPLAY_BYTES); the member keeps no more. */
  takeKept(): Uint8Array | undefined {
    const kept = this.#kept;
    this.#kept = undefined;
    return kept === undefined ? undefined : concat(kept);
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
 *
 * What the platform refuses, the script inflater decides, as Go would: a member the
 * platform fails within its first {@linkcode REPLAY_BYTES} is handed back whole (see
 * `#failed`), and the stream's last {@linkcode HOLD} bytes go in one at a time, so that
 * a member that ends there hands what follows it back (see `#tail`).
 */
class NativeMembers {
  /** Compressed bytes the members took. */
  offset = 0;
  members = 0;
  /**
   * Once `write` or `close` returned bytes for the script inflater: the compressed offset
   * where they start, and how many output bytes of theirs the sink already has.
   */
  handoff = { offset: 0, skip: 0 };
  readonly #gate: OutputGate;
  readonly #budgeted: boolean;
  #member: NativeMember | undefined;
  /** A possible magic split across chunks. */
  #carry = new Uint8Array(0);
  /** Compressed bytes taken by the decompressor, counting the piece it is working on. */
  #inFlight = 0;
  /** The input not fed yet: the latest chunks, as long as they hold HOLD bytes after their first. */
  #held: Uint8Array[] = [];
  #heldBytes = 0;
  /** Whether the stream's last HOLD bytes are being fed (see `#tail`). */
  #inTail = false;

  /** @param budgeted Whether members past the budget are handed back (see `write`). */
  constructor(gate: OutputGate, budgeted: boolean) {
    this.#gate = gate;
    this.#budgeted = budgeted;
  }

  /**
   * Inflates `bytes`. Returns bytes for the script inflater, from `handoff.offset` on
   * (with any held back), when a new member starts past the native budget or a member
   * the platform refused is handed back; `undefined` otherwise.
   */
  async write(chunk: Uint8Array): Promise<Uint8Array | undefined> {
    // The stream's last HOLD bytes are held until `close`, which feeds them one at a time.
    this.#held.push(chunk);
    this.#heldBytes += chunk.length;
    while (this.#held.length > 1 && this.#heldBytes - this.#held[0]!.length >= HOLD) {
      const first = this.#held.shift()!;
      this.#heldBytes -= first.length;
      const rest = await this.#write(first);
      if (rest !== undefined) return joinBytes(rest, this.#takeHeld());
    }
    return undefined;
  }

  #takeHeld(): Uint8Array {
    const held = this.#held;
    this.#held = [];
    this.#heldBytes = 0;
    return held.length === 1 ? held[0]! : concat(held);
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
    const final = this.#takeHeld();
    const cut = Math.max(0, final.length - HOLD);
    if (cut > 0) {
      const rest = await this.#write(final.subarray(0, cut));
      if (rest !== undefined) return joinBytes(rest, final.subarray(cut));
    }
    const rest = await this.#tail(joinBytes(this.#carry, final.subarray(cut)));
    if (rest !== undefined) return rest;
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
      return await this.#failed(last, () => this.#closeError(last, error));
    }
    await last.done;
    // Deno's and Chromium's decompressors refuse any byte after a member's trailer, so a
    // member that closed cleanly ends with it. Node's zlib skips bytes after a member that
    // start with 00, and joins the members that follow into one: a member that took no
    // possible header mid-stream and still does not end with its trailer had bytes skipped.
    // (The `auto` engine does not use Node's: see `nativeHidesMemberEnds`.)
    if (!last.endsWithTrailer && last.magicPieces === 0) throw trailingBytes(this.offset);
    this.#gate.total += last.bytesOut;
    return undefined;
  }

  /**
   * Feeds the stream's last bytes one at a time, each once all output before it is taken.
   * Where the member's input then ends with a trailer whose ISIZE matches its output and
   * bytes follow, the member is closed there (the platform checks its CRC) and the bytes
   * after it go to the script inflater, which reads them as Go's `readHeader` does
   * (gunzip.go L175-186: fewer than 10 are io.ErrUnexpectedEOF, 10 that are no header
   * ErrHeader). The platform would refuse them with the output of the write that held
   * them, whatever their number.
   */
  async #tail(bytes: Uint8Array): Promise<Uint8Array | undefined> {
    this.#carry = new Uint8Array(0);
    this.#inTail = true;
    for (let i = 0; i < bytes.length; i++) {
      const m = this.#member;
      if (m !== undefined && m.headerDone && m.bytesIn > 0) {
        try {
          await m.writer.write(EMPTY); // resolves once all output is taken: bytesOut is exact
        } catch {
          // the write below fails the same way
        }
        if (m.endsWithTrailer) {
          const handed = await this.#endMember(m);
          if (handed !== undefined) return joinBytes(handed, bytes.subarray(i));
          this.handoff = { offset: this.offset, skip: 0 };
          return bytes.subarray(i);
        }
      }
      const handed = await this.#feed(bytes.subarray(i, i + 1));
      if (handed !== undefined) return joinBytes(handed, bytes.subarray(i + 1));
    }
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
      const handed = await this.#feed(bytes.subarray(start, end));
      if (handed !== undefined) return joinBytes(handed, bytes.subarray(end));
      start = end;
    }
    return undefined;
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

  /**
   * Inflates one piece. Returns `undefined` once it is fed, or the bytes the script
   * inflater takes in its place, up to the piece's end (see `handoff`): the piece, when it
   * starts a member past the native budget; the refused member from its start.
   */
  async #feed(piece: Uint8Array): Promise<Uint8Array | undefined> {
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
        return undefined;
      }
    } catch (error) {
      // A header Go refuses: nothing reached the decompressor, whose read loop still waits.
      if (!current.headerDone) throw error;
      return await this.#failed(current, () => this.#writeError(current, piece, error));
    }
    // The member ended exactly where this piece starts: the piece opens the next one.
    const handed = await this.#endMember(current);
    if (handed !== undefined) return joinBytes(handed, piece);
    if (!this.#canStartMember) {
      this.handoff = { offset: this.offset, skip: 0 };
      return piece;
    }
    const next = this.#startMember();
    try {
      next.keep(piece);
      await next.write(piece);
      next.took(piece);
      this.offset += piece.length;
      return undefined;
    } catch (error) {
      // A header Go refuses: nothing reached the decompressor, whose read loop still waits.
      if (!next.headerDone) throw error;
      return await this.#failed(next, () => this.#writeError(next, piece, error));
    }
  }

  /**
   * A member the platform refused (a write or its close failed). The sink finishes what
   * it was given first: an error it finds (a hash mismatch, say) comes first, as Go reports
   * the tar's errors before the gzip layer's. Then, where the member is within its first
   * REPLAY_BYTES, its bytes from its start are handed to the script inflater (see
   * {@linkcode REPLAY_BYTES}); past them, the platform's error, as `nativeError` names it,
   * stands.
   *
   * @returns The member's bytes so far, for the script inflater (see `handoff`).
   */
  async #failed(m: NativeMember, nativeError: () => SnapshotError): Promise<Uint8Array> {
    await m.done.catch(() => {});
    if (m.sinkError !== undefined) throw m.sinkError;
    const kept = m.takeKept();
    if (kept === undefined) throw nativeError();
    this.#handBack(m);
    return kept;
  }

  /** Hands a member back to the script inflater, from its start. */
  #handBack(m: NativeMember) {
    this.handoff = { offset: m.start, skip: m.bytesOut };
    this.offset = m.start;
    this.members--;
    this.#member = undefined;
  }

  /**
   * Closes a member whose input ended with its trailer, so its CRC is checked. Returns
   * `undefined` once it closed, or the member's bytes for the script inflater where the
   * platform refused it (see `#failed`).
   */
  async #endMember(member: NativeMember): Promise<Uint8Array | undefined> {
    try {
      await member.writer.close();
      await member.done;
    } catch (error) {
      return await this.#failed(member, () => this.#endError(error));
    }
    this.#gate.total += member.bytesOut;
    this.#member = undefined;
    return undefined;
  }

  #endError(cause: unknown): SnapshotError {
    // The trailer's length matched, so a bad CRC is what a platform that does not say
    // why (Bun, workerd) refuses here; only a cut deflate stream is something else.
    if (!/unexpected end|end of (file|stream)|truncat/i.test(String(cause))) {
      return badCrc(this.offset - TRAILER, cause);
    }
    // Its last 4 bytes equal its length and a member header or the stream's end follows,
    // yet its deflate data goes on: only a crafted stream does that (a chance of 2^-32).
    return gzipError(
      "gzip-data",
      `the gzip member before offset ${this.offset} looks complete (a trailer with its ` +
        "length) but its deflate data does not end there",
      this.offset,
      cause,
    );
  }

  #writeError(m: NativeMember, piece: Uint8Array, cause: unknown): SnapshotError {
    const offset = this.offset;
    // Chromium fails the write that holds a bad trailer (Deno fails the close).
    const zlib = zlibWords(cause);
    if (zlib === "incorrect data check" || zlib === "incorrect length check") {
      return badCrc(Math.max(0, offset + piece.length - TRAILER), cause);
    }
    // The stream's last bytes go in one at a time once all output was taken: a refused
    // byte that completes a trailer holding the member's true length is a bad CRC (Bun,
    // workerd say only that inflating failed).
    if (zlib === undefined && this.#inTail) {
      m.took(piece);
      if (m.endsWithTrailer) return badCrc(offset + piece.length - TRAILER, cause);
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

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function joinBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
