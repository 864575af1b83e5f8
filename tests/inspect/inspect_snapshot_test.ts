// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// inspectSnapshot against the product fixtures: counts and sizes equal the products' own
// inspect output (their JSON files), in any chunking; bad states fail with the record.

import { type InspectResult, inspectSnapshot, SnapshotError } from "../../mod.ts";
import { assert, chunked, collect, prng, randomSizes, rejectsWith } from "../_helpers.ts";
import { metaOf, productFile, productFixtures, snapOf, stateOf } from "../_products.ts";

const fixtures = await productFixtures();

interface StatRow {
  Name: string;
  Count: number;
  Sum?: number;
  Size?: number;
}

/** Our rows in the product's order and field names, to compare with its JSON. */
function rows(stats: { name: string; count: number; bytes: number }[], size: "Sum" | "Size") {
  return stats.map((s) => ({ Name: s.name, Count: s.count, [size]: s.bytes }));
}

function sortedLike(expected: StatRow[], actual: StatRow[]): StatRow[] {
  const order = new Map(expected.map((row, i) => [row.Name, i]));
  return [...actual].sort((a, b) => (order.get(a.Name) ?? 1e9) - (order.get(b.Name) ?? 1e9));
}

for (const fixture of fixtures) {
  const jsonOutputs = Object.entries(fixture.expected_outputs).filter(([file]) =>
    file.endsWith(".json")
  );
  for (const [file, command] of jsonOutputs) {
    Deno.test(`inspect ${fixture.fixture}: counts equal ${file} (${command})`, async () => {
      const expected = JSON.parse(new TextDecoder().decode(await productFile(file)));
      const depth = Number(/-(?:kv)?depth[= ](\d+)/.exec(command)?.[1] ?? 2);
      const filter = /-(?:kv)?filter[= ](\S+)/.exec(command)?.[1] ?? "";
      const result = await inspectSnapshot(await productFile(snapOf(fixture)), { depth, filter });
      assert.equal(result.product, fixture.product, result.productReason);
      assert.equal(String(result.meta.index), String(expected.Meta.Index));
      assert.equal(result.meta.id, expected.Meta.ID);
      if (fixture.product === "vault") {
        assert.deepEqual(result.types, []);
        assert.deepEqual(
          sortedLike(expected.StatsKV, rows(result.keys!.prefixes, "Size")),
          expected.StatsKV,
        );
        assert.equal(result.keys!.count, expected.TotalCountKV);
        assert.equal(result.keys!.bytes, expected.TotalSizeKV);
      } else {
        assert.deepEqual(sortedLike(expected.Stats, rows(result.types, "Sum")), expected.Stats);
        assert.equal(
          result.records,
          expected.Stats.reduce((n: number, s: StatRow) => n + s.Count, 0),
        );
        if (expected.TotalSize !== undefined) assert.equal(result.totalBytes, expected.TotalSize);
        if (expected.StatsKV) {
          assert.deepEqual(
            sortedLike(expected.StatsKV, rows(result.keys!.prefixes, "Sum")),
            expected.StatsKV,
          );
          assert.equal(result.keys!.bytes, expected.TotalSizeKV);
        }
      }
      assert.ok(result.verify, "an archive is verified");
      assert.equal(result.stateBytes, result.verify.stateSize);
    });
  }
}

const consul = fixtures.find((f) => f.fixture === "consul-small")!;
const vault = fixtures.find((f) => f.fixture === "vault-small")!;
const nomad = fixtures.find((f) => f.fixture === "nomad-dev")!;

/** What a result says of the state: without what only an archive has (verification, sealed sums). */
function essence(result: InspectResult) {
  const { verify: _verify, meta: _meta, sealEnvelope: _sealEnvelope, ...rest } = result;
  return rest;
}

