// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// The inspector page (web/) in Debian's Chromium, driven by playwright-core: verdicts for
// every go-reference fixture, sealed keys, Cancel, downloads, offline use, the keyboard,
// a phone-sized viewport, renderInspect, issue 12's many-member and 1000:1 archives, and
// no request to any host but 127.0.0.1.
//
// One browser and one server serve every test of this file (starting Chromium per test
// would triple the run); the last test checks the requests of the whole run and closes
// them. Without /usr/bin/chromium the tests are ignored locally and fail under CI=true.
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />

import type { Browser, Page } from "playwright-core";
import { verifySnapshot, writeSnapshot } from "../../mod.ts";
import { cutAt, gzipMembers, snapshotTar, spoilCrcs, zeroSnapshot } from "../../bench/_members.ts";
import {
  browserTest,
  checkFile,
  currentRun,
  launchChromium,
  nextVerdict,
  openPage,
  type Session,
  type Site,
  startSite,
} from "../_browser.ts";
import {
  assert,
  codeForGoError,
  collect,
  FIXTURES,
  goManifest,
  hex,
  verdict,
  waitUntil,
} from "../_helpers.ts";

// Deno's sanitizers are off for every test of the file: its one site and Playwright browser
// (and their timers) span tests.
const options = { ...browserTest(), sanitizeOps: false, sanitizeResources: false };
const manifest = await goManifest();
const fixture = (name: string) => new URL(`go-reference/${name}`, FIXTURES).pathname;
const ARTIFACTS = Deno.env.get("RAFTSNAP_ARTIFACTS") ??
  new URL("../../dist/artifacts/", import.meta.url).pathname;

let shared: Promise<{ site: Site; browser: Browser; main: Session; all: Session[] }> | undefined;

/** The site, the browser and one page most tests share, started on first use. */
function setup() {
  return shared ??= (async () => {
    const site = await startSite();
    const browser = await launchChromium();
    const main = await openPage(browser, site);
    return { site, browser, main, all: [main] };
  })();
}

/** A fresh page (its own context), recorded for the final request check. */
async function freshPage(
  init?: (page: Page) => Promise<void>,
  viewport?: { width: number; height: number },
): Promise<Session> {
  const { site, browser, all } = await setup();
  const session = await openPage(browser, site, { viewport, init });
  all.push(session);
  return session;
}

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
}

Deno.test({
  name: "page: a good snapshot shows verified, its ID, Index, servers, entries and checksum",
  ...options,
  async fn() {
    const { main: { page } } = await setup();
    const shown = await checkFile(page, fixture("small.snap"));
    assert.equal(shown.verdict, "verified", shown.text);
    assert.match(shown.text, /Verified/);
    const field = (name: string) => page.locator(`[data-field="${name}"] td`).innerText();
    assert.equal(await field("ID"), "2-5-1700000000000");
    assert.equal(await field("Index"), "5");
    assert.equal(await field("Term"), "2");
    assert.equal(await field("Version"), "1");
    assert.match(await field("Size"), /^20 bytes/);
    const servers = await page.locator("[data-testid=servers] tbody tr").allInnerTexts();
    assert.deepEqual(servers.map((row) => row.split("\t")), [
      ["server-1", "10.0.0.1:8300", "Voter"],
      ["server-2", "10.0.0.2:8300", "Voter"],
      ["server-3", "10.0.0.3:8300", "Nonvoter"],
    ]);
    const entries = await page.locator("[data-testid=entries] tbody tr").allInnerTexts();
    const small = manifest.fixtures.find((f) => f.file === "small.snap")!;
    assert.deepEqual(
      entries.map((row) => row.split("\t")),
      small.tar_entries!.map((e) => [e.name, `${e.size} B`, e.sha256]),
    );
    const fileSha = (small as unknown as { file_sha256: string }).file_sha256;
    const base64 = btoa(String.fromCharCode(...fileSha.match(/../g)!.map((b) => parseInt(b, 16))));
    assert.equal(await page.locator("[data-testid=checksum]").innerText(), `sha-256=${base64}`);
  },
});

