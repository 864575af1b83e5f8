// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Child processes: measured operations, shell baselines, and their clean-up.

import type { Measurement, NotAvailable } from "./_measure.ts";

/** The repository root, where deno.json is. */
export const ROOT: string = new URL("../", import.meta.url).pathname;
const MEASURE = new URL("./_measure.ts", import.meta.url).pathname;

/** A finished child: its output and whether it had to be killed. */
export interface ChildOutcome {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Killed once its process group's RSS passed the cap. */
  overCap: boolean;
  /** The largest RSS of its process group the watchdog saw (0 without a cap), in KiB. */
  sampledPeakKiB: number;
  wallSeconds: number;
}

const running = new Set<Deno.ChildProcess>();

/** Counts a child someone else started among those an interrupted run kills. */
export function track(child: Deno.ChildProcess): () => void {
  running.add(child);
  return () => running.delete(child);
}

/** The processes of a process group, from /proc. */
export function groupPids(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      // Fields after the ")" of the command name: state ppid pgrp ...
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pgid) pids.push(Number(entry.name));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

/** A field of /proc/PID/status in KiB (VmRSS, VmHWM), or undefined. */
export function statusKiB(pid: number, field: string): number | undefined {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(status);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Kills one child and whatever it started: each child leads its own process group
 * (`detached`), so a pipeline's gzip dies with its bash.
 */
export function killGroup(child: Deno.ChildProcess): void {
  try {
    Deno.kill(-child.pid, "SIGKILL");
  } catch {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/** Kills the children still running (each by its own id), for an interrupted run. */
export function killChildren(): void {
  for (const child of running) killGroup(child);
}

/**
 * Runs a benchmark in a fresh temporary folder under `tmpRoot`, removed at the end unless
 * `keep`; Ctrl-C or SIGTERM stops the children, removes the folder and exits 130.
 *
 * @returns What `run` returns (the exit code).
 */
export async function inBenchDir(
  options: { tmpRoot: string; keep: boolean },
  prefix: string,
  log: (message: string) => void,
  run: (dir: string) => Promise<number>,
): Promise<number> {
  await Deno.mkdir(options.tmpRoot, { recursive: true });
  const dir = await Deno.makeTempDir({ dir: options.tmpRoot, prefix });
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    log("interrupted: stopping the children and cleaning up");
    killChildren();
    const cleanup = options.keep ? Promise.resolve() : Deno.remove(dir, { recursive: true });
    cleanup.catch(() => {}).finally(() => Deno.exit(130));
  };
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const signal of signals) Deno.addSignalListener(signal, onSignal);
  try {
    return await run(dir);
  } finally {
    for (const signal of signals) Deno.removeSignalListener(signal, onSignal);
    if (options.keep) {
      log(`kept ${dir}`);
    } else {
      await Deno.remove(dir, { recursive: true }).catch((error) =>
        log(`cannot remove ${dir}: ${error}`)
      );
    }
  }
}

/**
 * Runs `command` in its own process group, killed after `timeoutSeconds`, or once the
 * group's RSS passes `rssCap` bytes (sampled every 100 ms).
 */
export async function spawn(
  command: string,
  args: string[],
  timeoutSeconds: number,
  rssCap = Infinity,
): Promise<ChildOutcome> {
  const start = performance.now();
  const child = new Deno.Command(command, {
    args,
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    detached: true,
  }).spawn();
  const untrack = track(child);
  let timedOut = false;
  let overCap = false;
  let sampledPeakKiB = 0;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child);
  }, timeoutSeconds * 1000);
  const watchdog = Number.isFinite(rssCap)
    ? setInterval(() => {
      let total = 0;
      for (const pid of groupPids(child.pid)) total += statusKiB(pid, "VmRSS") ?? 0;
      sampledPeakKiB = Math.max(sampledPeakKiB, total);
      if (total * 1024 > rssCap && !overCap) {
        overCap = true;
        killGroup(child);
      }
    }, 100)
    : undefined;
  try {
    const { code, stdout, stderr } = await child.output();
    const decoder = new TextDecoder();
    return {
      code,
      stdout: decoder.decode(stdout),
      stderr: decoder.decode(stderr),
      timedOut,
      overCap,
      sampledPeakKiB,
      wallSeconds: (performance.now() - start) / 1000,
    };
  } finally {
    clearTimeout(timer);
    clearInterval(watchdog);
    untrack();
  }
}

