// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Hostile input: the limits stop bombs and oversized structures early with a clear
// error; impossible header values fail as SnapshotErrors; aborting or cancelling midway
// releases everything (deno task test runs it with the op and resource sanitizers).

import {
  encodeMeta,
  encodeSums,
  MemorySpool,
  parseLimits,
  resolveLimits,
  restoreSnapshot,
  SnapshotError,
  verifySnapshot,
  writeSnapshot,
} from "../../mod.ts";
import { encodeHeader, padding } from "../../src/format/tar/header.ts";
import { assert, collect, gzipBytes, readFixture, rejectsWith, waitUntil } from "../_helpers.ts";
import { gzipStored } from "../_mutations.ts";

const MTIME = 1_700_000_000;

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(bytes)));
}

function setChecksum(block: Uint8Array): Uint8Array {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  block.set(new TextEncoder().encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
  return block;
}

/** A tar entry: a header (maybe edited after the fact) and its padded data. */
function entry(
  name: string,
  data: Uint8Array,
  edit?: (header: Uint8Array) => void,
): Uint8Array<ArrayBuffer> {
  const header = encodeHeader(name, data.length, MTIME);
  if (edit) {
    edit(header);
    setChecksum(header);
  }
  const out = new Uint8Array(header.length + data.length + padding(data.length));
  out.set(header);
  out.set(data, header.length);
  return out;
}

/** A consistent snapshot tar, from its parts, with optional extra entries. */
async function tarOf(state: Uint8Array<ArrayBuffer>, extra: Uint8Array<ArrayBuffer>[] = []) {
  const meta = encodeMeta({ index: 1, term: 1, size: state.length });
  const sums = encodeSums({ "meta.json": await sha256(meta), "state.bin": await sha256(state) });
  return new Uint8Array(
    await new Blob([
      entry("meta.json", meta),
      entry("state.bin", state),
      entry("SHA256SUMS", sums),
      ...extra,
      new Uint8Array(1024),
    ]).arrayBuffer(),
  );
}

/** A valid archive of `size` bytes of zeros: it compresses about 1000x. */
async function zerosArchive(size: number): Promise<Uint8Array<ArrayBuffer>> {
  let fed = 0;
  const zeros = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (fed >= size) return controller.close();
      const n = Math.min(4 << 20, size - fed);
      fed += n;
      controller.enqueue(new Uint8Array(n));
    },
  });
  return await collect(writeSnapshot({ index: 1, term: 1, size }, zeros, { useWorker: false }));
}

// The default ratio changed from 250 to off (issue 12: a valid 1000:1 archive, which Go
// verifies, must verify by default); the bound is still checked when it is set.
Deno.test("verifySnapshot() accepts a valid 1000:1 archive by default, as Go does", async () => {
  const size = 64 << 20;
  const archive = await zerosArchive(size);
  assert.ok(archive.length < 128 << 10, `${archive.length} bytes`);
  const result = await verifySnapshot(archive, { useWorker: false });
  assert.equal(result.stateSize, size);
});

Deno.test("verifySnapshot() stops a 1000:1 archive early under limits.maxRatio", async () => {
  // 256 MiB of zeros as state.bin compresses about 1000x: the archive is ~256 KiB.
  const size = 256 << 20;
  const bomb = await zerosArchive(size);
  assert.ok(bomb.length < 1 << 20, `${bomb.length} bytes`);
  const error = await rejectsWith(
    verifySnapshot(bomb, { limits: { maxRatio: 250 } }),
    "limit-exceeded",
  );
  assert.equal(error.layer, "gzip");
  assert.equal(error.limit, "maxRatio");
  assert.match(error.message, /more than 250 times .*; raise limits\.maxRatio to read it/);
  // Stopped after tens of MiB of output, not a gigabyte.
  const inflated = Number(/(\d+) bytes from/.exec(error.message)![1]);
  assert.ok(inflated < 64 << 20, `inflated ${inflated} bytes before stopping`);
  // The same archive is accepted when the caller raises the ratio.
  const lenient = await verifySnapshot(bomb, { limits: { maxRatio: 2000 }, useWorker: false });
  assert.equal(lenient.stateSize, size);
});

