// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// The explorer (web/explorer/) in Debian's Chromium, driven by playwright-core, on the
// product fixtures and a generated 20,000-key state: the sections and their counts, each
// record as `raftsnap decode` prints it (the CLI runs in the test), masked secrets absent
// from the DOM until their own reveal, search while typing, the tree by keyboard, the KV
// export, and screenshots in $RAFTSNAP_ARTIFACTS. (The 1,000,000-key run is the
// benchmark: bench/browser_explorer.ts.)
//
// One browser and one server for the file; the last test closes them. Without
// /usr/bin/chromium the tests are ignored locally and fail under CI=true.
/// <reference lib="dom" />

import type { Browser, Page } from "playwright-core";
import { inspectSnapshot, writeSnapshot } from "../../mod.ts";
import { formatBytes } from "../../web/format.ts";
import { expected, writeSide } from "../../bench/_gen_diff_state.ts";
import {
  browserTest,
  checkFile,
  launchChromium,
  openPage,
  type Session,
  type Site,
  startSite,
} from "../_browser.ts";
import { productFixture, raftsnap } from "../_cli_helpers.ts";
import { assert, FIXTURES } from "../_helpers.ts";

// Deno's sanitizers are off for every test of the file: its one site and Playwright browser
// (and their timers) span tests.
const options = { ...browserTest(), sanitizeOps: false, sanitizeResources: false };
const ARTIFACTS = Deno.env.get("RAFTSNAP_ARTIFACTS") ??
  new URL("../../dist/artifacts/", import.meta.url).pathname;

let shared: Promise<{ site: Site; browser: Browser; all: Session[] }> | undefined;

function setup() {
  return shared ??= (async () => {
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    const site = await startSite();
    const browser = await launchChromium();
    return { site, browser, all: [] };
  })();
}

/** A fresh page (its own context) that may use the clipboard. */
async function freshPage(): Promise<Page> {
  const { site, browser, all } = await setup();
  const session = await openPage(browser, site, { viewport: { width: 1280, height: 1200 } });
  await session.context.grantPermissions(["clipboard-read", "clipboard-write"], {
    origin: site.origin,
  });
  all.push(session);
  return session.page;
}

type Line = { Data: Record<string, unknown>; Type: string };

/** `raftsnap decode` of a file: its JSON lines (the header first), as printed. */
async function decode(path: string, redact = true): Promise<string[]> {
  const run = await raftsnap(["decode", `--redact=${redact}`, path]);
  assert.equal(run.code, 0, run.stderr);
  return run.stdout.split("\n").filter((line) => line !== "");
}

/** Opens a snapshot in the page and waits until the explorer has read it. */
async function explore(page: Page, path: string): Promise<void> {
  const shown = await checkFile(page, path);
  assert.equal(shown.verdict, "verified", shown.text);
  await page.locator("[data-testid=explorer-status][data-state=ready]").waitFor({
    timeout: 60_000,
  });
}

/** The record panel's record number and its JSON, once record `number` shows. */
async function panelRecord(page: Page): Promise<{ number: number; json: string }> {
  const panel = page.locator("[data-testid=record-panel]");
  await panel.locator("[data-testid=record-json]").waitFor();
  const number = Number(await panel.getAttribute("data-record")) + 1;
  return { number, json: await panel.locator("[data-testid=record-json]").innerText() };
}

/** Every record listed in a section, opened one by one with the keyboard. */
async function walkSection(page: Page, section: string, listId: string, seen: Set<number>) {
  await page.locator(`button[data-section="${section}"]`).click();
  const list = page.locator(`[data-testid="${listId}"]`);
  const count = Number(
    await page.locator(`button[data-section="${section}"]`).getAttribute("data-count"),
  );
  await list.focus();
  for (let i = 0; i < count; i++) {
    if (i > 0) await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    await page.waitForFunction(
      (row) => {
        const panel = document.querySelector<HTMLElement>("[data-testid=record-panel]");
        return panel?.querySelector("[data-testid=record-json]") !== null &&
          panel?.dataset.record !== row;
      },
      String([...seen].at(-1)),
    );
    const { number } = await panelRecord(page);
    seen.add(number - 1);
  }
  return count;
}

