// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// uploadSnapshot() against a tus server that follows the contract (tests/edge/_tus_test_server.ts):
// every go-reference fixture gets the single-request handler's verdict, resumes after a
// connection cut mid-PATCH and after a server restart, and fails with the right kind.

import {
  type StoredUploadJson,
  UploadFailedError,
  uploadSnapshot,
  type UploadSnapshotOptions,
  type UploadSource,
} from "../../mod.ts";
import { assert, chunked, goManifest, randomSizes, readFixture } from "../_helpers.ts";
import { startCutProxy } from "./_cut_proxy.ts";
import { startTusRealServer, type TusRealServer } from "./_tus_real_server.ts";
import {
  startTusTestServer,
  type TusTestServer,
  type TusTestServerOptions,
} from "./_tus_test_server.ts";

type Server = TusTestServer | TusRealServer;

/** The servers every test runs against: the contract's test server, and tus-core's handler. */
const SERVERS: [string, (options?: TusTestServerOptions) => Promise<Server>][] = [
  ["the contract test server", (options) => Promise.resolve(startTusTestServer(options))],
  ["createTusHandler on FsStore", (options) => startTusRealServer(options)],
];

/** The snapshots a server stored, by key. */
function snapshots(server: Server): Promise<Map<string, Uint8Array>> {
  return "stored" in server ? Promise.resolve(server.stored.snapshots) : server.snapshots();
}

/** A source that re-reads `bytes` from any offset in random small chunks. */
export function streamSource(bytes: Uint8Array, seed = 1, reads: number[] = []): UploadSource {
  return {
    size: bytes.length,
    read(offset) {
      reads.push(offset);
      return chunked(bytes.subarray(offset), randomSizes(seed + offset, 700));
    },
  };
}

/** What the single-request handler at `origin` answers for `bytes`. */
async function singleVerdict(
  origin: string,
  bytes: Uint8Array,
  token?: string,
): Promise<
  { status: number; body: { ok: boolean; key?: string | null; error?: { code: string } } }
