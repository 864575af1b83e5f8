// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// createVerifyHandler() on in-memory requests: Go's verdict for every fixture, the HTTP
// checks before the body, and the contract with the store on every failure path
// (commit at most once and only after verification, abort exactly once, never both).

import {
  bearerAuthorizer,
  createAesGcmSealer,
  createVerifyHandler,
  hmacSha256Authorizer,
  MemoryStore,
  SnapshotError,
  snapshotKey,
  type StoredUploadJson,
  UploadError,
  type VerifyHandlerOptions,
  writeSnapshot,
} from "../../mod.ts";
import { Feed } from "../../src/edge/_feed.ts";
import {
  bodyStream,
  checksumOf,
  json,
  RecordingStore,
  type RecordingStoreOptions,
  uploadRequest,
} from "../_edge_helpers.ts";
import {
  assert,
  codeForGoError,
  collect,
  goManifest,
  hex,
  prng,
  readFixture,
  waitUntil,
} from "../_helpers.ts";

const manifest = await goManifest();
const sealer = await createAesGcmSealer(manifest.seal_key_hex);
const small = await readFixture("go-reference/small.snap");
const oneMib = await readFixture("go-reference/one-mib.snap");

function setup(options: Partial<VerifyHandlerOptions> = {}, store = new RecordingStore()) {
  return { store, handler: createVerifyHandler({ store, ...options }) };
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(bytes))));
}

/** A good archive of `size` pseudo-random state bytes (compresses poorly). */
async function archiveOf(size: number, id = "3-77-1700000000000"): Promise<Uint8Array> {
  const next = prng(size);
  const state = Uint8Array.from({ length: size }, () => next() * 256);
  return await collect(
    writeSnapshot({ id, index: 77, term: 3, size }, state, { useWorker: false }),
  );
}

function assertUploadError(body: { ok: boolean; error: Record<string, unknown> }, code: string) {
  assert.equal(body.ok, false);
  assert.equal(body.error.code, code, String(body.error.message));
  assert.equal(body.error.layer, null);
  assert.equal(typeof body.error.message, "string");
  assert.ok(String(body.error.hint).length > 0);
}

// ---- every fixture ----

for (const fixture of manifest.fixtures) {
  const goVerify = fixture.checks.find((c) => c.function === "snapshot.Verify")!;
  Deno.test(`createVerifyHandler() gives Go's verdict for ${fixture.file} and stores only good ones`, async () => {
    const bytes = await readFixture(`go-reference/${fixture.file}`);
    const { store, handler } = setup();
    const response = await handler(uploadRequest(bytes));
    const body = await json(response);
    if (goVerify.ok) {
      assert.equal(response.status, 201, JSON.stringify(body));
      const checksum = await checksumOf(bytes);
      assert.equal(response.headers.get("digest"), checksum);
      assert.equal(body.checksum, checksum);
      assert.deepEqual(
        body.entries.map((e: { name: string; size: number; sha256: string; mtime: number }) => [
          e.name,
          e.size,
          e.sha256,
          e.mtime,
        ]),
        fixture.tar_entries!.map((e) => [e.name, e.size, e.sha256, e.mtime_unix]),
      );
      const meta = JSON.parse(goVerify.meta_json!);
      assert.equal(body.meta.ID, meta.ID);
      assert.equal(body.meta.Index, String(meta.Index));
      assert.equal(body.meta.Term, String(meta.Term));
      assert.equal(body.meta.Size, String(meta.Size));
      const record = store.only("commit");
      assert.equal(record.events.at(-2), "close");
      assert.equal(body.key, snapshotKey(record.commits[0]!.result.meta, await sha256Hex(bytes)));
      assert.deepEqual(store.memory.snapshots.get(body.key), bytes);
    } else {
      assert.equal(response.status, 400, JSON.stringify(body));
      const codes = goVerify.errors!.map(codeForGoError);
      assert.ok(codes.includes(body.error.code), `${body.error.code} not in ${codes}`);
      assert.doesNotMatch(body.error.message, /^Cannot verify/);
      assert.ok(body.error.hint.length > 0);
      assert.equal(response.headers.get("digest"), null);
      const record = store.only("abort");
      assert.ok(record.aborts[0] instanceof SnapshotError);
      assert.equal(store.memory.snapshots.size, 0);
    }
  });

  for (const check of fixture.checks.filter((c) => c.key === manifest.seal_key_hex)) {
    Deno.test(`createVerifyHandler() with the sealer gives Go's verdict for ${fixture.file}`, async () => {
      const bytes = await readFixture(`go-reference/${fixture.file}`);
      const { store, handler } = setup({ sealer });
      const response = await handler(uploadRequest(bodyStream(bytes, { chunk: 97 })));
      const body = await json(response);
      if (check.ok) {
        assert.equal(response.status, 201);
        assert.equal(body.sealed, true);
        assert.equal(body.sealVerified, true);
        store.only("commit");
      } else {
        assert.equal(response.status, 400);
        assert.equal(body.error.code, codeForGoError(check.errors![0]!));
        store.only("abort");
      }
    });
  }
}

