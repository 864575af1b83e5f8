// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Every gzip member header field and flag decided as Go's `gzip.Reader` decides it
// (src/compress/gzip/gunzip.go, Go 1.22+, `readHeader` L174-243 and `readString`
// L141-170; the cases and their line numbers are in tests/_gzip_headers.ts), on every
// inflater: the platform's DecompressionStream (native), the script inflater, and the
// `auto` mix; as the first member and as a later one; whole and in 1-byte and random
// chunks. Node, Bun and workerd get the same cases in their own tests.

import { SnapshotError, verifySnapshot } from "../../../mod.ts";
import { inflate } from "../../../src/format/gzip/inflate.ts";
import { assert, chunked, collect, randomSizes, readFixture } from "../../_helpers.ts";
import { caseArchives, HEADER_CASES, member, memberHeader, smallTar } from "../../_gzip_headers.ts";
import { concatBytes } from "../../../src/_bytes.ts";

const tar = await smallTar();
const small = await verifySnapshot(await readFixture("go-reference/small.snap"));

type Engine = "native" | "script" | "auto";
const ENGINES: Engine[] = ["native", "script", "auto"];
const CHUNKINGS: [string, ((i: number) => number) | undefined][] = [
  ["whole", undefined],
  ["1-byte chunks", () => 1],
  ["random chunks", randomSizes(23)],
];

/** Inflates `bytes` with one engine: the output, or the SnapshotError code. */
async function inflated(
  bytes: Uint8Array,
  engine: Engine,
  sizes: ((i: number) => number) | undefined,
): Promise<Uint8Array | string> {
  const source = sizes
    ? chunked(bytes, sizes)
    : new Blob([bytes as Uint8Array<ArrayBuffer>]).stream();
  const out: Uint8Array[] = [];
  try {
    await inflate(source, (chunk) => {
      out.push(chunk.slice());
    }, { engine });
  } catch (error) {
    if (error instanceof SnapshotError) return error.code;
    throw error;
  }
  return concatBytes(out);
}

for (const c of HEADER_CASES) {
  Deno.test(`gzip header as Go's readHeader: ${c.name} -> ${c.go}`, async () => {
    for (const { where, bytes, go } of await caseArchives(c, tar)) {
      for (const engine of ENGINES) {
        for (const [chunking, sizes] of CHUNKINGS) {
          const got = await inflated(bytes, engine, sizes);
          const label = `${where}, ${engine}, ${chunking}`;
          if (go === "ok") {
            assert.ok(got instanceof Uint8Array, `${label}: refused with ${got}`);
            assert.deepEqual(got, tar, label);
          } else assert.equal(got, go, label);
        }
      }
      // And the whole verification, as a caller runs it.
      try {
        const result = await verifySnapshot(bytes);
        assert.equal(go, "ok", `${where}: verified, Go says ${go}`);
        assert.equal(result.stateSha256, small.stateSha256, where);
      } catch (error) {
        if (!(error instanceof SnapshotError)) throw error;
        assert.equal(error.code, go, `${where}: ${error.message}`);
      }
    }
  });
}

// A header the input ends inside: Go's io.ReadFull/ReadByte meet the end, and noEOF
// makes it io.ErrUnexpectedEOF (gunzip.go L200, L205, L214, L228), "truncated" here.
const CUT_HEADERS: [string, Uint8Array][] = [
  [
    "FEXTRA declaring 100 bytes, 20 there (L204-206)",
    memberHeader({ extra: new Uint8Array(100) }).subarray(0, 10 + 2 + 20),
  ],
  [
    "FEXTRA's length cut after 1 byte (L199-201)",
    memberHeader({ extra: new Uint8Array(9) }).subarray(0, 11),
  ],
  ["FNAME without its NUL (L213-215)", memberHeader({ name: Uint8Array.of(0x61, 0x62, 0x63) })],
  ["FHCRC cut after 1 byte (L227-229)", memberHeader({ hcrc: true }).subarray(0, 11)],
];

for (const [name, header] of CUT_HEADERS) {
  Deno.test(`gzip header the input ends inside, as Go's readHeader: ${name} -> truncated`, async () => {
    const first = await member(memberHeader({}), tar.subarray(0, 1536));
    for (
      const [where, bytes] of [["first member", header], [
        "second member",
        concatBytes([first, header]),
      ]] as const
    ) {
      for (const engine of ENGINES) {
        for (const [chunking, sizes] of CHUNKINGS) {
          assert.equal(
            await inflated(bytes, engine, sizes),
            "truncated",
            `${where}, ${engine}, ${chunking}`,
          );
        }
      }
    }
  });
}

Deno.test("gzip header: a reserved FLG bit, which the platform's zlib refuses, still reaches the data on the native path", async () => {
  // The case this issue found: Go accepts it, the platform refused it before.
  const bytes = await member(memberHeader({ flags: 0x80 }), tar);
  assert.equal(bytes[3], 0x80);
  await assert.rejects(
    collect(
      new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
        new DecompressionStream("gzip"),
      ),
    ),
  );
  const result = await verifySnapshot(bytes);
  assert.equal(result.stateSha256, small.stateSha256);
  assert.equal(result.gzipMembers, 1);
});
