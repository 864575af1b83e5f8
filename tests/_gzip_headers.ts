// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// gzip member headers built by hand, each with the verdict Go's `gzip.Reader` gives it,
// for every path that reads gzip (native first member, native and script later members,
// Deno, Node, Bun, workerd). Go's rules are `readHeader` and `readString` in
// src/compress/gzip/gunzip.go (Go 1.22+); the line numbers below are that file's.

import { crc32 } from "./_mutations.ts";
import { collect, gunzipBytes, readFixture } from "./_helpers.ts";
import { concatBytes } from "../src/_bytes.ts";

const FTEXT = 0x01;
const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;

/** The fields of one member header; what is not given is as Go's Writer writes it. */
export interface HeaderSpec {
  id?: [number, number, number];
  flags?: number;
  mtime?: number;
  xfl?: number;
  os?: number;
  extra?: Uint8Array;
  /** Stored as given: add the NUL yourself (or leave it out on purpose). */
  name?: Uint8Array;
  comment?: Uint8Array;
  /** `true`: the right header CRC; a number: that value; `"ten"`: over the first 10 bytes only. */
  hcrc?: true | number | "ten";
}

/** A member header's bytes. FEXTRA/FNAME/FCOMMENT/FHCRC are set from the fields given. */
export function memberHeader(spec: HeaderSpec): Uint8Array {
  let flags = spec.flags ?? 0;
  if (spec.extra) flags |= FEXTRA;
  if (spec.name) flags |= FNAME;
  if (spec.comment) flags |= FCOMMENT;
  if (spec.hcrc !== undefined) flags |= FHCRC;
  const [id1, id2, cm] = spec.id ?? [0x1f, 0x8b, 0x08];
  const mtime = spec.mtime ?? 0;
  const fixed = Uint8Array.of(
    id1,
    id2,
    cm,
    flags,
    mtime & 0xff,
    (mtime >>> 8) & 0xff,
    (mtime >>> 16) & 0xff,
    mtime >>> 24,
    spec.xfl ?? 0,
    spec.os ?? 255,
  );
  const parts: Uint8Array[] = [fixed];
  if (spec.extra) {
    parts.push(Uint8Array.of(spec.extra.length & 0xff, spec.extra.length >>> 8), spec.extra);
  }
  if (spec.name) parts.push(spec.name);
  if (spec.comment) parts.push(spec.comment);
  const head = concatBytes(parts);
  if (spec.hcrc === undefined) return head;
  const crc = spec.hcrc === true
    ? crc32(head) & 0xffff
    : spec.hcrc === "ten"
    ? crc32(fixed) & 0xffff
    : spec.hcrc;
  return concatBytes([head, Uint8Array.of(crc & 0xff, crc >>> 8)]);
}

/** `data` deflated by the platform, behind `header`, with its CRC-32/ISIZE trailer. */
export async function member(header: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const raw = await collect(
    new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
      new CompressionStream("deflate-raw"),
    ),
  );
  const trailer = new Uint8Array(8);
  const view = new DataView(trailer.buffer);
  view.setUint32(0, crc32(data), true);
  view.setUint32(4, data.length >>> 0, true);
  return concatBytes([header, raw, trailer]);
}

const latin = (text: string, nul = true) =>
  Uint8Array.from([...text].map((c) => c.charCodeAt(0)).concat(nul ? [0] : []));

/** One case: a header, and what Go's `gzip.Reader` (so `snapshot.Verify`) says to it. */
export interface HeaderCase {
  /** What is in the header, and the lines of gunzip.go that decide it. */
  name: string;
  header: HeaderSpec;
  /** `ok`, or the code raftsnap gives Go's error (ErrHeader: `gzip-header`). */
  go: "ok" | "gzip-header";
}

/** A FEXTRA holding what could fool a scan for members: magic, a zero "ISIZE", NULs. */
const TRICKY_EXTRA = concatBytes([
  new Uint8Array(4),
  Uint8Array.of(0x1f, 0x8b, 0x08, 0x00),
  new Uint8Array(65535 - 8).map((_, i) => (i % 97 === 0 ? 0x1f : i % 89 === 0 ? 0x8b : i & 0xff)),
]);

