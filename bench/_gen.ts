// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Deterministic, fast state generators, streamed to disk in large chunks.

/** xoshiro128** seeded through splitmix32: small, fast, and good enough for test data. */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = next();
    this.#b = next();
    this.#c = next();
    this.#d = next() | 1;
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.#b, 5), 7), 9) >>> 0;
    const t = this.#b << 9;
    this.#c ^= this.#a;
    this.#d ^= this.#b;
    this.#b ^= this.#c;
    this.#a ^= this.#d;
    this.#c ^= t;
    this.#d = rotl(this.#d, 11);
    return result;
  }

  /** A uniform integer in [0, n) (n well below 2^32; the bias does not matter here). */
  below(n: number): number {
    return Math.floor((this.u32() / 4294967296) * n);
  }

  /** Fills `out` with uniform words (the generator inlined: this is the hot loop). */
  fill(out: Uint32Array): void {
    let a = this.#a;
    let b = this.#b;
    let c = this.#c;
    let d = this.#d;
    for (let i = 0; i < out.length; i++) {
      out[i] = Math.imul(rotl(Math.imul(b, 5), 7), 9);
      const t = b << 9;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = (d << 11) | (d >>> 21);
    }
    this.#a = a;
    this.#b = b;
    this.#c = c;
    this.#d = d;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Fills whole buffers; returns how many leading bytes of `out` it wrote. */
export type ChunkFiller = (out: Uint8Array) => number;

/** Random bytes: every byte of `out` (its length must be a multiple of 4). */
export function randomFiller(seed: number): ChunkFiller {
  const rng = new Rng(seed ^ 0x5eed0001);
  return (out) => {
    rng.fill(new Uint32Array(out.buffer, out.byteOffset, out.length >>> 2));
    return out.length & ~3;
  };
}

const BASE64 = new TextEncoder().encode(
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
);
const HEX = new TextEncoder().encode("0123456789abcdef");

/**
 * A pool of random base64 characters (each one a uniform 6-bit symbol, as in the base64
 * of random bytes) that the mixed generator slices values out of. Far larger than
 * deflate's 32 KiB window, so the slices do not compress against each other.
 */
function base64Pool(rng: Rng, length: number): Uint8Array {
  const pool = new Uint8Array(length);
  for (let i = 0; i < length;) {
    let word = rng.u32();
    for (let k = 0; k < 5 && i < length; k++, i++) {
      pool[i] = BASE64[word & 63]!;
      word >>>= 6;
    }
  }
  return pool;
}

const POOL_SIZE = 16 << 20;
/** No record is longer than this (its value is capped well below). */
export const MAX_RECORD = 4096;
const MAX_VALUE = 2048;

const enc = (text: string) => new TextEncoder().encode(text);
const SERVICES = [
  "web",
  "api",
  "db",
  "cache",
  "auth",
  "billing",
  "search",
  "queue",
  "metrics",
  "gateway",
  "payments",
  "users",
  "inventory",
  "mailer",
  "scheduler",
  "ledger",
].map(enc);
const KINDS = ["config", "health", "meta", "routes", "leader", "flags", "tls", "limits"].map(enc);
const P_KEY = enc(`{"Key":"service/`);
const P_FLAGS = enc(`","Flags":`);
const P_VALUE = enc(`,"Value":"`);
const P_CREATE = enc(`","CreateIndex":`);
const P_MODIFY = enc(`,"ModifyIndex":`);
const P_LOCK = enc(`,"LockIndex":`);
const P_SESSION = enc(`,"Session":"`);
const P_END = enc(`"}\n`);

function put(out: Uint8Array, pos: number, bytes: Uint8Array): number {
  if (bytes.length <= 16) {
    for (let i = 0; i < bytes.length; i++) out[pos + i] = bytes[i]!;
  } else {
    out.set(bytes, pos);
  }
  return pos + bytes.length;
}

function putUint(out: Uint8Array, pos: number, value: number, width = 1): number {
  let digits = 1;
  for (let v = value; v >= 10; v = Math.floor(v / 10)) digits++;
  if (digits < width) digits = width;
  let v = value;
  for (let i = digits - 1; i >= 0; i--) {
    out[pos + i] = 48 + (v % 10);
    v = Math.floor(v / 10);
  }
  return pos + digits;
}

/**
 * JSON-like key/value records, one a line, as a Consul KV export looks:
 * `{"Key":"service/web/config/00012345","Flags":0,"Value":"<base64>","CreateIndex":…}`,
 * with `share` of the bytes (over the long run) random base64 values and the rest
 * structure with some entropy (counters, occasional flags, sessions, lock indexes).
 *
 * Only whole records are written, so the byte stream does not depend on the chunk size:
 * a state of any size is a prefix of a longer one with the same seed and share.
 */
export function mixedFiller(seed: number, share: number): ChunkFiller {
  const rng = new Rng(seed ^ 0x5eed0002);
  const pool = base64Pool(rng, POOL_SIZE);
  const tail = new Uint8Array(512);
  let written = 0;
  let randomWritten = 0;
  let id = 0;
  let index = 1000;
  return (out) => {
    let pos = 0;
    while (pos + MAX_RECORD <= out.length) {
      const start = pos;
      id += 1 + rng.below(4);
      index += 1 + rng.below(40);
      pos = put(out, pos, P_KEY);
      pos = put(out, pos, SERVICES[rng.below(SERVICES.length)]!);
      out[pos++] = 47; // "/"
      pos = put(out, pos, KINDS[rng.below(KINDS.length)]!);
      out[pos++] = 47;
      pos = putUint(out, pos, id, 8);
      pos = put(out, pos, P_FLAGS);
      pos = putUint(out, pos, rng.below(64) === 0 ? 1 + rng.below(8) : 0);
      pos = put(out, pos, P_VALUE);

      // The part after the value, built aside so the value's length can be chosen to
      // keep the random share on target.
      let t = put(tail, 0, P_CREATE);
      t = putUint(tail, t, index);
      t = put(tail, t, P_MODIFY);
      t = putUint(tail, t, rng.below(4) === 0 ? index + rng.below(1000) : index);
      t = put(tail, t, P_LOCK);
      t = putUint(tail, t, rng.below(32) === 0 ? 1 + rng.below(9) : 0);
      t = put(tail, t, P_SESSION);
      if (rng.below(32) === 0) {
        for (let i = 0; i < 36; i++) {
          tail[t++] = i === 8 || i === 13 || i === 18 || i === 23 ? 45 : HEX[rng.below(16)]!;
        }
      }
      t = put(tail, t, P_END);

      const structure = pos - start + t;
      const jitter = 0.25 + 1.5 * (rng.u32() / 4294967296);
      const deficit = share * (written + structure) - randomWritten;
      const ideal = (share / (1 - share)) * structure * jitter + deficit;
      const length = Math.min(MAX_VALUE, Math.max(0, Math.round(ideal / 4) * 4));
      const from = rng.below(POOL_SIZE - length);
      for (let i = 0; i < length; i++) out[pos + i] = pool[from + i]!;
      pos += length;
      for (let i = 0; i < t; i++) out[pos + i] = tail[i]!;
      pos += t;
      written += structure + length;
      randomWritten += length;
    }
    return pos;
  };
}

/** The first `size` bytes a filler produces, in memory (for small samples only). */
export function sample(fill: ChunkFiller, size: number): Uint8Array {
  const out = new Uint8Array(size);
  const chunk = new Uint8Array(1 << 20);
  let filled = 0;
  while (filled < size) {
    const used = fill(chunk);
    const take = Math.min(used, size - filled);
    out.set(chunk.subarray(0, take), filled);
    filled += take;
  }
  return out;
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.length;) done += await file.write(bytes.subarray(done));
}