Deno.test({
  name: "page: a valid 1000:1 archive (64 MiB of zeros) verifies with the default limits",
  ...options,
  async fn() {
    const { main: { page } } = await setup();
    const dir = await Deno.makeTempDir({ prefix: "raftsnap-page-" });
    try {
      const size = 64 << 20;
      const path = `${dir}/zeros.snap`;
      await Deno.writeFile(
        path,
        writeSnapshot({ id: "zeros", index: 4, term: 1, size }, new Uint8Array(size)),
      );
      const shown = await checkFile(page, path);
      assert.equal(shown.verdict, "verified", shown.text);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

for (const f of manifest.fixtures) {
  const go = f.checks.find((c) => c.function === "snapshot.Verify")!;
  const expected = go.ok ? "verified" : codeForGoError(go.errors![0]!);
  Deno.test({
    name: `page: ${f.file} shows Go's verdict (${expected})`,
    ...options,
    async fn() {
      const { main: { page } } = await setup();
      const shown = await checkFile(page, fixture(f.file));
      if (go.ok) {
        assert.equal(shown.verdict, "verified", shown.text);
        const meta = JSON.parse(go.meta_json!);
        assert.equal(await page.locator('[data-field="ID"] td').innerText(), meta.ID);
        assert.equal(
          await page.locator('[data-field="Index"] td').innerText(),
          BigInt(meta.Index).toLocaleString("en-US"),
        );
      } else {
        assert.equal(shown.verdict, "failed", shown.text);
        assert.equal(shown.code, expected, shown.text);
        assert.match(shown.text, /^✗ Failed: \S/);
        assert.match(shown.text, /Check that failed\n\S/);
        // Nothing unverified is offered for download.
        assert.equal(await page.locator("[data-testid=download-state]").count(), 0);
      }
    },
  });
}

for (const f of manifest.fixtures) {
  for (const check of f.checks.filter((c) => c.key !== undefined)) {
    const right = check.key === manifest.seal_key_hex;
    const expected = check.ok ? "verified" : codeForGoError(check.errors![0]!);
    Deno.test({
      name: `page: ${f.file} with the ${right ? "right" : "wrong"} key shows ${expected}`,
      ...options,
      async fn() {
        const { main: { page } } = await setup();
        const shown = await checkFile(page, fixture(f.file), check.key);
        if (check.ok) {
          assert.equal(shown.verdict, "verified", shown.text);
          assert.match(shown.text, /SHA256SUMS\.sealed/);
          assert.match(
            await page.locator("[data-testid=seal]").innerText(),
            /opened with the key, and its checksums match/,
          );
        } else {
          assert.equal(shown.code, expected, shown.text);
        }
      },
    });
  }
}

Deno.test({
  name: "page: a failure says which check failed, where, and what was expected and found",
  ...options,
  async fn() {
    const { main: { page } } = await setup();
    const shown = await checkFile(page, fixture("bad-state-bitflip.snap"));
    assert.equal(shown.code, "hash-mismatch");
    assert.match(shown.text, /✗ Failed: state\.bin does not match its checksum/);
    assert.match(shown.text, /Check that failed\nChecksums \(SHA256SUMS\)/);
    assert.match(shown.text, /Where\nin state\.bin, at byte 1,024 of the decompressed archive/);
    assert.match(
      shown.text,
      /Expected\n83435f28ef54bc74e4c094b5b68525a115b52644e54c9f0bbf4c5616cee4ff79/,
    );
    assert.match(shown.text, /Found\n[0-9a-f]{64}/);
    assert.match(shown.text, /Do not restore it/);
    // A sealed archive without a key says so, and offers to check it again.
    const sealed = await checkFile(page, fixture("sealed.snap"));
    assert.equal(sealed.verdict, "verified");
    assert.match(await page.locator("[data-testid=seal]").innerText(), /was not opened/);
    // A malformed key is refused before anything is read.
    const run = await currentRun(page);
    await page.fill("#key", "abcd");
    await page.setInputFiles("#file", fixture("small.snap"));
    await page.locator("#key-error").waitFor();
    assert.match(await page.locator("#key-error").innerText(), /64 hex digits/);
    assert.equal(await currentRun(page), run);
    await page.fill("#key", "");
  },
});

Deno.test({
  name: "page: Cancel stops a verification midway and cancels the download",
  ...options,
  async fn() {
    const { site, main: { page } } = await setup();
    const run = await currentRun(page);
    const before = site.slowCancelled;
    await page.fill("#url", "/slow/go-reference/one-mib.snap");
    await page.click("#url-form button[type=submit]");
    // Wait for some progress, then press Cancel with the keyboard's focus where it lands.
    await page.waitForFunction(() => Number(document.getElementById("bar")?.dataset.done) > 0);
    assert.match(await page.locator("#work-text").innerText(), /of 1\.00 MiB/);
    await page.click("#cancel");
    const shown = await nextVerdict(page, run);
    assert.equal(shown.verdict, "cancelled", shown.text);
    assert.match(shown.text, /Stopped after .* of 1\.00 MiB/);
    assert.ok(await page.locator("#work").isHidden());
    // The server saw the response cancelled, before its end (it holds its second half
    // until then; polled, with a safety net).
    await waitUntil(() => site.slowCancelled !== before, "the download cancelled");
    assert.equal(site.slowCancelled, before + 1);
    // The page is usable again at once.
    assert.equal((await checkFile(page, fixture("small.snap"))).verdict, "verified");
  },
});

Deno.test({
  name: "page: the drop zone works from the keyboard and takes a dropped file; a URL on the site",
  ...options,
  async fn() {
    const { main: { page } } = await setup();
    // Keyboard: Tab to the drop zone, Enter opens the file chooser.
    await page.reload();
    // Enter on the drop zone opens the chooser only once the page's module has wired it up.
    await page.waitForSelector("body[data-ready=true]");
    let run = await currentRun(page);
    await page.keyboard.press("Tab"); // the first stop on the page
    assert.equal(await page.evaluate(() => document.activeElement?.id), "drop");
    // Headless Chromium sometimes drops a file chooser asked for in the first moments after
    // a reload (seen since the bundle grew; a second later it always opens): press Enter
    // again, as a person would, at most three times.
    let chooser;
    for (let attempt = 1; !chooser; attempt++) {
      [chooser] = await Promise.all([
        page.waitForEvent("filechooser", { timeout: attempt < 3 ? 3000 : 30000 })
          .catch((error) => {
            if (attempt >= 3) throw error;
            return undefined;
          }),
        page.keyboard.press("Enter"),
      ]);
    }
    await chooser.setFiles(fixture("reordered-ok.snap"));
    assert.equal((await nextVerdict(page, run)).verdict, "verified");

    // A drop event carrying a File, as a drag from the desktop delivers it.
    run = await currentRun(page);
    await page.evaluate(async () => {
      const bytes = await (await fetch("/fixtures/go-reference/bad-meta-bitflip.snap")).blob();
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], "dropped.snap"));
      document.getElementById("drop")!.dispatchEvent(
        new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }),
      );
    });
    const dropped = await nextVerdict(page, run);
    assert.equal(dropped.code, "hash-mismatch");
    assert.match(dropped.text, /dropped\.snap did not verify/);

    // A same-origin URL is fetched and streamed; another host is refused without a request.
    run = await currentRun(page);
    await page.fill("#url", "/fixtures/go-reference/one-mib.snap");
    await page.click("#url-form button[type=submit]");
    assert.equal((await nextVerdict(page, run)).verdict, "verified");
    run = await currentRun(page);
    await page.fill("#url", "http://192.0.2.1/backup.snap");
    await page.click("#url-form button[type=submit]");
    const refused = await nextVerdict(page, run);
    assert.equal(refused.verdict, "error");
    assert.match(refused.text, /Only files on this site/);
  },
});

