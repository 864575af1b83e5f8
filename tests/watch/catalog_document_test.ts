// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// The watch catalog's stored document (src/watch/_catalog_document.ts): the line layout
// round trip at every chunking, the written form (valid JSON, one entry a line, pieces of
// about 64 KiB), older and reformatted layouts, bad input (truncation at every line and
// every byte), `headOnly` cancelling the rest; FileCatalogStorage on Deno's file system
// (round trip, stale writes, a body that fails midway, cancelled reads leak nothing).

import {
  type AlertState,
  type CatalogRecord,
  type CatalogStorage,
  JsonCatalog,
} from "../../mod.ts";
import { FileCatalogStorage } from "../../src/watch/folder_source.ts";
import {
  type CatalogDocument,
  documentStream,
  readDocument,
} from "../../src/watch/_catalog_document.ts";
import { denoFolderFileSystem } from "../../src/deno/folder_fs.ts";
import { assert, chunked, collect, entryNames, randomSizes, withTempDir } from "../_helpers.ts";

const T = 1_700_000_000_000;

function record(key: string, i: number, extra: Partial<CatalogRecord> = {}): CatalogRecord {
  return {
    key,
    size: 1000 + i,
    etag: `${1000 + i}-${T + i}`,
    modified: T + i,
    ok: true,
    product: "consul",
    stateSha256: i.toString(16).padStart(64, "0"),
    meta: { id: `2-${10 + i}-${T + i}`, index: String(10 + i), term: "2", size: "1000" },
    verifiedAt: T + 1000 + i,
    cluster: key.includes("/") ? key.slice(0, key.lastIndexOf("/")) : "",
    ...extra,
  };
}

/** Keys that JSON and a line layout can get wrong. */
const AWKWARD_KEYS = [
  "consul/a.snap",
  'q"uote/"b".snap',
  "back\\slash\\c.snap",
  "naïve/日本語/🦀.snap",
  "__proto__",
  "line\nbreak\u2028sep\u2029.snap",
  "lone\ud800surrogate.snap",
  "",
];

const ALERTS: AlertState = {
  "cluster:consul": { state: "stale", cluster: "consul", detail: "newest good is 3 days old" },
  'backup:q"uote/"b".snap': {
    state: "bad",
    cluster: 'q"uote',
    key: 'q"uote/"b".snap',
    detail: "checksum\nmismatch\u2028here",
  },
};