/** Strings of at least 8 characters that `decode --redact=false` shows and `decode` hides. */
function secretsOf(open: string[], redacted: string[]): string[] {
  const secrets = new Set<string>();
  const walk = (a: unknown, b: unknown) => {
    if (typeof a === "string" && typeof b === "string") {
      if (a !== b && /^\[redacted: /.test(b) && a.length >= 8) {
        secrets.add(a);
        try {
          const text = new TextDecoder("utf-8", { fatal: true }).decode(
            Uint8Array.from(atob(a), (c) => c.charCodeAt(0)),
          );
          if (text.length >= 8 && /^[\x20-\x7e]+$/.test(text)) secrets.add(text);
        } catch {
          // not base64 of text
        }
      }
    } else if (a && typeof a === "object" && b && typeof b === "object") {
      for (const key of Object.keys(a)) {
        walk((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]);
      }
    }
  };
  open.forEach((line, i) => walk(JSON.parse(line), JSON.parse(redacted[i]!)));
  return [...secrets];
}

Deno.test({
  name:
    "explorer: Consul: sections, each record as raftsnap decode prints it, secrets masked until revealed",
  ...options,
  async fn() {
    const path = productFixture("consul-small.snap");
    const lines = await decode(path);
    const open = await decode(path, false);
    const secrets = secretsOf(open, lines);
    assert.ok(secrets.length >= 30, `only ${secrets.length} secrets found`); // KV values, keys, tokens
    const page = await freshPage();
    await explore(page, path);
    const records = lines.slice(1).map((line) => JSON.parse(line) as Line);
    const count = (type: string) => records.filter((r) => r.Type === type).length;
    const section = async (id: string) =>
      Number(await page.locator(`button[data-section="${id}"]`).getAttribute("data-count"));
    assert.equal(await section("kv"), count("KVS"));
    assert.equal(await section("acl-tokens"), count("ACLToken"));
    assert.equal(await section("acl-policies"), count("ACLPolicy"));
    assert.equal(await section("sessions"), count("Session"));
    assert.equal(await section("config-entries"), count("ConfigEntry"));
    const registers = records.filter((r) => r.Type === "Register");
    assert.equal(
      await section("services"),
      registers.filter((r) => r.Data.Service && !r.Data.Check).length,
    );
    assert.equal(
      await section("nodes"),
      registers.filter((r) => !r.Data.Service && !r.Data.Check).length,
    );

    // Open every record of every section; each shows what decode printed for it.
    const seen = new Set<number>();
    for (
      const id of [
        "nodes",
        "services",
        "checks",
        "acl-tokens",
        "acl-policies",
        "sessions",
        "config-entries",
        "other",
      ]
    ) {
      if (await section(id) === 0) continue;
      await walkSection(page, id, `section-${id}`, seen);
      const { number, json } = await panelRecord(page);
      assert.deepEqual(JSON.parse(json), JSON.parse(lines[number]!).Data, `record ${number}`);
    }
    // Every KV key, through a search that lists them all ("/" is in every key).
    await page.fill("#explorer-search", "/");
    const found = Number(
      await page.locator("[data-testid=search-count]").getAttribute("data-found"),
    );
    assert.ok(found >= count("KVS"), `${found} found`);
    await page.locator("[data-testid=search-results]").focus();
    for (let i = 0; i < count("KVS"); i++) {
      if (i > 0) await page.keyboard.press("ArrowDown");
      await page.keyboard.press("Enter");
      await page.waitForTimeout(30);
      const { number, json } = await panelRecord(page);
      seen.add(number - 1);
      assert.deepEqual(JSON.parse(json), JSON.parse(lines[number]!).Data, `record ${number}`);
    }
    assert.ok(seen.size >= records.length - 2, `${seen.size} of ${records.length} records opened`);

    // Nothing hidden reached the DOM while every record was shown.
    const html = await page.content();
    for (const secret of secrets) {
      assert.ok(!html.includes(secret), `a secret is in the DOM: ${secret.slice(0, 12)}…`);
    }

    // One reveal shows that value only, and it is decode --redact=false's.
    await page.fill("#explorer-search", "vault/core/lock");
    await page.locator("[data-testid=search-results] [role=option]").first().click();
    const { number } = await panelRecord(page);
    const openValue = (JSON.parse(open[number]!) as Line).Data.Value as string;
    assert.ok(!(await page.content()).includes(openValue));
    // Copy as JSON before any reveal gives decode's line exactly (redacted).
    await page.locator("[data-testid=copy-json]").click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), lines[number]);
    await page.locator("[data-testid=reveal-value]").click();
    const text = await page.locator("[data-testid=value]").innerText();
    assert.equal(text, atob(openValue));
    // The value revealed above shows in the record's JSON too, in place of its marker.
    const revealed = await page.locator("[data-testid=revealed]").innerText();
    assert.equal(revealed, JSON.stringify(openValue));
    assert.equal(await page.locator("[data-testid=record-json] [data-testid=reveal]").count(), 0);
    const stillHidden = secrets.filter((s) => s !== openValue && s !== atob(openValue));
    const after = await page.content();
    for (const secret of stillHidden) {
      assert.ok(!after.includes(secret), "a reveal showed more than its value");
    }

    // Copy as JSON copies what the page shows: with the value revealed, decode
    // --redact=false's line exactly (the value was this record's only secret).
    await page.locator("[data-testid=copy-json]").click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), open[number]);
    assert.notEqual(open[number], lines[number]);

    // A secret in a record's JSON (an ACL token's SecretID), revealed by its marker: the
    // copy is decode --redact=false's line. (No fixture record has two secrets:
    // withRevealed's unit test covers one of two revealed.)
    const token = lines.findIndex((line, n) =>
      n > 0 && JSON.parse(line).Type === "ACLToken" && line.includes('"SecretID":"[redacted: ')
    );
    assert.ok(token > 0, "no ACL token with a SecretID");
    // Its row: the section lists the tokens in record order.
    const row = lines.slice(1, token).filter((l) => JSON.parse(l).Type === "ACLToken").length;
    await page.fill("#explorer-search", "");
    await page.locator('button[data-section="acl-tokens"]').click();
    await page.locator(`[data-testid=section-acl-tokens] [data-row="${row}"]`).click();
    await page.locator(`[data-testid=record-panel][data-record="${token - 1}"]`).waitFor();
    const secretId = (JSON.parse(open[token]!) as Line).Data.SecretID as string;
    assert.ok(!(await page.content()).includes(secretId));
    await page.locator("[data-testid=copy-json]").click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), lines[token]);
    await page.locator(`[data-testid=record-json] [data-path='["SecretID"]']`).click();
    assert.equal(
      await page.locator("[data-testid=record-json] [data-testid=revealed]").innerText(),
      JSON.stringify(secretId),
    );
    await page.locator("[data-testid=copy-json]").click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), open[token]);
    await page.locator("#explorer").screenshot({ path: `${ARTIFACTS}/explorer-consul.png` });
  },
});