export const HEADER_CASES: HeaderCase[] = [
  { name: "plain, as Go's Writer writes it", header: {}, go: "ok" },
  // L188 `flg := z.buf[3]`: only flagExtra/Name/Comment/HdrCrc are ever tested.
  { name: "FTEXT set (L188: never tested)", header: { flags: FTEXT }, go: "ok" },
  { name: "reserved FLG bit 5 (L188: ignored)", header: { flags: 0x20 }, go: "ok" },
  { name: "reserved FLG bit 6 (L188: ignored)", header: { flags: 0x40 }, go: "ok" },
  { name: "reserved FLG bit 7 (L188: ignored)", header: { flags: 0x80 }, go: "ok" },
  { name: "all reserved FLG bits and FTEXT (L188)", header: { flags: 0xe1 }, go: "ok" },
  // L189-195: MTIME read (0 means unset), XFL ignored, OS any byte.
  {
    name: "MTIME 0xffffffff, XFL 0xff, OS 0 (L189-195)",
    header: { mtime: 0xffffffff, xfl: 0xff, os: 0 },
    go: "ok",
  },
  { name: "XFL 2 and OS 3, as gzip -9 writes (L194-195)", header: { xfl: 2, os: 3 }, go: "ok" },
  // L198-209: FEXTRA is a 2-byte length and that many bytes of anything.
  { name: "FEXTRA of 0 bytes (L198-209)", header: { extra: new Uint8Array(0) }, go: "ok" },
  { name: "FEXTRA of 6 bytes (L198-209)", header: { extra: latin("AP\x02\0xy", false) }, go: "ok" },
  {
    name: "FEXTRA of 65535 bytes holding 1f 8b 08 and zeros (L203: any length up to 65535)",
    header: { extra: TRICKY_EXTRA },
    go: "ok",
  },
  // L212-224 and readString L141-170: NUL-terminated, in the 512-byte z.buf (L80).
  { name: "FNAME (L212-217)", header: { name: latin("state.tar") }, go: "ok" },
  { name: "empty FNAME, a lone NUL (L155)", header: { name: latin("") }, go: "ok" },
  { name: "FNAME in Latin-1 (L152-166)", header: { name: latin("\xe9t\xe9.tar") }, go: "ok" },
  {
    name: "FNAME of 511 bytes + NUL: fills z.buf exactly (L145: i >= 512 only past it)",
    header: { name: latin("n".repeat(511)) },
    go: "ok",
  },
  {
    name: "FNAME of 512 bytes + NUL: ErrHeader (L145-147)",
    header: { name: latin("n".repeat(512)) },
    go: "gzip-header",
  },
  {
    name: "FNAME of 5000 bytes + NUL: ErrHeader (L145-147)",
    header: { name: latin("n".repeat(5000)) },
    go: "gzip-header",
  },
  { name: "FCOMMENT (L219-224)", header: { comment: latin("a comment") }, go: "ok" },
  {
    name: "FCOMMENT of 511 bytes + NUL (L145)",
    header: { comment: latin("c".repeat(511)) },
    go: "ok",
  },
  {
    name: "FCOMMENT of 512 bytes + NUL: ErrHeader (L145-147)",
    header: { comment: latin("c".repeat(512)) },
    go: "gzip-header",
  },
  {
    name: "FNAME and FCOMMENT of 511 bytes each: each has its own z.buf pass (L144)",
    header: { name: latin("n".repeat(511)), comment: latin("c".repeat(511)) },
    go: "ok",
  },
  // L226-234: FHCRC is the low 16 bits of the CRC-32 of every header byte before it
  // (L196 the fixed 10, L202 FEXTRA's length, L207 its data, L157 each string with its NUL).
  { name: "FHCRC right (L226-234)", header: { hcrc: true }, go: "ok" },
  {
    name: "FHCRC right over FEXTRA, FNAME and FCOMMENT (L196, L202, L207, L157)",
    header: {
      extra: latin("ab", false),
      name: latin("x.tar"),
      comment: latin("hi"),
      hcrc: true,
      flags: 0x20,
    },
    go: "ok",
  },
  { name: "FHCRC wrong: ErrHeader (L231-232)", header: { hcrc: 0x1234 }, go: "gzip-header" },
  {
    name: "FHCRC over the first 10 bytes only, with FNAME: ErrHeader (L157 counts the name)",
    header: { name: latin("x.tar"), hcrc: "ten" },
    go: "gzip-header",
  },
  // L185-187: ID1, ID2 and CM must be 1f 8b 08.
  { name: "CM 7: ErrHeader (L185-187)", header: { id: [0x1f, 0x8b, 0x07] }, go: "gzip-header" },
];

/** The tar inside small.snap (its gzip layer removed), to wrap in hand-built members. */
export async function smallTar(): Promise<Uint8Array> {
  return await gunzipBytes(await readFixture("go-reference/small.snap"));
}

/**
 * Archives for one case: the header on the only member, and on the second of two
 * (where Go's `Read` calls `readHeader` again, L279). A later member's CM 7 is not
 * built: raftsnap reports bytes after a member that are not a member header as
 * `gzip-data` (Go: ErrHeader), a difference of code, not of verdict.
 */
