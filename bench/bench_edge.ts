// Copyright 2026 the raftsnap authors. Apache-2.0 license.
//
// deno task bench:edge [--size 1GiB] [--skip workerd,edge,s3,cli,tus,tus-memory,tus-rebuild]
//   [--patch 50MB] [--uncapped]
//
// The edge figures of issue 14, all on one mixed archive (the bench's JSON-like state,
// ~3.9x under gzip), in one run:
// - cli: `raftsnap verify FILE` (the baseline);
// - workerd: the library bundle inside workerd (Miniflare), the archive streamed to a
//   worker that verifies its request body: time, MB/s, and workerd's peak RSS (VmHWM)
//   for a 16 MiB archive and for the full one, each in a fresh workerd;
// - edge: uploads through the Deno edge server (serveEdge, folder store, no fsync),
//   whole body (Content-Length) against chunked (a stream body in 64 KiB pieces);
// - s3: the same server with an S3Store on Miniflare's S3 API (loopback) against the
//   folder store;
// - tus: examples/cloudflare-worker in workerd (its Durable Object per upload, R2 in
//   Miniflare, the V8 heap capped as in an isolate): the archive as one request against
//   resumable in 50 MB PATCHes (time, workerd's peak RSS, each in a fresh workerd); what
//   the Worker's isolate holds during the upload, ArrayBuffers included (the V8 inspector's
//   Runtime.getHeapUsage, sampled: see tests/workers/_isolate_memory.ts), against an
//   isolate's 128 MB; and the cost of rebuilding a lost verifier at 90% (workerd restarted
//   over the same storage, as a deploy does: the next PATCH replays the staged parts).
// Progress to stderr, a Markdown table to stdout.

import { Miniflare } from "miniflare";
import { S3Store, writeSnapshot } from "../mod.ts";
import { serveEdge } from "../src/deno/edge_server.ts";
import { buildLibrary } from "../web/build.ts";
import { calibrateShare, mixedFiller, writeState } from "./_gen.ts";
import {
  freePort,
  held,
  type IsolateMemory,
  type IsolateProbe,
  mib,
  probeIsolate,
} from "../tests/workers/_isolate_memory.ts";

const ROOT = new URL("../", import.meta.url);
const MIB = 1024 * 1024;

function flag(name: string): string | undefined {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Deno.args[i + 1] : undefined;
}

function parseSize(text: string): number {
  const m = /^(\d+)\s*(k|m|g)?i?b?$/i.exec(text.trim());
  if (!m) throw new Error(`not a size: ${text}`);
  return Number(m[1]) * ({ k: 1024, m: MIB, g: 1024 * MIB }[m[2]?.toLowerCase() ?? ""] ?? 1);
}

const size = parseSize(flag("size") ?? "1GiB");
const skip = new Set((flag("skip") ?? "").split(",").filter(Boolean));
const log = (line: string) => console.error(line);
const rows: string[][] = [];
const row = (what: string, bytes: number, ms: number, extra = "") => {
  const mbs = bytes / 1e6 / (ms / 1000);
  rows.push([
    what,
    `${(bytes / MIB).toFixed(0)} MiB`,
    `${(ms / 1000).toFixed(2)} s`,
    mbs.toFixed(0),
    extra,
  ]);
  log(`  ${what}: ${(ms / 1000).toFixed(2)} s, ${mbs.toFixed(0)} MB/s ${extra}`);
  return mbs;
};

const dir = `${new URL(".bench/edge", ROOT).pathname}`;
await Deno.mkdir(dir, { recursive: true });

/** A mixed archive of a `stateBytes` state, made once and kept in .bench/edge. */
async function archive(stateBytes: number): Promise<string> {
  const path = `${dir}/mixed-${stateBytes}.snap`;
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
  await Deno.mkdir(dir, { recursive: true });
  const state = `${dir}/state-${stateBytes}.bin`;
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

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

/**
 * The peak RSS (VmHWM) of the workerd processes under this one, in MiB (other workerd
 * processes on the machine, such as tests running beside the bench, are not counted).
 */
async function workerdPeakMiB(): Promise<number> {
  const parents = new Map<number, number>();
  const workerd: { pid: number; hwm: number }[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const status = await Deno.readTextFile(`/proc/${entry.name}/status`);
      const pid = Number(entry.name);
      parents.set(pid, Number(/^PPid:\s*(\d+)/m.exec(status)?.[1] ?? 0));
      if (!/^Name:\s*workerd/m.test(status)) continue;
      workerd.push({ pid, hwm: Number(/^VmHWM:\s*(\d+) kB/m.exec(status)?.[1] ?? 0) / 1024 });
    } catch {
      // gone
    }
  }
  const mine = (pid: number) => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; p = parents.get(p) ?? 0, hops++) {
      if (p === Deno.pid) return true;
    }
    return false;
  };
  return Math.max(0, ...workerd.filter((w) => mine(w.pid)).map((w) => w.hwm));
}

