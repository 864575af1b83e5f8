// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Run by scale_test.ts with --v8-flags=--expose-gc: one watchOnce pass over DIR (a folder
// of N small archives, with its file catalog), printing as JSON the live heap (after a
// full GC) at each 1,000 objects verified, and the peak RSS (VmHWM) at the end.

import { FileCatalogStorage, FolderSource, JsonCatalog, watchOnce } from "../../mod.ts";
import { denoFolderFileSystem } from "../../src/deno/folder_fs.ts";

const dir = Deno.args[0]!;
const gc = (globalThis as { gc?: () => void }).gc!;
const source = new FolderSource(dir, denoFolderFileSystem);
const heap: number[] = [];
let verified = 0;
const report = await watchOnce(
  source,
  new JsonCatalog(new FileCatalogStorage(`${dir}.catalog.json`, denoFolderFileSystem)),
  {
    log() {
      if (++verified % 1000 === 0) {
        gc();
        heap.push(Deno.memoryUsage().heapUsed);
      }
    },
  },
);
const status = await Deno.readTextFile("/proc/self/status");
console.log(JSON.stringify({
  ok: report.totals.ok,
  heap,
  peakRss: Number(/VmHWM:\s+(\d+)/.exec(status)![1]) * 1024,
}));
