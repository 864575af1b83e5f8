// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// createTusHandler() on in-memory requests: every go-reference fixture sent through tus in
// small (1-byte, random) PATCHes gets the single-request handler's verdict, only good
// archives become visible, nothing staged remains after a failure; and each status the
// protocol contract names.

import {
  bearerAuthorizer,
  createAesGcmSealer,
  createStoreSessions,
  createTusHandler,
  createVerifyHandler,
  MemoryStore,
  type TusHandlerOptions,
  TusSession,
} from "../../mod.ts";
import { assert, goManifest, prng, randomSizes, readFixture, waitUntil } from "../_helpers.ts";
import {
  assertSameVerdict,
  type Fetcher,
  singleVerdict,
  TUS,
  tusCreate,
  tusHead,
  tusPatch,
  tusSend,
} from "../_tus_helpers.ts";

const BASE = "http://tus.test/";
const manifest = await goManifest();
const small = await readFixture("go-reference/small.snap");
const oneMib = await readFixture("go-reference/one-mib.snap");
const badState = await readFixture("go-reference/bad-state-bitflip.snap");

function setup(options: Partial<TusHandlerOptions> = {}, store = new MemoryStore()) {
  const handler = createTusHandler({ store, ...options });
  return { store, handler, send: handler as Fetcher };
}

/** Nothing of any upload is staged, and only `keys` are stored. */
function assertClean(store: MemoryStore, keys: unknown[]) {
  assert.equal(store.stagedResumable, 0);
  for (const { parts } of store.resumable.values()) assert.equal(parts.length, 0);
  assert.deepEqual([...store.snapshots.keys()].sort(), keys.filter(Boolean).sort());
}

/**
 * A body whose first piece is there at once and whose end waits for `release`; `reading`
 * settles once the handler has read that first piece (it asks for more).
 */
function heldBody(first: Uint8Array) {
  let release!: () => void;
  let started!: () => void;
  const held = new Promise<void>((resolve) => release = resolve);
  const reading = new Promise<void>((resolve) => started = resolve);
  let pulls = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (pulls++ === 0) {
        controller.enqueue(first);
        return;
      }
      started();
      await held;
      controller.close();
    },
  });
  return { stream, release, reading };
}

// ---- every fixture: the single-request handler's verdict ----

const ONE_BYTE = new Set(["small.snap", "bad-state-bitflip.snap", "truncated-tar.snap"]);
const RANDOM = new Set(["one-mib.snap", "truncated-gzip.snap", "bad-gzip-crc.snap", "small.snap"]);

for (const fixture of manifest.fixtures) {
  const ways: [string, (i: number) => number, boolean][] = [
    ["64-byte PATCHes", () => 64, false],
    ["a first piece in the POST, then 4 KiB PATCHes", (i) => (i === 0 ? 100 : 4096), true],
  ];
  if (ONE_BYTE.has(fixture.file)) ways.push(["1-byte PATCHes", () => 1, false]);
  if (RANDOM.has(fixture.file)) {
    const random = randomSizes(fixture.file.length, 70_000);
    ways.push(["random PATCH sizes", (i) => random(i) + 1, false]);
  }
  for (const [how, size, withUpload] of ways) {
    if (fixture.file === "one-mib.snap" && how.startsWith("64-byte")) continue; // 16,000 PATCHes
    Deno.test(`tus: ${fixture.file} in ${how} gets the single-request handler's verdict`, async () => {
      const bytes = await readFixture(`go-reference/${fixture.file}`);
      const single = await singleVerdict(bytes);
      const { store, handler, send } = setup();
      const outcome = await tusSend(send, BASE, bytes, size, {}, withUpload);
      await assertSameVerdict(send, outcome, single);
      assert.equal(single.status === 201, fixture.verify_ok);
      assertClean(store, [single.body.key]);
      await handler.close();
    });
  }
}

Deno.test("tus: with the sealer, sealed fixtures get the single-request handler's verdict", async () => {
  const sealer = await createAesGcmSealer(manifest.seal_key_hex);
  for (const file of ["sealed.snap", "sealed-tampered.snap", "sealed-missing-sealed-sums.snap"]) {
    const bytes = await readFixture(`go-reference/${file}`);
    const single = await singleVerdict(bytes, { sealer });
    const { store, handler, send } = setup({ sealer });
    const outcome = await tusSend(send, BASE, bytes, () => 50);
    await assertSameVerdict(send, outcome, single);
    assertClean(store, [single.body.key]);
    await handler.close();
  }
});