const WORKER = `
import { verifySnapshot } from "./raftsnap.mjs";
export default {
  async fetch(request) {
    const result = await verifySnapshot(request.body, { checksum: true });
    return Response.json({ stateSha256: result.stateSha256, bytes: result.compressedBytes });
  },
};`;

/** The baseline: a worker that reads the body and drops it, with no library at all. */
const READ_ONLY_WORKER = `
export default {
  async fetch(request) {
    const reader = request.body.getReader();
    let bytes = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
    }
    return Response.json({ stateSha256: null, bytes });
  },
};`;

/**
 * V8 flags that hold workerd's JS heap near a Workers isolate's 128 MB (workerd sets no
 * limit locally, so V8 collects late), passed through Miniflare's variable for them.
 */
const ISOLATE_HEAP = "--max-old-space-size=24 --max-semi-space-size=4";

async function inWorkerd(
  path: string,
  bundle: string,
  worker = WORKER,
  v8Flags?: string,
): Promise<{ ms: number; rss: number }> {
  if (v8Flags) Deno.env.set("MINIFLARE_WORKERD_V8_FLAGS", v8Flags);
  else Deno.env.delete("MINIFLARE_WORKERD_V8_FLAGS");
  const root = await Deno.makeTempDir({ prefix: "raftsnap-bench-workerd-" });
  await Deno.copyFile(bundle, `${root}/raftsnap.mjs`);
  await Deno.writeTextFile(`${root}/worker.mjs`, worker);
  const mf = new Miniflare({
    modulesRoot: root,
    modules: [
      { type: "ESModule", path: `${root}/worker.mjs` },
      { type: "ESModule", path: `${root}/raftsnap.mjs` },
    ],
    compatibilityDate: "2025-09-01",
  });
  try {
    await mf.ready;
    const file = await Deno.open(path);
    const { ms, value } = await timed(async () => {
      const response = await mf.dispatchFetch("http://worker/", {
        method: "POST",
        body: file.readable as never,
        duplex: "half",
      } as never);
      return await response.text();
    });
    if (!value.includes("stateSha256")) throw new Error(`workerd: ${value}`);
    return { ms, rss: await workerdPeakMiB() };
  } finally {
    await mf.dispose();
    await Deno.remove(root, { recursive: true });
  }
}

async function cliVerify(path: string): Promise<number> {
  const { ms, value } = await timed(() =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--config", "deno.json", "src/cli/main.ts", "verify", path],
      cwd: ROOT,
      stdout: "null",
      stderr: "piped",
    }).output()
  );
  if (!value.success) throw new Error(new TextDecoder().decode(value.stderr));
  return ms;
}

/**
 * Uploads the file with curl, as operators do: `curl -T FILE` sends a Content-Length,
 * `curl -T - < FILE` a chunked body. (Deno's fetch is the bottleneck with a 64 MiB
 * Uint8Array body, about 75 MB/s to a server that only reads, so it is not the client.)
 */