Deno.test({
  name:
    "explorer: the KV tree by keyboard (tree/treeitem, arrows, Enter) and a folder's consul kv import JSON",
  ...options,
  async fn() {
    const path = productFixture("consul-small.snap");
    const page = await freshPage();
    await explore(page, path);
    await page.locator('button[data-section="kv"]').click();
    const tree = page.locator("[data-testid=kv-tree]");
    assert.equal(await tree.getAttribute("role"), "tree");
    assert.equal(await page.getByRole("searchbox", { name: "Search" }).count(), 1);
    assert.ok(await page.getByRole("treeitem").count() >= 2);
    await tree.focus();
    const active = async () => {
      const id = await tree.getAttribute("aria-activedescendant");
      return page.locator(`#${id}`);
    };
    // The top folders, collapsed.
    const top = await tree.locator("[role=treeitem][aria-level='1']").allInnerTexts();
    assert.deepEqual(top.map((t) => t.split("\n")[1]), ["consul-alerts/", "vault/"]);
    await page.keyboard.press("ArrowDown"); // vault/
    assert.equal(await (await active()).getAttribute("data-path"), "vault/");
    assert.equal(await (await active()).getAttribute("aria-expanded"), "false");
    await page.keyboard.press("ArrowRight"); // opens it
    assert.equal(await (await active()).getAttribute("aria-expanded"), "true");
    await page.keyboard.press("ArrowRight"); // to its first child
    assert.equal(await (await active()).getAttribute("data-path"), "vault/core/");
    assert.equal(await (await active()).getAttribute("aria-level"), "2");
    await page.keyboard.press("Enter"); // opens vault/core/
    await page.keyboard.press("ArrowDown");
    const key = await (await active()).getAttribute("data-path");
    assert.ok(key?.startsWith("vault/core/") && !key.endsWith("/"), key ?? "");
    await page.keyboard.press("Enter"); // shows the key
    await page.locator("[data-testid=record-title]").filter({ hasText: key! }).waitFor();
    await page.keyboard.press("ArrowLeft"); // to the parent
    assert.equal(await (await active()).getAttribute("data-path"), "vault/core/");
    await page.keyboard.press("ArrowLeft"); // closes it
    assert.equal(await (await active()).getAttribute("aria-expanded"), "false");

    // The selected folder as consul kv import JSON: what raftsnap kv export prints.
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.locator("[data-testid=export-kv]").click(),
    ]);
    const saved = await Deno.readTextFile(await download.path());
    const cli = await raftsnap(["kv", "export", "--prefix", "vault/core/", path]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(saved, cli.stdout);
    assert.equal(JSON.parse(saved).length, 17);
  },
});

