// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// The script inflater against the platform's: the same bytes out, the same verdicts.

import { constants, gunzipSync, gzipSync } from "node:zlib";
import { SnapshotError, verifySnapshot, writeSnapshot } from "../../../mod.ts";
import { crc32 } from "../../../src/format/gzip/crc32.ts";
import { DeflateError, RawInflater } from "../../../src/format/gzip/inflate_raw.ts";
import {
  inflate,
  type InflateOptions,
  NATIVE_MEMBER_BYTES,
} from "../../../src/format/gzip/inflate.ts";
import {
  assert,
  chunked,
  collect,
  FIXTURES,
  gunzipBytes,
  prng,
  randomSizes,
  readFixture,
  rejectsWith,
} from "../../_helpers.ts";

type Outcome = { ok: true; bytes: Uint8Array; members: number } | { ok: false; code: string };

async function run(
  bytes: Uint8Array,
  options: InflateOptions,
  sizes: number[] | ((i: number) => number) = [bytes.length || 1],
): Promise<Outcome> {
  const parts: Uint8Array[] = [];
  try {
    const summary = await inflate(chunked(bytes, sizes), (chunk) => {
      parts.push(chunk.slice());
    }, options);
    const out = await collect(new Blob(parts as Uint8Array<ArrayBuffer>[]).stream());
    assert.equal(summary.decompressedBytes, out.length);
    return { ok: true, bytes: out, members: summary.members };
  } catch (error) {
    if (error instanceof SnapshotError) return { ok: false, code: error.code };
    throw error;
  }
}

function same(a: Outcome, b: Outcome, what: string) {
  if (a.ok && b.ok) {
    assert.equal(a.bytes.length, b.bytes.length, what);
    assert.ok(a.bytes.every((x, i) => x === b.bytes[i]), what);
    assert.equal(a.members, b.members, what);
  } else {
    assert.deepEqual(
      a.ok ? "ok" : a.code,
      b.ok ? "ok" : b.code,
      what,
    );
  }
}

async function fixtures(): Promise<[string, Uint8Array][]> {
  const out: [string, Uint8Array][] = [];
  for await (const e of Deno.readDir(new URL("go-reference/", FIXTURES))) {
    if (e.name.endsWith(".snap")) out.push([e.name, await readFixture(`go-reference/${e.name}`)]);
  }
  return out.sort(([a], [b]) => a.localeCompare(b));
}

Deno.test("script inflater: every go-reference fixture inflates as the platform inflates it", async () => {
  for (const [name, bytes] of await fixtures()) {
    const native = await run(bytes, { engine: "native" });
    same(await run(bytes, { engine: "script" }), native, name);
    if (bytes.length < 100_000) {
      same(await run(bytes, { engine: "script" }, [1]), native, `${name} in 1-byte chunks`);
    }
    same(await run(bytes, { engine: "script" }, randomSizes(7, 3000)), native, `${name} random`);
  }
});

Deno.test("script inflater: zlib's output at every level and strategy", async () => {
  const random = new Uint8Array(200_000);
  crypto.getRandomValues(random.subarray(0, 65536));
  crypto.getRandomValues(random.subarray(65536, 131072));
  const text = new TextEncoder().encode(
    Array.from({ length: 8000 }, (_, i) => `kv/${i % 97}/v${(i * 7919) % 1000} ${i}\n`).join(""),
  );
  const inputs = { random, text, zeros: new Uint8Array(300_000), empty: new Uint8Array(0) };
  const strategies = [
    0,
    constants.Z_FILTERED,
    constants.Z_HUFFMAN_ONLY,
    constants.Z_RLE,
    constants.Z_FIXED,
  ];
  for (const [name, data] of Object.entries(inputs)) {
    for (const level of [0, 1, 6, 9]) {
      for (const strategy of strategies) {
        const gz = new Uint8Array(gzipSync(data, { level, strategy }));
        const small = gz.length < 20_000;
        for (const sizes of [[gz.length || 1], small ? [5] : [65536], randomSizes(level + 1)]) {
          const out = await run(gz, { engine: "script" }, sizes);
          assert.ok(out.ok, `${name} level ${level} strategy ${strategy}`);
          assert.deepEqual(out.bytes, data, `${name} level ${level} strategy ${strategy}`);
        }
      }
    }
  }
});

