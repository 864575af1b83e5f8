// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// The tar layer on hand-built blocks: PAX and GNU long names, base-256 numbers, both
// checksum conventions, V7 headers, and Go's ErrHeader cases as SnapshotErrors.

import { SnapshotError, type SnapshotErrorCode } from "../../../mod.ts";
import { type TarEntry, TarReader } from "../../../src/format/tar/reader.ts";
import { assert } from "../../_helpers.ts";

const enc = new TextEncoder();

interface HeaderSpec {
  name?: string | Uint8Array;
  /** A number (written as 11 octal digits + NUL) or the raw 12-byte field. */
  size?: number | Uint8Array;
  typeflag?: string;
  mtime?: number;
  format?: "ustar" | "gnu" | "v7";
  /** Compute the checksum over signed bytes, as some old tars did. */
  signed?: boolean;
  /** Store this checksum instead of the right one. */
  checksum?: number;
}

function octal(value: number, width: number): Uint8Array {
  return enc.encode(value.toString(8).padStart(width - 1, "0") + "\0");
}

/** One 512-byte header block, checksummed: the 8-byte field at 148 counted as spaces. */
function header(spec: HeaderSpec): Uint8Array {
  const block = new Uint8Array(512);
  const name = typeof spec.name === "string"
    ? enc.encode(spec.name)
    : spec.name ?? new Uint8Array();
  block.set(name.subarray(0, 100), 0);
  block.set(octal(0o600, 8), 100);
  block.set(octal(0, 8), 108);
  block.set(octal(0, 8), 116);
  const size = spec.size ?? 0;
  block.set(typeof size === "number" ? octal(size, 12) : size, 124);
  block.set(octal(spec.mtime ?? 1700000000, 12), 136);
  block[156] = (spec.typeflag ?? "0").charCodeAt(0);
  const format = spec.format ?? "ustar";
  if (format === "ustar") block.set(enc.encode("ustar\x0000"), 257);
  if (format === "gnu") block.set(enc.encode("ustar  \0"), 257);
  let sum = 0;
  for (let i = 0; i < 512; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : block[i]!;
    sum += spec.signed && c >= 128 ? c - 256 : c;
  }
  block.set(enc.encode((spec.checksum ?? sum).toString(8).padStart(6, "0") + "\0 "), 148);
  return block;
}

/** `data` padded with zeros to whole blocks. */
function padded(data: Uint8Array | string): Uint8Array {
  const bytes = typeof data === "string" ? enc.encode(data) : data;
  const out = new Uint8Array(Math.ceil(bytes.length / 512) * 512);
  out.set(bytes);
  return out;
}

/** A PAX record, "%d %s=%s\n", its length counting its own digits. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let n = body.length;
  while (String(n).length + body.length !== n) n = String(n).length + body.length;
  return `${n}${body}`;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const END = new Uint8Array(1024);

interface Seen {
  entry: TarEntry;
  data: string;
}

/** Reads a whole tar in chunks of `chunk` bytes, with the entries and their data. */
function readTar(bytes: Uint8Array, chunk = bytes.length): { seen: Seen[]; reader: TarReader } {
  const seen: Seen[] = [];
  let data: Uint8Array[] = [];
  const reader = new TarReader({
    entry(entry) {
      data = [];
      seen.push({ entry, data: "" });
    },
    data(piece) {
      data.push(piece.slice());
    },
    entryEnd(entry) {
      const last = seen.at(-1)!;
      assert.equal(last.entry, entry);
      last.data = new TextDecoder().decode(concat(...data));
    },
  });
  for (let at = 0; at < bytes.length; at += chunk) reader.push(bytes.subarray(at, at + chunk));
  reader.end();
  return { seen, reader };
}

/** Asserts that reading `bytes` throws a SnapshotError with the code, and returns it. */
function throwsCode(bytes: Uint8Array, code: SnapshotErrorCode): SnapshotError {
  let caught: unknown;
  try {
    readTar(bytes);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof SnapshotError, `expected SnapshotError ${code}, got ${caught}`);
  assert.equal(caught.code, code, caught.message);
  assert.equal(caught.layer, "tar");
  return caught;
}

