// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { bytesEqual, toHex } from "../_bytes.ts";

/** The two files a sums list covers, in the order raftsnap writes them. */
export const SUMMED_FILES = ["meta.json", "state.bin"] as const;

/** A file a sums list covers. */
export type SummedFile = typeof SUMMED_FILES[number];

/**
 * Encodes a sums list as Go's `hashList.Encode` does: `%x  %s\n` per file, in the
 * given order (Go's is map order, so random; raftsnap's default is `meta.json` first).
 */
export function encodeSums(
  digests: Readonly<Record<SummedFile, Uint8Array>>,
  order: readonly SummedFile[] = SUMMED_FILES,
): Uint8Array {
  return new TextEncoder().encode(
    order.map((name) => `${toHex(digests[name])}  ${name}\n`).join(""),
  );
}

/** Why a sums list fails, in the terms of Go's `hashList.DecodeAndVerify`. */
export type SumsFailure =
  | { kind: "invalid"; line: number; text: string; reason: string }
  | { kind: "unknown-file"; line: number; file: string }
  | { kind: "mismatch"; line: number; file: SummedFile; listed: string; actual: string }
  | { kind: "missing"; file: SummedFile };

// fmt's notion of white space (its isSpace table).
const SPACE = /[ \t\v\f\r\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

/**
 * Reads one line as Go's `fmt.Sscanf(line, "%x  %s", &sha, &file)`: leading white space
 * is skipped, hex digits are read in pairs (any count, either case), at least one white
 * space must follow, then the name runs to the next white space. Whatever follows the name
 * is ignored, as Sscanf ignores it.
 */
function scanLine(line: string): { sha: Uint8Array; file: string } | string {
  let pos = 0;
  while (pos < line.length && SPACE.test(line[pos]!)) pos++;
  if (pos >= line.length) return "EOF";
  const isHex = (ch: string | undefined) => ch !== undefined && /[0-9a-fA-F]/.test(ch);
  const bytes: number[] = [];
  while (isHex(line[pos])) {
    if (pos + 1 >= line.length) return "unexpected EOF";
    if (!isHex(line[pos + 1])) return "illegal hex digit";
    bytes.push(parseInt(line.slice(pos, pos + 2), 16));
    pos += 2;
  }
  if (bytes.length === 0) return "no hex data for %x string";
  // A space in Sscanf's format needs at least one space in the input.
  if (pos < line.length && !SPACE.test(line[pos]!)) {
    return "expected space in input to match format";
  }
  while (pos < line.length && SPACE.test(line[pos]!)) pos++;
  if (pos >= line.length) return "unexpected EOF";
  let end = pos;
  while (end < line.length && !SPACE.test(line[end]!)) end++;
  return { sha: new Uint8Array(bytes), file: line.slice(pos, end) };
}

/**
 * Checks a sums list against the digests of the files as they passed, as Go's
 * `hashList.DecodeAndVerify` does: lines in any order, each naming a known file with a
 * matching hash, and both files listed. Returns the first failure, or `undefined`.
 */
export function checkSums(
  list: Uint8Array,
  digests: Readonly<Record<SummedFile, Uint8Array>>,
): SumsFailure | undefined {
  const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(list);
  // bufio.ScanLines: split on \n, drop one trailing \r, no empty last line.
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const seen = new Set<string>();
  for (const [i, raw] of lines.entries()) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const scanned = scanLine(line);
    if (typeof scanned === "string") {
      return { kind: "invalid", line: i + 1, text: line, reason: scanned };
    }
    const { sha, file } = scanned;
    if (file !== "meta.json" && file !== "state.bin") {
      return { kind: "unknown-file", line: i + 1, file };
    }
    if (!bytesEqual(sha, digests[file])) {
      return {
        kind: "mismatch",
        line: i + 1,
        file,
        listed: toHex(sha),
        actual: toHex(digests[file]),
      };
    }
    seen.add(file);
  }
  for (const file of SUMMED_FILES) if (!seen.has(file)) return { kind: "missing", file };
  return undefined;
}
