// Copyright 2026 the raftsnap authors. Apache-2.0 license.
//
// deno task bench [--size 1GiB] [--only mixed|random] [--ops verify,parse,...] [--keep] [--json]
//
// Generates a mixed (JSON-like, ~3.9x under gzip -6) and a random state in a temp folder,
// writes a snapshot of each with writeSnapshot, then measures every operation in a fresh
// Deno process (bench/_measure.ts) so each peak RSS is the operation's own, next to the
// shell baselines `gzip -dc SNAP | sha256sum`, `gzip -6 -c STATE` and, for pack-parallel
// (`raftsnap pack --parallel`: two compressing Workers, node:crypto's SHA-256),
// `pigz -6 -p 2 -c STATE` (Debian's pigz: `apt-get install pigz`; skipped, with a note,
// where it is missing), the issues' targets and Go's figures. A 1 MiB mixed state gives the memory comparison. Progress goes to
// stderr; the tables (or, with --json, one JSON object) to stdout.
//
// This parent process never imports the library, so a broken src/ shows up as failed
// operations instead of stopping the run.

import {
  type BenchArgs,
  formatSize,
  type OpName,
  parseArgs,
  type StateKind,
  USAGE,
} from "./_args.ts";
import {
  calibrateShare,
  type Calibration,
  type ChunkFiller,
  mixedFiller,
  randomFiller,
  writeState,
} from "./_gen.ts";
import {
  BASELINE_LABEL,
  type BaselineName,
  baselineOf,
  calibrationLine,
  memoryRows,
  memoryTable,
  rows,
  type StateReport,
  stateTable,
  targetSummary,
} from "./_report.ts";
import { baseline, commandLine, inBenchDir, measure, type OpOutcome, ROOT } from "./_run.ts";

const SMALL_STATE = 1 << 20;

/** pack-parallel's baseline is Debian's `pigz`; the bench runs without it, and says so. */
const PIGZ_MISSING =
  "pigz is not installed (apt-get install pigz): the pigz -6 -p 2 baseline is skipped";

async function hasPigz(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("pigz", { args: ["--version"], stderr: "null" })
      .output();
    return success;
  } catch {
    return false;
  }
}

function log(message: string): void {
  console.error(message);
}

/** Options the bench passes loosely, and what src/ must declare for them to mean something. */
const LOOSE_OPTIONS: { op: OpName; option: string; pattern: RegExp }[] = [
  { op: "verify-single", option: "useWorker", pattern: /\buseWorker\s*\??\s*:/ },
  { op: "write-parallel", option: "parallel", pattern: /\bparallel\s*\??\s*:/ },
];

/** Notes for the loosely passed options that no file of src/ declares (a heuristic). */
async function looseOptionNotes(): Promise<string[]> {
  const sources: string[] = [];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (entry.name.endsWith(".ts")) sources.push(await Deno.readTextFile(path));
    }
  };
  try {
    await walk(`${ROOT}src`);
  } catch {
    return [];
  }
  return LOOSE_OPTIONS.filter(({ pattern }) => !sources.some((text) => pattern.test(text)))
    .map(({ op, option }) =>
      `${op}: no \`${option}\` option found in src/, likely the same as the default`
    );
}

function describe(outcome: OpOutcome): string {
  switch (outcome.kind) {
    case "ok": {
      const m = outcome.value;
      const out = m.outBytes === undefined ? "" : `, ${formatSize(m.outBytes)} out`;
      return `${m.seconds.toFixed(2)} s, peak RSS ${m.peakRssMiB.toFixed(1)} MiB${out}`;
    }
    case "na":
      return `n/a (${outcome.reason})`;
    case "error":
      return "FAILED";
  }
}

/** Keeps the fastest time and the largest peak RSS of several runs. */
function merge(a: OpOutcome | undefined, b: OpOutcome): OpOutcome {
  if (a?.kind !== "ok" || b.kind !== "ok") return a?.kind === "ok" ? a : b;
  const fastest = b.value.seconds < a.value.seconds ? b.value : a.value;
  return {
    kind: "ok",
    value: { ...fastest, peakRssMiB: Math.max(a.value.peakRssMiB, b.value.peakRssMiB) },
  };
}

