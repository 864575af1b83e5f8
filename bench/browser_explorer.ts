// Copyright 2026 the raftsnap authors. Apache-2.0 license.
//
// deno task bench:explorer [--keys 1000000] [--value 960] [--keep]
//
// The explorer on a large Consul state in headless Chromium, through the page as a
// person uses it (the file picked, verified, explored while it is read): a state of
// 1,000,000 KV keys with 960-byte values (about 1 GiB; bench/_gen_diff_state.ts, the
// KV store in key order as Consul writes it). Prints, from the same run:
//
// - the verdict's time (the page's verify pass, the baseline) and the explorer's: when
//   the first records showed, when every record was in and verified;
// - the tab's memory: the renderer process's peak RSS (sampled from /proc every 200 ms)
//   and the JavaScript heap after the load (CDP Performance.getMetrics);
// - the search field's time for several queries over the 1,000,000 keys (each run 5 times,
//   the median and the range reported: on a loaded machine one run can wait tens of ms for
//   the CPU), as the page
//   measured it (performance.now() around the scan), and typed key by key;
// - reading one value back (the last key's) from the spool.
//
// Files go to .bench/explorer/.

import type { Page } from "playwright-core";
import { writeSnapshot } from "../mod.ts";
import { writeSide } from "./_gen_diff_state.ts";
import { checkFile, launchChromium, openPage, startSite } from "../tests/_browser.ts";
import { ROOT } from "./_run.ts";

function flag(name: string, fallback: number): number {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Number(Deno.args[i + 1]) : fallback;
}

const keys = flag("--keys", 1_000_000);
const valueBytes = flag("--value", 960);
const keep = Deno.args.includes("--keep");
const dir = `${ROOT}.bench/explorer`;
await Deno.mkdir(dir, { recursive: true });
const snapPath = `${dir}/kv-${keys}-${valueBytes}.snap`;
const log = (message: string) => console.error(message);