Deno.test("TarReader reads a plain USTAR archive in any chunking", () => {
  const tar = concat(
    header({ name: "meta.json", size: 5 }),
    padded("hello"),
    header({ name: "state.bin", size: 600 }),
    padded("x".repeat(600)),
    END,
  );
  for (const chunk of [1, 7, 512, 513, tar.length]) {
    const { seen, reader } = readTar(tar, chunk);
    assert.deepEqual(seen.map((s) => [s.entry.name, s.entry.size, s.data.length]), [
      ["meta.json", 5, 5],
      ["state.bin", 600, 600],
    ]);
    assert.equal(seen[0]!.data, "hello");
    assert.equal(seen[1]!.entry.offset, 1024);
    assert.equal(seen[1]!.entry.dataOffset, 1536);
    assert.equal(seen[0]!.entry.mtime, 1700000000);
    assert.equal(seen[0]!.entry.mode, 0o600);
    assert.ok(reader.ended);
    assert.equal(reader.position, tar.length);
    assert.deepEqual(reader.trailing, { bytes: 0, allZero: true });
  }
});

Deno.test("TarReader applies a PAX 'x' path record to the next entry", () => {
  const record = paxRecord("path", "state.bin");
  const tar = concat(
    header({ name: "PaxHeaders.0/short", size: record.length, typeflag: "x" }),
    padded(record),
    header({ name: "short", size: 3 }),
    padded("abc"),
    header({ name: "meta.json", size: 2 }),
    padded("{}"),
    END,
  );
  const { seen } = readTar(tar);
  assert.deepEqual(seen.map((s) => [s.entry.name, s.data]), [["state.bin", "abc"], [
    "meta.json",
    "{}",
  ]]);
  // The entry starts at its first header: the PAX block.
  assert.equal(seen[0]!.entry.offset, 0);
  assert.equal(seen[0]!.entry.dataOffset, 1536);
});

Deno.test("TarReader applies a PAX 'x' size record to the next entry", () => {
  const record = paxRecord("size", "4");
  const tar = concat(
    header({ name: "PaxHeaders.0/state.bin", size: record.length, typeflag: "x" }),
    padded(record),
    header({ name: "state.bin", size: 0 }),
    padded("wxyz"),
    END,
  );
  const { seen } = readTar(tar);
  assert.deepEqual(seen.map((s) => [s.entry.name, s.entry.size, s.data]), [[
    "state.bin",
    4,
    "wxyz",
  ]]);
});

Deno.test("TarReader applies a GNU 'L' long name to the next entry", () => {
  const long = "d/".repeat(80) + "meta.json";
  assert.ok(long.length > 100);
  const tar = concat(
    header({ name: "././@LongLink", size: long.length + 1, typeflag: "L", format: "gnu" }),
    padded(long + "\0"),
    header({ name: long.slice(0, 100), size: 2, format: "gnu" }),
    padded("{}"),
    header({ name: "state.bin", size: 1, format: "gnu" }),
    padded("s"),
    END,
  );
  const { seen } = readTar(tar);
  assert.deepEqual(seen.map((s) => [s.entry.name, s.data]), [[long, "{}"], ["state.bin", "s"]]);
});

Deno.test("TarReader reads a base-256 size field", () => {
  const field = new Uint8Array(12);
  field[0] = 0x80;
  field[11] = 5;
  const tar = concat(header({ name: "state.bin", size: field }), padded("12345"), END);
  const { seen } = readTar(tar);
  assert.equal(seen[0]!.entry.size, 5);
  assert.equal(seen[0]!.data, "12345");

  // 2^40 bytes: only the header is fed, the entry is announced with its size.
  const big = new Uint8Array(12);
  big[0] = 0x80;
  big[6] = 0x01; // 1 << (8 * 5)
  const entries: TarEntry[] = [];
  new TarReader({ entry: (e) => void entries.push(e), data: () => {}, entryEnd: () => {} })
    .push(header({ name: "state.bin", size: big }));
  assert.equal(entries[0]?.size, 2 ** 40);
});