/** A document with every awkward key as a record, some removals, claims and alerts. */
function awkward(withAlerts: boolean): CatalogDocument {
  const records: Record<string, CatalogRecord> = {};
  AWKWARD_KEYS.forEach((key, i) => {
    // Defined, not assigned: `records["__proto__"] = …` would set the prototype.
    Object.defineProperty(records, key, {
      value: record(
        key,
        i,
        i === 1 ? { ok: false, code: "checksum", message: "bad\nsum\u2028!" } : {},
      ),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  });
  const doc: CatalogDocument = {
    raftsnapWatchCatalog: 1,
    records,
    removed: { "gone/x.snap": T, ["__proto__"]: T + 1, 'gone/"y".snap': T + 2 },
    claims: {
      "delete:consul/a.snap": { owner: "watcher-1", until: T + 60_000 },
      "delete:naïve/日本語/🦀.snap": { owner: "watcher\n2", until: T + 1 },
    },
  };
  if (withAlerts) doc.alerts = ALERTS;
  return doc;
}

const EMPTY: CatalogDocument = { raftsnapWatchCatalog: 1, records: {}, removed: {}, claims: {} };

/** `n` plain ASCII records (keys and values), no removals. */
function large(n: number): CatalogDocument {
  const records: Record<string, CatalogRecord> = {};
  for (let i = 0; i < n; i++) {
    const key = `cluster-${i % 7}/${String(i).padStart(6, "0")}.snap`;
    records[key] = record(key, i);
  }
  return {
    raftsnapWatchCatalog: 1,
    records,
    removed: { "cluster-0/old.snap": T },
    claims: { "delete:cluster-0/000000.snap": { owner: "w", until: T } },
    alerts: ALERTS,
  };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The streams a document's bytes are read from: whole, a byte at a time, random cuts. */
function cuts(bytes: Uint8Array): [string, () => ReadableStream<Uint8Array>][] {
  return [
    ["whole", () => chunked(bytes, [bytes.length])],
    ["1-byte", () => chunked(bytes, [1])],
    ...[1, 2, 3].map((seed): [string, () => ReadableStream<Uint8Array>] => [
      `random ${seed}`,
      () => chunked(bytes, randomSizes(seed, 97)),
    ]),
  ];
}

/** What `readDocument` gives for `bytes`, or the TypeError it throws (anything else fails). */
async function outcome(bytes: Uint8Array): Promise<CatalogDocument | TypeError> {
  try {
    return await readDocument(chunked(bytes, [bytes.length || 1]));
  } catch (error) {
    if (error instanceof TypeError) return error;
    throw error;
  }
}

async function rejectsType(bytes: Uint8Array, message: RegExp): Promise<void> {
  const result = await outcome(bytes);
  assert.ok(result instanceof TypeError, `expected a TypeError, got ${JSON.stringify(result)}`);
  assert.match(result.message, /^the watch catalog cannot be read: /);
  assert.match(result.message, message);
}

/**
 * Runs `fn` with `Object.prototype.__proto__` as browsers and Node have it: Deno's does
 * nothing, so there `records["__proto__"] = …` makes an own property, where elsewhere it
 * replaces the object's prototype (and the record is lost).
 */
async function withProtoAccessor(fn: () => Promise<void>): Promise<void> {
  const deno = Object.getOwnPropertyDescriptor(Object.prototype, "__proto__");
  Object.defineProperty(Object.prototype, "__proto__", {
    get(this: object) {
      return Object.getPrototypeOf(this);
    },
    set(this: object, proto: unknown) {
      if (typeof proto === "object") Object.setPrototypeOf(this, proto);
    },
    configurable: true,
  });
  try {
    // The accessor works: an assignment replaces the prototype.
    const probe: Record<string, unknown> = {};
    probe["__proto__"] = { inherited: 1 };
    assert.ok(!Object.hasOwn(probe, "__proto__") && probe.inherited === 1);
    await fn();
  } finally {
    if (deno) Object.defineProperty(Object.prototype, "__proto__", deno);
    else delete (Object.prototype as { __proto__?: unknown }).__proto__;
  }
}

function assertProtoKey(doc: CatalogDocument, value: unknown): void {
  assert.ok(Object.hasOwn(doc.records, "__proto__"), "__proto__ is an own record");
  assert.equal(Object.getPrototypeOf(doc.records), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(doc.records, "__proto__")?.value, value);
  assert.ok(Object.hasOwn(doc.removed, "__proto__"), "__proto__ is an own removal");
  assert.equal(Object.getPrototypeOf(doc.removed), Object.prototype);
  // Nothing leaked into every object.
  assert.equal(({} as Record<string, unknown>).verifiedAt, undefined);
}

Deno.test("documentStream() → readDocument() round trip: awkward keys and messages, with and without alerts, at every chunking", async () => {
  await withProtoAccessor(roundTrips);
  // And as Deno has it.
  await roundTrips();
});

async function roundTrips(): Promise<void> {
  for (const doc of [awkward(true), awkward(false), EMPTY]) {
    const bytes = await collect(documentStream(doc));
    for (const [name, stream] of cuts(bytes)) {
      const got = await readDocument(stream());
      assert.deepEqual(got, doc, name);
      assert.equal("alerts" in got, "alerts" in doc, `${name}: alerts absent stays absent`);
      if (doc !== EMPTY) {
        assertProtoKey(got, doc.records["__proto__"]);
        assert.equal(got.records["__proto__"]?.verifiedAt, T + 1000 + 4);
        assert.equal(Object.keys(got.records).length, AWKWARD_KEYS.length);
        assert.equal(got.records["consul/a.snap"]?.key, "consul/a.snap");
        assert.equal(got.records['q"uote/"b".snap']?.message, "bad\nsum\u2028!");
      }
    }
  }
}

Deno.test("the written form: JSON.parse reads it as the document (alerts absent written as null), one entry a line", async () => {
  for (const doc of [awkward(true), awkward(false), EMPTY]) {
    const text = decoder.decode(await collect(documentStream(doc)));
    // One JSON document; the one normalisation: no alerts is written `"alerts":null`.
    const parsed = JSON.parse(text);
    assert.deepEqual(parsed, { ...doc, alerts: doc.alerts ?? null });
    if (doc.alerts) assert.deepEqual(parsed, doc);
    assert.equal(Object.getPrototypeOf(parsed.records), Object.prototype);

    // One entry a line: the head, each removal, the records' opening, each record, the end.
    assert.ok(text.endsWith("}}\n"), "ends with the closing line and a newline");
    const lines = text.slice(0, -1).split("\n");
    const removed = Object.keys(doc.removed);
    const records = Object.keys(doc.records);
    assert.equal(lines.length, 3 + removed.length + records.length);
    const head = JSON.parse(lines[0]! + "}}");
    assert.deepEqual(head, {
      raftsnapWatchCatalog: 1,
      alerts: doc.alerts ?? null,
      claims: doc.claims,
      removed: {},
    });
    assert.ok(lines[0]!.endsWith(`"removed":{`));
    const entry = (line: string, i: number) => {
      assert.equal(
        line.startsWith(","),
        i > 0,
        `a comma before every entry but the first: ${line}`,
      );
      const pair = JSON.parse(`{${i > 0 ? line.slice(1) : line}}`);
      assert.equal(Object.keys(pair).length, 1, `one entry on the line: ${line}`);
      return pair;
    };
    removed.forEach((key, i) => {
      const pair = entry(lines[1 + i]!, i);
      assert.ok(Object.hasOwn(pair, key));
      assert.equal(pair[key], doc.removed[key]);
    });
    assert.equal(lines[1 + removed.length], `},"records":{`);
    records.forEach((key, i) => {
      const pair = entry(lines[2 + removed.length + i]!, i);
      assert.ok(Object.hasOwn(pair, key));
      assert.deepEqual(Object.getOwnPropertyDescriptor(pair, key)?.value, doc.records[key]);
    });
    assert.equal(lines.at(-1), "}}");
  }
});

Deno.test("documentStream() of 20,000 records: no piece is larger than 64 KiB and a line, and it reads back", async () => {
  const doc = large(20_000);
  const reader = documentStream(doc).getReader();
  const pieces: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    pieces.push(value);
  }
  const bytes = new Uint8Array(await new Blob(pieces as Uint8Array<ArrayBuffer>[]).arrayBuffer());
  const text = decoder.decode(bytes);
  const longest = Math.max(...text.split("\n").map((line) => encoder.encode(line).length + 1));
  assert.ok(longest < 1024, `a record's line is short (${longest} bytes)`);
  assert.ok(bytes.length > 4 * 1024 * 1024, `the document is large (${bytes.length} bytes)`);
  for (const [i, piece] of pieces.entries()) {
    assert.ok(
      piece.length <= 65536 + longest,
      `piece ${i} is ${piece.length} bytes: more than 64 KiB and a line`,
    );
  }
  assert.ok(
    pieces.length >= Math.ceil(bytes.length / (65536 + longest)),
    `${pieces.length} pieces`,
  );
  assert.deepEqual(JSON.parse(text), doc);
  assert.deepEqual(await readDocument(chunked(bytes, randomSizes(7, 70_000))), doc);
});

Deno.test("readDocument() reads a one-line document (as raftsnap wrote before) and a reformatted one, at every chunking", async () => {
  await withProtoAccessor(olderLayouts);
});

async function olderLayouts(): Promise<void> {
  for (const doc of [awkward(true), awkward(false)]) {
    for (
      const text of [
        JSON.stringify(doc),
        JSON.stringify(doc) + "\n",
        JSON.stringify(doc, null, 2),
        JSON.stringify(doc, null, 2).replaceAll("\n", "\r\n"),
        JSON.stringify(doc, null, "\t") + "\n\n",
      ]
    ) {
      for (const [name, stream] of cuts(encoder.encode(text))) {
        const got = await readDocument(stream());
        assert.deepEqual(got, doc, name);
        assertProtoKey(got, doc.records["__proto__"]);
      }
    }
  }
  // An older document without removals or claims gets empty ones.
  const bare = { raftsnapWatchCatalog: 1, records: { "a.snap": record("a.snap", 0) } };
  assert.deepEqual(await readDocument(chunked(encoder.encode(JSON.stringify(bare)), [5])), {
    ...bare,
    removed: {},
    claims: {},
  });
}

Deno.test("readDocument() reads a long one-line document in time linear in its length", async () => {
  // An older catalog is one line of the catalog's size: each piece read must not search
  // the line so far again for its end (that was quadratic: 23 s for a 53 MB catalog).
  const doc = large(12_000);
  const bytes = encoder.encode(JSON.stringify(doc));
  const indexOf = String.prototype.indexOf;
  let searched = 0;
  String.prototype.indexOf = function (this: string, search: string, from?: number) {
    const at = indexOf.call(this, search, from);
    if (search === "\n") searched += (at >= 0 ? at + 1 : this.length) - (from ?? 0);
    return at;
  };
  let got;
  try {
    got = await readDocument(chunked(bytes, [16 * 1024]));
  } finally {
    String.prototype.indexOf = indexOf;
  }
  assert.deepEqual(got, doc);
  assert.ok(
    searched <= 2 * bytes.length,
    `searched ${searched} characters for line ends in a ${bytes.length}-byte document`,
  );
});

Deno.test("readDocument() rejects a document cut at any line, or any byte, with a TypeError: never a partial document", async () => {
  const doc = awkward(true);
  const bytes = await collect(documentStream(doc));
  const lines = decoder.decode(bytes).slice(0, -1).split("\n");
  for (let k = 1; k < lines.length; k++) {
    const prefix = lines.slice(0, k).join("\n");
    for (const cut of [prefix, prefix + "\n"]) {
      for (const [name, stream] of cuts(encoder.encode(cut)).slice(0, 2)) {
        await assert.rejects(
          readDocument(stream()),
          (error: unknown) =>
            error instanceof TypeError &&
            error.message === `the watch catalog cannot be read: it ends early, after line ${k}`,
          `cut after line ${k} (${name}, ${cut.endsWith("\n") ? "with" : "without"} its newline)`,
        );
      }
    }
  }
  // Complete with or without the last newline.
  assert.deepEqual(await readDocument(chunked(bytes.subarray(0, bytes.length - 1), [3])), doc);
  for (let end = 0; end < bytes.length - 1; end++) {
    const result = await outcome(bytes.subarray(0, end));
    assert.ok(result instanceof TypeError, `cut at byte ${end} of ${bytes.length} was read`);
  }
});

Deno.test("readDocument() says why a document is bad, with the line", async () => {
  const doc = awkward(true);
  const text = decoder.decode(await collect(documentStream(doc)));
  const lines = text.slice(0, -1).split("\n");
  const removed = Object.keys(doc.removed).length;

  // A line that is not JSON: a removal, a record, garbage in place of an entry.
  for (
    const [at, line] of [[2, `,"gone/x.snap":`], [removed + 3, `,"r.snap":{oops}`], [
      lines.length - 1,
      `,"r.snap":{"key":"r.snap"}}`,
    ]] as const
  ) {
    const broken = lines.with(at - 1, line).join("\n") + "\n";
    await rejectsType(encoder.encode(broken), new RegExp(`line ${at} is not JSON`));
  }
  // Text after the end (blank lines after it are fine).
  await rejectsType(
    encoder.encode(text + "\n \n" + `{"raftsnapWatchCatalog":1}` + "\n"),
    new RegExp(`text after its end, on line ${lines.length + 3}$`),
  );
  assert.deepEqual(await readDocument(chunked(encoder.encode(text + "\n  \n\n"), [1])), doc);
  // A head line that is not JSON, no JSON at all, nothing.
  await rejectsType(
    encoder.encode(`{"raftsnapWatchCatalog":1,"claims":{,"removed":{\n},"records":{\n}}\n`),
    /line 1 is not JSON/,
  );
  for (
    const bad of [
      encoder.encode("hello, catalog"),
      encoder.encode("1\n{}"),
      new Uint8Array([0xff, 0xfe, 0x00, 0x7b, 0x80, 0x0a, 0x7d]),
      new Uint8Array(0),
    ]
  ) {
    await rejectsType(bad, /line 1 is not JSON/);
  }
  // JSON, but not a catalog of this version, in either layout.
  for (
    const bad of [
      JSON.stringify({ ...doc, raftsnapWatchCatalog: 2 }),
      JSON.stringify({ ...doc, raftsnapWatchCatalog: "1" }),
      JSON.stringify({ removed: {}, claims: {}, records: {} }),
      JSON.stringify({ raftsnapWatchCatalog: 1, removed: {}, claims: {} }),
      "null",
      "[]",
      `"raftsnapWatchCatalog"`,
      text.replace(`{"raftsnapWatchCatalog":1,`, `{"raftsnapWatchCatalog":2,`),
    ]
  ) {
    await rejectsType(encoder.encode(bad), /it is not a raftsnap watch catalog \(version 1\)/);
  }
  // A stream that fails midway fails the read with its own error.
  let pulled = 0;
  const failing = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled++ === 0) controller.enqueue(encoder.encode(lines.slice(0, 4).join("\n") + "\n"));
      else controller.error(new RangeError("disk on fire"));
    },
  });
  await assert.rejects(readDocument(failing), /disk on fire/);
  assert.equal(pulled, 2, "the lines before the failure were read");
});

