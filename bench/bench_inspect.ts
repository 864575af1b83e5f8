// Copyright 2026 the raftsnap authors. Apache-2.0 license.
//
// deno task bench:inspect [--size 1GiB] [--small 16MiB] [--only consul,vault] [--repeat N]
//                         [--keep] [--json] [--markdown]
//
// Generates a Consul-shaped state (mostly KVS of varied sizes, some of every common
// record type, ~2.9x under gzip) and a Vault-shaped one (encrypted-looking values, ~1x)
// with bench/_gen_state.ts, writes a snapshot of each with writeSnapshot, and measures
// on the same file in the same run: the shell baseline `gzip -dc SNAP | sha256sum`,
// verify as the CLI runs it (openFileStream + nativeSha256: bench/_measure.ts's
// verify-native) and inspectSnapshot with the same options, each in a fresh Deno process
// so its peak RSS is its own; verify and inspect alternate when repeated, so load from
// other processes falls on both. A small state of each product shows inspect's memory
// does not grow with the state. Progress goes to stderr; tables (or JSON) to stdout.
//
// This parent process never imports the library (see bench/bench.ts).

import { formatSize, parseSize } from "./_args.ts";
import { writeState } from "./_gen.ts";
import { consulState, type GeneratedStats, MIN_STATE, vaultState } from "./_gen_state.ts";
import { table } from "./_report.ts";
import {
  baseline,
  type BaselineOutcome,
  commandLine,
  inBenchDir,
  measure,
  type OpOutcome,
} from "./_run.ts";

const PRODUCTS = ["consul", "vault"] as const;
type Product = typeof PRODUCTS[number];

/** inspect's target: at most this many times verify's seconds. */
const TARGET_RATIO = 1.5;
const BASELINE = "gzip -dc SNAP | sha256sum";

const USAGE = `deno task bench:inspect [flags]

  --size SIZE        bytes of each large state (default 1GiB; e.g. 256MiB, 1G)
  --small SIZE       bytes of the small state of the memory comparison (default 16MiB)
  --only LIST        consul, vault or both (default consul,vault)
  --repeat N         runs of verify and inspect, alternating; fastest time and
                     largest peak RSS kept (default 1)
  --seed N           generator seed (default 1)
  --timeout SECONDS  kill a child after this long (default 120 + 600 per GiB)
  --tmp DIR          parent of the temp folder (default /tmp)
  --keep             keep the temp folder (states and snapshots)
  --json             print one JSON object on stdout instead of tables
  --markdown         also print the results as a Markdown table
  --help             this text
`;

interface Args {
  size: number;
  small: number;
  only: Product[];
  repeat: number;
  seed: number;
  timeoutSeconds?: number;
  tmpRoot: string;
  keep: boolean;
  json: boolean;
  markdown: boolean;
  help: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    size: 1024 ** 3,
    small: 16 << 20,
    only: [...PRODUCTS],
    repeat: 1,
    seed: 1,
    tmpRoot: "/tmp",
    keep: false,
    json: false,
    markdown: false,
    help: false,
  };
  const whole = (text: string, flag: string, min: number, max: number) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`${flag}: expected a whole number in [${min}, ${max}], got "${text}"`);
    }
    return value;
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
      case "--small": {
        const bytes = parseSize(value());
        if (bytes < MIN_STATE) throw new Error(`${flag}: at least ${MIN_STATE} bytes`);
        args[flag === "--size" ? "size" : "small"] = bytes;
        break;
      }
      case "--only": {
        const items = value().split(",").map((s) => s.trim()).filter((s) => s !== "");
        const unknown = items.find((item) => !(PRODUCTS as readonly string[]).includes(item));
        if (unknown !== undefined || items.length === 0) {
          throw new Error(`--only: expected ${PRODUCTS.join(", ")}, got "${unknown ?? ""}"`);
        }
        args.only = PRODUCTS.filter((p) => items.includes(p));
        break;
      }
      case "--repeat":
        args.repeat = whole(value(), flag, 1, 100);
        break;
      case "--seed":
        args.seed = whole(value(), flag, 0, 2 ** 32 - 1);
        break;
      case "--timeout":
        args.timeoutSeconds = whole(value(), flag, 1, 86400);
        break;
      case "--tmp":
        args.tmpRoot = value();
        break;
      case "--keep":
      case "--json":
      case "--markdown":
      case "--help":
        args[flag.slice(2) as "keep" | "json" | "markdown" | "help"] = true;
        break;
      case "-h":
        args.help = true;
        break;
      default:
        throw new Error(`unknown flag ${JSON.stringify(arg)}`);
    }
  }
  return args;
}