Deno.test("createVerifyHandler() answers 201 with the documented JSON shape", async () => {
  const { handler } = setup();
  const response = await handler(uploadRequest(small, { method: "PUT" }));
  const body: StoredUploadJson = await json(response);
  const fixture = manifest.fixtures.find((f) => f.file === "small.snap")!;
  const meta = JSON.parse(fixture.checks[0]!.meta_json!);
  const checksum = await checksumOf(small);
  assert.equal(response.headers.get("cache-control"), "no-store");
  assert.deepEqual(body, {
    ok: true,
    key: `${meta.ID}-${meta.Index}-${(await sha256Hex(small)).slice(0, 16)}.snap`,
    meta: {
      Version: meta.Version,
      ID: meta.ID,
      Index: String(meta.Index),
      Term: String(meta.Term),
      Peers: meta.Peers,
      Configuration: meta.Configuration,
      ConfigurationIndex: String(meta.ConfigurationIndex),
      Size: String(meta.Size),
    },
    entries: body.entries,
    stateSize: 20,
    stateSha256: fixture.tar_entries!.find((e) => e.name === "state.bin")!.sha256,
    sealed: false,
    sealVerified: false,
    checksum,
    compressedBytes: small.length,
    tarBytes: 4096,
    gzipMembers: 1,
    zeroPadding: 0,
  });
  assert.deepEqual(Object.keys(body.entries[0]!), ["name", "size", "sha256", "mtime", "offset"]);
  assert.deepEqual(body.entries.map((e) => e.offset), [0, 1024, 2048]);
});

Deno.test("createVerifyHandler() keeps uint64 fields exact beyond 2^53", async () => {
  const state = new TextEncoder().encode("big");
  const archive = await collect(
    writeSnapshot({ id: "x", index: 2n ** 64n - 1n, term: 2n ** 60n, size: 3 }, state),
  );
  const { handler } = setup();
  const body = await json(await handler(uploadRequest(archive)));
  assert.equal(body.meta.Index, "18446744073709551615");
  assert.equal(body.meta.Term, "1152921504606846976");
});

Deno.test("createVerifyHandler() gives the same verdicts for bodies in 1-byte and odd chunks", async () => {
  for (const name of ["small.snap", "bad-state-bitflip.snap", "truncated-gzip-crc.snap"]) {
    const bytes = await readFixture(`go-reference/${name}`);
    const statuses = [];
    for (const chunk of [1, 7, 500]) {
      const { handler } = setup();
      const response = await handler(uploadRequest(bodyStream(bytes, { chunk })));
      await response.body?.cancel();
      statuses.push(response.status);
    }
    assert.equal(new Set(statuses).size, 1, `${name}: ${statuses}`);
  }
});

Deno.test("createVerifyHandler() stores a re-upload of the same bytes under the same key", async () => {
  const store = new MemoryStore();
  const handler = createVerifyHandler({ store });
  const first = await json(await handler(uploadRequest(small)));
  const second = await json(await handler(uploadRequest(small)));
  assert.equal(first.key, second.key);
  assert.equal(store.snapshots.size, 1);
  assert.equal(store.committed, 2);
});

Deno.test("createVerifyHandler() verifies concurrent uploads independently", async () => {
  const names = ["small.snap", "bad-meta-bitflip.snap", "one-mib.snap", "missing-sha.snap"];
  const { store, handler } = setup();
  const responses = await Promise.all(
    names.concat(names).map(async (name) =>
      (await handler(uploadRequest(bodyStream(await readFixture(`go-reference/${name}`)))))
        .status
    ),
  );
  assert.deepEqual(responses, [201, 400, 201, 400, 201, 400, 201, 400]);
  assert.deepEqual(store.violations, []);
  assert.equal(store.memory.snapshots.size, 2);
  assert.equal(store.memory.staging, 0);
});

// ---- checks before the body ----

Deno.test("createVerifyHandler() refuses other methods with 405 and Allow", async () => {
  for (const method of ["GET", "HEAD", "DELETE", "PATCH", "OPTIONS"]) {
    const { store, handler } = setup();
    const body = ["GET", "HEAD"].includes(method) ? null : small;
    const response = await handler(uploadRequest(body, { method }));
    assert.equal(response.status, 405);
    assert.equal(response.headers.get("allow"), "POST, PUT");
    assertUploadError(await json(response), "method-not-allowed");
    assert.equal(store.records.length, 0);
  }
});

