// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// 10,000 objects: small valid archives (writeSnapshot) in three cluster folders, one pass
// with the file catalog in a child process. The live heap (after a full GC) may grow only
// by the records the catalog and the report keep (a few KiB an object), not by anything
// the verifier holds; the peak RSS is printed (it follows V8's lazy collection).

import { writeSnapshot } from "../../mod.ts";
import { assert } from "../_helpers.ts";

const N = 10_000;

Deno.test({
  name:
    "watchOnce() over 10,000 objects: every one verified, the live heap grows only by the records",
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "raftsnap-watch-scale-" });
    try {
      const state = new Uint8Array(512);
      for (let c = 0; c < 3; c++) await Deno.mkdir(`${dir}/cluster-${c}`);
      for (let i = 0; i < N; i++) {
        crypto.getRandomValues(state);
        const meta = { id: `2-${i + 1}-1700000000000`, index: i + 1, term: 2, size: state.length };
        const archive = new Uint8Array(
          await new Response(writeSnapshot(meta, state)).arrayBuffer(),
        );
        await Deno.writeFile(`${dir}/cluster-${i % 3}/${String(i).padStart(5, "0")}.snap`, archive);
      }
      const output = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--v8-flags=--expose-gc",
          new URL("./_scale.ts", import.meta.url).pathname,
          dir,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(output.stderr);
      assert.equal(output.code, 0, stderr);
      const result = JSON.parse(new TextDecoder().decode(output.stdout)) as {
        ok: number;
        heap: number[];
        peakRss: number;
      };
      assert.equal(result.ok, N);
      assert.equal(result.heap.length, N / 1000);
      const perObject = (result.heap.at(-1)! - result.heap[0]!) / (N - 1000);
      console.log(
        `10,000 objects: live heap ${(result.heap[0]! / 1048576).toFixed(1)} MiB at 1,000, ${
          (result.heap.at(-1)! / 1048576).toFixed(1)
        } MiB at 10,000 (${(perObject / 1024).toFixed(1)} KiB an object); peak RSS ${
          (result.peakRss / 1048576).toFixed(0)
        } MiB`,
      );
      assert.ok(perObject < 6 * 1024, `${perObject} bytes an object`);
    } finally {
      await Deno.remove(dir, { recursive: true });
      await Deno.remove(`${dir}.catalog.json`).catch(() => {});
    }
  },
});