Deno.test({
  name:
    "explorer: Nomad jobs, allocations, nodes, variables; Vault paths with sizes, said to be encrypted",
  ...options,
  async fn() {
    const page = await freshPage();
    const nomad = productFixture("nomad-dev.snap");
    const lines = (await decode(nomad)).slice(1).map((l) => JSON.parse(l) as Line);
    await explore(page, nomad);
    const ids = lines.filter((r) => r.Type === "Job").map((r) => String(r.Data.ID));
    assert.ok(ids.length > 0);
    await page.locator('button[data-section="jobs"]').click();
    const jobs = await page.locator("[data-testid=section-jobs] [role=option] .name")
      .allInnerTexts();
    assert.deepEqual(jobs, ids);
    const detail = await page.locator("[data-testid=section-jobs] [role=option] .facts").first()
      .innerText();
    assert.match(detail, /groups: /);
    for (
      const [id, type] of [["allocations", "Alloc"], ["nodes", "Node"], ["variables", "Variables"]]
    ) {
      const n = Number(
        await page.locator(`button[data-section="${id}"]`).getAttribute("data-count"),
      );
      assert.equal(n, lines.filter((r) => r.Type === type).length, id);
    }
    // A job ID found by typing its start.
    await page.fill("#explorer-search", ids[0]!.slice(0, 3));
    const results = await page.locator("[data-testid=search-results] [role=option] .name")
      .allInnerTexts();
    assert.ok(results.includes(ids[0]!), results.join(", "));
    await page.locator("#explorer").screenshot({ path: `${ARTIFACTS}/explorer-nomad.png` });

    const vault = productFixture("vault-small.snap");
    const entries = (await decode(vault)).slice(1).map((l) => JSON.parse(l) as Line);
    await explore(page, vault);
    assert.equal(
      Number(await page.locator('button[data-section="kv"]').getAttribute("data-count")),
      entries.length,
    );
    assert.match(await page.locator("[data-testid=explorer-note]").innerText(), /barrier key/);
    const rows = await page.locator("[data-testid=kv-tree] [role=treeitem]").allInnerTexts();
    assert.ok(
      rows.length > 0 && rows.every((r) => /keys · [\d.]+ (B|KiB)$/.test(r.replaceAll("\n", " "))),
      rows.join("|"),
    );
    await page.locator("#explorer").screenshot({ path: `${ARTIFACTS}/explorer-vault.png` });
  },
});

