// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { SnapshotError } from "../../errors.ts";
import {
  BLOCK,
  isZeroBlock,
  padding,
  parseHeader,
  parsePax,
  type RawHeader,
  TarHeaderError,
} from "./header.ts";

/** An entry as the tar layer sees it, after PAX and GNU long-name headers are applied. */
export interface TarEntry {
  /** The entry's name. */
  name: string;
  /** Data bytes that follow the header (0 for header-only types). */
  size: number;
  /** Modification time, Unix seconds. */
  mtime: number;
  /** Permission bits. */
  mode: number;
  /** The type flag character. */
  typeflag: string;
  /** Offset of the entry's (first) header block in the tar stream. */
  offset: number;
  /** Offset of its first data byte in the tar stream. */
  dataOffset: number;
}

/** Receives what a {@linkcode TarReader} finds, in order. */
export interface TarHandler {
  /** An entry starts; its data follows. */
  entry(entry: TarEntry): void;
  /** Entry data, as views into the pushed chunks: copy what you keep. */
  data(chunk: Uint8Array): void;
  /** The entry's data has all passed. */
  entryEnd(entry: TarEntry): void;
}

/** Limits of the tar layer. */
export interface TarReaderOptions {
  /** Largest PAX or GNU long-name header data accepted (Go: 1 MiB). @default {65536} */
  maxMetaHeaderBytes?: number;
}

type State = "header" | "data" | "pad" | "meta" | "zero" | "done";

/**
 * A push parser for a tar stream, as Go's `tar.Reader` reads one: any order of entries,
 * USTAR/PAX/GNU/V7 headers, PAX `size` and `path` records, GNU long names. The archive
 * ends at two zero blocks, at one zero block then the end of input, or at the end of
 * input on a block boundary; what follows the two zero blocks is counted, not parsed.
 */
export class TarReader {
  readonly #handler: TarHandler;
  readonly #maxMeta: number;
  #state: State = "header";
  #block = new Uint8Array(BLOCK);
  #filled = 0;
  #remaining = 0;
  #entry: TarEntry | undefined;
  #meta: { header: RawHeader; offset: number; parts: Uint8Array[] } | undefined;
  #pax: Map<string, string> | undefined;
  #longName: string | undefined;
  #entryOffset = -1;
  #position = 0;
  #trailing = 0;
  #trailingNonZero = false;

  constructor(handler: TarHandler, options: TarReaderOptions = {}) {
    this.#handler = handler;
    this.#maxMeta = options.maxMetaHeaderBytes ?? 64 * 1024;
  }

  /** Bytes of tar stream consumed so far. */
  get position(): number {
    return this.#position;
  }

  /** The name of the entry whose data is being read, if any. */
  get currentEntry(): string | undefined {
    return this.#state === "data" ? this.#entry?.name : undefined;
  }

  /** Whether the two zero blocks that end an archive have passed. */
  get ended(): boolean {
    return this.#state === "done";
  }