/** zlib's own verdict (through Node's binding): the third opinion where the two differ. */
function zlibVerdict(bytes: Uint8Array): string {
  try {
    gunzipSync(bytes);
    return "ok";
  } catch (error) {
    return (error as Error).message;
  }
}

Deno.test("script inflater: byte flips and cuts get the platform's verdicts, or Go's where it is vaguer", async () => {
  const text = new TextEncoder().encode(
    Array.from({ length: 400 }, (_, i) => `vault/logical/${i % 13}/key-${i}\n`).join(""),
  );
  const inputs = [
    await readFixture("go-reference/small.snap"),
    new Uint8Array(gzipSync(text, { level: 9 })),
    new Uint8Array(gzipSync(text, { strategy: constants.Z_FIXED })),
    new Uint8Array(gzipSync(text, { level: 0 })),
  ];
  const next = prng(12);
  let differ = 0;
  for (const good of inputs) {
    for (let cut = 0; cut < good.length; cut++) {
      const bytes = good.subarray(0, cut);
      same(
        await run(bytes, { engine: "script" }),
        await run(bytes, { engine: "native" }),
        `cut ${cut}`,
      );
    }
    for (let i = 0; i < 1500; i++) {
      const bytes = good.slice();
      const at = Math.floor(next() * bytes.length);
      bytes[at]! ^= 1 << Math.floor(next() * 8);
      const script = await run(bytes, { engine: "script" });
      const native = await run(bytes, { engine: "native" });
      const a = script.ok ? "ok" : script.code;
      const b = native.ok ? "ok" : native.code;
      if (a === b) {
        same(script, native, `flip at ${at}`);
        continue;
      }
      // Where the platform cannot tell a bad trailer from a cut stream (its errors do not
      // say which), the script inflater says what Go says: the data ended, the trailer
      // did not match. zlib agrees. And Go ignores the reserved header flags zlib refuses.
      differ++;
      const zlib = zlibVerdict(bytes);
      const understood = (a === "gzip-checksum" && /incorrect (data|length) check/.test(zlib)) ||
        (a === "ok" && at === 3 && zlib === "unknown header flags set");
      assert.ok(understood, `flip at ${at}: script ${a}, platform ${b}, zlib "${zlib}"`);
    }
  }
  assert.ok(differ < 1500, `${differ} verdicts differ`);
});

/** A gzip member of `data` with header fields of our choosing. */
function member(
  data: Uint8Array,
  fields: {
    flags?: number;
    extra?: number;
    name?: number;
    comment?: number;
    hcrc?: "good" | "bad";
  },
): Uint8Array {
  const deflated = new Uint8Array(gzipSync(data)).subarray(10);
  const head: number[] = [0x1f, 0x8b, 0x08, fields.flags ?? 0, 0, 0, 0, 0, 0, 0xff];
  if (fields.extra !== undefined) {
    head[3]! |= 0x04;
    head.push(fields.extra & 0xff, fields.extra >> 8, ...new Array(fields.extra).fill(7));
  }
  if (fields.name !== undefined) {
    head[3]! |= 0x08;
    head.push(...new Array(fields.name).fill(0x61), 0);
  }
  if (fields.comment !== undefined) {
    head[3]! |= 0x10;
    head.push(...new Array(fields.comment).fill(0x62), 0);
  }
  if (fields.hcrc) {
    head[3]! |= 0x02;
    const crc = crc32(new Uint8Array(head)) ^ (fields.hcrc === "bad" ? 1 : 0);
    head.push(crc & 0xff, (crc >> 8) & 0xff);
  }
  return new Uint8Array([...head, ...deflated]);
}

