// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Memory at scale: small valid archives (writeSnapshot) in three cluster folders, one pass
// over N = 2,500 and one over 4N = 10,000 (the same files plus more), each in a child
// process with the file catalog, as the CLI runs it. What the pass holds per object (the
// catalog's record and the report's entry, about 1 KiB) may grow with N; nothing else may.
// The bounds are per object between the two runs, so the runtime's constant mostly cancels:
// - the live heap after a full collection: < 2 KiB an object (measured 0.8);
// - external memory (ArrayBuffers) after it: < 4 MiB in all;
// - the RSS after a full collection: < 10 KiB an object (measured 2.2-6.0: between 2,500
//   and 10,000 the allocator's and V8's reserves are still growing towards their plateau);
// - the peak RSS of the pass: < 20 KiB an object (measured 4.0 since the catalog is written
//   and read a line at a time; 8.2-12.0 before; 12.7 before reads were sized to the file and
//   the catalog stopped reading itself whole on every write), which follows V8's lazy
//   collection and so gets the loosest bound.
// A buffer or a native inflater kept per object (64 KiB, 40 KiB) breaks them all.

import { writeSnapshot } from "../../mod.ts";
import { assert } from "../_helpers.ts";

const N = 2_500;

interface Usage {
  ok: number;
  objects: number;
  peakRss: number;
  rss: number;
  heap: number;
  external: number;
}

async function pass(dir: string): Promise<Usage> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      new URL("./_scale.ts", import.meta.url).pathname,
      dir,
      `${dir}.catalog.json`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

Deno.test({
  name:
    "watchOnce() over 2,500 and 10,000 objects: memory grows only by the records it keeps, about 1 KiB an object",
  sanitizeResources: false,
  async fn() {
    const big = await Deno.makeTempDir({ prefix: "raftsnap-watch-scale-" });
    const small = await Deno.makeTempDir({ prefix: "raftsnap-watch-scale-" });
    try {
      const state = new Uint8Array(512);
      for (let c = 0; c < 3; c++) {
        await Deno.mkdir(`${big}/cluster-${c}`);
        await Deno.mkdir(`${small}/cluster-${c}`);
      }
      for (let i = 0; i < 4 * N; i++) {
        crypto.getRandomValues(state);
        const meta = { id: `2-${i + 1}-1700000000000`, index: i + 1, term: 2, size: state.length };
        const archive = new Uint8Array(
          await new Response(writeSnapshot(meta, state)).arrayBuffer(),
        );
        const key = `cluster-${i % 3}/${String(i).padStart(5, "0")}.snap`;
        await Deno.writeFile(`${big}/${key}`, archive);
        if (i < N) await Deno.link(`${big}/${key}`, `${small}/${key}`);
      }
      const one = await pass(small);
      const four = await pass(big);
      assert.equal(one.ok, N);
      assert.equal(four.ok, 4 * N);
      assert.equal(four.objects, 4 * N);
      const per = (key: "peakRss" | "rss" | "heap") => (four[key] - one[key]) / (3 * N);
      const mib = (bytes: number) => (bytes / 1048576).toFixed(0);
      const kib = (bytes: number) => (bytes / 1024).toFixed(1);
      console.log(
        `peak RSS ${mib(one.peakRss)} MiB at 2,500 objects, ${mib(four.peakRss)} MiB at 10,000 ` +
          `(${kib(per("peakRss"))} KiB an object); after GC: RSS ${mib(one.rss)} -> ${
            mib(four.rss)
          } MiB (${kib(per("rss"))} KiB), live heap ${mib(one.heap)} -> ${mib(four.heap)} MiB (${
            kib(per("heap"))
          } KiB), external ${mib(one.external)} -> ${mib(four.external)} MiB`,
      );
      assert.ok(per("heap") < 2 * 1024, `live heap: ${per("heap")} bytes an object`);
      assert.ok(per("rss") < 10 * 1024, `RSS after GC: ${per("rss")} bytes an object`);
      assert.ok(per("peakRss") < 20 * 1024, `peak RSS: ${per("peakRss")} bytes an object`);
      assert.ok(four.external - one.external < 4 * 1048576, "external memory grew");
    } finally {
      for (const dir of [big, small]) {
        await Deno.remove(dir, { recursive: true });
        await Deno.remove(`${dir}.catalog.json`).catch(() => {});
      }
    }
  },
});
