// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// diffSnapshots: identical snapshots, a fixture against its redacted copy, states built
// to differ by known keys, any chunking; out-of-order keys and bad archives fail.

import {
  createAesGcmSealer,
  decodeRecord,
  diffSnapshots,
  diffToJson,
  formatDiff,
  type KeyChangeFound,
  type RecordSpan,
  redactSnapshot,
  writeSnapshot,
} from "../../mod.ts";
import { assert, chunked, collect, randomSizes, rejectsWith } from "../_helpers.ts";
import { productFile, productFixtures, snapOf } from "../_products.ts";

const fixtures = await productFixtures();
const sealer = await createAesGcmSealer(
  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
);
const encoder = new TextEncoder();

/** msgpack raw (old spec, as Consul writes). */
function raw(text: string | Uint8Array): number[] {
  const b = typeof text === "string" ? encoder.encode(text) : text;
  if (b.length < 32) return [0xa0 | b.length, ...b];
  return [0xda, b.length >> 8, b.length & 0xff, ...b];
}

/** A Consul state: the header, then KVS records for `pairs` in the order given. */
function consulState(pairs: [string, string][]): Uint8Array {
  const bytes: number[] = [0x81, ...raw("LastIndex"), 0x09];
  for (const [key, value] of pairs) {
    bytes.push(0x02, 0x83, ...raw("Flags"), 0x00, ...raw("Key"), ...raw(key));
    bytes.push(...raw("Value"), ...raw(value));
  }
  return new Uint8Array(bytes);
}

function snap(state: Uint8Array, index = 9): Promise<Uint8Array<ArrayBuffer>> {
  return collect(
    writeSnapshot({ id: `2-${index}-1`, index, term: 2, size: state.length }, state, {
      modTime: new Date(0),
    }),
  );
}

for (const fixture of fixtures) {
  Deno.test(`diffSnapshots(${fixture.fixture}, itself) finds nothing, in any chunking`, async () => {
    const bytes = await productFile(snapOf(fixture));
    const diff = await diffSnapshots(chunked(bytes, [1]), chunked(bytes, randomSizes(3, 4000)));
    assert.equal(diff.same, true);
    assert.deepEqual(diff.meta, []);
    for (const t of diff.types) {
      assert.equal(t.oldCount, t.newCount);
      assert.equal(t.oldBytes, t.newBytes);
    }
    if (diff.keys) {
      assert.equal(diff.keys.added + diff.keys.removed + diff.keys.changed, 0);
      assert.ok(diff.keys.unchanged > 0);
    }
    assert.match(formatDiff(diff), /OLD and NEW hold the same records and metadata\n$/);
  });
}

Deno.test("diffSnapshots(consul-small, its redacted copy): every KV value changed, no key lost", async () => {
  const bytes = await productFile("consul-small.snap");
  const redacted = await collect(redactSnapshot(bytes));
  const diff = await diffSnapshots(bytes, redacted, { depth: 1 });
  assert.equal(diff.same, false);
  assert.equal(diff.keys!.added, 0);
  assert.equal(diff.keys!.removed, 0);
  assert.equal(diff.keys!.changed + diff.keys!.unchanged, 30);
  assert.equal(diff.keys!.changed, 29); // one KV value is empty: nothing to redact
  assert.deepEqual(diff.keys!.prefixes.map((p) => p.name), ["vault"]);
  assert.match(diff.verdict, /29 keys changed under vault/);
});

Deno.test("diffSnapshots(vault-small, its redacted copy) with a sealer", async () => {
  const bytes = await productFile("vault-small.snap");
  const redacted = await collect(redactSnapshot(bytes, { sealer }));
  const diff = await diffSnapshots(bytes, redacted, { sealer, filter: "sys/token/" });
  assert.equal(diff.keys!.filter, "sys/token/");
  assert.ok(diff.keys!.changed > 0);
  assert.ok(diff.keys!.list.every((k) => k.key.startsWith("sys/token/")));
});