  /** Bytes after the end-of-archive blocks, and whether any of them is not zero. */
  get trailing(): { bytes: number; allZero: boolean } {
    return { bytes: this.#trailing, allZero: !this.#trailingNonZero };
  }

  /** Feeds the next piece of the tar stream. */
  push(chunk: Uint8Array): void {
    let pos = 0;
    while (pos < chunk.length) {
      switch (this.#state) {
        case "header":
        case "zero": {
          const take = Math.min(BLOCK - this.#filled, chunk.length - pos);
          this.#block.set(chunk.subarray(pos, pos + take), this.#filled);
          this.#filled += take;
          pos += take;
          this.#position += take;
          if (this.#filled === BLOCK) {
            this.#filled = 0;
            if (this.#state === "zero") this.#secondZero();
            else this.#header();
          }
          break;
        }
        case "data": {
          const take = Math.min(this.#remaining, chunk.length - pos);
          this.#handler.data(chunk.subarray(pos, pos + take));
          pos += take;
          this.#position += take;
          this.#remaining -= take;
          if (this.#remaining === 0) this.#endData();
          break;
        }
        case "meta": {
          const take = Math.min(this.#remaining, chunk.length - pos);
          this.#meta!.parts.push(chunk.slice(pos, pos + take));
          pos += take;
          this.#position += take;
          this.#remaining -= take;
          if (this.#remaining === 0) this.#endData();
          break;
        }
        case "pad": {
          const take = Math.min(this.#remaining, chunk.length - pos);
          pos += take;
          this.#position += take;
          this.#remaining -= take;
          if (this.#remaining === 0) this.#state = "header";
          break;
        }
        case "done": {
          for (let i = pos; i < chunk.length && !this.#trailingNonZero; i++) {
            if (chunk[i] !== 0) this.#trailingNonZero = true;
          }
          this.#trailing += chunk.length - pos;
          this.#position += chunk.length - pos;
          pos = chunk.length;
          break;
        }
      }
    }
  }

  /**
   * The tar stream has ended.
   *
   * @throws {SnapshotError} `truncated` when it ended inside a header or an entry's data
   * (inside the padding after an entry's data, it ended as Go's reader ends there).
   */
  end(): void {
    const at = this.#position;
    switch (this.#state) {
      case "header":
      case "zero":
        if (this.#filled === 0) {
          this.#state = "done";
          return;
        }
        throw new SnapshotError(
          "truncated",
          `the tar stream ends inside a header block, ${this.#filled} of 512 bytes in, at offset ${at}`,
          { layer: "tar", offset: at, expected: "512-byte header", found: `${this.#filled} bytes` },
        );
      case "data":
      case "meta": {
        const entry = this.#entry?.name ?? this.#meta?.header.name ?? "";
        throw new SnapshotError(
          "truncated",
          `the tar stream ends inside the data of "${entry}", ${this.#remaining} bytes short, at offset ${at}`,
          {
            layer: "tar",
            entry,
            offset: at,
            expected: `${this.#remaining} more bytes`,
            found: "end",
          },
        );
      }
      case "pad":
        // Go's tar reader reads the padding after an entry with tryReadFull, which takes
        // a short read as the end of the archive: every byte of every entry was read (and
        // is then checked against the sums), so Go, and with it the products, accept it.
        this.#state = "done";
        return;
      case "done":
        return;
    }
  }

  #headerError(message: string, cause?: unknown): SnapshotError {
    const offset = this.#position - BLOCK;
    return new SnapshotError("tar-header", `invalid tar header at offset ${offset}: ${message}`, {
      layer: "tar",
      offset,
      cause,
    });
  }

  #secondZero() {
    if (!isZeroBlock(this.#block)) {
      throw this.#headerError("a zero block is followed by a block that is not zero");
    }
    this.#state = "done";
  }

  #header() {
    const offset = this.#position - BLOCK;
    if (this.#entryOffset === -1) this.#entryOffset = offset;
    if (isZeroBlock(this.#block)) {
      this.#state = "zero";
      return;
    }
    let header: RawHeader;
    try {
      header = parseHeader(this.#block);
    } catch (error) {
      if (error instanceof TarHeaderError) throw this.#headerError(error.message, error);
      throw error;
    }
    const flag = header.typeflag;
    if (flag === "x" || flag === "g" || flag === "L" || flag === "K") {
      if (header.size < 0) throw this.#headerError(`the size ${header.size} is negative`);
      if (header.size > this.#maxMeta) {
        throw new SnapshotError(
          "limit-exceeded",
          `a "${flag}" header at offset ${offset} declares ${header.size} bytes of data; ` +
            `at most ${this.#maxMeta} are read; raise limits.maxPaxBytes to read it`,
          {
            layer: "tar",
            limit: "maxPaxBytes",
            offset,
            expected: `at most ${this.#maxMeta} bytes`,
            found: `${header.size} bytes`,
          },
        );
      }
      this.#meta = { header, offset, parts: [] };
      this.#remaining = header.size;
      this.#state = "meta";
      if (header.size === 0) this.#endData();
      return;
    }
    if (flag === "S") {
      throw new SnapshotError("tar-unsupported", `"${header.name}" is a GNU sparse file`, {
        layer: "tar",
        entry: header.name,
        offset,
      });
    }
    let { name, size } = header;
    if (this.#pax) {
      // Go's mergePAX skips an empty value ("Keep the original USTAR value") and reads a
      // size with strconv.ParseInt, which takes a sign.
      const paxSize = this.#pax.get("size") || undefined;
      if (paxSize !== undefined) {
        if (
          !/^[+-]?[0-9]{1,16}$/.test(paxSize) || Math.abs(Number(paxSize)) > Number.MAX_SAFE_INTEGER
        ) {
          throw this.#headerError(`the PAX size record "${paxSize}" is not a usable size`);
        }
        size = Number(paxSize);
      }
      const bad = badPaxNumber(this.#pax);
      if (bad !== undefined) {
        throw this.#headerError(`the PAX ${bad[0]} record "${bad[1]}" is not a valid number`);
      }
      const path = this.#pax.get("path");
      if (path) name = path;
      // Go decides sparse after merging the records (handleSparseFile after mergePAX).
      const sparse = paxSparseFormat(this.#pax);
      if (sparse !== undefined) {
        throw new SnapshotError(
          "tar-unsupported",
          `"${name}" is a PAX sparse file (GNU format ${sparse})`,
          { layer: "tar", entry: name, offset },
        );
      }
    }
    // Go: `if gnuLongName != ""` (an empty long name keeps the header's).
    if (this.#longName) name = this.#longName;
    const headerOnly = "123456".includes(flag) || (flag === "\0" && name.endsWith("/"));
    if (headerOnly) size = 0;
    if (size < 0) throw this.#headerError(`the size ${size} is negative`);
    const entry: TarEntry = {
      name,
      size,
      mtime: header.mtime,
      mode: header.mode,
      typeflag: flag,
      offset: this.#entryOffset,
      dataOffset: this.#position,
    };
    this.#pax = undefined;
    this.#longName = undefined;
    this.#entryOffset = -1;
    this.#entry = entry;
    this.#handler.entry(entry);
    this.#remaining = size;
    this.#state = "data";
    if (size === 0) this.#endData();
  }

  #endData() {
    if (this.#state === "meta") {
      const { header, offset, parts } = this.#meta!;
      this.#meta = undefined;
      const data = new Uint8Array(header.size);
      let at = 0;
      for (const p of parts) {
        data.set(p, at);
        at += p.length;
      }
      this.#applyMeta(header, offset, data);
      this.#remaining = padding(header.size);
    } else {
      const entry = this.#entry!;
      this.#entry = undefined;
      this.#handler.entryEnd(entry);
      this.#remaining = padding(entry.size);
    }
    this.#state = this.#remaining === 0 ? "header" : "pad";
  }

  #applyMeta(header: RawHeader, offset: number, data: Uint8Array) {
    switch (header.typeflag) {
      case "x":
      case "g": {
        let records: Map<string, string>;
        try {
          records = parsePax(data);
        } catch (error) {
          if (error instanceof TarHeaderError) throw this.#headerError(error.message, error);
          throw error;
        }
        if (header.typeflag === "x") {
          this.#pax = records;
          return;
        }
        // Go returns a global header to its caller as an entry of its own.
        const entry: TarEntry = {
          name: header.name,
          size: 0,
          mtime: header.mtime,
          mode: header.mode,
          typeflag: "g",
          offset,
          dataOffset: this.#position,
        };
        this.#entryOffset = -1;
        this.#handler.entry(entry);
        this.#handler.entryEnd(entry);
        return;
      }
      case "L": {
        const nul = data.indexOf(0);
        this.#longName = new TextDecoder().decode(nul === -1 ? data : data.subarray(0, nul));
        return;
      }
        // "K" (a long link name) has no bearing on a snapshot.
    }
  }
}

/**
 * The GNU sparse format a PAX header declares, decided as Go's `archive/tar` decides it
 * (`readGNUSparsePAXHeaders` in `reader.go`, Go 1.10 and later): version records
 * `GNU.sparse.major`/`GNU.sparse.minor` of 0.0, 0.1 or 1.0 make a sparse file; any other
 * version, or only one of the two records, makes an unknown version, which Go reads as a
 * regular file; without either record, a non-empty `GNU.sparse.map` (given, or built from
 * 0.0's `GNU.sparse.offset`/`GNU.sparse.numbytes` pairs by {@linkcode parsePax}) means
 * 0.0/0.1. A missing record reads as `""`, as a Go map lookup does. `undefined`: not sparse.
 */
export function paxSparseFormat(records: Map<string, string>): string | undefined {
  const major = records.get("GNU.sparse.major") ?? "";
  const minor = records.get("GNU.sparse.minor") ?? "";
  if (major === "0" && (minor === "0" || minor === "1")) return `0.${minor}`;
  if (major === "1" && minor === "0") return "1.0";
  if (major !== "" || minor !== "") return undefined; // "Unknown GNU sparse PAX version"
  if ((records.get("GNU.sparse.map") ?? "") !== "") return "0.0 or 0.1";
  return undefined;
}

const INT64_MAX = 2n ** 63n - 1n;

/** Whether `text` is what Go's `strconv.ParseInt(text, 10, 64)` takes: a sign, digits, int64. */
function parsesAsInt64(text: string): boolean {
  if (!/^[+-]?[0-9]+$/.test(text)) return false;
  const value = BigInt(text);
  return value <= INT64_MAX && value >= -INT64_MAX - 1n;
}

/**
 * The first PAX record Go's `mergePAX` (archive/tar/reader.go) refuses with ErrHeader, as
 * `[key, value]`: it skips an empty value (`if v == "" { continue }`), reads `uid` and
 * `gid` with `strconv.ParseInt(v, 10, 64)`, and `atime`, `mtime` and `ctime` with
 * `parsePAXTime` (strconv.go: the part before the first `.` by `strconv.ParseInt(ss, 10,
 * 64)`, the part after it, if any, digits only: `strings.Trim(sn, "0123456789") != ""` is
 * ErrHeader). (`size` is checked where it is used.)
 */
function badPaxNumber(pax: Map<string, string>): [string, string] | undefined {
  for (const key of ["uid", "gid"]) {
    const value = pax.get(key);
    if (value && !parsesAsInt64(value)) return [key, value];
  }
  for (const key of ["atime", "mtime", "ctime"]) {
    const value = pax.get(key);
    if (!value) continue;
    const dot = value.indexOf(".");
    const seconds = dot === -1 ? value : value.slice(0, dot);
    const fraction = dot === -1 ? "" : value.slice(dot + 1);
    if (!parsesAsInt64(seconds) || !/^[0-9]*$/.test(fraction)) return [key, value];
  }
  return undefined;
}
