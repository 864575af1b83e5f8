// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// The fuzzer: mutates the good go-reference fixtures (bit flips, byte insertions and
// deletions, chunk splices, tar header field rewrites with recomputed checksums, gzip
// member splits and trailing junk) and verifies each mutant, in whole or in random
// chunks. A finding is any throw that is not a SnapshotError (a crash), no answer within
// the per-case timeout (a hang), or a verification that tells a lie. A mutation can make a
// good archive (a splice that overwrites the whole seed with the whole donor makes the
// donor), so the oracle (`judge` with the seeds as known archives) decides the truth: a
// byte-exact copy of a seed must verify to that seed's content; any other mutant that
// verifies must agree with its own SHA256SUMS and hold one seed's meta and state, since
// no mutation can forge a SHA-256.
// No Blobs here: Deno frees their backing store lazily, which a million cases turn into
// gigabytes of RSS that have nothing to do with the code under test.

import { chunked, gunzipBytes, prng, readFixture } from "./_helpers.ts";
import { gzipStored, judge, type Oracle, type Reference, Tally } from "./_mutations.ts";
import { verifySnapshot } from "../mod.ts";
import { concatBytes } from "../src/_bytes.ts";

/** A fixture ready to mutate: its gzip bytes, its tar, and what it verifies to. */
export interface Seed {
  name: string;
  gzip: Uint8Array<ArrayBuffer>;
  tar: Uint8Array<ArrayBuffer>;
  reference: Reference;
}

/** The seeds of `deno task fuzz`, in its order. */
export const FUZZ_SEEDS = [
  "small.snap",
  "empty-state.snap",
  "sealed.snap",
  "reordered-ok.snap",
  "tar-no-trailer.snap",
  "meta-8191-bytes.snap",
];

/** Loads the seeds: the good go-reference fixtures, small enough to mutate quickly. */
export async function loadSeeds(names: string[]): Promise<Seed[]> {
  const seeds: Seed[] = [];
  for (const name of names) {
    const gzip = await readFixture(`go-reference/${name}`);
    const result = await verifySnapshot(gzip);
    const meta = result.entries.find((e) => e.name === "meta.json")!.content!;
    seeds.push({
      name,
      gzip,
      tar: await gunzipBytes(gzip),
      reference: {
        metaJson: new TextDecoder().decode(meta),
        stateSha256: result.stateSha256,
        sums: new TextDecoder().decode(
          result.entries.find((e) => e.name === "SHA256SUMS")!.content!,
        ),
      },
    });
  }
  return seeds;
}

type Random = () => number;
const int = (random: Random, n: number) => Math.floor(random() * n);

function flipBits(random: Random, bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const n = 1 + int(random, 8);
  for (let i = 0; i < n; i++) {
    const bit = int(random, out.length * 8);
    out[bit >> 3]! ^= 1 << (bit & 7);
  }
  return out;
}

function insertBytes(random: Random, bytes: Uint8Array): Uint8Array {
  const at = int(random, bytes.length + 1);
  const extra = new Uint8Array(1 + int(random, 16)).map(() => int(random, 256));
  const out = new Uint8Array(bytes.length + extra.length);
  out.set(bytes.subarray(0, at));
  out.set(extra, at);
  out.set(bytes.subarray(at), at + extra.length);
  return out;
}

function deleteBytes(random: Random, bytes: Uint8Array): Uint8Array {
  const at = int(random, bytes.length);
  const n = Math.min(1 + int(random, 16), bytes.length - at);
  const out = new Uint8Array(bytes.length - n);
  out.set(bytes.subarray(0, at));
  out.set(bytes.subarray(at + n), at);
  return out;
}

function splice(random: Random, bytes: Uint8Array, donor: Uint8Array): Uint8Array {
  const from = int(random, donor.length);
  const piece = donor.subarray(from, from + 1 + int(random, 1024));
  const at = int(random, bytes.length + 1);
  const cut = int(random, 2) === 0 ? 0 : piece.length; // insert, or overwrite
  const out = new Uint8Array(bytes.length + piece.length - Math.min(cut, bytes.length - at));
  out.set(bytes.subarray(0, at));
  out.set(piece, at);
  out.set(bytes.subarray(at + Math.min(cut, bytes.length - at)), at + piece.length);
  return out;
}