Deno.test({
  name: "page: downloads state.bin and meta.json only after verifying, streamed where it can",
  ...options,
  async fn() {
    const small = manifest.fixtures.find((f) => f.file === "small.snap")!;
    const state = small.tar_entries!.find((e) => e.name === "state.bin")!;
    const meta = small.tar_entries!.find((e) => e.name === "meta.json")!;

    // Without the File System Access API: a Blob download, offered once verified.
    const blob = await freshPage(async (page) => {
      await page.addInitScript(() => {
        delete (globalThis as { showSaveFilePicker?: unknown }).showSaveFilePicker;
      });
    });
    assert.equal((await checkFile(blob.page, fixture("small.snap"))).verdict, "verified");
    const [download] = await Promise.all([
      blob.page.waitForEvent("download"),
      blob.page.click("[data-testid=download-state]"),
    ]);
    assert.equal(download.suggestedFilename(), "state.bin");
    const saved = await Deno.readFile((await download.path())!);
    assert.equal(await sha256Hex(saved), state.sha256);
    await blob.page.locator("[data-testid=download-status][data-state=saved]").waitFor();
    const [metaDownload] = await Promise.all([
      blob.page.waitForEvent("download"),
      blob.page.click("[data-testid=download-meta]"),
    ]);
    assert.equal(metaDownload.suggestedFilename(), "meta.json");
    assert.equal(await Deno.readTextFile((await metaDownload.path())!), meta.text);

    // With it (stubbed: headless Chromium shows no picker): the state streams into the
    // writable, which is closed only after the archive verified again.
    const picker = await freshPage(async (page) => {
      await page.addInitScript(() => {
        const saved: number[] = [];
        Object.assign(globalThis, {
          savedBytes: saved,
          showSaveFilePicker: () =>
            Promise.resolve({
              createWritable: () =>
                Promise.resolve(
                  new WritableStream<Uint8Array>({
                    write(chunk) {
                      saved.push(...chunk);
                    },
                    close() {
                      (globalThis as { savedClosed?: boolean }).savedClosed = true;
                    },
                  }),
                ),
            }),
        });
      });
    });
    assert.equal((await checkFile(picker.page, fixture("one-mib.snap"))).verdict, "verified");
    await picker.page.click("[data-testid=download-state]");
    await picker.page.locator("[data-testid=download-status][data-state=saved]").waitFor();
    const streamed = await picker.page.evaluate(() => ({
      bytes: (globalThis as unknown as { savedBytes: number[] }).savedBytes,
      closed: (globalThis as { savedClosed?: boolean }).savedClosed,
    }));
    const oneMib = manifest.fixtures.find((f) => f.file === "one-mib.snap")!;
    assert.equal(streamed.closed, true);
    assert.equal(
      await sha256Hex(new Uint8Array(streamed.bytes)),
      oneMib.tar_entries!.find((e) => e.name === "state.bin")!.sha256,
    );
  },
});