Deno.test("tus: a bad archive is refused by the PATCH that reveals it, the rest never read", async () => {
  const { store, handler, send } = setup();
  const single = await singleVerdict(badState);
  // The state's bit flip shows once the SHA256SUMS entry arrives: far before the end of
  // a padded upload? No: the archive is what it is; the fault is in its last KiB.
  const outcome = await tusSend(send, BASE, badState, () => 200);
  await assertSameVerdict(send, outcome, single);
  assert.ok(outcome.patches <= Math.ceil(badState.length / 200));
  // Nothing more is accepted.
  const more = await tusPatch(send, outcome.url, 0, new Uint8Array(1));
  assert.equal(more.status, 410);
  assert.equal((await more.json()).error.code, "gone");
  assertClean(store, []);
  await handler.close();
});

Deno.test("tus: a not-gzip upload is refused by its first PATCH, with 400 gzip-header", async () => {
  const bytes = new Uint8Array(200_000).fill(65);
  const { store, handler, send } = setup();
  const { url } = await tusCreate(send, BASE, bytes.length);
  const response = await tusPatch(send, url, 0, bytes.slice(0, 100_000));
  const body = await response.json();
  assert.equal(response.status, 400);
  assert.equal(body.error.code, "gzip-header");
  assertClean(store, []);
  await handler.close();
});

// ---- protocol ----

Deno.test("tus: OPTIONS answers Tus-Version, Tus-Extension, Tus-Max-Size without credentials", async () => {
  const { handler } = setup({ maxBytes: 5000, authorize: bearerAuthorizer("t") });
  const response = await handler(new Request(new URL("/uploads/", BASE), { method: "OPTIONS" }));
  assert.equal(response.status, 204);
  assert.equal(response.headers.get("tus-version"), "1.0.0");
  assert.equal(response.headers.get("tus-resumable"), "1.0.0");
  assert.equal(response.headers.get("tus-max-size"), "5000");
  assert.deepEqual(response.headers.get("tus-extension")!.split(",").sort(), [
    "creation",
    "creation-with-upload",
    "expiration",
    "termination",
  ]);
  await handler.close();
});

Deno.test("tus: a request without Tus-Resumable gets 412 with Tus-Version", async () => {
  const { handler } = setup();
  const response = await handler(
    new Request(new URL("/uploads/", BASE), { method: "POST", headers: { "upload-length": "9" } }),
  );
  assert.equal(response.status, 412);
  assert.equal(response.headers.get("tus-version"), "1.0.0");
  assert.equal((await response.json()).error.code, "tus-version");
  await handler.close();
});

Deno.test("tus: creation checks Upload-Length (400, 413) and Upload-Metadata, and echoes metadata in HEAD", async () => {
  const { handler } = setup({ maxBytes: 1000 });
  const post = (headers: Record<string, string>) =>
    handler(
      new Request(new URL("/uploads/", BASE), { method: "POST", headers: { ...TUS, ...headers } }),
    );
  const cases: [Record<string, string>, number, string][] = [
    [{}, 400, "bad-header"],
    [{ "upload-length": "-1" }, 400, "bad-header"],
    [{ "upload-length": "ten" }, 400, "bad-header"],
    [{ "upload-defer-length": "1" }, 400, "bad-header"],
    [{ "upload-length": "1001" }, 413, "too-large"],
    [{ "upload-length": "10", "upload-metadata": "filename !!!" }, 400, "bad-header"],
    [{ "upload-length": "10", "upload-metadata": "a YQ==,a YQ==" }, 400, "bad-header"],
  ];
  for (const [headers, status, code] of cases) {
    const response = await post(headers);
    assert.equal(response.status, status, JSON.stringify(headers));
    assert.equal((await response.json()).error.code, code);
  }
  const created = await post({
    "upload-length": "1000",
    "upload-metadata": "filename YmFja3VwLnNuYXA=,is_confidential",
  });
  assert.equal(created.status, 201);
  assert.match(created.headers.get("location")!, /^\/uploads\/[A-Za-z0-9_-]+$/);
  assert.equal(created.headers.get("upload-offset"), "0");
  assert.ok(Date.parse(created.headers.get("upload-expires")!) > Date.now());
  const head = await tusHead(handler, new URL(created.headers.get("location")!, BASE));
  assert.equal(head.status, 200);
  assert.equal(head.offset, 0);
  assert.equal(head.response.headers.get("upload-length"), "1000");
  assert.equal(head.response.headers.get("cache-control"), "no-store");
  assert.equal(
    head.response.headers.get("upload-metadata"),
    "filename YmFja3VwLnNuYXA=,is_confidential",
  );
  await handler.close();
});

