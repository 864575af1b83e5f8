// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// A verdict must not depend on timing, chunking or the inflater. Go's flate hands out every
// byte it decoded before it reports corrupt data, so Go's tar reader sees the whole decodable
// prefix before the gzip error: the script inflater does the same. Seeded mutants of a
// generated archive (bytes flipped inside its deflate data) must give the same error and the
// same decodable prefix on the platform's inflater as on the script one, whatever the
// chunking, alone or many at once, and `verifySnapshot` the same code on every run.

import { SnapshotError, verifySnapshot, writeSnapshot } from "../../../mod.ts";
import { inflate } from "../../../src/format/gzip/inflate.ts";
import { assert, chunked, collect, prng, randomSizes } from "../../_helpers.ts";

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
