// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// examples/cloudflare-worker in workerd through Miniflare, as `wrangler dev` runs it: its
// wrangler.toml's main module, compatibility date, R2 binding, Durable Object bindings
// (SQLite-backed, as its migration says), vars, the token as a secret (.dev.vars), and
// the library bundle it imports from dist/lib. R2 and the Durable Objects persist to a
// folder, so the runtime can be stopped and started again over the same state (a deploy),
// or one Durable Object evicted (it loses its memory, keeps its storage).

import { Miniflare } from "miniflare";
import { assert } from "../_helpers.ts";
import { libraryBundle } from "./_workerd.ts";

export const EXAMPLE = new URL("../../examples/cloudflare-worker/", import.meta.url);

/** The few wrangler.toml settings the example uses (a full TOML parser is not needed). */
export async function wranglerConfig() {
  const toml = await Deno.readTextFile(new URL("wrangler.toml", EXAMPLE));
  const value = (name: string, text = toml) =>
    new RegExp(`^${name}\\s*=\\s*"([^"]*)"`, "m").exec(text)?.[1];
  const section = (text: string) => text.split(/^\[/m)[0]!;
  const r2 = section(toml.split("[[r2_buckets]]")[1]!);
  const durableObjects: Record<string, string> = {};
  for (const block of toml.split("[[durable_objects.bindings]]").slice(1)) {
    durableObjects[value("name", section(block))!] = value("class_name", section(block))!;
  }
  const migration = section(toml.split("[[migrations]]")[1] ?? "");
  const sqlite = [...(/new_sqlite_classes\s*=\s*\[([^\]]*)\]/.exec(migration)?.[1] ?? "")
    .matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
  const vars: Record<string, string> = {};
  for (const [, name, v] of (toml.split("[vars]")[1] ?? "").matchAll(/^(\w+)\s*=\s*"([^"]*)"/gm)) {
    vars[name!] = v!;
  }
  return {
    main: value("main")!,
    compatibilityDate: value("compatibility_date")!,
    binding: value("binding", r2)!,
    bucketName: value("bucket_name", r2)!,
    durableObjects,
    sqlite,
    vars,
  };
}

/** A running example and the folder it persists to. */
export interface Example {
  mf: Miniflare;
  url: string;
  root: string;
  persist: string;
  config: Awaited<ReturnType<typeof wranglerConfig>>;
  /** Stops workerd and starts it again over the same storage (and port). */
  restart(): Promise<void>;
  /** Evicts one upload's Durable Object: its memory is lost, its storage kept. */
  evict(id: string): Promise<void>;
  dispose(): Promise<void>;
}

/** The environment variable Miniflare takes workerd's V8 flags from. */
const V8_FLAGS = "MINIFLARE_WORKERD_V8_FLAGS";

/** The lock around each start of workerd by this module: a folder made only if absent. */
const START_LOCK = `${Deno.env.get("TMPDIR") ?? "/tmp"}/raftsnap-workerd-start.lock`;

/**
 * Runs `fn` while no other test of this run starts workerd through this module. Miniflare
 * reads workerd's V8 flags from the environment (`MINIFLARE_WORKERD_V8_FLAGS`) at each
 * start, and `deno test --parallel` runs test files side by side in one process: without
 * the lock, a workerd one test (re)starts uncapped could get another test's heap cap.
 */
