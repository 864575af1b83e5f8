// Copyright 2026 the raftsnap authors. Apache-2.0 license.
//
// deno task bench:hostile [--members 1000,60000,200000] [--million] [--state 64MiB]
//                         [--ratio-size 1GiB] [--timeout 120] [--rss-cap 6GiB]
//                         [--no-edge] [--big 1GiB | --no-big] [--keep] [--markdown]
//
// Issue 12's hostile archives, generated in a temp folder (never committed): a state of
// zeros whose tar is gzipped as N members (valid: Go's gzip reader joins them), the same
// cut in half, with every member's CRC wrong, and with a garbage member after the last;
// and a 1000:1 single member (a big state of zeros). On each, in a fresh process under
// /usr/bin/time -v (peak RSS) with a timeout and an RSS cap (a watchdog kills the process
// group past it: the machine is shared): `raftsnap verify` and `inspect` through the CLI
// (src/cli/main.ts), parseSnapshot and restoreSnapshot in a script
// (bench/_hostile_script.ts), and the baseline `gzip -dc FILE | sha256sum` in the same
// run. Then the edge server (src/deno/edge_server.ts): idle RSS, a burst of hostile
// uploads, its peak RSS (VmHWM) and its RSS after the burst. And, for scale, the 1 GiB
// mixed verify of `deno task bench` (bench/bench.ts --only mixed --ops verify,verify-native).
//
// Times are wall clock of the whole process (Deno start-up included, ~0.1 s). Progress
// goes to stderr, the tables to stdout. Memory and time are measured here, never asserted
// in tests.

import { formatSize, parseSize } from "./_args.ts";
import {
  cutAt,
  gzipMembers,
  snapshotTar,
  spoilCrcs,
  withGarbageMember,
  zeroSnapshot,
} from "./_members.ts";
import { table } from "./_report.ts";
import {
  commandLine,
  inBenchDir,
  killChildren,
  killGroup,
  ROOT,
  spawn,
  statusKiB,
  track,
} from "./_run.ts";

const USAGE = `deno task bench:hostile [flags]

  --members LIST     member counts of the many-member archives (default 1000,60000,200000)
  --million          also 1,000,000 members
  --state SIZE       the zero state cut into members (default 64MiB)
  --ratio-size SIZE  the zero state of the 1000:1 single member (default 1GiB)
  --timeout SECONDS  kill a measured process after this long (default 120)
  --rss-cap SIZE     kill a measured process group past this RSS (default 6GiB)
  --ops LIST         of verify, inspect, parse, restore (default all; the broken variants
                     run verify and parse only)
  --no-edge          skip the edge server
  --uploads N        hostile uploads in the edge burst (default 6, 3 at a time)
  --big SIZE         state of the mixed verify of deno task bench (default 1GiB)
  --no-big           skip it
  --tmp DIR          parent of the temp folder (default /tmp)
  --keep             keep the temp folder
  --markdown         print the tables as Markdown
  --help             this text
`;

const ALL_OPS = ["verify", "inspect", "parse", "restore"] as const;
type Op = typeof ALL_OPS[number];

