// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Browser test helpers: Debian's Chromium driven by playwright-core, the page built into
// a temporary folder and served on 127.0.0.1 with the shared fixtures beside it, and a
// record of every request the browser makes.

import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { buildWeb } from "../web/build.ts";
import { type Mount, staticHandler } from "../web/serve.ts";
import { FIXTURES } from "./_helpers.ts";

/** The browser the tests drive: Debian's package (`apt-get install -y chromium`). */
export const CHROMIUM = Deno.env.get("RAFTSNAP_CHROMIUM") ?? "/usr/bin/chromium";

/** Flags for a quiet, offline-friendly headless Chromium that calls no Google service. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

function chromiumInstalled(): boolean {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
}

/**
 * Options for a browser test: without Chromium it is ignored locally (with a message
 * saying so), but never under `CI=true`, where it runs and fails.
 */
export function browserTest(): { ignore: boolean } {
  const ignore = !chromiumInstalled() && Deno.env.get("CI") !== "true";
  if (ignore && !warned) {
    warned = true;
    console.error(
      `%cbrowser tests ignored: no Chromium at ${CHROMIUM} (apt-get install -y chromium; ` +
        "under CI=true they fail instead)",
      "color: yellow",
    );
  }
  return { ignore };
}
let warned = false;

/** Launches Chromium; a missing browser fails with the install line. */
export async function launchChromium(): Promise<Browser> {
  if (!chromiumInstalled()) {
    throw new Error(`no Chromium at ${CHROMIUM}: run apt-get install -y chromium (.ci/run does)`);
  }
  return await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** The page served on 127.0.0.1, with the fixtures and a slow endpoint beside it. */
export interface Site {
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  /** The folder the page was built into. */
  dir: string;
  /** How many `/slow/` responses the browser cancelled before their end. */
  slowCancelled: number;
  /** Stops the server and removes the build. */
  close(): Promise<void>;
}

/**
 * Builds the page into a temporary folder and serves it: `/` is the page, `/fixtures/`
 * the shared fixtures, `/extra/` any files of `extra`, and `/slow/PATH` a fixture sent
 * 16 KiB every 50 ms up to its half, where it waits until cancelled (so a Cancel test
 * has time to press the button, however busy the machine; it goes on after a minute).
 */
export async function startSite(extra?: string): Promise<Site> {
  const dir = await Deno.makeTempDir({ prefix: "raftsnap-web-" });
  await buildWeb(dir);
  const mounts: Mount[] = [{ prefix: "/", dir }, {
    prefix: "/fixtures/",
    dir: new URL(FIXTURES).pathname.replace(/\/$/, ""),
  }];
  if (extra) mounts.push({ prefix: "/extra/", dir: extra });
  const files = staticHandler(mounts);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/slow/")) {
      const file = new URL(url.pathname.slice("/slow/".length), FIXTURES);
      return slowly(file, () => site.slowCancelled++);
    }
    return files(request);
  });
  const site: Site = {
    origin: `http://127.0.0.1:${server.addr.port}`,
    dir,
    slowCancelled: 0,
    async close() {
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    },
  };
  return site;
}

async function slowly(file: URL, cancelled: () => void): Promise<Response> {
  const bytes = await Deno.readFile(file);
  let at = 0;
  let held = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let wake: (() => void) | undefined;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (at >= bytes.length) return controller.close();
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, at >= bytes.length / 2 && !held ? 60_000 : 50);
      });
      if (at >= bytes.length / 2) held = true;
      controller.enqueue(bytes.slice(at, at + 16384));
      at += 16384;
    },
    cancel() {
      clearTimeout(timer);
      wake?.();
      cancelled();
    },
  });
  return new Response(body, {
    headers: { "content-type": "application/gzip", "content-length": String(bytes.length) },
  });
}

/** A page on the site, with every request the browser context made. */
export interface Session {
  context: BrowserContext;
  page: Page;
  /** Every URL requested, from the page and its workers. */
  requests: string[];
}

/**
 * Opens the page in a fresh context, recording every request and refusing (and
 * recording) any to a host other than 127.0.0.1.
 */
export async function openPage(
  browser: Browser,
  site: Site,
  options: {
    viewport?: { width: number; height: number };
    /** Runs before the page loads (to add init scripts). */
    init?: (page: Page) => Promise<void>;
  } = {},
): Promise<Session> {
  const context = await browser.newContext({ acceptDownloads: true, viewport: options.viewport });
  const requests: string[] = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    requests.push(url);
    const { protocol, hostname } = new URL(url);
    if ((protocol === "http:" || protocol === "https:") && hostname !== "127.0.0.1") {
      return route.abort("blockedbyclient");
    }
    return route.continue();
  });
  context.on("request", (request) => requests.push(request.url()));
  const page = await context.newPage();
  await options.init?.(page);
  await page.goto(site.origin + "/");
  await page.waitForSelector("body[data-ready=true]");
  return { context, page, requests };
}

/** What the page showed for one check. */
export interface Shown {
  /** `verified`, `failed`, `cancelled` or `error`. */
  verdict: string;
  /** The SnapshotError code, for `failed`. */
  code: string | undefined;
  /** The verdict's text. */
  text: string;
}

/** Waits for the verdict after `run` (the `data-run` before the check started). */
export async function nextVerdict(page: Page, run: number, timeout = 60_000): Promise<Shown> {
  const verdict = page.locator(`#verdict[data-run="${run + 1}"]`);
  await verdict.waitFor({ timeout });
  return {
    verdict: (await verdict.getAttribute("data-verdict")) ?? "",
    code: (await verdict.getAttribute("data-code")) ?? undefined,
    text: await verdict.innerText(),
  };
}

/** The `data-run` of the verdict shown now (0 before the first). */
export async function currentRun(page: Page): Promise<number> {
  return Number(await page.locator("#verdict").getAttribute("data-run") ?? 0);
}

/**
 * Picks `path` in the page's file input (with `key` in the key field) and waits for the
 * verdict, `timeout` milliseconds at most for each step.
 */
export async function checkFile(
  page: Page,
  path: string,
  key = "",
  timeout = 60_000,
): Promise<Shown> {
  const run = await currentRun(page);
  await page.fill("#key", key, { timeout });
  await page.setInputFiles("#file", path, { timeout });
  return await nextVerdict(page, run, timeout);
}