Deno.test("diffSnapshots: keys added, removed and changed, by prefix, values never shown", async () => {
  const older = await snap(consulState([
    ["app/a", "1"],
    ["app/b", "secret-b"],
    ["app/c", "3"],
    ["db/x", "x"],
  ]));
  const newer = await snap(
    consulState([["app/a", "1"], ["app/b", "secret-B"], ["db/x", "x"], ["db/y", "y"], ["z", ""]]),
    12,
  );
  const diff = await diffSnapshots(newer, older); // reversed: NEW is the smaller one
  assert.equal(diff.keys!.added, 1);
  assert.equal(diff.keys!.removed, 2);
  const forward = await diffSnapshots(older, newer, { depth: 1 });
  const keys = forward.keys!;
  assert.deepEqual([keys.added, keys.removed, keys.changed, keys.unchanged], [2, 1, 1, 2]);
  assert.deepEqual(keys.list, [
    { key: "app/b", change: "changed" },
    { key: "app/c", change: "removed" },
    { key: "db/y", change: "added" },
    { key: "z", change: "added" },
  ]);
  assert.deepEqual(keys.prefixes, [
    { name: "app", added: 0, removed: 1, changed: 1 },
    { name: "db", added: 1, removed: 0, changed: 0 },
    { name: "z", added: 1, removed: 0, changed: 0 },
  ]);
  assert.deepEqual(forward.meta.map((m) => m.field), ["ID", "Index", "Size"]);
  assert.equal(
    forward.verdict,
    "NEW is 1 record ahead; 2 keys added; 1 key removed under app; 1 key changed under app",
  );
  const text = formatDiff(forward) + JSON.stringify(diffToJson(forward));
  assert.ok(!text.includes("secret"), "values are never printed");
  const types = forward.types.find((t) => t.name === "KVS")!;
  assert.deepEqual([types.oldCount, types.newCount], [4, 5]);
  // maxKeys bounds the list, not the counts.
  const bounded = await diffSnapshots(older, newer, { maxKeys: 1 });
  assert.equal(bounded.keys!.list.length, 1);
  assert.equal(bounded.keys!.omittedKeys, 3);
  assert.equal(bounded.keys!.added, 2);
});

Deno.test("diffSnapshots: onKey hears every change as found, past maxKeys, with each record's span in the state the states streams copy", async () => {
  const pairs = (n: number, f: (i: number) => string | undefined): [string, string][] => {
    const out: [string, string][] = [];
    for (let i = 0; i < n; i++) {
      const value = f(i);
      if (value !== undefined) out.push([`k/${String(i).padStart(5, "0")}`, value]);
    }
    return out;
  };
  // Values that do not compress much, so the state comes out of gzip in many chunks.
  const noise = (i: number) =>
    Array.from({ length: 12 }, (_, j) => (Math.imul(i + 1, 2654435761) ^ (j * 40503)) >>> 0)
      .map((n) => n.toString(36)).join("");
  const oldPairs = pairs(8_000, (i) => (i % 7 === 0 ? undefined : `v${i}:${noise(i)}`));
  const newPairs: [string, string][] = [
    ...pairs(
      8_000,
      (i) => (i % 11 === 0 ? undefined : `${i % 5 === 0 ? "w" : "v"}${i}:${noise(i)}`),
    ),
    ["z/new", "fresh"],
  ];
  const older = await snap(consulState(oldPairs));
  const newer = await snap(consulState(newPairs), 12);
  const copies = { old: [] as Uint8Array[], new: [] as Uint8Array[] };
  const copier = (into: Uint8Array[]) =>
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        into.push(chunk.slice());
        controller.enqueue(chunk);
      },
    });
  const heard: KeyChangeFound[] = [];
  // NEW's bytes read when the first change was heard: the changes come as found.
  let readAtFirst: number | undefined;
  const diff = await diffSnapshots(
    chunked(older, randomSizes(5, 300)),
    chunked(newer, randomSizes(7, 200)),
    {
      maxKeys: 10,
      onKey: (change) => {
        readAtFirst ??= copies.new.reduce((n, c) => n + c.length, 0);
        heard.push(change);
      },
      states: { old: copier(copies.old), new: copier(copies.new) },
    },
  );
  const keys = diff.keys!;
  assert.equal(keys.list.length, 10);
  assert.equal(heard.length, keys.added + keys.removed + keys.changed);
  assert.ok(heard.length > 200, `${heard.length} changes`);
  assert.deepEqual(heard.slice(0, 10).map(({ key, change }) => ({ key, change })), keys.list);
  // In key order, each once, and the prefix counts are theirs.
  assert.deepEqual(heard.map((c) => c.key), [...heard.map((c) => c.key)].sort());
  const byPrefix = new Map<string, number>();
  for (const c of heard) byPrefix.set(c.prefix!, (byPrefix.get(c.prefix!) ?? 0) + 1);
  for (const p of keys.prefixes) {
    assert.equal(byPrefix.get(p.name), p.added + p.removed + p.changed);
  }
  // The copies are the states, and each span holds its key's record (decoded again).
  const whole = (parts: Uint8Array[]) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) out.set(p, (at += p.length) - p.length);
    return out;
  };
  const oldState = whole(copies.old);
  const newState = whole(copies.new);
  assert.deepEqual(oldState, consulState(oldPairs));
  assert.deepEqual(newState, consulState(newPairs));
  assert.ok(readAtFirst! < newState.length / 4, `${readAtFirst} of ${newState.length} bytes`);
  const valueOf = (state: Uint8Array, span: RecordSpan) => {
    const record = decodeRecord("consul", state.subarray(span.offset, span.end), {
      redact: false,
    });
    const data = record.value as { Key: string; Value: string };
    return [data.Key, atob(data.Value)];
  };
  const oldMap = new Map(oldPairs);
  const newMap = new Map(newPairs);
  for (const c of heard) {
    assert.equal(c.old !== undefined, c.change !== "added", c.key);
    assert.equal(c.new !== undefined, c.change !== "removed", c.key);
    if (c.old) assert.deepEqual(valueOf(oldState, c.old), [c.key, oldMap.get(c.key)]);
    if (c.new) assert.deepEqual(valueOf(newState, c.new), [c.key, newMap.get(c.key)]);
    if (c.change === "changed") assert.notEqual(oldMap.get(c.key), newMap.get(c.key));
  }
});