Deno.test("tus: PATCH checks its Content-Type (415), Upload-Offset (400, 409) and the id (404)", async () => {
  const { handler, send } = setup();
  const { url } = await tusCreate(send, BASE, small.length);
  const wrongType = await tusPatch(send, url, 0, small.slice(0, 10), {
    "content-type": "application/gzip",
  });
  assert.equal(wrongType.status, 415);
  assert.equal((await wrongType.json()).error.code, "unsupported-media-type");
  const noOffset = await tusPatch(send, url, 0, small.slice(0, 10), { "upload-offset": "x" });
  assert.equal(noOffset.status, 400);
  assert.equal((await noOffset.json()).error.code, "bad-header");
  const wrongOffset = await tusPatch(send, url, 5, small.slice(0, 10));
  assert.equal(wrongOffset.status, 409);
  assert.equal(wrongOffset.headers.get("upload-offset"), "0");
  assert.equal((await wrongOffset.json()).error.code, "offset-mismatch");
  const unknown = await tusPatch(send, new URL("/uploads/nosuchupload", BASE), 0, small);
  assert.equal(unknown.status, 404);
  assert.equal((await unknown.json()).error.code, "not-found");
  const badId = await tusHead(send, new URL("/uploads/..%2Fetc", BASE));
  assert.equal(badId.status, 404);
  // Nothing of the refused PATCHes was staged: the upload goes on from 0.
  assert.equal((await tusHead(send, url)).offset, 0);
  const done = await tusPatch(send, url, 0, small);
  assert.equal(done.status, 200);
  await done.body?.cancel();
  await handler.close();
});

Deno.test("tus: bytes beyond Upload-Length get 413 and do not corrupt the upload", async () => {
  const { store, handler, send } = setup();
  const { url } = await tusCreate(send, BASE, small.length);
  const first = await tusPatch(send, url, 0, small.slice(0, 100));
  assert.equal(first.status, 204);
  const tooMuch = new Uint8Array(small.length);
  tooMuch.set(small.slice(100));
  // Announced by Content-Length: refused before reading.
  const announced = await tusPatch(send, url, 100, tooMuch);
  assert.equal(announced.status, 413);
  assert.equal((await announced.json()).error.code, "too-large");
  // Not announced (a stream): refused as it passes the length; what fit is staged or not,
  // but the offset tells, and the rest completes the upload.
  const streamed = await tusPatch(
    send,
    url,
    100,
    new ReadableStream({
      start(controller) {
        controller.enqueue(tooMuch);
        controller.close();
      },
    }),
  );
  assert.equal(streamed.status, 413);
  await streamed.body?.cancel();
  const offset = (await tusHead(send, url)).offset!;
  assert.ok(offset === 100, `offset ${offset}`);
  const done = await tusPatch(send, url, offset, small.slice(offset));
  assert.equal(done.status, 200, await done.clone().text());
  const body = await done.json();
  assert.deepEqual(store.snapshots.get(body.key), small);
  await handler.close();
});

Deno.test("tus: a second PATCH while one runs gets 423 Locked, never interleaved bytes", async () => {
  const { store, handler, send } = setup();
  const { url } = await tusCreate(send, BASE, oneMib.length);
  const { stream, release, reading } = heldBody(oneMib.slice(0, 1000));
  const slow = tusPatch(send, url, 0, stream);
  await reading;
  const second = await tusPatch(send, url, 0, oneMib.slice(0, 1000));
  assert.equal(second.status, 423);
  assert.equal((await second.json()).error.code, "locked");
  // HEAD still answers what is durably staged.
  assert.equal((await tusHead(send, url)).offset, 0);
  release();
  const first = await slow;
  assert.equal(first.status, 204);
  assert.equal(first.headers.get("upload-offset"), "1000");
  const rest = await tusPatch(send, url, 1000, oneMib.slice(1000));
  assert.equal(rest.status, 200);
  const body = await rest.json();
  assert.deepEqual(store.snapshots.get(body.key), oneMib);
  await handler.close();
});