/** A stream of `bytes` in `size`-byte pieces that counts its pulls and cancels. */
function counted(bytes: Uint8Array, size: number) {
  const counts = { pulls: 0, cancels: 0, pieces: Math.ceil(bytes.length / size) };
  let at = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      counts.pulls++;
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
    cancel() {
      counts.cancels++;
    },
  }, { highWaterMark: 0 });
  return { stream, counts };
}

Deno.test("readDocument(body, true) gives claims and alerts without records, and cancels the rest unread", async () => {
  for (const withAlerts of [true, false]) {
    const doc = large(20_000);
    if (!withAlerts) delete doc.alerts;
    const bytes = await collect(documentStream(doc));
    const { stream, counts } = counted(bytes, 4096);
    const head = await readDocument(stream, true);
    const expected: CatalogDocument = {
      raftsnapWatchCatalog: 1,
      claims: doc.claims,
      removed: {},
      records: {},
    };
    if (withAlerts) expected.alerts = ALERTS;
    assert.deepEqual(head, expected);
    assert.equal("alerts" in head, withAlerts);
    assert.equal(counts.cancels, 1, "the rest is cancelled");
    assert.ok(counts.pieces > 500, `${counts.pieces} pieces`);
    assert.ok(counts.pulls <= 4, `pulled ${counts.pulls} of ${counts.pieces} pieces`);
  }
});

