// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/**
 * One 512-byte tar header block: reading it as Go's `archive/tar` does (USTAR, PAX, GNU
 * and V7 blocks; either checksum convention; octal or base-256 numbers), and writing the
 * USTAR and PAX blocks Go's `tar.Writer` produces for a snapshot.
 */

export const BLOCK = 512;

/** A header field Go would refuse, with the reason. */
export class TarHeaderError extends Error {}

/** The parts of a header block a snapshot reader needs. */
export interface RawHeader {
  name: string;
  mode: number;
  size: number;
  mtime: number;
  typeflag: string;
  /** Which magic the block carries. */
  format: "ustar" | "gnu" | "star" | "v7";
}

const latin = new TextDecoder("latin1");
const utf8 = new TextDecoder();

/** Go's `parser.parseString`: the bytes up to the first NUL. */
function cString(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  return utf8.decode(nul === -1 ? bytes : bytes.subarray(0, nul));
}

/**
 * Go's `parser.parseNumeric`: base-256 when the high bit is set, else octal with
 * leading and trailing spaces and NULs trimmed. Values that cannot be exact in
 * JavaScript are refused, as are values Go refuses.
 */
export function parseNumeric(field: Uint8Array, name: string): number {
  if (field.length > 0 && (field[0]! & 0x80) !== 0) {
    const negative = (field[0]! & 0x40) !== 0;
    let x = 0n;
    for (let i = 0; i < field.length; i++) {
      let c = negative ? field[i]! ^ 0xff : field[i]!;
      if (i === 0) c &= 0x7f;
      if (x >> 56n > 0n) throw new TarHeaderError(`the ${name} field overflows 64 bits`);
      x = (x << 8n) | BigInt(c);
    }
    if (x >> 63n > 0n) throw new TarHeaderError(`the ${name} field overflows 64 bits`);
    const value = negative ? -x - 1n : x;
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new TarHeaderError(`the ${name} field (${value}) is beyond 2^53`);
    }
    return Number(value);
  }
  let start = 0;
  let end = field.length;
  while (start < end && (field[start] === 0x20 || field[start] === 0)) start++;
  while (end > start && (field[end - 1] === 0x20 || field[end - 1] === 0)) end--;
  if (start === end) return 0;
  const text = cString(field.subarray(start, end));
  if (!/^[0-7]+$/.test(text)) {
    throw new TarHeaderError(
      `the ${name} field ${JSON.stringify(latin.decode(field))} is not octal`,
    );
  }
  const value = BigInt("0o" + text);
  if (value >= 1n << 64n) throw new TarHeaderError(`the ${name} field overflows 64 bits`);
  // Go converts the uint64 to int64: values of 2^63 and more turn negative.
  const signed = value >= 1n << 63n ? value - (1n << 64n) : value;
  if (signed > BigInt(Number.MAX_SAFE_INTEGER) || signed < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new TarHeaderError(`the ${name} field (${signed}) is beyond 2^53`);
  }
  return Number(signed);
}

/** The unsigned and signed sums of a block, its checksum field counted as spaces. */
function checksums(block: Uint8Array): [number, number] {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += c;
    signed += c < 128 ? c : c - 256;
  }
  return [unsigned, signed];
}

/** Whether all 512 bytes are zero. */
export function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

function magicOf(block: Uint8Array): RawHeader["format"] {
  const magic = latin.decode(block.subarray(257, 263));
  const version = latin.decode(block.subarray(263, 265));
  const trailer = latin.decode(block.subarray(508, 512));
  if (magic === "ustar\0" && trailer === "tar\0") return "star";
  if (magic === "ustar\0") return "ustar";
  if (magic === "ustar " && version === " \0") return "gnu";
  return "v7";
}

/**
 * Reads a header block as Go's `tar.Reader.readHeader` does.
 *
 * @throws {TarHeaderError} where Go returns `archive/tar: invalid header`.
 */
export function parseHeader(block: Uint8Array): RawHeader {
  let stored: number;
  try {
    stored = parseNumeric(block.subarray(148, 156), "checksum");
  } catch {
    throw new TarHeaderError("the checksum field is not a number");
  }
  const [unsigned, signed] = checksums(block);
  if (stored !== unsigned && stored !== signed) {
    throw new TarHeaderError(
      `header checksum mismatch (stored ${stored}, computed ${unsigned})`,
    );
  }
  const format = magicOf(block);
  let name = cString(block.subarray(0, 100));
  const mode = parseNumeric(block.subarray(100, 108), "mode");
  parseNumeric(block.subarray(108, 116), "uid");
  parseNumeric(block.subarray(116, 124), "gid");
  const size = parseNumeric(block.subarray(124, 136), "size");
  const mtime = parseNumeric(block.subarray(136, 148), "mtime");
  const typeflag = String.fromCharCode(block[156]!);
  if (format === "ustar" || format === "star") {
    if (typeflag === "3" || typeflag === "4") {
      parseNumeric(block.subarray(329, 337), "devmajor");
      parseNumeric(block.subarray(337, 345), "devminor");
    }
    const prefix = cString(block.subarray(345, format === "star" ? 476 : 500));
    if (prefix.length > 0) name = `${prefix}/${name}`;
  }
  return { name, mode, size, mtime, typeflag, format };
}

