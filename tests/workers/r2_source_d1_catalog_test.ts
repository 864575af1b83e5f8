// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// R2Source and D1Catalog (src/edge/) on Miniflare's R2 and D1, driven from Deno through
// Miniflare's bindings: R2's paged listing, reads, deletes and moves; D1's conditional
// writes (the newer verdict wins whatever the order of two writers, one claim wins of many
// at once), paging; then watchOnce, the library's own watcher, over both.

import { Miniflare } from "miniflare";
import {
  type CatalogRecord,
  D1_CATALOG_SCHEMA,
  D1Catalog,
  type D1DatabaseLike,
  R2Source,
  type R2SourceBucket,
  SnapshotError,
  verifySnapshot,
  watchOnce,
} from "../../mod.ts";
import { assert, collect, goManifest, readFixture } from "../_helpers.ts";
import { COMPATIBILITY_DATE } from "./_workerd.ts";

const encoder = new TextEncoder();

function record(key: string, verifiedAt: number, ok = true): CatalogRecord {
  return {
    key,
    size: 10,
    etag: "e",
    modified: 0,
    ok,
    ...(ok ? {} : { code: "truncated" }),
    verifiedAt,
    cluster: key.slice(0, Math.max(0, key.lastIndexOf("/"))),
  };
}

async function all<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