interface Args {
  members: number[];
  stateSize: number;
  ratioSize: number;
  timeout: number;
  rssCap: number;
  ops: Op[];
  edge: boolean;
  uploads: number;
  big?: number;
  tmpRoot: string;
  keep: boolean;
  markdown: boolean;
  help: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    members: [1000, 60_000, 200_000],
    stateSize: 64 << 20,
    ratioSize: 1024 ** 3,
    timeout: 120,
    rssCap: 6 * 1024 ** 3,
    ops: [...ALL_OPS],
    edge: true,
    uploads: 6,
    big: 1024 ** 3,
    tmpRoot: "/tmp",
    keep: false,
    markdown: false,
    help: false,
  };
  let million = false;
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
    const count = (text: string) => {
      const n = Number(text.replaceAll("_", ""));
      if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${flag}: not a count: ${text}`);
      return n;
    };
    switch (flag) {
      case "--members":
        args.members = value().split(",").filter((s) => s.trim()).map(count);
        break;
      case "--million":
        million = true;
        break;
      case "--state":
        args.stateSize = parseSize(value());
        break;
      case "--ratio-size":
        args.ratioSize = parseSize(value());
        break;
      case "--timeout":
        args.timeout = count(value());
        break;
      case "--rss-cap":
        args.rssCap = parseSize(value());
        break;
      case "--ops": {
        const ops = value().split(",").map((s) => s.trim());
        for (const op of ops) {
          if (!(ALL_OPS as readonly string[]).includes(op)) throw new Error(`--ops: unknown ${op}`);
        }
        args.ops = ALL_OPS.filter((op) => ops.includes(op));
        break;
      }
      case "--no-edge":
        args.edge = false;
        break;
      case "--uploads":
        args.uploads = count(value());
        break;
      case "--big":
        args.big = parseSize(value());
        break;
      case "--no-big":
        args.big = undefined;
        break;
      case "--tmp":
        args.tmpRoot = value();
        break;
      case "--keep":
        args.keep = true;
        break;
      case "--markdown":
        args.markdown = true;
        break;
      case "--help":
      case "-h":
        args.help = true;
        break;
      default:
        throw new Error(`unknown flag ${JSON.stringify(arg)}`);
    }
  }
  if (million && !args.members.includes(1_000_000)) args.members.push(1_000_000);
  return args;
}

function log(message: string): void {
  console.error(message);
}

// --- Child processes with a timeout and an RSS watchdog ---------------------------------

/** How a measured child ended. */
interface Run {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
  /** Peak RSS: /usr/bin/time's, else the watchdog's largest sample. */
  peakRssMiB?: number;
  /** Killed after the timeout. */
  timedOut: boolean;
  /** Killed past the RSS cap. */
  overCap: boolean;
}

/** Runs a measured child (see `spawn`): its peak RSS is /usr/bin/time's, else the watchdog's. */
async function runChild(command: string, args: string[], timeout: number, rssCap: number) {
  const child = await spawn(command, args, timeout, rssCap);
  const timeRss = /Maximum resident set size \(kbytes\): (\d+)/.exec(child.stderr);
  const peakKiB = timeRss ? Number(timeRss[1]) : child.sampledPeakKiB || undefined;
  return {
    code: child.code,
    stdout: child.stdout,
    stderr: child.stderr,
    seconds: child.wallSeconds,
    peakRssMiB: peakKiB === undefined ? undefined : peakKiB / 1024,
    timedOut: child.timedOut,
    overCap: child.overCap,
  } satisfies Run;
}

// --- Operations ---------------------------------------------------------------------------

/** One measured cell: a verdict, wall seconds, and peak RSS. */
interface Cell {
  verdict: string;
  seconds?: number;
  peakRssMiB?: number;
}

const CLI = `${ROOT}src/cli/main.ts`;
const SCRIPT = `${ROOT}bench/_hostile_script.ts`;

function commandOf(op: Op, file: string): string[] {
  const deno = [Deno.execPath(), "run", "-A", "--config", `${ROOT}deno.json`];
  switch (op) {
    case "verify":
      return [...deno, CLI, "verify", "--json", file];
    case "inspect":
      return [...deno, CLI, "inspect", "--format", "json", file];
    case "parse":
    case "restore":
      return [...deno, SCRIPT, op, file];
  }
}

/** The verdict a run printed: "ok", a SnapshotError code, or why it has none. */
function verdictOf(op: Op, run: Run): string {
  if (run.overCap) return "killed: RSS cap";
  if (run.timedOut) return "timeout";
  const text = run.stdout + run.stderr;
  if (op === "parse" || op === "restore") {
    const match = /\{"verdict":"([^"]+)"/.exec(run.stdout);
    return match ? match[1]! : `crash (exit ${run.code})`;
  }
  if (run.code === 0) return "ok";
  const code = /"code":\s*"([a-z-]+)"/.exec(text) ?? /\b([a-z]+(?:-[a-z]+)+|truncated)\b/.exec(
    run.stderr.split("\n").find((line) => !line.startsWith("\t")) ?? "",
  );
  return code ? code[1]! : `exit ${run.code}`;
}

async function measureOp(op: Op, file: string, args: Args): Promise<Cell> {
  const [command, ...rest] = ["/usr/bin/time", "-v", ...commandOf(op, file)];
  const run = await runChild(command!, rest, args.timeout, args.rssCap);
  return {
    verdict: verdictOf(op, run),
    seconds: run.timedOut ? undefined : run.seconds,
    peakRssMiB: run.peakRssMiB,
  };
}

/** `gzip -dc FILE | sha256sum`, timed by bash (whatever gzip's exit status). */
async function measureBaseline(file: string, args: Args): Promise<Cell> {
  const script =
    `TIMEFORMAT=%R; time { gzip -dc "$1" 2>/dev/null | sha256sum >/dev/null; }; exit \${PIPESTATUS[0]}`;
  const run = await runChild("bash", ["-c", script, "bash", file], args.timeout, args.rssCap);
  const last = run.stderr.trim().split("\n").pop() ?? "";
  return {
    verdict: run.timedOut ? "timeout" : run.code === 0 ? "ok" : "gzip error",
    seconds: /^\d+(\.\d+)?$/.test(last) ? Number(last) : run.seconds,
  };
}

// --- Archives -------------------------------------------------------------------------------

interface Archive {
  name: string;
  path: string;
  bytes: number;
  /** What Go's Verify says (and so what raftsnap must say). */
  expected: string;
  ops: Op[];
  cells: Partial<Record<Op, Cell>>;
  baseline?: Cell;
}

async function writeFile(path: string, bytes: Uint8Array): Promise<number> {
  await Deno.writeFile(path, bytes);
  return bytes.length;
}

async function generate(dir: string, args: Args): Promise<Archive[]> {
  const archives: Archive[] = [];
  const broken = args.ops.filter((op) => op === "verify" || op === "parse");
  const started = performance.now();
  const tar = await snapshotTar(new Uint8Array(args.stateSize));
  for (const count of args.members) {
    const members = gzipMembers(tar, count);
    const base = `members-${count}`;
    const add = async (name: string, bytes: Uint8Array, expected: string, ops: Op[]) => {
      const path = `${dir}/${name.replace(/[^a-z0-9]+/gi, "-")}.snap`;
      archives.push({ name, path, bytes: await writeFile(path, bytes), expected, ops, cells: {} });
    };
    await add(base, members.bytes, "ok", args.ops);
    await add(`${base}, cut at 1/2`, cutAt(members.bytes, 0.5), "truncated", broken);
    await add(
      `${base}, every CRC bad`,
      spoilCrcs(members, members.ends.keys()),
      "gzip-checksum",
      broken,
    );
    await add(
      `${base} + garbage member`,
      withGarbageMember(members, count),
      "gzip-data",
      broken,
    );
    log(`generated ${base} (${formatSize(members.bytes.length)}) and its broken variants`);
  }
  const ratioPath = `${dir}/ratio.snap`;
  const file = await Deno.open(ratioPath, { write: true, create: true, truncate: true });
  await zeroSnapshot(args.ratioSize).pipeTo(file.writable);
  const ratioBytes = (await Deno.stat(ratioPath)).size;
  archives.push({
    name: `1 member, ${formatSize(args.ratioSize)} of zeros (${
      Math.round(args.ratioSize / ratioBytes)
    }:1)`,
    path: ratioPath,
    bytes: ratioBytes,
    expected: "ok",
    ops: args.ops,
    cells: {},
  });
  log(
    `generated ${archives.length} archives in ${
      ((performance.now() - started) / 1000).toFixed(1)
    } s`,
  );
  return archives;
}

function cellText(cell: Cell | undefined, baseline: Cell | undefined): string[] {
  if (!cell) return ["", "", "", ""];
  const ratio = cell.seconds !== undefined && baseline?.seconds
    ? `${(cell.seconds / baseline.seconds).toFixed(1)}x`
    : "-";
  return [
    cell.verdict,
    cell.seconds === undefined ? "-" : cell.seconds.toFixed(2),
    ratio,
    cell.peakRssMiB === undefined ? "-" : cell.peakRssMiB.toFixed(0),
  ];
}

function markdownTable(header: string[], body: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...body.map(line)].join("\n");
}

function render(args: Args, header: string[], body: string[][], right: number[]): string {
  return args.markdown ? markdownTable(header, body) : table(header, body, new Set(right));
}

function archiveTable(args: Args, archives: Archive[]): string {
  const header = [
    "archive",
    "file",
    "Go says",
    "op",
    "verdict",
    "seconds",
    "vs gzip|sha",
    "peak RSS MiB",
  ];
  const body: string[][] = [];
  for (const a of archives) {
    body.push([
      a.name,
      formatSize(a.bytes),
      a.expected,
      "gzip -dc | sha256sum",
      ...cellText(a.baseline, undefined).slice(0, 2),
      "1.0x",
      "-",
    ]);
    for (const op of a.ops) {
      const cell = a.cells[op];
      const verdict = cell && cell.verdict !== a.expected ? `${cell.verdict} (WRONG)` : undefined;
      const text = cellText(cell, a.baseline);
      if (verdict) text[0] = verdict;
      body.push(["", "", "", op, ...text]);
    }
  }
  return render(args, header, body, [1, 5, 6, 7]);
}

// --- The edge server --------------------------------------------------------------------------

interface EdgeReport {
  idleMiB?: number;
  peakMiB?: number;
  afterMiB?: number;
  settledMiB?: number;
  statuses: string[];
  seconds: number;
  note?: string;
}

async function readLine(
  stream: ReadableStream<Uint8Array<ArrayBuffer>>,
  timeoutMs: number,
): Promise<string> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const deadline = Date.now() + timeoutMs;
  try {
    while (!text.includes("\n")) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no line within ${timeoutMs} ms: ${text}`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const next = await Promise.race([
        reader.read(),
        new Promise<never>((_, reject) =>
          timer = setTimeout(() => reject(new Error(`no line within ${timeoutMs} ms`)), left)
        ),
      ]).finally(() => clearTimeout(timer));
      if (next.done) throw new Error(`the server exited: ${text}`);
      text += next.value;
    }
    return text.split("\n")[0]!;
  } finally {
    reader.releaseLock();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function measureEdge(dir: string, archives: Archive[], args: Args): Promise<EdgeReport> {
  // A good upload after the burst: 1 MiB of varied bytes, one member.
  const varied = new Uint8Array(1 << 20).map((_, i) => (i * 7919) >> 9);
  const good: Archive = {
    name: "good (1 MiB state, 1 member)",
    path: `${dir}/good.snap`,
    bytes: await writeFile(`${dir}/good.snap`, gzipMembers(await snapshotTar(varied), 1).bytes),
    expected: "ok",
    ops: [],
    cells: {},
  };
  const store = `${dir}/edge-store`;
  await Deno.mkdir(store, { recursive: true });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--unstable-no-legacy-abort",
      "--allow-net=127.0.0.1",
      "--allow-read",
      "--allow-write",
      "--allow-env=RAFTSNAP_EDGE_TOKEN",
      "--config",
      `${ROOT}deno.json`,
      `${ROOT}src/deno/edge_server.ts`,
      "--port",
      "0",
      "--dir",
      store,
      "--no-sync",
    ],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "null",
    detached: true,
  }).spawn();
  const untrack = track(child);
  const report: EdgeReport = { statuses: [], seconds: 0 };
  let overCap = false;
  const watchdog = setInterval(() => {
    const rss = statusKiB(child.pid, "VmRSS") ?? 0;
    if (rss * 1024 > args.rssCap && !overCap) {
      overCap = true;
      killGroup(child);
    }
  }, 100);
  try {
    const line = await readLine(child.stdout, 30_000);
    const url = /listening on (\S+)/.exec(line)?.[1];
    if (!url) throw new Error(`unexpected first line: ${line}`);
    await sleep(2000);
    report.idleMiB = (statusKiB(child.pid, "VmRSS") ?? 0) / 1024;

    // The burst: many-member archives (valid, cut, failing) and the high-ratio one,
    // three at a time, then a good upload.
    // The issue's case: 60,000 members (2 MB), or the nearest count measured.
    const counts = args.members.slice().sort((a, b) =>
      Math.abs(Math.log(a / 60_000)) - Math.abs(Math.log(b / 60_000))
    );
    const hostile = archives.filter((a) =>
      a.name === `members-${counts[0]}` || a.name.startsWith(`members-${counts[0]},`) ||
      a.name.startsWith(`members-${counts[0]} +`)
    );
    const ratio = archives.find((a) => a.name.startsWith("1 member"));
    const pool = [...hostile, ...(ratio ? [ratio] : [])];
    const queue = Array.from({ length: args.uploads }, (_, i) => pool[i % pool.length]!);
    const started = performance.now();
    const upload = async (a: Archive) => {
      try {
        const response = await fetch(url, {
          method: "POST",
          body: await Deno.readFile(a.path),
          signal: AbortSignal.timeout(args.timeout * 1000),
        });
        const body = await response.text();
        const code = /"code":\s*"([a-z-]+)"/.exec(body)?.[1];
        report.statuses.push(`${a.name}: ${response.status}${code ? ` ${code}` : ""}`);
      } catch (error) {
        report.statuses.push(`${a.name}: ${overCap ? "server killed: RSS cap" : String(error)}`);
      }
    };
    const workers = Array.from({ length: 3 }, async () => {
      for (let a = queue.shift(); a; a = queue.shift()) await upload(a);
    });
    await Promise.all(workers);
    await upload(good);
    report.seconds = (performance.now() - started) / 1000;
    report.peakMiB = (statusKiB(child.pid, "VmHWM") ?? 0) / 1024;
    report.afterMiB = (statusKiB(child.pid, "VmRSS") ?? 0) / 1024;
    await sleep(10_000);
    report.settledMiB = (statusKiB(child.pid, "VmRSS") ?? 0) / 1024;
    if (overCap) report.note = `killed past the ${formatSize(args.rssCap)} RSS cap`;
  } catch (error) {
    report.note = overCap ? `killed past the ${formatSize(args.rssCap)} RSS cap` : String(error);
  } finally {
    clearInterval(watchdog);
    killGroup(child);
    await child.status;
    await child.stdout.cancel().catch(() => {});
    untrack();
  }
  return report;
}