Deno.test("tus: a PATCH cut mid-body stages what arrived; the upload resumes from there", async () => {
  const { store, handler, send } = setup();
  const single = await singleVerdict(oneMib);
  const { url } = await tusCreate(send, BASE, oneMib.length);
  let sent = 0;
  const cut = await tusPatch(
    send,
    url,
    0,
    new ReadableStream({
      pull(controller) {
        if (sent >= 300_000) {
          controller.error(new Error("connection reset"));
          return;
        }
        controller.enqueue(oneMib.slice(sent, sent + 50_000));
        sent += 50_000;
      },
    }),
  );
  assert.equal(cut.status, 499);
  assert.equal(cut.headers.get("upload-offset"), "300000");
  await cut.body?.cancel();
  const head = await tusHead(send, url);
  assert.equal(head.offset, 300_000);
  const rest = await tusPatch(send, url, 300_000, oneMib.slice(300_000));
  assert.equal(rest.status, 200);
  assert.deepEqual(await rest.json(), single.body);
  assertClean(store, [single.body.key]);
  await handler.close();
});

Deno.test("tus: the verifier is rebuilt by replay after eviction and after a restart", async () => {
  const store = new MemoryStore();
  const single = await singleVerdict(oneMib);
  const first = setup({ idleTimeout: 10 }, store);
  const { url } = await tusCreate(first.send, BASE, oneMib.length);
  assert.equal((await tusPatch(first.send, url, 0, oneMib.slice(0, 200_000))).status, 204);
  await new Promise((resolve) => setTimeout(resolve, 50)); // evicted from memory
  assert.equal(
    (await tusPatch(first.send, url, 200_000, oneMib.slice(200_000, 500_000))).status,
    204,
  );
  // A restart: a new handler over the same store.
  await first.handler.close();
  const second = setup({}, store);
  assert.equal((await tusHead(second.send, url)).offset, 500_000);
  const rest = await tusPatch(second.send, url, 500_000, oneMib.slice(500_000));
  assert.equal(rest.status, 200);
  assert.deepEqual(await rest.json(), single.body);
  assertClean(store, [single.body.key]);
  await second.handler.close();
});

Deno.test("tus: a bad archive found on a rebuilt verifier still gets the single-request verdict", async () => {
  const store = new MemoryStore();
  const single = await singleVerdict(badState);
  const half = Math.floor(badState.length / 2);
  const first = setup({}, store);
  const { url } = await tusCreate(first.send, BASE, badState.length);
  assert.equal((await tusPatch(first.send, url, 0, badState.slice(0, half))).status, 204);
  await first.handler.close();
  const second = setup({}, store);
  const rest = await tusPatch(second.send, url, half, badState.slice(half));
  await assertSameVerdict(
    second.send,
    { url, status: rest.status, body: await rest.json(), patches: 1 },
    single,
  );
  assertClean(store, []);
  await second.handler.close();
});

Deno.test("tus: an upload belongs to its token: 401 without one, 404 for another", async () => {
  const { handler, send } = setup({ authorize: bearerAuthorizer(["alice", "bob"]) });
  const alice = { authorization: "Bearer alice" };
  const none = await send(
    new Request(new URL("/uploads/", BASE), {
      method: "POST",
      headers: { ...TUS, "upload-length": "10" },
    }),
  );
  assert.equal(none.status, 401);
  assert.equal(none.headers.get("tus-resumable"), "1.0.0");
  await none.body?.cancel();
  const { url } = await tusCreate(send, BASE, small.length, alice);
  assert.equal((await tusHead(send, url, { authorization: "Bearer bob" })).status, 404);
  const bobPatch = await tusPatch(send, url, 0, small, { authorization: "Bearer bob" });
  assert.equal(bobPatch.status, 404);
  await bobPatch.body?.cancel();
  const bobDelete = await send(
    new Request(url, { method: "DELETE", headers: { ...TUS, authorization: "Bearer bob" } }),
  );
  assert.equal(bobDelete.status, 404);
  await bobDelete.body?.cancel();
  assert.equal((await tusHead(send, url, alice)).status, 200);
  const done = await tusPatch(send, url, 0, small, alice);
  assert.equal(done.status, 200);
  await done.body?.cancel();
  await handler.close();
});