async function exists(path: string) {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

if (!(await exists(snapPath))) {
  log(`generating ${keys} keys of ${valueBytes} bytes ...`);
  const statePath = `${dir}/state.bin`;
  const size = await writeSide(statePath, "old", keys, valueBytes);
  const out = await Deno.open(snapPath, { write: true, create: true, truncate: true });
  await writeSnapshot(
    { id: "2-5000000-1710000000000", index: 5_000_000, term: 2, size },
    (await Deno.open(statePath)).readable,
  ).pipeTo(out.writable);
  await Deno.remove(statePath);
}
const archiveBytes = (await Deno.stat(snapPath)).size;

/** Peak RSS of Chromium's renderer processes, sampled until stopped. */
function sampleRenderers(): { stop(): number } {
  let peak = 0;
  const sample = () => {
    for (const entry of Deno.readDirSync("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      try {
        const cmdline = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`);
        if (!cmdline.includes("--type=renderer")) continue;
        const status = Deno.readTextFileSync(`/proc/${entry.name}/status`);
        const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
        peak = Math.max(peak, kb * 1024);
      } catch {
        // the process ended
      }
    }
  };
  const timer = setInterval(sample, 200);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

interface Searched {
  /** The first answer (the first screens of results shown), in ms: each run's. */
  ms: number[];
  /** Every key counted, in ms: each run's. */
  all: number[];
  found: number;
}

/** Each query runs this many times (the field emptied between): the median is reported. */
const RUNS = 5;

async function searchMs(page: Page, text: string): Promise<Searched> {
  const out: Searched = { ms: [], all: [], found: 0 };
  const count = page.locator("[data-testid=search-count]");
  for (let i = 0; i < RUNS; i++) {
    await page.fill("#explorer-search", "");
    await page.fill("#explorer-search", text);
    await page.locator("[data-testid=search-count][data-done=true]").waitFor({ timeout: 60_000 });
    out.ms.push(Number(await count.getAttribute("data-ms")));
    out.all.push(Number(await count.getAttribute("data-ms-all")));
    out.found = Number(await count.getAttribute("data-found"));
  }
  return out;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const range = (values: number[]) =>
  `${median(values).toFixed(1)} (${Math.min(...values).toFixed(1)}–${
    Math.max(...values).toFixed(1)
  })`;

const site = await startSite();
const browser = await launchChromium();
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
try {
  const { page } = await openPage(browser, site, { viewport: { width: 1280, height: 1000 } });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable");
  const rss = sampleRenderers();
  log(`opening ${snapPath} (${mib(archiveBytes)}) in the page ...`);
  const shown = await checkFile(page, snapPath, "", 600_000);
  if (shown.verdict !== "verified") throw new Error(`the page says: ${shown.text}`);
  const verifyMs = Number(await page.locator("#verdict").getAttribute("data-ms"));
  const status = page.locator("[data-testid=explorer-status]");
  await page.locator("[data-testid=explorer-status][data-state=ready]").waitFor({
    timeout: 600_000,
  });
  const peak = rss.stop();
  const firstMs = Number(await status.getAttribute("data-first"));
  const loadMs = Number(await status.getAttribute("data-ms"));
  const { metrics } = await cdp.send("Performance.getMetrics");
  const heap = metrics.find((m) => m.name === "JSHeapUsedSize")?.value ?? 0;
  const count = Number(await page.locator('button[data-section="kv"]').getAttribute("data-count"));
  if (count !== keys) throw new Error(`the page counted ${count} keys, not ${keys}`);

  const queries = ["key-00123456", "service/500/", "/key-0099", "key-", "no such key"];
  const loadDuringSearch = (await Deno.readTextFile("/proc/loadavg")).split(" ")[0];
  const searches: [string, Searched][] = [];
  for (const q of queries) searches.push([q, await searchMs(page, q)]);
  // Typed key by key, as a person types: each keystroke's scan.
  await page.fill("#explorer-search", "");
  const typed: number[] = [];
  for (const ch of "key-0077") {
    await page.locator("#explorer-search").press(ch === "-" ? "Minus" : ch);
    typed.push(Number(await page.locator("[data-testid=search-count]").getAttribute("data-ms")));
  }
  // The last key's value, read back from the spool.
  await page.fill("#explorer-search", `key-${String(keys - 1).padStart(8, "0")}`);
  const started = performance.now();
  await page.locator("[data-testid=search-results] [role=option]").first().click();
  await page.locator("[data-testid=reveal-value]").click();
  await page.locator("[data-testid=value]").waitFor();
  const valueMs = performance.now() - started;
  const note = await page.locator("[data-testid=explorer-note]").innerText();
  await page.locator("#explorer").screenshot({ path: `${dir}/explorer.png` });

  console.log(
    `${keys.toLocaleString("en-US")} KV keys of ${valueBytes} B: ${mib(archiveBytes)} archive, ` +
      `Chromium ${browser.version()}\n`,
  );
  console.log("| what | time |\n| --- | ---: |");
  console.log(`| the verdict (verify pass, baseline) | ${(verifyMs / 1000).toFixed(1)} s |`);
  console.log(`| explorer: first records shown | ${(firstMs / 1000).toFixed(2)} s |`);
  console.log(`| explorer: every record in, verified | ${(loadMs / 1000).toFixed(1)} s |`);
  console.log(`| explorer load / verdict | ${(loadMs / verifyMs).toFixed(2)}x |`);
  console.log(`| a value read back (click to shown) | ${valueMs.toFixed(0)} ms |`);
  console.log(`\nmemory: renderer peak RSS ${mib(peak)}, JS heap after load ${mib(heap)}`);
  console.log(`spool: ${note}\n`);
  console.log(
    `| search | found | first results shown, ms: median (min–max) of ${RUNS} | every key ` +
      "counted, ms |\n| --- | ---: | ---: | ---: |",
  );
  for (const [q, r] of searches) {
    console.log(
      `| \`${q}\` | ${r.found.toLocaleString("en-US")} | ${range(r.ms)} | ${range(r.all)} |`,
    );
  }
  console.log(`load average while searching: ${loadDuringSearch}`);
  console.log(`\ntyped "key-0077" key by key: ${typed.map((t) => t.toFixed(0)).join(", ")} ms`);
} finally {
  await browser.close();
  await site.close();
  if (!keep) await Deno.remove(snapPath).catch(() => {});
}
