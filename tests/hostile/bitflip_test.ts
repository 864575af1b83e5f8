// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// "Never a wrong answer": single-bit flips of every good fixture, in the compressed
// archive and in its tar (re-gzipped with stored blocks, so every byte reaches the tar
// layer), either fail with a SnapshotError or verify to the original metadata and state;
// cutting the archive short at any offset always fails.
//
// The default run is a deterministic slice that keeps the suite fast: every bit of the
// gzip bytes of the small fixtures, every 7th bit of their tars, and for one-mib.snap its
// first and last 128 bytes plus every 49999th bit. RAFTSNAP_EXHAUSTIVE=1 (`deno task
// test:exhaustive`) flips every bit of the small fixtures and of their tars, and for
// one-mib.snap its first and last 8 KiB bit by bit and every 997th bit between, cutting
// it at its first and last 8 KiB of offsets and every 97th between.

import { verifySnapshot } from "../../mod.ts";
import { assert, goManifest, gunzipBytes, readFixture } from "../_helpers.ts";
import { gzipStored, judge, type Reference, Tally } from "../_mutations.ts";

const EXHAUSTIVE = Deno.env.get("RAFTSNAP_EXHAUSTIVE") === "1";
const manifest = await goManifest();
const good = manifest.fixtures.filter((f) => f.verify_ok);

/** The bit positions to flip in `length` bytes (`stride` thins out small inputs). */
function* bits(length: number, stride: number): Generator<number> {
  const large = length > 64 * 1024;
  const edge = EXHAUSTIVE ? 8 * 1024 : 128;
  const step = EXHAUSTIVE ? 997 : 49999;
  for (let bit = 0; bit < length * 8; bit++) {
    const byte = bit >> 3;
    if (!large) {
      if (EXHAUSTIVE || bit % stride === 0) yield bit;
    } else if (byte < edge || byte >= length - edge || bit % step === 0) yield bit;
  }
}

/** Whether to cut at `offset` of `length` bytes. */
function cutsAt(offset: number, length: number): boolean {
  if (length <= 64 * 1024) return true;
  const edge = EXHAUSTIVE ? 8 * 1024 : 1024;
  return offset < edge || offset >= length - edge || offset % (EXHAUSTIVE ? 97 : 4999) === 0;
}

async function reference(bytes: Uint8Array<ArrayBuffer>): Promise<Reference> {
  const result = await verifySnapshot(bytes);
  const meta = result.entries.find((e) => e.name === "meta.json")!.content!;
  return { metaJson: new TextDecoder().decode(meta), stateSha256: result.stateSha256 };
}

for (const fixture of good) {
  Deno.test(`verifySnapshot() never lies about ${fixture.file} with one bit flipped in its gzip bytes`, async () => {
    const bytes = await readFixture(`go-reference/${fixture.file}`);
    const ref = await reference(bytes);
    const tally = new Tally();
    for (const bit of bits(bytes.length, 1)) {
      const mutated = bytes.slice();
      mutated[bit >> 3]! ^= 1 << (bit & 7);
      tally.add(`bit ${bit}`, await judge(mutated, ref));
    }
    console.log(`${fixture.file} gzip flips: ${tally}`);
    assert.deepEqual(tally.findings, []);
  });

  Deno.test(`verifySnapshot() never lies about ${fixture.file} with one bit flipped in its tar`, async () => {
    const bytes = await readFixture(`go-reference/${fixture.file}`);
    const ref = await reference(bytes);
    const tar = await gunzipBytes(bytes);
    assert.equal(
      (await judge(gzipStored(tar), ref)).kind,
      "same",
      "the stored re-gzip must verify",
    );
    const tally = new Tally();
    for (const bit of bits(tar.length, 7)) {
      const mutated = tar.slice();
      mutated[bit >> 3]! ^= 1 << (bit & 7);
      tally.add(`tar bit ${bit}`, await judge(gzipStored(mutated), ref));
    }
    console.log(`${fixture.file} tar flips: ${tally}`);
    assert.deepEqual(tally.findings, []);
  });

  Deno.test(`verifySnapshot() fails with a SnapshotError for ${fixture.file} cut at every offset`, async () => {
    const bytes = await readFixture(`go-reference/${fixture.file}`);
    const ref = await reference(bytes);
    const tally = new Tally();
    for (let cut = 0; cut < bytes.length; cut++) {
      if (!cutsAt(cut, bytes.length)) continue;
      const outcome = await judge(bytes.subarray(0, cut), ref);
      tally.add(
        `cut ${cut}`,
        outcome.kind === "same" ? { kind: "wrong", detail: "verified" } : outcome,
      );
    }
    console.log(`${fixture.file} truncations: ${tally}`);
    assert.deepEqual(tally.findings, []);
    assert.equal(tally.counts.get("same") ?? 0, 0);
  });
}
