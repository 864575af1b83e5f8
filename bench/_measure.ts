// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// One measured operation in a fresh process, so its peak RSS is its own.
//
//   deno run -A bench/_measure.ts --op OP --size BYTES [--snap FILE] [--state FILE] [--out FILE]
//                                 [--product consul|vault] (inspect: the product it must find)
//
// Prints one JSON line on stdout: {op, seconds, peakRssMiB, ...} (seconds timed with
// performance.now() around the operation only, start-up and imports excluded; peak RSS
// is VmHWM of /proc/self/status at the end), or {op, na} when the operation cannot run
// in this checkout (an optional module or export is missing). Any other failure goes to
// stderr with a non-zero exit.

import {
  inspectSnapshot,
  parseSnapshot,
  type SnapshotMetaInit,
  type VerifyOptions,
  type VerifyResult,
  verifySnapshot,
  type WriteOptions,
  writeSnapshot,
} from "../mod.ts";
import { openFileStream } from "../src/deno/file_stream.ts";

/** The measurement a child prints. */
export interface Measurement {
  op: string;
  seconds: number;
  peakRssMiB: number;
  /** VmHWM just before the operation (runtime and library loaded). */
  startRssMiB: number;
  stateBytes: number;
  /** SHA-256 of state.bin as the readers found it. */
  stateSha256?: string;
  /** Compressed bytes the writers produced. */
  outBytes?: number;
  /** inspect: the product it found. */
  product?: string;
  /** inspect: the records it decoded. */
  records?: number;
}

/** What a child prints when the operation does not exist in this checkout. */
export interface NotAvailable {
  op: string;
  na: string;
}

/** The meta every benchmark snapshot carries. */
export function benchMeta(size: number): SnapshotMetaInit {
  return { id: "1-100-1700000000000", index: 100, term: 1, size };
}

/** Fixed, so the written archives are the same from run to run. */
export const MOD_TIME: Date = new Date(1_700_000_000_000);

async function peakRssMiB(): Promise<number> {
  const status = await Deno.readTextFile("/proc/self/status");
  const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error("no VmHWM in /proc/self/status");
  return Number(match[1]) / 1024;
}

function flags(argv: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]!;
    const value = argv[i + 1];
    if (!key.startsWith("--") || value === undefined) throw new Error(`bad arguments: ${argv}`);
    map.set(key.slice(2), value);
  }
  return map;
}

/** Reads a stream to its end, keeping only the count. */
async function drain(stream: ReadableStream<Uint8Array>): Promise<number> {
  let bytes = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return bytes;
    bytes += value.length;
  }
}

class Unavailable extends Error {}

async function loadNativeHasher(): Promise<VerifyOptions["hasher"]> {
  // A computed specifier: the module may not exist yet, and must not break this file.
  const url = new URL("../src/deno/native_sha256.ts", import.meta.url).href;
  let module: Record<string, unknown>;
  try {
    module = await import(url);
  } catch (error) {
    throw new Unavailable(`cannot import src/deno/native_sha256.ts: ${firstLine(error)}`);
  }
  if (typeof module.nativeSha256 !== "function") {
    throw new Unavailable("src/deno/native_sha256.ts has no nativeSha256 export");
  }
  return module.nativeSha256 as VerifyOptions["hasher"];
}

function firstLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error).split("\n")[0]!;
}

function checkRead(result: VerifyResult, size: number, op: string): string {
  if (result.stateSize !== size) {
    throw new Error(`${op}: state.bin has ${result.stateSize} bytes, expected ${size}`);
  }
  return result.stateSha256;
}

async function verify(snap: string, size: number, op: string, options: VerifyOptions) {
  const result = await verifySnapshot(await openFileStream(snap), options);
  return { stateSha256: checkRead(result, size, op) };
}

async function parse(snap: string, size: number) {
  const parsed = parseSnapshot(await openFileStream(snap));
  const [, count, result] = await Promise.all([parsed.meta, drain(parsed.state), parsed.result]);
  if (count !== size) throw new Error(`parse: the state stream gave ${count} bytes, not ${size}`);
  return { stateSha256: checkRead(result, size, "parse") };
}

