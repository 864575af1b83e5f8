// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Writing: the tar is byte-identical to Go's, the stream refuses a state of the wrong
// length, times round as Go rounds them, and 8 GiB states get Go's PAX header.

import {
  parseSnapshot,
  type Sealer,
  SnapshotError,
  type SummedFile,
  verifySnapshot,
  writeSnapshot,
  writeSnapshotTar,
} from "../../mod.ts";
import { encodeHeader } from "../../src/format/tar/header.ts";
import { type TarEntry, TarReader } from "../../src/format/tar/reader.ts";
import {
  assert,
  chunked,
  collect,
  gunzipBytes,
  readFixture,
  rejectsWith,
  verdict,
} from "../_helpers.ts";

const latin = new TextDecoder("latin1");

/** Fails with the lengths and the first differing offset when two byte arrays differ. */
function assertSameBytes(actual: Uint8Array, expected: Uint8Array, what: string) {
  let first = -1;
  const n = Math.min(actual.length, expected.length);
  for (let i = 0; i < n; i++) {
    if (actual[i] !== expected[i]) {
      first = i;
      break;
    }
  }
  if (first === -1 && actual.length !== expected.length) first = n;
  if (first !== -1) {
    throw new assert.AssertionError({
      message: `${what}: ${actual.length} bytes written, ${expected.length} expected; ` +
        `first difference at offset ${first} (block ${Math.floor(first / 512)}, byte ${
          first % 512
        }): ${actual[first]} vs ${expected[first]}`,
    });
  }
}

/** Sums file names in the order their lines appear. */
function sumsOrderOf(content: Uint8Array): SummedFile[] {
  return new TextDecoder().decode(content).split("\n").filter((l) => l !== "").map((l) =>
    l.split("  ")[1] as SummedFile
  );
}

async function stateOf(bytes: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  const parsed = parseSnapshot(bytes);
  const state = await collect(parsed.state);
  await parsed.result;
  return state;
}

const GOOD = [
  "small.snap",
  "empty-state.snap",
  "one-mib.snap",
  "sealed.snap",
  "meta-8191-bytes.snap",
];

for (const file of GOOD) {
  Deno.test(`writeSnapshotTar() writes Go's tar byte for byte for ${file}`, async () => {
    const bytes = await readFixture(`go-reference/${file}`);
    const goTar = await gunzipBytes(bytes);
    const result = await verifySnapshot(bytes);
    const state = await stateOf(bytes);
    assert.equal(state.length, result.stateSize);
    const byName = new Map(result.entries.map((e) => [e.name, e]));
    const modTime = byName.get("meta.json")!.modTime;
    for (const entry of result.entries) assert.equal(entry.modTime.getTime(), modTime.getTime());
    const sumsOrder = sumsOrderOf(byName.get("SHA256SUMS")!.content!);
    assert.equal(sumsOrder.length, 2);
    const sealed = byName.get("SHA256SUMS.sealed")?.content;
    assert.equal(sealed !== undefined, file === "sealed.snap");
    const sealer: Sealer | undefined = sealed === undefined ? undefined : {
      seal: () => Promise.resolve(sealed),
      open: () => Promise.reject(new Error("not used")),
    };
    const written = await collect(
      writeSnapshotTar(result.meta, state, { modTime, sumsOrder, sealer }),
    );
    assertSameBytes(written, goTar, file);
  });
}

Deno.test("writeSnapshotTar() writes Go's tar for small.snap from a state in tiny chunks and batches", async () => {
  const bytes = await readFixture("go-reference/small.snap");
  const goTar = await gunzipBytes(bytes);
  const result = await verifySnapshot(bytes);
  const state = await stateOf(bytes);
  const modTime = result.entries[0]!.modTime;
  const written = await collect(
    writeSnapshotTar(result.meta, chunked(state, [1, 3]), { modTime, batchSize: 100 }),
  );
  assertSameBytes(written, goTar, "small.snap in chunks");
});