Deno.test({
  name:
    "explorer: a generated 20,000-key state: first records before the end, search while typing, a value read back",
  ...options,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "raftsnap-explorer-" });
    try {
      const state = `${dir}/state.bin`;
      const size = await writeSide(state, "old", 20_000, 400);
      const path = `${dir}/kv.snap`;
      const file = await Deno.open(path, { write: true, create: true });
      await writeSnapshot(
        { id: "2-9-1", index: 9, term: 2, size },
        (await Deno.open(state)).readable,
      )
        .pipeTo(file.writable);
      const page = await freshPage();
      await explore(page, path);
      const status = page.locator("[data-testid=explorer-status]");
      const first = Number(await status.getAttribute("data-first"));
      const all = Number(await status.getAttribute("data-ms"));
      assert.ok(first < all, `first records at ${first} ms, all at ${all} ms`);
      assert.equal(
        Number(await page.locator('button[data-section="kv"]').getAttribute("data-count")),
        20_000,
      );
      // Typing narrows: "key-0001" is in 10 keys' names of 20,000 (key-00010000 to -00019999 too).
      await page.locator("#explorer-search").pressSequentially("key-0000123");
      const found = Number(
        await page.locator("[data-testid=search-count]").getAttribute("data-found"),
      );
      assert.equal(found, 10); // key-00001230 … key-00001239
      // Only the visible rows are in the DOM.
      await page.fill("#explorer-search", "service/");
      assert.equal(
        Number(await page.locator("[data-testid=search-count]").getAttribute("data-found")),
        20_000,
      );
      const rows = await page.locator("[data-testid=search-results] [role=option]").count();
      assert.ok(rows > 5 && rows < 100, `${rows} rows in the DOM`);
      await page.fill("#explorer-search", "key-00019999");
      await page.locator("[data-testid=search-results] [role=option]").first().click();
      await page.locator("[data-testid=reveal-value]").click();
      await page.locator("[data-view=hex]").click();
      const hex = await page.locator("[data-testid=value]").innerText();
      const shown = hex.split("\n").flatMap((line) => line.slice(10).split(" ")).join("");
      // The value read back from the spool is the one decode --redact=false prints.
      const open = (await decode(path, false)).map((l) => JSON.parse(l) as Line);
      const record = open.find((r) => r.Data.Key === "service/059/key-00019999")!;
      const expected = Array.from(
        atob(record.Data.Value as string),
        (c) => c.charCodeAt(0).toString(16).padStart(2, "0"),
      ).join("");
      assert.equal(shown.length, 800);
      assert.equal(shown, expected);
      await page.locator("#explorer").screenshot({ path: `${ARTIFACTS}/explorer-20k.png` });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "explorer: works from a file:// copy of the build, offline (app.js, the classic script)",
  ...options,
  async fn() {
    const { site, browser } = await setup();
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(`file://${site.dir}/index.html`);
      await page.waitForSelector("body[data-ready=true]");
      await context.setOffline(true);
      await explore(page, productFixture("consul-small.snap"));
      await page.fill("#explorer-search", "vault/core/lock");
      await page.locator("[data-testid=search-results] [role=option]").first().click();
      assert.match(
        await page.locator("[data-testid=record-title]").innerText(),
        /vault\/core\/lock/,
      );
      await page.locator("[data-testid=reveal-value]").click();
      assert.ok((await page.locator("[data-testid=value]").innerText()).length > 0);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  },
});

/** Writes a generated Consul state (bench/_gen_diff_state.ts) as a .snap. */
async function generated(dir: string, side: "old" | "new", keys: number, value: number) {
  const state = `${dir}/${side}.bin`;
  const size = await writeSide(state, side, keys, value);
  const path = `${dir}/${side}.snap`;
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  await writeSnapshot(
    { id: `2-${side}-1`, index: side === "old" ? 10 : 20, term: 2, size },
    (await Deno.open(state)).readable,
  ).pipeTo(file.writable);
  await Deno.remove(state);
  return path;
}

/** Every row of the changed-keys list, scrolled through: "change key". */
function changedRows(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const list = document.querySelector<HTMLElement>("[data-testid=diff-keys]")!;
    const rows = new Map<number, string>();
    for (let top = 0;; top += list.clientHeight) {
      list.scrollTop = top;
      await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
      for (const row of list.querySelectorAll<HTMLElement>("[role=option]")) {
        rows.set(
          Number(row.dataset.row),
          `${row.dataset.change} ${row.querySelector(".name")!.textContent}`,
        );
      }
      if (top + list.clientHeight >= list.scrollHeight) break;
    }
    list.scrollTop = 0;
    return [...rows].sort((a, b) => a[0] - b[0]).map(([, text]) => text);
  });
}