/** inspectSnapshot with verify-native's options: the state must decode as `product`. */
async function inspect(
  snap: string,
  size: number,
  product: string | undefined,
  options: VerifyOptions,
) {
  const result = await inspectSnapshot(await openFileStream(snap), options);
  if (product !== undefined && result.product !== product) {
    throw new Error(`inspect: found ${result.product}, not ${product}: ${result.productReason}`);
  }
  if (result.warnings.length > 0) throw new Error(`inspect: ${result.warnings.join("; ")}`);
  return {
    stateSha256: checkRead(result.verify!, size, "inspect"),
    product: result.product,
    records: result.records,
  };
}

async function write(state: string, size: number, out: string | undefined, extra: object) {
  const options = { modTime: MOD_TIME, ...extra } as WriteOptions;
  const archive = writeSnapshot(benchMeta(size), await openFileStream(state), options);
  if (out === undefined) return { outBytes: await drain(archive) };
  let outBytes = 0;
  const target = await Deno.open(out, { write: true, create: true, truncate: true });
  const count = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      outBytes += chunk.length;
      controller.enqueue(chunk);
    },
  });
  await archive.pipeThrough(count).pipeTo(target.writable);
  return { outBytes };
}

async function run(op: string, args: Map<string, string>): Promise<Measurement | NotAvailable> {
  const size = Number(args.get("size"));
  if (!Number.isSafeInteger(size) || size < 0) throw new Error("--size BYTES is required");
  const need = (name: string) => {
    const value = args.get(name);
    if (value === undefined) throw new Error(`${op} needs --${name}`);
    return value;
  };

  // Everything an operation needs is loaded before the clock starts.
  let task: () => Promise<
    { stateSha256?: string; outBytes?: number; product?: string; records?: number }
  >;
  switch (op) {
    case "verify":
      task = () => verify(need("snap"), size, op, {});
      break;
    case "verify-native":
    case "inspect": {
      let hasher: VerifyOptions["hasher"];
      try {
        hasher = await loadNativeHasher();
      } catch (error) {
        if (error instanceof Unavailable) return { op, na: error.message };
        throw error;
      }
      task = op === "inspect"
        ? () => inspect(need("snap"), size, args.get("product"), { hasher })
        : () => verify(need("snap"), size, op, { hasher });
      break;
    }
    case "verify-single":
      // `useWorker` may not exist yet: passed loosely, ignored by a library without it.
      task = () => verify(need("snap"), size, op, { useWorker: false } as Record<string, unknown>);
      break;
    case "parse":
      task = () => parse(need("snap"), size);
      break;
    case "write":
      task = () => write(need("state"), size, args.get("out"), {});
      break;
    case "write-parallel":
      // `parallel` may not exist yet: passed loosely, ignored by a library without it.
      task = () => write(need("state"), size, args.get("out"), { parallel: true });
      break;
    case "pack":
    case "pack-parallel": {
      // As `raftsnap pack [--parallel]` writes: node:crypto's SHA-256.
      let hasher: VerifyOptions["hasher"];
      try {
        hasher = await loadNativeHasher();
      } catch (error) {
        if (error instanceof Unavailable) return { op, na: error.message };
        throw error;
      }
      const parallel = op === "pack-parallel";
      task = () => write(need("state"), size, args.get("out"), { hasher, parallel });
      break;
    }
    default:
      throw new Error(`unknown op ${JSON.stringify(op)}`);
  }

  const startRssMiB = await peakRssMiB();
  const start = performance.now();
  const found = await task();
  const seconds = (performance.now() - start) / 1000;
  return { op, seconds, peakRssMiB: await peakRssMiB(), startRssMiB, stateBytes: size, ...found };
}

if (import.meta.main) {
  const args = flags(Deno.args);
  const op = args.get("op") ?? "";
  try {
    console.log(JSON.stringify(await run(op, args)));
  } catch (error) {
    console.error(`${op} failed:`, error);
    Deno.exit(1);
  }
  // Worker threads (hashing, compression) must not keep the process alive.
  Deno.exit(0);
}