Deno.test("writeSnapshot() output verifies with verifySnapshot()", async () => {
  const state = new TextEncoder().encode("some FSM state\n".repeat(100));
  const meta = {
    id: "3-42-1700000000000",
    index: 42,
    term: 3,
    configuration: { servers: [{ suffrage: 0, id: "a", address: "10.0.0.1:8300" }] },
    configurationIndex: 7,
    size: state.length,
  };
  const archive = await collect(writeSnapshot(meta, state));
  const result = await verifySnapshot(archive);
  assert.equal(result.meta.index, 42n);
  assert.equal(result.meta.term, 3n);
  assert.equal(result.meta.configurationIndex, 7n);
  assert.equal(result.meta.id, "3-42-1700000000000");
  assert.deepEqual(result.meta.configuration.servers, meta.configuration.servers);
  assert.equal(result.stateSize, state.length);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", state));
  assert.equal(
    result.stateSha256,
    Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""),
  );
  assert.deepEqual(result.entries.map((e) => e.name), ["meta.json", "state.bin", "SHA256SUMS"]);
  assert.equal(result.gzipMembers, 1);
  assert.equal(result.zeroPadding, 0);
});

for (const [label, stateLength] of [["shorter", 9], ["longer", 11]] as const) {
  for (const form of ["Uint8Array", "chunked ReadableStream"]) {
    Deno.test(`writeSnapshot() errors with size-mismatch when the ${form} state is ${label} than meta.size`, async () => {
      const state = new Uint8Array(stateLength).fill(0x61);
      const input = form === "Uint8Array" ? state : chunked(state, [2, 3]);
      const error = await rejectsWith(
        collect(writeSnapshot({ index: 1, term: 1, size: 10 }, input)),
        "size-mismatch",
      );
      assert.equal(error.layer, "write");
      assert.equal(error.entry, "state.bin");
      assert.match(error.message, /^Cannot write the snapshot: /);
      // The tar alone errors the same way.
      const input2 = form === "Uint8Array" ? state : chunked(state, [2, 3]);
      await rejectsWith(
        collect(writeSnapshotTar({ index: 1, term: 1, size: 10 }, input2)),
        "size-mismatch",
      );
    });
  }
}

Deno.test("writeSnapshot() with a state of exactly meta.size in chunks verifies", async () => {
  const state = new Uint8Array(10).fill(0x61);
  const archive = await collect(writeSnapshot({ size: 10 }, chunked(state, [2, 3])));
  assert.equal(await verdict(verifySnapshot(archive)), "ok");
});

Deno.test("writeSnapshot() stamps the entries with now, rounded to a whole second, by default", async () => {
  const before = Date.now();
  const archive = await collect(writeSnapshot({ size: 3 }, new Uint8Array(3)));
  const after = Date.now();
  const { entries } = await verifySnapshot(archive);
  assert.equal(entries.length, 3);
  for (const entry of entries) {
    const t = entry.modTime.getTime();
    assert.equal(t % 1000, 0, `${entry.name} modTime ${t} is not a whole second`);
    assert.ok(t >= before - 1000 && t <= after + 1000, `${entry.name} modTime ${t} is not now`);
  }
});

Deno.test("writeSnapshot() rounds modTime to the nearest second as Go does", async () => {
  const cases: [number, number][] = [[1700000000500, 1700000001], [1700000000400, 1700000000]];
  for (const [ms, seconds] of cases) {
    const archive = await collect(
      writeSnapshot({ size: 1 }, new Uint8Array(1), { modTime: new Date(ms) }),
    );
    const { entries } = await verifySnapshot(archive);
    for (const entry of entries) {
      assert.equal(entry.modTime.getTime() / 1000, seconds, `${ms} ms for ${entry.name}`);
    }
  }
});