// ---- writing ----

function putString(block: Uint8Array, at: number, length: number, text: string) {
  const bytes = new TextEncoder().encode(text);
  block.set(bytes.subarray(0, length), at);
}

/** Go's `formatter.formatOctal`: zero-padded to the field's width less one, then NUL. */
function putOctal(block: Uint8Array, at: number, length: number, value: number) {
  putString(block, at, length, value.toString(8).padStart(length - 1, "0"));
}

/** Go's `block.setFormat` for USTAR/PAX: magic, version, then the checksum. */
function finish(block: Uint8Array): Uint8Array {
  putString(block, 257, 6, "ustar\0");
  putString(block, 263, 2, "00");
  const [sum] = checksums(block);
  putOctal(block, 148, 7, sum);
  block[155] = 0x20;
  return block;
}

const OCTAL11_MAX = 0o77777777777;

/**
 * The header blocks Go's `tar.Writer.WriteHeader` writes for
 * `{Name, Mode: 0600, Size, ModTime}` with no format chosen: one USTAR block, or a PAX
 * `x` block carrying `size` and then the main block when the size needs more than 11
 * octal digits (8 GiB and up).
 */
export function encodeHeader(name: string, size: number, mtime: number): Uint8Array {
  const main = new Uint8Array(BLOCK);
  putString(main, 0, 100, name);
  putOctal(main, 100, 8, 0o600);
  putOctal(main, 108, 8, 0);
  putOctal(main, 116, 8, 0);
  putOctal(main, 124, 12, size > OCTAL11_MAX ? 0 : size);
  putOctal(main, 136, 12, mtime);
  main[156] = 0x30; // '0'
  putOctal(main, 329, 8, 0);
  putOctal(main, 337, 8, 0);
  if (size <= OCTAL11_MAX) return finish(main);

  const record = paxRecord("size", String(size));
  const data = new TextEncoder().encode(record);
  const pax = new Uint8Array(BLOCK);
  putString(pax, 0, 100, `PaxHeaders.0/${name}`);
  putOctal(pax, 100, 8, 0);
  putOctal(pax, 108, 8, 0);
  putOctal(pax, 116, 8, 0);
  putOctal(pax, 124, 12, data.length);
  putOctal(pax, 136, 12, 0);
  pax[156] = 0x78; // 'x'
  const out = new Uint8Array(BLOCK * 3);
  out.set(finish(pax));
  out.set(data, BLOCK);
  out.set(finish(main), BLOCK * 2);
  return out;
}

/** A PAX record, `"%d %s=%s\n"`, whose length counts its own digits. */
export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = body.length + 1;
  while (String(length).length + body.length !== length) {
    length = String(length).length + body.length;
  }
  return `${length}${body}`;
}

/** Zero bytes that pad `size` bytes of data to a whole block. */
export function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/**
 * Parses PAX records as Go's `parsePAX` does.
 *
 * @throws {TarHeaderError} where Go returns `archive/tar: invalid header`.
 */
export function parsePax(data: Uint8Array): Map<string, string> {
  const records = new Map<string, string>();
  const sparseMap: string[] = [];
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    const lengthText = space === -1 ? "" : latin.decode(data.subarray(pos, space));
    // Go's parsePAXRecord (strconv.go) reads the length with `strconv.ParseInt(nStr, 10, 0)`,
    // which takes a sign: `+30` is 30, and a negative one fails `n < 5` below.
    if (!/^[+-]?[0-9]+$/.test(lengthText)) throw new TarHeaderError("a PAX record has no length");
    const n = Number(lengthText);
    if (n < 5 || n > data.length - pos || n <= lengthText.length + 1) {
      throw new TarHeaderError(`a PAX record length (${n}) is out of range`);
    }
    const record = data.subarray(space + 1, pos + n);
    if (record.at(-1) !== 0x0a) {
      throw new TarHeaderError("a PAX record does not end with a newline");
    }
    const eq = record.indexOf(0x3d); // '='
    if (eq <= 0) throw new TarHeaderError("a PAX record has no key");
    const key = utf8.decode(record.subarray(0, eq));
    const value = utf8.decode(record.subarray(eq + 1, record.length - 1));
    const mustNotHaveNul = ["path", "linkpath", "uname", "gname"].includes(key) ? value : key;
    if (mustNotHaveNul.includes("\0")) throw new TarHeaderError("a PAX record holds a NUL byte");
    pos += n;
    if (key === "GNU.sparse.offset" || key === "GNU.sparse.numbytes") {
      // Go's parsePAX (reader.go) turns format 0.0's offset/numbytes pairs into one
      // GNU.sparse.map record, refusing them out of order or holding a comma.
      const wanted = sparseMap.length % 2 === 0 ? "GNU.sparse.offset" : "GNU.sparse.numbytes";
      if (key !== wanted || value.includes(",")) {
        throw new TarHeaderError(`a PAX ${key} record is out of order or holds a comma`);
      }
      sparseMap.push(value);
      continue;
    }
    records.set(key, value);
  }
  if (sparseMap.length > 0) records.set("GNU.sparse.map", sparseMap.join(","));
  return records;
}