Deno.test("TarReader rejects a header with a wrong checksum with tar-header at its offset", () => {
  const good = header({ name: "meta.json", size: 2 });
  const bad = header({ name: "state.bin", size: 1, checksum: 1234 });
  const error = throwsCode(concat(good, padded("{}"), bad, padded("s"), END), "tar-header");
  assert.equal(error.offset, 1024);
  assert.match(error.message, /1024/);
  // A block whose stored checksum is off by one is refused as well.
  const sum = parseInt(new TextDecoder().decode(good.subarray(148, 154)), 8);
  const offByOne = header({ name: "meta.json", size: 2, checksum: sum + 1 });
  assert.equal(throwsCode(concat(offByOne, padded("{}"), END), "tar-header").offset, 0);
});

Deno.test("TarReader rejects a zero block followed by a non-zero block with tar-header", () => {
  const entry = concat(header({ name: "meta.json", size: 2 }), padded("{}"));
  const tar = concat(entry, new Uint8Array(512), header({ name: "state.bin", size: 0 }), END);
  const error = throwsCode(tar, "tar-header");
  assert.equal(error.offset, 1536);
  // Garbage after one zero block is refused the same way.
  const garbage = new Uint8Array(512).fill(0x41);
  throwsCode(concat(entry, new Uint8Array(512), garbage), "tar-header");
});

Deno.test("TarReader accepts one zero block then the end, or no end blocks at all", () => {
  const entry = concat(header({ name: "meta.json", size: 2 }), padded("{}"));
  assert.equal(readTar(concat(entry, new Uint8Array(512))).seen.length, 1);
  assert.equal(readTar(entry).seen.length, 1);
});

Deno.test("TarReader rejects a non-octal size field with tar-header, never a RangeError", () => {
  for (
    const text of [
      "12345678z9\0\0",
      "99999999999\0",
      "-0000000001\0",
      "0x1f\0\0\0\0\0\0\0\0",
      "1 2\0\0\0\0\0\0\0\0\0",
    ]
  ) {
    const field = enc.encode(text);
    assert.equal(field.length, 12);
    const error = throwsCode(concat(header({ name: "state.bin", size: field }), END), "tar-header");
    assert.equal(error.offset, 0, text);
  }
});

Deno.test("TarReader rejects a negative base-256 size with tar-header", () => {
  const minusOne = new Uint8Array(12).fill(0xff);
  throwsCode(concat(header({ name: "state.bin", size: minusOne }), END), "tar-header");
  const minusBig = new Uint8Array(12).fill(0xff);
  minusBig[5] = 0x00;
  throwsCode(concat(header({ name: "state.bin", size: minusBig }), END), "tar-header");
});

Deno.test("TarReader rejects a GNU sparse 'S' entry with tar-unsupported", () => {
  const tar = concat(
    header({ name: "meta.json", size: 2 }),
    padded("{}"),
    header({ name: "state.bin", size: 0, typeflag: "S", format: "gnu" }),
    END,
  );
  const error = throwsCode(tar, "tar-unsupported");
  assert.equal(error.entry, "state.bin");
  assert.equal(error.offset, 1024);
});

Deno.test("TarReader accepts a header checksum computed over signed bytes", () => {
  // High bytes in the name make the signed and unsigned sums differ.
  const name = enc.encode("state-\u00e9\u00e8\u00ea.bin");
  const signedBlock = header({ name, size: 1, signed: true });
  const unsignedBlock = header({ name, size: 1 });
  assert.notDeepEqual(signedBlock.subarray(148, 156), unsignedBlock.subarray(148, 156));
  for (const block of [signedBlock, unsignedBlock]) {
    const { seen } = readTar(concat(block, padded("s"), END));
    assert.equal(seen[0]!.entry.name, "state-\u00e9\u00e8\u00ea.bin");
    assert.equal(seen[0]!.data, "s");
  }
});

Deno.test("TarReader accepts a V7 header without magic", () => {
  for (const typeflag of ["0", "\0"]) {
    const block = header({ name: "meta.json", size: 2, format: "v7", typeflag });
    assert.ok(block.subarray(257, 265).every((b) => b === 0));
    const { seen } = readTar(concat(block, padded("{}"), END));
    assert.deepEqual(seen.map((s) => [s.entry.name, s.data]), [["meta.json", "{}"]]);
  }
});