Deno.test("verifySnapshot() stops zeros after the end of the archive under limits.maxRatio", async () => {
  const tar = await tarOf(new TextEncoder().encode("state"));
  const padded = new Uint8Array(tar.length + (256 << 20));
  padded.set(tar);
  const gzipped = await gzipBytes(padded);
  const error = await rejectsWith(
    verifySnapshot(gzipped, { limits: { maxRatio: 250 } }),
    "limit-exceeded",
  );
  assert.equal(error.layer, "gzip");
  // Without a ratio bound it is still refused, as Go refuses it: bytes after the tar.
  await rejectsWith(verifySnapshot(gzipped), "trailing-data");
});

Deno.test("verifySnapshot() honours limits.maxTarBytes", async () => {
  const bytes = await readFixture("go-reference/one-mib.snap");
  const error = await rejectsWith(
    verifySnapshot(bytes, { limits: { maxTarBytes: 100_000 } }),
    "limit-exceeded",
  );
  assert.equal(error.limit, "maxTarBytes");
  assert.match(error.message, /; raise limits\.maxTarBytes to read it/);
  assert.equal(
    (await verifySnapshot(bytes, { limits: { maxTarBytes: 2_000_000 } })).stateSize,
    1 << 20,
  );
});

Deno.test("verifySnapshot() refuses a fifth entry by default, and reads on when allowed", async () => {
  const state = new TextEncoder().encode("state");
  const meta = encodeMeta({ index: 1, term: 1, size: state.length });
  const tar = await tarOf(state, [entry("meta.json", meta), entry("state.bin", state)]);
  const error = await rejectsWith(verifySnapshot(gzipStored(tar)), "limit-exceeded");
  assert.equal(error.layer, "entry");
  assert.equal(error.entry, "state.bin");
  assert.equal(error.limit, "maxEntries");
  // An unknown name is named as such, whatever its position.
  const unknown = await tarOf(state, [entry("meta.json", meta), entry("extra.txt", state)]);
  assert.equal(
    (await rejectsWith(verifySnapshot(gzipStored(unknown)), "unexpected-entry")).entry,
    "extra.txt",
  );
  // With room for them, Go's semantics apply: repeated entries hash as one stream.
  await rejectsWith(
    verifySnapshot(gzipStored(tar), { limits: { maxEntries: 6 } }),
    "hash-mismatch",
  );
});

Deno.test("verifySnapshot() caps meta.json and the sums at limits.maxSmallEntryBytes", async () => {
  const ok = await readFixture("go-reference/meta-8191-bytes.snap");
  assert.equal((await verifySnapshot(ok)).entries[0]!.size, 8191);
  const error = await rejectsWith(
    verifySnapshot(ok, { limits: { maxSmallEntryBytes: 4096 } }),
    "entry-too-large",
  );
  assert.equal(error.entry, "meta.json");
  assert.equal(error.limit, "maxSmallEntryBytes");
  assert.match(error.message, /raise limits\.maxSmallEntryBytes/);
  const over = await readFixture("go-reference/meta-8192-bytes.snap");
  assert.match(
    (await rejectsWith(verifySnapshot(over), "entry-too-large")).message,
    /as Go reads it/,
  );
});

Deno.test("verifySnapshot() caps PAX header data at limits.maxPaxBytes", async () => {
  const state = new TextEncoder().encode("state");
  const record = "comment=" + "x".repeat(70_000) + "\n";
  const length = String(record.length + 1 + String(record.length + 6).length).length; // digits of the total
  const text = `${record.length + 1 + length} ${record}`;
  const pax = entry(
    "PaxHeaders.0/state.bin",
    new TextEncoder().encode(text),
    (h) => (h[156] = 0x78),
  );
  const tar = await tarOf(state);
  const withPax = new Uint8Array(await new Blob([pax, tar]).arrayBuffer());
  const error = await rejectsWith(verifySnapshot(gzipStored(withPax)), "limit-exceeded");
  assert.equal(error.layer, "tar");
  assert.equal(error.offset, 0);
  assert.equal(error.limit, "maxPaxBytes");
  const roomy = verifySnapshot(gzipStored(withPax), { limits: { maxPaxBytes: 1 << 20 } });
  assert.equal((await roomy).stateSize, 5);
});

