// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// verifyObject() on streams broken the ways they break (1-byte and random chunks,
// truncation, a source that fails mid-stream, cancellation), product detection across
// chunk boundaries; clusterStatus()'s "stopped" warning; JsonCatalog's merge of two
// writers and of a late record for a removed key.

import {
  type CatalogStorage,
  clusterStatus,
  JsonCatalog,
  type SnapshotSource,
  verifyObject,
} from "../../mod.ts";
import { assert, chunked, randomSizes, readFixture } from "../_helpers.ts";

function sourceOf(stream: () => ReadableStream<Uint8Array>): SnapshotSource {
  return {
    async *list() {},
    open: () => Promise.resolve(stream()),
    delete: () => Promise.resolve(),
  };
}

const object = (size: number) => ({ key: "vault/x.snap", size, etag: "e", modified: 1 });

Deno.test("verifyObject() gives one record whatever the chunking, product named across chunk boundaries", async () => {
  for (
    const fixture of [
      "products/vault-small.snap",
      "products/consul-small.snap",
      "products/nomad-dev.snap",
    ]
  ) {
    const bytes = await readFixture(fixture);
    const whole = await verifyObject(
      sourceOf(() => new Blob([bytes]).stream()),
      object(bytes.length),
      { now: () => 5 },
    );
    assert.ok(whole.ok, fixture);
    assert.ok(
      ["vault", "consul", "nomad"].includes(whole.product!),
      `${fixture}: ${whole.product}`,
    );
    for (const sizes of [[1], randomSizes(7)]) {
      const split = await verifyObject(
        sourceOf(() => chunked(bytes, sizes)),
        object(bytes.length),
        { now: () => 5 },
      );
      assert.deepEqual(split, whole, fixture);
    }
  }
});

Deno.test("verifyObject() records a truncated object, a failing read and a vanished object, and rejects only on abort", async () => {
  const bytes = await readFixture("go-reference/small.snap");
  const truncated = await verifyObject(
    sourceOf(() => new Blob([bytes.slice(0, -100)]).stream()),
    object(bytes.length - 100),
  );
  assert.equal(truncated.ok, false);
  assert.ok(truncated.code && truncated.code !== "read-error", truncated.code);

  let cancelled = false;
  const failing = await verifyObject(
    sourceOf(() =>
      new ReadableStream({
        start(controller) {
          controller.enqueue(bytes.slice(0, 100));
        },
        pull(controller) {
          controller.error(new Error("connection reset"));
        },
        cancel() {
          cancelled = true;
        },
      })
    ),
    object(bytes.length),
  );
  assert.equal(failing.code, "read-error");
  assert.match(failing.message!, /connection reset/);
  assert.equal(cancelled, false); // an errored stream is not cancelled again

  const gone = await verifyObject({
    ...sourceOf(() => new Blob([]).stream()),
    open: () => Promise.resolve(undefined),
  }, object(1));
  assert.equal(gone.code, "missing");
  const throwing = await verifyObject({
    ...sourceOf(() => new Blob([]).stream()),
    open: () => Promise.reject(new Error("403")),
  }, object(1));
  assert.equal(throwing.code, "read-error");

  const controller = new AbortController();
  let streamCancelled = false;
  const slow = sourceOf(() =>
    new ReadableStream({
      start(c) {
        c.enqueue(bytes.slice(0, 50));
      },
      pull() {
        controller.abort(new Error("stop"));
        return new Promise(() => {});
      },
      cancel() {
        streamCancelled = true;
      },
    })
  );
  await verifyObject(slow, object(bytes.length), { signal: controller.signal }).then(
    () => assert.fail("resolved"),
    (error) => assert.equal(error.message, "stop"),
  );
  assert.ok(streamCancelled, "the source's stream is cancelled on abort");
});

Deno.test("clusterStatus() warns that a cluster stopped producing after 3 of its usual gaps", () => {
  const hour = 3_600_000;
  const record = (i: number) => ({
    key: `c/${i}.snap`,
    size: 1,
    etag: "e",
    modified: i * hour,
    ok: true,
    meta: { id: "x", index: String(i), term: "1", size: "1" },
    verifiedAt: i * hour,
    cluster: "c",
  });
  const records = [0, 1, 2, 3].map(record);
  assert.deepEqual(clusterStatus(records, { now: 5 * hour })[0]!.warnings, []);
  const [late] = clusterStatus(records, { now: 7 * hour });
  assert.deepEqual(late!.warnings.map((w) => w.code), ["stopped"]);
});

Deno.test("JsonCatalog: two writers' records merge; a record verified before its key was removed stays out", async () => {
  let stored: { text: string; version: string } | undefined;
  let writes = 0;
  const storage: CatalogStorage = {
    read: () =>
      Promise.resolve(
        stored && { body: new Blob([stored.text]).stream(), version: stored.version },
      ),
    async write(body, version) {
      const text = await new Response(body).text();
      if (stored?.version !== version) return false;
      stored = { text, version: String(++writes) };
      return stored.version;
    },
  };
  const record = (key: string, verifiedAt: number) => ({
    key,
    size: 1,
    etag: "e",
    modified: 0,
    ok: true,
    verifiedAt,
    cluster: "",
  });
  const a = new JsonCatalog(storage, { now: () => 100 });
  const b = new JsonCatalog(storage, { now: () => 100 });
  await a.put(record("k.snap", 10));
  await a.flush();
  await b.get("k.snap"); // b has read the document
  await a.remove("k.snap"); // removed at 100
  await a.flush();
  await b.put(record("k.snap", 50)); // verified before the removal: must not come back
  await b.put(record("new.snap", 60));
  await b.flush();
  const c = new JsonCatalog(storage);
  const keys = [];
  for await (const r of c.all()) keys.push(r.key);
  assert.deepEqual(keys, ["new.snap"]);
  await b.put(record("k.snap", 150)); // uploaded again and verified after the removal
  await b.flush();
  assert.equal((await new JsonCatalog(storage).get("k.snap"))?.verifiedAt, 150);
});