function log(message: string): void {
  console.error(message);
}

/** Everything measured on one generated state. */
interface Case {
  product: Product;
  bytes: number;
  records: number;
  generateSeconds: number;
  snapshotBytes?: number;
  baseline?: BaselineOutcome;
  verify?: OpOutcome;
  inspect?: OpOutcome;
  /** Problems found in the results (counts, digests). */
  problems: string[];
}

/** Keeps the fastest time and the largest peak RSS (as bench/bench.ts does). */
function merge(a: OpOutcome | undefined, b: OpOutcome): OpOutcome {
  if (a?.kind !== "ok" || b.kind !== "ok") return a?.kind === "ok" ? a : b;
  const fastest = b.value.seconds < a.value.seconds ? b.value : a.value;
  return {
    kind: "ok",
    value: { ...fastest, peakRssMiB: Math.max(a.value.peakRssMiB, b.value.peakRssMiB) },
  };
}

function describe(outcome: OpOutcome): string {
  if (outcome.kind === "ok") {
    const m = outcome.value;
    return `${m.seconds.toFixed(2)} s, peak RSS ${m.peakRssMiB.toFixed(1)} MiB`;
  }
  return outcome.kind === "na" ? `n/a (${outcome.reason})` : "FAILED";
}

function secondsOf(outcome: OpOutcome | BaselineOutcome | undefined): number | undefined {
  if (outcome?.kind !== "ok") return undefined;
  return "value" in outcome ? outcome.value.seconds : outcome.seconds;
}

function rssOf(outcome: OpOutcome | BaselineOutcome | undefined): number | undefined {
  return outcome?.kind === "ok" && "value" in outcome ? outcome.value.peakRssMiB : undefined;
}

/** inspect's seconds over verify's. */
function ratioOf(c: Case): number | undefined {
  const v = secondsOf(c.verify);
  const i = secondsOf(c.inspect);
  return v === undefined || i === undefined ? undefined : i / v;
}

class InspectBench {
  readonly args: Args;
  readonly dir: string;

  constructor(args: Args, dir: string) {
    this.args = args;
    this.dir = dir;
  }

  timeout(bytes: number): number {
    return this.args.timeoutSeconds ?? 120 + 600 * bytes / 1024 ** 3;
  }

  async run(label: string, c: Case, op: "verify-native" | "inspect", snap: string) {
    const outcome = await measure(
      op,
      { snap, size: c.bytes, product: op === "inspect" ? c.product : undefined },
      this.timeout(c.bytes),
    );
    if (outcome.kind === "error") log(`[${label}] ${outcome.error}`);
    else log(`[${label}] ${op}: ${describe(outcome)}`);
    const key = op === "inspect" ? "inspect" : "verify";
    c[key] = merge(c[key], outcome);
  }

  /** Generates a state, writes its snapshot, and measures on it. */
  async measureCase(product: Product, bytes: number, full: boolean): Promise<Case> {
    const label = `${product}-${formatSize(bytes).replace(" ", "")}`;
    const statePath = `${this.dir}/${label}.state.bin`;
    const snap = `${this.dir}/${label}.snap`;
    const generator = product === "consul"
      ? consulState(this.args.seed, bytes)
      : vaultState(this.args.seed, bytes);
    log(`[${label}] generating ${formatSize(bytes)} of ${product} state ...`);
    const start = performance.now();
    await writeState(statePath, bytes, generator.fill);
    const stats: GeneratedStats = generator.stats;
    const c: Case = {
      product,
      bytes,
      records: stats.records,
      generateSeconds: (performance.now() - start) / 1000,
      problems: [],
    };
    log(
      `[${label}] ${stats.records} records in ${c.generateSeconds.toFixed(1)} s; ` +
        `writing the snapshot ...`,
    );
    const written = await measure(
      "write",
      { state: statePath, out: snap, size: bytes },
      this.timeout(bytes),
    );
    if (!this.args.keep) await Deno.remove(statePath).catch(() => {});
    if (written.kind !== "ok") {
      const why = written.kind === "error" ? written.error : written.reason;
      c.problems.push(`cannot write the snapshot: ${why}`);
      log(`[${label}] cannot write the snapshot: ${why}`);
      return c;
    }
    c.snapshotBytes = (await Deno.stat(snap)).size;
    log(
      `[${label}] snapshot ${formatSize(c.snapshotBytes)} (${
        (bytes / c.snapshotBytes).toFixed(2)
      }x) in ${written.value.seconds.toFixed(2)} s`,
    );

    if (full) {
      for (let run = 0; run < this.args.repeat; run++) {
        const outcome = await baseline(
          BASELINE,
          `gzip -dc "$1" | sha256sum >/dev/null`,
          [snap],
          this.timeout(bytes),
        );
        if (outcome.kind === "error") log(`[${label}] ${outcome.error}`);
        else log(`[${label}] ${BASELINE}: ${outcome.seconds.toFixed(2)} s`);
        if (
          c.baseline?.kind !== "ok" ||
          (outcome.kind === "ok" && outcome.seconds < c.baseline.seconds)
        ) c.baseline = outcome;
      }
    }
    for (let run = 0; run < this.args.repeat; run++) {
      // Alternate the order, so a burst of load from elsewhere falls on both.
      const order = run % 2 === 0 ? ["verify-native", "inspect"] as const : [
        "inspect",
        "verify-native",
      ] as const;
      for (const op of order) {
        await this.run(label, c, op, snap);
      }
    }
    if (!this.args.keep) await Deno.remove(snap).catch(() => {});
    this.check(label, c, stats);
    return c;
  }