Deno.test("tus: DELETE terminates: 204, staged bytes gone, then 404", async () => {
  const { store, handler, send } = setup();
  const { url } = await tusCreate(send, BASE, oneMib.length);
  assert.equal((await tusPatch(send, url, 0, oneMib.slice(0, 100_000))).status, 204);
  assert.equal(store.stagedResumable, 1);
  const deleted = await send(new Request(url, { method: "DELETE", headers: TUS }));
  assert.equal(deleted.status, 204);
  assert.equal(store.resumable.size, 0);
  assert.equal((await tusHead(send, url)).status, 404);
  await handler.close();
});

Deno.test("tus: DELETE during a PATCH stops it and deletes everything", async () => {
  const { store, handler, send } = setup();
  const { url } = await tusCreate(send, BASE, oneMib.length);
  const { stream, reading } = heldBody(oneMib.slice(0, 1000)); // never released
  const patch = tusPatch(send, url, 0, stream);
  await reading;
  const deleted = await send(new Request(url, { method: "DELETE", headers: TUS }));
  assert.equal(deleted.status, 204);
  (await patch).body?.cancel();
  assert.equal(store.resumable.size, 0);
  await handler.close();
});

Deno.test("tus: after the end, HEAD and GET tell the outcome (200 stored, 410 refused)", async () => {
  const { handler, send } = setup();
  const stored = await tusSend(send, BASE, small, () => 100);
  const head = await tusHead(send, stored.url);
  assert.equal(head.status, 200);
  assert.equal(head.offset, small.length);
  // A client whose last answer was lost repeats the last PATCH's offset: 200 + the JSON.
  const again = await tusPatch(send, stored.url, small.length, new Uint8Array(0));
  assert.equal(again.status, 200);
  assert.deepEqual(await again.json(), stored.body);
  const open = await tusCreate(send, BASE, small.length);
  const pending = await send(new Request(open.url, { headers: TUS }));
  assert.equal(pending.status, 202);
  assert.equal((await pending.json()).offset, 0);
  await handler.close();
});

Deno.test("tus: CORS for the allowed origins: preflight, exposed headers; none for others", async () => {
  const { handler, send } = setup({ allowedOrigins: ["https://app.example"] });
  const preflight = await handler(
    new Request(new URL("/uploads/", BASE), {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example",
        "access-control-request-method": "PATCH",
        "access-control-request-headers": "tus-resumable, upload-offset, content-type",
      },
    }),
  );
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get("access-control-allow-origin"), "https://app.example");
  assert.match(preflight.headers.get("access-control-allow-methods")!, /PATCH/);
  for (const header of ["Upload-Offset", "Tus-Resumable", "Upload-Metadata", "Authorization"]) {
    assert.match(preflight.headers.get("access-control-allow-headers")!, new RegExp(header));
  }
  const { url } = await tusCreate(send, BASE, 10, { origin: "https://app.example" });
  const head = await tusHead(send, url, { origin: "https://app.example" });
  assert.equal(head.response.headers.get("access-control-allow-origin"), "https://app.example");
  const exposed = head.response.headers.get("access-control-expose-headers")!;
  for (
    const header of [
      "Location",
      "Upload-Offset",
      "Upload-Length",
      "Upload-Expires",
      "Upload-Metadata",
      "Tus-Version",
      "Tus-Resumable",
      "Tus-Max-Size",
      "Tus-Extension",
    ]
  ) assert.ok(exposed.includes(header), header);
  const other = await tusHead(send, url, { origin: "https://evil.example" });
  assert.equal(other.response.headers.get("access-control-allow-origin"), null);
  await handler.close();
});