Deno.test("verifySnapshot() refuses impossible header sizes with tar-header, never a RangeError", async () => {
  const state = new TextEncoder().encode("state");
  const cases: [string, (h: Uint8Array) => void][] = [
    [
      "negative base-256",
      (h) => h.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe], 124),
    ],
    ["base-256 beyond 2^53", (h) => h.set([0x80, 0, 0, 0, 0x01, 0, 0, 0, 0, 0, 0, 0], 124)],
    ["non-octal garbage", (h) => h.set(new TextEncoder().encode("12345678z01\0"), 124)],
    ["base-256 of 2^63", (h) => h.set([0x80, 0, 0, 0, 0x80, 0, 0, 0, 0, 0, 0, 0], 124)],
  ];
  for (const [what, edit] of cases) {
    const meta = encodeMeta({ index: 1, term: 1, size: 5 });
    const tar = new Uint8Array(
      await new Blob([
        entry("meta.json", meta),
        entry("state.bin", state, edit),
        new Uint8Array(1024),
      ])
        .arrayBuffer(),
    );
    const error = await rejectsWith(verifySnapshot(gzipStored(tar)), "tar-header");
    assert.equal(error.offset, 1024, what);
  }
});

Deno.test("verifySnapshot() fails an entry that declares more bytes than the archive holds as truncated", async () => {
  const meta = encodeMeta({ index: 1, term: 1, size: 5 });
  const tar = new Uint8Array(
    await new Blob([
      entry("meta.json", meta),
      entry("state.bin", new TextEncoder().encode("state"), (h) => {
        h.set(new TextEncoder().encode("77777777777\0"), 124);
      }),
    ]).arrayBuffer(),
  );
  const error = await rejectsWith(verifySnapshot(gzipStored(tar)), "truncated");
  assert.equal(error.entry, "state.bin");
});

Deno.test("verifySnapshot() refuses deeply nested meta.json with meta-invalid", async () => {
  const meta = new TextEncoder().encode("[".repeat(3000) + "]".repeat(3000));
  const state = new TextEncoder().encode("s");
  const sums = encodeSums({ "meta.json": await sha256(meta), "state.bin": await sha256(state) });
  const tar = new Uint8Array(
    await new Blob([
      entry("meta.json", meta),
      entry("state.bin", state),
      entry("SHA256SUMS", sums),
      new Uint8Array(1024),
    ])
      .arrayBuffer(),
  );
  const error = await rejectsWith(verifySnapshot(gzipStored(tar)), "meta-invalid");
  assert.match(error.message, /max depth/);
});

Deno.test("resolveLimits() applies the documented defaults and refuses nonsense", () => {
  assert.deepEqual(resolveLimits(), {
    maxSmallEntryBytes: 8191,
    maxPaxBytes: 65536,
    maxEntries: 4,
    maxTarBytes: 64 * 1024 ** 3,
    maxRatio: Infinity,
  });
  assert.equal(resolveLimits({ maxRatio: 100 }).maxRatio, 100);
  assert.throws(() => resolveLimits({ maxRatio: 0 }), RangeError);
  assert.throws(() => resolveLimits({ maxEntries: Number.NaN }), RangeError);
});

Deno.test("parseLimits() reads NAME=VALUE with units and off, and names what is wrong", () => {
  assert.deepEqual(parseLimits(["maxTarBytes=1GiB", "maxratio=100x,maxEntries=6"]), {
    maxTarBytes: 1024 ** 3,
    maxRatio: 100,
    maxEntries: 6,
  });
  assert.deepEqual(parseLimits("maxPaxBytes=64k,maxSmallEntryBytes=8191,maxTarBytes=1.5g"), {
    maxPaxBytes: 65536,
    maxSmallEntryBytes: 8191,
    maxTarBytes: 1.5 * 1024 ** 3,
  });
  assert.deepEqual(parseLimits(["maxRatio=0", "maxTarBytes=off", "maxEntries=none"]), {
    maxRatio: Infinity,
    maxTarBytes: Infinity,
    maxEntries: Infinity,
  });
  assert.equal(parseLimits(["maxRatio=10", "maxRatio=20"]).maxRatio, 20);
  const cases: [string, RegExp][] = [
    ["maxTarBytes", /^"maxTarBytes" is not NAME=VALUE/],
    [
      "maxTarByte=1g",
      /^maxTarByte=1g: there is no limit "maxTarByte" \(the limits are .*maxRatio\)/,
    ],
    ["maxTarBytes=lots", /^maxTarBytes=lots: not a byte count/],
    ["maxTarBytes=-5", /^maxTarBytes=-5: not a byte count/],
    ["maxTarBytes=1q", /^maxTarBytes=1q: not a byte count/],
    ["maxEntries=2.5", /^maxEntries=2\.5: not a whole number/],
    ["maxRatio=fast", /^maxRatio=fast: not a ratio/],
    ["maxRatio=", /^maxRatio=: not a ratio/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseLimits(text),
      (e) => e instanceof RangeError && message.test(e.message),
    );
  }
});

