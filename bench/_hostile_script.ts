// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// The library as a script uses it, run by bench/bench_hostile.ts under /usr/bin/time:
//
//   deno run -A bench/_hostile_script.ts parse|restore FILE
//
// parse: parseSnapshot on the file, the state drained. restore: restoreSnapshot with a
// FileSpool (a script restoring a big state spools it to disk, not to memory), the state
// drained by `apply`. Prints one JSON line, {verdict: "ok" | SnapshotError code,
// stateBytes}; exits 0 for either verdict, 1 for anything else.

import { parseSnapshot, restoreSnapshot, SnapshotError } from "../mod.ts";
import { FileSpool } from "../src/deno/file_spool.ts";
import { openFileStream } from "../src/deno/file_stream.ts";

async function drain(stream: ReadableStream<Uint8Array>): Promise<number> {
  let bytes = 0;
  for await (const chunk of stream) bytes += chunk.length;
  return bytes;
}

async function run(op: string, file: string): Promise<number> {
  switch (op) {
    case "parse": {
      const parsed = parseSnapshot(await openFileStream(file));
      const [, bytes] = await Promise.all([
        parsed.meta.catch(() => {}),
        drain(parsed.state).catch(() => 0),
        parsed.result,
      ]);
      return bytes;
    }
    case "restore": {
      let bytes = 0;
      await restoreSnapshot(await openFileStream(file), async (_meta, state) => {
        bytes = await drain(state);
      }, { spool: () => FileSpool.create() });
      return bytes;
    }
    default:
      throw new Error(`unknown op ${JSON.stringify(op)}`);
  }
}

if (import.meta.main) {
  const [op, file] = Deno.args;
  if (!op || !file) {
    console.error("usage: _hostile_script.ts parse|restore FILE");
    Deno.exit(2);
  }
  try {
    const stateBytes = await run(op, file);
    console.log(JSON.stringify({ verdict: "ok", stateBytes }));
  } catch (error) {
    if (!(error instanceof SnapshotError)) {
      console.error(`${op} failed:`, error);
      Deno.exit(1);
    }
    console.log(JSON.stringify({ verdict: error.code }));
  }
  Deno.exit(0);
}