Deno.test("TarReader counts what follows the end-of-archive blocks", () => {
  const entry = concat(header({ name: "meta.json", size: 2 }), padded("{}"));
  const zeros = readTar(concat(entry, END, new Uint8Array(1536))).reader;
  assert.deepEqual(zeros.trailing, { bytes: 1536, allZero: true });
  const tail = new Uint8Array(700);
  tail[699] = 1;
  const junk = readTar(concat(entry, END, tail), 100).reader;
  assert.deepEqual(junk.trailing, { bytes: 700, allZero: false });
});

Deno.test("TarReader.end() reports a cut inside a header or inside data as truncated", () => {
  const tar = concat(header({ name: "state.bin", size: 600 }), padded("x".repeat(600)), END);
  for (const cut of [100, 512 + 300, 512 + 600 + 424 + 10, 512 + 600 + 424 + 512 + 1]) {
    throwsCode(tar.subarray(0, cut), "truncated");
  }
});

Deno.test("TarReader.end() takes a cut inside the padding after an entry as the end, as Go does", () => {
  // Go reads that padding with tryReadFull: a short read is io.EOF, the archive's end.
  const tar = concat(header({ name: "state.bin", size: 600 }), padded("x".repeat(600)), END);
  for (const cut of [512 + 600, 512 + 600 + 1, 512 + 600 + 423]) {
    const { seen, reader } = readTar(tar.subarray(0, cut));
    assert.deepEqual(seen.map((s) => [s.entry.name, s.data.length]), [["state.bin", 600]]);
    assert.ok(reader.ended);
  }
});

// PAX sparse detection, held to Go's archive/tar (src/archive/tar/reader.go, Go 1.10+):
// `readGNUSparsePAXHeaders` takes major/minor from hdr.PAXRecords (a missing record reads
// as ""), and decides
//   case major == "0" && (minor == "0" || minor == "1"): sparse 0.0/0.1
//   case major == "1" && minor == "0":                   sparse 1.0
//   case major != "" || minor != "":                     "Unknown GNU sparse PAX version": regular file
//   case hdr.PAXRecords[paxGNUSparseMap] != "":          sparse 0.0/0.1 ("so guess")
//   default:                                             not sparse
// and `parsePAX` turns 0.0's GNU.sparse.offset/numbytes pairs into GNU.sparse.map,
// refusing them out of order or holding a comma (ErrHeader). A sparse file is one we
// refuse as tar-unsupported (documented); every other case must read as a regular file.
const SPARSE_CASES: [string, [string, string][], "sparse" | "regular" | "tar-header"][] = [
  ["major 0 minor 0", [["GNU.sparse.major", "0"], ["GNU.sparse.minor", "0"]], "sparse"],
  ["major 0 minor 1", [["GNU.sparse.major", "0"], ["GNU.sparse.minor", "1"]], "sparse"],
  ["major 1 minor 0", [["GNU.sparse.major", "1"], ["GNU.sparse.minor", "0"]], "sparse"],
  ["major 1 minor 1 (unknown version)", [["GNU.sparse.major", "1"], [
    "GNU.sparse.minor",
    "1",
  ]], "regular"],
  ["major 2 minor 0 (unknown)", [["GNU.sparse.major", "2"], ["GNU.sparse.minor", "0"]], "regular"],
  ["major 0 minor 2 (unknown)", [["GNU.sparse.major", "0"], ["GNU.sparse.minor", "2"]], "regular"],
  ["major 1 and no minor", [["GNU.sparse.major", "1"]], "regular"],
  ["major 0 and no minor", [["GNU.sparse.major", "0"]], "regular"],
  ["minor 0 and no major", [["GNU.sparse.minor", "0"]], "regular"],
  ["empty major, minor 0", [["GNU.sparse.major", ""], ["GNU.sparse.minor", "0"]], "regular"],
  ["major 1 and no minor, with a map", [["GNU.sparse.major", "1"], [
    "GNU.sparse.map",
    "0,1",
  ]], "regular"],
  ["empty major and minor, with a map", [["GNU.sparse.major", ""], ["GNU.sparse.minor", ""], [
    "GNU.sparse.map",
    "0,1",
  ]], "sparse"],
  ["no version, a map (0.1)", [["GNU.sparse.numblocks", "1"], ["GNU.sparse.map", "0,1"]], "sparse"],
  ["no version, an empty map", [["GNU.sparse.map", ""]], "regular"],
  ["no version, offset/numbytes pair (0.0)", [["GNU.sparse.offset", "0"], [
    "GNU.sparse.numbytes",
    "1",
  ]], "sparse"],
  ["no version, one empty offset (map stays empty)", [["GNU.sparse.offset", ""]], "regular"],
  ["numbytes before offset", [["GNU.sparse.numbytes", "1"]], "tar-header"],
  ["two offsets in a row", [["GNU.sparse.offset", "0"], ["GNU.sparse.offset", "1"]], "tar-header"],
  ["an offset holding a comma", [["GNU.sparse.offset", "0,1"]], "tar-header"],
  ["name, size and realsize only", [["GNU.sparse.name", "other"], ["GNU.sparse.size", "9"], [
    "GNU.sparse.realsize",
    "9",
  ]], "regular"],
];