async function upload(url: string, file: string, chunked: boolean): Promise<number> {
  const { ms, value } = await timed(async () => {
    const child = new Deno.Command("curl", {
      args: ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "-T", chunked ? "-" : file, url],
      stdin: chunked ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    if (chunked) {
      const input = await Deno.open(file);
      await input.readable.pipeTo(child.stdin);
    }
    return await child.output();
  });
  const status = new TextDecoder().decode(value.stdout);
  if (status !== "201") {
    throw new Error(`upload: ${status} ${new TextDecoder().decode(value.stderr)}`);
  }
  return ms;
}

const path = await archive(size);
const archiveBytes = (await Deno.stat(path)).size;
log(`archive: ${path} (${(archiveBytes / MIB).toFixed(0)} MiB)`);

let cliMbs: number | undefined;
if (!skip.has("cli")) {
  log("raftsnap verify (CLI)...");
  cliMbs = row("raftsnap verify (CLI, Deno)", archiveBytes, await cliVerify(path));
}

if (!skip.has("workerd")) {
  log("workerd...");
  const libDir = await Deno.makeTempDir({ prefix: "raftsnap-bench-lib-" });
  const { main } = await buildLibrary(libDir);
  const small = await archive(16 * MIB);
  const smallBytes = (await Deno.stat(small)).size;
  // The baseline in workerd: reading the body with no library at all. Its time is a floor
  // under any verify there (workerd reads and computes on one thread), and its memory
  // shows what workerd itself holds for a body of that size.
  const runs = [[small, smallBytes, "16 MiB state"], [path, archiveBytes, "full"]] as const;
  const peaks: number[] = [];
  let readMbs = 0;
  let verifyMbs = 0;
  for (const [file, bytes, label] of runs) {
    const read = await inWorkerd(file, main, READ_ONLY_WORKER);
    readMbs = row(
      `workerd reads the body only (no library), ${label}`,
      bytes,
      read.ms,
      `peak RSS ${read.rss.toFixed(0)} MiB`,
    );
    const verify = await inWorkerd(file, main);
    verifyMbs = row(
      `workerd verify, ${label}`,
      bytes,
      verify.ms,
      `peak RSS ${verify.rss.toFixed(0)} MiB (+${
        (verify.rss - read.rss).toFixed(0)
      } over the read)`,
    );
    peaks.push(verify.rss - read.rss);
  }
  // The same with the JS heap held near an isolate's: what the library keeps, not what
  // V8 has yet to collect.
  const capped: number[] = [];
  for (const [file, bytes, label] of runs) {
    const read = await inWorkerd(file, main, READ_ONLY_WORKER, ISOLATE_HEAP);
    const verify = await inWorkerd(file, main, WORKER, ISOLATE_HEAP);
    row(
      `workerd verify, ${label}, heap capped (${ISOLATE_HEAP})`,
      bytes,
      verify.ms,
      `peak RSS ${verify.rss.toFixed(0)} MiB (bare read ${read.rss.toFixed(0)} MiB)`,
    );
    capped.push(verify.rss - read.rss);
  }
  Deno.env.delete("MINIFLARE_WORKERD_V8_FLAGS");
  if (cliMbs) {
    log(`  workerd / CLI time: ${(cliMbs / verifyMbs).toFixed(2)}x (target ≤ 1.5x)`);
    log(`  workerd body read alone / CLI verify: ${(cliMbs / readMbs).toFixed(2)}x`);
  }
  const over = (list: number[]) => list.map((p) => p.toFixed(0)).join(" -> ");
  log(
    `  verify's peak RSS over the bare read: ${over(peaks)} MiB; heap capped: ${over(capped)} MiB`,
  );
  await Deno.remove(libDir, { recursive: true });
}

if (!skip.has("edge")) {
  log("edge server, whole body vs chunked...");
  const folder = await Deno.makeTempDir({ prefix: "raftsnap-bench-edge-" });
  const server = await serveEdge({ dir: folder, port: 0, fsStore: { sync: false } });
  try {
    const best = async (chunked: boolean) => {
      let ms = Infinity;
      for (let i = 0; i < 2; i++) {
        ms = Math.min(ms, await upload(server.url.href, path, chunked));
        for await (const e of Deno.readDir(folder)) await Deno.remove(`${folder}/${e.name}`);
      }
      return ms;
    };
    const whole = row("edge server, whole body (folder)", archiveBytes, await best(false));
    const chunked = row("edge server, chunked (folder)", archiveBytes, await best(true));
    log(`  chunked / whole: ${(100 * chunked / whole).toFixed(0)}% (target ≥ 90%)`);
  } finally {
    await server.shutdown();
    await Deno.remove(folder, { recursive: true });
  }
}

if (!skip.has("s3")) {
  log("edge server into S3 (Miniflare's S3 API on loopback)...");
  const credentials = { accessKeyId: "AKIDBENCH", secretAccessKey: "bench-secret" };
  const mf = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response(null, { status: 404 }) } }",
    compatibilityDate: "2025-09-01",
    r2Buckets: { B: { id: "bench", s3Credentials: credentials } },
  } as never);
  const url = new URL(String(await mf.ready));
  const store = new S3Store({
    endpoint: new URL("cdn-cgi/local/r2/s3", url),
    bucket: "bench",
    region: "auto",
    ...credentials,
  });
  const server = await serveEdge({ store, port: 0 });
  try {
    row(
      "edge server, whole body (S3 store)",
      archiveBytes,
      await upload(server.url.href, path, false),
    );
  } finally {
    await server.shutdown();
    await mf.dispose();
  }
}