Deno.test("restoreSnapshot() aborted midway never applies and disposes its spool", async () => {
  const bytes = await readFixture("go-reference/one-mib.snap");
  const controller = new AbortController();
  let disposed = false;
  let applied = false;
  let pulls = 0;
  const source = new ReadableStream<Uint8Array>({
    pull(c) {
      if (++pulls === 5) controller.abort(new Error("operator pressed ^C"));
      const at = (pulls - 1) * 8192;
      if (at >= bytes.length) c.close();
      else c.enqueue(bytes.slice(at, at + 8192));
    },
  });
  const error = await restoreSnapshot(source, () => {
    applied = true;
  }, {
    signal: controller.signal,
    spool: () => {
      const spool = new MemorySpool();
      const dispose = spool.dispose.bind(spool);
      spool.dispose = () => (disposed = true, dispose());
      return spool;
    },
  }).then(() => undefined, (e) => e);
  assert.equal(error?.message, "operator pressed ^C");
  assert.equal(applied, false);
  assert.equal(disposed, true);
  assert.ok(pulls < 20, `${pulls} pulls`);
});

Deno.test("writeSnapshot() aborted by its signal errors and cancels the state", async () => {
  const controller = new AbortController();
  let cancelled = false;
  const state = new ReadableStream<Uint8Array>({
    pull(c) {
      c.enqueue(new Uint8Array(65536));
    },
    cancel() {
      cancelled = true;
    },
  });
  const reader = writeSnapshot({ index: 1, term: 1, size: 1 << 30 }, state, {
    signal: controller.signal,
  })
    .getReader();
  await reader.read();
  controller.abort(new Error("stop"));
  await assert.rejects(async () => {
    for (;;) if ((await reader.read()).done) break;
  });
  await waitUntil(() => cancelled, "the state stream cancelled");
  assert.ok(cancelled);
});

Deno.test("SnapshotError is the only thing a bad archive throws, even for odd inputs", async () => {
  for (
    const input of [
      new Uint8Array([0x1f]),
      new Uint8Array([0x1f, 0x8b]),
      new Uint8Array(10),
      new Uint8Array(1000),
    ]
  ) {
    await assert.rejects(verifySnapshot(input), SnapshotError);
  }
});

Deno.test("restoreSnapshot() aborted midway with a FileSpool leaves no temporary file", async () => {
  const { FileSpool } = await import("../../src/deno/file_spool.ts");
  const bytes = await readFixture("go-reference/one-mib.snap");
  const controller = new AbortController();
  const paths: string[] = [];
  let pulls = 0;
  const source = new ReadableStream<Uint8Array>({
    pull(c) {
      if (++pulls === 20) controller.abort(new Error("stop"));
      const at = (pulls - 1) * 16384;
      if (at >= bytes.length) c.close();
      else c.enqueue(bytes.slice(at, at + 16384));
    },
  });
  await assert.rejects(
    restoreSnapshot(source, () => {
      throw new Error("apply must not run");
    }, {
      signal: controller.signal,
      spool: async () => {
        const spool = await FileSpool.create();
        paths.push(spool.path);
        return spool;
      },
    }),
    (e) => e instanceof Error && e.message === "stop",
  );
  assert.equal(paths.length, 1);
  await assert.rejects(Deno.stat(paths[0]!), Deno.errors.NotFound);
});
