// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// The page's "Send to a verifier" (web/upload.ts) in Debian's Chromium against tus-core's
// createTusHandler on FsStore, on another origin (CORS): a stored upload, Pause and
// Resume, a bad snapshot refused, a wrong token. Without /usr/bin/chromium the test is
// ignored locally and fails under CI=true.
/// <reference lib="dom" />

import { writeSnapshot } from "../../mod.ts";
import { browserTest, launchChromium, openPage, startSite } from "../_browser.ts";
import { assert, collect, FIXTURES, prng } from "../_helpers.ts";
import { startTusRealServer } from "../edge/_tus_real_server.ts";

const fixture = (name: string) => new URL(`go-reference/${name}`, FIXTURES).pathname;

Deno.test({
  name: "page: Send to a verifier uploads with progress, Pause and Resume, and shows refusals",
  ...browserTest(),
  async fn() {
    const site = await startSite();
    const server = await startTusRealServer({ token: "page-token", allowedOrigins: [site.origin] });
    const browser = await launchChromium();
    const dir = await Deno.makeTempDir({ prefix: "raftsnap-upload-page-" });
    try {
      // A 20 MB archive of random bytes: three 8 MiB requests.
      const next = prng(42);
      const state = new Uint8Array(20_000_000).map(() => Math.floor(next() * 256));
      const big = `${dir}/big.snap`;
      const archive = await collect(
        writeSnapshot({ id: "3-9-1", index: 9, term: 3, size: state.length }, state),
      );
      await Deno.writeFile(big, archive);

      const { page } = await openPage(browser, site);
      const send = page.locator("#send");
      const waitState = (state: string) =>
        page.locator(`#send[data-state="${state}"]`).waitFor({ timeout: 60_000 });

      // A good file, stored.
      await page.setInputFiles("#file", fixture("one-mib.snap"));
      await page.fill("#send-url", server.url);
      await page.fill("#send-token", "page-token");
      await page.click("#send-start");
      await waitState("stored");
      const key = await send.getAttribute("data-key");
      const stored = await server.snapshots();
      assert.deepEqual(stored.get(key!), await Deno.readFile(fixture("one-mib.snap")));
      assert.match(await page.locator("#send-status").innerText(), /Verified and stored/);

      // Pause while the second request (the first PATCH) is held by the server, then Resume.
      let release: (() => void) | undefined;
      let held = 0;
      server.onAppend = async (offset) => {
        if (offset > 8 * 1024 * 1024 && held++ === 0) await new Promise<void>((r) => release = r);
      };
      await page.setInputFiles("#file", big);
      assert.equal(await page.inputValue("#send-url"), server.url); // remembered
      await page.fill("#send-token", "page-token");
      await page.click("#send-start");
      while (release === undefined) await new Promise((r) => setTimeout(r, 50));
      await page.click("#send-pause");
      await waitState("paused");
      release();
      const pausedAt = Number(await send.getAttribute("data-acknowledged"));
      assert.ok(pausedAt < archive.length, `${pausedAt}`);
      server.onAppend = undefined;
      const before = server.seen.length;
      await page.click("#send-resume");
      await waitState("stored");
      const resumed = server.seen.slice(before);
      assert.match(resumed[0]!, /^HEAD \/uploads\//, resumed.join("\n"));
      assert.ok(!resumed.some((r) => r.startsWith("POST")), resumed.join("\n"));
      const bigKey = await send.getAttribute("data-key");
      assert.deepEqual((await server.snapshots()).get(bigKey!), archive);
      assert.equal(await page.locator("#send-bar").getAttribute("value"), "1");

      // A bad archive is refused, with the check that failed.
      await page.setInputFiles("#file", fixture("bad-state-bitflip.snap"));
      await page.fill("#send-token", "page-token");
      await page.click("#send-start");
      await waitState("refused");
      assert.equal(await send.getAttribute("data-code"), "hash-mismatch");
      assert.match(await page.locator("#send-status").innerText(), /Refused as a bad snapshot/);

      // A wrong token is not the file's fault.
      await page.setInputFiles("#file", fixture("small.snap"));
      await page.fill("#send-token", "wrong");
      await page.click("#send-start");
      await waitState("failed");
      assert.equal(await send.getAttribute("data-code"), "forbidden");
      assert.match(await page.locator("#send-status").innerText(), /not the file's fault/);
      assert.equal((await server.snapshots()).size, 2);
    } finally {
      server.onAppend = undefined;
      await browser.close();
      await server.close();
      await site.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
