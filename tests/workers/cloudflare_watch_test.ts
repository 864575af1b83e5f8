// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// examples/cloudflare-watch run in workerd through Miniflare as `wrangler dev` runs it: its
// wrangler.toml (main module, compatibility date, R2 bucket, D1 database with its
// migrations applied, the queue and its dead-letter queue, vars), the secrets, and the
// library bundle it imports. 200 snapshots (Go's reference fixtures, the products'
// fixtures, and generated ones in four clusters: good, corrupt, truncated, sealed) go into
// R2; the cron sweeps, the queue drains, and every record in D1 must give the verdict
// `verifySnapshot` gives for the same bytes. Then rot (a bit flipped in R2's stored bytes,
// ETag and size unchanged) is missed by change detection and caught by re-verification;
// an R2 event notification verifies a new object on arrival; a read that keeps failing
// ends in the dead-letter queue.

import { DatabaseSync } from "node:sqlite";
import { Miniflare } from "miniflare";
import { parse } from "smol-toml";
import {
  type CatalogRecord,
  createAesGcmSealer,
  D1_CATALOG_SCHEMA,
  planRetention,
  type Sealer,
  SnapshotError,
  verifySnapshot,
  writeSnapshot,
} from "../../mod.ts";
import { assert, collect, goManifest, prng, readFixture } from "../_helpers.ts";
import { eventually } from "./_r2.ts";
import { libraryBundle, startWorker } from "./_workerd.ts";

const HARNESS = new URL("./_harness_worker.mjs", import.meta.url).pathname;
const EXAMPLE = new URL("../../examples/cloudflare-watch/", import.meta.url);
const TOKEN = "test-status-token";
const DAY = 86_400_000;

interface Wrangler {
  main: string;
  "compatibility_date": string;
  triggers: { crons: string[] };
  "r2_buckets": { binding: string; bucket_name: string }[];
  "d1_databases": { binding: string; database_id: string; migrations_dir: string }[];
  queues: {
    producers: { binding: string; queue: string }[];
    consumers: {
      queue: string;
      max_batch_size?: number;
      max_batch_timeout?: number;
      max_retries?: number;
      retry_delay?: number;
      dead_letter_queue?: string;
    }[];
  };
  vars: Record<string, string>;
}

/** The statements of a migration file (comments dropped, split at the semicolons). */
function statements(sql: string): string[] {
  return sql.replace(/^--.*$/gm, "").split(";").map((s) => s.trim()).filter(Boolean);
}

/** One snapshot put in the bucket, and what `verifySnapshot` says of its bytes. */
interface Planted {
  key: string;
  bytes: Uint8Array;
}

interface Verdict {
  ok: boolean;
  code?: string;
  stateSha256?: string;
  index?: string;
}

/**
 * What `verifySnapshot` gives for the bytes (with the seal key where SEALED says so), as
 * the Worker's runtime computes it: in workerd (the library bundle, through the test
 * harness worker), and checked against Deno's good-or-bad. The error code of a corrupt
 * archive is taken from workerd: in Deno, the native DecompressionStream sometimes fails
 * before the garbage it has already put out reaches the tar reader and sometimes after, so
 * the first error (`gzip-data`, `tar-header`, `hash-mismatch`) varies from run to run
 * there; workerd inflates with the library's own decoder, the same way every time.
 */
function verdicts(harness: Miniflare, sealer: Sealer, sealKey: string) {
  const cache = new WeakMap<Uint8Array, Verdict>();
  return async (key: string, bytes: Uint8Array): Promise<Verdict> => {
    const known = cache.get(bytes);
    if (known) return known;
    const sealed = new RegExp(SEALED).test(key);
    let deno: Verdict;
    try {
      const result = await verifySnapshot(bytes, { sealer: sealed ? sealer : undefined });
      deno = { ok: true, stateSha256: result.stateSha256, index: String(result.meta.index) };
    } catch (error) {
      if (!(error instanceof SnapshotError)) throw error;
      deno = { ok: false, code: error.code };
    }
    const response = await harness.dispatchFetch(
      `http://harness/verify${sealed ? `?key=${sealKey}` : ""}`,
      { method: "POST", body: bytes },
    );
    const workerd = JSON.parse(await response.text()) as {
      verdict: string;
      stateSha256?: string;
      index?: string;
    };
    assert.equal(workerd.verdict === "ok", deno.ok, `${key}: workerd and Deno disagree`);
    const verdict: Verdict = deno.ok ? deno : { ok: false, code: workerd.verdict };
    if (deno.ok) {
      assert.equal(workerd.stateSha256, deno.stateSha256, key);
      assert.equal(workerd.index, deno.index, key);
    }
    cache.set(bytes, verdict);
    return verdict;
  };
}