Deno.test("createVerifyHandler() refuses wrong media types and encodings with 415", async () => {
  const cases: [Record<string, string>, number][] = [
    [{ "content-type": "text/plain" }, 415],
    [{ "content-type": "application/x-www-form-urlencoded" }, 415],
    [{ "content-type": "application/json; charset=utf-8" }, 415],
    [{ "content-encoding": "gzip" }, 415],
    [{ "content-type": "application/gzip" }, 201],
    [{ "content-type": "Application/X-Gzip" }, 201],
    [{ "content-type": "application/octet-stream; foo=bar" }, 201],
    [{ "content-encoding": "identity" }, 201],
  ];
  for (const [headers, status] of cases) {
    const { store, handler } = setup();
    const response = await handler(uploadRequest(small, { headers }));
    const body = await json(response);
    assert.equal(response.status, status, JSON.stringify(headers));
    if (status === 415) {
      assertUploadError(body, "unsupported-media-type");
      assert.equal(store.records.length, 0);
    }
  }
  const { handler } = setup({ contentTypes: ["application/vnd.example.snapshot"] });
  const custom = uploadRequest(small, {
    headers: { "content-type": "application/vnd.example.snapshot" },
  });
  assert.equal((await json(await handler(custom))).ok, true);
  const refused = await handler(
    uploadRequest(small, { headers: { "content-type": "application/gzip" } }),
  );
  assert.equal(refused.headers.get("accept-post"), "application/vnd.example.snapshot");
  await refused.body?.cancel();
});

Deno.test("createVerifyHandler() checks Content-Length before reading: 413, 411, 400", async () => {
  {
    const { store, handler } = setup({ maxBytes: 100 });
    let pulled = 0;
    const request = uploadRequest(bodyStream(small, { onPull: (n) => pulled = n }), {
      headers: { "content-length": String(small.length) },
    });
    const response = await handler(request);
    assert.equal(response.status, 413);
    assertUploadError(await json(response), "too-large");
    assert.equal(store.records.length, 0);
    assert.equal(pulled, 0);
  }
  {
    const { store, handler } = setup({ requireLength: true });
    const response = await handler(uploadRequest(bodyStream(small)));
    assert.equal(response.status, 411);
    assertUploadError(await json(response), "length-required");
    assert.equal(store.records.length, 0);
    const ok = await handler(
      uploadRequest(small, { headers: { "content-length": String(small.length) } }),
    );
    assert.equal(ok.status, 201);
    await ok.body?.cancel();
  }
  {
    const { store, handler } = setup();
    const response = await handler(
      uploadRequest(small, { headers: { "content-length": "12abc" } }),
    );
    assert.equal(response.status, 400);
    assertUploadError(await json(response), "bad-length");
    assert.equal(store.records.length, 0);
  }
});

Deno.test("createVerifyHandler() counts bytes: a missing or lying Content-Length does not get past maxBytes", async () => {
  for (const headers of [{}, { "content-length": "400" }] as Record<string, string>[]) {
    const { store, handler } = setup({ maxBytes: 64 * 1024 });
    let cancelled = false;
    const response = await handler(
      uploadRequest(bodyStream(oneMib, { onCancel: () => cancelled = true }), { headers }),
    );
    assert.equal(response.status, 413);
    const body = await json(response);
    assertUploadError(body, "too-large");
    assert.equal(body.error.expected, "at most 65536 bytes");
    const record = store.only("abort");
    assert.ok(record.bytes <= 64 * 1024, `${record.bytes} bytes staged`);
    assert.ok(record.aborts[0] instanceof UploadError);
    assert.ok(cancelled, "the body was cancelled");
  }
});

Deno.test("createVerifyHandler() refuses a body that is not Content-Length bytes", async () => {
  const { store, handler } = setup();
  const response = await handler(
    uploadRequest(bodyStream(small), { headers: { "content-length": String(small.length + 1) } }),
  );
  assert.equal(response.status, 400);
  assertUploadError(await json(response), "length-mismatch");
  store.only("abort");
});

