// Copyright 2026 the raftsnap authors. Apache-2.0 license.
//
// deno task bench:tus [--size 512MiB] [--runs 2]
//
// Resumable uploads (tus) against one request, on the Deno edge server (a `serve:edge`
// process, folder store, fsync on), in one run, on one mixed archive (the bench's JSON-like
// state, ~3.9x under gzip):
// - one request: the archive as one PUT (the baseline);
// - tus in 8 MiB PATCHes and in 50 MB PATCHes;
// - the cost of rebuilding a lost verifier at 90%: the archive's first 90% in 50 MB
//   PATCHes, then the server killed and restarted, then the last 10% (its PATCH replays the
//   staged 90% through a fresh verifier first), against the same last PATCH with no restart.
// Each figure is the median of --runs runs, in alternating order. Progress to stderr, a
// Markdown table to stdout.

import { writeSnapshot } from "../mod.ts";
import { calibrateShare, mixedFiller, writeState } from "./_gen.ts";

const ROOT = new URL("../", import.meta.url);
const MIB = 1024 * 1024;
const TUS = { "tus-resumable": "1.0.0" };

function flag(name: string): string | undefined {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Deno.args[i + 1] : undefined;
}

function parseSize(text: string): number {
  const m = /^(\d+)\s*(k|m|g)?i?b?$/i.exec(text.trim());
  if (!m) throw new Error(`not a size: ${text}`);
  return Number(m[1]) * ({ k: 1024, m: MIB, g: 1024 * MIB }[m[2]?.toLowerCase() ?? ""] ?? 1);
}

const stateBytes = parseSize(flag("size") ?? "512MiB");
const runs = Number(flag("runs") ?? 2);
const log = (line: string) => console.error(line);
const benchDir = new URL(".bench/tus/", ROOT).pathname;
await Deno.mkdir(benchDir, { recursive: true });

async function archivePath(): Promise<string> {
  const path = `${benchDir}mixed-${stateBytes}.snap`;
  try {
    await Deno.stat(path);
    return path;
  } catch {
    // make it
  }
  log(`generating a ${(stateBytes / MIB).toFixed(0)} MiB mixed state...`);
  const scratch = await Deno.makeTempDir({ prefix: "raftsnap-bench-calibrate-" });
  const calibration = await calibrateShare(1, 3.9, scratch);
  await Deno.remove(scratch, { recursive: true }).catch(() => {});
  const state = `${benchDir}state-${stateBytes}.bin`;
  await writeState(state, stateBytes, mixedFiller(1, calibration.share));
  const input = await Deno.open(state);
  const output = await Deno.open(`${path}.tmp`, { write: true, create: true, truncate: true });
  await writeSnapshot(
    { id: "bench-1-1700000000000", index: 1, term: 1, size: stateBytes },
    input.readable,
  ).pipeTo(output.writable);
  await Deno.rename(`${path}.tmp`, path);
  await Deno.remove(state);
  return path;
}

const archive = await Deno.readFile(await archivePath());
const storeDir = await Deno.makeTempDir({ prefix: "raftsnap-bench-tus-" });

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

const port = freePort();
const base = `http://127.0.0.1:${port}/`;

async function startServer() {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--unstable-no-legacy-abort",
      "-A",
      "--config",
      "deno.json",
      "src/deno/edge_server.ts",
      "--dir",
      storeDir,
      "--port",
      String(port),
      "--max-bytes",
      "4g",
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let output = "";
  while (!output.includes("listening on")) {
    const { done, value } = await lines.read();
    if (done) throw new Error(`the server did not start:\n${output}`);
    output += value;
  }
  const drained = (async () => {
    while (!(await lines.read()).done);
  })().catch(() => {});
  return {
    async stop(signal: Deno.Signal) {
      child.kill(signal);
      await child.status;
      await drained;
    },
  };
}

/** Removes what the last upload stored, so that the next one is stored anew. */
async function clearStore() {
  for await (const entry of Deno.readDir(storeDir)) {
    if (entry.isFile) await Deno.remove(`${storeDir}/${entry.name}`);
  }
}