Deno.test("script inflater: member headers as Go's gzip.Reader reads them", async () => {
  const data = new TextEncoder().encode("hello raft snapshot\n");
  const cases: [Parameters<typeof member>[1], string][] = [
    [{ extra: 0 }, "ok"],
    [{ extra: 300 }, "ok"],
    [{ name: 20, comment: 40 }, "ok"],
    [{ name: 511 }, "ok"],
    [{ comment: 511 }, "ok"],
    // Go reads a name or comment into 512 bytes, NUL included.
    [{ name: 512 }, "gzip-header"],
    [{ comment: 600 }, "gzip-header"],
    [{ name: 3, hcrc: "good" }, "ok"],
    [{ extra: 9, hcrc: "bad" }, "gzip-header"],
    // Go ignores the reserved flag bits (zlib refuses them).
    [{ flags: 0xe0 }, "ok"],
  ];
  for (const [fields, expected] of cases) {
    const one = member(data, fields);
    const what = JSON.stringify(fields);
    for (const sizes of [[one.length], [1], [3]]) {
      const out = await run(one, { engine: "script" }, sizes);
      assert.equal(out.ok ? "ok" : out.code, expected, what);
      if (out.ok) assert.deepEqual(out.bytes, data, what);
    }
    // The same member after a plain one, past the native budget.
    const two = new Uint8Array([...gzipSync(data), ...one]);
    const out = await run(two, { engine: "auto" });
    assert.equal(out.ok ? "ok" : out.code, expected === "gzip-header" ? "gzip-header" : "ok", what);
  }
});

Deno.test("script inflater: bytes after the last member, as Go reads them", async () => {
  const good = new Uint8Array(gzipSync(new TextEncoder().encode("state\n")));
  const cases: [number[], string][] = [
    // Go's io.ReadFull of the next 10-byte header: short is unexpected EOF.
    [[1, 2, 3], "truncated"],
    [[0x1f, 0x8b, 0x08, 0, 0, 0], "truncated"],
    [new Array(20).fill(0), "gzip-data"],
    [[...new TextEncoder().encode("trailing garbage")], "gzip-data"],
  ];
  for (const [tail, expected] of cases) {
    const bytes = new Uint8Array([...good, ...tail]);
    for (const sizes of [[bytes.length], [1], [good.length, 1]]) {
      const out = await run(bytes, { engine: "script" }, sizes);
      assert.equal(out.ok ? "ok" : out.code, expected, JSON.stringify(tail));
    }
  }
});

Deno.test("inflate(): many small members go to the script inflater; a writer's members stay native", async () => {
  const tar = await gunzipBytes(await readFixture("go-reference/small.snap"));
  const members: Uint8Array[] = [];
  for (let i = 0; i < 10_000; i++) {
    const start = Math.floor((i * tar.length) / 10_000);
    const end = Math.floor(((i + 1) * tar.length) / 10_000);
    members.push(gzipSync(tar.subarray(start, end), { level: 1 }));
  }
  const many = await collect(new Blob(members as Uint8Array<ArrayBuffer>[]).stream());
  for (const sizes of [[many.length], [65536], randomSizes(3, 5000)]) {
    const parts: Uint8Array[] = [];
    const summary = await inflate(chunked(many, sizes), (c) => void parts.push(c.slice()));
    assert.equal(summary.members, 10_000);
    // 10,000 members in about 300 KiB pay for two native streams at most.
    assert.ok(
      summary.nativeMembers <= 1 + many.length / NATIVE_MEMBER_BYTES,
      `${summary.nativeMembers}`,
    );
    assert.deepEqual(await collect(new Blob(parts as Uint8Array<ArrayBuffer>[]).stream()), tar);
  }
  const result = await verifySnapshot(many);
  assert.equal(result.gzipMembers, 10_000);
  assert.equal(
    result.stateSha256,
    "83435f28ef54bc74e4c094b5b68525a115b52644e54c9f0bbf4c5616cee4ff79",
  );

  // Our parallel writer: 4 MiB blocks of incompressible state, each member native.
  const state = new Uint8Array(12 * 1024 * 1024);
  for (let i = 0; i < state.length; i += 65536) {
    crypto.getRandomValues(state.subarray(i, i + 65536));
  }
  const archive = await collect(
    writeSnapshot({ id: "1-2-3", index: 2n, term: 1n, size: state.length }, state, {
      parallel: true,
    }),
  );
  const summary = await inflate(chunked(archive, [65536]), () => {});
  assert.ok(summary.members > 1);
  assert.equal(summary.nativeMembers, summary.members);
});