/** The result of one measured operation: a measurement, "n/a", or an error. */
export type OpOutcome =
  | { kind: "ok"; value: Measurement }
  | { kind: "na"; reason: string }
  | { kind: "error"; error: string };

function failure(what: string, outcome: ChildOutcome): string {
  const why = outcome.timedOut
    ? `killed after the ${outcome.wallSeconds.toFixed(0)} s timeout`
    : `exit code ${outcome.code}`;
  const detail = [outcome.stderr.trim(), outcome.stdout.trim()].filter((s) => s).join("\n");
  return `${what}: ${why}${detail ? `\n${detail}` : ""}`;
}

/** Runs bench/_measure.ts for one operation in a fresh Deno process. */
export async function measure(
  op: string,
  files: { snap?: string; state?: string; out?: string; size: number; product?: string },
  timeoutSeconds: number,
): Promise<OpOutcome> {
  const args = ["run", "-A", MEASURE, "--op", op, "--size", String(files.size)];
  if (files.product) args.push("--product", files.product);
  if (files.snap) args.push("--snap", files.snap);
  if (files.state) args.push("--state", files.state);
  if (files.out) args.push("--out", files.out);
  let outcome: ChildOutcome;
  try {
    outcome = await spawn(Deno.execPath(), args, timeoutSeconds);
  } catch (error) {
    return { kind: "error", error: `${op}: cannot start deno: ${error}` };
  }
  if (outcome.code !== 0 || outcome.timedOut) {
    return { kind: "error", error: failure(op, outcome) };
  }
  const line = outcome.stdout.trim().split("\n").pop() ?? "";
  try {
    const parsed = JSON.parse(line) as Measurement | NotAvailable;
    if ("na" in parsed) return { kind: "na", reason: parsed.na };
    if (typeof parsed.seconds !== "number") throw new Error("no seconds");
    return { kind: "ok", value: parsed };
  } catch {
    return { kind: "error", error: failure(`${op} printed no measurement`, outcome) };
  }
}

/** A shell baseline's time, or why it failed. */
export type BaselineOutcome =
  | { kind: "ok"; seconds: number }
  | { kind: "error"; error: string };

/**
 * Times a bash command line with bash's own `time` (TIMEFORMAT=%R, so bash's start-up is
 * not counted), `pipefail` on so a failure anywhere in a pipeline is seen. Arguments are
 * passed as $1, $2, … rather than pasted into the script.
 */
export async function baseline(
  name: string,
  script: string,
  args: string[],
  timeoutSeconds: number,
): Promise<BaselineOutcome> {
  const line = `set -o pipefail; TIMEFORMAT=%R; time { ${script}; }`;
  let outcome: ChildOutcome;
  try {
    outcome = await spawn("bash", ["-c", line, "bash", ...args], timeoutSeconds);
  } catch (error) {
    return { kind: "error", error: `${name}: cannot start bash: ${error}` };
  }
  if (outcome.code !== 0 || outcome.timedOut) {
    return { kind: "error", error: failure(name, outcome) };
  }
  const last = outcome.stderr.trim().split("\n").pop() ?? "";
  const seconds = /^\d+(\.\d+)?$/.test(last) ? Number(last) : outcome.wallSeconds;
  return { kind: "ok", seconds };
}

/**
 * A benchmark's command line parsed with `parse`, or the exit code to end with: 2 (the
 * error and `usage` printed) when it is wrong, 0 (`usage` printed) for `--help`.
 */
export function commandLine<A extends { help?: boolean }>(
  parse: (argv: readonly string[]) => A,
  usage: string,
): A | number {
  let args: A;
  try {
    args = parse(Deno.args);
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : error}\n\n${usage}`);
    return 2;
  }
  if (args.help) {
    console.log(usage);
    return 0;
  }
  return args;
}
