// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// A Cloudflare Worker that keeps every raft snapshot (.snap) in an R2 bucket verified, again
// and again. Set up and deploy: docs/watch.md, "Cloudflare Workers".
//
// - scheduled (Cron Trigger): sweeps the bucket (a paged listing) and sends one Queue
//   message per snapshot that is new, changed (ETag or size) or due for re-verification;
//   forgets records of objects that are gone; plans retention per cluster (deletes only
//   when APPLY_RETENTION is "true").
// - queue (consumer of VERIFY's queue): streams each object from R2 through the verifier and
//   writes the record to the catalog in D1. It takes R2 event notifications on the same
//   queue, so a new snapshot is verified on arrival. A read that fails is retried; a
//   message that keeps failing goes to the dead-letter queue, whose consumer (this Worker
//   too) records it for the status.
// - fetch: GET / (a status page), /status (JSON) and /metrics (Prometheus text), behind
//   STATUS_TOKEN.
//
// The library is the bundle `deno task build` writes (dist/lib/raftsnap.mjs); wrangler
// bundles it into the Worker.

import {
  alertsBetween,
  alertStateOf,
  applyRetention,
  bearerAuthorizer,
  clusterStatus,
  createAesGcmSealer,
  D1Catalog,
  metricsText,
  parseDuration,
  postAlert,
  R2Source,
  statusHtml,
  verifyObject,
} from "../../../dist/lib/raftsnap.mjs";

/** A message whose object is still queued is not sent again for this long. */
const REQUEUE_AFTER_MS = 3_600_000;
/** Objects verified at once by one consumer invocation. */
const CONCURRENCY = 4;
/** Messages sent per Queue `sendBatch` (the Queues limit is 100). */
const SEND_BATCH = 100;

/**
 * @typedef {object} Env
 * @property {R2Bucket} SNAPSHOTS the bucket the backups are in
 * @property {D1Database} CATALOG the catalog (migrations/)
 * @property {Queue} VERIFY the queue of objects to verify
 * @property {string} [STATUS_TOKEN] the bearer token of /status and /metrics (a secret)
 * @property {string} [SEAL_KEY] the hex AES-256 key of sealed snapshots (a secret)
 * @property {string} [SEALED] a regular expression of the keys verified with SEAL_KEY (all
 *   when empty): with a key, an archive without SHA256SUMS.sealed fails, as in Go
 * @property {string} [WEBHOOK_URL] where alerts are posted (a secret: it often holds one)
 * @property {string} [PREFIX] only objects under this key prefix
 * @property {string} [CLUSTER_PATTERN] a regular expression whose first group names the cluster
 * @property {string} [REVERIFY_AFTER] verify each backup again once its last verification is this old
 * @property {string} [MAX_AGE] warn when a cluster's newest good backup is older
 * @property {string} [KEEP_LAST] retention: the newest N verified backups of each cluster
 * @property {string} [KEEP_WITHIN] retention: every verified backup younger than this
 * @property {string} [APPLY_RETENTION] "true" to delete; anything else is a dry run
 * @property {string} [DEAD_LETTER_QUEUE] the name of the dead-letter queue
 */

/** @param {Env} env */
function sourceOf(env) {
  return new R2Source(env.SNAPSHOTS, { prefix: env.PREFIX ?? "" });
}

/** @param {Env} env */
function catalogOf(env) {
  return new D1Catalog(env.CATALOG);
}

/** @param {string | undefined} text */
function durationOf(text, fallback) {
  return text === undefined || text === "" ? fallback : parseDuration(text);
}

/** @param {string | undefined} text */
function countOf(text) {
  return text === undefined || text === "" ? undefined : Number(text);
}

/** @param {Env} env */
function clusterPatternOf(env) {
  return env.CLUSTER_PATTERN ? new RegExp(env.CLUSTER_PATTERN) : undefined;
}

const utf8 = new TextEncoder();

/** Orders keys as R2 and SQLite do: by their UTF-8 bytes. */
function compareKeys(a, b) {
  if (a === b) return 0;
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i] - y[i];
  }
  return x.length - y.length;
}

/**
 * One sweep: lists the bucket page by page, queues what needs verification, forgets
 * records of vanished objects (the catalog, in the same key order, is walked alongside),
 * then plans retention and posts alerts.
 *
 * @param {Env} env
 * @param {number} now the sweep's time (the cron's scheduled time)
 */
