// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Resumable uploads against a real `serve:edge` process over a folder: the server killed
// and restarted between PATCHes (then resumed), tus-js-client from Node with chunk sizes
// from 64 KiB to one PATCH for the whole archive, a connection cut mid-PATCH, a restart
// while tus-js-client uploads; and, in process, the folder staging's expiry sweep and
// per-token bound across a restart.

import { serveEdge } from "../../src/deno/edge_server.ts";
import { RESUMABLE_DIR } from "../../src/deno/fs_store.ts";
import { assert, goManifest, readFixture } from "../_helpers.ts";
import { NODE, tusJsClient } from "../_tus_js_client.ts";
import {
  assertSameVerdict,
  singleVerdict,
  TUS,
  tusCreate,
  tusHead,
  tusPatch,
  tusSend,
} from "../_tus_helpers.ts";
import { archiveOf } from "../workers/_r2.ts";
import { startEdgeServer } from "../_edge_helpers.ts";

const ROOT = new URL("../../", import.meta.url);
const TOKEN = "tus-test-token";
const AUTH = { authorization: `Bearer ${TOKEN}` };
const oneMib = await readFixture("go-reference/one-mib.snap");
const badState = await readFixture("go-reference/bad-state-bitflip.snap");

/** `deno task serve:edge --token TOKEN` as a process over `dir`, on `port` (0: a free one). */
async function startServer(dir: string, port = 0) {
  const server = await startEdgeServer({ dir, port, sync: true, args: ["--token", TOKEN] });
  assert.match(
    server.banner,
    /resumable uploads \(tus\) at http:\/\/127\.0\.0\.1:\d+\/uploads\//,
  );
  return server;
}

/** Staged resumable bytes left in the folder (`.bin` files). */
async function stagedFiles(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(`${dir}/${RESUMABLE_DIR}`)) {
      if (entry.name.endsWith(".bin")) names.push(entry.name);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return names;
}

async function snapshotsIn(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && !entry.name.startsWith(".")) names.push(entry.name);
  }
  return names.sort();
}

Deno.test("serve:edge: killed between PATCHes and restarted over its folder, the upload resumes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "raftsnap-tus-" });
  const single = await singleVerdict(oneMib);
  let server = await startServer(dir);
  const port = Number(server.url.port);
  try {
    const send = (request: Request) => fetch(request);
    const { url } = await tusCreate(send, server.url, oneMib.length, AUTH);
    const first = await tusPatch(send, url, 0, oneMib.slice(0, 400_000), AUTH);
    assert.equal(first.status, 204);
    await first.body?.cancel();
    await server.stop("SIGKILL");
    server = await startServer(dir, port);
    const head = await tusHead(send, url, AUTH);
    assert.equal(head.status, 200);
    assert.equal(head.offset, 400_000);
    // Killed again, mid-way through the next PATCH's bytes: what was flushed counts.
    const second = await tusPatch(send, url, 400_000, oneMib.slice(400_000, 700_000), AUTH);
    assert.equal(second.status, 204);
    await second.body?.cancel();
    await server.stop("SIGKILL");
    server = await startServer(dir, port);
    assert.equal((await tusHead(send, url, AUTH)).offset, 700_000);
    const last = await tusPatch(send, url, 700_000, oneMib.slice(700_000), AUTH);
    assert.equal(last.status, 200);
    assert.deepEqual(await last.json(), single.body);
    assert.deepEqual(await snapshotsIn(dir), [single.body.key]);
    assert.deepEqual(
      await Deno.readFile(`${dir}/${single.body.key}`),
      oneMib,
    );
    assert.deepEqual(await stagedFiles(dir), []);
  } finally {
    await server.stop("SIGTERM");
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serve:edge: a bad archive through tus leaves nothing staged and nothing stored", async () => {
  const dir = await Deno.makeTempDir({ prefix: "raftsnap-tus-" });
  const server = await startServer(dir);
  try {
    const send = (request: Request) => fetch(request);
    for (const file of ["bad-state-bitflip.snap", "truncated-gzip.snap", "not-gzip.snap"]) {
      const bytes = await readFixture(`go-reference/${file}`);
      const outcome = await tusSend(send, server.url, bytes, () => 4096, AUTH);
      await assertSameVerdict(send, outcome, await singleVerdict(bytes), AUTH);
    }
    assert.deepEqual(await stagedFiles(dir), []);
    assert.deepEqual(await snapshotsIn(dir), []);
  } finally {
    await server.stop("SIGTERM");
    await Deno.remove(dir, { recursive: true });
  }
});

// ---- tus-js-client from Node ----