  /** inspect must have decoded every record, and found the state verify hashed. */
  check(label: string, c: Case, stats: GeneratedStats) {
    const inspect = c.inspect?.kind === "ok" ? c.inspect.value : undefined;
    const verify = c.verify?.kind === "ok" ? c.verify.value : undefined;
    if (inspect && inspect.records !== stats.records) {
      c.problems.push(`inspect decoded ${inspect.records} records; ${stats.records} were written`);
    }
    if (inspect && verify && inspect.stateSha256 !== verify.stateSha256) {
      c.problems.push("inspect and verify disagree on the state's SHA-256");
    }
    for (const problem of c.problems) log(`[${label}] WARNING: ${problem}`);
  }
}

function fixed(value: number | undefined, digits: number): string {
  return value === undefined || !Number.isFinite(value) ? "-" : value.toFixed(digits);
}

function caseTable(c: Case): string {
  const mbps = (s: number | undefined) => s === undefined ? undefined : c.bytes / s / 1e6;
  const verifySeconds = secondsOf(c.verify);
  const ratio = ratioOf(c);
  const rows: [string, OpOutcome | BaselineOutcome | undefined, string][] = [
    [BASELINE, c.baseline, "baseline"],
    ["verify (openFileStream + nativeSha256)", c.verify, ""],
    [
      "inspect (same options)",
      c.inspect,
      ratio === undefined
        ? ""
        : `target <= ${TARGET_RATIO}x verify: ${ratio <= TARGET_RATIO ? "ok" : "MISS"}`,
    ],
  ];
  const body = rows.map(([op, outcome, note]) => {
    const seconds = secondsOf(outcome);
    const failed = outcome?.kind === "error" ? "FAILED (see above)" : "";
    return [
      op,
      fixed(seconds, 2),
      fixed(mbps(seconds), 0),
      fixed(rssOf(outcome), 1),
      seconds === undefined || verifySeconds === undefined
        ? "-"
        : `${(seconds / verifySeconds).toFixed(2)}x`,
      [note, failed].filter((s) => s).join("; "),
    ];
  });
  const snap = c.snapshotBytes;
  return [
    `== ${c.product}: state ${formatSize(c.bytes)}, ${c.records} records (generated in ${
      c.generateSeconds.toFixed(1)
    } s)` +
    (snap ? `, snapshot ${formatSize(snap)} (${(c.bytes / snap).toFixed(2)}x under gzip)` : "") +
    " ==",
    table(
      ["op", "seconds", "MB/s", "peak RSS MiB", "vs verify", "note"],
      body,
      new Set([1, 2, 3, 4]),
    ),
    ...c.problems.map((p) => `WARNING: ${p}`),
  ].join("\n");
}

function memoryTable(pairs: { large: Case; small?: Case }[]): string {
  const body: string[][] = [];
  for (const { large, small } of pairs) {
    for (const op of ["verify", "inspect"] as const) {
      const a = rssOf(large[op]);
      const b = rssOf(small?.[op]);
      body.push([
        large.product,
        op,
        fixed(a, 1),
        fixed(b, 1),
        a === undefined || b === undefined ? "-" : (a - b).toFixed(1),
      ]);
    }
  }
  const sizes = pairs[0]
    ? [formatSize(pairs[0].large.bytes), pairs[0].small ? formatSize(pairs[0].small.bytes) : "-"]
    : ["large", "small"];
  return [
    `== memory: peak RSS (MiB) on the ${sizes[0]} state and on the ${sizes[1]} one; ` +
    "inspect flat = its growth no larger than verify's ==",
    table(["product", "op", sizes[0]!, sizes[1]!, "delta"], body, new Set([2, 3, 4])),
  ].join("\n");
}