/** Offsets of the header blocks of a tar stream, walking sizes as written. */
function headerOffsets(tar: Uint8Array): number[] {
  const offsets: number[] = [];
  let at = 0;
  while (at + 512 <= tar.length) {
    const block = tar.subarray(at, at + 512);
    if (block.every((b) => b === 0)) break;
    offsets.push(at);
    const size = parseInt(new TextDecoder().decode(block.subarray(124, 135)), 8) || 0;
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return offsets;
}

function setChecksum(block: Uint8Array): void {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  const text = sum.toString(8).padStart(6, "0");
  for (let i = 0; i < 6; i++) block[148 + i] = text.charCodeAt(i);
  block[154] = 0;
  block[155] = 0x20;
}

const FIELDS: [offset: number, length: number][] = [
  [0, 100], // name
  [100, 8], // mode
  [124, 12], // size
  [136, 12], // mtime
  [156, 1], // typeflag
  [257, 8], // magic + version
  [345, 155], // prefix
];

const VALUES: ((random: Random) => Uint8Array)[] = [
  () => new TextEncoder().encode("meta.json\0"),
  () => new TextEncoder().encode("state.bin\0"),
  () => new TextEncoder().encode("SHA256SUMS\0"),
  () => new TextEncoder().encode("./meta.json\0"),
  () => new TextEncoder().encode("77777777777\0"),
  () => new TextEncoder().encode("00000001000\0"),
  () => new TextEncoder().encode("-0000000001\0"),
  () => new TextEncoder().encode("zzzzzzzzzzz\0"),
  () => new TextEncoder().encode(" 17 \0"),
  () => Uint8Array.of(0x80, 0, 0, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 0xff), // base-256, 2^39-1
  () => Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), // -1
  () => Uint8Array.of(0x80, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), // huge
  () => new TextEncoder().encode("x"),
  () => new TextEncoder().encode("g"),
  () => new TextEncoder().encode("L"),
  () => new TextEncoder().encode("S"),
  () => new TextEncoder().encode("5"),
  () => new TextEncoder().encode("ustar  \0"),
  (random) => new Uint8Array(1 + int(random, 12)).map(() => int(random, 256)),
];

/** Rewrites one field of one tar header and recomputes its checksum, so it parses on. */
function rewriteHeader(random: Random, tar: Uint8Array): Uint8Array {
  const out = tar.slice();
  const offsets = headerOffsets(out);
  if (offsets.length === 0) return flipBits(random, out);
  const header = offsets[int(random, offsets.length)]!;
  const [field, length] = FIELDS[int(random, FIELDS.length)]!;
  const value = VALUES[int(random, VALUES.length)]!(random);
  out.fill(0, header + field, header + field + length);
  out.set(value.subarray(0, length), header + field);
  setChecksum(out.subarray(header, header + 512));
  return out;
}

/** Puts a PAX header with random records before a random entry. */
function insertPax(random: Random, tar: Uint8Array): Uint8Array {
  const offsets = headerOffsets(tar);
  const at = offsets.length ? offsets[int(random, offsets.length)]! : 0;
  const records = [
    "19 size=8589934592\n",
    "15 path=extra\n",
    "20 path=state.bin\n",
    "12 size=-1\n",
    "30 GNU.sparse.major=1\n",
    "9 a=\n",
    "99 x=y\n",
    "11 size=20\n",
  ];
  const data = new TextEncoder().encode(records[int(random, records.length)]!);
  const block = new Uint8Array(512);
  block.set(new TextEncoder().encode("PaxHeaders.0/x"), 0);
  block.set(new TextEncoder().encode("0000600\0"), 100);
  block.set(new TextEncoder().encode(data.length.toString(8).padStart(11, "0") + "\0"), 124);
  block[156] = int(random, 2) ? 0x78 : 0x67; // 'x' or 'g'
  block.set(new TextEncoder().encode("ustar\x0000"), 257);
  setChecksum(block);
  const padded = new Uint8Array(Math.ceil(data.length / 512) * 512);
  padded.set(data);
  const out = new Uint8Array(tar.length + 512 + padded.length);
  out.set(tar.subarray(0, at));
  out.set(block, at);
  out.set(padded, at + 512);
  out.set(tar.subarray(at), at + 512 + padded.length);
  return out;
}

