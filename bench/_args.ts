// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Command-line flags of bench/bench.ts.

/** The operations bench/_measure.ts knows, in the order they run. */
export const OPS = [
  "verify",
  "verify-native",
  "verify-single",
  "parse",
  "write",
  "write-parallel",
  "pack",
  "pack-parallel",
] as const;

/** One of {@linkcode OPS}. */
export type OpName = typeof OPS[number];

/** The generated states. */
export const STATES = ["mixed", "random"] as const;

/** One of {@linkcode STATES}. */
export type StateKind = typeof STATES[number];

/** What the flags asked for. */
export interface BenchArgs {
  /** Bytes of each large state. */
  size: number;
  /** The large states to run. */
  only: StateKind[];
  /** The operations to measure. */
  ops: OpName[];
  /** Keep the temp folder. */
  keep: boolean;
  /** Print one JSON object instead of tables. */
  json: boolean;
  /** Runs of each operation (the fastest time and the largest peak RSS are kept). */
  repeat: number;
  /** Fixed share of random base64 in the mixed state (skips the calibration). */
  share?: number;
  /** The compression ratio the mixed state is tuned to (gzip -6). */
  targetRatio: number;
  /** Seed of the generators. */
  seed: number;
  /** Seconds before a child process is killed (default: from the size). */
  timeoutSeconds?: number;
  /** Where the temp folder goes. */
  tmpRoot: string;
  /** Print the usage. */
  help: boolean;
}

/** The usage text. */
export const USAGE = `deno task bench [flags]

  --size SIZE        bytes of each large state (default 1GiB; e.g. 64MiB, 500MB, 1G)
  --only KIND        mixed or random (default both)
  --ops LIST         comma-separated, of: ${OPS.join(", ")} (default all)
  --repeat N         runs per operation, the fastest kept (default 1)
  --share X          fixed random-base64 share of the mixed state, 0..1 (default: calibrated)
  --ratio R          gzip -6 ratio the mixed state is tuned to (default 3.9)
  --seed N           generator seed (default 1)
  --timeout SECONDS  kill a child after this long (default 120 + 600 per GiB)
  --tmp DIR          parent of the temp folder (default /tmp)
  --keep             keep the temp folder
  --json             print one JSON object on stdout instead of tables
  --help             this text
`;

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kib: 1024,
  kb: 1000,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  mb: 1000 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  gb: 1000 ** 3,
};

/** "64MiB" → 67108864; "1G" → 1073741824; "500MB" → 500000000. */
export function parseSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) throw new Error(`not a size: ${JSON.stringify(text)}`);
  const bytes = Math.round(Number(match[1]) * unit);
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw new Error(`size out of range: ${text}`);
  return bytes;
}

/** 1073741824 → "1 GiB"; 67108864 → "64 MiB". */
export function formatSize(bytes: number): string {
  for (const [unit, scale] of [["GiB", 1024 ** 3], ["MiB", 1024 ** 2], ["KiB", 1024]] as const) {
    if (bytes >= scale) {
      const value = bytes / scale;
      return `${Number.isInteger(value) ? value : value.toFixed(2)} ${unit}`;
    }
  }
  return `${bytes} B`;
}

function list<T extends string>(text: string, allowed: readonly T[], flag: string): T[] {
  const items = text.split(",").map((item) => item.trim()).filter((item) => item !== "");
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item)) {
      throw new Error(`${flag}: unknown "${item}" (known: ${allowed.join(", ")})`);
    }
  }
  if (items.length === 0) throw new Error(`${flag}: empty list`);
  // Keep the canonical order, drop repeats.
  return allowed.filter((name) => items.includes(name));
}

function number(text: string, flag: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`${flag}: expected a number in [${min}, ${max}], got ${JSON.stringify(text)}`);
  }
  return value;
}

/** Parses `Deno.args`; throws an `Error` with a readable message on a bad flag. */
export function parseArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = {
    size: 1024 ** 3,
    only: [...STATES],
    ops: [...OPS],
    keep: false,
    json: false,
    repeat: 1,
    targetRatio: 3.9,
    seed: 1,
    tmpRoot: "/tmp",
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") continue;
    const eq = arg.indexOf("=");
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case "--size":
        args.size = parseSize(value());
        break;
      case "--only":
        args.only = list(value(), STATES, flag);
        break;
      case "--ops":
        args.ops = list(value(), OPS, flag);
        break;
      case "--repeat":
        args.repeat = Math.floor(number(value(), flag, 1, 100));
        break;
      case "--share":
        args.share = number(value(), flag, 0, 0.95);
        break;
      case "--ratio":
        args.targetRatio = number(value(), flag, 1.01, 100);
        break;
      case "--seed":
        args.seed = Math.floor(number(value(), flag, 0, 2 ** 32 - 1));
        break;
      case "--timeout":
        args.timeoutSeconds = number(value(), flag, 1, 86400);
        break;
      case "--tmp":
        args.tmpRoot = value();
        break;
      case "--keep":
        args.keep = true;
        break;
      case "--json":
        args.json = true;
        break;
      case "--help":
      case "-h":
        args.help = true;
        break;
      default:
        throw new Error(`unknown flag ${JSON.stringify(arg)}`);
    }
  }
  return args;
}