Deno.test("inspect: the unknown Nomad type is counted and named, never fatal", async () => {
  const result = await inspectSnapshot(await productFile(snapOf(nomad)));
  assert.deepEqual(result.unknownTypes, [200]);
  assert.equal(result.maxType, 200);
  const unknown = result.types.find((t) => t.type === 200)!;
  assert.equal(unknown.name, "Unknown(200)");
  assert.equal(unknown.known, false);
  assert.deepEqual(result.warnings, [], "unknown types are in unknownTypes, not warnings");
});

Deno.test("inspect: Consul's header gives LastIndex, and the detection says why", async () => {
  const result = await inspectSnapshot(await productFile(snapOf(consul)));
  assert.equal(result.lastIndex, 433n);
  assert.match(result.productReason, /LastIndex/);
  assert.deepEqual(result.unknownTypes, []);
  assert.deepEqual(result.warnings, []);
});

Deno.test("inspect: a raw state.bin with its meta.json gives the archive's counts", async () => {
  const raw = await inspectSnapshot({
    state: await productFile("consul-small-raw/state.bin"),
    meta: await productFile("consul-small-raw/meta.json"),
  });
  const archived = await inspectSnapshot(await productFile(snapOf(consul)));
  assert.equal(raw.verify, undefined);
  assert.equal(raw.meta.id, archived.meta.id);
  assert.deepEqual(essence(raw), essence(archived));
  const expected = await Deno.readTextFile(
    new URL(
      "products/consul-small-raw/state.bin.inspect.txt",
      (await import("../_helpers.ts")).FIXTURES,
    ),
  );
  assert.match(expected, new RegExp(`Index\\s+${raw.meta.index}\\n`));
});

Deno.test("inspect: a raw state whose Size differs from meta.json is flagged", async () => {
  const state = await productFile("consul-small-raw/state.bin");
  const meta = await productFile("consul-small-raw/meta.json");
  const result = await inspectSnapshot({ state: state.subarray(0, 20804 - 12), meta });
  // The cut removes exactly the last record (ChunkingState, 12 bytes): a clean end.
  assert.ok(
    result.warnings.some((w) => /Size 20804.*20792 bytes/.test(w)),
    result.warnings.join("\n"),
  );
  assert.equal(result.types.find((t) => t.name === "ChunkingState"), undefined);
});

for (const fixture of [consul, vault, nomad]) {
  Deno.test(`inspect ${fixture.fixture}: 1-byte and random chunks give the same result`, async () => {
    const state = await stateOf(snapOf(fixture));
    const meta = await metaOf(snapOf(fixture));
    const whole = await inspectSnapshot({ state, meta }, { depth: 3 });
    const ones = await inspectSnapshot({ state: chunked(state, [1]), meta }, { depth: 3 });
    assert.deepEqual(essence(ones), essence(whole));
    for (const seed of [1, 2, 3]) {
      const random = await inspectSnapshot(
        { state: chunked(state, randomSizes(seed, 300)), meta },
        { depth: 3 },
      );
      assert.deepEqual(essence(random), essence(whole));
    }
    const archive = await productFile(snapOf(fixture));
    const archived = await inspectSnapshot(chunked(archive, randomSizes(9, 64)), { depth: 3 });
    assert.deepEqual(essence(archived), essence(whole));
  });
}

