// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Two Consul-shaped states for the diff benchmark, written as Consul persists them: the
// header {"LastIndex": n}, a few other records, then the KV store as KVS records in key
// order (as persistKVS walks memdb), then Tombstones and Index records. NEW is OLD with
// every 1000th key removed, every 500th value changed and a new key after every 997th:
// the diff must find exactly those counts (returned by the generator).
//
//   deno run -A bench/_gen_diff_state.ts DIR [--keys N] [--value BYTES]
//
// writes DIR/old.snap and DIR/new.snap (through writeSnapshot) and prints the expected
// counts as JSON.

import { writeSnapshot } from "../mod.ts";

const encoder = new TextEncoder();

/** What NEW changes relative to OLD. */
export interface Expected {
  keys: number;
  added: number;
  removed: number;
  changed: number;
}

function raw(out: number[], bytes: Uint8Array | string) {
  const b = typeof bytes === "string" ? encoder.encode(bytes) : bytes;
  if (b.length < 32) out.push(0xa0 | b.length);
  else if (b.length < 65536) out.push(0xda, b.length >> 8, b.length & 0xff);
  else {out.push(
      0xdb,
      b.length >>> 24,
      (b.length >> 16) & 0xff,
      (b.length >> 8) & 0xff,
      b.length & 0xff,
    );}
  for (const x of b) out.push(x);
}

function uint(out: number[], n: number) {
  if (n < 128) out.push(n);
  else out.push(0xce, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
}

/** One KVS record (type 2) with a value of `valueLength` bytes from `pool` at `at`. */
function kvs(key: string, pool: Uint8Array, at: number, valueLength: number, index: number) {
  const head: number[] = [0x02, 0x87];
  raw(head, "CreateIndex");
  uint(head, index);
  raw(head, "Flags");
  uint(head, 0);
  raw(head, "Key");
  raw(head, key);
  raw(head, "LockIndex");
  uint(head, 0);
  raw(head, "ModifyIndex");
  uint(head, index);
  raw(head, "Session");
  raw(head, "");
  raw(head, "Value");
  head.push(0xda, valueLength >> 8, valueLength & 0xff);
  const out = new Uint8Array(head.length + valueLength);
  out.set(head);
  out.set(pool.subarray(at, at + valueLength), head.length);
  return out;
}

/** One side's records, in the order Consul persists them. */
function* records(side: "old" | "new", keys: number, valueLength: number, pool: Uint8Array) {
  const header: number[] = [0x81];
  raw(header, "LastIndex");
  uint(header, side === "old" ? 5_000_000 : 5_100_000);
  yield new Uint8Array(header);
  for (let i = 0; i < 8; i++) {
    const r: number[] = [0x03, 0x83];
    raw(r, "ID");
    raw(r, `session-${i}-${"0".repeat(28)}`);
    raw(r, "Node");
    raw(r, `node-${i}`);
    raw(r, "TTL");
    raw(r, "15s");
    yield new Uint8Array(r);
  }
  // The KV store in key order, as Consul writes it: the keys are
  // `service/<i % 997>/key-<i>`, so each group's keys are written together, group by group.
  const span = pool.length - valueLength;
  for (let group = 0; group < 997; group++) {
    for (let i = group; i < keys; i += 997) {
      const key = `service/${String(group).padStart(3, "0")}/key-${String(i).padStart(8, "0")}`;
      const at = (i * 7919) % span;
      if (!(side === "new" && i % 1000 === 0)) {
        const changed = side === "new" && i % 500 === 250;
        yield kvs(key, pool, changed ? (at + 13) % span : at, valueLength, 1000 + i);
      }
      if (side === "new" && i % 997 === 1) {
        yield kvs(`${key}-new`, pool, (at + 101) % span, valueLength, 2_000_000 + i);
      }
    }
  }
  for (let i = 0; i < 13; i++) {
    const r: number[] = [0x10, 0x82];
    raw(r, "Key");
    raw(r, `table-${String(i).padStart(2, "0")}`);
    raw(r, "Value");
    uint(r, 1000 + i);
    yield new Uint8Array(r);
  }
}

/** The keys each side holds and what the diff should find. */
export function expected(keys: number): Expected {
  let removed = 0;
  let changed = 0;
  let added = 0;
  for (let i = 0; i < keys; i++) {
    if (i % 1000 === 0) removed++;
    else if (i % 500 === 250) changed++;
    if (i % 997 === 1) added++;
  }
  return { keys, added, removed, changed };
}

/** Writes one side's state to `path`; returns its size. */
export async function writeSide(
  path: string,
  side: "old" | "new",
  keys: number,
  valueLength: number,
): Promise<number> {
  const pool = new Uint8Array(16 << 20);
  let x = 0x9e3779b9;
  for (let i = 0; i < pool.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    pool[i] = x & 0xff;
  }
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  let size = 0;
  const batch = new Uint8Array(4 << 20);
  let used = 0;
  const flush = async () => {
    let view = batch.subarray(0, used);
    while (view.length > 0) view = view.subarray(await file.write(view));
    used = 0;
  };
  for (const record of records(side, keys, valueLength, pool)) {
    if (used + record.length > batch.length) await flush();
    batch.set(record, used);
    used += record.length;
    size += record.length;
  }
  await flush();
  file.close();
  return size;
}

if (import.meta.main) {
  const dir = Deno.args[0];
  if (!dir) throw new Error("usage: _gen_diff_state.ts DIR [--keys N] [--value BYTES]");
  const flag = (name: string, fallback: number) => {
    const at = Deno.args.indexOf(`--${name}`);
    return at < 0 ? fallback : Number(Deno.args[at + 1]);
  };
  const keys = flag("keys", 1_000_000);
  const value = flag("value", 960);
  await Deno.mkdir(dir, { recursive: true });
  for (const side of ["old", "new"] as const) {
    const statePath = `${dir}/${side}.state.bin`;
    const size = await writeSide(statePath, side, keys, value);
    const state = await Deno.open(statePath);
    const out = await Deno.open(`${dir}/${side}.snap`, {
      write: true,
      create: true,
      truncate: true,
    });
    await writeSnapshot(
      {
        id: `2-${side === "old" ? 5_000_000 : 5_100_000}-1710000000000`,
        index: side === "old" ? 5_000_000 : 5_100_000,
        term: 2,
        size,
      },
      state.readable,
    ).pipeTo(out.writable);
    await Deno.remove(statePath);
    console.error(`${side}: state ${size} bytes`);
  }
  console.log(JSON.stringify(expected(keys)));
}