Deno.test("tus: open uploads per token are bounded (429); ended ones free a place", async () => {
  const { handler, send } = setup({ maxOpenUploads: 2 });
  const a = await tusCreate(send, BASE, small.length);
  await tusCreate(send, BASE, small.length);
  const third = await send(
    new Request(new URL("/uploads/", BASE), {
      method: "POST",
      headers: { ...TUS, "upload-length": "10" },
    }),
  );
  assert.equal(third.status, 429);
  assert.equal((await third.json()).error.code, "too-many-uploads");
  // Concurrent creations cannot both pass the count.
  const racing = await Promise.all(
    [1, 2, 3].map(() =>
      send(
        new Request(new URL("/uploads/", BASE), {
          method: "POST",
          headers: { ...TUS, "upload-length": "10" },
        }),
      )
    ),
  );
  assert.deepEqual(racing.map((r) => r.status), [429, 429, 429]);
  await Promise.all(racing.map((r) => r.body?.cancel()));
  const done = await tusPatch(send, a.url, 0, small);
  assert.equal(done.status, 200);
  await done.body?.cancel();
  await tusCreate(send, BASE, small.length);
  await handler.close();
});

Deno.test("tus: expiry: Upload-Expires, the sweep deletes staged bytes, expired is 404", async () => {
  // The handler's clock stands still until the test moves it on.
  let now = Date.parse("2026-05-04T03:02:01.234Z");
  const { store, handler, send } = setup({ expiresAfter: 60_000, now: () => now });
  const { url } = await tusCreate(send, BASE, oneMib.length);
  now += 5000;
  const patched = await tusPatch(send, url, 0, oneMib.slice(0, 100_000));
  // 60 s after the PATCH (an HTTP date: whole seconds).
  const expires = Date.parse(patched.headers.get("upload-expires")!);
  assert.equal(expires, Date.parse("2026-05-04T03:03:06Z"), String(expires));
  assert.equal(await handler.sweep(), 0);
  now += 60_000; // the very millisecond it expires at: not yet expired
  assert.equal(await handler.sweep(), 0);
  assert.equal(store.stagedResumable, 1);
  assert.equal(await handler.sweep(now + 60_000), 1);
  assert.equal(store.resumable.size, 0);
  assert.equal((await tusHead(send, url)).status, 404);
  await handler.close();
  // An upload found expired on access is deleted then.
  const quick = setup({ expiresAfter: 30, now: () => now }, store);
  const late = await tusCreate(quick.send, BASE, 10);
  assert.equal((await tusHead(quick.send, late.url)).status, 200);
  now += 31;
  assert.equal((await tusHead(quick.send, late.url)).status, 404);
  assert.equal(store.resumable.size, 0);
  await quick.handler.close();
});

Deno.test("tus: maxUploadTime caps Upload-Expires from the creation", async () => {
  const { handler, send } = setup({ expiresAfter: 3_600_000, maxUploadTime: 10_000 });
  const { response, url } = await tusCreate(send, BASE, oneMib.length);
  const created = Date.parse(response.headers.get("upload-expires")!);
  assert.ok(created - Date.now() <= 11_000);
  const patched = await tusPatch(send, url, 0, oneMib.slice(0, 1000));
  assert.ok(Date.parse(patched.headers.get("upload-expires")!) - Date.now() <= 11_000);
  await handler.close();
});

Deno.test("tus: the PATCH timeout answers 408 and keeps what arrived", async () => {
  const { handler, send } = setup({ timeout: 100 });
  const { url } = await tusCreate(send, BASE, oneMib.length);
  const response = await tusPatch(
    send,
    url,
    0,
    new ReadableStream({
      pull(controller) {
        controller.enqueue(oneMib.slice(0, 5000));
        return new Promise(() => {});
      },
    }),
  );
  assert.equal(response.status, 408);
  assert.equal(response.headers.get("upload-offset"), "5000");
  assert.equal((await response.json()).error.code, "timeout");
  await handler.close();
});

Deno.test("tus: a PATCH beyond maxConcurrentUploads gets 503 busy, nothing read", async () => {
  const { handler, send } = setup({ maxConcurrentUploads: 1 });
  const a = await tusCreate(send, BASE, oneMib.length);
  const b = await tusCreate(send, BASE, oneMib.length);
  const { stream, release, reading } = heldBody(oneMib.slice(0, 10));
  const slow = tusPatch(send, a.url, 0, stream);
  await reading;
  const busy = await tusPatch(send, b.url, 0, oneMib.slice(0, 10));
  assert.equal(busy.status, 503);
  assert.equal(busy.headers.get("retry-after"), "2");
  await busy.body?.cancel();
  release();
  (await slow).body?.cancel();
  assert.equal((await tusHead(send, b.url)).offset, 0);
  await handler.close();
});