class Bench {
  readonly args: BenchArgs;
  readonly dir: string;
  readonly timeout: number;
  readonly notes: string[];
  calibration?: Calibration;

  constructor(args: BenchArgs, dir: string, notes: string[]) {
    this.args = args;
    this.dir = dir;
    this.notes = notes;
    this.timeout = args.timeoutSeconds ?? 120 + 600 * args.size / 1024 ** 3;
  }

  async filler(kind: StateKind): Promise<ChunkFiller> {
    if (kind === "random") return randomFiller(this.args.seed);
    if (!this.calibration) {
      this.calibration = await calibrateShare(
        this.args.seed,
        this.args.targetRatio,
        `${this.dir}/calibration.bin`,
        4 << 20,
        this.args.share,
      );
      log(calibrationLine(this.calibration, this.args.targetRatio));
    }
    return mixedFiller(this.args.seed, this.calibration.share);
  }

  async runOp(report: StateReport, op: OpName, files: { snap: string; state: string }) {
    for (let run = 0; run < this.args.repeat; run++) {
      const outcome = await measure(op, { ...files, size: report.bytes }, this.timeout);
      if (outcome.kind === "error") log(`[${report.name}] ${outcome.error}`);
      else log(`[${report.name}] ${op}: ${describe(outcome)}`);
      report.ops[op] = merge(report.ops[op], outcome);
      if (outcome.kind !== "ok") break;
    }
  }

  async runBaseline(report: StateReport, group: BaselineName, file: string) {
    const script = group === "read"
      ? `gzip -dc "$1" | sha256sum >/dev/null`
      : group === "pigz"
      ? `pigz -6 -p 2 -c "$1" >/dev/null`
      : `gzip -6 -c "$1" >/dev/null`;
    for (let run = 0; run < this.args.repeat; run++) {
      const outcome = await baseline(BASELINE_LABEL[group], script, [file], this.timeout);
      if (outcome.kind === "error") {
        log(`[${report.name}] ${outcome.error}`);
        report.baselines[group] = outcome;
        break;
      }
      log(`[${report.name}] ${BASELINE_LABEL[group]}: ${outcome.seconds.toFixed(2)} s`);
      const previous = report.baselines[group];
      if (previous?.kind !== "ok" || outcome.seconds < previous.seconds) {
        report.baselines[group] = outcome;
      }
    }
  }

  /** Generates a state, writes its snapshot, and measures the operations on it. */
  async state(
    name: string,
    kind: StateKind,
    bytes: number,
    withBaselines: boolean,
  ): Promise<StateReport> {
    const report: StateReport = {
      name,
      kind,
      bytes,
      generateSeconds: 0,
      baselines: {},
      ops: {},
      notes: this.notes,
    };
    const statePath = `${this.dir}/${name}.state.bin`;
    const snapPath = `${this.dir}/${name}.snap`;
    const fill = await this.filler(kind);
    log(`[${name}] generating ${formatSize(bytes)} of state ...`);
    const start = performance.now();
    await writeState(statePath, bytes, fill);
    report.generateSeconds = (performance.now() - start) / 1000;
    log(`[${name}] generated in ${report.generateSeconds.toFixed(1)} s; writing the snapshot ...`);

    report.prepare = await measure("write", {
      state: statePath,
      out: snapPath,
      size: bytes,
    }, this.timeout);
    if (report.prepare.kind === "ok") {
      report.snapshotBytes = (await Deno.stat(snapPath)).size;
      log(
        `[${name}] snapshot ${formatSize(report.snapshotBytes)} (${
          (bytes / report.snapshotBytes).toFixed(2)
        }x) in ${report.prepare.value.seconds.toFixed(2)} s`,
      );
    } else {
      const why = report.prepare.kind === "error" ? report.prepare.error : report.prepare.reason;
      log(`[${name}] cannot write the snapshot; the read operations will fail: ${why}`);
    }

    const files = { snap: snapPath, state: statePath };
    for (const group of ["read", "write"] as const) {
      const ops = this.args.ops.filter((op) => baselineOf(op) === group);
      if (ops.length === 0) continue;
      if (withBaselines) {
        await this.runBaseline(report, group, group === "read" ? snapPath : statePath);
        if (group === "write" && ops.includes("pack-parallel")) {
          if (await hasPigz()) await this.runBaseline(report, "pigz", statePath);
          else log(`[${name}] ${PIGZ_MISSING}`);
        }
      }
      for (const op of ops) await this.runOp(report, op, files);
    }
    this.checkDigests(report);
    return report;
  }

