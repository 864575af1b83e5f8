// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Run by scale_test.ts with --v8-flags=--expose-gc: one watchOnce pass over DIR (a folder
// of small archives) with its file catalog, as the CLI makes it (native hasher, an abort
// signal), then prints as JSON the peak RSS (VmHWM) of the pass, and
// after a full collection (the report still held) the RSS, live heap and external memory.

import { FileCatalogStorage, FolderSource, JsonCatalog, watchOnce } from "../../mod.ts";
import { nativeSha256 } from "../../src/deno/native_sha256.ts";
import { denoFolderFileSystem } from "../../src/deno/folder_fs.ts";

const [dir, catalogPath] = Deno.args as [string, string];
const gc = (globalThis as { gc?: () => void }).gc!;
const source = new FolderSource(dir, denoFolderFileSystem);
const report = await watchOnce(
  source,
  new JsonCatalog(new FileCatalogStorage(catalogPath, denoFolderFileSystem)),
  { hasher: nativeSha256, signal: new AbortController().signal },
);
const peak = (await Deno.readTextFile("/proc/self/status")).match(/VmHWM:\s+(\d+)/)![1]!;
gc();
await new Promise((resolve) => setTimeout(resolve, 0)); // finalizers of what the GC freed
gc();
const after = Deno.memoryUsage();
console.log(JSON.stringify({
  ok: report.totals.ok,
  objects: report.objects.length,
  peakRss: Number(peak) * 1024,
  rss: after.rss,
  heap: after.heapUsed,
  external: after.external,
}));