Deno.test("inspect: a state cut anywhere ends cleanly only between records, else names the record", async () => {
  const { decodeRecords } = await import("../../mod.ts");
  for (const fixture of [consul, vault, nomad]) {
    const state = await stateOf(snapOf(fixture));
    const meta = await metaOf(snapOf(fixture));
    // Where each record starts (Consul's and Nomad's first starts after the header).
    const starts = (await Array.fromAsync(decodeRecords(state))).map((r) => r.offset);
    const ends = [...starts.slice(1), state.length];
    // Every offset of the first 16 KiB, then every 61st (the cost is quadratic).
    for (let cut = 1; cut < state.length; cut += cut < 16384 ? 1 : 61) {
      const complete = ends.filter((end) => end <= cut).length;
      try {
        const partial = await inspectSnapshot({ state: state.subarray(0, cut), meta });
        if (partial.product === "unknown") {
          // Too short to tell the product: inside Consul's 14-byte header, or Vault's
          // length prefix and first field tag.
          assert.ok(
            cut < (fixture.product === "consul" ? 14 : 3),
            `cut ${cut}: ${partial.productReason}`,
          );
          continue;
        }
        assert.ok(starts.includes(cut), `cut ${cut} is no record boundary, yet it ended cleanly`);
        assert.equal(partial.records, complete);
      } catch (error) {
        if (!(error instanceof SnapshotError)) throw error;
        assert.ok(!starts.includes(cut), `cut ${cut} is a record boundary: ${error.message}`);
        assert.equal(error.code, "truncated", error.message);
        assert.equal(error.layer, "state");
        assert.equal(error.entry, "state.bin");
        assert.equal(error.offset, cut, error.message);
        // The record named is the one after the last complete one; 0 inside the header.
        const expected = cut < starts[0]! ? 0 : complete + 1;
        assert.equal(error.record?.number, expected, error.message);
        if (expected > 0) assert.match(error.message, new RegExp(`(record|entry) ${expected}\\b`));
      }
    }
  }
});

Deno.test("inspect: a KVS value whose length is corrupted fails naming its record", async () => {
  const state = await stateOf(snapOf(consul));
  const meta = await metaOf(snapOf(consul));
  // Find the first raw32/raw16 value ("Value" then 0xda/0xdb) and make it claim 2^31 bytes.
  const marker = new TextEncoder().encode("Value");
  let at = -1;
  for (let i = 0; i < state.length - 6 && at < 0; i++) {
    if (
      marker.every((b, j) => state[i + j] === b) && (state[i + 5] === 0xda || state[i + 5] === 0xdb)
    ) at = i + 5;
  }
  assert.ok(at > 0, "the fixture has a KVS value of 32+ bytes");
  const whole = await inspectSnapshot({ state, meta });
  const before = await countRecordsBefore(state, meta, at);
  const bad = state.slice();
  bad.set([0xdb, 0x7f, 0xff, 0xff, 0xff], at);
  bad.copyWithin(at + 5, at + 3); // keep the stream shape: the payload follows
  const error = await rejectsWith(
    inspectSnapshot({ state: bad.subarray(0, state.length), meta }),
    "truncated",
  );
  assert.equal(error.record?.number, before + 1);
  assert.equal(error.record?.name, "KVS");
  assert.equal(error.offset, state.length);
  assert.ok(whole.records > before + 1);
});

async function countRecordsBefore(
  state: Uint8Array,
  meta: Awaited<ReturnType<typeof metaOf>>,
  offset: number,
): Promise<number> {
  // The records complete before `offset`: cut there and count what finished.
  for (let cut = offset; cut > 0; cut--) {
    try {
      return (await inspectSnapshot({ state: state.subarray(0, cut), meta })).records;
    } catch {
      // not a record boundary yet
    }
  }
  return 0;
}

Deno.test("inspect: a byte no msgpack value may hold fails with its record and offset", async () => {
  const state = await stateOf(snapOf(nomad));
  const meta = await metaOf(snapOf(nomad));
  // Record 1 starts at offset 1 (after the header byte 0x80): its value's first byte is at 2.
  const bad = state.slice();
  bad[2] = 0xc1;
  const error = await rejectsWith(inspectSnapshot({ state: bad, meta }), "record-invalid");
  assert.equal(error.layer, "state");
  assert.equal(error.offset, 2);
  assert.equal(error.record?.number, 1);
  assert.equal(error.record?.type, state[1]);
  assert.match(error.message, /record 1 \(type \d+, \w+\)/);
});