Deno.test("createVerifyHandler() checks Content-Digest and Digest (Go's Checksum format)", async () => {
  const checksum = await checksumOf(small);
  const b64 = checksum.slice("sha-256=".length);
  const good: Record<string, string>[] = [
    { "content-digest": `sha-256=:${b64}:` },
    { "content-digest": `sha-512=:AAAA:, SHA-256=:${b64}:` },
    { digest: checksum },
    { digest: `SHA-256=${b64}` },
    { digest: "md5=AAAA" },
  ];
  for (const headers of good) {
    const { store, handler } = setup();
    const response = await handler(uploadRequest(small, { headers }));
    assert.equal(response.status, 201, JSON.stringify(headers));
    await response.body?.cancel();
    store.only("commit");
  }
  const other = await checksumOf(oneMib);
  const mismatches: Record<string, string>[] = [
    { digest: other },
    { "content-digest": `sha-256=:${b64}:`, digest: other },
  ];
  for (const headers of mismatches) {
    const { store, handler } = setup();
    const response = await handler(uploadRequest(small, { headers }));
    assert.equal(response.status, 400);
    const body = await json(response);
    assertUploadError(body, "digest-mismatch");
    assert.equal(body.error.expected, other);
    assert.equal(body.error.found, checksum);
    store.only("abort");
  }
  for (const digest of ["sha-256=:abc:", "sha-256=" + btoa("short"), "sha-256=!!!!"]) {
    const { store, handler } = setup();
    const response = await handler(uploadRequest(small, { headers: { "content-digest": digest } }));
    assert.equal(response.status, 400);
    assertUploadError(await json(response), "digest-invalid");
    assert.equal(store.records.length, 0);
  }
});

// ---- authorization ----

Deno.test("createVerifyHandler() lets authorize refuse with 403, a Response, or fail closed", async () => {
  const verdicts: [unknown, number][] = [
    [true, 201],
    [false, 403],
    [undefined, 403],
    ["yes", 403],
    [new Response("go away", { status: 401, headers: { "www-authenticate": "Basic" } }), 401],
  ];
  for (const [verdict, status] of verdicts) {
    const { store, handler } = setup({ authorize: () => verdict as boolean });
    const response = await handler(uploadRequest(small));
    assert.equal(response.status, status, String(verdict));
    if (status === 403) assertUploadError(await json(response), "forbidden");
    else await response.body?.cancel();
    assert.equal(store.records.length, status === 201 ? 1 : 0);
  }
});

Deno.test("bearerAuthorizer() answers 401 with a challenge, 403 for a wrong token", async () => {
  const { store, handler } = setup({ authorize: bearerAuthorizer(["one", "two"]) });
  const cases: [Record<string, string>, number][] = [
    [{}, 401],
    [{ authorization: "Basic b25lOg==" }, 401],
    [{ authorization: "Bearer three" }, 403],
    [{ authorization: "Bearer two" }, 201],
    [{ authorization: "bearer one" }, 201],
  ];
  for (const [headers, status] of cases) {
    const response = await handler(uploadRequest(small, { headers }));
    assert.equal(response.status, status, JSON.stringify(headers));
    const body = await json(response);
    if (status === 401) {
      assert.equal(response.headers.get("www-authenticate"), 'Bearer realm="raftsnap"');
      assertUploadError(body, "unauthorized");
    }
    if (status === 403) assertUploadError(body, "forbidden");
  }
  assert.equal(store.records.length, 2);
  assert.throws(() => bearerAuthorizer([]), TypeError);
});

async function hmacHex(key: string, body: Uint8Array): Promise<string> {
  const cryptoKey = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return hex(new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, new Uint8Array(body))));
}

Deno.test("hmacSha256Authorizer() checks an HMAC of the streamed body before commit", async () => {
  const key = "a shared key";
  const bad = await readFixture("go-reference/bad-state-bitflip.snap");
  const longKey = "k".repeat(100); // longer than a SHA-256 block: hashed first, as HMAC does
  const cases: [string, string | null, Uint8Array, number, string][] = [
    [key, await hmacHex(key, small), small, 201, ""],
    [longKey, await hmacHex(longKey, small), small, 201, ""],
    [key, await hmacHex("another key", small), small, 403, "forbidden"],
    [key, await hmacHex(key, bad), small, 403, "forbidden"],
    [key, null, small, 401, "unauthorized"],
    // A bad archive with a wrong signature: the client learns only that it is refused.
    [key, await hmacHex("another key", bad), bad, 403, "forbidden"],
    [key, await hmacHex(key, bad), bad, 400, "hash-mismatch"],
  ];
  for (const [secret, signature, body, status, code] of cases) {
    const { store, handler } = setup({ authorize: hmacSha256Authorizer(secret) });
    const headers: Record<string, string> = signature === null
      ? {}
      : { "x-raftsnap-signature": `sha256=${signature}` };
    const response = await handler(uploadRequest(bodyStream(body, { chunk: 100 }), { headers }));
    assert.equal(response.status, status, `${secret.length} ${code}`);
    const json_ = await json(response);
    if (status === 201) {
      store.only("commit");
      continue;
    }
    assert.equal(json_.error.code, code);
    if (status === 401) {
      assert.match(response.headers.get("www-authenticate")!, /^HMAC-SHA256/);
      assert.equal(store.records.length, 0);
    } else {
      store.only("abort");
    }
  }
});

