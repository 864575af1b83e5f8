// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// decodeRecords against the product fixtures: every record, in any chunking, redacted
// unless asked not to be; bad states fail naming the record.

import {
  type DecodedRecord,
  decodeRecords,
  inspectSnapshot,
  SnapshotError,
  stringifyDecoded,
} from "../../mod.ts";
import { assert, chunked, randomSizes, rejectsWith } from "../_helpers.ts";
import { productFile, productFixtures, snapOf, stateOf } from "../_products.ts";

const fixtures = await productFixtures();
const consul = fixtures.find((f) => f.fixture === "consul-small")!;
const vault = fixtures.find((f) => f.fixture === "vault-small")!;

function all(stream: ReadableStream<DecodedRecord>): Promise<DecodedRecord[]> {
  return Array.fromAsync(stream);
}

for (const fixture of fixtures) {
  Deno.test(`decode ${fixture.fixture}: the records per type are inspect's, in any chunking`, async () => {
    const snap = snapOf(fixture);
    const state = await stateOf(snap);
    const records = await all(decodeRecords(state));
    const inspected = await inspectSnapshot(await productFile(snap));
    assert.equal(records.length, inspected.records);
    if (fixture.product !== "vault") {
      const counts = new Map<string, number>();
      for (const r of records) counts.set(r.name, (counts.get(r.name) ?? 0) + 1);
      assert.deepEqual(
        Object.fromEntries(counts),
        Object.fromEntries(inspected.types.map((t) => [t.name, t.count])),
      );
      assert.equal(records.reduce((n, r) => n + r.size, 0), inspected.totalBytes);
    }
    records.forEach((r, i) => assert.equal(r.number, i + 1));
    const ones = await all(decodeRecords(chunked(state, [1])));
    assert.deepEqual(ones, records);
    const random = await all(decodeRecords(chunked(state, randomSizes(5, 900))));
    assert.deepEqual(random, records);
  });
}

