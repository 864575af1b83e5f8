// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// The explorer's search (web/explorer/search.ts) against a plain filter: prefix matches
// first, then the others, each in key order, across its 65,536-key segments and the keys
// after them, with hits that would span two keys refused.

import { Search, search } from "../../web/explorer/search.ts";
import { StateIndex } from "../../web/explorer/state_index.ts";
import type { DecodedRecord } from "../../mod.ts";
import { assert } from "../_helpers.ts";

function indexOf(keys: string[]): StateIndex {
  const index = new StateIndex();
  index.product = "consul";
  keys.forEach((Key, i) => {
    const record: DecodedRecord = {
      number: i + 1,
      type: 2,
      name: "KVS",
      offset: i * 10,
      size: 10,
      value: { Key, Value: "[redacted: 5 bytes]" },
    };
    index.add(record);
  });
  return index;
}

function expected(keys: string[], text: string): number[] {
  const prefix = keys.flatMap((k, i) => k.startsWith(text) ? [i] : []);
  const inside = keys.flatMap((k, i) => !k.startsWith(text) && k.includes(text) ? [i] : []);
  return [...prefix, ...inside];
}

Deno.test("explorer search: the same keys as a plain filter, prefixes first, over segments and the tail", () => {
  const keys: string[] = [];
  for (let i = 0; i < 140_000; i++) {
    keys.push(`app/${i % 7}/key-${String(i).padStart(6, "0")}${i % 13 === 0 ? "/ab" : ""}`);
  }
  keys.push("ab", "b\nab", "xa", "bx");
  const index = indexOf(keys);
  for (
    const text of [
      "app/3/",
      "key-0001",
      "ab",
      "/ab",
      "a",
      "b",
      "xab",
      "6/key",
      "none",
      "\n",
      "5\napp",
    ]
  ) {
    const found = search(index, text);
    assert.deepEqual([...found.keys], expected(keys, text), text);
    assert.equal(found.prefixed, keys.filter((k) => k.startsWith(text)).length, text);
  }
  // Keys arrive later: the next search sees them, and a new segment is built.
  for (let i = 0; i < 70_000; i++) {
    index.add({
      number: 0,
      type: 2,
      name: "KVS",
      offset: 0,
      size: 1,
      value: { Key: `z/${i}ab`, Value: "" },
    });
  }
  const all = [...keys, ...Array.from({ length: 70_000 }, (_, i) => `z/${i}ab`)];
  assert.deepEqual([...search(index, "9ab").keys], expected(all, "9ab"));
});

Deno.test("explorer search: sorted keys: the prefix range at once, the rest in steps, the same keys as a plain filter", () => {
  const keys: string[] = [];
  for (let group = 0; group < 31; group++) {
    for (let i = group; i < 150_000; i += 31) {
      keys.push(`svc/${String(group).padStart(2, "0")}/key-${String(i).padStart(6, "0")}`);
    }
  }
  const index = indexOf(keys);
  assert.ok(index.keysSorted && index.treeReady);
  for (const text of ["svc/07/", "key-0001", "/key", "7/k", "key-149999", "nothing", "s"]) {
    const want = expected(keys, text);
    const job = new Search(index, text);
    // The first step stops once 100 keys that do not start with the text are found.
    job.step(100);
    const prefixed = keys.filter((k) => k.startsWith(text)).length;
    assert.equal(job.prefixed, prefixed, text);
    assert.ok(job.done || job.keys - prefixed === 100, `${text}: ${job.keys}`);
    assert.deepEqual([...job.found()], want.slice(0, job.keys), text);
    // Then on, in steps of 1,000 hits, to the end.
    let steps = 0;
    while (!job.step(job.keys - prefixed + 1000)) steps++;
    assert.deepEqual([...job.found()], want, text);
    if (want.length - prefixed > 3000) assert.ok(steps >= 2, `${text}: ${steps} steps`);
  }
  // A deadline already passed stops the scan (a slice), which goes on where it stopped.
  const job = new Search(index, "key-");
  assert.equal(job.step(Infinity, 0), false);
  assert.ok(job.keys < keys.length);
  job.step();
  assert.equal(job.keys, keys.length);
  assert.deepEqual([...job.found()], expected(keys, "key-"));
});

Deno.test("explorer search: random keys and texts over a small alphabet, as a plain filter (the run filter skips no hit)", () => {
  let x = 0x2545f491;
  const next = (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  const letters = "ab/c-é";
  const word = (length: number) =>
    Array.from({ length }, () => letters[next(letters.length)]).join("");
  const keys = Array.from({ length: 140_000 }, () => word(1 + next(14))).sort();
  const index = indexOf(keys);
  assert.ok(index.treeReady);
  for (let t = 0; t < 60; t++) {
    const text = t % 3 === 0 ? keys[next(keys.length)]!.slice(next(4)) : word(1 + next(7));
    const job = new Search(index, text);
    job.step();
    assert.deepEqual([...job.found()], expected(keys, text), JSON.stringify(text));
  }
});
