// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// A short, deterministic slice of the fuzzer (fixed seed): the long run is `deno task fuzz`.

import { assert } from "../_helpers.ts";
import { fuzz, loadSeeds, MUTATORS } from "../_fuzz.ts";

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