/** Splits the tar into gzip members at random points, maybe with junk after. */
function members(random: Random, tar: Uint8Array): Uint8Array {
  const cuts = [
    0,
    ...Array.from({ length: 1 + int(random, 3) }, () => int(random, tar.length)),
    tar.length,
  ]
    .sort((a, b) => a - b);
  const parts: Uint8Array<ArrayBuffer>[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    parts.push(gzipStored(tar.subarray(cuts[i], cuts[i + 1])));
  }
  if (int(random, 3) === 0) {
    parts.push(new Uint8Array(1 + int(random, 20)).map(() => int(random, 256)));
  }
  return concatBytes(parts);
}

/** The mutators, by name; each returns the gzip bytes to verify. */
export const MUTATORS: Record<
  string,
  (random: Random, seed: Seed, donor: Seed) => Promise<Uint8Array> | Uint8Array
> = {
  "gzip bit flips": (r, s) => flipBits(r, s.gzip),
  "gzip insertion": (r, s) => insertBytes(r, s.gzip),
  "gzip deletion": (r, s) => deleteBytes(r, s.gzip),
  "gzip splice": (r, s, d) => splice(r, s.gzip, d.gzip),
  "tar bit flips": (r, s) => gzipStored(flipBits(r, s.tar)),
  "tar insertion": (r, s) => gzipStored(insertBytes(r, s.tar)),
  "tar deletion": (r, s) => gzipStored(deleteBytes(r, s.tar)),
  "tar splice": (r, s, d) => gzipStored(splice(r, s.tar, d.tar)),
  "tar header rewrite": (r, s) => gzipStored(rewriteHeader(r, s.tar)),
  "tar PAX insertion": (r, s) => gzipStored(insertPax(r, s.tar)),
  "gzip members": (r, s) => members(r, s.tar),
};

/** The oracle the fuzzer judges a mutant with: every seed is a known good archive. */
export function oracleFor(seeds: Seed[], mutant: Uint8Array): Oracle {
  return {
    known: seeds.map((s) => ({ name: s.name, gzip: s.gzip, reference: s.reference })),
    mutant,
  };
}

/** What a fuzzing run found. */
export interface FuzzReport {
  tally: Tally;
  byMutator: Map<string, number>;
  peakRssMiB: number;
  seconds: number;
}

/** Runs the fuzzer for `iterations` cases or `seconds`, whichever ends first. */
export async function fuzz(
  seeds: Seed[],
  options: { seed: number; iterations?: number; seconds?: number; timeoutMs?: number },
): Promise<FuzzReport> {
  const random = prng(options.seed);
  const tally = new Tally();
  const byMutator = new Map<string, number>();
  const names = Object.keys(MUTATORS);
  const start = performance.now();
  const deadline = start + (options.seconds ?? Infinity) * 1000;
  let peak = 0;
  for (let i = 0; i < (options.iterations ?? Infinity) && performance.now() < deadline; i++) {
    const seed = seeds[int(random, seeds.length)]!;
    const donor = seeds[int(random, seeds.length)]!;
    const name = names[int(random, names.length)]!;
    const mutant = await MUTATORS[name]!(random, seed, donor);
    // Half the cases arrive in random chunks, some of a single byte.
    const input = int(random, 2) === 0 ? mutant : chunked(
      new Uint8Array(mutant),
      (() => {
        const max = 1 + int(random, 700);
        return () => 1 + int(random, max);
      })(),
    );
    const outcome = await judge(
      input,
      seed.reference,
      {},
      options.timeoutMs ?? 10_000,
      oracleFor(seeds, mutant),
    );
    tally.add(`case ${i} (${name} on ${seed.name}, seed ${options.seed})`, outcome);
    byMutator.set(name, (byMutator.get(name) ?? 0) + 1);
    if (i % 256 === 0) peak = Math.max(peak, Deno.memoryUsage().rss);
    // Deno's DecompressionStream keeps ~22 KB of native memory per stream that failed on
    // corrupt input until V8's next full collection, which native memory does not
    // trigger: under --expose-gc, collect now and then so the peak measures raftsnap.
    if (i % 1000 === 999) (globalThis as { gc?: () => void }).gc?.();
  }
  peak = Math.max(peak, Deno.memoryUsage().rss);
  return {
    tally,
    byMutator,
    peakRssMiB: peak / 2 ** 20,
    seconds: (performance.now() - start) / 1000,
  };
}