async function expectOk(response: Response, status: number, what: string) {
  const text = await response.text();
  if (response.status !== status) throw new Error(`${what}: ${response.status} ${text}`);
}

async function single(): Promise<number> {
  const started = performance.now();
  await expectOk(await fetch(base, { method: "PUT", body: archive }), 201, "one request");
  return performance.now() - started;
}

async function create(): Promise<string> {
  const response = await fetch(new URL("/uploads/", base), {
    method: "POST",
    headers: { ...TUS, "upload-length": String(archive.length) },
  });
  await expectOk(response, 201, "POST");
  return new URL(response.headers.get("location")!, base).href;
}

async function patch(url: string, from: number, to: number) {
  const response = await fetch(url, {
    method: "PATCH",
    headers: {
      ...TUS,
      "content-type": "application/offset+octet-stream",
      "upload-offset": String(from),
    },
    body: archive.subarray(from, to),
  });
  await expectOk(response, to === archive.length ? 200 : 204, `PATCH ${from}-${to}`);
}

async function tus(size: number): Promise<number> {
  const started = performance.now();
  const url = await create();
  for (let at = 0; at < archive.length; at += size) {
    await patch(url, at, Math.min(archive.length, at + size));
  }
  return performance.now() - started;
}

let server = await startServer();

/** The last 10% PATCH's time, with or without a restart (and rebuild) before it. */
async function lastTenth(restart: boolean): Promise<number> {
  const url = await create();
  const ninety = Math.floor(archive.length * 0.9);
  for (let at = 0; at < ninety; at += 50_000_000) {
    await patch(url, at, Math.min(ninety, at + 50_000_000));
  }
  if (restart) {
    await server.stop("SIGKILL");
    server = await startServer();
  }
  const started = performance.now();
  await patch(url, ninety, archive.length);
  return performance.now() - started;
}

const times: Record<string, number[]> = {};
const cases: [string, () => Promise<number>][] = [
  ["one request (PUT)", single],
  ["tus, 8 MiB PATCHes", () => tus(8 * MIB)],
  ["tus, 50 MB PATCHes", () => tus(50_000_000)],
  ["last 10% PATCH, verifier live", () => lastTenth(false)],
  ["last 10% PATCH, after a restart (replays 90%)", () => lastTenth(true)],
];
try {
  for (let run = 0; run < runs; run++) {
    const order = run % 2 === 0 ? cases : [...cases].reverse();
    for (const [name, fn] of order) {
      await clearStore();
      const ms = await fn();
      (times[name] ??= []).push(ms);
      log(`${name}: ${ms.toFixed(0)} ms`);
    }
  }
} finally {
  await server.stop("SIGTERM");
  await Deno.remove(storeDir, { recursive: true });
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const baseline = median(times["one request (PUT)"]!);
const mb = archive.length / 1e6;
console.log(
  `Archive: ${mb.toFixed(0)} MB (${(stateBytes / MIB).toFixed(0)} MiB state), ` +
    `serve:edge process, folder store (fsync on), median of ${runs} runs.\n`,
);
console.log("| upload | time | MB/s | against one request |");
console.log("| --- | --- | --- | --- |");
for (const [name] of cases.slice(0, 3)) {
  const ms = median(times[name]!);
  console.log(
    `| ${name} | ${(ms / 1000).toFixed(2)} s | ${(mb / (ms / 1000)).toFixed(0)} | ` +
      `${(ms / baseline).toFixed(2)}x |`,
  );
}
const live = median(times["last 10% PATCH, verifier live"]!);
const rebuilt = median(times["last 10% PATCH, after a restart (replays 90%)"]!);
console.log(
  `\nRebuild at 90%: the last PATCH takes ${(live / 1000).toFixed(2)} s with the verifier ` +
    `live, ${(rebuilt / 1000).toFixed(2)} s after a restart: the rebuild costs ` +
    `${((rebuilt - live) / 1000).toFixed(2)} s (${((rebuilt - live) / baseline).toFixed(2)}x ` +
    `the whole upload's time in one request).`,
);