Deno.test("writeSnapshot() lists meta.json first in SHA256SUMS by default, and follows sumsOrder", async () => {
  const state = new Uint8Array(5);
  const first = await verifySnapshot(await collect(writeSnapshot({ size: 5 }, state)));
  const sums = first.entries.find((e) => e.name === "SHA256SUMS")!.content!;
  assert.deepEqual(sumsOrderOf(sums), ["meta.json", "state.bin"]);
  assert.match(
    new TextDecoder().decode(sums),
    /^[0-9a-f]{64} {2}meta\.json\n[0-9a-f]{64} {2}state\.bin\n$/,
  );
  const swapped = await verifySnapshot(
    await collect(writeSnapshot({ size: 5 }, state, { sumsOrder: ["state.bin", "meta.json"] })),
  );
  const sums2 = swapped.entries.find((e) => e.name === "SHA256SUMS")!.content!;
  assert.deepEqual(sumsOrderOf(sums2), ["state.bin", "meta.json"]);
});

Deno.test("writeSnapshot() output is gzip: it starts with 1f 8b 08", async () => {
  const archive = await collect(writeSnapshot({ size: 0 }, new Uint8Array(0)));
  assert.deepEqual([...archive.subarray(0, 3)], [0x1f, 0x8b, 0x08]);
});

Deno.test("encodeHeader() writes a PAX size record for a state of 8 GiB", () => {
  const size = 2 ** 33;
  const blocks = encodeHeader("state.bin", size, 1700000000);
  assert.equal(blocks.length, 1536);
  const pax = blocks.subarray(0, 512);
  const data = blocks.subarray(512, 1024);
  const main = blocks.subarray(1024, 1536);
  assert.equal(latin.decode(pax.subarray(0, 100)).replace(/\0+$/, ""), "PaxHeaders.0/state.bin");
  assert.equal(String.fromCharCode(pax[156]!), "x");
  const record = "19 size=8589934592\n";
  assert.equal(
    latin.decode(pax.subarray(124, 136)),
    record.length.toString(8).padStart(11, "0") + "\0",
  );
  assert.equal(latin.decode(data.subarray(0, record.length)), record);
  assert.ok(data.subarray(record.length).every((b) => b === 0), "PAX data is zero-padded");
  assert.equal(latin.decode(main.subarray(0, 100)).replace(/\0+$/, ""), "state.bin");
  assert.equal(String.fromCharCode(main[156]!), "0");
  assert.equal(latin.decode(main.subarray(124, 136)), "00000000000\0");
  assert.equal(
    latin.decode(main.subarray(136, 148)),
    (1700000000).toString(8).padStart(11, "0") + "\0",
  );
  assert.equal(latin.decode(main.subarray(257, 265)), "ustar\x0000");

  const seen: TarEntry[] = [];
  const reader = new TarReader({
    entry: (entry) => void seen.push(entry),
    data: () => {},
    entryEnd: () => {},
  });
  reader.push(blocks);
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.name, "state.bin");
  assert.equal(seen[0]!.size, size);
  assert.equal(seen[0]!.mtime, 1700000000);
  assert.equal(seen[0]!.offset, 0);
  assert.equal(seen[0]!.dataOffset, 1536);
});

Deno.test("encodeHeader() writes a single USTAR block for a state of 8 GiB less one byte", () => {
  const block = encodeHeader("state.bin", 2 ** 33 - 1, 1700000000);
  assert.equal(block.length, 512);
  assert.equal(latin.decode(block.subarray(124, 136)), "77777777777\0");
  assert.equal(String.fromCharCode(block[156]!), "0");
  const seen: TarEntry[] = [];
  new TarReader({ entry: (e) => void seen.push(e), data: () => {}, entryEnd: () => {} }).push(
    block,
  );
  assert.equal(seen[0]?.size, 2 ** 33 - 1);
});

Deno.test("SnapshotError from a writer is a SnapshotError", async () => {
  try {
    await collect(writeSnapshot({ size: 2 }, new Uint8Array(1)));
    assert.fail("resolved");
  } catch (error) {
    assert.ok(error instanceof SnapshotError);
    assert.equal(error.expected, "2 bytes");
  }
});