/** The names of the explorer's spools in this origin's private file system. */
function spoolNames(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const root = await navigator.storage.getDirectory();
    const names: string[] = [];
    // deno-lint-ignore no-explicit-any
    for await (const name of (root as any).keys()) {
      if (name.startsWith("raftsnap-state-")) names.push(name);
    }
    return names.sort();
  });
}

/** Waits until none of `names` is in the origin's private file system. */
async function spoolsGone(page: Page, names: string[]) {
  for (let i = 0;; i++) {
    const left = (await spoolNames(page)).filter((name) => names.includes(name));
    if (left.length === 0) return;
    assert.ok(i < 100, `spools left: ${left.join(", ")}`);
    await page.waitForTimeout(100);
  }
}

Deno.test({
  name:
    "explorer: two snapshots compared: every changed key listed as diff lists them (past 200), counts by prefix, OLD and NEW side by side, masked; spools removed",
  ...options,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "raftsnap-compare-" });
    try {
      const keys = 60_000;
      const paths = [await generated(dir, "old", keys, 64), await generated(dir, "new", keys, 64)];
      const want = expected(keys);
      const cli = await raftsnap(["diff", "--json", "--max-keys", "1000000", ...paths]);
      const json = JSON.parse(cli.stdout) as {
        keys: {
          list: { key: string; change: string }[];
          prefixes: { name: string; added: number; removed: number; changed: number }[];
        };
      };
      assert.ok(json.keys.list.length > 200, `${json.keys.list.length} changes`);
      assert.equal(json.keys.list.length, want.added + want.removed + want.changed);

      const page = await freshPage();
      await page.setInputFiles("#file", paths);
      await page.locator("[data-testid=compare-status]").waitFor({ timeout: 60_000 });
      await page.locator("[data-testid=compare-status][data-state=done]").waitFor({
        timeout: 120_000,
      });
      const counts = await page.locator("[data-testid=compare-counts]").innerText();
      assert.match(
        counts,
        new RegExp(`^${want.added} keys added, ${want.removed} removed, ${want.changed} changed`),
      );
      // Every changed key, in the CLI's order (key order), none capped.
      assert.deepEqual(
        await changedRows(page),
        json.keys.list.map((k) => `${k.change} ${k.key}`),
      );
      const rows = await page.locator("[data-testid=diff-prefixes] tbody tr").allInnerTexts();
      assert.deepEqual(
        rows.map((r) => r.split("\t")),
        json.keys.prefixes.slice(0, 200).map((p) => [
          p.name,
          String(p.added),
          String(p.removed),
          String(p.changed),
        ]),
      );
      // raftsnap diff's text above it, as the CLI prints it (200 keys by name there).
      const text = await raftsnap(["diff", "--max-keys", "200", ...paths]);
      assert.equal(await page.locator("[data-testid=diff]").textContent(), text.stdout);

      // A changed key past the 200th, in both.
      const at = json.keys.list.findLastIndex((k) => k.change === "changed");
      assert.ok(at > 200, String(at));
      const key = json.keys.list[at]!.key;
      await page.locator("[data-testid=diff-keys]").evaluate(
        (list, row) => list.scrollTop = row * 24,
        at,
      );
      await page.locator(`[data-testid=diff-keys] [data-row="${at}"]`).click();
      const old = page.locator("[data-testid=compare-old] [data-testid=record-json]");
      const neu = page.locator("[data-testid=compare-new] [data-testid=record-json]");
      await old.waitFor({ timeout: 60_000 });
      await neu.waitFor();
      const openOld = (await decode(paths[0]!, false)).map((l) => JSON.parse(l) as Line);
      const openNew = (await decode(paths[1]!, false)).map((l) => JSON.parse(l) as Line);
      const valueOf = (lines: Line[]) =>
        lines.find((l) => l.Data.Key === key)!.Data.Value as string;
      const html = await page.content();
      assert.ok(
        !html.includes(valueOf(openOld)) && !html.includes(valueOf(openNew)),
        "a value before its reveal",
      );
      const redactedOld = (await decode(paths[0]!)).find((l) => l.includes(`"${key}"`))!;
      assert.deepEqual(JSON.parse(await old.innerText()), JSON.parse(redactedOld).Data);
      await old.locator("[data-testid=reveal]").click();
      await neu.locator("[data-testid=reveal]").click();
      assert.equal(
        await old.locator("[data-testid=revealed]").innerText(),
        JSON.stringify(valueOf(openOld)),
      );
      assert.equal(
        await neu.locator("[data-testid=revealed]").innerText(),
        JSON.stringify(valueOf(openNew)),
      );
      assert.notEqual(valueOf(openOld), valueOf(openNew));
      // An added key: in NEW only.
      const added = json.keys.list.findIndex((k) => k.change === "added");
      await page.locator("[data-testid=diff-keys]").evaluate(
        (list, row) => list.scrollTop = row * 24,
        added,
      );
      await page.locator(`[data-testid=diff-keys] [data-row="${added}"]`).click();
      await page.locator("[data-testid=compare-old]").getByText("Not in OLD.").waitFor();
      await neu.waitFor();
      assert.equal(JSON.parse(await neu.innerText()).Key, json.keys.list[added]!.key);
      await page.locator("[data-testid=compare]").screenshot({
        path: `${ARTIFACTS}/explorer-compare.png`,
      });

      // Both states were spooled while compared; checking another file replaces the
      // comparison, and its spools go.
      const spools = await spoolNames(page);
      assert.equal(spools.length, 2, spools.join(", "));
      await explore(page, productFixture("consul-small.snap"));
      await spoolsGone(page, spools);
      assert.equal((await spoolNames(page)).length, 1); // the explorer's own

      // The fixture against its redacted copy: 29 values changed, as diff lists them.
      const fixture = productFixture("consul-small.snap");
      const redactedPath = `${dir}/consul-small-redacted.snap`;
      const redacted = await raftsnap(["redact", fixture, redactedPath]);
      assert.equal(redacted.code, 0, redacted.stderr);
      await page.setInputFiles("#file", [fixture, redactedPath]);
      await page.locator("[data-testid=compare-status][data-state=done]").waitFor({
        timeout: 60_000,
      });
      const fixtureDiff = JSON.parse(
        (await raftsnap(["diff", "--json", fixture, redactedPath])).stdout,
      ) as typeof json;
      assert.equal(fixtureDiff.keys.list.length, 29);
      assert.deepEqual(
        await changedRows(page),
        fixtureDiff.keys.list.map((k) => `${k.change} ${k.key}`),
      );
      // Leaving the page removes the comparison's spools (pagehide).
      const second = (await spoolNames(page)).filter((name) => !spools.includes(name));
      assert.ok(second.length >= 2, second.join(", "));
      await page.goto(page.url());
      await page.waitForSelector("body[data-ready=true]");
      await spoolsGone(page, second);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "explorer: a later visit removes the spools of a tab that is gone (no Web Lock held), not a live tab's",
  ...options,
  async fn() {
    const page = await freshPage();
    // Another tab of the site, alive: its spool's lock is held.
    const other = await page.context().newPage();
    await other.goto(page.url());
    const live = await other.evaluate(async () => {
      const name = `raftsnap-state-${Date.now()}-livetab.bin`;
      await new Promise<void>((granted) => {
        navigator.locks.request(name, () => {
          granted();
          return new Promise<void>(() => {}); // held while the tab lives
        });
      });
      const root = await navigator.storage.getDirectory();
      await root.getFileHandle(name, { create: true });
      return name;
    });
    // A tab that crashed: its spool is there, fresh, and no one holds its lock.
    const left = await page.evaluate(async () => {
      const name = `raftsnap-state-${Date.now()}-crashed.bin`;
      const root = await navigator.storage.getDirectory();
      const file = await root.getFileHandle(name, { create: true });
      const writable = await file.createWritable();
      await writable.write(new Uint8Array(1000));
      await writable.close();
      return name;
    });
    assert.deepEqual(await spoolNames(page), [left, live].sort());
    await explore(page, productFixture("consul-small.snap"));
    const names = await spoolNames(page);
    assert.ok(!names.includes(left), names.join(", "));
    assert.ok(names.includes(live), names.join(", "));
    assert.equal(names.length, 2); // the live tab's and this explorer's
    await other.close();
  },
});