Deno.test({
  name: "page: verifies a 12 MiB snapshot offline once loaded (hashing on a worker)",
  ...options,
  async fn() {
    // Records what each Worker the page starts says: the library falls back to hashing on
    // the main thread, silently, when its worker dies before saying "ready" (as it did
    // when the worker script resolved a URL against its own blob: URL).
    const session = await freshPage(async (page) => {
      await page.addInitScript(() => {
        const said: string[] = [];
        (globalThis as unknown as { workerSaid: string[] }).workerSaid = said;
        const Original = globalThis.Worker;
        globalThis.Worker = class extends Original {
          constructor(url: string | URL, options?: WorkerOptions) {
            super(url, options);
            this.addEventListener("message", (event) => {
              const type = (event.data as { type?: string })?.type;
              if (type === "ready" || type === "digest") said.push(type);
            });
            this.addEventListener("error", (event) => said.push(`error: ${event.message}`));
          }
        };
      });
    });
    const dir = await Deno.makeTempDir({ prefix: "raftsnap-offline-" });
    try {
      const state = new Uint8Array(12 << 20).map((_, i) => (i * 2654435761) >>> 24);
      const path = `${dir}/big.snap`;
      const file = await Deno.open(path, { write: true, create: true });
      await writeSnapshot({ id: "9-99-1", index: 99, term: 9, size: state.length }, state)
        .pipeTo(file.writable);
      const seen = session.requests.length;
      await session.context.setOffline(true);
      const shown = await checkFile(session.page, path);
      assert.equal(shown.verdict, "verified", shown.text);
      assert.equal(await session.page.locator('[data-field="Index"] td').innerText(), "99");
      const stateSha = await sha256Hex(state);
      const entries = await session.page.locator("[data-testid=entries]").innerText();
      assert.ok(entries.includes(stateSha), entries);
      // Offline and no request: the worker script was fetched when the page loaded.
      assert.deepEqual(session.requests.slice(seen), []);
      const workers = session.page.workers().map((w) => w.url());
      assert.ok(workers.every((url) => url.startsWith("blob:")), workers.join(", "));
      // The worker started from its blob: URL and did the hashing.
      const said = await session.page.evaluate(() =>
        (globalThis as unknown as { workerSaid: string[] }).workerSaid
      );
      assert.deepEqual(said, ["ready", "digest"]);
      await session.context.setOffline(false);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "page: renderInspect draws record and key tables with bar charts",
  ...options,
  async fn() {
    const { main: { page } } = await setup();
    const drawn = await page.evaluate(async () => {
      const app = "/app.mjs"; // the page's own module, as the browser loaded it
      const { renderInspect } = await import(app);
      const types = Array.from({ length: 14 }, (_, i) => ({
        type: i,
        name: i === 13 ? "Unknown(200)" : `Type${i}`,
        known: i !== 13,
        count: i + 1,
        bytes: 1000 * (14 - i),
      }));
      const section: HTMLElement = renderInspect({
        meta: {} as never,
        verify: undefined,
        product: "consul",
        productReason: "a msgpack header with LastIndex",
        records: 105,
        totalBytes: 105000,
        stateBytes: 105000,
        lastIndex: 433n,
        types,
        keys: {
          depth: 2,
          filter: "",
          prefixes: [
            { name: "vault/core", count: 17, bytes: 7300 },
            { name: "vault/sys", count: 8, bytes: 5700 },
          ],
          count: 25,
          bytes: 13000,
        },
        maxType: 200,
        unknownTypes: [200],
        sealEnvelope: undefined,
        warnings: ["Size in meta.json is 1 byte more than state.bin"],
      });
      section.id = "hand-built";
      document.body.append(section); // laid out, so the bars have widths
      const rows = (id: string) =>
        Array.from(
          section.querySelectorAll(`[data-testid=${id}] tbody tr`),
          (tr) => Array.from((tr as HTMLElement).children, (td) => (td as HTMLElement).innerText),
        );
      const bars = Array.from(section.querySelectorAll("figure.chart"), (figure) => ({
        caption: figure.querySelector("figcaption")!.textContent,
        labels: Array.from(figure.querySelectorAll(".label"), (l) => l.textContent),
        widths: Array.from(
          figure.querySelectorAll<HTMLElement>(".fill"),
          (f) => f.getBoundingClientRect().width,
        ),
      }));
      return {
        product: section.querySelector("[data-testid=product]")!.textContent,
        records: rows("records"),
        prefixes: rows("prefixes"),
        bars,
        text: section.innerText,
      };
    });
    await page.evaluate(() => document.getElementById("hand-built")?.remove());
    assert.match(drawn.product!, /A Consul state: 105 records, .* last index 433/);
    assert.equal(drawn.records.length, 14);
    assert.deepEqual(drawn.records[0], ["Type0", "1", "13.7 KiB", "13.3%"]);
    assert.deepEqual(drawn.records[13], ["Unknown(200) (unknown type)", "14", "1000 B", "1.0%"]);
    assert.deepEqual(drawn.prefixes, [
      ["vault/core", "17", "7.13 KiB", "56.2%"],
      ["vault/sys", "8", "5.57 KiB", "43.8%"],
    ]);
    const [byType, byPrefix] = drawn.bars;
    assert.equal(byType!.caption, "Size by record type");
    // 12 bars, then the other two folded into one.
    assert.equal(byType!.labels.length, 13);
    assert.equal(byType!.labels.at(-1), "2 others");
    // Bar lengths are proportional to bytes (14000 down to 3000 for the twelfth).
    for (const [i, width] of byType!.widths.slice(0, 12).entries()) {
      const expected = (14 - i) / 14;
      assert.ok(Math.abs(width / byType!.widths[0]! - expected) < 0.02, byType!.widths.join());
    }
    assert.equal(byPrefix!.caption, "Size by key prefix");
    assert.deepEqual(byPrefix!.labels, ["vault/core", "vault/sys"]);
    assert.ok(
      Math.abs(byPrefix!.widths[1]! / byPrefix!.widths[0]! - 5700 / 7300) < 0.02,
      byPrefix!.widths.join(),
    );
    assert.match(drawn.text, /Record types this version does not know: 200/);
    assert.match(drawn.text, /Size in meta\.json is 1 byte more/);
  },
});

Deno.test({
  name: "page: consul-small.snap shows its record table (KVS 30 records) and bar charts",
  ...options,
  async fn() {
    const { main: { page } } = await setup();
    const path = new URL("products/consul-small.snap", FIXTURES).pathname;
    const shown = await checkFile(page, path);
    assert.equal(shown.verdict, "verified", shown.text);
    assert.match(await page.locator("[data-testid=product]").innerText(), /^A Consul state: /);
    const rows = (await page.locator("[data-testid=records] tbody tr").allInnerTexts())
      .map((row) => row.split("\t"));
    // consul snapshot inspect's table (consul-small.inspect.json), in the page's units.
    const expected = JSON.parse(
      await Deno.readTextFile(new URL("products/consul-small.inspect.json", FIXTURES)),
    ) as { Stats: { Name: string; Sum: number; Count: number }[] };
    assert.deepEqual(
      rows.map(([name, count]) => [name, Number(count)]),
      expected.Stats.map((s) => [s.Name, s.Count]),
    );
    assert.deepEqual(rows[0]!.slice(0, 3), ["KVS", "30", "15.3 KiB"]);
    const charts = await page.locator("figure.chart figcaption").allInnerTexts();
    assert.deepEqual(charts, ["Size by record type", "Size by key prefix"]);
    const prefixes = await page.locator("[data-testid=prefixes] tbody tr").allInnerTexts();
    assert.ok(prefixes.some((row) => row.startsWith("vault/core\t17\t")), prefixes.join("\n"));
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}/inspector-consul.png`, fullPage: true });
  },
});

/** Largest VmHWM (peak RSS) of Chromium's renderer processes, in MiB, from /proc. */
function rendererPeakMiB(): number | undefined {
  let peak: number | undefined;
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const cmdline = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`);
      if (!cmdline.includes("--type=renderer")) continue;
      const status = Deno.readTextFileSync(`/proc/${entry.name}/status`);
      const kib = Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1]);
      if (kib > 0) peak = Math.max(peak ?? 0, kib / 1024);
    } catch {
      // Not ours to read, or gone.
    }
  }
  return peak;
}

