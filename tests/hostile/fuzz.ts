// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// `deno task fuzz [--seconds N | --iterations N] [--seed N]`: the long fuzzing run.
// Prints the tally by outcome and by mutator, the findings, and the peak RSS; exits 1 on
// any finding (a crash, a hang or a lie).

import { fuzz, FUZZ_SEEDS, loadSeeds } from "../_fuzz.ts";

const args = new Map<string, string>();
for (let i = 0; i < Deno.args.length; i += 2) {
  args.set(Deno.args[i]!.replace(/^--/, ""), Deno.args[i + 1] ?? "");
}
const seed = Number(args.get("seed") ?? Date.now() % 100000);
const seconds = args.has("seconds") ? Number(args.get("seconds")) : undefined;
const iterations = args.has("iterations") ? Number(args.get("iterations")) : undefined;

const seeds = await loadSeeds(FUZZ_SEEDS);
console.log(`fuzzing with seed ${seed} for ${seconds ?? "∞"} s / ${iterations ?? "∞"} cases …`);
const report = await fuzz(seeds, {
  seed,
  seconds: seconds ?? (iterations ? undefined : 60),
  iterations,
});
console.log(
  `${report.tally} in ${report.seconds.toFixed(1)} s (${
    (report.tally.cases / report.seconds).toFixed(0)
  } cases/s)`,
);
console.log(`by mutator: ${[...report.byMutator].map(([k, v]) => `${k} ${v}`).join(", ")}`);
console.log(`peak RSS ${report.peakRssMiB.toFixed(0)} MiB`);
if (report.tally.findings.length > 0) {
  console.log("findings:");
  for (const f of report.tally.findings) console.log(`  ${f}`);
  Deno.exit(1);
}
console.log("findings: none (no crash, no hang, no wrong answer)");