async function sweep(env, now) {
  const source = sourceOf(env);
  const catalog = catalogOf(env);
  const reverifyAfterMs = durationOf(env.REVERIFY_AFTER, 604_800_000);
  const counts = { listed: 0, queued: 0, vanished: 0 };
  const records = catalog.all()[Symbol.asyncIterator]();
  let held = await records.next();

  /** Records before `key` (or all left, without one) are of objects no longer listed. */
  const forgetBefore = async (key) => {
    while (!held.done && (key === undefined || compareKeys(held.value.key, key) < 0)) {
      const gone = held.value.key;
      // Checked once more, so that a listing order unlike the catalog's forgets nothing.
      if (!await source.stat(gone)) {
        await catalog.remove(gone);
        console.log(`gone: ${gone}`);
        counts.vanished++;
      }
      held = await records.next();
    }
    if (!held.done && held.value.key === key) held = await records.next();
  };

  let page = [];
  const flush = async () => {
    if (page.length === 0) return;
    const objects = page;
    page = [];
    const known = await catalog.getMany(objects.map((o) => o.key));
    const queued = await pendingOf(env, objects.map((o) => o.key));
    const due = objects.filter((object) => {
      const record = known.get(object.key);
      const fresh = record && record.etag === object.etag && record.size === object.size &&
        now - record.verifiedAt < reverifyAfterMs;
      if (fresh) return false;
      const pending = queued.get(object.key);
      return !(pending && pending.etag === object.etag &&
        now - pending.queued_at < REQUEUE_AFTER_MS);
    });
    if (due.length === 0) return;
    await env.CATALOG.batch(due.map((o) =>
      env.CATALOG.prepare(
        `INSERT INTO watch_pending (key, etag, queued_at, attempts) VALUES (?, ?, ?, 0)
         ON CONFLICT (key) DO UPDATE SET etag = excluded.etag, queued_at = excluded.queued_at,
           attempts = 0, last_error = NULL`,
      ).bind(o.key, o.etag, now)
    ));
    await env.VERIFY.sendBatch(
      due.map((o) => ({ body: { key: o.key, etag: o.etag, size: o.size }, contentType: "json" })),
    );
    counts.queued += due.length;
  };

  for await (const object of source.list()) {
    counts.listed++;
    await forgetBefore(object.key);
    page.push(object);
    if (page.length === SEND_BATCH) await flush();
  }
  await flush();
  await forgetBefore(undefined);
  console.log(`sweep: ${counts.listed} listed, ${counts.queued} queued, ${counts.vanished} gone`);

  const all = await collect(catalog.all());
  const retention = await retain(env, source, catalog, all, now);
  if (retention?.applied) {
    const removed = new Set(retention.deleted);
    all.splice(0, all.length, ...all.filter((r) => !removed.has(r.key)));
  }
  await alert(env, catalog, all, now);
  return { ...counts, retention };
}

/** The pending rows of some keys, by key. */
async function pendingOf(env, keys) {
  const found = new Map();
  for (let at = 0; at < keys.length; at += 90) {
    const some = keys.slice(at, at + 90);
    const { results } = await env.CATALOG.prepare(
      `SELECT key, etag, queued_at FROM watch_pending WHERE key IN (${some.map(() => "?")})`,
    ).bind(...some).all();
    for (const row of results) found.set(row.key, row);
  }
  return found;
}

async function collect(iterable) {
  const all = [];
  for await (const item of iterable) all.push(item);
  return all;
}

/** Retention per cluster with the library's plan: a dry run unless APPLY_RETENTION is "true". */
async function retain(env, source, catalog, records, now) {
  const keepLast = countOf(env.KEEP_LAST);
  const keepWithinMs = durationOf(env.KEEP_WITHIN, undefined);
  if (keepLast === undefined && keepWithinMs === undefined) return undefined;
  const report = await applyRetention(
    source,
    catalog,
    records,
    {
      keepLast,
      keepWithinMs,
      apply: env.APPLY_RETENTION === "true",
      owner: `worker-${crypto.randomUUID()}`,
    },
    () => now,
    (line) => console.log(`retention: ${line}`),
  );
  await catalog.saveState("retention", { at: now, ...report });
  return report;
}

/** Posts an alert for each condition that changed since the last sweep (with WEBHOOK_URL). */
async function alert(env, catalog, records, now) {
  const clusters = clusterStatus(records, { maxAgeMs: durationOf(env.MAX_AGE, Infinity), now });
  const current = alertStateOf(clusters, records);
  const previous = (await catalog.loadAlerts()) ?? {};
  const alerts = alertsBetween(previous, current);
  try {
    for (const message of alerts) {
      console.log(`alert: ${message.text}`);
      if (env.WEBHOOK_URL) await postAlert(env.WEBHOOK_URL, message);
    }
  } catch (error) {
    // The state is kept only once every alert went out: the next sweep sends them again.
    console.error(`cannot post an alert: ${error instanceof Error ? error.message : error}`);
    return;
  }
  await catalog.saveAlerts(current);
}

