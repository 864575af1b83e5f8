// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// What the Worker example's isolate holds during a resumable upload, ArrayBuffers included,
// stays under an isolate's 128 MB whatever the archive's size: a 32 MiB and a 96 MiB archive
// are sent in 20 MiB PATCHes (through the Worker, its Durable Object and R2 multipart
// staging) with workerd's V8 heap capped as bench:edge caps it, and before every MiB the
// client sends, the isolate is asked (V8 inspector) what it holds: its committed JS heap, its
// C++ heap and the bytes of every ArrayBuffer it has not freed (see _isolate_memory.ts for why
// this, not the heap cap or the process's RSS). Freed buffers count until V8 collects them,
// which it does once some 64 MiB of them have piled up since its last collection: so the peak
// is what the upload keeps (its 8 MiB parts, the body's chunks, the verifier) plus that pile,
// the same bound at any size; a Durable Object that kept its staged parts, or buffered its
// PATCHes, would cross it on the larger archive. Not a timing check: the samples follow the
// bytes sent. (V8's HeapProfiler.collectGarbage would show only what is kept alive, but
// workerd drops the connection when asked.)

import { assert } from "../_helpers.ts";
import { archiveOf } from "./_r2.ts";
import { patchByMiB, startExample } from "./_example.ts";
import { freePort, held, type IsolateMemory, mib, probeIsolate } from "./_isolate_memory.ts";

const TOKEN = "test-upload-token";
const MIB = 1024 * 1024;
const HEAP = "--max-old-space-size=24 --max-semi-space-size=4";
/** What an isolate may hold: 128 MB. */
const BOUND = 128 * 1000 * 1000;

Deno.test({
  name: "a tus upload holds under 128 MB in the Worker's isolate at 32 and 96 MiB",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const inspectorPort = freePort();
    const example = await startExample({
      UPLOAD_TOKEN: TOKEN,
      PART_SIZE: String(8 * MIB),
      MAX_BYTES: String(200 * MIB),
    }, { inspectorPort, v8Flags: HEAP });
    const probe = await probeIsolate(inspectorPort, /^core:user:/);
    try {
      const tus = { authorization: `Bearer ${TOKEN}`, "tus-resumable": "1.0.0" };
      const peaks: { size: number; peak: IsolateMemory; samples: number }[] = [];
      for (const size of [32 * MIB, 96 * MIB]) {
        const archive = await archiveOf(size, `tus-memory-${size}`);
        let peak: IsolateMemory | undefined;
        let samples = 0;
        const sample = async () => {
          const now = await probe.sample();
          samples++;
          if (!peak || held(now) > held(peak)) peak = now;
        };
        const created = await fetch(`${example.url}uploads/`, {
          method: "POST",
          headers: { ...tus, "upload-length": String(archive.length) },
        });
        await created.body?.cancel();
        assert.equal(created.status, 201);
        const location = new URL(created.headers.get("location")!, example.url);
        const PATCH = 20 * MIB;
        let last = 0;
        for (let at = 0; at < archive.length;) {
          const end = Math.min(archive.length, at + PATCH);
          const { status, text } = await patchByMiB(
            location,
            tus,
            at,
            archive.subarray(at, end),
            sample,
          );
          assert.ok(status < 300, `PATCH at ${at}: ${status} ${text}`);
          last = status;
          at = end;
        }
        assert.equal(last, 200, "the last PATCH stored the archive");
        await sample();
        assert.ok(samples >= size / MIB, `${samples} samples for ${size / MIB} MiB`);
        peaks.push({ size, peak: peak!, samples });
      }
      const report = peaks.map(({ size, peak, samples }) =>
        `${size / MIB} MiB archive: ${mib(held(peak))} MiB (JS heap ${mib(peak.totalSize)}, ` +
        `C++ heap ${mib(peak.embedderHeapUsedSize)}, ArrayBuffers ` +
        `${mib(peak.backingStorageSize)}; ${samples} samples)`
      ).join("; ");
      console.log(`isolate peaks: ${report}`);
      for (const { peak } of peaks) {
        assert.ok(held(peak) < BOUND, `over 128 MB: ${report}`);
      }
    } finally {
      probe.close();
      await example.dispose();
    }
  },
});