> {
  const response = await fetch(origin, {
    method: "POST",
    body: bytes as BodyInit,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: response.status, body: await response.json() };
}

/** The outcome of an upload, in the single-request handler's terms. */
async function tusVerdict(
  bytes: Uint8Array,
  url: string,
  options: UploadSnapshotOptions,
  asBlob: boolean,
): Promise<
  { status: number; body: { ok: boolean; key?: string | null; error?: { code: string } } }
> {
  try {
    const stored = await uploadSnapshot(
      asBlob ? new Blob([bytes as BlobPart]) : streamSource(bytes),
      url,
      options,
    );
    return { status: 201, body: stored };
  } catch (error) {
    if (!(error instanceof UploadFailedError)) throw error;
    assert.equal(error.kind, "bad-snapshot", `${error.kind}: ${error.message}`);
    return { status: error.status!, body: { ok: false, error: error.error! } };
  }
}

const FAST = { retryDelay: 20, maxRetryDelay: 200 } as const;

for (const [where, start] of SERVERS) {
  Deno.test(`uploadSnapshot() gives every go-reference fixture the single-request verdict (${where})`, async () => {
    const server = await start();
    try {
      const { fixtures } = await goManifest();
      let bad = 0;
      for (const [i, fixture] of fixtures.entries()) {
        const bytes = await readFixture(`go-reference/${fixture.file}`);
        const expected = await singleVerdict(server.origin, bytes);
        const chunkSize = bytes.length > 100_000 ? 64 * 1024 : 100;
        const got = await tusVerdict(bytes, server.url, { chunkSize, ...FAST }, i % 2 === 0);
        assert.equal(got.body.ok, expected.body.ok, fixture.file);
        assert.equal(got.body.ok, expected.status === 201, fixture.file);
        if (got.body.ok) {
          assert.deepEqual(got.body, expected.body, fixture.file);
        } else {
          bad++;
          assert.equal(got.status, expected.status, fixture.file);
          assert.deepEqual(got.body.error, expected.body.error, fixture.file);
        }
      }
      assert.ok(bad > 10 && bad < fixtures.length, `${bad} of ${fixtures.length} refused`);
      // Several PATCHes each: the small chunks were used.
      assert.ok(server.seen.filter((s) => s.startsWith("PATCH")).length > fixtures.length * 3);
    } finally {
      await server.close();
    }
  });
}

for (const [where, start] of SERVERS) {
  Deno.test(`uploadSnapshot() reports progress and sends the metadata and token (${where})`, async () => {
    const server = await start({ token: "s3cret" });
    try {
      const bytes = await readFixture("go-reference/one-mib.snap");
      const seen: number[] = [];
      const created: string[] = [];
      const stored = await uploadSnapshot(streamSource(bytes), server.url, {
        token: "s3cret",
        chunkSize: 200_000,
        metadata: { filename: "one-mib.snap" },
        onUploadUrl: (url) => void created.push(url),
        onProgress: ({ acknowledged, sent, total }) => {
          assert.equal(total, bytes.length);
          assert.ok(acknowledged <= sent && sent <= total);
          seen.push(acknowledged);
        },
        ...FAST,
      });
      assert.equal(stored.ok, true);
      assert.match(stored.key!, /^2-5-1700000000000-/);
      assert.equal(created.length, 1);
      assert.match(created[0]!, /\/uploads\/[\w-]+$/);
      assert.equal(seen.at(-1), bytes.length);
      assert.deepEqual(seen, [...seen].sort((a, b) => a - b));
      // POST with the first 200 000 bytes, then five PATCHes.
      assert.deepEqual(
        server.seen.map((s) => s.split(" ")[0]),
        ["POST", "PATCH", "PATCH", "PATCH", "PATCH", "PATCH"],
      );
    } finally {
      await server.close();
    }
  });
}

for (const [where, start] of SERVERS) {
  Deno.test(`uploadSnapshot() fails as refused for a wrong token, as unreachable without a server (${where})`, async () => {
    const server = await start({ token: "s3cret" });
    const bytes = await readFixture("go-reference/small.snap");
    try {
      const error = await uploadSnapshot(new Blob([bytes]), server.url, { token: "wrong", ...FAST })
        .then(() => undefined, (e) => e);
      assert.ok(error instanceof UploadFailedError);
      assert.equal(error.kind, "refused");
      assert.equal(error.status, 403);
      assert.equal(error.error?.code, "forbidden");
    } finally {
      await server.close();
    }
    // The port is closed now.
    const delays: number[] = [];
    const error = await uploadSnapshot(new Blob([bytes]), server.url, {
      retries: 3,
      ...FAST,
      onRetry: (_error, _attempt, delay) => delays.push(delay),
    }).then(() => undefined, (e) => e);
    assert.ok(error instanceof UploadFailedError);
    assert.equal(error.kind, "unreachable");
    assert.match(error.message, /gave up after 4 failed attempts/);
    // It waited as told between attempts (20 ms doubling, up to 20% more), not the default
    // seconds: checked on the delays it chose rather than on the time it took.
    assert.equal(delays.length, 3, JSON.stringify(delays));
    for (const [i, delay] of delays.entries()) {
      assert.ok(delay >= 20 * 2 ** i && delay <= Math.round(20 * 2 ** i * 1.2), `${delays}`);
    }
  });
}

for (const [where, start] of SERVERS) {
  Deno.test(`uploadSnapshot() resumes after a connection cut mid-PATCH (${where})`, async () => {
    const server = await start();
    const port = Number(new URL(server.url).port);
    const proxy = startCutProxy({ hostname: "127.0.0.1", port });
    try {
      const bytes = await readFixture("go-reference/one-mib.snap");
      for (const asBlob of [false, true]) {
        const before = server.seen.length;
        const reads: number[] = [];
        proxy.cutNext("PATCH", 150_000);
        const source = asBlob ? new Blob([bytes]) : streamSource(bytes, 7, reads);
        const stored: StoredUploadJson = await uploadSnapshot(source, `${proxy.origin}/uploads/`, {
          chunkSize: 256 * 1024,
          ...FAST,
        });
        assert.equal(stored.ok, true);
        assert.equal(proxy.cuts, asBlob ? 2 : 1);
        const requests = server.seen.slice(before);
        assert.ok(requests.some((r) => r.startsWith("HEAD")), requests.join("\n"));
        if (!asBlob) {
          // It read the file again from the offset the server had staged, not from 0 or
          // from the start of the cut PATCH.
          const resumed = reads.find((offset) => offset % (256 * 1024) !== 0);
          assert.ok(resumed !== undefined && resumed > 262_144, reads.join(" "));
        }
        // The stored archive is the file, byte for byte.
        assert.deepEqual((await snapshots(server)).get(stored.key!), bytes);
      }
    } finally {
      await proxy.close();
      await server.close();
    }
  });
}

for (const [where, start] of SERVERS) {
  Deno.test(`uploadSnapshot() resumes after the server restarts between PATCHes (${where})`, async () => {
    const server = await start();
    try {
      const bytes = await readFixture("go-reference/one-mib.snap");
      let patches = 0;
      const stored = await uploadSnapshot(streamSource(bytes), server.url, {
        chunkSize: 100_000,
        retryDelay: 100,
        onProgress: ({ acknowledged }) => {
          if (acknowledged >= 300_000 && patches++ === 0) {
            // Down for a while, then up again on the same port.
            void server.stop().then(() => setTimeout(() => server.start(), 400));
          }
        },
      });
      assert.equal(stored.ok, true);
      assert.ok(patches > 0);
      assert.ok(server.seen.some((r) => r.startsWith("HEAD /uploads/")), server.seen.join("\n"));
    } finally {
      await server.close();
    }
  });
}

Deno.test("uploadSnapshot() continues an upload from an earlier run, and learns a lost final answer", async () => {
  const server = startTusTestServer();
  try {
    const bytes = await readFixture("go-reference/one-mib.snap");
    const abort = new AbortController();
    let url: string | undefined;
    const reason = new Error("stopped");
    const first = await uploadSnapshot(new Blob([bytes]), server.url, {
      chunkSize: 300_000,
      signal: abort.signal,
      onUploadUrl: (u) => void (url = u),
      onProgress: ({ acknowledged }) => {
        if (acknowledged >= 600_000) abort.abort(reason);
      },
    }).then(() => undefined, (e) => e);
    assert.equal(first, reason);
    const before = server.seen.length;
    server.dropFinalAnswer = true;
    const stored = await uploadSnapshot(new Blob([bytes]), server.url, {
      chunkSize: 300_000,
      uploadUrl: url,
      ...FAST,
    });
    assert.equal(stored.ok, true);
    const id = new URL(url!).pathname;
    // HEAD learns 600 000, one PATCH sends the rest; its answer is lost, so HEAD and GET.
    assert.deepEqual(server.seen.slice(before), [
      `HEAD ${id}`,
      `PATCH ${id} 600000`,
      `PATCH ${id} 900000`,
      `HEAD ${id}`,
      `GET ${id}`,
    ]);
  } finally {
    await server.close();
  }
});

for (const [where, start] of SERVERS) {
  Deno.test(`uploadSnapshot() starts a new upload when the remembered one is unknown (${where})`, async () => {
    const server = await start();
    try {
      const bytes = await readFixture("go-reference/small.snap");
      const urls: string[] = [];
      const stored = await uploadSnapshot(new Blob([bytes]), server.url, {
        uploadUrl: `${server.url}nope`,
        onUploadUrl: (u) => void urls.push(u),
      });
      assert.equal(stored.ok, true);
      assert.deepEqual(server.seen, ["HEAD /uploads/nope", "POST /uploads/"]);
      assert.equal(urls.length, 1);
    } finally {
      await server.close();
    }
  });
}

Deno.test("uploadSnapshot() learns a refusal whose answer was lost (HEAD 410, then GET)", async () => {
  const server = startTusTestServer();
  try {
    const bytes = await readFixture("go-reference/bad-state-bitflip.snap");
    server.dropFinalAnswer = true;
    const error = await uploadSnapshot(new Blob([bytes]), server.url, { chunkSize: 200, ...FAST })
      .then(() => undefined, (e) => e);
    assert.ok(error instanceof UploadFailedError, String(error));
    assert.equal(error.kind, "bad-snapshot");
    assert.equal(error.status, 410);
    assert.equal(error.error?.code, "hash-mismatch");
    assert.deepEqual(server.seen.map((r) => r.split(" ")[0]), [
      "POST",
      "PATCH",
      "PATCH",
      "HEAD",
      "GET",
    ]);
  } finally {
    await server.close();
  }
});

Deno.test("uploadSnapshot() fails as source, without retrying, when the source ends early", async () => {
  const server = startTusTestServer();
  try {
    const bytes = await readFixture("go-reference/one-mib.snap");
    // Announces the whole file, then gives 300 000 bytes from any offset: a file that shrank.
    const short: UploadSource = {
      size: bytes.length,
      read: (offset) => streamSource(bytes.subarray(0, 300_000)).read(Math.min(offset, 300_000)),
    };
    const error = await uploadSnapshot(short, server.url, { chunkSize: 200_000, ...FAST })
      .then(() => undefined, (e) => e);
    assert.ok(error instanceof UploadFailedError, String(error));
    assert.equal(error.kind, "source");
    assert.match(error.message, /the source ended 100000 bytes before the size it announced/);
    // No retry: the POST, and the PATCH if its head reached the server before the cut.
    const methods = server.seen.map((r) => r.split(" ")[0]);
    assert.equal(methods[0], "POST");
    assert.ok(methods.slice(1).every((m) => m === "PATCH") && methods.length <= 2, methods.join());
  } finally {
    await server.close();
  }
});