Deno.test("decode consul-small: KVS records carry their keys; secrets are redacted by default", async () => {
  const state = await stateOf(snapOf(consul));
  const redacted = (await all(decodeRecords(state))).map((r) => stringifyDecoded(r.value)).join(
    "\n",
  );
  const open = (await all(decodeRecords(state, { redact: false }))).map((r) =>
    stringifyDecoded(r.value)
  )
    .join("\n");
  const secrets = consul.secrets_never_shown_when_redacted ?? [];
  assert.ok(secrets.length > 3);
  for (const secret of secrets) {
    const forms = [secret, JSON.stringify(secret).slice(1, -1)];
    for (const form of forms) {
      assert.ok(!redacted.includes(form), `redacted output shows ${form.slice(0, 40)}`);
    }
  }
  // The test can fail: unredacted, the secrets are there.
  const shown = secrets.filter((s) =>
    open.includes(s) || open.includes(JSON.stringify(s).slice(1, -1))
  );
  assert.equal(shown.length, secrets.length, "every secret is in the unredacted output");
  assert.match(redacted, /\[redacted: \d+ bytes?\]/);
  assert.match(redacted, /"Key":"vault\/core\//);
});

Deno.test("decode vault-small: entries match entries.jsonl, values redacted by default", async () => {
  const state = await stateOf(snapOf(vault));
  const expected = (await Deno.readTextFile(
    new URL("vault-small.entries.jsonl", (await import("../_products.ts")).PRODUCTS),
  ))
    .trim().split("\n").map((line) => JSON.parse(line));
  const records = await all(decodeRecords(state, { redact: false }));
  assert.equal(records.length, expected.length);
  records.forEach((record, i) => {
    const value = record.value as { Key: string; Value: string; SealWrap: boolean };
    assert.equal(record.name, "StorageEntry");
    assert.equal(value.Key, expected[i].Key);
    assert.equal(atob(value.Value).length, expected[i].ValueLen);
    assert.equal(value.SealWrap, expected[i].SealWrap);
  });
  const redacted = await all(decodeRecords(state));
  redacted.forEach((record, i) => {
    const value = record.value as { Value: string };
    const n = expected[i].ValueLen;
    assert.equal(value.Value, `[redacted: ${n} ${n === 1 ? "byte" : "bytes"}]`);
  });
});

Deno.test("decode: a state cut inside a record fails naming it, after the records before", async () => {
  const state = await stateOf(snapOf(consul));
  const records = await all(decodeRecords(state));
  const seventh = records[6]!;
  const cut = seventh.offset + 5;
  const got: DecodedRecord[] = [];
  const error = await rejectsWith(
    (async () => {
      for await (const record of decodeRecords(state.subarray(0, cut))) got.push(record);
    })(),
    "truncated",
  );
  assert.equal(got.length, 6);
  assert.equal(error.record?.number, 7);
  assert.equal(error.record?.name, seventh.name);
  assert.equal(error.offset, cut);
});

Deno.test("decode: a record over maxRecordBytes is refused, naming it", async () => {
  const state = await stateOf(snapOf(consul));
  const records = await all(decodeRecords(state));
  const biggest = records.reduce((a, b) => (b.size > a.size ? b : a));
  const error = await rejectsWith(
    all(decodeRecords(state, { maxRecordBytes: biggest.size - 2 })),
    "limit-exceeded",
  );
  assert.ok(error.record!.number <= biggest.number);
  assert.throws(() => decodeRecords(state, { maxRecordBytes: 0 }), RangeError);
});

Deno.test("decode: a state no product writes is refused", async () => {
  const error = await rejectsWith(
    all(
      decodeRecords(
        new TextEncoder().encode("plain text is not a raft state, whatever its length"),
      ),
    ),
    "record-invalid",
  );
  assert.equal(error.layer, "state");
  assert.match(error.message, /not Consul/);
});

Deno.test("decode: cancelling midway cancels the state stream", async () => {
  const state = await stateOf(snapOf(vault));
  let cancelled: unknown;
  let pulls = 0;
  const source = new ReadableStream<Uint8Array>({
    pull(controller) {
      const at = pulls++ * 1000;
      if (at >= state.length) controller.close();
      else controller.enqueue(state.slice(at, at + 1000));
    },
    cancel(reason) {
      cancelled = reason;
    },
  });
  const reader = decodeRecords(source).getReader();
  const first = await reader.read();
  assert.equal(first.done, false);
  await reader.cancel("enough");
  assert.equal(cancelled, "enough");
  assert.ok(pulls < state.length / 1000, "it stopped reading");
});

Deno.test("decode: a signal stops it", async () => {
  const state = await stateOf(snapOf(consul));
  const controller = new AbortController();
  const stream = decodeRecords(chunked(state, [100]), { signal: controller.signal });
  const reader = stream.getReader();
  await reader.read();
  controller.abort(new Error("stop"));
  await assert.rejects(
    (async () => {
      for (;;) if ((await reader.read()).done) break;
    })(),
    (error: unknown) => !(error instanceof SnapshotError),
  );
});

Deno.test("decode: a state shorter than the detection window still yields its records", async () => {
  // Nomad's header, then Index {"Key": "jobs", "Value": 7}: 19 bytes in all.
  const state = new Uint8Array([
    0x80,
    0x02,
    0x82,
    0xa3,
    0x4b,
    0x65,
    0x79,
    0xa4,
    0x6a,
    0x6f,
    0x62,
    0x73,
    0xa5,
    0x56,
    0x61,
    0x6c,
    0x75,
    0x65,
    0x07,
  ]);
  for (const stream of [state, chunked(state, [1]), chunked(state, [5])]) {
    const records = await all(decodeRecords(stream));
    assert.equal(records.length, 1);
    assert.deepEqual(records[0]!.value, { Key: "jobs", Value: 7 });
    assert.equal(records[0]!.size, 19);
  }
});

Deno.test("decode: a small record that would build millions of objects is refused, not built", async () => {
  // Nomad's header, then one record: an array32 of 2^21 empty arrays (2 MiB of msgpack
  // that would be 2 million JavaScript arrays).
  const count = 1 << 21;
  const state = new Uint8Array(7 + count);
  state.set([0x80, 0x02, 0xdd, 0x00, 0x20, 0x00, 0x00]);
  state.fill(0x90, 7);
  const error = await rejectsWith(all(decodeRecords(state)), "limit-exceeded");
  assert.equal(error.record?.number, 1);
  assert.equal(error.layer, "state");
  assert.match(error.message, /1048576 strings, arrays and maps/);
  // One fewer level of abuse decodes: 2^20 - 1 arrays inside the outer one.
  const fits = new Uint8Array(7 + (1 << 20) - 1);
  fits.set([0x80, 0x02, 0xdd, 0x00, 0x0f, 0xff, 0xff]);
  fits.fill(0x90, 7);
  const [record] = await all(decodeRecords(fits));
  assert.equal((record!.value as unknown[]).length, (1 << 20) - 1);
});