Deno.test("tus: X-HTTP-Method-Override PATCH and DELETE through POST", async () => {
  const { handler, send } = setup();
  const { url } = await tusCreate(send, BASE, small.length);
  const patch = await send(
    new Request(url, {
      method: "POST",
      headers: {
        ...TUS,
        "x-http-method-override": "PATCH",
        "content-type": "application/offset+octet-stream",
        "upload-offset": "0",
      },
      body: small.slice(0, 50),
    }),
  );
  assert.equal(patch.status, 204);
  assert.equal(patch.headers.get("upload-offset"), "50");
  const del = await send(
    new Request(url, { method: "POST", headers: { ...TUS, "x-http-method-override": "DELETE" } }),
  );
  assert.equal(del.status, 204);
  await handler.close();
});

Deno.test("TusSession: one per upload, as a Durable Object hosts it, over random PATCH sizes", async () => {
  const store = new MemoryStore();
  const next = prng(7);
  const single = await singleVerdict(oneMib);
  const now = Date.now();
  let session = await TusSession.create(store, {
    id: "do1",
    length: oneMib.length,
    metadata: {},
    owner: "o",
    created: now,
    expires: now + 60_000,
    offset: 0,
  });
  let offset = 0;
  let last: Response | undefined;
  for (let i = 0; offset < oneMib.length; i++) {
    if (i % 3 === 2) {
      // The object lost its memory: a new session over the same storage.
      session = (await TusSession.open(store, "do1"))!;
    }
    const size = Math.min(1 + Math.floor(next() * 200_000), oneMib.length - offset);
    last = await session.handle(
      new Request("http://x/uploads/do1", {
        method: "PATCH",
        headers: {
          "content-type": "application/offset+octet-stream",
          "upload-offset": String(offset),
        },
        body: oneMib.slice(offset, offset + size),
      }),
      "o",
    );
    offset += size;
    if (offset < oneMib.length) assert.equal(last.status, 204);
  }
  assert.equal(last!.status, 200);
  assert.deepEqual(await last!.json(), single.body);
  assert.ok(session.lastRebuildMs !== undefined);
  assertClean(store, [single.body.key]);
});

Deno.test("tus: idle sessions leave memory; a flood of abandoned uploads holds no verifier", async () => {
  const store = new MemoryStore();
  const sessions = createStoreSessions(store, { idleTimeout: 20 });
  const handler = createTusHandler({ sessions, maxOpenUploads: 100 });
  const urls: URL[] = [];
  for (let i = 0; i < 30; i++) {
    const { url } = await tusCreate(handler, BASE, oneMib.length);
    const patched = await tusPatch(handler, url, 0, oneMib.slice(0, 100_000));
    assert.equal(patched.status, 204);
    urls.push(url);
  }
  assert.ok(sessions.size > 0);
  // Each is dropped 20 ms after its last request (polled: timers run late on a busy machine).
  await waitUntil(() => sessions.size === 0, "the idle sessions to be dropped");
  assert.equal(sessions.size, 0);
  // Each resumes (its verifier rebuilt by replay) and finishes.
  for (const url of urls.slice(0, 3)) {
    const rest = await tusPatch(handler, url, 100_000, oneMib.slice(100_000));
    assert.equal(rest.status, 200);
    await rest.body?.cancel();
  }
  await handler.close();
  await sessions.close();
});

Deno.test("tus: slots shared with the single-request handler bound both together", async () => {
  const store = new MemoryStore();
  const slots = { active: 0 };
  const single = createVerifyHandler({ store, maxConcurrentUploads: 1, slots });
  const { handler, send } = setup({ maxConcurrentUploads: 1, slots }, store);
  const { url } = await tusCreate(send, BASE, oneMib.length);
  const { stream, release, reading } = heldBody(oneMib.slice(0, 10));
  const whole = single(
    new Request(BASE, { method: "POST", body: stream, duplex: "half" } as RequestInit),
  );
  await reading;
  const busy = await tusPatch(send, url, 0, oneMib.slice(0, 10));
  assert.equal(busy.status, 503);
  assert.equal((await busy.json()).error.code, "busy");
  release();
  await (await whole).body?.cancel();
  assert.equal(slots.active, 0);
  const patched = await tusPatch(send, url, 0, oneMib.slice(0, 10));
  assert.equal(patched.status, 204);
  await handler.close();
});