Deno.test({
  name: "R2Source and D1Catalog on Miniflare's R2 and D1",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const mf = new Miniflare({
      modules: true,
      script: "export default { fetch() { return new Response(null, { status: 404 }); } };",
      compatibilityDate: COMPATIBILITY_DATE,
      r2Buckets: ["SNAPSHOTS"],
      d1Databases: ["CATALOG"],
    });
    try {
      const bucket = (await mf.getR2Bucket("SNAPSHOTS")) as unknown as R2SourceBucket & {
        put(key: string, value: Uint8Array, options?: unknown): Promise<unknown>;
      };
      const proxied: R2SourceBucket = {
        list: (options) => bucket.list(options),
        head: (key) => bucket.head(key),
        get: (key) => bucket.get(key),
        // Miniflare's proxy from Deno takes no stream of unknown length (a Worker's R2 body
        // has one, so the Worker puts it as it is): the bytes are gathered first.
        put: async (key, value, options) => bucket.put(key, await collect(value), options),
        delete: (key) => bucket.delete(key),
      };
      const db = (await mf.getD1Database("CATALOG")) as unknown as D1DatabaseLike;
      await db.batch(
        D1_CATALOG_SCHEMA.split(";").map((s) => s.trim()).filter(Boolean).map((s) => db.prepare(s)),
      );

      await t.step("R2Source pages through the snapshots under its prefix", async () => {
        const keys: string[] = [];
        for (let i = 0; i < 12; i++) {
          keys.push(`backups/c${i % 3}/s-${String(i).padStart(2, "0")}.snap`);
        }
        for (const key of keys) await bucket.put(key, encoder.encode(key));
        await bucket.put("backups/c0/notes.txt", encoder.encode("not a snapshot"));
        await bucket.put("elsewhere/x.snap", encoder.encode("outside the prefix"));
        let pages = 0;
        const paged: R2SourceBucket = {
          ...proxied,
          list: (options) => (pages++, bucket.list(options)),
        };
        const source = new R2Source(paged, { prefix: "backups/", pageSize: 4 });
        const listed = await all(source.list());
        assert.deepEqual(listed.map((o) => "backups/" + o.key), keys.sort());
        assert.equal(pages, 4, "13 objects under the prefix, 4 a page");
        for (const object of listed) {
          const head = (await bucket.head("backups/" + object.key))!;
          assert.equal(object.etag, head.etag);
          assert.equal(object.size, head.size);
          assert.equal(object.modified, head.uploaded.getTime());
          assert.deepEqual(await source.stat(object.key), object);
        }
        assert.deepEqual(
          (await all(source.list({ prefix: "c1/" }))).map((o) => o.key),
          keys.filter((k) => k.includes("/c1/")).map((k) => k.slice("backups/".length)),
        );
        assert.equal(source.keyOf("backups/c1/s-01.snap"), "c1/s-01.snap");
        assert.equal(source.keyOf("backups/c0/notes.txt"), undefined);
        assert.equal(source.keyOf("elsewhere/x.snap"), undefined);
        assert.throws(() => new R2Source(bucket, { pageSize: 1001 }), RangeError);
      });

      await t.step("R2Source reads, deletes once and moves with the metadata", async () => {
        const source = new R2Source(proxied, { prefix: "backups/" });
        const body = await source.open("c0/s-00.snap");
        assert.equal(new TextDecoder().decode(await collect(body!)), "backups/c0/s-00.snap");
        assert.equal(await source.open("c0/nothing.snap"), undefined);
        assert.equal(await source.stat("c0/nothing.snap"), undefined);
        assert.equal(await source.delete("c0/s-06.snap"), true);
        assert.equal(await source.delete("c0/s-06.snap"), false);
        await bucket.put("backups/c1/s-01.snap", encoder.encode("moved"), {
          customMetadata: { "snapshot-id": "x" },
        });
        await source.move("c1/s-01.snap", "bad/c1/s-01.snap");
        assert.equal(await bucket.head("backups/c1/s-01.snap"), null);
        const moved = await bucket.get("backups/bad/c1/s-01.snap");
        assert.equal(new TextDecoder().decode(await collect(moved!.body)), "moved");
        assert.deepEqual(moved!.customMetadata, { "snapshot-id": "x" });
        await assert.rejects(() => source.move("c1/s-01.snap", "x.snap"), /gone/);
      });

      await t.step(
        "D1Catalog keeps the newer verdict, whatever order two writers come in",
        async () => {
          const catalog = new D1Catalog(db);
          await catalog.put(record("a/1.snap", 100));
          assert.equal((await catalog.get("a/1.snap"))?.verifiedAt, 100);
          await catalog.put(record("a/1.snap", 50, false));
          assert.deepEqual(await catalog.get("a/1.snap"), record("a/1.snap", 100));
          await catalog.put(record("a/1.snap", 150, false));
          assert.deepEqual(await catalog.get("a/1.snap"), record("a/1.snap", 150, false));
          // Two consumers finish the same object at once, in both orders.
          for (const order of [[200, 300], [500, 400]]) {
            await Promise.all(
              order.map((at) => catalog.put(record("a/2.snap", at, at % 200 === 0))),
            );
            assert.equal((await catalog.get("a/2.snap"))?.verifiedAt, Math.max(...order));
          }
          assert.equal(await catalog.get("a/none.snap"), undefined);
          await catalog.remove("a/1.snap");
          assert.equal(await catalog.get("a/1.snap"), undefined);
        },
      );

      await t.step("D1Catalog pages through every record in key order", async () => {
        const catalog = new D1Catalog(db, { pageSize: 9 });
        const keys = Array.from({ length: 100 }, (_, i) => `p/${String(i).padStart(3, "0")}.snap`);
        // Written in one batch (through Miniflare's proxy each statement is a round trip).
        await db.batch(keys.map((key, i) =>
          db.prepare(
            "INSERT INTO raftsnap_records (key, cluster, ok, verified_at, record) VALUES (?, 'p', 1, ?, ?)",
          ).bind(key, i, JSON.stringify(record(key, i)))
        ));
        const listed = (await all(catalog.all())).map((r) => r.key).filter((k) =>
          k.startsWith("p/")
        );
        assert.deepEqual(listed, keys);
        const many = await catalog.getMany([...keys, "p/none.snap"]);
        assert.equal(many.size, 100, "in two queries of at most 90 keys");
        assert.equal(many.get("p/042.snap")?.verifiedAt, 42);
        assert.throws(() => new D1Catalog(db, { pageSize: 0 }), RangeError);
      });

      await t.step("D1Catalog: of many claims at once, one wins until it runs out", async () => {
        let now = 1_000_000;
        const catalog = new D1Catalog(db, { now: () => now });
        assert.equal(await catalog.isClaimed("delete:x.snap"), false);
        const won = await Promise.all(
          Array.from({ length: 8 }, (_, i) => catalog.claim("delete:x.snap", `w${i}`, 60_000)),
        );
        assert.equal(won.filter(Boolean).length, 1);
        const winner = `w${won.indexOf(true)}`;
        assert.equal(await catalog.claim("delete:x.snap", winner, 60_000), true, "its own again");
        assert.equal(await catalog.claim("delete:x.snap", "other", 60_000), false);
        assert.equal(await catalog.isClaimed("delete:x.snap"), true);
        now += 60_001;
        assert.equal(await catalog.isClaimed("delete:x.snap"), false, "ran out");
        assert.equal(await catalog.claim("delete:x.snap", "other", 60_000), true, "ran out");
        assert.equal(await catalog.claim("delete:x.snap", winner, 60_000), false);
        // Released by its owner only: then anyone's claim wins again.
        await catalog.release("delete:x.snap", winner);
        assert.equal(await catalog.isClaimed("delete:x.snap"), true, "not the winner's to release");
        await catalog.release("delete:x.snap", "other");
        assert.equal(await catalog.isClaimed("delete:x.snap"), false, "released");
        assert.equal(await catalog.claim("delete:x.snap", winner, 60_000), true);
      });

      await t.step("D1Catalog keeps the alert state and named values", async () => {
        const catalog = new D1Catalog(db);
        assert.equal(await catalog.loadAlerts(), undefined);
        const state = { "cluster:a": { state: "ok" as const, cluster: "a", detail: "fine" } };
        await catalog.saveAlerts(state);
        assert.deepEqual(await catalog.loadAlerts(), state);
        await catalog.saveState("retention", { deleted: ["x"] });
        assert.deepEqual(await catalog.loadState("retention"), { deleted: ["x"] });
      });

      await t.step(
        "watchOnce over R2Source and D1Catalog gives verifySnapshot's verdicts",
        async () => {
          const manifest = await goManifest();
          const files = manifest.fixtures.map((f) => f.file).filter((f) =>
            /^(small|empty-state|bad-state-bitflip|not-gzip|extra-file|truncated-gzip)\.snap$/.test(
              f,
            )
          );
          assert.equal(files.length, 6);
          for (const file of files) {
            await bucket.put(`fixtures/go/${file}`, await readFixture(`go-reference/${file}`));
          }
          const source = new R2Source(bucket, { prefix: "fixtures/" });
          const catalog = new D1Catalog(db);
          const report = await watchOnce(source, catalog, { prefix: "go/" });
          assert.equal(report.totals.objects, files.length);
          for (const file of files) {
            let code: string | undefined;
            try {
              await verifySnapshot(await readFixture(`go-reference/${file}`));
            } catch (error) {
              if (!(error instanceof SnapshotError)) throw error;
              code = error.code;
            }
            const held = (await catalog.get(`go/${file}`))!;
            assert.equal(held.code, code, file);
            assert.equal(held.ok, code === undefined, file);
          }
          // A second pass verifies nothing again.
          assert.equal((await watchOnce(source, catalog, { prefix: "go/" })).totals.verified, 0);
        },
      );
    } finally {
      await mf.dispose();
    }
  },
});
