// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// The inspect benchmark's state generators (bench/_gen_state.ts): inspectSnapshot finds
// the product and exactly the records, types and key prefixes each generator says it
// wrote, and the states end at the size asked for.

import { inspectSnapshot, writeSnapshot } from "../../mod.ts";
import { sample } from "../../bench/_gen.ts";
import {
  consulState,
  type GeneratedStats,
  KEY_DEPTH,
  MIN_CHUNK,
  type StateGenerator,
  type Tally,
  vaultState,
} from "../../bench/_gen_state.ts";
import { assert } from "../_helpers.ts";

const SIZE = (1 << 20) + 12345;

/** The whole state, and the generator's tally once it is complete. */
function generate(generator: StateGenerator, size: number): Uint8Array {
  const state = new Uint8Array(size);
  const chunk = new Uint8Array(MIN_CHUNK);
  let filled = 0;
  for (;;) {
    const used = generator.fill(chunk);
    if (used === 0) break;
    assert.ok(filled + used <= size, "the generator wrote past the size");
    state.set(chunk.subarray(0, used), filled);
    filled += used;
  }
  assert.equal(filled, size);
  assert.equal(generator.stats.stateBytes, size);
  return state;
}

function sorted(rows: { name: string; count: number; bytes: number }[]): [string, Tally][] {
  return rows.map((r) => [r.name, { count: r.count, bytes: r.bytes }] as [string, Tally])
    .sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
}

function sortedMap(map: Map<string, Tally>): [string, Tally][] {
  return [...map].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
}

async function inspectGenerated(state: Uint8Array, stats: GeneratedStats) {
  const archive = writeSnapshot(
    { id: "1-100-1700000000000", index: 100, term: 1, size: state.length },
    state,
  );
  const result = await inspectSnapshot(archive, { depth: KEY_DEPTH });
  assert.equal(result.product, stats.product, result.productReason);
  assert.deepEqual(result.warnings, []);
  assert.equal(result.stateBytes, state.length);
  assert.equal(result.records, stats.records);
  assert.deepEqual(sorted(result.keys!.prefixes), sortedMap(stats.keys));
  return result;
}

Deno.test("consulState() writes what inspectSnapshot() counts, every common type", async () => {
  const generator = consulState(7, SIZE);
  const state = generate(generator, SIZE);
  const result = await inspectGenerated(state, generator.stats);
  assert.deepEqual(sorted(result.types), sortedMap(generator.stats.types));
  assert.deepEqual(result.unknownTypes, []);
  assert.equal(result.totalBytes, SIZE);
  for (
    const name of [
      "Register",
      "KVS",
      "Session",
      "Tombstone",
      "CoordinateBatchUpdate",
      "Index",
      "ACLToken",
      "ACLPolicy",
      "ConfigEntry",
      "ChunkingState",
      "SystemMetadata",
    ]
  ) {
    assert.ok(generator.stats.types.has(name), `no ${name} record`);
  }
  assert.ok(generator.stats.types.get("KVS")!.bytes > 0.9 * SIZE, "KVS should dominate");
});

Deno.test("vaultState() writes what inspectSnapshot() counts", async () => {
  const generator = vaultState(7, SIZE);
  const state = generate(generator, SIZE);
  const result = await inspectGenerated(state, generator.stats);
  assert.ok(generator.stats.keys.has("core/keyring"));
  assert.ok([...generator.stats.keys.keys()].some((name) => name.startsWith("logical/")));
  assert.equal(result.keys!.count, generator.stats.records);
});

Deno.test("consulState() is deterministic, and a prefix does not depend on the chunk size", () => {
  const a = sample(consulState(3, 1 << 20).fill, 1 << 19);
  const b = consulState(3, 1 << 20);
  const big = new Uint8Array(4 * MIN_CHUNK);
  const used = b.fill(big);
  assert.ok(used >= 1 << 19);
  assert.deepEqual(a, big.subarray(0, 1 << 19));
});
