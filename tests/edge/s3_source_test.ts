// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// S3Source and the catalog in the bucket, against Miniflare's local R2 behind its S3 API
// (the server tests/edge/s3_store_test.ts uses): the real fixtures as clusters under a
// prefix, ListObjectsV2 paged (10 keys a page here), the catalog written with If-Match /
// If-None-Match, claims that only one watcher wins, two watchers applying retention at
// once deleting each object once, and bad backups moved aside.

import type { Miniflare } from "miniflare";
import { JsonCatalog, S3Source, watchOnce } from "../../mod.ts";
import { assert, readFixture } from "../_helpers.ts";
import { S3_CREDENTIALS, startLocalS3 } from "../workers/_r2.ts";

// Deno's sanitizers are off for the tests that use the file's Miniflare: it keeps timers
// (undici's, its proxies' finalizers) across tests.
const ACROSS_TESTS = { sanitizeOps: false, sanitizeResources: false };

const CREDENTIALS = S3_CREDENTIALS;
const BUCKET = "raft-snapshots";
const DAY = 86_400_000;

interface Bucket {
  put(key: string, value: Uint8Array): Promise<unknown>;
  list(options?: { prefix?: string }): Promise<{ objects: { key: string }[]; truncated: boolean }>;
  get(key: string): Promise<{ text(): Promise<string> } | null>;
}

let mf: Miniflare;
let persist: string;
let bucket: Bucket;
let endpoint: string;

Deno.test({
  name: "s3 source: start Miniflare's S3 API",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const s3 = await startLocalS3(BUCKET, "raftsnap-s3-watch-");
    ({ mf, persist } = s3);
    const url = s3.url;
    bucket = s3.bucket as unknown as Bucket;
    endpoint = `${url.origin}/cdn-cgi/local/r2/s3`;
  },
});

function source(prefix: string): S3Source {
  return new S3Source({
    endpoint,
    bucket: BUCKET,
    region: "auto",
    ...CREDENTIALS,
    prefix,
    pageSize: 10,
  });
}

async function keysUnder(prefix: string): Promise<string[]> {
  return (await bucket.list({ prefix })).objects.map((o) => o.key.slice(prefix.length)).sort();
}

Deno.test(
  "S3Source: the fixtures as clusters, listed in pages, verified as Go does, the catalog in the bucket",
  ACROSS_TESTS,
  async () => {
    const fixtures: [string, string, boolean][] = [
      ["consul/a.snap", "go-reference/small.snap", true],
      ["consul/b.snap", "go-reference/bad-state-bitflip.snap", false],
      ["consul/c.snap", "products/consul-small.snap", true],
      ["vault/d.snap", "products/vault-small.snap", true],
      ["vault/e.snap", "go-reference/truncated-gzip.snap", false],
      ["nomad/f.snap", "products/nomad-dev.snap", true],
    ];
    for (const [key, fixture] of fixtures) {
      await bucket.put(`one/${key}`, await readFixture(fixture));
    }
    const small = await readFixture("go-reference/small.snap");
    for (let i = 0; i < 25; i++) {
      await bucket.put(`one/many/${String(i).padStart(2, "0")}.snap`, small);
    }
    await bucket.put("one/notes.txt", new TextEncoder().encode("not a snapshot"));
    await bucket.put("other/consul/x.snap", small); // outside the prefix

    const s3 = source("one/");
    const report = await watchOnce(s3, new JsonCatalog(s3.catalogStorage()));
    assert.equal(report.totals.objects, 31);
    for (const [key, , ok] of fixtures) {
      assert.equal(report.objects.find((o) => o.key === key)?.ok, ok, key);
    }
    assert.equal(report.objects.find((o) => o.key === "vault/d.snap")?.product, "vault");
    assert.deepEqual(report.clusters.map((c) => [c.cluster, c.good, c.backups]), [
      ["consul", 2, 3],
      ["many", 25, 25],
      ["nomad", 1, 1],
      ["vault", 1, 2],
    ]);
    assert.ok(await bucket.get("one/.raftsnap-watch/catalog.json"), "the catalog is in the bucket");
    const again = await watchOnce(s3, new JsonCatalog(s3.catalogStorage()));
    assert.equal(again.totals.verified, 0);
    assert.equal(again.totals.objects, 31);
    // A bit flipped in a stored object (same size): S3 gives it a new ETag, so it is verified again.
    const flipped = small.slice();
    flipped[200]! ^= 1;
    await bucket.put("one/consul/a.snap", flipped);
    const third = await watchOnce(s3, new JsonCatalog(s3.catalogStorage()));
    assert.equal(third.totals.verified, 1);
    assert.equal(third.objects.find((o) => o.key === "consul/a.snap")?.ok, false);
  },
);