/** Bytes [from, to) of a file, as a stream. */
async function slice(
  file: string,
  from: number,
  to: number,
  before?: () => Promise<void>,
): Promise<ReadableStream<Uint8Array>> {
  const handle = await Deno.open(file);
  await handle.seek(from, Deno.SeekMode.Start);
  let left = to - from;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (left === 0) {
        handle.close();
        return controller.close();
      }
      await before?.();
      const buffer = new Uint8Array(Math.min(left, 1024 * 1024));
      const n = await handle.read(buffer);
      if (n === null) {
        handle.close();
        return controller.error(new Error("the file is shorter"));
      }
      left -= n;
      controller.enqueue(buffer.subarray(0, n));
    },
    cancel() {
      handle.close();
    },
  }, { highWaterMark: 0 });
}

/** examples/cloudflare-worker in a fresh workerd, as `wrangler dev` runs it. */
async function startExample(bundle: string, capped: boolean) {
  const root = await Deno.makeTempDir({ prefix: "raftsnap-bench-tus-" });
  const main = `${root}/examples/cloudflare-worker/src/worker.js`;
  await Deno.mkdir(`${root}/examples/cloudflare-worker/src`, { recursive: true });
  await Deno.mkdir(`${root}/dist/lib`, { recursive: true });
  await Deno.copyFile(new URL("examples/cloudflare-worker/src/worker.js", ROOT), main);
  await Deno.copyFile(bundle, `${root}/dist/lib/raftsnap.mjs`);
  // workerd's inspector, to ask the Worker's isolate what it holds.
  const inspectorPort = freePort();
  let port = 0;
  const start = async () => {
    if (capped) Deno.env.set("MINIFLARE_WORKERD_V8_FLAGS", ISOLATE_HEAP);
    else Deno.env.delete("MINIFLARE_WORKERD_V8_FLAGS");
    const mf = new Miniflare({
      modulesRoot: root,
      modules: [
        { type: "ESModule", path: main },
        { type: "ESModule", path: `${root}/dist/lib/raftsnap.mjs` },
      ],
      compatibilityDate: "2025-09-01",
      r2Buckets: { SNAPSHOTS: "raft-snapshots" },
      r2Persist: `${root}/r2`,
      durableObjects: {
        TUS_UPLOADS: { className: "TusUpload", useSQLite: true },
        TUS_OWNERS: { className: "TusOwner", useSQLite: true },
      },
      durableObjectsPersist: `${root}/do`,
      bindings: {
        UPLOAD_TOKEN: "bench",
        PREFIX: "snapshots/",
        MAX_BYTES: String(4 * 1024 * MIB),
        TIMEOUT_MS: "3600000",
      },
      host: "127.0.0.1",
      port,
      inspectorPort,
    } as never);
    const url = String(await mf.ready);
    port = Number(new URL(url).port);
    // The user's worker (and its Durable Objects) runs in the isolate Miniflare names
    // `core:user:`; its R2 simulator and its proxies are isolates of their own.
    const probe = await probeIsolate(inspectorPort, /^core:user:/);
    return { mf, url, probe };
  };
  let running = await start();
  return {
    get url() {
      return running.url;
    },
    get probe(): IsolateProbe {
      return running.probe;
    },
    /** workerd stopped and started again over the same storage: every memory is lost. */
    async restart() {
      running.probe.close();
      await running.mf.dispose();
      running = await start();
    },
    async dispose() {
      running.probe.close();
      await running.mf.dispose();
      Deno.env.delete("MINIFLARE_WORKERD_V8_FLAGS");
      await Deno.remove(root, { recursive: true });
    },
  };
}