/** Streams `size` bytes from `fill` into a new file at `path`, 4 MiB at a time. */
export async function writeState(path: string, size: number, fill: ChunkFiller): Promise<void> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  try {
    const chunk = new Uint8Array(4 << 20);
    for (let written = 0; written < size;) {
      const used = fill(chunk);
      if (used <= 0) throw new Error("the generator produced nothing");
      const take = Math.min(used, size - written);
      await writeAll(file, chunk.subarray(0, take));
      written += take;
    }
  } finally {
    file.close();
  }
}

/** Compressed size of `bytes` under `gzip -6` (or CompressionStream when gzip is missing). */
export async function gzipSize(
  bytes: Uint8Array,
  scratch: string,
): Promise<{ bytes: number; tool: string }> {
  try {
    await Deno.writeFile(scratch, bytes);
    const { success, stdout, stderr } = await new Deno.Command("gzip", {
      args: ["-6", "-c", scratch],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!success) throw new Error(new TextDecoder().decode(stderr));
    return { bytes: stdout.length, tool: "gzip -6" };
  } catch {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
      new CompressionStream("gzip"),
    );
    return {
      bytes: (await new Response(stream).arrayBuffer()).byteLength,
      tool: "CompressionStream",
    };
  } finally {
    await Deno.remove(scratch).catch(() => {});
  }
}

/** One step of the calibration of the mixed state's random share. */
export interface CalibrationStep {
  share: number;
  ratio: number;
}

/** The result of {@linkcode calibrateShare}. */
export interface Calibration {
  share: number;
  ratio: number;
  sampleBytes: number;
  tool: string;
  steps: CalibrationStep[];
}

/**
 * Finds the random share that makes the first `sampleBytes` of the mixed state compress
 * `target`x under gzip -6. The compressed size per byte is close to linear in the share,
 * so a secant on 1/ratio lands in two or three steps.
 */
export async function calibrateShare(
  seed: number,
  target: number,
  scratch: string,
  sampleBytes = 4 << 20,
  fixedShare?: number,
): Promise<Calibration> {
  const steps: CalibrationStep[] = [];
  let tool = "";
  const measure = async (share: number) => {
    const data = sample(mixedFiller(seed, share), sampleBytes);
    const compressed = await gzipSize(data, scratch);
    tool = compressed.tool;
    const step = { share, ratio: sampleBytes / compressed.bytes };
    steps.push(step);
    return step;
  };
  if (fixedShare !== undefined) {
    const step = await measure(fixedShare);
    return { ...step, sampleBytes, tool, steps };
  }
  let a = await measure(0.2);
  if (Math.abs(a.ratio / target - 1) < 0.005) return { ...a, sampleBytes, tool, steps };
  let b = await measure(a.ratio > target ? 0.25 : 0.15);
  for (let i = 0; i < 6 && Math.abs(b.ratio / target - 1) >= 0.005; i++) {
    const slope = (1 / b.ratio - 1 / a.ratio) / (b.share - a.share);
    if (!Number.isFinite(slope) || slope <= 0) break;
    const next = Math.min(0.9, Math.max(0, b.share + (1 / target - 1 / b.ratio) / slope));
    a = b;
    b = await measure(next);
  }
  const best = steps.reduce((x, y) =>
    Math.abs(y.ratio / target - 1) < Math.abs(x.ratio / target - 1) ? y : x
  );
  return { ...best, sampleBytes, tool, steps };
}
