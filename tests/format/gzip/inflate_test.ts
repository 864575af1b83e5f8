// Copyright 2026 the raftsnap authors. Apache-2.0 license.

import { verifySnapshot } from "../../../mod.ts";
import { inflate } from "../../../src/format/gzip/inflate.ts";
import {
  assert,
  chunked,
  collect,
  gunzipBytes,
  gzipBytes,
  randomSizes,
  readFixture,
  rejectsWith,
} from "../../_helpers.ts";

/** The tar of small.snap split into gzip members at the given tar offsets. */
async function multiMember(cuts: number[]): Promise<Uint8Array<ArrayBuffer>> {
  const tar = await gunzipBytes(await readFixture("go-reference/small.snap"));
  const bounds = [0, ...cuts, tar.length];
  const members = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    members.push(await gzipBytes(tar.slice(bounds[i], bounds[i + 1])));
  }
  return new Uint8Array(await new Blob(members).arrayBuffer());
}

Deno.test("verifySnapshot() accepts concatenated gzip members, as Go does", async () => {
  for (const cuts of [[1], [512, 1000], [100, 200, 300, 2048, 4000], [4096 - 1]]) {
    const bytes = await multiMember(cuts);
    const result = await verifySnapshot(bytes);
    assert.equal(result.gzipMembers, cuts.length + 1);
    assert.equal(
      result.stateSha256,
      "83435f28ef54bc74e4c094b5b68525a115b52644e54c9f0bbf4c5616cee4ff79",
    );
    // Member headers split across chunks must be found too.
    for (const sizes of [[1], [2], [3], randomSizes(cuts.length)]) {
      const again = await verifySnapshot(chunked(bytes, sizes));
      assert.equal(again.gzipMembers, cuts.length + 1);
    }
  }
});

Deno.test("verifySnapshot() accepts an empty gzip member between others", async () => {
  const tar = await gunzipBytes(await readFixture("go-reference/small.snap"));
  const bytes = new Uint8Array(
    await new Blob([
      await gzipBytes(tar.slice(0, 1000)),
      await gzipBytes(new Uint8Array(0)),
      await gzipBytes(tar.slice(1000)),
    ]).arrayBuffer(),
  );
  assert.equal((await verifySnapshot(bytes)).gzipMembers, 3);
});

Deno.test("verifySnapshot() refuses bytes after the last gzip member, as Go does", async () => {
  const good = await readFixture("go-reference/small.snap");
  // Go's readHeader after the member (gunzip.go L279): io.ReadFull of 10 bytes (L175)
  // gets fewer, io.ErrUnexpectedEOF; 10 that are no header are ErrHeader (L185-186).
  // More cases, on every engine: trailing_test.ts.
  const junk: [Uint8Array, "truncated" | "gzip-data"][] = [
    [new Uint8Array([1, 2, 3]), "truncated"],
    [new Uint8Array(20), "gzip-data"],
    [new TextEncoder().encode("trailing garbage that is long"), "gzip-data"],
    [new Uint8Array([0x1f, 0x8b, 0x08, 0, 0, 0]), "truncated"],
  ];
  for (const [tail, code] of junk) {
    const bytes = new Uint8Array([...good, ...tail]);
    for (const sizes of [[bytes.length], [1], [good.length, 1]]) {
      const error = await rejectsWith(verifySnapshot(chunked(bytes, sizes)), code);
      assert.equal(error.layer, "gzip");
    }
  }
});

Deno.test("verifySnapshot() reports a corrupt member in the middle of several", async () => {
  const bytes = await multiMember([1000, 2000]);
  // Flip a byte inside the second member's deflate data.
  let second = -1;
  for (let i = 1; i < bytes.length - 2; i++) {
    if (bytes[i] === 0x1f && bytes[i + 1] === 0x8b && bytes[i + 2] === 0x08) {
      second = i;
      break;
    }
  }
  assert.ok(second > 0);
  const bad = bytes.slice();
  bad[second + 14]! ^= 0xff;
  const error = await rejectsWith(verifySnapshot(bad), "gzip-data")
    .catch(() => rejectsWith(verifySnapshot(bad), "gzip-checksum"))
    .catch(() => rejectsWith(verifySnapshot(bad), "hash-mismatch"));
  assert.ok(error);
});

Deno.test("inflate() hands the sink every byte, with backpressure, and stops on its error", async () => {
  const snap = await readFixture("go-reference/one-mib.snap");
  const expected = await gunzipBytes(snap);
  const parts: Uint8Array<ArrayBuffer>[] = [];
  const summary = await inflate(chunked(snap, randomSizes(9, 5000)), async (chunk) => {
    parts.push(chunk.slice());
    await new Promise((resolve) => setTimeout(resolve, 0));
  });
  const got = await collect(new Blob(parts).stream());
  assert.equal(summary.decompressedBytes, expected.length);
  assert.equal(got.length, expected.length);
  assert.ok(got.every((b, i) => b === expected[i]));

  const stop = new Error("sink refuses");
  let calls = 0;
  await assert.rejects(
    inflate(chunked(snap, [4096]), () => {
      if (++calls === 2) throw stop;
    }),
    (e) => e === stop,
  );
});