Deno.test("inspect: a Vault entry with an impossible length fails naming the entry", async () => {
  const state = await stateOf(snapOf(vault));
  const meta = await metaOf(snapOf(vault));
  const bad = new Uint8Array([...state.subarray(0, 0), 0xff, 0xff, 0xff, 0xff, 0x7f, ...state]);
  const error = await rejectsWith(
    inspectSnapshot({ state: bad, meta }, { product: "vault" }),
    "record-invalid",
  );
  assert.equal(error.record?.number, 1);
  assert.equal(error.offset, 0);
  // A length that runs past the end is a truncation at the end, naming the entry.
  const long = state.slice();
  long[0] = 0xff;
  long[1] = 0x7f; // the first entry now claims 16383 bytes: it swallows its successors
  const cut = await rejectsWith(
    inspectSnapshot({ state: long.subarray(0, 10000), meta }, { product: "vault" }),
    "truncated",
  );
  assert.equal(cut.record?.number, 1);
});

Deno.test("inspect: the product can be forced, and an unknown state is only counted", async () => {
  const state = await stateOf(snapOf(nomad));
  const meta = await metaOf(snapOf(nomad));
  const asConsul = await inspectSnapshot({ state, meta }, { product: "consul" });
  assert.equal(asConsul.product, "consul");
  assert.match(asConsul.productReason, /as asked/);
  assert.ok(
    asConsul.types.some((t) => t.name === "KVS"),
    "Nomad's type 2 read with Consul's names",
  );
  const text = new TextEncoder().encode(
    "just some text, not a raft state at all, long enough to decide",
  );
  const unknown = await inspectSnapshot({ state: text, meta });
  assert.equal(unknown.product, "unknown");
  assert.match(unknown.productReason, /6a 75 73 74/);
  assert.equal(unknown.records, 0);
  assert.equal(unknown.stateBytes, text.length);
  assert.ok(unknown.warnings.some((w) => w.includes("not decoded")));
});

Deno.test("inspect: Vault's sealed envelope is read without its key", async () => {
  const envelope = fixtures.find((f) => f.fixture === "vault-sealed-envelope")!;
  const result = await inspectSnapshot(await productFile(snapOf(envelope)));
  assert.equal(result.verify?.sealed, true);
  assert.equal(result.verify?.sealVerified, false);
  assert.deepEqual(result.sealEnvelope, {
    format: "go-kms-wrapping BlobInfo",
    bytes: 396,
    ciphertextBytes: 168,
    ivBytes: 12,
    wrapped: true,
    mechanism: 1,
    mechanismName: "AWS KMS envelope AES-GCM",
    keyId: "vault-kms-key-1",
    wrappedKeyBytes: 184,
  });
  // vault-small's is raw AES-GCM output (a test sealer): said to be no BlobInfo.
  const small = await inspectSnapshot(await productFile(snapOf(vault)));
  assert.equal(small.sealEnvelope?.format, "unknown");
  assert.ok(small.sealEnvelope?.reason);
});

Deno.test("inspect: a corrupt archive reports the archive's failure, not a record's", async () => {
  const archive = await productFile(snapOf(consul));
  const state = await stateOf(snapOf(consul));
  // Rewrite the archive with a state whose record 1 is broken but whose sums are stale.
  const bad = state.slice();
  bad[15] = 0xc1; // the header is 14 bytes, then record 1's type byte
  const { writeSnapshot } = await import("../../mod.ts");
  const meta = await metaOf(snapOf(consul));
  const fresh = await collect(writeSnapshot(meta, bad));
  // With correct sums the record error is the verdict...
  const error = await rejectsWith(inspectSnapshot(fresh), "record-invalid");
  assert.equal(error.record?.number, 1);
  // ...and a flipped byte in the original archive's state is a hash mismatch first.
  const { gunzipBytes, gzipBytes } = await import("../_helpers.ts");
  const tar = await gunzipBytes(archive);
  const stateAt = findBytes(tar, state.subarray(0, 32));
  tar[stateAt + 15] = 0xc1;
  await rejectsWith(inspectSnapshot(await gzipBytes(tar)), "hash-mismatch");
});

function findBytes(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  throw new Error("not found");
}