/** `body` with its cancels counted. */
function cancelCounted(body: ReadableStream<Uint8Array>) {
  const counts = { cancels: 0 };
  const reader = body.getReader();
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel(reason) {
      counts.cancels++;
      await reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
  return { stream, counts };
}

Deno.test({
  name:
    "FileCatalogStorage on Deno: write and read back, version(), stale writes, a body failing midway, cancelled reads leak nothing",
  // Deno 2.9 checks for leaks only when asked (--trace-leaks alone checks nothing).
  sanitizeResources: true,
  sanitizeOps: true,
  fn: fileStorage,
});

async function fileStorage(): Promise<void> {
  await withTempDir("raftsnap-catalog-doc-", async (dir) => {
    const path = `${dir}/watch/catalog.json`;
    const storage = new FileCatalogStorage(path, denoFolderFileSystem);
    assert.equal(await storage.read(), undefined);
    assert.equal(await storage.version(), undefined);

    // First write: only where there is none.
    const first = awkward(true);
    assert.equal(await storage.write(documentStream(first), undefined), "1");
    const stored = await storage.read();
    assert.ok(stored);
    assert.equal(stored.version, "1");
    assert.equal(await storage.version(), "1");
    assert.deepEqual(await readDocument(stored.body), first);
    const written = await Deno.readFile(path);
    assert.deepEqual(
      written,
      await collect(
        new Blob([encoder.encode("1\n"), await collect(documentStream(first))]).stream(),
      ),
    );
    assert.deepEqual(await entryNames(`${dir}/watch`), ["catalog.json"]);

    // Stale: the body is cancelled, the file unchanged, no lock left.
    for (const stale of [undefined, "0", "2"]) {
      const { stream, counts } = cancelCounted(documentStream(awkward(false)));
      assert.equal(await storage.write(stream, stale), false, `written at ${stale}`);
      assert.equal(counts.cancels, 1, "the stale write's body is cancelled");
      assert.deepEqual(await Deno.readFile(path), written);
      assert.deepEqual(await entryNames(`${dir}/watch`), ["catalog.json"]);
    }

    // A second write at the version read; a large one, in many pieces.
    const second = large(5_000);
    assert.equal(await storage.write(documentStream(second), "1"), "2");
    assert.equal(await storage.version(), "2");
    const again = await storage.read();
    assert.equal(again?.version, "2");
    assert.deepEqual(await readDocument(again!.body), second);
    const before = await Deno.readFile(path);
    assert.ok(before.length > 1024 * 1024, "a catalog file of many reads");

    // Read, then cancelled unread, or read only its head: the file is closed (the sanitizer).
    for (let i = 0; i < 3; i++) {
      const unread = await storage.read();
      assert.equal(unread?.version, "2");
      await unread!.body.cancel();
    }
    const headOnly = await storage.read();
    const head = await readDocument(headOnly!.body, true);
    assert.deepEqual(head.claims, second.claims);
    assert.deepEqual(head.alerts, second.alerts);

    // A body that fails midway: the write fails, the old catalog stays whole, nothing is left.
    const bytes = await collect(documentStream(awkward(false)));
    let sent = 0;
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= bytes.length / 2) {
          controller.error(new RangeError("the writer died"));
          return;
        }
        controller.enqueue(bytes.slice(sent, sent + 100));
        sent += 100;
      },
    });
    await assert.rejects(storage.write(failing, "2"), /the writer died/);
    assert.ok(sent > 0, "part of the body was written before it failed");
    assert.deepEqual(await Deno.readFile(path), before);
    assert.deepEqual(await entryNames(`${dir}/watch`), ["catalog.json"]);
    assert.equal(await storage.version(), "2");
    assert.deepEqual(await readDocument((await storage.read())!.body), second);
    // And the next write at that version goes through.
    assert.equal(await storage.write(documentStream(first), "2"), "3");
    assert.deepEqual(await readDocument((await storage.read())!.body), first);
  });
}