function markdown(pairs: { large: Case; small?: Case }[]): string {
  const lines = [
    "| state | operation | time | MB/s (state) | vs verify | peak RSS |",
    "|---|---|---:|---:|---:|---:|",
  ];
  for (const { large, small } of pairs) {
    const name = `${large.product} ${formatSize(large.bytes)}` +
      (large.snapshotBytes ? ` (${(large.bytes / large.snapshotBytes).toFixed(1)}x gzip)` : "");
    const verifySeconds = secondsOf(large.verify);
    const row = (op: string, outcome: OpOutcome | BaselineOutcome | undefined, c: Case) => {
      const s = secondsOf(outcome);
      const rss = rssOf(outcome);
      lines.push(
        `| ${name} | ${op} | ${fixed(s, 2)} s | ${fixed(s && c.bytes / s / 1e6, 0)} | ${
          s === undefined || verifySeconds === undefined
            ? "-"
            : `${(s / verifySeconds).toFixed(2)}x`
        } | ${rss === undefined ? "-" : `${rss.toFixed(0)} MiB`} |`,
      );
    };
    row("`gzip -dc \\| sha256sum`", large.baseline, large);
    row("verify", large.verify, large);
    row("inspect", large.inspect, large);
    if (small) {
      const smallName = `${small.product} ${formatSize(small.bytes)}`;
      const smallVerify = secondsOf(small.verify);
      for (const op of ["verify", "inspect"] as const) {
        const s = secondsOf(small[op]);
        const rss = rssOf(small[op]);
        lines.push(
          `| ${smallName} | ${op} | ${fixed(s, 2)} s | ${fixed(s && small.bytes / s / 1e6, 0)} | ${
            s === undefined || smallVerify === undefined ? "-" : `${(s / smallVerify).toFixed(2)}x`
          } | ${rss === undefined ? "-" : `${rss.toFixed(0)} MiB`} |`,
        );
      }
    }
  }
  return lines.join("\n");
}

async function main(): Promise<number> {
  const args = commandLine(parseArgs, USAGE);
  if (typeof args === "number") return args;

  const started = performance.now();
  return await inBenchDir(args, "raftsnap-bench-inspect-", log, async (dir) => {
    log(
      `raftsnap bench:inspect: ${formatSize(args.size)} and ${formatSize(args.small)} states of ${
        args.only.join(",")
      }, ${args.repeat} run(s) each, temp folder ${dir}`,
    );
    const bench = new InspectBench(args, dir);
    const pairs: { large: Case; small?: Case }[] = [];
    for (const product of args.only) {
      try {
        const large = await bench.measureCase(product, args.size, true);
        let small: Case | undefined;
        try {
          small = await bench.measureCase(product, args.small, false);
        } catch (error) {
          log(`[${product}-small] FAILED: ${error instanceof Error ? error.stack : error}`);
        }
        pairs.push({ large, small });
      } catch (error) {
        log(`[${product}] FAILED: ${error instanceof Error ? error.stack : error}`);
      }
    }
    const totalSeconds = (performance.now() - started) / 1000;
    const judged = pairs.map(({ large }) => ({ product: large.product, ratio: ratioOf(large) }));

    if (args.json) {
      console.log(JSON.stringify(
        { config: { ...args, tmpDir: dir }, cases: pairs, targets: judged, totalSeconds },
        null,
        2,
      ));
    } else {
      const out: string[] = [""];
      for (const { large } of pairs) out.push(caseTable(large), "");
      out.push(memoryTable(pairs), "");
      const measured = judged.filter((j) => j.ratio !== undefined);
      const missed = measured.filter((j) => j.ratio! > TARGET_RATIO);
      out.push(
        `target inspect <= ${TARGET_RATIO}x verify: ${
          measured.length - missed.length
        }/${measured.length} met` +
          (missed.length
            ? ` (missed: ${missed.map((j) => `${j.product} ${j.ratio!.toFixed(2)}x`).join(", ")})`
            : ""),
      );
      out.push(
        "MB/s are of state.bin bytes; the machine may be shared: compare ratios within one run.",
      );
      if (args.markdown) out.push("", markdown(pairs));
      out.push(`total run time ${totalSeconds.toFixed(1)} s`);
      console.log(out.join("\n"));
    }
    return pairs.some(({ large, small }) =>
        large.problems.length > 0 || (small?.problems.length ?? 0) > 0
      )
      ? 1
      : 0;
  });
}

Deno.exit(await main());