function edgeTable(args: Args, edge: EdgeReport): string {
  const mib = (v: number | undefined) => v === undefined ? "-" : v.toFixed(0);
  const body = [
    ["idle (2 s after start)", mib(edge.idleMiB)],
    [`peak (VmHWM) over the burst (${edge.seconds.toFixed(1)} s)`, mib(edge.peakMiB)],
    ["right after the burst (VmRSS)", mib(edge.afterMiB)],
    ["10 s after the burst (VmRSS)", mib(edge.settledMiB)],
  ];
  const lines = [render(args, ["edge server", "RSS MiB"], body, [1])];
  lines.push("", "uploads (3 at a time, then one good one):");
  for (const status of edge.statuses) lines.push(`  ${status}`);
  if (edge.note) lines.push(`note: ${edge.note}`);
  return lines.join("\n");
}

// --- The 1 GiB mixed verify of deno task bench --------------------------------------------

interface BigRow {
  op: string;
  seconds?: number;
  peakRssMiB?: number;
  vsBaseline?: number;
}

async function measureBig(dir: string, size: number, args: Args): Promise<BigRow[] | string> {
  const run = await runChild(
    Deno.execPath(),
    [
      "run",
      "-A",
      `${ROOT}bench/bench.ts`,
      "--size",
      String(size),
      "--only",
      "mixed",
      "--ops",
      "verify,verify-native",
      "--json",
      "--tmp",
      dir,
    ],
    120 + 900 * size / 1024 ** 3,
    args.rssCap,
  );
  if (run.code !== 0) return `deno task bench failed (exit ${run.code}): ${run.stderr.slice(-400)}`;
  try {
    const json = JSON.parse(run.stdout) as { states: { rows: BigRow[] }[] };
    return json.states[0]!.rows;
  } catch (error) {
    return `cannot read deno task bench's JSON: ${error}`;
  }
}

