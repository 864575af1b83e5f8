// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// S3Store against an S3-compatible server on loopback: Miniflare's local R2 behind its S3
// API (it checks SigV4 signatures, and implements CreateMultipartUpload, UploadPart,
// CompleteMultipartUpload, AbortMultipartUpload, CopyObject, HeadObject, PutObject and
// DeleteObject; README, "S3 from Deno", says what it lacks), with a fault proxy in front
// that answers 500 to a request or drops its connection. Verified uploads land
// byte-identical with their metadata; every failure gives the client a 5xx or 4xx and
// leaves no object and no open multipart upload. (Deno's sanitizers are off for these
// tests: the Miniflare and fault proxy the file shares keep timers and ops across tests.)

import type { Miniflare } from "miniflare";
import { createVerifyHandler, S3Store } from "../../mod.ts";
import { assert, readFixture } from "../_helpers.ts";
import {
  archiveOf,
  eventually,
  expectObject,
  type LocalBucket,
  openMultipartUploads,
  S3_CREDENTIALS,
  startLocalS3,
} from "../workers/_r2.ts";
import { type FaultProxy, startFaultProxy } from "./_fault_proxy.ts";

// Deno's sanitizers are off for the tests that use the file's Miniflare and fault proxy:
// they keep timers and ops (undici timers, the proxy's accept loop) across tests.
const ACROSS_TESTS = { sanitizeOps: false, sanitizeResources: false };

const MIB = 1024 * 1024;
const CREDENTIALS = S3_CREDENTIALS;
const BUCKET = "raft-snapshots";

let mf: Miniflare;
let persist: string;
let proxy: FaultProxy;
let bucket: LocalBucket;
let endpoint: string;
const stored = new Set<string>();

Deno.test({
  name: "s3: start Miniflare's S3 API and the fault proxy",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const s3 = await startLocalS3(BUCKET, "raftsnap-s3-");
    ({ mf, persist } = s3);
    const url = s3.url;
    bucket = s3.bucket;
    proxy = startFaultProxy({ hostname: url.hostname, port: Number(url.port) });
    endpoint = `${proxy.url}/cdn-cgi/local/r2/s3`;
  },
});

function store(options: { partSize?: number; retries?: number; requestTimeout?: number } = {}) {
  return new S3Store({
    endpoint,
    bucket: BUCKET,
    region: "auto",
    ...CREDENTIALS,
    prefix: "backups/",
    partSize: options.partSize ?? 5 * MIB,
    retries: options.retries ?? 0,
    requestTimeout: options.requestTimeout,
  });
}

async function put(s3: S3Store, archive: Uint8Array) {
  const handler = createVerifyHandler({ store: s3 });
  const response = await handler(
    new Request("http://edge/", { method: "PUT", body: archive as BodyInit }),
  );
  const body = await response.json();
  return { status: response.status, body };
}

async function nothingLeft(what: string) {
  const keys = (await bucket.list()).objects.map((o) => o.key).sort();
  assert.deepEqual(keys, [...stored].sort(), `${what}: objects`);
  assert.ok(
    await eventually(async () => await openMultipartUploads(persist) === 0),
    `${what}: a multipart upload is still open`,
  );
}

async function expectStored(s3: S3Store, archive: Uint8Array) {
  const { status, body } = await put(s3, archive);
  assert.equal(status, 201, JSON.stringify(body));
  const key = await expectObject(bucket, "backups/", archive);
  stored.add(key);
  await nothingLeft(key);
}

const isPart = (n: number) => (method: string, target: string) =>
  method === "PUT" && target.includes(`partNumber=${n}&`);

Deno.test(
  "s3: a small archive is one PutObject, byte-identical, with metadata",
  ACROSS_TESTS,
  async () => {
    await expectStored(store(), await readFixture("go-reference/small.snap"));
    assert.ok(!proxy.seen.some((r) => r.includes("uploads")), "no multipart upload for one part");
  },
);

const large = await archiveOf(13 * MIB, "s3-large");

Deno.test(
  "s3: a 13 MiB archive goes up in three parts, then is copied to its key",
  ACROSS_TESTS,
  async () => {
    proxy.seen.length = 0;
    await expectStored(store(), large);
    const ops = proxy.seen.map((r) => r.replace(/\?.*/, (q) => q.split("&")[0]!));
    assert.equal(ops.filter((r) => r.includes("partNumber=")).length, 3, ops.join("\n"));
  },
);

Deno.test("s3: the same archive again keeps the stored object", ACROSS_TESTS, async () => {
  await expectStored(store(), large);
});

Deno.test("s3: a bad archive is refused (400) and leaves nothing", ACROSS_TESTS, async () => {
  const bad = (await archiveOf(12 * MIB, "s3-bad")).slice();
  bad[bad.length - 4096]! ^= 1;
  const { status } = await put(store(), bad);
  assert.equal(status, 400);
  await nothingLeft("bad archive");
});