interface ClientEvent {
  event: "chunk" | "success" | "error";
  offset?: number;
  status?: number;
  body?: Record<string, unknown> | null;
  message?: string;
  url?: string;
}

/**
 * Runs tus-js-client on `file`; calls `onChunk` with each accepted offset (it may cut or
 * restart things); resolves with the last event.
 */
async function tusJs(
  endpoint: string,
  file: string,
  chunkSize: number,
  onChunk: (offset: number) => void | Promise<void> = () => {},
): Promise<{ last: ClientEvent; chunks: number[] }> {
  const dir = await tusJsClient();
  await Deno.copyFile(new URL("tests/tus_js_client/upload.mjs", ROOT), `${dir}upload.mjs`);
  const child = new Deno.Command(NODE, {
    args: [`${dir}upload.mjs`, endpoint, file, String(chunkSize), TOKEN],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const chunks: number[] = [];
  let last: ClientEvent | undefined;
  let buffer = "";
  const stderr = new Response(child.stderr).text();
  for await (const text of child.stdout.pipeThrough(new TextDecoderStream())) {
    buffer += text;
    let newline: number;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const event = JSON.parse(buffer.slice(0, newline)) as ClientEvent;
      buffer = buffer.slice(newline + 1);
      if (event.event === "chunk") {
        chunks.push(event.offset!);
        await onChunk(event.offset!);
      } else last = event;
    }
  }
  const status = await child.status;
  const errors = await stderr;
  assert.ok(status.success, errors);
  assert.ok(last, `tus-js-client reported no outcome:\n${errors}`);
  return { last: last!, chunks };
}

/** A TCP proxy to `target` that cuts the first connection to carry more than `cutAfter` bytes upstream. */
function cuttingProxy(target: number, cutAfter: number) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let armed = true;
  let cuts = 0;
  const conns = new Set<Deno.Conn>();
  const serving = (async () => {
    for await (const client of listener) {
      conns.add(client);
      (async () => {
        let upstream: Deno.Conn | undefined;
        try {
          upstream = await Deno.connect({ hostname: "127.0.0.1", port: target });
          conns.add(upstream);
          const up = upstream;
          const down = up.readable.pipeTo(client.writable).catch(() => {});
          let carried = 0;
          const buffer = new Uint8Array(16 * 1024);
          for (;;) {
            const n = await client.read(buffer);
            if (n === null) break;
            carried += n;
            if (armed && carried > cutAfter) {
              armed = false;
              cuts++;
              break; // the connection drops mid-request
            }
            for (let done = 0; done < n;) done += await up.write(buffer.subarray(done, n));
          }
          for (const conn of [client, up]) {
            try {
              conn.close();
            } catch {
              // closed already
            }
          }
          await down;
        } catch {
          for (const conn of [client, upstream]) {
            try {
              conn?.close();
            } catch {
              // closed already
            }
          }
        } finally {
          conns.delete(client);
          if (upstream) conns.delete(upstream);
        }
      })();
    }
  })().catch(() => {});
  return {
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}/`,
    get cuts() {
      return cuts;
    },
    async close() {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch {
          // closed already
        }
      }
      await serving;
    },
  };
}

Deno.test({
  name: "tus-js-client from Node against serve:edge: chunk sizes, a cut mid-PATCH, a restart",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "raftsnap-tus-" });
    const work = await Deno.makeTempDir({ prefix: "raftsnap-tus-files-" });
    // 24 MiB of random state: incompressible, so the archive is as large.
    const archive = await archiveOf(24 * 1024 * 1024, "5-99-1700000000000");
    const file = `${work}/backup.snap`;
    await Deno.writeFile(file, archive);
    const single = await singleVerdict(archive);
    let server = await startServer(dir);
    const port = Number(server.url.port);
    const endpoint = `http://127.0.0.1:${port}/uploads/`;
    try {
      for (const chunkSize of [64 * 1024, 8 * 1024 * 1024, 64 * 1024 * 1024]) {
        await t.step(`chunks of ${chunkSize / 1024} KiB`, async () => {
          const { last, chunks } = await tusJs(endpoint, file, chunkSize);
          assert.equal(last.event, "success", JSON.stringify(last));
          assert.equal(last.status, 200);
          assert.deepEqual(last.body, single.body);
          assert.equal(chunks.length, Math.ceil(archive.length / chunkSize));
        });
      }
      assert.deepEqual(await snapshotsIn(dir), [single.body.key]);

      await t.step("the connection cut mid-PATCH: tus-js-client resumes", async () => {
        const proxy = cuttingProxy(port, 5 * 1024 * 1024);
        try {
          const { last } = await tusJs(`${proxy.url}uploads/`, file, 2 * 1024 * 1024);
          assert.equal(last.event, "success", JSON.stringify(last));
          assert.deepEqual(last.body, single.body);
          assert.equal(proxy.cuts, 1);
        } finally {
          await proxy.close();
        }
      });

      await t.step("the server killed and restarted between PATCHes: it resumes", async () => {
        let restarted = false;
        const { last, chunks } = await tusJs(endpoint, file, 4 * 1024 * 1024, async (offset) => {
          if (!restarted && offset >= 8 * 1024 * 1024) {
            restarted = true;
            await server.stop("SIGKILL");
            server = await startServer(dir, port);
          }
        });
        assert.ok(restarted);
        assert.equal(last.event, "success", JSON.stringify(last));
        assert.deepEqual(last.body, single.body);
        assert.equal(chunks.at(-1), archive.length);
      });

      await t.step(
        "a bad archive: tus-js-client gets the single-request handler's refusal",
        async () => {
          const bad = `${work}/bad.snap`;
          await Deno.writeFile(bad, badState);
          const refused = await singleVerdict(badState);
          const { last } = await tusJs(endpoint, bad, 64 * 1024);
          assert.equal(last.event, "error");
          assert.equal(last.status, refused.status);
          assert.deepEqual(last.body, refused.body);
        },
      );
      assert.deepEqual(await stagedFiles(dir), []);
      assert.deepEqual(await snapshotsIn(dir), [single.body.key]);
    } finally {
      await server.stop("SIGTERM");
      await Deno.remove(dir, { recursive: true });
      await Deno.remove(work, { recursive: true });
    }
  },
});

