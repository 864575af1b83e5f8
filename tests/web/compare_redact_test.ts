// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// The page's compare and redacted-copy features (issue 16) in Debian's Chromium: two files
// picked together are compared as `raftsnap diff` does; a verified snapshot offers a
// redacted copy that verifies and holds none of the manifest's secrets.
/// <reference lib="dom" />

import { diffSnapshots, formatDiff, redactSnapshot, verifySnapshot } from "../../mod.ts";
import { browserTest, checkFile, launchChromium, openPage, startSite } from "../_browser.ts";
import { assert, collect, gunzipBytes } from "../_helpers.ts";
import { productFixtures } from "../_products.ts";
import { productFixture } from "../_cli_helpers.ts";

const options = browserTest();
const CONSUL = productFixture("consul-small.snap");

Deno.test({
  name: "page: two files are compared as raftsnap diff does; the redacted copy downloads",
  ...options,
  async fn() {
    const site = await startSite();
    const browser = await launchChromium();
    const dir = await Deno.makeTempDir({ prefix: "raftsnap-page-" });
    try {
      const { page } = await openPage(browser, site, {
        init: async (p) => {
          await p.addInitScript(() => {
            delete (globalThis as { showSaveFilePicker?: unknown }).showSaveFilePicker;
          });
        },
      });
      const original = await Deno.readFile(CONSUL);
      const redacted = `${dir}/consul-small-redacted.snap`;
      await Deno.writeFile(redacted, await collect(redactSnapshot(original)));

      await page.setInputFiles("#file", [CONSUL, redacted]);
      await page.locator("[data-testid=diff]").waitFor();
      const expected = formatDiff(
        await diffSnapshots(original, await Deno.readFile(redacted), { maxKeys: 200 }),
      );
      assert.equal(await page.locator("[data-testid=diff]").textContent(), expected);
      assert.match(
        await page.locator("[data-testid=diff-verdict]").innerText(),
        /29 keys changed/,
      );

      assert.equal((await checkFile(page, CONSUL)).verdict, "verified");
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.click("[data-testid=download-redacted]"),
      ]);
      assert.equal(download.suggestedFilename(), "consul-small-redacted.snap");
      const saved = await Deno.readFile((await download.path())!);
      const verified = await verifySnapshot(saved);
      assert.equal(
        verified.stateSha256,
        (await verifySnapshot(await Deno.readFile(redacted))).stateSha256,
      );
      const tar = new TextDecoder("latin1").decode(await gunzipBytes(saved));
      const consul = (await productFixtures()).find((f) => f.fixture === "consul-small")!;
      for (const secret of consul.secrets_never_shown_when_redacted ?? []) {
        assert.ok(!tar.includes(secret), secret.slice(0, 30));
      }
    } finally {
      await browser.close();
      await site.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