Deno.test("script inflater: the sink's error comes before a gzip error; limits hold", async () => {
  const data = new Uint8Array(300_000).map((_, i) => i % 251);
  const gz = new Uint8Array(gzipSync(data));
  const bad = gz.slice();
  bad[bad.length - 6]! ^= 1; // the CRC
  const sinkError = new Error("the sink refuses");
  let calls = 0;
  const failing = inflate(chunked(bad, [bad.length]), () => {
    if (++calls === 2) throw sinkError;
  }, { engine: "script" });
  assert.equal(await failing.catch((e) => e), sinkError);
  await rejectsWith(inflate(chunked(bad, [4096]), () => {}, { engine: "script" }), "gzip-checksum");
  const limited = await rejectsWith(
    inflate(chunked(gz, [4096]), () => {}, { engine: "script", maxBytes: 100_000 }),
    "limit-exceeded",
  );
  assert.match(limited.message, /maxTarBytes/);
});

Deno.test("script inflater: a cancelled source is cancelled, nothing left running", async () => {
  const gz = new Uint8Array(gzipSync(new Uint8Array(1_000_000)));
  let cancelled: unknown;
  let sent = false;
  const source = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!sent) controller.enqueue(gz.subarray(0, 200));
      sent = true;
    },
    cancel(reason) {
      cancelled = reason;
    },
  });
  const stop = new Error("stop");
  await assert.rejects(
    inflate(source, () => {
      throw stop;
    }, { engine: "script" }),
    (e) => e === stop,
  );
  assert.equal(cancelled, stop);
});

/** Raw deflate bits, lowest first; Huffman codes go most significant bit first. */
class Bits {
  readonly bytes: number[] = [];
  #bit = 0;
  put(value: number, count: number): this {
    for (let i = 0; i < count; i++) this.#push((value >> i) & 1);
    return this;
  }
  code(code: number, length: number): this {
    for (let i = length - 1; i >= 0; i--) this.#push((code >> i) & 1);
    return this;
  }
  #push(bit: number) {
    if (this.#bit === 0) this.bytes.push(0);
    this.bytes[this.bytes.length - 1]! |= bit << this.#bit;
    this.#bit = (this.#bit + 1) & 7;
  }
}

/** A gzip member around raw deflate bytes, its trailer right for `output`. */
function wrap(deflate: number[], output: Uint8Array = new Uint8Array(0)): Uint8Array {
  const le32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];
  const header = [0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff];
  return new Uint8Array([...header, ...deflate, ...le32(crc32(output)), ...le32(output.length)]);
}