Deno.test(
  "S3Source catalog: writes are conditional, so claims are exclusive and no record is lost",
  ACROSS_TESTS,
  async () => {
    const s3 = source("two/");
    const [a, b] = [new JsonCatalog(s3.catalogStorage()), new JsonCatalog(s3.catalogStorage())];
    const record = (key: string) => ({
      key,
      size: 1,
      etag: "e",
      modified: 0,
      ok: true,
      verifiedAt: Date.now(),
      cluster: "",
    });
    const claims = await Promise.all([
      a.claim("delete:x.snap", "a", 60_000),
      b.claim("delete:x.snap", "b", 60_000),
    ]);
    assert.deepEqual(claims.filter(Boolean).length, 1, "exactly one claim wins");
    for (let i = 0; i < 20; i++) {
      await a.put(record(`a${i}.snap`));
      await b.put(record(`b${i}.snap`));
    }
    await Promise.all([a.flush(), b.flush()]);
    const keys: string[] = [];
    for await (const r of new JsonCatalog(s3.catalogStorage()).all()) keys.push(r.key);
    assert.equal(keys.length, 40);
  },
);

Deno.test(
  "S3Source: two watchers applying retention at once delete each object once; bad ones moved aside",
  ACROSS_TESTS,
  async () => {
    const small = await readFixture("go-reference/small.snap");
    for (let i = 0; i < 8; i++) {
      await bucket.put(`three/consul/${i}.snap`, small);
    }
    await bucket.put("three/consul/bad.snap", await readFixture("go-reference/truncated-tar.snap"));
    const s3 = source("three/");
    // Every object has (nearly) the same time; keep-within 0 and keep-last 2 keep two.
    const watcher = (owner: string) =>
      watchOnce(s3, new JsonCatalog(s3.catalogStorage()), {
        concurrency: 2,
        retention: { keepLast: 2, keepWithinMs: 0, apply: true, owner },
        now: () => Date.now() + DAY,
      });
    const [a, b] = await Promise.all([watcher("a"), watcher("b")]);
    const deleted = [...a.retention!.deleted, ...b.retention!.deleted].sort();
    assert.equal(deleted.length, 6);
    assert.equal(new Set(deleted).size, 6, "no object deleted twice");
    const left = (await keysUnder("three/")).filter((k) => !k.startsWith(".raftsnap-watch/"));
    assert.equal(left.length, 3);
    assert.ok(left.includes("consul/bad.snap"), "bad backups are not deleted");
    const moved = await watchOnce(s3, new JsonCatalog(s3.catalogStorage()), {
      retention: { keepLast: 2, apply: true, moveBadTo: "quarantine/" },
    });
    assert.deepEqual(moved.retention?.moved, [{
      from: "consul/bad.snap",
      to: "quarantine/consul/bad.snap",
    }]);
    assert.ok(await bucket.get("three/quarantine/consul/bad.snap"));
    assert.equal(await bucket.get("three/consul/bad.snap"), null);
  },
);

Deno.test("S3Source: a bucket that cannot be listed is a SourceError", ACROSS_TESTS, async () => {
  const wrong = new S3Source({
    endpoint,
    bucket: BUCKET,
    region: "auto",
    accessKeyId: CREDENTIALS.accessKeyId,
    secretAccessKey: "wrong-secret",
  });
  await watchOnce(
    wrong,
    new JsonCatalog({ read: () => Promise.resolve(undefined), write: () => Promise.resolve(true) }),
  )
    .then(
      () => assert.fail("listed"),
      (error) => assert.equal(error.name, "SourceError"),
    );
});

Deno.test({
  name: "s3 source: stop the server",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await mf.dispose();
    await Deno.remove(persist, { recursive: true });
  },
});
