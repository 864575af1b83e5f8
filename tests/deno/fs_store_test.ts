// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// FsStore: staging files, naming by link (never replacing a file), cleanup on abort and
// after a crash; serveEdge: a shutdown answers uploads in flight and leaves no staging file.

import { type VerifiedUpload, verifySnapshot } from "../../mod.ts";
import { serveEdge } from "../../src/deno/edge_server.ts";
import { FsStore, STAGING_PREFIX } from "../../src/deno/fs_store.ts";
import { bodyStream } from "../_edge_helpers.ts";
import { assert, entryNames, hex, readFixture, waitUntil, withTempDir } from "../_helpers.ts";

const small = await readFixture("go-reference/small.snap");
const oneMib = await readFixture("go-reference/one-mib.snap");

async function verified(bytes: Uint8Array, key = "k.snap"): Promise<VerifiedUpload> {
  const result = await verifySnapshot(bytes, { checksum: true });
  const sha256 = hex(new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(bytes))));
  return { result, checksum: result.checksum!, sha256, size: bytes.length, key };
}

async function stage(store: FsStore, bytes: Uint8Array) {
  const staged = await store.begin();
  const writer = staged.writable.getWriter();
  await writer.write(bytes);
  await writer.close();
  return staged;
}

Deno.test("FsStore stages under a dot name and commits under the key", async () => {
  await withTempDir("raftsnap-fs-store-", async (dir) => {
    const store = await FsStore.open(`${dir}/nested/snaps`);
    const staged = await store.begin();
    const [staging] = await entryNames(store.dir);
    assert.ok(staging!.startsWith(STAGING_PREFIX));
    assert.equal((await Deno.stat(`${store.dir}/${staging}`)).mode! & 0o777, 0o600);
    const writer = staged.writable.getWriter();
    await writer.write(small.subarray(0, 100));
    await writer.write(small.subarray(100));
    await writer.close();
    assert.equal(await staged.commit(await verified(small)), "k.snap");
    assert.deepEqual(await entryNames(store.dir), ["k.snap"]);
    assert.deepEqual(await Deno.readFile(`${store.dir}/k.snap`), small);
  });
});

Deno.test("FsStore never replaces a file: same bytes are kept, different bytes refused", async () => {
  await withTempDir("raftsnap-fs-store-", async (dir) => {
    const store = await FsStore.open(dir, { sync: false });
    await (await stage(store, small)).commit(await verified(small));
    assert.equal(await (await stage(store, small)).commit(await verified(small)), "k.snap");
    assert.deepEqual(await entryNames(dir), ["k.snap"]);
    const other = await stage(store, oneMib);
    await assert.rejects(
      async () => await other.commit(await verified(oneMib)),
      /exists with different content/,
    );
    assert.deepEqual(await entryNames(dir), ["k.snap"]);
    assert.deepEqual(await Deno.readFile(`${dir}/k.snap`), small);
  });
});

Deno.test("FsStore removes the staging file on abort, written or not", async () => {
  await withTempDir("raftsnap-fs-store-", async (dir) => {
    const store = await FsStore.open(dir);
    const written = await stage(store, small);
    await written.abort(new Error("bad"));
    const midway = await store.begin();
    const writer = midway.writable.getWriter();
    await writer.write(small);
    await midway.abort(new Error("client gone"));
    await writer.abort(new Error("client gone"));
    assert.deepEqual(await entryNames(dir), []);
  });
});

Deno.test("FsStore.removeStaleStaging() removes only old staging files", async () => {
  await withTempDir("raftsnap-fs-store-", async (dir) => {
    const store = await FsStore.open(dir);
    await Deno.writeFile(`${dir}/${STAGING_PREFIX}old`, small);
    await Deno.utime(`${dir}/${STAGING_PREFIX}old`, 0, new Date(Date.now() - 2 * 3600_000));
    await Deno.writeFile(`${dir}/${STAGING_PREFIX}young`, small);
    await Deno.writeFile(`${dir}/kept.snap`, small);
    assert.deepEqual(await store.removeStaleStaging(3600_000), [`${STAGING_PREFIX}old`]);
    assert.deepEqual(await entryNames(dir), [`${STAGING_PREFIX}young`, "kept.snap"]);
  });
});

Deno.test("serveEdge() stores over HTTP, and its shutdown answers uploads in flight with 503", async () => {
  await withTempDir("raftsnap-fs-store-", async (dir) => {
    const lines: string[] = [];
    const server = await serveEdge({ dir, port: 0, log: (line) => lines.push(line) });
    try {
      const ok = await fetch(server.url, { method: "PUT", body: small });
      assert.equal(ok.status, 201);
      const { key } = await ok.json();
      assert.deepEqual(await Deno.readFile(`${dir}/${key}`), small);

      let sent = 0;
      const pending = fetch(server.url, {
        method: "POST",
        body: bodyStream(oneMib, { stallAfter: 100_000, onPull: (n) => sent = n }),
        duplex: "half",
      } as RequestInit);
      // Once the server has read up to the stall, the upload is staged.
      await waitUntil(() => sent >= 100_000, "the body read up to its stall");
      await waitUntil(
        async () => (await entryNames(dir)).some((n) => n.startsWith(STAGING_PREFIX)),
        "a staging file",
      );
      assert.equal((await entryNames(dir)).filter((n) => n.startsWith(STAGING_PREFIX)).length, 1);
      await server.shutdown();
      const stopped = await pending;
      assert.equal(stopped.status, 503);
      assert.equal((await stopped.json()).error.code, "aborted");
      assert.deepEqual(await entryNames(dir), [key]);
      assert.match(lines[0]!, /^201 PUT \/ \d+ ms$/);
    } finally {
      await server.shutdown();
    }
  });
});