/** A memory sample as the table shows it. */
function describeMemory(peak: IsolateMemory): string {
  return `${mib(held(peak))} MiB (JS heap ${mib(peak.totalSize)} committed, ${
    mib(peak.usedSize)
  } used; C++ heap ${mib(peak.embedderHeapUsedSize)}; ArrayBuffers ${
    mib(peak.backingStorageSize)
  })`;
}

if (!skip.has("tus")) {
  log("tus in workerd: one request against 50 MB PATCHes...");
  const libDir = await Deno.makeTempDir({ prefix: "raftsnap-bench-lib-" });
  const { main } = await buildLibrary(libDir);
  const auth = { authorization: "Bearer bench" };
  const tus = { ...auth, "tus-resumable": "1.0.0" };
  const PATCH = flag("patch") ? parseSize(flag("patch")!) : 50_000_000;
  const expect = async (response: Response, status: number, what: string) => {
    const text = await response.text();
    if (response.status !== status) throw new Error(`${what}: ${response.status} ${text}`);
  };
  /**
   * Sends the archive in PATCHes. `restartAt`: workerd restarted (every memory lost) before
   * the PATCH that starts there. `paced`: the client waits for a sample of the isolate's
   * memory before each MiB it sends (the isolate answers the inspector only between two
   * turns of its JavaScript, rarely while bytes pour in): slower, so not timed.
   */
  const resumable = async (capped: boolean, options: { restartAt?: number; paced?: boolean }) => {
    const { restartAt, paced } = options;
    const example = await startExample(main, capped);
    let stop = example.probe.watch();
    let peak: IsolateMemory | undefined;
    let samples = 0;
    const note = (sample: IsolateMemory) => {
      samples++;
      if (!peak || held(sample) > held(peak)) peak = sample;
    };
    try {
      const patches: number[] = [];
      let rebuilt: { ms: number; at: number; bytes: number } | undefined;
      const { ms } = await timed(async () => {
        const created = await fetch(`${example.url}uploads/`, {
          method: "POST",
          headers: { ...tus, "upload-length": String(archiveBytes) },
        });
        await expect(created, 201, "POST");
        const location = new URL(created.headers.get("location")!, example.url).pathname;
        // PATCHes of PATCH bytes; with restartAt, one also ends exactly there.
        const ends: number[] = [];
        for (let end = PATCH; end < archiveBytes; end += PATCH) ends.push(end);
        if (restartAt !== undefined) ends.push(restartAt);
        ends.push(archiveBytes);
        const cuts = [...new Set(ends)].sort((a, b) => a - b);
        for (let i = 0, at = 0; i < cuts.length; at = cuts[i++]!) {
          const end = cuts[i]!;
          const restart = at === restartAt;
          if (restart) {
            const before = await stop();
            note(before.peak);
            samples += before.samples - 1;
            await example.restart();
            stop = example.probe.watch();
          }
          const started = performance.now();
          // A connection of its own per PATCH (one reused after a long PATCH was reset).
          using client = Deno.createHttpClient({});
          const response = await fetch(new URL(location, example.url), {
            client,
            method: "PATCH",
            headers: {
              ...tus,
              "content-type": "application/offset+octet-stream",
              "upload-offset": String(at),
              "content-length": String(end - at),
            },
            body: await slice(
              path,
              at,
              end,
              paced ? async () => note(await example.probe.sample()) : undefined,
            ),
          });
          await expect(response, end === archiveBytes ? 200 : 204, `PATCH at ${at}`);
          const took = performance.now() - started;
          log(
            `    PATCH ${at}-${end}: ${(took / 1000).toFixed(2)} s${
              restart ? " (after a restart)" : ""
            }`,
          );
          if (restart) rebuilt = { ms: took, at, bytes: end - at };
          else patches.push(took);
        }
      });
      const watched = await stop();
      note(watched.peak);
      samples += watched.samples - 1;
      return { ms, rss: await workerdPeakMiB(), patches, rebuilt, peak: peak!, samples };
    } finally {
      await stop().catch(() => {});
      await example.dispose();
    }
  };
  const oneRequest = async (capped: boolean) => {
    const example = await startExample(main, capped);
    const stop = example.probe.watch();
    try {
      const { ms } = await timed(async () => {
        const response = await fetch(example.url, {
          method: "PUT",
          headers: auth,
          body: await slice(path, 0, archiveBytes),
        });
        await expect(response, 201, "PUT");
      });
      const { peak, samples } = await stop();
      return { ms, rss: await workerdPeakMiB(), peak, samples };
    } finally {
      await stop().catch(() => {});
      await example.dispose();
    }
  };
  const cap = `heap capped (${ISOLATE_HEAP})`;
  const single = await oneRequest(true);
  const singleMbs = row(
    `Worker example, one request (R2), ${cap}`,
    archiveBytes,
    single.ms,
    `peak RSS ${single.rss.toFixed(0)} MiB; isolate (${single.samples} samples): ${
      describeMemory(single.peak)
    }`,
  );
  try {
    const patched = await resumable(true, {});
    const tusMbs = row(
      `Worker example, tus in ${PATCH / 1e6} MB PATCHes (DO + R2 multipart), ${cap}`,
      archiveBytes,
      patched.ms,
      `peak RSS ${patched.rss.toFixed(0)} MiB; isolate (${patched.samples} samples): ${
        describeMemory(patched.peak)
      }`,
    );
    log(`  tus / one request time, heap capped: ${(singleMbs / tusMbs).toFixed(2)}x`);
  } catch (error) {
    rows.push([`Worker example, tus, ${cap}`, "", "failed", "", String(error).split("\n")[0]!]);
    log(`  tus with the heap capped failed: ${error}`);
  }
  if (Deno.args.includes("--uncapped")) {
    const free = await oneRequest(false);
    const freeMbs = row(
      "Worker example, one request (R2), heap not capped",
      archiveBytes,
      free.ms,
      `peak RSS ${free.rss.toFixed(0)} MiB`,
    );
    const uncapped = await resumable(false, {});
    const uncappedMbs = row(
      `Worker example, tus in ${PATCH / 1e6} MB PATCHes, heap not capped`,
      archiveBytes,
      uncapped.ms,
      `peak RSS ${uncapped.rss.toFixed(0)} MiB`,
    );
    log(
      `  tus / one request time, heap not capped: ${
        (freeMbs / uncappedMbs).toFixed(2)
      }x (target ≤ 1.2x)`,
    );
  }
  if (!skip.has("tus-memory")) {
    // The isolate sampled before every MiB the client sends: the peak of what it holds.
    const measured = await resumable(true, { paced: true });
    const limit = 128 * 1e6;
    row(
      `Worker example, tus in ${PATCH / 1e6} MB PATCHes, ${cap}, the isolate sampled every MiB`,
      archiveBytes,
      measured.ms,
      `isolate peak (${measured.samples} samples) ${describeMemory(measured.peak)}: ${
        held(measured.peak) < limit ? "under" : "OVER"
      } an isolate's 128 MB`,
    );
  }
  if (!skip.has("tus-rebuild")) {
    const restarted = await resumable(true, { restartAt: Math.floor(0.9 * archiveBytes) });
    if (!restarted.rebuilt) throw new Error("the archive is under two PATCHes: no rebuild at 90%");
    const usual = restarted.patches.slice(1, -1);
    const typical = usual.reduce((a, b) => a + b, 0) / Math.max(1, usual.length);
    const rebuild = restarted.rebuilt!;
    row(
      `Worker example, tus, workerd restarted at 90%, ${cap}`,
      archiveBytes,
      restarted.ms,
      `the ${(rebuild.bytes / 1e6).toFixed(1)} MB PATCH at ${
        (rebuild.at / MIB).toFixed(0)
      } MiB took ${(rebuild.ms / 1000).toFixed(2)} s ` +
        `against ${(typical / 1000).toFixed(2)} s for a full PATCH without a rebuild: ` +
        `replaying ${(rebuild.at / MIB).toFixed(0)} MiB cost ~${
          ((rebuild.ms - typical * (rebuild.bytes / PATCH)) / 1000)
            .toFixed(2)
        } s; peak RSS ${restarted.rss.toFixed(0)} MiB`,
    );
  }
  await Deno.remove(libDir, { recursive: true });
}

console.log("| what | archive | time | MB/s | |\n| --- | --- | --- | --- | --- |");
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