for (const action of ["500", "drop"] as const) {
  Deno.test(
    `s3: part 2 failing (${action}) mid-upload gives a 5xx and leaves nothing`,
    ACROSS_TESTS,
    async () => {
      proxy.fault = { match: isPart(2), action };
      proxy.failed.length = 0;
      try {
        const { status, body } = await put(store(), await archiveOf(13 * MIB, `s3-${action}`));
        assert.equal(status, 500, JSON.stringify(body));
        assert.equal((body as { error: { code: string } }).error.code, "store-error");
        assert.equal(proxy.failed.length, 1);
      } finally {
        proxy.fault = undefined;
      }
      await nothingLeft(`part 2 ${action}`);
    },
  );
}

Deno.test("s3: a part that fails once is sent again", ACROSS_TESTS, async () => {
  proxy.fault = { match: isPart(2), action: "500", times: 1 };
  try {
    await expectStored(store({ retries: 2 }), await archiveOf(11 * MIB, "s3-retried"));
  } finally {
    proxy.fault = undefined;
  }
});

/**
 * The request timeout of the tests below: long enough for a loaded machine to send a
 * 5 MiB part through the proxy, which holds a request only once it has all of it.
 */
const TIMEOUT = 3000;

/** Fails instead of hanging when an upload does not end: the timeout under test ends it. */
async function endsWithin<T>(upload: Promise<T>, ms = 120_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the upload did not end within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([upload, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const isAbort = (method: string, target: string) =>
  method === "DELETE" && target.includes("uploadId=");

Deno.test(
  "s3: a part that is never answered times out: a 5xx, and nothing is left",
  ACROSS_TESTS,
  async () => {
    proxy.fault = { match: isPart(2), action: "hang" };
    proxy.failed.length = 0;
    try {
      const { status, body } = await endsWithin(
        put(store({ requestTimeout: TIMEOUT }), await archiveOf(11 * MIB, "s3-hung-part")),
      );
      assert.equal(status, 500, JSON.stringify(body));
      assert.match(JSON.stringify(body), /UploadPart failed: RequestTimeout/);
      assert.equal(proxy.failed.length, 1, proxy.failed.join("\n"));
    } finally {
      proxy.fault = undefined;
    }
    await nothingLeft("part timed out");
  },
);

Deno.test(
  "s3: an abort that is not answered is sent again after its timeout",
  ACROSS_TESTS,
  async () => {
    proxy.fault = [
      { match: isPart(2), action: "500" },
      { match: isAbort, action: "hang", times: 1 },
    ];
    proxy.failed.length = 0;
    try {
      const { status } = await endsWithin(
        put(
          store({ retries: 1, requestTimeout: TIMEOUT }),
          await archiveOf(11 * MIB, "s3-hung-abort"),
        ),
      );
      assert.equal(status, 500);
      assert.equal(
        proxy.failed.filter((r) => isAbort(...r.split(" ") as [string, string])).length,
        1,
      );
    } finally {
      proxy.fault = undefined;
    }
    await nothingLeft("abort timed out once");
  },
);

Deno.test(
  "s3: CompleteMultipartUpload failing gives a 5xx and leaves nothing",
  ACROSS_TESTS,
  async () => {
    proxy.fault = {
      match: (method, target) => method === "POST" && target.includes("uploadId="),
      action: "500",
    };
    try {
      const { status } = await put(store(), await archiveOf(11 * MIB, "s3-complete"));
      assert.equal(status, 500);
    } finally {
      proxy.fault = undefined;
    }
    await nothingLeft("complete failed");
  },
);

Deno.test(
  "s3: CopyObject failing gives a 5xx, and the staging object is deleted",
  ACROSS_TESTS,
  async () => {
    proxy.fault = {
      match: (method, target) =>
        method === "PUT" && !target.includes("?") && target.includes(".snap"),
      action: "drop",
    };
    try {
      const { status } = await put(store(), await archiveOf(11 * MIB, "s3-copy"));
      assert.equal(status, 500);
    } finally {
      proxy.fault = undefined;
    }
    await nothingLeft("copy failed");
  },
);

Deno.test(
  "s3: wrong credentials are refused by the server, and nothing is stored",
  ACROSS_TESTS,
  async () => {
    const wrong = new S3Store({
      endpoint,
      bucket: BUCKET,
      region: "auto",
      accessKeyId: CREDENTIALS.accessKeyId,
      secretAccessKey: "not-the-secret",
      partSize: 5 * MIB,
    });
    const { status } = await put(wrong, await readFixture("go-reference/one-mib.snap"));
    assert.equal(status, 500);
    await nothingLeft("wrong credentials");
  },
);

Deno.test({
  name: "s3: stop the servers",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await proxy.close();
    await mf.dispose();
    await Deno.remove(persist, { recursive: true });
  },
});