for (const [what, records, verdict] of SPARSE_CASES) {
  Deno.test(`TarReader decides PAX sparse as Go's readGNUSparsePAXHeaders: ${what} -> ${verdict}`, () => {
    const pax = records.map(([k, v]) => paxRecord(k, v)).join("");
    const tar = concat(
      header({ name: "PaxHeaders.0/state.bin", size: pax.length, typeflag: "x" }),
      padded(pax),
      header({ name: "state.bin", size: 3 }),
      padded("abc"),
      END,
    );
    if (verdict === "regular") {
      const { seen } = readTar(tar);
      // GNU.sparse.name and sizes have no bearing on a regular file, as in Go.
      assert.deepEqual(seen.map((s) => [s.entry.name, s.entry.size, s.data]), [[
        "state.bin",
        3,
        "abc",
      ]]);
    } else if (verdict === "sparse") {
      const error = throwsCode(tar, "tar-unsupported");
      assert.equal(error.entry, "state.bin");
      assert.match(error.message, /PAX sparse file/);
    } else throwsCode(tar, "tar-header");
  });
}

Deno.test("TarReader keeps the header's name and size for empty PAX path/size records (Go's mergePAX: `if v == \"\" { continue }`)", () => {
  const pax = paxRecord("path", "") + paxRecord("size", "");
  const tar = concat(
    header({ name: "PaxHeaders.0/state.bin", size: pax.length, typeflag: "x" }),
    padded(pax),
    header({ name: "state.bin", size: 3 }),
    padded("abc"),
    END,
  );
  const { seen } = readTar(tar);
  assert.deepEqual(seen.map((s) => [s.entry.name, s.entry.size, s.data]), [[
    "state.bin",
    3,
    "abc",
  ]]);
});

Deno.test("TarReader reads a signed PAX size as Go's strconv.ParseInt does (+3 is 3, -3 fails)", () => {
  const build = (value: string) => {
    const pax = paxRecord("size", value);
    return concat(
      header({ name: "PaxHeaders.0/state.bin", size: pax.length, typeflag: "x" }),
      padded(pax),
      header({ name: "state.bin", size: 0 }),
      padded("abc"),
      END,
    );
  };
  assert.deepEqual(readTar(build("+3")).seen.map((s) => [s.entry.size, s.data]), [[3, "abc"]]);
  throwsCode(build("-3"), "tar-header");
});

Deno.test('TarReader keeps the header\'s name after an empty GNU long name (Go: `if gnuLongName != ""`)', () => {
  const tar = concat(
    header({ name: "././@LongLink", size: 1, typeflag: "L", format: "gnu" }),
    padded("\0"),
    header({ name: "state.bin", size: 1, format: "gnu" }),
    padded("s"),
    END,
  );
  assert.deepEqual(readTar(tar).seen.map((s) => s.entry.name), ["state.bin"]);
});