/**
 * What a message asks for: `{ key }` (a snapshot to verify), `{ key, deleted: true }`, or
 * undefined (not one of the source's snapshots). Two shapes come in: the sweep's
 * (`{ key, etag, size }`, the key below PREFIX) and R2 event notifications'
 * (`{ action, bucket, object: { key, size, eTag }, eventTime }`, the bucket's key).
 */
function jobOf(body, source) {
  if (body === null || typeof body !== "object") return undefined;
  if (typeof body.action === "string" && typeof body.object?.key === "string") {
    const key = source.keyOf(body.object.key);
    if (key === undefined) return undefined;
    const deleted = body.action === "DeleteObject" || body.action === "LifecycleDeletion";
    return { key, deleted };
  }
  if (typeof body.key === "string") return { key: body.key, deleted: false };
  return undefined;
}

/** Runs `work` over `items`, `limit` at a time. */
async function pool(items, limit, work) {
  let next = 0;
  const run = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
}

/** @param {MessageBatch} batch @param {Env} env */
async function consume(batch, env) {
  const source = sourceOf(env);
  const catalog = catalogOf(env);
  const sealer = env.SEAL_KEY ? await createAesGcmSealer(env.SEAL_KEY) : undefined;
  const sealed = env.SEALED ? new RegExp(env.SEALED) : undefined;
  const optionsFor = (key) => ({
    sealer: sealed && !sealed.test(key) ? undefined : sealer,
    clusterPattern: clusterPatternOf(env),
  });
  const done = (key) => [
    env.CATALOG.prepare("DELETE FROM watch_pending WHERE key = ?").bind(key),
    env.CATALOG.prepare("DELETE FROM watch_dead_letters WHERE key = ?").bind(key),
  ];
  const failed = (message, key, error) => {
    console.error(`cannot verify ${key} (attempt ${message.attempts}): ${error}`);
    message.retry();
    return env.CATALOG.prepare(
      `INSERT INTO watch_pending (key, etag, queued_at, attempts, last_error) VALUES (?, '', ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET attempts = excluded.attempts, last_error = excluded.last_error`,
    ).bind(key, Date.now(), message.attempts, String(error)).run();
  };
  await pool(batch.messages, CONCURRENCY, async (message) => {
    const job = jobOf(message.body, source);
    if (!job) {
      console.warn(`not a snapshot of this source, ignored: ${JSON.stringify(message.body)}`);
      message.ack();
      return;
    }
    try {
      if (job.deleted) {
        await catalog.remove(job.key);
        await env.CATALOG.batch(done(job.key));
        message.ack();
        return;
      }
      const object = await source.stat(job.key);
      const record = object && await verifyObject(source, object, optionsFor(job.key));
      if (!record || record.code === "missing") {
        await catalog.remove(job.key);
        await env.CATALOG.batch(done(job.key));
        message.ack();
        return;
      }
      if (record.code === "read-error") {
        await failed(message, job.key, record.message);
        return;
      }
      await catalog.put(record);
      await env.CATALOG.batch([
        ...done(job.key),
        count(env, "verified"),
        count(env, "bytes-verified", record.size),
      ]);
      console.log(`verified ${job.key}: ${record.ok ? "ok" : record.code}`);
      message.ack();
    } catch (error) {
      await failed(message, job.key, error instanceof Error ? error.message : error)
        .catch(() => {});
    }
  });
}

/** The dead-letter queue's consumer: records each message that kept failing. */
async function deadLetters(batch, env) {
  const source = sourceOf(env);
  for (const message of batch.messages) {
    const job = jobOf(message.body, source);
    if (job) {
      await env.CATALOG.batch([
        env.CATALOG.prepare(
          `INSERT INTO watch_dead_letters (key, attempts, error, failed_at)
           SELECT ?1, COALESCE(p.attempts, 0), p.last_error, ?2
           FROM (SELECT 1) LEFT JOIN watch_pending p ON p.key = ?1
           ON CONFLICT (key) DO UPDATE SET attempts = excluded.attempts, error = excluded.error,
             failed_at = excluded.failed_at`,
        ).bind(job.key, Date.now()),
        env.CATALOG.prepare("DELETE FROM watch_pending WHERE key = ?").bind(job.key),
      ]);
      console.error(`dead letter: ${job.key}`);
    }
    message.ack();
  }
}