// ---- the folder staging, in process ----

Deno.test("serveEdge: expired uploads are swept from the folder, and the per-token bound holds across a restart", async () => {
  const dir = await Deno.makeTempDir({ prefix: "raftsnap-tus-" });
  // Expiry is reckoned by a clock that stands still until the test moves it on.
  let now = Date.now();
  let server = await serveEdge({
    dir,
    port: 0,
    expiresAfter: 2000,
    now: () => now,
    sweepInterval: 50,
    maxOpenUploads: 2,
    authorize: (request) => request.headers.get("authorization") !== null,
  });
  try {
    const send = (request: Request) => fetch(request);
    const a = await tusCreate(send, server.url, oneMib.length, AUTH);
    const patched = await tusPatch(send, a.url, 0, oneMib.slice(0, 1000), AUTH);
    assert.equal(patched.status, 204);
    await patched.body?.cancel();
    assert.equal((await stagedFiles(dir)).length, 1);
    // Past its expiry: the server's next sweeps delete it (polled; the deadline is only a
    // safety net, far beyond the 50 ms between sweeps).
    now += 2001;
    const deadline = Date.now() + 30_000;
    while ((await stagedFiles(dir)).length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(await stagedFiles(dir), []);
    assert.equal((await tusHead(send, a.url, AUTH)).status, 404);
    await server.shutdown();

    server = await serveEdge({ dir, port: 0, maxOpenUploads: 2 });
    await tusCreate(send, server.url, 10, AUTH);
    await tusCreate(send, server.url, 10, AUTH);
    await server.shutdown();
    // A restart does not reset the count: it is read from the folder.
    server = await serveEdge({ dir, port: 0, maxOpenUploads: 2 });
    const third = await send(
      new Request(new URL("/uploads/", server.url), {
        method: "POST",
        headers: { ...TUS, ...AUTH, "upload-length": "10" },
      }),
    );
    assert.equal(third.status, 429);
    await third.body?.cancel();
    const other = await tusCreate(send, server.url, 10, { authorization: "Bearer other" });
    assert.equal(other.response.status, 201);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serveEdge: every go-reference fixture through tus over a folder gets the single-request verdict", async () => {
  const dir = await Deno.makeTempDir({ prefix: "raftsnap-tus-" });
  const server = await serveEdge({ dir, port: 0 });
  try {
    const send = (request: Request) => fetch(request);
    const keys: string[] = [];
    const manifest = await goManifest();
    for (const fixture of manifest.fixtures) {
      const bytes = await readFixture(`go-reference/${fixture.file}`);
      const single = await singleVerdict(bytes);
      const outcome = await tusSend(send, server.url, bytes, () => 64 * 1024 - 1);
      await assertSameVerdict(send, outcome, single);
      if (single.status === 201) keys.push(single.body.key as string);
      assert.deepEqual(await stagedFiles(dir), [], fixture.file);
    }
    assert.deepEqual(await snapshotsIn(dir), [...new Set(keys)].sort());
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
