// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Issue 12, finding 1: a tar gzipped as many small members is valid (Go's gzip reader
// joins members), so it must get the verdict of the same tar in one member, whether whole,
// cut short, with a failing member, or fed in odd chunks. The archives are generated here
// (bench/_members.ts), never committed. Memory and time are measured by
// `deno task bench:hostile`, not asserted here.

import { parseSnapshot, restoreSnapshot, type VerifyResult, verifySnapshot } from "../../mod.ts";
import {
  cutAt,
  gzipMembers,
  type Members,
  snapshotTar,
  spoilCrcs,
  withGarbageMember,
  zeroSnapshot,
} from "../../bench/_members.ts";
import { assert, chunked, collect, randomSizes, rejectsWith, verdict } from "../_helpers.ts";

/** A state that is not all zeros, so every member holds different bytes. */
function varied(size: number): Uint8Array<ArrayBuffer> {
  return new Uint8Array(size).map((_, i) => (i * 7919) >> 9);
}

const STATE = varied(64 << 10);
const TAR = await snapshotTar(STATE);
const ONE = gzipMembers(TAR, 1);
const SINGLE = await verifySnapshot(ONE.bytes);

/** Memoised: the 60,000-member archive is used by several tests. */
const manyMembers = new Map<number, Members>();
function members(count: number): Members {
  let found = manyMembers.get(count);
  if (!found) manyMembers.set(count, found = gzipMembers(TAR, count));
  return found;
}

/** What must match between two verdicts on the same tar. */
function sameTar(result: VerifyResult, count: number): void {
  assert.equal(result.gzipMembers, count);
  assert.deepEqual(result.meta, SINGLE.meta);
  assert.deepEqual(result.entries, SINGLE.entries);
  assert.equal(result.stateSha256, SINGLE.stateSha256);
  assert.equal(result.stateSize, STATE.length);
  assert.equal(result.tarBytes, SINGLE.tarBytes);
}

Deno.test("verifySnapshot() gives 1,000 and 60,000 gzip members the verdict of one", async () => {
  assert.equal(SINGLE.gzipMembers, 1);
  for (const count of [1000, 60_000]) {
    const archive = members(count);
    assert.equal(archive.ends.length, count);
    sameTar(await verifySnapshot(archive.bytes), count);
  }
});

Deno.test("parseSnapshot() and restoreSnapshot() read 60,000 members' state byte for byte", async () => {
  const archive = members(60_000).bytes;
  const parsed = parseSnapshot(archive);
  const [meta, state, result] = await Promise.all([
    parsed.meta,
    collect(parsed.state),
    parsed.result,
  ]);
  assert.deepEqual(meta, SINGLE.meta);
  assert.deepEqual(state, STATE);
  sameTar(result, 60_000);

  let restored: Uint8Array | undefined;
  const again = await restoreSnapshot(archive, async (_meta, stream) => {
    restored = await collect(stream);
  });
  assert.deepEqual(restored, STATE);
  sameTar(again, 60_000);
});

Deno.test("verifySnapshot() calls many members cut short anywhere truncated", async () => {
  const archive = members(1000);
  const { bytes, ends } = archive;
  // Every cut is before the end of state.bin (at 90% of the tar at most), where Go's tar
  // reader meets an unexpected EOF.
  const cuts: [string, number][] = [
    ["1 byte", 1],
    ["inside the first header", 5],
    ["after the first header", 10],
    ["at the end of member 1", ends[0]!],
    ["at the end of member 500", ends[499]!],
    ["inside member 501's header", ends[499]! + 4],
    ["inside member 500's trailer", ends[499]! - 3],
    ["between member 500's CRC and length", ends[499]! - 4],
    ["at 10%", Math.floor(bytes.length * 0.1)],
    ["at 50%", Math.floor(bytes.length * 0.5)],
    ["at the end of member 900", ends[899]!],
  ];
  for (const [where, at] of cuts) {
    const cut = bytes.subarray(0, at);
    assert.equal(await verdict(verifySnapshot(cut)), "truncated", where);
    const parsed = parseSnapshot(cut);
    parsed.meta.catch(() => {});
    const drained = collect(parsed.state).catch(() => undefined);
    assert.equal(await verdict(parsed.result), "truncated", `parse, ${where}`);
    await drained;
  }
  // The same cut in the 60,000-member archive.
  assert.equal(await verdict(verifySnapshot(cutAt(members(60_000).bytes, 0.5))), "truncated");
});

Deno.test("verifySnapshot() refuses a bad CRC-32 in any one of many members", async () => {
  // Not only the last member's: each member's trailer is checked, as Go's reader does.
  const archive = members(1000);
  for (const which of [[0], [1], [499], [998], [999], [...archive.ends.keys()]]) {
    const label = which.length > 1 ? "every member's CRC bad" : `member ${which[0]}'s CRC bad`;
    assert.equal(await verdict(verifySnapshot(spoilCrcs(archive, which))), "gzip-checksum", label);
  }
  const big = members(60_000);
  assert.equal(await verdict(verifySnapshot(spoilCrcs(big, [30_000]))), "gzip-checksum");
  const error = await rejectsWith(verifySnapshot(spoilCrcs(big, big.ends.keys())), "gzip-checksum");
  assert.equal(error.layer, "gzip");
});

Deno.test("verifySnapshot() refuses a garbage member among many", async () => {
  const archive = members(1000);
  for (const at of [0, 1, 500, 1000]) {
    assert.equal(
      await verdict(verifySnapshot(withGarbageMember(archive, at))),
      "gzip-data",
      `${at}`,
    );
  }
  assert.equal(
    await verdict(verifySnapshot(withGarbageMember(members(60_000), 30_000))),
    "gzip-data",
  );
});

Deno.test("verifySnapshot() reads many members fed in 1-byte and random chunks", async () => {
  const archive = members(300);
  for (const sizes of [[1], [2], [7], randomSizes(12, 40), randomSizes(13, 3000)]) {
    sameTar(await verifySnapshot(chunked(archive.bytes, sizes)), 300);
    assert.equal(
      await verdict(verifySnapshot(chunked(cutAt(archive.bytes, 0.5), sizes))),
      "truncated",
      "cut at 1/2",
    );
    assert.equal(
      await verdict(verifySnapshot(chunked(spoilCrcs(archive, [150]), sizes))),
      "gzip-checksum",
      "member 150's CRC bad",
    );
  }
});

// The default limits accept a good backup of any ratio: Go verifies this archive, and
// reading is streaming, so a high ratio costs time, not memory.
Deno.test("verifySnapshot() accepts a 1000:1 archive (64 MiB of zeros) with the default limits", async () => {
  const size = 64 << 20;
  const bytes = await collect(zeroSnapshot(size));
  assert.ok(size / bytes.length > 900, `ratio ${size / bytes.length}`);
  for (const options of [undefined, { limits: {} }]) {
    const result = await verifySnapshot(bytes, options);
    assert.equal(result.stateSize, size);
    assert.equal(result.gzipMembers, 1);
  }
  const parsed = parseSnapshot(bytes);
  let stateBytes = 0;
  for await (const chunk of parsed.state) stateBytes += chunk.length;
  assert.equal((await parsed.result).stateSize, size);
  assert.equal(stateBytes, size);
});