function bigTable(args: Args, size: number, rows: BigRow[] | string): string {
  if (typeof rows === "string") return `mixed ${formatSize(size)}: ${rows}`;
  const body = rows.map((row) => [
    row.op,
    row.seconds === undefined ? "-" : row.seconds.toFixed(2),
    row.vsBaseline === undefined ? "-" : `${row.vsBaseline.toFixed(2)}x`,
    row.peakRssMiB === undefined ? "-" : row.peakRssMiB.toFixed(0),
  ]);
  return `deno task bench, mixed ${formatSize(size)} (in-process times, start-up excluded):\n` +
    render(args, ["op", "seconds", "vs gzip|sha", "peak RSS MiB"], body, [1, 2, 3]);
}

// --- Main ---------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const args = commandLine(parseArgs, USAGE);
  if (typeof args === "number") return args;
  const started = performance.now();
  return await inBenchDir(args, "raftsnap-hostile-", log, async (dir) => {
    const onSignal = () => {
      killChildren();
    };
    Deno.addSignalListener("SIGINT", onSignal);
    try {
      log(
        `raftsnap bench:hostile: ${formatSize(args.stateSize)} of zeros as ${
          args.members.join(" / ")
        } members; timeout ${args.timeout} s, RSS cap ${formatSize(args.rssCap)}; ${dir}`,
      );
      const archives = await generate(dir, args);
      for (const a of archives) {
        a.baseline = await measureBaseline(a.path, args);
        log(`[${a.name}] gzip -dc | sha256sum: ${a.baseline.seconds?.toFixed(2)} s`);
        for (const op of a.ops) {
          const cell = await measureOp(op, a.path, args);
          a.cells[op] = cell;
          log(
            `[${a.name}] ${op}: ${cell.verdict}, ${cell.seconds?.toFixed(2) ?? "-"} s, ${
              cell.peakRssMiB?.toFixed(0) ?? "-"
            } MiB`,
          );
        }
      }
      const edge = args.edge ? await measureEdge(dir, archives, args) : undefined;
      if (edge) log(`edge: ${JSON.stringify(edge)}`);
      const big = args.big === undefined ? undefined : await measureBig(dir, args.big, args);

      const out: string[] = [""];
      out.push(
        `Hostile archives (state: ${formatSize(args.stateSize)} of zeros; wall time of the ` +
          `whole process, Deno start-up included; timeout ${args.timeout} s; ` +
          `RSS cap ${formatSize(args.rssCap)}):`,
        "",
        archiveTable(args, archives),
        "",
      );
      if (edge) out.push(edgeTable(args, edge), "");
      if (args.big !== undefined && big) out.push(bigTable(args, args.big, big), "");
      out.push(`total run time ${((performance.now() - started) / 1000).toFixed(1)} s`);
      console.log(out.join("\n"));
      return 0;
    } finally {
      Deno.removeSignalListener("SIGINT", onSignal);
    }
  });
}

Deno.exit(await main());