Deno.test({
  name: "page: many gzip members and a 1000:1 archive show the verdicts Deno gives (issue 12)",
  ...options,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "raftsnap-hostile-web-" });
    try {
      const state = new Uint8Array(64 << 10).map((_, i) => (i * 7919) >> 9);
      const many = gzipMembers(await snapshotTar(state), 60_000);
      const files: [string, Uint8Array, string | undefined][] = [
        ["60000-members.snap", many.bytes, undefined],
        ["60000-members-cut.snap", cutAt(many.bytes, 0.5), "truncated"],
        ["60000-members-bad-crc.snap", spoilCrcs(many, [30_000]), "gzip-checksum"],
        // The default limits accept a good backup of any ratio, as Go does.
        ["zeros-1000-to-1.snap", await collect(zeroSnapshot(64 << 20)), undefined],
      ];
      const { page } = await freshPage();
      const cdp = await page.context().newCDPSession(page);
      await cdp.send("Performance.enable");
      for (const [name, bytes, code] of files) {
        await Deno.writeFile(`${dir}/${name}`, bytes);
        const started = performance.now();
        // Generous: the per-member cost is what issue 12 fixes, and the suite runs in parallel.
        const shown = await checkFile(page, `${dir}/${name}`, "", 240_000);
        const seconds = (performance.now() - started) / 1000;
        if (code === undefined) {
          assert.equal(shown.verdict, "verified", `${name}: ${shown.text}`);
          assert.match(await page.locator('[data-field="ID"] td').innerText(), /-1-100$/);
        } else {
          assert.equal(shown.verdict, "failed", `${name}: ${shown.text}`);
          assert.equal(shown.code, code, `${name}: ${shown.text}`);
        }
        // Deno's verdict on the same bytes: the page and the library must agree.
        assert.equal(await verdict(verifySnapshot(bytes)), code ?? "ok", `Deno, ${name}`);
        // Memory is measured, not asserted (deno task bench:hostile is where it counts).
        const { metrics } = await cdp.send("Performance.getMetrics");
        const heap = metrics.find((m) => m.name === "JSHeapUsedSize")?.value ?? 0;
        const peak = rendererPeakMiB();
        console.error(
          `  ${name}: ${seconds.toFixed(1)} s, JS heap ${
            (heap / 2 ** 20).toFixed(0)
          } MiB, renderer peak RSS ${peak === undefined ? "-" : peak.toFixed(0)} MiB`,
        );
      }
      await cdp.detach();
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** WCAG contrast ratio of two `rgb(...)` colours. */
function contrast(a: string, b: string): number {
  const luminance = (color: string) => {
    const [r, g, bl] = color.match(/\d+(\.\d+)?/g)!.slice(0, 3).map(Number).map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

Deno.test({
  name: "page: fits a phone, labels every control, reads with enough contrast; screenshot",
  ...options,
  async fn() {
    const phone = await freshPage(undefined, { width: 375, height: 740 });
    const { page } = phone;
    for (const label of ["Key of SHA256SUMS.sealed (optional)", "Or a file on this site"]) {
      assert.equal(await page.getByLabel(label).count(), 1, label);
    }
    assert.equal(await page.getByRole("button", { name: /Drop a \.snap file here/ }).count(), 1);
    for (const file of ["bad-state-bitflip.snap", "small.snap"]) {
      await checkFile(page, fixture(file));
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 375, `${file}: the page is ${width}px wide on a 375px screen`);
      const colors = await page.evaluate(() =>
        Array.from(
          document.querySelectorAll<HTMLElement>("p, h1, h2, td, th, button, label, dd, dt"),
          (el) => {
            let bg = "rgba(0, 0, 0, 0)";
            for (
              let e: HTMLElement | null = el;
              e && bg === "rgba(0, 0, 0, 0)";
              e = e.parentElement
            ) {
              bg = getComputedStyle(e).backgroundColor;
            }
            return { text: el.innerText.slice(0, 30), fg: getComputedStyle(el).color, bg };
          },
        ).filter((c) => c.text.trim() !== "")
      );
      for (const { text, fg, bg } of colors) {
        const ratio = contrast(fg, bg === "rgba(0, 0, 0, 0)" ? "rgb(255, 255, 255)" : bg);
        assert.ok(ratio >= 4.5, `"${text}": contrast ${ratio.toFixed(2)} (${fg} on ${bg})`);
      }
    }
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}/inspector-phone.png`, fullPage: true });
    const { main } = await setup();
    await checkFile(main.page, fixture("small.snap"));
    await main.page.screenshot({ path: `${ARTIFACTS}/inspector.png`, fullPage: true });
    assert.ok((await Deno.stat(`${ARTIFACTS}/inspector.png`)).size > 10_000);
  },
});

Deno.test({
  name: "page: no request of the whole run left 127.0.0.1 (then the browser closes)",
  ...options,
  async fn() {
    const { site, browser, all } = await setup();
    try {
      const urls = new Set(all.flatMap((s) => s.requests));
      assert.ok(urls.size >= 4, [...urls].join("\n")); // the test can see requests
      for (const url of urls) {
        const { protocol, hostname } = new URL(url);
        if (protocol === "blob:" || protocol === "data:") continue;
        assert.equal(hostname, "127.0.0.1", `a request left the machine: ${url}`);
      }
    } finally {
      await browser.close();
      await site.close();
    }
  },
});