async function exclusively<T>(fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      await Deno.mkdir(START_LOCK);
      break;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
    // A lock a run that died left behind (a start takes seconds, not minutes) is broken.
    const made = (await Deno.stat(START_LOCK).catch(() => undefined))?.mtime?.getTime();
    if (made !== undefined && Date.now() - made > 120_000) {
      await Deno.remove(START_LOCK).catch(() => {});
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  try {
    return await fn();
  } finally {
    await Deno.remove(START_LOCK).catch(() => {});
  }
}

/**
 * Starts the example with `bindings` overriding its vars (`wrangler dev --var`);
 * `inspectorPort`: workerd's V8 inspector listens there (see `_isolate_memory.ts`);
 * `v8Flags`: workerd's V8 flags for this first start only (a restart runs without them).
 */
export async function startExample(
  bindings: Record<string, string>,
  options: { inspectorPort?: number; v8Flags?: string } = {},
): Promise<Example> {
  const config = await wranglerConfig();
  const root = await Deno.makeTempDir({ prefix: "raftsnap-cf-example-" });
  const persist = `${root}/persist`;
  // The example's folder as it sits in the repository, with dist/lib built.
  const main = `${root}/examples/cloudflare-worker/${config.main}`;
  await Deno.mkdir(main.replace(/\/[^/]+$/, ""), { recursive: true });
  await Deno.mkdir(`${root}/dist/lib`, { recursive: true });
  await Deno.copyFile(new URL(config.main, EXAMPLE), main);
  await Deno.copyFile(await libraryBundle(), `${root}/dist/lib/raftsnap.mjs`);
  const durableObjects = Object.fromEntries(
    Object.entries(config.durableObjects).map((
      [name, className],
    ) => [name, { className, useSQLite: config.sqlite.includes(className) }]),
  );
  let port = 0;
  const start = (v8Flags?: string) =>
    exclusively(async () => {
      const before = Deno.env.get(V8_FLAGS);
      if (v8Flags === undefined) Deno.env.delete(V8_FLAGS);
      else Deno.env.set(V8_FLAGS, v8Flags);
      try {
        const mf = new Miniflare({
          modulesRoot: root,
          modules: [
            { type: "ESModule", path: main },
            { type: "ESModule", path: `${root}/dist/lib/raftsnap.mjs` },
          ],
          compatibilityDate: config.compatibilityDate,
          r2Buckets: { [config.binding]: config.bucketName },
          r2Persist: `${persist}/r2`,
          durableObjects,
          durableObjectsPersist: `${persist}/do`,
          bindings: { ...config.vars, ...bindings },
          host: "127.0.0.1",
          port,
          inspectorPort: options.inspectorPort,
        } as never);
        const url = String(await mf.ready);
        port = Number(new URL(url).port);
        return { mf, url };
      } finally {
        if (before === undefined) Deno.env.delete(V8_FLAGS);
        else Deno.env.set(V8_FLAGS, before);
      }
    });
  const example: Example = {
    ...(await start(options.v8Flags)),
    root,
    persist: `${persist}/r2`,
    config,
    async restart() {
      await example.mf.dispose();
      Object.assign(example, await start());
    },
    async evict(id) {
      // Miniflare asks workerd over a kept-alive connection, which workerd sometimes resets
      // after a long request ("other side closed"): an eviction is idempotent, so ask again.
      for (let attempt = 1;; attempt++) {
        try {
          await example.mf.unsafeEvictDurableObject("", config.durableObjects.TUS_UPLOADS!, {
            name: id,
          });
          return;
        } catch (error) {
          if (attempt === 3 || !(error instanceof TypeError)) throw error;
        }
      }
    },
    async dispose() {
      await example.mf.dispose();
      await Deno.remove(root, { recursive: true });
    },
  };
  assert.ok(config.durableObjects.TUS_UPLOADS, "wrangler.toml binds TUS_UPLOADS");
  return example;
}

const MIB = 1024 * 1024;

/**
 * Sends one tus PATCH of `body` at `offset`, pulled a MiB at a time, calling `beforeMiB`
 * with the bytes sent so far before each MiB is handed over (to watch the Worker while the
 * body is still open), on a connection of its own: workerd may reset a kept-alive one
 * after a long PATCH.
 */
export async function patchByMiB(
  location: URL,
  headers: Record<string, string>,
  offset: number,
  body: Uint8Array,
  beforeMiB: (sent: number) => Promise<void>,
): Promise<{ status: number; text: string }> {
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent >= body.length) return controller.close();
      await beforeMiB(sent);
      const n = Math.min(MIB, body.length - sent);
      controller.enqueue(body.slice(sent, sent + n));
      sent += n;
    },
  }, { highWaterMark: 0 });
  using client = Deno.createHttpClient({});
  const response = await fetch(location, {
    client,
    method: "PATCH",
    headers: {
      ...headers,
      "content-type": "application/offset+octet-stream",
      "upload-offset": String(offset),
      "content-length": String(body.length),
    },
    body: stream,
  });
  return { status: response.status, text: await response.text() };
}