// PAX numbers as Go's archive/tar reads them. mergePAX (reader.go) skips an empty value
// (`if v == "" { continue }`), then
//   case paxUid:   id64, err = strconv.ParseInt(v, 10, 64)
//   case paxGid:   id64, err = strconv.ParseInt(v, 10, 64)
//   case paxAtime: hdr.AccessTime, err = parsePAXTime(v)   (and paxMtime, paxCtime)
//   ... if err != nil { return ErrHeader }
// and parsePAXTime (strconv.go) cuts at the first "." (`ss, sn, _ := strings.Cut(s, ".")`),
// reads `secs, err := strconv.ParseInt(ss, 10, 64)` (ErrHeader on error) and refuses a
// fraction that is not all digits (`if strings.Trim(sn, "0123456789") != ""`).
// strconv.ParseInt takes one sign, decimal digits only, and fails outside int64.
const PAX_NUMBER_CASES: [string, string, "ok" | "tar-header"][] = [
  ["uid", "0", "ok"],
  ["uid", "+1000", "ok"],
  ["uid", "-1", "ok"],
  ["uid", "9223372036854775807", "ok"],
  ["uid", "9223372036854775808", "tar-header"],
  ["uid", "12a", "tar-header"],
  ["uid", " 1", "tar-header"],
  ["uid", "0x10", "tar-header"],
  ["uid", "1_000", "tar-header"],
  ["uid", "", "ok"],
  ["gid", "-9223372036854775808", "ok"],
  ["gid", "-9223372036854775809", "tar-header"],
  ["gid", "++1", "tar-header"],
  ["gid", "1.5", "tar-header"],
  ["mtime", "1700000000", "ok"],
  ["mtime", "1700000000.123456789123", "ok"],
  ["mtime", "-1.5", "ok"],
  ["mtime", "+12.", "ok"],
  ["mtime", "", "ok"],
  ["mtime", ".5", "tar-header"],
  ["mtime", "12.5e3", "tar-header"],
  ["mtime", "12.-5", "tar-header"],
  ["mtime", "1.2.3", "tar-header"],
  ["mtime", "soon", "tar-header"],
  ["mtime", "99999999999999999999", "tar-header"],
  ["atime", "1.x", "tar-header"],
  ["ctime", "abc", "tar-header"],
  ["ctime", "0.000", "ok"],
];

for (const [key, value, verdict] of PAX_NUMBER_CASES) {
  Deno.test(`TarReader reads a PAX ${key} of ${JSON.stringify(value)} as Go's mergePAX does: ${verdict}`, () => {
    const pax = paxRecord(key, value);
    const tar = concat(
      header({ name: "PaxHeaders.0/state.bin", size: pax.length, typeflag: "x" }),
      padded(pax),
      header({ name: "state.bin", size: 3 }),
      padded("abc"),
      END,
    );
    if (verdict === "tar-header") {
      assert.match(throwsCode(tar, "tar-header").message, new RegExp(`PAX ${key} record`));
    } else {
      const { seen } = readTar(tar);
      assert.deepEqual(seen.map((s) => [s.entry.name, s.entry.size, s.data]), [[
        "state.bin",
        3,
        "abc",
      ]]);
    }
  });
}

// parsePAXRecord (strconv.go): `n, perr := strconv.ParseInt(nStr, 10, 0)`, then
// `if perr != nil || n < 5 || n > int64(len(s))` and `n -= int64(len(nStr) + 1); if n <= 0`
// are ErrHeader: a "+" before the length is taken, as are leading zeros.
Deno.test("TarReader takes a PAX record length with a + sign or leading zeros, as Go's parsePAXRecord does", () => {
  // The length counts the whole record, its own characters included: " path=state.bin\n"
  // is 16 bytes, so "18" as Go writes it, "+19" and "019" as Go also reads them.
  const record = (length: string) => length + " path=state.bin\n";
  for (
    const [length, verdict] of [
      ["18", "ok"],
      ["+19", "ok"],
      ["019", "ok"],
      ["-19", "tar-header"],
      ["++20", "tar-header"],
      ["+", "tar-header"],
    ] as const
  ) {
    const pax = record(length);
    const tar = concat(
      header({ name: "PaxHeaders.0/x", size: pax.length, typeflag: "x" }),
      padded(pax),
      header({ name: "other", size: 3 }),
      padded("abc"),
      END,
    );
    if (verdict === "ok") {
      assert.deepEqual(readTar(tar).seen.map((s) => s.entry.name), ["state.bin"], length);
    } else throwsCode(tar, "tar-header");
  }
});