export async function caseArchives(
  c: HeaderCase,
  tar: Uint8Array,
): Promise<{ where: string; bytes: Uint8Array; go: string }[]> {
  const header = memberHeader(c.header);
  const out = [{ where: "first member", bytes: await member(header, tar), go: c.go as string }];
  if (c.header.id === undefined) {
    const cut = 1536;
    out.push({
      where: "second member",
      bytes: concatBytes([
        await member(memberHeader({}), tar.subarray(0, cut)),
        await member(header, tar.subarray(cut)),
      ]),
      go: c.go,
    });
  }
  return out;
}

/**
 * Bytes after the last member, and what Go says to them. After a member's trailer, Go's
 * `Read` calls `readHeader` again (gunzip.go L279), whose first step is `io.ReadFull` of
 * 10 bytes (L175): no byte at all is the clean end (io.EOF, L183); 1 to 9 bytes are
 * io.ErrUnexpectedEOF ("truncated" here), whatever they hold; 10 or more that do not
 * start with 1f 8b 08 are ErrHeader (L185-186; raftsnap says `gzip-data`, "bytes that
 * are not gzip follow", where Go's concludeGzipRead returns the bare ErrHeader). Ten
 * that do are a member header, read on by Go's rules.
 */
export interface TrailingCase {
  /** What follows the last member, and the lines of gunzip.go (or flate) that decide it. */
  name: string;
  tail: Uint8Array;
  go: "ok" | "truncated" | "gzip-data";
}

const text = (s: string) => new TextEncoder().encode(s);
const PLAIN = memberHeader({});

export const TRAILING_CASES: TrailingCase[] = [
  { name: "one 00 byte (L175: 1 of 10)", tail: Uint8Array.of(0), go: "truncated" },
  { name: "one 01 byte (L175)", tail: Uint8Array.of(1), go: "truncated" },
  { name: "a lone 1f (L175)", tail: Uint8Array.of(0x1f), go: "truncated" },
  { name: "1f 8b (L175)", tail: Uint8Array.of(0x1f, 0x8b), go: "truncated" },
  { name: "'junk', 4 bytes (L175)", tail: text("junk"), go: "truncated" },
  { name: "00 then 'junk' (L175)", tail: text("\0junk"), go: "truncated" },
  { name: "8 zeros (L175)", tail: new Uint8Array(8), go: "truncated" },
  { name: "00 1f 8b 08 (L175)", tail: Uint8Array.of(0, 0x1f, 0x8b, 0x08), go: "truncated" },
  { name: "9 bytes of text (L175: 9 of 10)", tail: text("123456789"), go: "truncated" },
  { name: "a member header cut at 9 bytes (L175)", tail: PLAIN.subarray(0, 9), go: "truncated" },
  { name: "10 zeros (L185-186: ErrHeader)", tail: new Uint8Array(10), go: "gzip-data" },
  { name: "'trailing garbage' (L185-186)", tail: text("trailing garbage"), go: "gzip-data" },
  { name: "4096 zeros (L185-186)", tail: new Uint8Array(4096), go: "gzip-data" },
  {
    name: "1f 8b 07 and 7 more: CM 7 (L185-186)",
    tail: memberHeader({ id: [0x1f, 0x8b, 0x07] }),
    go: "gzip-data",
  },
  {
    // readHeader succeeds (L174-243); flate's first read meets the end: noEOF
    // (compress/flate: io.ErrUnexpectedEOF).
    name: "a whole 10-byte member header and nothing after it (L242, then flate at EOF)",
    tail: PLAIN,
    go: "truncated",
  },
  {
    // 0xff: BFINAL 1, BTYPE 11, reserved: flate's CorruptInputError.
    name: "a member header, then deflate data with the reserved block type 3 (flate)",
    tail: concatBytes([PLAIN, new Uint8Array(8).fill(0xff)]),
    go: "gzip-data",
  },
  {
    name: "a member header cut inside its FNAME (L213-215)",
    tail: memberHeader({ name: text("name.tar") }).subarray(0, 14),
    go: "truncated",
  },
  {
    name: "an empty member: a member like any other (L279)",
    tail: concatBytes([PLAIN, Uint8Array.of(3, 0), new Uint8Array(8)]),
    go: "ok",
  },
  {
    name: "an empty member with a reserved FLG bit (L188: ignored)",
    tail: concatBytes([memberHeader({ flags: 0x80 }), Uint8Array.of(3, 0), new Uint8Array(8)]),
    go: "ok",
  },
];