Deno.test("JsonCatalog: a key named __proto__ is a record like any other, absent until put", async () => {
  let stored: { bytes: Uint8Array<ArrayBuffer>; version: string } | undefined;
  const storage: CatalogStorage = {
    read: () =>
      Promise.resolve(
        stored && { body: new Blob([stored.bytes]).stream(), version: stored.version },
      ),
    async write(body, version) {
      const bytes = new Uint8Array(await new Response(body).arrayBuffer());
      if (stored?.version !== version) return false;
      stored = { bytes, version: String(Number(version ?? 0) + 1) };
      return stored.version;
    },
  };
  await withProtoAccessor(async () => {
    const record = {
      key: "__proto__",
      size: 1,
      etag: "e",
      modified: 0,
      ok: true,
      verifiedAt: 5,
      cluster: "",
    };
    const first = new JsonCatalog(storage, { now: () => 10 });
    await first.put({ ...record, key: "a.snap" });
    await first.flush();
    assert.equal(await new JsonCatalog(storage).get("__proto__"), undefined);
    await first.put(record);
    await first.flush();
    const second = new JsonCatalog(storage, { now: () => 10 });
    assert.deepEqual(await second.get("__proto__"), record);
    const keys = [];
    for await (const r of second.all()) keys.push(r.key);
    assert.deepEqual(keys.sort(), ["__proto__", "a.snap"]);
    await second.remove("__proto__");
    await second.flush();
    assert.equal(await new JsonCatalog(storage).get("__proto__"), undefined);
    assert.equal((await new JsonCatalog(storage).get("a.snap"))?.verifiedAt, 5);
  });
});