// ---- failures while streaming: the store is aborted, exactly once ----

Deno.test("createVerifyHandler() aborts the store when the body errors midway (499)", async () => {
  const { store, handler } = setup();
  const response = await handler(uploadRequest(bodyStream(oneMib, { failAfter: 18 * 16384 })));
  assert.equal(response.status, 499);
  const body = await json(response);
  assertUploadError(body, "upload-aborted");
  assert.match(body.error.message, /the body failed on purpose/);
  const record = store.only("abort");
  assert.ok(record.bytes > 0 && record.bytes <= 18 * 16384, `${record.bytes} bytes staged`);
  assert.equal(store.memory.snapshots.size, 0);
});

Deno.test("createVerifyHandler() aborts the store when the client goes away (499)", async () => {
  const { store, handler } = setup();
  const client = new AbortController();
  let cancelled = false;
  let sent = 0;
  const request = uploadRequest(
    bodyStream(oneMib, {
      stallAfter: 200_000,
      onPull: (n) => sent = n,
      onCancel: () => cancelled = true,
    }),
    { signal: client.signal },
  );
  const pending = handler(request);
  // The client goes away once the handler has read up to the stall.
  await waitUntil(() => sent >= 200_000, "the body read up to its stall");
  client.abort();
  const response = await pending;
  assert.equal(response.status, 499);
  assertUploadError(await json(response), "upload-aborted");
  store.only("abort");
  assert.ok(cancelled, "the body was cancelled");
});

Deno.test("createVerifyHandler() times out a slow upload with 408 and aborts the store", async () => {
  const { store, handler } = setup({ timeout: 150 });
  let cancelled = false;
  let sent = 0;
  const response = await handler(
    uploadRequest(
      bodyStream(oneMib, {
        delay: 20,
        onPull: (n) => sent = n,
        onCancel: () => cancelled = true,
      }),
    ),
  );
  assert.equal(response.status, 408);
  assertUploadError(await json(response), "timeout");
  // Answered at the timeout, not once the slow body ended (it takes 64 × 20 ms).
  assert.ok(sent < oneMib.length, `${sent} bytes sent before the answer`);
  store.only("abort");
  assert.ok(cancelled);
});

Deno.test("createVerifyHandler() times out a stalled body and a stalled store", async () => {
  {
    const { store, handler } = setup({ timeout: 100 });
    const response = await handler(uploadRequest(bodyStream(oneMib, { stallAfter: 1000 })));
    assert.equal(response.status, 408);
    await response.body?.cancel();
    store.only("abort");
  }
  {
    // A store whose writes never finish: the answer still comes, and abort is called.
    let release: (() => void) | undefined;
    const store = new RecordingStore();
    const stuck = {
      async begin(info: Parameters<RecordingStore["begin"]>[0]) {
        const staged = await store.begin(info);
        return {
          ...staged,
          writable: new WritableStream<Uint8Array>({
            write: () => new Promise<void>((resolve) => release = resolve),
          }),
        };
      },
    };
    const handler = createVerifyHandler({ store: stuck, timeout: 100 });
    const response = await handler(uploadRequest(bodyStream(oneMib)));
    assert.equal(response.status, 408);
    await response.body?.cancel();
    store.only("abort");
    release?.();
  }
});

Deno.test("createVerifyHandler() stops uploads when its signal aborts (503), and refuses new ones", async () => {
  const server = new AbortController();
  const { store, handler } = setup({ signal: server.signal });
  let sent = 0;
  const pending = handler(
    uploadRequest(bodyStream(oneMib, { stallAfter: 100_000, onPull: (n) => sent = n })),
  );
  await waitUntil(() => sent >= 100_000, "the body read up to its stall");
  server.abort();
  const response = await pending;
  assert.equal(response.status, 503);
  assertUploadError(await json(response), "aborted");
  store.only("abort");
  const later = await handler(uploadRequest(small));
  assert.equal(later.status, 503);
  await later.body?.cancel();
  assert.equal(store.records.length, 1);
});

