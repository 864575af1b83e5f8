// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// A short, deterministic slice of the fuzzer (fixed seed): the long run is `deno task fuzz`.

import { assert, chunked, randomSizes } from "../_helpers.ts";
import { fuzz, FUZZ_SEEDS, loadSeeds, MUTATORS, oracleFor } from "../_fuzz.ts";
import { judge, type Oracle, Tally } from "../_mutations.ts";
import {
  type ArchiveInput,
  SnapshotError,
  type VerifyOptions,
  type VerifyResult,
  verifySnapshot,
} from "../../mod.ts";

const seeds = await loadSeeds([
  "small.snap",
  "sealed.snap",
  "reordered-ok.snap",
  "tar-no-trailer.snap",
]);

Deno.test("verifySnapshot() survives 3000 fuzzed archives (seed 20261125) without a crash, hang or lie", async () => {
  const report = await fuzz(seeds, { seed: 20261125, iterations: 3000, timeoutMs: 10_000 });
  console.log(`fuzz slice: ${report.tally}; peak RSS ${report.peakRssMiB.toFixed(0)} MiB`);
  assert.deepEqual(report.tally.findings, []);
  assert.equal(report.tally.cases, 3000);
  // Every mutator ran, and the mutants reached the deep checks, not just the gzip layer.
  assert.deepEqual([...report.byMutator.keys()].sort(), Object.keys(MUTATORS).sort());
  for (const code of ["tar-header", "hash-mismatch", "gzip-data", "truncated"]) {
    assert.ok((report.tally.counts.get(`rejected:${code}`) ?? 0) > 0, `no case reached ${code}`);
  }
});

// The oracle itself. Case 463686 of `deno task fuzz --seconds 300 --seed 120326` was a
// "gzip splice" on empty-state.snap whose piece was the whole of small.snap, put at
// offset 0 over the seed: the mutant is small.snap byte for byte, and verifies. (The
// fuzzer draws chunk sizes while verifying, so which case number a mutant gets depends
// on how far each earlier case read: the splice is rebuilt here from its draws.)
const all = await loadSeeds(FUZZ_SEEDS);
const seedNamed = (name: string) => all.find((s) => s.name === name)!;

/** A `random` that returns the given draws in order. */
function draws(...values: number[]): () => number {
  let i = 0;
  return () => values[i++]!;
}

/** Case 463686's mutant: from 0, a piece of 1023 (all 468 bytes), at 0, overwriting. */
async function case463686(): Promise<Uint8Array> {
  return await MUTATORS["gzip splice"]!(
    draws(0, 0.999, 0, 0.9),
    seedNamed("empty-state.snap"),
    seedNamed("small.snap"),
  );
}

Deno.test("fuzz oracle: case 463686 (a gzip splice that rebuilt small.snap over empty-state.snap) is no finding", async () => {
  const mutant = await case463686();
  assert.deepEqual(mutant, seedNamed("small.snap").gzip);
  const seed = seedNamed("empty-state.snap");
  // The old oracle (the seed's answer or a failure) called it a lie ...
  assert.equal((await judge(mutant, seed.reference)).kind, "wrong");
  // ... the fuzzer's oracle judges it against small.snap, whole and in random chunks.
  const tally = new Tally();
  for (const input of [mutant, chunked(mutant, randomSizes(463686))]) {
    const outcome = await judge(input, seed.reference, {}, 10_000, oracleFor(all, mutant));
    assert.deepEqual(outcome, { kind: "known", as: "small.snap" });
    tally.add("case 463686", outcome);
  }
  assert.deepEqual(tally.findings, []);
});

Deno.test("fuzz oracle: a seeded slice of gzip splices on empty-state.snap with small.snap as donor has no finding", async () => {
  const pair = [seedNamed("empty-state.snap"), seedNamed("small.snap")];
  const report = await fuzz(pair, { seed: 120326, iterations: 300 });
  assert.deepEqual(report.tally.findings, []);
});

Deno.test("fuzz oracle: a lying verifier is still reported", async () => {
  const small = seedNamed("small.snap");
  const empty = seedNamed("empty-state.snap");
  const real = (input: ArchiveInput, options: VerifyOptions) => verifySnapshot(input, options);
  const liar =
    (lie: (r: VerifyResult) => VerifyResult) =>
    async (input: ArchiveInput, options: VerifyOptions) => lie(await real(input, options));
  const oracle = (mutant: Uint8Array, verify: Oracle["verify"]) => ({
    ...oracleFor(all, mutant),
    verify,
  });
  const emptyResult = await verifySnapshot(empty.gzip);
  const kind = async (
    mutant: Uint8Array,
    verify: Oracle["verify"],
    seed = small,
  ) => (await judge(mutant, seed.reference, {}, 10_000, oracle(mutant, verify)));

  // The honest verifier on the untouched seed: the same answer.
  assert.deepEqual(await kind(small.gzip, real), { kind: "same" });
  // A wrong state hash for a byte-exact copy of a fixture.
  const wrongState = await kind(small.gzip, liar((r) => ({ ...r, stateSha256: "0".repeat(64) })));
  assert.equal(wrongState.kind, "wrong");
  // Refusing a byte-exact copy of a good fixture.
  const refusing = () => {
    return Promise.reject(new SnapshotError("hash-mismatch", "a lie", { layer: "tar" }));
  };
  assert.match(JSON.stringify(await kind(small.gzip, refusing)), /refused a byte-exact copy/);
  // A state hash that contradicts the archive's own SHA256SUMS, on a mutant.
  const flipped = small.gzip.slice();
  flipped[flipped.length - 12]! ^= 1; // inside the last deflate bytes: the real verifier refuses
  assert.equal((await kind(flipped, real)).kind, "rejected");
  const smallResult = await verifySnapshot(small.gzip);
  const contradicts = await kind(flipped, () =>
    Promise.resolve({
      ...smallResult,
      stateSha256: "1".repeat(64),
    }));
  assert.match(JSON.stringify(contradicts), /SHA256SUMS says/);
  // A corrupt small.snap "verified" as empty-state.snap's content, which it does not hold.
  const claimsOther = await kind(flipped, () => Promise.resolve(emptyResult));
  assert.match(JSON.stringify(claimsOther), /which its bytes do not hold/);
  // Content that no known archive has, self-consistent or not.
  const meta = new TextEncoder().encode('{"ID":"forged"}');
  const forged = await kind(flipped, () =>
    Promise.resolve({
      ...smallResult,
      entries: smallResult.entries.map((e) => e.name === "meta.json" ? { ...e, content: meta } : e),
    }));
  assert.match(JSON.stringify(forged), /meta.json hashes to/);
});