/** The status of everything the catalog holds, as a `WatchReport` plus the queue's state. */
async function status(env, now) {
  const catalog = catalogOf(env);
  const records = await collect(catalog.all());
  const clusters = clusterStatus(records, { maxAgeMs: durationOf(env.MAX_AGE, Infinity), now });
  const ok = records.filter((r) => r.ok).length;
  const counters = Object.fromEntries(
    (await env.CATALOG.prepare("SELECT name, value FROM watch_counters").all()).results
      .map((row) => [row.name, row.value]),
  );
  const pending = await env.CATALOG.prepare("SELECT COUNT(*) AS n FROM watch_pending").first();
  const dead = await env.CATALOG.prepare(
    "SELECT key, attempts, error, failed_at AS failedAt FROM watch_dead_letters ORDER BY key",
  ).all();
  const lastSweep = await catalog.loadState("sweep");
  return {
    report: {
      source: sourceOf(env).name,
      // The last sweep's times; the records are those of every verification since.
      startedAt: lastSweep?.startedAt ?? now,
      finishedAt: lastSweep?.finishedAt ?? now,
      ok: ok === records.length && dead.results.length === 0 && !lastSweep?.vanished &&
        clusters.every((c) => !c.warnings.some((w) => w.code === "stale" || w.code === "no-good")),
      totals: {
        objects: records.length,
        ok,
        bad: records.length - ok,
        // Catalogued backups the last sweep found gone (their records are forgotten).
        missing: lastSweep?.vanished ?? 0,
        verified: 0,
        bytesVerified: 0,
      },
      objects: records.map((r) => ({ ...r, verifiedNow: false })),
      clusters,
      retention: await catalog.loadState("retention"),
      alerts: [],
      queue: { pending: pending.n, deadLetters: dead.results },
      lastSweep,
    },
    counters: {
      passes: counters["sweeps"] ?? 0,
      failedPasses: counters["failed-sweeps"] ?? 0,
      verifiedObjects: counters["verified"] ?? 0,
      verifiedBytes: counters["bytes-verified"] ?? 0,
    },
  };
}

/** Adds to the running totals. */
function count(env, name, by = 1) {
  return env.CATALOG.prepare(
    `INSERT INTO watch_counters (name, value) VALUES (?, ?)
     ON CONFLICT (name) DO UPDATE SET value = value + excluded.value`,
  ).bind(name, by);
}

let authorizer;

export default {
  /** @param {ScheduledController} controller @param {Env} env */
  async scheduled(controller, env) {
    const startedAt = Date.now();
    try {
      const counts = await sweep(env, controller.scheduledTime);
      await catalogOf(env).saveState("sweep", {
        scheduledTime: controller.scheduledTime,
        startedAt,
        finishedAt: Date.now(),
        ...counts,
        retention: undefined,
      });
      await count(env, "sweeps").run();
    } catch (error) {
      await count(env, "failed-sweeps").run();
      throw error;
    }
  },

  /** @param {MessageBatch} batch @param {Env} env */
  async queue(batch, env) {
    if (batch.queue === (env.DEAD_LETTER_QUEUE ?? "raftsnap-verify-dlq")) {
      await deadLetters(batch, env);
    } else {
      await consume(batch, env);
    }
  },

  /** @param {Request} request @param {Env} env */
  async fetch(request, env) {
    if (!env.STATUS_TOKEN) {
      return new Response("STATUS_TOKEN is not set: wrangler secret put STATUS_TOKEN\n", {
        status: 500,
      });
    }
    authorizer ??= bearerAuthorizer(env.STATUS_TOKEN);
    const allowed = await authorizer(request);
    if (allowed !== true) return allowed;
    const { pathname } = new URL(request.url);
    if (request.method !== "GET") return new Response("use GET\n", { status: 405 });
    if (pathname === "/") {
      return new Response(statusHtml((await status(env, Date.now())).report), {
        headers: { "content-type": "text/html; charset=utf-8" },
      });
    }
    if (pathname === "/status") {
      return Response.json((await status(env, Date.now())).report);
    }
    if (pathname === "/metrics") {
      const { report, counters } = await status(env, Date.now());
      const extra = [
        "# HELP raftsnap_watch_queue_pending Snapshots queued for verification, not yet verified.",
        "# TYPE raftsnap_watch_queue_pending gauge",
        `raftsnap_watch_queue_pending ${report.queue.pending}`,
        "# HELP raftsnap_watch_dead_letters Snapshots whose verification kept failing (dead-letter queue).",
        "# TYPE raftsnap_watch_dead_letters gauge",
        `raftsnap_watch_dead_letters ${report.queue.deadLetters.length}`,
      ];
      return new Response(metricsText(report, counters) + extra.join("\n") + "\n", {
        headers: { "content-type": "text/plain; version=0.0.4" },
      });
    }
    return new Response("GET / (a page), /status (JSON) or /metrics (Prometheus)\n", {
      status: 404,
    });
  },
};
