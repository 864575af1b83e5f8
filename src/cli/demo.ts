// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// `deno task demo`: what a newcomer runs first. Writes a small sample snapshot with the
// library into a temporary folder, runs the real CLI on it (inspect, then verify of the
// sample and of a copy with one bit flipped), and cleans up. Needs only --allow-read and
// --allow-write: the CLI runs in this process.

import { writeSnapshot } from "../../mod.ts";
import { EXIT } from "./errors.ts";
import { main } from "./main.ts";
import { denoRuntime } from "./runtime/deno.ts";

const out = (text: string) => Deno.stdout.writeSync(new TextEncoder().encode(text));

/** Runs `raftsnap ARGS...` in this process, showing the command line and its output. */
async function raftsnap(note: string, ...args: string[]): Promise<number> {
  out(`\n$ raftsnap ${args.join(" ")}${note ? `    # ${note}` : ""}\n`);
  // Both streams to standard output, so the demo reads in order even when piped.
  return await main(args, {
    ...denoRuntime,
    writeErr: out,
    isTerminal: (fd) => fd !== 2 && denoRuntime.isTerminal(fd),
  });
}

/**
 * A small Consul state, as Consul's FSM writes it: the msgpack header {"LastIndex": n},
 * then 2,000 KVS records (type 2, a DirEntry map with Go's sorted field names) and a few
 * Index records (type 16), strings as old-spec msgpack raws.
 */
function sampleState(): Uint8Array {
  const bytes: number[] = [];
  const raw = (text: string) => {
    const data = new TextEncoder().encode(text);
    bytes.push(
      ...(data.length < 32 ? [0xa0 | data.length] : [0xda, data.length >> 8, data.length & 0xff]),
    );
    bytes.push(...data);
  };
  const uint = (n: number) => bytes.push(...(n < 128 ? [n] : [0xcd, n >> 8, n & 0xff]));
  const map = (fields: [string, string | number][]) => {
    bytes.push(0x80 | fields.length);
    for (const [key, value] of fields) {
      raw(key);
      if (typeof value === "number") uint(value);
      else raw(value);
    }
  };
  map([["LastIndex", 1200]]);
  for (let i = 0; i < 2000; i++) {
    const app = ["web", "api", "billing", "search"][i % 4];
    bytes.push(2);
    map([
      ["CreateIndex", 100 + i % 900],
      ["Flags", 0],
      ["Key", `${i % 10 === 0 ? "vault/core" : "config"}/${app}/${i}`],
      ["LockIndex", 0],
      ["ModifyIndex", 100 + i % 900],
      ["Session", ""],
      ["Value", `{"replicas":${i % 7},"owner":"team-${app}"}`.repeat(1 + i % 3)],
    ]);
  }
  for (const table of ["kvs", "tombstones", "sessions"]) {
    bytes.push(16);
    map([["Key", table], ["Value", 1200]]);
  }
  return new Uint8Array(bytes);
}

/** The archive with one bit of `state.bin` flipped, its gzip layer still valid. */
async function corruptCopy(archive: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const gunzip = new DecompressionStream("gzip");
  const tar = new Uint8Array(
    await new Response(new Blob([archive]).stream().pipeThrough(gunzip)).arrayBuffer(),
  );
  // meta.json's header and data take the first 1024 bytes; state.bin's header the next 512.
  tar[1024 + 512 + 100]! ^= 0x01;
  const gzip = new CompressionStream("gzip");
  return new Uint8Array(
    await new Response(new Blob([tar]).stream().pipeThrough(gzip)).arrayBuffer(),
  );
}

const home = Deno.cwd();
const dir = await Deno.makeTempDir({ prefix: "raftsnap-demo-" });
let failed = false;
try {
  Deno.chdir(dir);
  const state = sampleState();
  const servers = [1, 2, 3].map((n) => ({
    suffrage: 0,
    id: `server-${n}`,
    address: `10.0.0.${n}:8300`,
  }));
  const meta = {
    id: "2-1200-1764000000000",
    index: 1200,
    term: 2,
    size: state.length,
    configuration: { servers },
    configurationIndex: 1,
  };
  await writeSnapshot(meta, state).pipeTo((await Deno.create("sample.snap")).writable);
  const archive = await Deno.readFile("sample.snap");
  await Deno.writeFile("corrupt.snap", await corruptCopy(archive));
  out(`raftsnap demo: a sample snapshot, written by the library, in ${dir}\n`);

  failed ||= await raftsnap("", "inspect", "--kv-details", "sample.snap") !== EXIT.ok;
  const code = await raftsnap(
    "corrupt.snap: one bit of state.bin flipped",
    "verify",
    "sample.snap",
    "corrupt.snap",
  );
  failed ||= code !== EXIT.bad;
  out(
    `(exit code ${code}: ${
      code === EXIT.bad ? "a snapshot is bad, as it must be" : "unexpected!"
    })\n`,
  );
} finally {
  Deno.chdir(home);
  await Deno.remove(dir, { recursive: true });
}
out(`Removed ${dir}. Next: npx -y deno@2 task raftsnap --help\n`);
if (failed) {
  out("The demo did not go as expected: please report it.\n");
  Deno.exitCode = 1;
}