Deno.test({
  name:
    "explorer: three snapshots give a timeline by raft Index (inline SVG), its numbers inspect's",
  ...options,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "raftsnap-timeline-" });
    try {
      const paths: string[] = [];
      for (const [i, keys] of [3000, 1000, 2000].entries()) {
        const state = `${dir}/${i}.bin`;
        const size = await writeSide(state, "old", keys, 32);
        const path = `${dir}/${i}.snap`;
        const file = await Deno.open(path, { write: true, create: true });
        await writeSnapshot(
          { id: `2-${keys}-1`, index: keys, term: 2, size },
          (await Deno.open(state)).readable,
        )
          .pipeTo(file.writable);
        paths.push(path);
      }
      const page = await freshPage();
      await page.setInputFiles("#file", paths);
      await page.locator("[data-testid=timeline]").waitFor({ timeout: 60_000 });
      for (const id of ["timeline-bytes", "timeline-records", "timeline-prefixes"]) {
        assert.equal(await page.locator(`[data-testid=${id}]`).getAttribute("role"), "img");
      }
      // KVS bytes by index, in index order: inspect's numbers for each file.
      const kvs = page.locator('[data-testid=timeline-bytes] polyline[data-series="KVS"]');
      assert.equal((await kvs.getAttribute("points"))!.split(" ").length, 3);
      const records = await page.locator("[data-testid=timeline-records] ~ details tbody tr")
        .filter({ hasText: "KVS" }).locator("th, td").allTextContents();
      assert.deepEqual(records, ["KVS", "1,000", "2,000", "3,000"]);
      const inspected = await inspectSnapshot(await Deno.readFile(paths[1]!));
      const bytes = await page.locator("[data-testid=timeline-bytes] ~ details tbody tr")
        .filter({ hasText: "KVS" }).locator("th, td").allTextContents();
      const kvsBytes = inspected.types.find((t) => t.name === "KVS")!.bytes;
      assert.equal(bytes[1], formatBytes(kvsBytes));
      await page.locator("[data-testid=timeline]").screenshot({
        path: `${ARTIFACTS}/explorer-timeline.png`,
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "explorer: an unknown record type is listed by type and size; a state no product wrote is said so",
  ...options,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "raftsnap-unknown-" });
    try {
      const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));
      // {"LastIndex": 9}, a KVS {"Key": "a/b", "Value": "yes"}, then type 200: {"X": 1}
      const state = new Uint8Array([
        0x81,
        0xa9,
        ...ascii("LastIndex"),
        0x09,
        0x02,
        0x82,
        0xa3,
        ...ascii("Key"),
        0xa3,
        ...ascii("a/b"),
        0xa5,
        ...ascii("Value"),
        0xa3,
        ...ascii("yes"),
        200,
        0x81,
        0xa1,
        ...ascii("X"),
        0x01,
      ]);
      const path = `${dir}/unknown.snap`;
      await Deno.writeFile(
        path,
        new Uint8Array(
          await new Response(
            writeSnapshot({ id: "2-9-1", index: 9, term: 2, size: state.length }, state),
          ).arrayBuffer(),
        ),
      );
      const page = await freshPage();
      await explore(page, path);
      await page.locator('button[data-section="other"]').click();
      const row = await page.locator("[data-testid=section-other] [role=option]").innerText();
      assert.match(row, /^Unknown\(200\)\s+record 2$/);
      await page.locator("[data-testid=section-other] [role=option]").click();
      const { json } = await panelRecord(page);
      assert.deepEqual(JSON.parse(json), { X: 1 });
      assert.match(
        await page.locator("[data-testid=record-facts]").innerText(),
        /Unknown\(200\)[\s\S]*5 B/,
      );

      // small.snap's state is no product's: the verdict stands, the explorer says why.
      const shown = await checkFile(page, new URL("go-reference/small.snap", FIXTURES).pathname);
      assert.equal(shown.verdict, "verified");
      const status = page.locator("[data-testid=explorer-status][data-state=failed]");
      await status.waitFor();
      assert.match(
        await status.innerText(),
        /^Nothing to browse: .*cannot decode the state: state\.bin starts with/,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "explorer: the browser closes (last test of the file)",
  ...options,
  async fn() {
    const { site, browser } = await setup();
    await browser.close();
    await site.close();
  },
});