Deno.test("createVerifyHandler() reads the rest of a bad archive's body before answering", async () => {
  // A long body that is bad from its first byte: not gzip.
  const corrupt = oneMib.slice();
  corrupt[0] = 0;
  const { store, handler } = setup();
  let pulled = 0;
  const response = await handler(uploadRequest(bodyStream(corrupt, { onPull: (n) => pulled = n })));
  assert.equal(response.status, 400);
  const body = await json(response);
  assert.equal(body.error.code, "gzip-header");
  assert.equal(pulled, corrupt.length, "the whole body was read");
  const record = store.only("abort");
  assert.ok(record.bytes < corrupt.length, "staging stopped at the failure");
});

Deno.test("createVerifyHandler() answers 500 store-error when the store fails, never committing", async () => {
  const cases: [RecordingStoreOptions, "commit" | "abort" | "none"][] = [
    [{ failBegin: true }, "none"],
    [{ failWriteAfter: 100_000 }, "abort"],
    [{ failCommit: true }, "commit"],
  ];
  for (const [options, outcome] of cases) {
    const store = new RecordingStore(options);
    const handler = createVerifyHandler({ store });
    const response = await handler(uploadRequest(bodyStream(oneMib)));
    assert.equal(response.status, 500, JSON.stringify(options));
    const body = await json(response);
    assertUploadError(body, "store-error");
    if (outcome === "none") assert.equal(store.records.length, 0);
    else store.only(outcome);
    assert.equal(store.memory.snapshots.size, 0);
  }
  // A store whose abort throws still gets a clean answer.
  const { store, handler } = setup({}, new RecordingStore({ failAbort: true }));
  const response = await handler(uploadRequest(await readFixture("go-reference/not-gzip.snap")));
  assert.equal(response.status, 400);
  await response.body?.cancel();
  store.only("abort");
});

Deno.test("createVerifyHandler() aborts the store when a hook throws midway (500 internal)", async () => {
  const throwing = [
    { update: () => Promise.reject(new Error("update failed")), verify: () => true },
    { update: () => {}, verify: () => Promise.reject(new Error("verify failed")) },
  ];
  for (const check of throwing) {
    const { store, handler } = setup({ authorize: () => check });
    const response = await handler(uploadRequest(bodyStream(oneMib)));
    assert.equal(response.status, 500);
    assertUploadError(await json(response), "internal");
    store.only("abort");
  }
});

Deno.test("createVerifyHandler() answers 400 empty for a POST without a body, and aborts", async () => {
  const { store, handler } = setup();
  const response = await handler(uploadRequest(null));
  assert.equal(response.status, 400);
  assert.equal((await json(response)).error.code, "empty");
  store.only("abort");
});

Deno.test("createVerifyHandler() never answers 500 for mutated archives", async () => {
  const next = prng(8);
  const { store, handler } = setup();
  for (let i = 0; i < 60; i++) {
    const bytes = small.slice();
    for (let flips = 1 + Math.floor(next() * 3); flips > 0; flips--) {
      bytes[Math.floor(next() * bytes.length)]! ^= 1 << Math.floor(next() * 8);
    }
    const cut = next() < 0.3 ? bytes.subarray(0, Math.floor(next() * bytes.length)) : bytes;
    const response = await handler(
      uploadRequest(bodyStream(cut, { chunk: 1 + Math.floor(next() * 200) })),
    );
    assert.ok([201, 400].includes(response.status), `case ${i}: ${response.status}`);
    await response.body?.cancel();
  }
  assert.deepEqual(store.violations, []);
  assert.equal(store.memory.staging, 0);
});

// ---- bounded memory ----

Deno.test("createVerifyHandler() reads no further ahead of a slow store than a few chunks", async () => {
  const archive = await archiveOf(2 * 1024 * 1024);
  const chunk = 16 * 1024;
  let pulled = 0;
  let ahead = 0;
  const store = new RecordingStore({
    writeDelay: 2,
    onWrite: (written) => ahead = Math.max(ahead, pulled - written),
  });
  const handler = createVerifyHandler({ store });
  const response = await handler(
    uploadRequest(bodyStream(archive, { chunk, onPull: (n) => pulled = n })),
  );
  assert.equal(response.status, 201);
  await response.body?.cancel();
  store.only("commit");
  // The handler gathers small chunks into 256 KiB pieces before handing them on.
  assert.ok(ahead <= 256 * 1024 + 3 * chunk, `read ${ahead} bytes ahead of the store`);
  assert.deepEqual(store.memory.snapshots.values().next().value, archive);
});