Deno.test("diffSnapshots(vault-small, its redacted copy): onKey's spans hold each changed path's entry", async () => {
  const bytes = await productFile("vault-small.snap");
  const redacted = await collect(redactSnapshot(bytes, { sealer }));
  const copies = { old: [] as Uint8Array[], new: [] as Uint8Array[] };
  const copier = (into: Uint8Array[]) =>
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        into.push(chunk.slice());
        controller.enqueue(chunk);
      },
    });
  const heard: KeyChangeFound[] = [];
  const diff = await diffSnapshots(bytes, redacted, {
    sealer,
    onKey: (change) => heard.push(change),
    states: { old: copier(copies.old), new: copier(copies.new) },
  });
  assert.equal(heard.length, diff.keys!.changed);
  assert.ok(heard.length > 10);
  const whole = (parts: Uint8Array[]) => new Uint8Array(parts.flatMap((p) => [...p]));
  const states = { old: whole(copies.old), new: whole(copies.new) };
  for (const change of heard) {
    for (const side of ["old", "new"] as const) {
      const span = change[side]!;
      assert.equal(span.type, undefined);
      const record = decodeRecord("vault", states[side].subarray(span.offset, span.end), {
        redact: false,
      });
      assert.equal((record.value as { Key: string }).Key, change.key);
    }
  }
});

Deno.test("diffSnapshots: a state with keys out of order is refused", async () => {
  const sorted = await snap(consulState([["a", "1"], ["b", "2"]]));
  const unsorted = await snap(consulState([["b", "2"], ["a", "1"]]));
  const error = await rejectsWith(diffSnapshots(sorted, unsorted), "record-invalid");
  assert.match(error.message, /"a" after "b"/);
  await rejectsWith(
    diffSnapshots(sorted, await snap(consulState([["a", "1"], ["a", "2"]]))),
    "record-invalid",
  );
});

Deno.test("diffSnapshots: a bad archive on either side fails", async () => {
  const good = await productFile("consul-small.snap");
  const cut = good.slice(0, good.length - 100);
  await rejectsWith(diffSnapshots(good, cut), "truncated");
  await rejectsWith(diffSnapshots(cut, good), "truncated");
  await assert.rejects(diffSnapshots(good, good, { depth: -1 }), RangeError);
});