const CLUSTERS = ["consul/dc1", "vault/prod", "nomad/global", "sealed/vault"];
/** The keys verified with SEAL_KEY (the SEALED var): a sealer makes unsealed archives fail. */
const SEALED = "^(sealed/|reference/sealed)";

/**
 * 200 snapshots: the go-reference and product fixtures, then generated ones in four
 * clusters (every 9th corrupt by a flipped bit, every 9th truncated, the `sealed/` cluster
 * sealed with the fixtures' key).
 */
async function plant(sealer: Sealer): Promise<Planted[]> {
  const planted: Planted[] = [];
  for (const fixture of (await goManifest()).fixtures) {
    planted.push({
      key: `reference/${fixture.file}`,
      bytes: await readFixture(`go-reference/${fixture.file}`),
    });
  }
  for (const name of ["consul-small", "nomad-dev", "vault-small", "vault-sealed-envelope"]) {
    planted.push({
      key: `products/${name}.snap`,
      bytes: await readFixture(`products/${name}.snap`),
    });
  }
  const random = prng(21);
  for (let n = 0; planted.length < 200; n++) {
    const cluster = CLUSTERS[n % CLUSTERS.length]!;
    const i = Math.floor(n / CLUSTERS.length) + 1;
    const size = 2000 + Math.floor(random() * 30_000);
    const state = new Uint8Array(size);
    // Half random, half text: it compresses, and a flipped bit lands in real deflate data.
    for (let at = 0; at < size; at++) state[at] = at % 2 ? 97 + (at % 23) : random() * 256;
    const meta = { id: `3-${i * 100}-${1700000000000 + i}`, index: i * 100, term: 3, size };
    let bytes = await collect(
      writeSnapshot(meta, state, cluster.startsWith("sealed/") ? { sealer } : {}),
    );
    if (i % 9 === 4) {
      bytes = bytes.slice();
      bytes[Math.floor(bytes.length / 2)]! ^= 0x10;
    } else if (i % 9 === 7) {
      bytes = bytes.slice(0, Math.floor(bytes.length * 0.6));
    }
    const name = `${cluster.split("/")[0]}-${String(i).padStart(4, "0")}.snap`;
    planted.push({ key: `${cluster}/${name}`, bytes });
  }
  return planted;
}

/**
 * `promtool check metrics` (Debian's prometheus package, which .ci/run installs) on the
 * text; without promtool, a failure in CI and a warning elsewhere.
 */
async function promtool(metrics: string): Promise<void> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("promtool", {
      args: ["check", "metrics"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound && Deno.env.get("CI") !== "true") {
      console.warn("promtool is not installed: the metrics are not checked with it");
      return;
    }
    throw error;
  }
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(metrics));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  const said = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  assert.equal(code, 0, `promtool check metrics:\n${said}\n${metrics}`);
}

/** The file of an object's bytes in Miniflare's persisted R2 (to change them behind R2's back). */
function blobOf(persist: string, bucket: string, key: string): string {
  const dir = `${persist}/miniflare-R2BucketObject`;
  for (const entry of Deno.readDirSync(dir)) {
    if (!entry.name.endsWith(".sqlite") || entry.name === "metadata.sqlite") continue;
    const db = new DatabaseSync(`${dir}/${entry.name}`, { readOnly: true });
    try {
      const row = db.prepare("SELECT blob_id FROM _mf_objects WHERE key = ?").get(key) as
        | { blob_id: string }
        | undefined;
      if (row) return `${persist}/${bucket}/blobs/${row.blob_id}`;
    } finally {
      db.close();
    }
  }
  throw new Error(`no stored object ${key}`);
}

/** What the test reads of Miniflare's D1 database (its own types are Node's). */
interface LocalStatement {
  bind(...values: unknown[]): LocalStatement;
  all<T>(): Promise<{ results: T[] }>;
  first<T>(): Promise<T | null>;
}

interface LocalD1 {
  prepare(sql: string): LocalStatement;
  batch(statements: LocalStatement[]): Promise<unknown>;
}

/** What the test does with Miniflare's R2 bucket. */
interface LocalBucket {
  put(key: string, value: Uint8Array): Promise<unknown>;
  delete(key: string): Promise<void>;
  head(key: string): Promise<{ etag: string; size: number } | null>;
  list(): Promise<{ objects: { key: string }[] }>;
}