Deno.test("createVerifyHandler() reads no further ahead of a slow verifier than a few chunks", async () => {
  const archive = await archiveOf(1024 * 1024);
  const chunk = 16 * 1024;
  let pulled = 0;
  let ahead = 0;
  let hashed = 0;
  // The archive checksum's hasher sees the compressed bytes as the verifier reads them:
  // make every hasher slow, and count what the verifier's checksum has seen.
  const { hashWasmSha256 } = await import("../../mod.ts");
  let made = 0;
  const slowHasher = async () => {
    const inner = await hashWasmSha256();
    const index = made++; // 0: the staged copy's, 1: the verifier's state, 2: its checksum
    return {
      async update(bytes: Uint8Array) {
        await new Promise((r) => setTimeout(r, 1));
        if (index === 2) {
          hashed += bytes.length;
          ahead = Math.max(ahead, pulled - hashed);
        }
        inner.update(bytes);
      },
      digest: () => inner.digest(),
      close: () => inner.close?.(),
    };
  };
  const { store, handler } = setup({ hasher: slowHasher });
  const response = await handler(
    uploadRequest(bodyStream(archive, { chunk, onPull: (n) => pulled = n })),
  );
  assert.equal(response.status, 201, JSON.stringify(await response.clone().json()));
  await response.body?.cancel();
  store.only("commit");
  assert.ok(hashed === archive.length);
  assert.ok(ahead <= 256 * 1024 + 4 * chunk, `read ${ahead} bytes ahead of the verifier`);
});

Deno.test("Feed keeps at most one chunk queued ahead of its reader", async () => {
  const feed = new Feed();
  const reader = feed.readable.getReader();
  let pushed = 0;
  const producer = (async () => {
    for (let i = 0; i < 20; i++) {
      await feed.ready();
      feed.push(new Uint8Array([i]));
      pushed++;
    }
    feed.close();
  })();
  let read = 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 1));
    assert.ok(pushed - read <= 2, `${pushed} pushed, ${read} read`);
    const { done } = await reader.read();
    if (done) break;
    read++;
  }
  await producer;
  assert.equal(read, 20);
});

Deno.test("createVerifyHandler() refuses bad options", () => {
  assert.throws(() => createVerifyHandler({} as VerifyHandlerOptions), TypeError);
  const store = new MemoryStore();
  assert.throws(() => createVerifyHandler({ store, maxBytes: 0 }), RangeError);
  assert.throws(() => createVerifyHandler({ store, timeout: -1 }), RangeError);
  assert.throws(() => createVerifyHandler({ store, limits: { maxRatio: 0 } }), RangeError);
  assert.throws(() => createVerifyHandler({ store, maxConcurrentUploads: 0 }), RangeError);
  assert.throws(() => createVerifyHandler({ store, maxInflateRatio: -1 }), RangeError);
  assert.throws(() => createVerifyHandler({ store, maxInflatedBytes: Number.NaN }), RangeError);
  assert.throws(() => createVerifyHandler({ store, retryAfter: 0 }), RangeError);
});

// ---- the handler's own bounds ----

/** A valid archive of `size` bytes of zeros: about 1000 bytes out per byte in. */
async function zerosArchive(size: number): Promise<Uint8Array<ArrayBuffer>> {
  return await collect(
    writeSnapshot({ id: "4-9-1700000000000", index: 9, term: 4, size }, new Uint8Array(size), {
      useWorker: false,
    }),
  );
}

/** A body that records whether it was ever pulled, and whether it was cancelled. */
function watchedBody(bytes: Uint8Array) {
  const seen = { pulled: false, cancelled: false };
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      seen.pulled = true;
      controller.enqueue(bytes.slice());
      controller.close();
    },
    cancel() {
      seen.cancelled = true;
    },
  }, { highWaterMark: 0 });
  return { body, seen };
}

const until = (condition: () => boolean, what: string) => waitUntil(condition, what);

Deno.test("createVerifyHandler() answers 503 busy with Retry-After beyond maxConcurrentUploads, never reading the body", async () => {
  const { store, handler } = setup({ maxConcurrentUploads: 2, retryAfter: 7 });
  const clients = [new AbortController(), new AbortController()];
  const stalled = clients.map((client) =>
    handler(uploadRequest(bodyStream(oneMib, { stallAfter: 300_000 }), { signal: client.signal }))
  );
  await until(() => store.records.length === 2 && store.records.every((r) => r.bytes > 0), "2");
  const { body, seen } = watchedBody(small);
  const response = await handler(uploadRequest(body));
  assert.equal(response.status, 503);
  assert.equal(response.headers.get("retry-after"), "7");
  const refusal = await json(response);
  assertUploadError(refusal, "busy");
  assert.match(refusal.error.message, /^2 uploads are being verified already/);
  assert.equal(seen.pulled, false, "the body was not read");
  assert.equal(seen.cancelled, true, "the body was cancelled");
  assert.equal(store.records.length, 2, "no upload was begun for it");
  // The clients go away: their slots come back, and an upload is taken again.
  for (const client of clients) client.abort();
  for (const pending of stalled) assert.equal((await pending).status, 499);
  const again = await handler(uploadRequest(small));
  assert.equal(again.status, 201);
  await again.body?.cancel();
  assert.equal(store.records.length, 3);
});