Deno.test("inspect: options are checked", async () => {
  await assert.rejects(inspectSnapshot(new Uint8Array(), { depth: -1 }), RangeError);
  await assert.rejects(inspectSnapshot(new Uint8Array(), { depth: 1.5 }), RangeError);
});

Deno.test("inspect: depth 0 is whole keys for Vault and one row for Consul; a header alone counts 0", async () => {
  const vaultState = await stateOf(snapOf(vault));
  const vaultMeta = await metaOf(snapOf(vault));
  const whole = await inspectSnapshot({ state: vaultState, meta: vaultMeta }, { depth: 0 });
  assert.equal(whole.keys!.prefixes.length, whole.keys!.count, "every Vault key is its own row");
  const consulState = await stateOf(snapOf(consul));
  const consulMeta = await metaOf(snapOf(consul));
  const one = await inspectSnapshot({ state: consulState, meta: consulMeta }, { depth: 0 });
  assert.deepEqual(one.keys!.prefixes, [{ name: "", count: 30, bytes: 15681 }]);
  const forced = await inspectSnapshot({ state: consulState.subarray(0, 14), meta: consulMeta });
  assert.equal(forced.product, "consul");
  assert.equal(forced.records, 0);
  assert.equal(forced.totalBytes, 0);
  assert.equal(forced.stateBytes, 14);
  assert.equal(forced.lastIndex, 433n);
});

Deno.test("inspect and decode: a byte flipped anywhere in a product state gives a result or a SnapshotError", async () => {
  const { decodeRecords } = await import("../../mod.ts");
  for (const fixture of [consul, vault, nomad]) {
    const state = await stateOf(snapOf(fixture));
    const meta = await metaOf(snapOf(fixture));
    const next = prng(fixture.fixture.length);
    const outcomes = new Map<string, number>();
    // About 1,000 positions per state, spread over all of it.
    const step = Math.max(1, Math.floor(state.length / 1000));
    let runs = 0;
    for (let at = 0; at < state.length; at += step) {
      runs++;
      const bad = state.slice();
      bad[at] = bad[at]! ^ (1 + Math.floor(next() * 255));
      for (
        const run of [
          () => inspectSnapshot({ state: bad, meta }, { product: fixture.product }),
          () => Array.fromAsync(decodeRecords(bad, { product: fixture.product, redact: false })),
        ]
      ) {
        try {
          await run();
          outcomes.set("ok", (outcomes.get("ok") ?? 0) + 1);
        } catch (error) {
          if (!(error instanceof SnapshotError)) {
            throw new Error(`byte ${at}: ${error}`, { cause: error });
          }
          assert.equal(error.layer, "state", error.message);
          assert.ok(error.offset! >= 0 && error.offset! <= state.length, error.message);
          outcomes.set(error.code, (outcomes.get(error.code) ?? 0) + 1);
        }
      }
    }
    // A flip inside a string or number changes no framing: most runs still succeed.
    assert.ok((outcomes.get("ok") ?? 0) > runs, JSON.stringify([...outcomes]));
  }
});

Deno.test("inspect: key prefixes cut keys as Go's strings.Split and Join do", async () => {
  // A Consul state of KVS records with awkward keys: trailing, doubled and leading slashes.
  const keys = ["a/b/c", "a/b/", "a//b", "/x/y", "plain", ""];
  const text = (s: string) => [0xa0 + s.length, ...new TextEncoder().encode(s)];
  const state = new Uint8Array([
    0x81,
    ...text("LastIndex"),
    0x01,
    ...keys.flatMap((key) => [0x02, 0x81, ...text("Key"), ...text(key)]),
  ]); // deno-fmt-ignore
  const meta = await metaOf(snapOf(consul));
  for (const depth of [0, 1, 2, 3]) {
    const result = await inspectSnapshot({ state, meta }, { depth });
    const expected = new Map<string, number>();
    for (const key of keys) {
      const name = key.split("/").slice(0, depth).join("/");
      expected.set(name, (expected.get(name) ?? 0) + 1);
    }
    const got = new Map(result.keys!.prefixes.map((p) => [p.name, p.count]));
    assert.deepEqual(got, expected, `depth ${depth}`);
  }
});