Deno.test({
  name: "the Cloudflare watch example verifies 200 snapshots in R2 through Cron, Queues and D1",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const config = parse(
      await Deno.readTextFile(new URL("wrangler.toml", EXAMPLE)),
    ) as unknown as Wrangler;
    const r2 = config.r2_buckets[0]!;
    const d1 = config.d1_databases[0]!;
    const producer = config.queues.producers[0]!;
    const consumer = config.queues.consumers.find((c) => c.queue === producer.queue)!;
    assert.ok(consumer, "the queue the sweep sends to has a consumer");
    assert.ok(consumer.dead_letter_queue, "the consumer has a dead-letter queue");
    assert.ok(
      config.queues.consumers.some((c) => c.queue === consumer.dead_letter_queue),
      "the dead-letter queue has a consumer (it records what kept failing)",
    );
    assert.equal(config.vars.DEAD_LETTER_QUEUE, consumer.dead_letter_queue);
    assert.ok(config.triggers.crons.length > 0, "a cron trigger sweeps");

    const manifest = await goManifest();
    const sealer = await createAesGcmSealer(manifest.seal_key_hex);
    const root = await Deno.makeTempDir({ prefix: "raftsnap-cf-watch-" });
    const persist = `${root}/persist`;
    const main = `${root}/examples/cloudflare-watch/${config.main}`;
    await Deno.mkdir(main.replace(/\/[^/]+$/, ""), { recursive: true });
    await Deno.mkdir(`${root}/dist/lib`, { recursive: true });
    await Deno.copyFile(new URL(config.main, EXAMPLE), main);
    await Deno.copyFile(await libraryBundle(), `${root}/dist/lib/raftsnap.mjs`);
    const workerLog: string[] = [];
    const posted: { event: string; key?: string; cluster: string; text: string }[] = [];
    const options = {
      modulesRoot: root,
      modules: [
        { type: "ESModule", path: main },
        { type: "ESModule", path: `${root}/dist/lib/raftsnap.mjs` },
      ],
      compatibilityDate: config.compatibility_date,
      r2Buckets: { [r2.binding]: r2.bucket_name },
      r2Persist: `${persist}/r2`,
      d1Databases: { [d1.binding]: d1.database_id },
      d1Persist: `${persist}/d1`,
      queueProducers: { [producer.binding]: { queueName: producer.queue } },
      // As configured, except that batches go at once and retries wait no minute.
      queueConsumers: Object.fromEntries(config.queues.consumers.map((c) => [c.queue, {
        maxBatchSize: c.max_batch_size,
        maxBatchTimeout: 0,
        maxRetries: c.max_retries,
        retryDelay: 0,
        deadLetterQueue: c.dead_letter_queue,
      }])),
      // The vars, the secrets, and a `--var` override: retention by count alone.
      bindings: {
        ...config.vars,
        KEEP_WITHIN: "",
        STATUS_TOKEN: TOKEN,
        SEAL_KEY: manifest.seal_key_hex,
        SEALED,
        WEBHOOK_URL: "https://hooks.example.test/raftsnap",
      } as Record<string, string>,
      // The Worker's log, kept to be shown when a step fails (a line per verification).
      handleStructuredLogs({ level, message }: { level: string; message: string }) {
        workerLog.push(`${level}: ${message}`);
      },
      // The Worker's own fetches: the webhook.
      async outboundService(request: Request) {
        assert.equal(request.url, "https://hooks.example.test/raftsnap");
        posted.push(await request.json());
        return new Response("ok");
      },
    };
    const mf = new Miniflare(options);
    const harness = await startWorker(HARNESS);
    const verdictOf = verdicts(harness, sealer, manifest.seal_key_hex);
    let db = (await mf.getD1Database(d1.binding)) as unknown as LocalD1;
    let bucket = (await mf.getR2Bucket(r2.binding)) as unknown as LocalBucket;
    // The Fetcher's scheduled() (Miniflare's types miss it under Deno).
    type Scheduler = {
      scheduled(options: { scheduledTime: Date; cron: string }): Promise<{ outcome: string }>;
    };
    let worker = (await mf.getWorker()) as unknown as Scheduler;
    const queue = await mf.getQueueProducer(producer.binding);
    const get = async (path: string, token: string | undefined = TOKEN) => {
      const response = await mf.dispatchFetch(`http://worker${path}`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
      return { status: response.status, text: await response.text() };
    };
    const status = async () => {
      const { status, text } = await get("/status");
      assert.equal(status, 200, text);
      return JSON.parse(text);
    };
    const counter = async (name: string) =>
      (await db.prepare("SELECT value FROM watch_counters WHERE name = ?").bind(name)
        .first<{ value: number }>())?.value ?? 0;
    const records = async () => {
      const { results } = await db.prepare("SELECT record FROM raftsnap_records ORDER BY key")
        .all<{ record: string }>();
      return new Map(results.map((r) => {
        const record = JSON.parse(r.record) as CatalogRecord;
        return [record.key, record];
      }));
    };
    const pending = async () =>
      (await db.prepare("SELECT COUNT(*) AS n FROM watch_pending").first<{ n: number }>())!.n;
    /** Runs the cron at `time`, then waits until the queue drained. */
    const sweep = async (time: number) => {
      const run = await worker.scheduled({
        scheduledTime: new Date(time),
        cron: config.triggers.crons[0]!,
      });
      assert.equal(run.outcome, "ok");
      assert.ok(await eventually(async () => await pending() === 0, 60_000), "the queue drained");
    };
    /** Every planted object's record gives the verdict of `verifySnapshot` on its bytes. */
    const expectVerdicts = async (planted: Map<string, Uint8Array>) => {
      const held = await records();
      assert.deepEqual([...held.keys()].sort(), [...planted.keys()].sort());
      for (const [key, bytes] of planted) {
        const record = held.get(key)!;
        const expected = await verdictOf(key, bytes);
        assert.equal(record.ok, expected.ok, `${key}: ${record.code} ${record.message}`);
        assert.equal(record.code, expected.code, key);
        assert.equal(record.size, bytes.length, key);
        assert.equal(record.cluster, key.slice(0, key.lastIndexOf("/")), key);
        if (expected.ok) {
          assert.equal(record.stateSha256, expected.stateSha256, key);
          assert.equal(record.meta?.index, expected.index, key);
        }
      }
      return held;
    };

    try {
      // `wrangler d1 migrations apply`: each file of migrations_dir in order.
      const migrations = new URL(`${d1.migrations_dir}/`, EXAMPLE);
      const files = [...Deno.readDirSync(migrations)].map((e) => e.name).sort();
      assert.equal(files[0], "0001_catalog.sql");
      const catalogSql = await Deno.readTextFile(new URL(files[0]!, migrations));
      assert.deepEqual(statements(catalogSql), statements(D1_CATALOG_SCHEMA));
      for (const file of files) {
        const sql = await Deno.readTextFile(new URL(file, migrations));
        await db.batch(statements(sql).map((s) => db.prepare(s)));
      }

      const planted = new Map((await plant(sealer)).map((p) => [p.key, p.bytes]));
      assert.equal(planted.size, 200);
      for (const [key, bytes] of planted) await bucket.put(key, bytes);
      await bucket.put("consul/dc1/README.txt", new TextEncoder().encode("not a snapshot"));
      const verdicts = await Promise.all([...planted].map(([k, b]) => verdictOf(k, b)));
      const good = verdicts.filter((v) => v.ok).length;
      assert.ok(good > 100 && good < 190, `a mix of good and bad: ${good} good`);
      const codes = new Set(verdicts.map((v) => v.code).filter(Boolean));
      assert.ok(codes.has("truncated") && codes.size >= 8, [...codes].join());

      await t.step("status and metrics need the token", async () => {
        assert.equal((await get("/status", "")).status, 401);
        assert.equal((await get("/metrics", "wrong")).status, 403);
      });

      await t.step("the cron queues all 200, the consumer records each verdict", async () => {
        await sweep(Date.now());
        await expectVerdicts(planted);
        assert.equal(await counter("verified"), 200);
        const report = await status();
        assert.equal(report.totals.objects, 200);
        assert.equal(report.totals.ok, good);
        assert.equal(report.lastSweep.queued, 200);
        assert.deepEqual(
          report.clusters.map((c: { cluster: string }) => c.cluster).sort(),
          [...CLUSTERS, "products", "reference"].sort(),
        );
        const metrics = (await get("/metrics")).text;
        for (const cluster of CLUSTERS) {
          const n = [...planted.keys()].filter((k, i) =>
            k.startsWith(`${cluster}/`) && verdicts[i]!.ok
          ).length;
          assert.ok(
            metrics.includes(`raftsnap_watch_backups{cluster="${cluster}",verdict="ok"} ${n}\n`),
            `${cluster}: ${n} ok in\n${metrics}`,
          );
        }
        assert.match(metrics, /^raftsnap_watch_verified_objects_total 200$/m);
        assert.match(metrics, /^raftsnap_watch_queue_pending 0$/m);
        const page = await get("/");
        assert.equal(page.status, 200);
        for (const cluster of CLUSTERS) assert.ok(page.text.includes(cluster), cluster);
        assert.ok(!page.text.includes("<script"));
        await promtool(metrics);
      });

      await t.step(
        "a sweep with nothing new verifies nothing; a vanished object is forgotten, retention is only planned",
        async () => {
          await bucket.delete("reference/extra-file.snap");
          planted.delete("reference/extra-file.snap");
          const before = await counter("verified");
          await sweep(Date.now());
          assert.equal(await counter("verified"), before);
          const held = await expectVerdicts(planted);
          const report = await status();
          assert.equal(report.lastSweep.queued, 0);
          assert.equal(report.lastSweep.vanished, 1);
          assert.equal(report.totals.missing, 1);
          assert.equal(report.ok, false);
          // Retention: the library's plan over the same records, keeping the last 14 per
          // cluster; a dry run, so every object is still there.
          const plan = planRetention(held.values(), { keepLast: Number(config.vars.KEEP_LAST) });
          assert.ok(plan.delete.length > 0);
          assert.equal(report.retention.applied, false);
          assert.deepEqual(
            [...report.retention.deleted].sort(),
            plan.delete.map((r) => r.key).sort(),
          );
          const listed = (await bucket.list()).objects.length;
          assert.equal(listed, planted.size + 1);
          // Alerts: the first sweep saw no records; this one posts one for each bad backup
          // (and each cluster with no good one), the next posts nothing: once per change.
          const bad = [...held.values()].filter((r) => !r.ok).map((r) => r.key).sort();
          assert.deepEqual(
            posted.filter((a) => a.event === "backup-failed").map((a) => a.key).sort(),
            bad,
          );
          assert.ok(posted.every((a) => a.text.length > 0));
          posted.length = 0;
          await sweep(Date.now());
          assert.deepEqual(posted, []);
        },
      );

      const rotten = "vault/prod/vault-0002.snap";
      await t.step(
        "rot (a bit flipped in R2's bytes, same ETag and size) is caught by re-verification",
        async () => {
          const original = planted.get(rotten)!;
          assert.ok((await verdictOf(rotten, original)).ok);
          const head = await bucket.head(rotten);
          const path = blobOf(`${persist}/r2`, r2.bucket_name, rotten);
          const bytes = await Deno.readFile(path);
          assert.deepEqual(bytes, original);
          bytes[Math.floor(bytes.length / 2)]! ^= 0x04;
          await Deno.writeFile(path, bytes);
          const after = (await bucket.head(rotten))!;
          assert.deepEqual([after.etag, after.size], [head!.etag, head!.size], "same ETag, size");
          assert.equal((await verdictOf(rotten, bytes)).ok, false);

          // Change detection alone misses it...
          await sweep(Date.now());
          assert.equal((await records()).get(rotten)!.ok, true);
          // ...re-verification, once REVERIFY_AFTER has passed, catches it.
          const reverify = Number(config.vars.REVERIFY_AFTER!.replace("d", "")) * DAY;
          await sweep(Date.now() + reverify + DAY);
          assert.equal((await status()).lastSweep.queued, planted.size);
          planted.set(rotten, bytes);
          const held = await expectVerdicts(planted);
          assert.equal(held.get(rotten)!.ok, false);
          // The next sweep alerts about it (and about nothing else that was bad before).
          posted.length = 0;
          await sweep(Date.now());
          assert.equal((await status()).lastSweep.queued, 0);
          assert.deepEqual(
            posted.filter((a) => a.event === "backup-failed").map((a) => a.key),
            [rotten],
          );
        },
      );

      await t.step("an R2 event notification verifies a new object on arrival", async () => {
        const key = "consul/dc1/consul-9999.snap";
        const bytes = await readFixture("products/consul-small.snap");
        await bucket.put(key, bytes);
        const head = (await bucket.head(key))!;
        const verified = await counter("verified");
        await queue.send({
          account: "3f4b7e3dcab231cbfdaa90a6a28bd548",
          action: "PutObject",
          bucket: r2.bucket_name,
          object: { key, size: head.size, eTag: head.etag },
          eventTime: new Date().toISOString(),
        });
        assert.ok(await eventually(async () => (await records()).has(key), 30_000));
        planted.set(key, bytes);
        const record = (await expectVerdicts(planted)).get(key)!;
        assert.equal(record.product, "consul");
        assert.equal(await counter("verified"), verified + 1);

        // And a deletion event forgets it.
        await bucket.delete(key);
        await queue.send({
          account: "3f4b7e3dcab231cbfdaa90a6a28bd548",
          action: "DeleteObject",
          bucket: r2.bucket_name,
          object: { key },
          eventTime: new Date().toISOString(),
        });
        assert.ok(await eventually(async () => !(await records()).has(key), 30_000));
        planted.delete(key);
      });

      await t.step(
        "a read that keeps failing lands in the dead-letter queue, then recovers",
        async () => {
          const key = "nomad/global/nomad-0003.snap";
          const before = (await records()).get(key)!;
          assert.equal(before.ok, true);
          // A storage fault: R2 still lists the object at its size, but its stream breaks off.
          const path = blobOf(`${persist}/r2`, r2.bucket_name, key);
          const whole = await Deno.readFile(path);
          await Deno.writeFile(path, whole.subarray(0, 100));
          await queue.send({ key });
          const dead = async () =>
            await db.prepare("SELECT attempts, error FROM watch_dead_letters WHERE key = ?")
              .bind(key).first<{ attempts: number; error: string }>();
          assert.ok(await eventually(async () => (await dead()) !== null, 30_000), "dead-lettered");
          const letter = (await dead())!;
          assert.equal(letter.attempts, (consumer.max_retries ?? 3) + 1);
          assert.ok(workerLog.some((line) => line.includes(`dead letter: ${key}`)));
          assert.ok(letter.error.length > 0);
          // The verdict is not overwritten by a failed read.
          assert.deepEqual((await records()).get(key), before);
          const report = await status();
          assert.equal(report.ok, false);
          assert.deepEqual(report.queue.deadLetters.map((d: { key: string }) => d.key), [key]);
          const metrics = (await get("/metrics")).text;
          assert.match(metrics, /^raftsnap_watch_dead_letters 1$/m);
          await promtool(metrics);

          await Deno.writeFile(path, whole);
          await queue.send({ key });
          assert.ok(await eventually(async () => (await dead()) === null, 30_000), "recovered");
          assert.ok((await records()).get(key)!.verifiedAt > before.verifiedAt);
          await expectVerdicts(planted);
        },
      );

      await t.step(
        "with APPLY_RETENTION, the plan's backups are deleted, the newest good of each cluster kept",
        async () => {
          await mf.setOptions({
            ...options,
            bindings: { ...options.bindings, APPLY_RETENTION: "true" },
          });
          db = (await mf.getD1Database(d1.binding)) as unknown as LocalD1;
          bucket = (await mf.getR2Bucket(r2.binding)) as unknown as LocalBucket;
          worker = (await mf.getWorker()) as unknown as Scheduler;
          const held = await records();
          const plan = planRetention(held.values(), { keepLast: Number(config.vars.KEEP_LAST) });
          const doomed = new Set(plan.delete.map((r) => r.key));
          assert.ok(doomed.size > 0);
          await sweep(Date.now());
          const report = await status();
          assert.equal(report.retention.applied, true);
          assert.deepEqual([...report.retention.deleted].sort(), [...doomed].sort());
          // Every deletion is logged.
          for (const key of doomed) {
            assert.ok(workerLog.some((line) => line.includes(`retention: deleted ${key} `)), key);
          }
          const left = new Set((await bucket.list()).objects.map((o) => o.key));
          const kept = await records();
          for (const key of planted.keys()) {
            assert.equal(left.has(key), !doomed.has(key), key);
            assert.equal(kept.has(key), !doomed.has(key), key);
          }
          for (const cluster of report.clusters as { cluster: string }[]) {
            const newest = [...held.values()].filter((r) => r.cluster === cluster.cluster && r.ok)
              .sort((a, b) => b.modified - a.modified)[0];
            if (newest) assert.ok(left.has(newest.key), `${cluster.cluster}: ${newest.key} kept`);
          }
          const claims = await db.prepare("SELECT COUNT(*) AS n FROM raftsnap_claims")
            .first<{ n: number }>();
          assert.equal(claims!.n, doomed.size, "each deletion claimed first");
        },
      );
    } catch (error) {
      console.error(`the Worker's last log lines:\n${workerLog.slice(-60).join("\n")}`);
      throw error;
    } finally {
      await mf.dispose();
      await harness.dispose();
      await Deno.remove(root, { recursive: true });
    }
  },
});
