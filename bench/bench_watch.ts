// Copyright 2026 the raftsnap authors. Apache-2.0 license.
//
// deno task bench:watch [--n 300] [--state 16384] [--rss 1000,10000]
//
// `raftsnap watch --once` over N small valid archives (writeSnapshot, random state, in
// three cluster folders) against a plain shell loop of `raftsnap verify` over the same
// files, in the same run: objects/s and bytes/s of each. With --rss, the watcher's peak
// RSS (VmHWM, polled from /proc) over each count of objects, first pass and warm catalog.
// Progress to stderr, a Markdown table to stdout.

import { writeSnapshot } from "../mod.ts";

const ROOT = decodeURIComponent(new URL("../", import.meta.url).pathname);

function flag(name: string): string | undefined {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Deno.args[i + 1] : undefined;
}

/** Writes `n` archives of `stateSize` random bytes into `dir/cluster-K/NNNNN.snap`. */
export async function generate(dir: string, n: number, stateSize: number): Promise<number> {
  let bytes = 0;
  for (let c = 0; c < 3; c++) await Deno.mkdir(`${dir}/cluster-${c}`, { recursive: true });
  const state = new Uint8Array(stateSize);
  for (let i = 0; i < n; i++) {
    crypto.getRandomValues(state.subarray(0, Math.min(stateSize, 65536)));
    const meta = { id: `2-${i + 1}-1700000000000`, index: i + 1, term: 2, size: stateSize };
    const archive = new Uint8Array(await new Response(writeSnapshot(meta, state)).arrayBuffer());
    await Deno.writeFile(`${dir}/cluster-${i % 3}/${String(i).padStart(5, "0")}.snap`, archive);
    bytes += archive.length;
  }
  return bytes;
}

/** Runs a command; returns seconds and the peak RSS (bytes) polled from /proc. */
export async function timed(
  cmd: string,
  args: string[],
): Promise<{ seconds: number; peak: number; code: number }> {
  const start = performance.now();
  const child = new Deno.Command(cmd, { args, cwd: ROOT, stdout: "null", stderr: "piped" }).spawn();
  let peak = 0;
  const poll = setInterval(async () => {
    try {
      const status = await Deno.readTextFile(`/proc/${child.pid}/status`);
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      peak = Math.max(peak, kb * 1024);
    } catch {
      // exited
    }
  }, 20);
  const output = await child.output();
  clearInterval(poll);
  if (output.code !== 0) console.error(new TextDecoder().decode(output.stderr).slice(-2000));
  return { seconds: (performance.now() - start) / 1000, peak, code: output.code };
}

const deno = Deno.execPath();
/** The young generation `deno task raftsnap` and the documented `deno install` give V8. */
const YOUNG = "--v8-flags=--max-semi-space-size=4";
const cli = ["run", YOUNG, "-A", "--config", `${ROOT}deno.json`, `${ROOT}src/cli/main.ts`];
/** The same, with V8's own young generation (sized from the heap limit: 32 MiB a half on 24 GiB). */
const cliV8Default = cli.filter((arg) => arg !== YOUNG);

if (import.meta.main) {
  const n = Number(flag("n") ?? 300);
  const stateSize = Number(flag("state") ?? 16384);
  const dir = await Deno.makeTempDir({ prefix: "raftsnap-bench-watch-" });
  try {
    console.error(`generating ${n} archives of ${stateSize} state bytes...`);
    const bytes = await generate(dir, n, stateSize);
    console.error("raftsnap watch --once...");
    const watch = await timed(deno, [
      ...cli,
      "watch",
      "--once",
      "--catalog",
      `${dir}/catalog.json`,
      dir,
    ]);
    console.error("a shell loop of raftsnap verify...");
    const loop = await timed("bash", [
      "-c",
      // Every file, even after a failure; the failures (and the first one's message) are reported.
      `failed=0; for f in "$1"/*/*.snap; do "$2" ${
        cli.join(" ")
      } verify -q "$f" >/dev/null 2>"$1.err" || { failed=$((failed+1)); cat "$1.err" >&2; }; done; ` +
      `[ "$failed" -eq 0 ] || { echo "$failed verify runs failed" >&2; exit 1; }`,
      "bash",
      dir,
      deno,
    ]);
    const mb = bytes / 1e6;
    console.log(`N = ${n} archives, ${mb.toFixed(1)} MB\n`);
    console.log("| run | exit | seconds | objects/s | MB/s |\n| --- | --- | --- | --- | --- |");
    for (
      const [name, r] of [["raftsnap watch --once", watch], [
        "shell loop of raftsnap verify",
        loop,
      ]] as const
    ) {
      console.log(
        `| ${name} | ${r.code} | ${r.seconds.toFixed(2)} | ${(n / r.seconds).toFixed(1)} | ${
          (mb / r.seconds).toFixed(2)
        } |`,
      );
    }
    console.log(`\nwatch is ${(loop.seconds / watch.seconds).toFixed(1)}x the loop's throughput`);
    const rss = flag("rss");
    if (rss) {
      // Each count twice over the same folder: the first pass verifies everything, the
      // second (the catalog warm, nothing due) only lists and reports.
      console.log(
        "\n| objects | first pass s | first pass peak RSS (MiB) | warm pass s | warm pass peak RSS (MiB) " +
          "| first pass, V8's default young generation: s | peak RSS (MiB) |" +
          "\n| --- | --- | --- | --- | --- | --- | --- |",
      );
      for (const count of rss.split(",").map(Number)) {
        const d = await Deno.makeTempDir({ prefix: "raftsnap-bench-rss-" });
        try {
          console.error(`generating ${count} small archives...`);
          await generate(d, count, 512);
          const catalog = `${d}/.raftsnap-watch/catalog.json`;
          const first = await timed(deno, [...cli, "watch", "--once", d]);
          const warm = await timed(deno, [...cli, "watch", "--once", d]);
          await Deno.remove(catalog);
          const v8Default = await timed(deno, [...cliV8Default, "watch", "--once", d]);
          const mib = (r: { peak: number }) => (r.peak / 1048576).toFixed(0);
          console.log(
            `| ${count} | ${first.seconds.toFixed(1)} | ${mib(first)} | ${
              warm.seconds.toFixed(1)
            } | ${mib(warm)} | ${v8Default.seconds.toFixed(1)} | ${mib(v8Default)} |`,
          );
        } finally {
          await Deno.remove(d, { recursive: true });
        }
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(`${dir}.err`).catch(() => {});
  }
}
