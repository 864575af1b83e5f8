// Copyright 2026 the raftsnap authors. Apache-2.0 license.
//
// deno task bench:browser [--size 1GiB] [--keep]
//
// Verifies the same generated snapshot (a mixed state calibrated to 4x under gzip -6, as
// `deno task bench` makes it) in headless Chromium, through the inspector page exactly as
// a person uses it (the file picked, read with Blob.stream(), progress drawn), and in Deno
// (bench/_measure.ts in a fresh process, the same portable hash-wasm-on-a-worker verify),
// one after the other in the same run, and prints both times, their MB/s and the ratio
// against the target (the browser within 1.5x of Deno's time). Files go to .bench/browser/.

import { formatSize, parseSize } from "./_args.ts";
import { calibrateShare, mixedFiller, writeState } from "./_gen.ts";
import { measure, ROOT } from "./_run.ts";
import { checkFile, launchChromium, openPage, startSite } from "../tests/_browser.ts";

const SEED = 42;
const TARGET = 1.5;

function flag(name: string): string | undefined {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] : undefined;
}

const size = parseSize(flag("--size") ?? "1GiB");
const keep = Deno.args.includes("--keep");
const dir = `${ROOT}.bench/browser`;
await Deno.mkdir(dir, { recursive: true });
const statePath = `${dir}/state-${size}.bin`;
const snapPath = `${dir}/mixed-${size}.snap`;

const log = (message: string) => console.error(message);
const exists = async (path: string) => {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
};

if (!(await exists(snapPath))) {
  log(`calibrating the mixed state to 4x under gzip -6 ...`);
  const scratch = await Deno.makeTempDir({ prefix: "raftsnap-calibrate-" });
  const calibration = await calibrateShare(SEED, 4, scratch);
  await Deno.remove(scratch, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { recursive: true });
  log(`generating a ${formatSize(size)} state (random share ${calibration.share.toFixed(3)}) ...`);
  await writeState(statePath, size, mixedFiller(SEED, calibration.share));
  log("writing the snapshot ...");
  const written = await measure("write", { state: statePath, out: snapPath, size }, 1200);
  if (written.kind !== "ok") throw new Error(`write failed: ${JSON.stringify(written)}`);
  await Deno.remove(statePath);
}
const archiveBytes = (await Deno.stat(snapPath)).size;

log("verifying in Deno ...");
const deno = await measure("verify", { snap: snapPath, size }, 1200);
if (deno.kind !== "ok") throw new Error(`Deno verify failed: ${JSON.stringify(deno)}`);

log("verifying in headless Chromium ...");
const site = await startSite();
const browser = await launchChromium();
let browserSeconds: number;
let browserSha: string | undefined;
try {
  const { page } = await openPage(browser, site);
  const shown = await checkFile(page, snapPath);
  if (shown.verdict !== "verified") throw new Error(`the page says: ${shown.text}`);
  browserSeconds = Number(await page.locator("#verdict").getAttribute("data-ms")) / 1000;
  const entries = await page.locator("[data-testid=entries]").innerText();
  browserSha = /state\.bin\s+[\d,]+ B\s+([0-9a-f]{64})/.exec(entries)?.[1];
  await page.screenshot({ path: `${dir}/verified.png` });
} finally {
  await browser.close();
  await site.close();
}
if (browserSha !== deno.value.stateSha256) {
  throw new Error(`the browser found state.bin ${browserSha}, Deno ${deno.value.stateSha256}`);
}

const mbps = (bytes: number, seconds: number) => (bytes / seconds / 1e6).toFixed(0);
const ratio = browserSeconds / deno.value.seconds;
const row = (name: string, seconds: number) =>
  `| ${name.padEnd(36)} | ${seconds.toFixed(2).padStart(6)} s | ` +
  `${mbps(archiveBytes, seconds).padStart(11)} | ${mbps(size, seconds).padStart(9)} |`;
console.log(
  `${formatSize(size)} mixed state, ${formatSize(archiveBytes)} archive ` +
    `(${(size / archiveBytes).toFixed(2)}x), verify:\n`,
);
console.log(`| ${"".padEnd(36)} |     time | archive MB/s | state MB/s |`);
console.log(`| ${"-".repeat(36)} | -------- | ------------ | ---------- |`);
console.log(row("Deno (hash-wasm on a Worker)", deno.value.seconds));
console.log(row(`Chromium ${browser.version()} (the page)`, browserSeconds));
console.log(
  `\nbrowser / Deno: ${ratio.toFixed(2)}x (target: at most ${TARGET}x) ` +
    (ratio <= TARGET ? "met" : "NOT met"),
);
if (!keep) await Deno.remove(snapPath);