Deno.test("createVerifyHandler() gives the slot back however an upload ends", async () => {
  const corrupt = small.slice();
  corrupt[corrupt.length - 20]! ^= 1;
  const bomb = await zerosArchive(32 << 20);
  let failBegin = false;
  const store = new RecordingStore();
  const flaky = {
    begin(info: Parameters<RecordingStore["begin"]>[0]) {
      if (failBegin) return Promise.reject(new Error("begin failed on purpose"));
      return store.begin(info);
    },
  };
  const handler = createVerifyHandler({
    store: flaky,
    maxConcurrentUploads: 1,
    // Only the stalled body meets it; every other path must end well before, even on a
    // loaded machine (300 ms was not enough for the 1000:1 archive there).
    timeout: 3000,
    maxBytes: 500_000,
  });
  const paths: [string, () => Request, number][] = [
    ["success", () => uploadRequest(small), 201],
    ["bad archive", () => uploadRequest(corrupt), 400],
    ["truncated", () => uploadRequest(oneMib.slice(0, 300_000)), 400],
    ["inflate bound", () => uploadRequest(bomb), 413],
    ["body error", () => uploadRequest(bodyStream(oneMib, { failAfter: 65536 })), 499],
    ["timeout", () => uploadRequest(bodyStream(oneMib, { stallAfter: 65536 })), 408],
    ["too large by count", () => uploadRequest(bodyStream(oneMib)), 413],
  ];
  for (const [what, request, status] of paths) {
    const response = await handler(request());
    assert.equal(response.status, status, what);
    await response.body?.cancel();
    // With one slot, a slot kept by the upload before would make this a 503.
    const next = await handler(uploadRequest(small));
    assert.equal(next.status, 201, `after ${what}: ${next.status}`);
    await next.body?.cancel();
  }
  failBegin = true;
  assert.equal((await handler(uploadRequest(small))).status, 500);
  failBegin = false;
  const last = await handler(uploadRequest(small));
  assert.equal(last.status, 201, "after a store failure");
  await last.body?.cancel();
  assert.deepEqual(store.violations, []);
});

Deno.test("createVerifyHandler() refuses a high-ratio upload as it streams with 413 inflate-limit, storing nothing", async () => {
  const bomb = await zerosArchive(64 << 20); // valid: Go and the CLI verify it
  assert.ok(bomb.length < 128 << 10, `${bomb.length} bytes`);
  const { store, handler } = setup();
  const response = await handler(uploadRequest(bomb));
  assert.equal(response.status, 413);
  const body = await json(response);
  assertUploadError(body, "inflate-limit");
  assert.match(body.error.message, /past this server's maxInflateRatio \(100\)/);
  // Refused after ~16 MiB of output, from a fraction of the upload.
  const from = Number(/ bytes from (\d+)\)/.exec(body.error.message)![1]);
  assert.ok(from < bomb.length / 2, `refused after ${from} of ${bomb.length} bytes`);
  const record = store.only("abort");
  assert.ok(record.aborts[0] instanceof UploadError);
  assert.equal((record.aborts[0] as UploadError).code, "inflate-limit");
  assert.equal(store.memory.snapshots.size, 0);
  // The bound is the handler's own, and tunable.
  const lenient = setup({ maxInflateRatio: Infinity });
  const stored = await lenient.handler(uploadRequest(bomb));
  assert.equal(stored.status, 201);
  await stored.body?.cancel();
  assert.equal(lenient.store.memory.snapshots.size, 1);
});

Deno.test("createVerifyHandler() caps inflated bytes per upload with maxInflatedBytes; a tighter limits.maxTarBytes stays a 400", async () => {
  const { store, handler } = setup({ maxInflatedBytes: 512 * 1024 });
  const response = await handler(uploadRequest(oneMib));
  assert.equal(response.status, 413);
  const body = await json(response);
  assertUploadError(body, "inflate-limit");
  assert.match(body.error.message, /more than 524288 bytes.*past this server's maxInflatedBytes/);
  store.only("abort");
  const caller = setup({ maxInflatedBytes: 512 * 1024, limits: { maxTarBytes: 100_000 } });
  const refused = await caller.handler(uploadRequest(oneMib));
  assert.equal(refused.status, 400);
  const error = (await json(refused)).error;
  assert.equal(error.code, "limit-exceeded");
  assert.match(error.message, /raise limits\.maxTarBytes/);
});
