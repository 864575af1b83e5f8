// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// A verdict must not depend on timing, chunking or the inflater. Go's flate hands out every
// byte it decoded before it reports corrupt data, so Go's tar reader sees the whole decodable
// prefix before the gzip error: the script inflater does the same. Seeded mutants of a
// generated archive (bytes flipped inside its deflate data) must give the same error and the
// same decodable prefix on the platform's inflater as on the script one, whatever the
// chunking, alone or many at once, and `verifySnapshot` the same code on every run.

import { SnapshotError, verifySnapshot, writeSnapshot } from "../../../mod.ts";
import { inflate } from "../../../src/format/gzip/inflate.ts";
import {
  assert,
  chunked,
  codeForGoError,
  collect,
  goManifest,
  prng,
  randomSizes,
  readFixture,
} from "../../_helpers.ts";

/** A valid archive of a semi-compressible state (several 16 KiB native pieces). */
async function archive(seed: number, size: number): Promise<Uint8Array<ArrayBuffer>> {
  const next = prng(seed);
  const state = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    state[i] = next() < 0.7 ? 97 + Math.floor(next() * 6) : Math.floor(next() * 256);
  }
  return await collect(
    writeSnapshot({ id: "1-10-0", index: 10, term: 1, size }, state, { modTime: new Date(0) }),
  );
}

/** Seeded mutants: one bit flipped somewhere after the gzip header. */
function mutants(bytes: Uint8Array, seed: number, count: number): Uint8Array<ArrayBuffer>[] {
  const next = prng(seed);
  const out = [];
  for (let i = 0; i < count; i++) {
    const at = 10 + Math.floor(next() * (bytes.length - 10));
    const mutant = bytes.slice();
    mutant[at]! ^= 1 << Math.floor(next() * 8);
    out.push(mutant);
  }
  return out;
}

/** What the inflater made of `source`: its verdict and how many bytes reached the sink first. */
async function inflation(
  source: ReadableStream<Uint8Array>,
  engine: "auto" | "native" | "script",
  slowSink = false,
): Promise<string> {
  let out = 0;
  try {
    await inflate(source, async (chunk) => {
      out += chunk.length;
      if (slowSink) await new Promise((resolve) => setTimeout(resolve, 0));
    }, { engine });
    return `ok after ${out} bytes`;
  } catch (error) {
    if (!(error instanceof SnapshotError)) throw error;
    return `${error.code} after ${out} bytes`;
  }
}

async function verdict(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    if (error instanceof SnapshotError) return error.code;
    throw error;
  }
}

const whole = (bytes: Uint8Array) => chunked(bytes, [bytes.length]);

Deno.test("inflate() hands out the same decodable prefix and error as the script inflater, on every path", async () => {
  const good = await archive(3, 100_000);
  const cases = mutants(good, 11, 24);
  const findings: string[] = [];
  for (const [i, mutant] of cases.entries()) {
    const script = await inflation(whole(mutant), "script");
    const paths: [string, Promise<string>][] = [
      ["native whole", inflation(whole(mutant), "native")],
      ["auto whole", inflation(whole(mutant), "auto")],
      ["native 1000-byte chunks", inflation(chunked(mutant, [1000]), "native")],
      [
        "native random chunks, slow sink",
        inflation(chunked(mutant, randomSizes(i, 3000)), "native", true),
      ],
      ["script random chunks", inflation(chunked(mutant, randomSizes(i, 3000)), "script")],
    ];
    if (i % 12 === 0) {
      paths.push(["native 1-byte chunks", inflation(chunked(mutant, [1]), "native")]);
    }
    // Several at once, so that the platform's streams interleave.
    for (const [name, got] of paths) {
      const found = await got;
      if (found !== script) findings.push(`mutant ${i}, ${name}: ${found}; script: ${script}`);
    }
  }
  assert.deepEqual(findings, []);
});