Deno.test("inspect: a signal stops an archive or a raw state midway, and the source is cancelled", async () => {
  for (const raw of [false, true]) {
    const bytes = raw ? await stateOf(snapOf(vault)) : await productFile(snapOf(vault));
    const controller = new AbortController();
    let cancelled: unknown;
    let pulls = 0;
    const source = new ReadableStream<Uint8Array>({
      pull(c) {
        if (++pulls === 5) controller.abort(new Error("operator stop"));
        const at = (pulls - 1) * 4096;
        if (at >= bytes.length) c.close();
        else c.enqueue(bytes.slice(at, at + 4096));
      },
      cancel(reason) {
        cancelled = reason;
      },
    });
    const input = raw ? { state: source, meta: await metaOf(snapOf(vault)) } : source;
    await assert.rejects(inspectSnapshot(input, { signal: controller.signal }), /operator stop/);
    assert.ok(
      cancelled instanceof Error && /operator stop/.test(cancelled.message),
      String(cancelled),
    );
    assert.ok(pulls < bytes.length / 4096, "it stopped reading");
  }
});

Deno.test("inspect: key-prefix rows are bounded; keys past the bound count in the totals only", async () => {
  const state = await stateOf(snapOf(vault));
  const meta = await metaOf(snapOf(vault));
  const all = await inspectSnapshot({ state, meta }, { depth: 0 });
  const bounded = await inspectSnapshot({ state, meta }, { depth: 0, maxKeyPrefixes: 10 });
  assert.equal(bounded.keys!.prefixes.length, 10);
  assert.equal(bounded.keys!.count, all.keys!.count);
  assert.equal(bounded.keys!.bytes, all.keys!.bytes);
  const shown = bounded.keys!.prefixes.reduce((n, p) => n + p.count, 0);
  assert.equal(bounded.keys!.omitted?.count, all.keys!.count - shown);
  assert.ok(bounded.warnings.some((w) => w.includes("maxKeyPrefixes")), bounded.warnings.join());
  assert.equal(all.keys!.omitted, undefined);
  await assert.rejects(inspectSnapshot({ state, meta }, { maxKeyPrefixes: -1 }), RangeError);
});

Deno.test("inspect: nesting past 1000 levels fails at the exact offset, in any chunking", async () => {
  // Nomad's header, then record 1 (type 2): 1001 nested one-item arrays.
  const state = new Uint8Array([0x80, 0x02, ...new Array(1001).fill(0x91), 0x00]);
  const meta = await metaOf(snapOf(nomad));
  for (const chunks of [[state.length], [1], [3, 7]]) {
    const error = await rejectsWith(
      inspectSnapshot({ state: chunked(state, chunks), meta }),
      "record-invalid",
    );
    assert.equal(error.offset, 2 + 1000, error.message);
    assert.equal(error.record?.number, 1);
    assert.match(error.message, /nesting deeper than 1000 levels/);
  }
  // Past the 64 bytes held back to detect the product, 1-byte chunks split every header:
  // a 70-byte raw record, then [0x92, 0xdd 00 00 00 01, 0xc1] with the 0xc1 at offset 82.
  const bad = new Uint8Array([
    0x80,
    0x02,
    0xda,
    0x00,
    0x46,
    ...new Array(70).fill(0x61),
    0x02,
    0x92,
    0xdd,
    0x00,
    0x00,
    0x00,
    0x01,
    0xc1,
  ]); // deno-fmt-ignore
  for (const chunks of [[1], [bad.length]]) {
    const error = await rejectsWith(
      inspectSnapshot({ state: chunked(bad, chunks), meta }),
      "record-invalid",
    );
    assert.equal(error.offset, 82, error.message);
    assert.equal(error.record?.number, 2);
  }
});
