// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Resumable uploads through examples/cloudflare-worker with workerd's V8 heap capped as
// bench:edge caps it (an isolate-like budget): PATCHes of 20 MiB (more than the cap) go
// through the Worker, its Durable Object and R2 multipart staging, and each PATCH streams
// all the way: the first staged parts are readable in R2 while that PATCH's body is still
// being sent, so neither the Worker, nor the forward to the Durable Object, nor the
// session buffers a whole PATCH.

import { DatabaseSync } from "node:sqlite";
import { assert } from "../_helpers.ts";
import { archiveOf, eventually, expectObject, type LocalBucket } from "./_r2.ts";
import { patchByMiB, startExample } from "./_example.ts";

const TOKEN = "test-upload-token";
const MIB = 1024 * 1024;
const HEAP = "--max-old-space-size=24 --max-semi-space-size=4";

/** Whether a persisted local R2 holds `key` (read from its SQLite store, not through workerd). */
async function storedKey(persist: string, key: string): Promise<boolean> {
  const dir = `${persist}/miniflare-R2BucketObject`;
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.name.endsWith(".sqlite")) continue;
      const db = new DatabaseSync(`${dir}/${entry.name}`, { readOnly: true });
      try {
        if (db.prepare("SELECT key FROM _mf_objects WHERE key = ?").get(key)) return true;
      } catch {
        // not written yet
      } finally {
        db.close();
      }
    }
  } catch {
    // nothing stored yet
  }
  return false;
}

Deno.test({
  name: "the Worker example streams 20 MiB PATCHes under an isolate-like heap cap",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const example = await startExample({
      UPLOAD_TOKEN: TOKEN,
      PART_SIZE: String(8 * MIB),
      MAX_BYTES: String(200 * MIB),
    }, { v8Flags: HEAP });
    try {
      const bucket = async () =>
        (await example.mf.getR2Bucket(example.config.binding)) as unknown as LocalBucket;
      const prefix = example.config.vars.PREFIX ?? "";
      const tus = { authorization: `Bearer ${TOKEN}`, "tus-resumable": "1.0.0" };
      const archive = await archiveOf(44 * MIB, "tus-heap");
      const created = await fetch(`${example.url}uploads/`, {
        method: "POST",
        headers: { ...tus, "upload-length": String(archive.length) },
      });
      await created.body?.cancel();
      assert.equal(created.status, 201);
      const location = new URL(created.headers.get("location")!, example.url);
      const id = location.pathname.split("/").pop()!;
      const staged = (n: number) =>
        `${prefix}.tus-staging/${id}/part-${String(n).padStart(5, "0")}`;
      const PATCH = 20 * MIB;
      const statuses: number[] = [];
      /** Parts staged while each PATCH's body was still open. */
      const seenMidway: boolean[] = [];
      for (let at = 0; at < archive.length;) {
        const end = Math.min(archive.length, at + PATCH);
        // The part that this PATCH completes once 18 MiB of it arrived (8 MiB parts).
        const part = Math.floor((at + 18 * MIB) / (8 * MIB));
        let midway = false;
        const { status, text } = await patchByMiB(
          location,
          tus,
          at,
          archive.subarray(at, end),
          async (sent) => {
            if (sent >= 18 * MIB && !midway && end - at === PATCH) {
              // Hold the rest back until the bytes sent so far are staged: they can only
              // be if they were handled as they came.
              midway = await eventually(
                async () => await storedKey(example.persist, staged(part)),
                30_000,
              );
            }
          },
        );
        statuses.push(status);
        assert.ok(status < 300, `PATCH at ${at}: ${status} ${text}`);
        if (end - at === PATCH) seenMidway.push(midway);
        at = end;
      }
      assert.deepEqual(statuses, [204, 204, 200]);
      assert.deepEqual(seenMidway, [true, true], "a part was staged while its PATCH was open");
      // The cap applies to every isolate in workerd, Miniflare's own included: the one that
      // proxies getR2Bucket() reads a whole object into its heap. So the bytes are checked
      // with the runtime started again over the same storage, not capped (as a deploy).
      await example.restart();
      await expectObject(await bucket(), prefix, archive);
      const left = (await (await bucket()).list()).objects.map((o) => o.key);
      assert.deepEqual(left.filter((key) => key.includes(".tus-")), [], "staging is gone");
    } finally {
      await example.dispose();
    }
  },
});