Deno.test("verifySnapshot() gives corrupt archives one verdict, alone, many at once and in any chunking", async () => {
  const good = await archive(5, 40_000);
  const cases = mutants(good, 17, 12);
  const alone: string[] = [];
  for (const mutant of cases) alone.push(await verdict(verifySnapshot(mutant)));
  // Every code is the one verifySnapshot gives on the script inflater's prefix: a sound
  // archive never comes out of one bit flipped.
  assert.ok(alone.every((code) => code !== "ok"), alone.join());
  for (let round = 0; round < 3; round++) {
    const together = await Promise.all(cases.map((mutant, i) =>
      verdict(verifySnapshot(
        round === 0 ? mutant : chunked(mutant, round === 1 && i < 4 ? [1] : randomSizes(i, 2000)),
      ))
    ));
    assert.deepEqual(together, alone, `round ${round}`);
  }
  for (const [i, mutant] of cases.entries()) {
    const again = await Promise.all([0, 1, 2].map(() => verdict(verifySnapshot(mutant))));
    assert.deepEqual(again, [alone[i], alone[i], alone[i]], `mutant ${i}`);
  }
});

// Every go-reference fixture, at every chunking, alone and several at once: one code, and
// the one Go's manifest records (codeForGoError maps its text; where Go's own answer
// varies between runs, as with a map's order, the manifest lists each it gave).
Deno.test("verifySnapshot() gives every go-reference fixture Go's code, whole, in 1-byte and random chunks, alone and at once", async () => {
  const manifest = await goManifest();
  const findings: string[] = [];
  const runs: Promise<void>[] = [];
  for (const fixture of manifest.fixtures) {
    const go = fixture.checks.find((c) => c.function === "snapshot.Verify")!;
    const allowed = go.ok ? ["ok"] : go.errors!.map(codeForGoError);
    const bytes = await readFixture(`go-reference/${fixture.file}`);
    const tiny = bytes.length > 100_000 ? [1, 3, 7, 2] : [1];
    const sources: [string, () => ReadableStream<Uint8Array> | Uint8Array][] = [
      ["whole", () => bytes],
      ["1-byte chunks", () => chunked(bytes, tiny)],
      ...[1, 2, 3, 4].map((seed) =>
        [`random chunks ${seed}`, () => chunked(bytes, randomSizes(seed, 900))] as [
          string,
          () => ReadableStream<Uint8Array>,
        ]
      ),
    ];
    const codes = new Set<string>();
    for (const [name, source] of sources) {
      const code = await verdict(verifySnapshot(source()));
      codes.add(code);
      if (!allowed.includes(code)) {
        findings.push(`${fixture.file}, ${name}: ${code}, Go: ${allowed}`);
      }
    }
    if (codes.size > 1) findings.push(`${fixture.file}: ${[...codes]} by chunking`);
    // Again with the others at once, so that the platform's streams interleave.
    runs.push(
      verdict(verifySnapshot(chunked(bytes, randomSizes(9, 500)))).then((code) => {
        if (!codes.has(code)) {
          findings.push(`${fixture.file}, at once: ${code}, alone: ${[...codes]}`);
        }
      }),
    );
  }
  await Promise.all(runs);
  assert.deepEqual(findings, []);
});

Deno.test("inflate() gives every go-reference fixture one output and verdict on every engine and chunking", async () => {
  const manifest = await goManifest();
  const findings: string[] = [];
  for (const fixture of manifest.fixtures) {
    const bytes = await readFixture(`go-reference/${fixture.file}`);
    const script = await inflation(whole(bytes), "script");
    const tiny = bytes.length > 100_000 ? [1, 3, 7, 2] : [1];
    for (const engine of ["native", "auto", "script"] as const) {
      for (
        const [name, sizes] of [
          ["1-byte", tiny],
          ["random 1", randomSizes(1, 700)],
          ["random 2", randomSizes(2, 5000)],
        ] as const
      ) {
        const got = await inflation(chunked(bytes, sizes), engine);
        if (got !== script) {
          findings.push(`${fixture.file}, ${engine}, ${name}: ${got}; script: ${script}`);
        }
      }
      const got = await inflation(whole(bytes), engine);
      if (got !== script) {
        findings.push(`${fixture.file}, ${engine}, whole: ${got}; script: ${script}`);
      }
    }
  }
  assert.deepEqual(findings, []);
});