Deno.test("script inflater: deflate streams zlib refuses, refused alike", async () => {
  const fixedLiteral = (b: Bits, byte: number) =>
    byte < 144 ? b.code(0x30 + byte, 8) : b.code(0x190 + byte - 144, 9);
  const cases: [string, number[], Uint8Array?][] = [
    ["block type 3", new Bits().put(1, 1).put(3, 2).bytes],
    ["stored length and complement differ", [1, 5, 0, 0, 0, 1, 2, 3, 4, 5]],
    // A match of 3 at distance 1 before any output.
    [
      "distance too far back",
      new Bits().put(1, 1).put(1, 2).code(1, 7).code(0, 5).code(0, 7).bytes,
    ],
    // A fixed-code distance symbol 30.
    [
      "distance code 30",
      fixedLiteral(new Bits().put(1, 1).put(1, 2), 65).code(1, 7).code(30, 5).bytes,
    ],
    // HLIT 30: 287 literal/length codes.
    [
      "too many length symbols",
      new Bits().put(1, 1).put(2, 2).put(30, 5).put(0, 5).put(0, 4).bytes,
    ],
    // All 19 code length code lengths 7: over-subscribed.
    [
      "over-subscribed code",
      new Bits().put(1, 1).put(2, 2).put(0, 5).put(0, 5).put(15, 4).put(0x7fffffff, 31).put(
        0x7fffffff,
        26,
      ).bytes,
    ],
  ];
  const good = fixedLiteral(fixedLiteral(new Bits().put(1, 1).put(1, 2), 65), 200).code(0, 7).bytes;
  cases.push(["a valid fixed block (control)", good, new Uint8Array([65, 200])]);
  for (const [what, deflate, output] of cases) {
    const bytes = wrap(deflate, output);
    const expected = output ? "ok" : "gzip-data";
    for (const engine of ["script", "native"] as const) {
      const out = await run(bytes, { engine });
      assert.equal(out.ok ? "ok" : out.code, expected, `${what} (${engine})`);
    }
  }
});

Deno.test("script inflater: a bad unit deep in a block gets zlib's words, and its output before it", () => {
  // 40 literals first, and input after the bad unit, so that the fast path (16 bytes of
  // input ahead) is the one that meets it and must hand it over to the careful path.
  const fixedLiteral = (b: Bits, byte: number) =>
    byte < 144 ? b.code(0x30 + byte, 8) : b.code(0x190 + byte - 144, 9);
  const prefix = () => {
    const b = new Bits().put(1, 1).put(1, 2);
    for (let i = 0; i < 40; i++) fixedLiteral(b, 97 + (i % 26));
    return b;
  };
  const cases: [string, Bits][] = [
    // length 3 (symbol 257), distance symbol 29 (24577 and more) after 40 bytes of output
    ["invalid distance too far back", prefix().code(1, 7).code(29, 5).put(0, 13)],
    ["invalid distance code", prefix().code(1, 7).code(30, 5)],
    // fixed literal/length symbol 286 (8-bit code 11000110)
    ["invalid literal/length code", prefix().code(0xc6, 8)],
  ];
  for (const [words, bits] of cases) {
    for (const tail of [0, 32]) {
      const raw = new RawInflater();
      raw.input = new Uint8Array([...bits.bytes, ...new Array(tail).fill(0)]);
      let thrown: unknown;
      try {
        raw.run();
      } catch (error) {
        thrown = error;
      }
      assert.ok(thrown instanceof DeflateError, `${words}, ${tail} bytes after: no DeflateError`);
      assert.equal(thrown.message, words);
      const out = raw.take();
      assert.equal(out.length, 40, `${words}: the output before the bad unit`);
      assert.equal(new TextDecoder().decode(out), "abcdefghijklmnopqrstuvwxyzabcdefghijklmn");
    }
  }
});

Deno.test("inflate(): a stream that inflates more than 64 times goes to the script inflater from its start", async () => {
  const zeros = new Uint8Array(gzipSync(new Uint8Array(32 << 20)));
  const high = await inflate(chunked(zeros, [4096]), () => {});
  assert.equal(high.decompressedBytes, 32 << 20);
  assert.equal(high.nativeMembers, 0);
  const text = new TextEncoder().encode(
    Array.from({ length: 20_000 }, (_, i) => `kv/${i % 97}/v${(i * 7919) % 1000} ${i}\n`).join(""),
  );
  const low = await inflate(chunked(new Uint8Array(gzipSync(text)), [4096]), () => {});
  assert.equal(low.nativeMembers, 1);
  // The probe never changes a verdict: a bad CRC after a far-inflating start is still one.
  const bad = zeros.slice();
  bad[bad.length - 6]! ^= 1;
  await rejectsWith(inflate(chunked(bad, [65536]), () => {}), "gzip-checksum");
  await rejectsWith(
    inflate(chunked(zeros.subarray(0, zeros.length >> 1), [65536]), () => {}),
    "truncated",
  );
});
