// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Bytes after the last gzip member, as Go's gzip.Reader reads them (the cases and the
// lines of src/compress/gzip/gunzip.go that decide them are in tests/_gzip_headers.ts:
// 1-9 bytes are io.ErrUnexpectedEOF from readHeader's io.ReadFull, L175; 10 that are no
// member header ErrHeader, L185-186). One verdict on every inflater and every chunking:
// the platform's DecompressionStream refuses such bytes together with the output of the
// write that held them, so where a member ends inside a chunk was once what decided
// between `truncated` and `gzip-data`. Behind a small member, a member of more than
// REPLAY_BYTES (which the native path cannot hand back to the script inflater), and the
// second of two members. Node, Bun and workerd run the same cases in their own tests.

import { SnapshotError, verifySnapshot, writeSnapshot } from "../../../mod.ts";
import { inflate, REPLAY_BYTES } from "../../../src/format/gzip/inflate.ts";
import {
  assert,
  chunked,
  collect,
  gunzipBytes,
  gzipBytes,
  prng,
  randomSizes,
  readFixture,
} from "../../_helpers.ts";
import { TRAILING_CASES } from "../../_gzip_headers.ts";
import { concatBytes } from "../../../src/_bytes.ts";

type Engine = "native" | "script" | "auto";
const ENGINES: Engine[] = ["native", "script", "auto"];

/** Inflates with one engine: the output and the verdict ("ok" or the error's code). */
async function inflated(
  source: ReadableStream<Uint8Array>,
  engine: Engine,
): Promise<{ verdict: string; out: Uint8Array }> {
  const parts: Uint8Array[] = [];
  try {
    await inflate(source, (chunk) => void parts.push(chunk.slice()), { engine });
    return { verdict: "ok", out: concatBytes(parts) };
  } catch (error) {
    if (!(error instanceof SnapshotError)) throw error;
    return { verdict: error.code, out: concatBytes(parts) };
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Chunkings of `bytes`, named; `end` is where the last member ends. */
function chunkings(
  bytes: Uint8Array,
  end: number,
  small: boolean,
): [string, () => ReadableStream<Uint8Array>][] {
  const last = (n: number) => (i: number) => i === 0 ? Math.max(1, bytes.length - n) : 1;
  const out: [string, () => ReadableStream<Uint8Array>][] = [
    ["whole", () => chunked(bytes, [bytes.length])],
    ["cut where the member ends", () => chunked(bytes, [end, bytes.length])],
    ["cut 3 bytes before the member ends", () => chunked(bytes, [end - 3, bytes.length])],
    ["the last 40 bytes one at a time", () => chunked(bytes, last(40))],
  ];
  for (const seed of small ? [1, 2, 3] : [1]) {
    out.push([
      `random chunks, seed ${seed}`,
      () => chunked(bytes, randomSizes(seed, small ? 300 : 70_000)),
    ]);
  }
  if (small) out.push(["1-byte chunks", () => chunked(bytes, [1])]);
  return out;
}

async function checkArchive(name: string, archive: Uint8Array, tar: Uint8Array, small: boolean) {
  const findings: string[] = [];
  for (const c of TRAILING_CASES) {
    const bytes = concatBytes([archive, c.tail]);
    for (const [chunking, source] of chunkings(bytes, archive.length, small)) {
      // Past REPLAY_BYTES only the platform's path differs from the small cases.
      for (const engine of small ? ENGINES : ["native", "auto"] as const) {
        const { verdict, out } = await inflated(source(), engine);
        const label = `${name} + ${c.name}, ${engine}, ${chunking}`;
        if (verdict !== c.go) findings.push(`${label}: ${verdict}, Go: ${c.go}`);
        // Go's reader hands out all of the tar before it reads what follows it: so must
        // every path here (past REPLAY_BYTES, only where the member ends in the last
        // 17 bytes, which the native path feeds one at a time).
        const whole = small || c.tail.length < 10 || engine === "script";
        if (whole && !sameBytes(out, tar)) {
          findings.push(`${label}: ${out.length} bytes out, the tar has ${tar.length}`);
        }
      }
    }
    // The whole verification, as a caller runs it.
    const got = await verifySnapshot(bytes).then(() => "ok", (e) => (e as SnapshotError).code);
    if (got !== c.go) findings.push(`${name} + ${c.name}, verifySnapshot: ${got}, Go: ${c.go}`);
  }
  assert.deepEqual(findings, []);
}

Deno.test("inflate(): bytes after small.snap's member, as Go's readHeader reads them, on every engine and chunking", async () => {
  const snap = await readFixture("go-reference/small.snap");
  await checkArchive("small.snap", snap, await gunzipBytes(snap), true);
});

Deno.test("inflate(): bytes after the second of two members, as Go reads them", async () => {
  const tar = await gunzipBytes(await readFixture("go-reference/small.snap"));
  const two = concatBytes([
    await gzipBytes(tar.subarray(0, 1536)),
    await gzipBytes(tar.subarray(1536)),
  ]);
  await checkArchive("two members", two, tar, true);
});

Deno.test("inflate(): bytes after a member larger than REPLAY_BYTES, as Go reads them", async () => {
  const next = prng(41);
  const size = REPLAY_BYTES + (256 << 10);
  const state = new Uint8Array(size).map(() => Math.floor(next() * 256));
  const archive = await collect(
    writeSnapshot({ id: "1-2-3", index: 2, term: 1, size }, state, { modTime: new Date(0) }),
  );
  assert.ok(archive.length > REPLAY_BYTES);
  await checkArchive("a 4.25 MiB member", archive, await gunzipBytes(archive), false);
});