  /** Every reader must have found the same state.bin. */
  checkDigests(report: StateReport) {
    const digests = new Map<string, string[]>();
    for (const [op, outcome] of Object.entries(report.ops)) {
      const digest = outcome.kind === "ok" ? outcome.value.stateSha256 : undefined;
      if (digest) digests.set(digest, [...(digests.get(digest) ?? []), op]);
    }
    if (digests.size > 1) {
      const text = [...digests].map(([d, ops]) => `${ops.join(",")}=${d.slice(0, 16)}…`)
        .join(" ");
      log(`[${report.name}] WARNING: the readers disagree on the state's SHA-256: ${text}`);
      report.notes = [...report.notes, `readers disagree on the state SHA-256: ${text}`];
    }
  }
}

async function main(): Promise<number> {
  const args = commandLine(parseArgs, USAGE);
  if (typeof args === "number") return args;

  const started = performance.now();
  return await inBenchDir(args, "raftsnap-bench-", log, async (dir) => {
    log(
      `raftsnap bench: ${formatSize(args.size)} per state, states ${args.only.join(",")}, ops ${
        args.ops.join(",")
      }, ${args.repeat} run(s) each, temp folder ${dir}`,
    );
    const notes = await looseOptionNotes();
    if (args.ops.includes("pack-parallel") && !await hasPigz()) {
      notes.push(`pack-parallel: ${PIGZ_MISSING}`);
    }
    for (const note of notes) log(`note: ${note}`);
    const bench = new Bench(args, dir, notes);
    const states: StateReport[] = [];
    for (const kind of args.only) {
      try {
        states.push(await bench.state(kind, kind, args.size, true));
      } catch (error) {
        log(`[${kind}] FAILED: ${error instanceof Error ? error.stack : error}`);
      }
    }
    let small: StateReport | undefined;
    const large = states.find((state) => state.kind === "mixed");
    if (large) {
      try {
        small = await bench.state("mixed-1MiB", "mixed", SMALL_STATE, false);
      } catch (error) {
        log(`[mixed-1MiB] FAILED: ${error instanceof Error ? error.stack : error}`);
      }
    }
    if (!large) log("memory comparison skipped: it needs the mixed state");
    const memory = large && small ? memoryRows(large, small, args.ops) : undefined;
    const totalSeconds = (performance.now() - started) / 1000;
    const targets = targetSummary(states, args.ops);

    if (args.json) {
      console.log(JSON.stringify(
        {
          config: { ...args, tmpDir: dir },
          calibration: bench.calibration,
          states: states.map((state) => ({ ...state, rows: rows(state, args.ops) })),
          memorySmallState: small,
          memory,
          targets,
          totalSeconds,
        },
        null,
        2,
      ));
    } else {
      const out: string[] = [""];
      if (bench.calibration) out.push(calibrationLine(bench.calibration, args.targetRatio), "");
      for (const state of states) out.push(stateTable(state, args.ops), "");
      if (large && small && memory) out.push(memoryTable(large, small, memory), "");
      const judged = targets.filter((t) => t.pass !== undefined);
      const missed = judged.filter((t) => !t.pass);
      out.push(
        `targets: ${judged.length - missed.length}/${judged.length} met` +
          (missed.length
            ? ` (missed: ${
              missed.map((t) => `${t.state}/${t.op} ${t.value!.toFixed(2)}`).join(", ")
            })`
            : "") +
          (targets.length > judged.length
            ? `; ${targets.length - judged.length} not measured`
            : ""),
      );
      out.push(
        `Go figures are for 1 GiB (Verify: mixed 3.95 s, random 1.75 s; Write: mixed 9.1 s)` +
          (args.size === 1024 ** 3 ? "" : `, scaled to ${formatSize(args.size)}`) +
          `; parse is held against Go's Verify; write ops compress to an in-process null sink.`,
      );
      out.push(`total run time ${totalSeconds.toFixed(1)} s`);
      console.log(out.join("\n"));
    }
    return 0;
  });
}

Deno.exit(await main());
