// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { fromBase64, toBase64 } from "../_bytes.ts";
import { SnapshotError } from "../errors.ts";
import { JsonSyntaxError, type JsonValue, parseJson } from "./_json.ts";

/** One member of the raft configuration stored in a snapshot. */
export interface SnapshotServer {
  /** 0 voter, 1 nonvoter, 2 staging. */
  suffrage: number;
  /** The server's raft ID. */
  id: string;
  /** The server's raft address, such as `10.0.0.1:8300`. */
  address: string;
}

/**
 * raft's `SnapshotMeta`, as stored in `meta.json`. The uint64 fields are `bigint`s so
 * that values beyond 2^53 stay exact.
 */
export interface SnapshotMeta {
  /** The FSM's snapshot format version (0 or 1). */
  version: number;
  /** The snapshot ID, such as `2-5-1700000000000`. */
  id: string;
  /** The raft index the snapshot covers. */
  index: bigint;
  /** The raft term at that index. */
  term: bigint;
  /** The deprecated peer list; `null` where Go has a nil slice. */
  peers: Uint8Array | null;
  /** The cluster membership; `servers` is `null` where Go has a nil slice. */
  configuration: { servers: SnapshotServer[] | null };
  /** The raft index of that configuration. */
  configurationIndex: bigint;
  /** The length of `state.bin` in bytes, as declared. */
  size: bigint;
}

/**
 * What a writer needs to build a {@linkcode SnapshotMeta}: every field is optional and
 * defaults to Go's zero value; integers may be `number`s or `bigint`s.
 */
export interface SnapshotMetaInit {
  /** The FSM's snapshot format version. @default {1} */
  version?: number;
  /** The snapshot ID. @default {""} */
  id?: string;
  /** The raft index the snapshot covers. @default {0} */
  index?: number | bigint;
  /** The raft term at that index. @default {0} */
  term?: number | bigint;
  /** The deprecated peer list. @default {null} */
  peers?: Uint8Array | null;
  /** The cluster membership. @default {{ servers: null }} */
  configuration?: { servers: SnapshotServer[] | null };
  /** The raft index of that configuration. @default {0} */
  configurationIndex?: number | bigint;
  /** The state's length in bytes. Required: the writer checks the state against it. */
  size: number | bigint;
}

const UINT64_MAX = (1n << 64n) - 1n;
const INT64_MAX = (1n << 63n) - 1n;

/** Go's zero `SnapshotMeta`: what `Verify` returns when an archive has no `meta.json`. */
export function zeroMeta(): SnapshotMeta {
  return {
    version: 0,
    id: "",
    index: 0n,
    term: 0n,
    peers: null,
    configuration: { servers: null },
    configurationIndex: 0n,
    size: 0n,
  };
}

function toUint(value: unknown, field: string, max: bigint): bigint {
  if (typeof value !== "number" && typeof value !== "bigint") {
    throw new TypeError(
      `SnapshotMeta.${field} must be a number or a bigint, got ${describe(value)}`,
    );
  }
  if (typeof value === "number" && !Number.isSafeInteger(value)) {
    throw new RangeError(`SnapshotMeta.${field} must be a safe integer or a bigint: ${value}`);
  }
  const big = BigInt(value);
  if (big < 0n || big > max) throw new RangeError(`SnapshotMeta.${field} out of range: ${big}`);
  return big;
}

/** A value as an error message names it: `a string ("5")`, `undefined`. */
function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === "string") return `a string (${JSON.stringify(value.slice(0, 40))})`;
  if (typeof value === "object") return `an object (${value.constructor?.name ?? "Object"})`;
  return `a ${typeof value} (${String(value)})`;
}

/** Go's `SnapshotMeta` JSON keys, and the field each is here. */
const GO_KEYS: Record<string, string> = {
  Version: "version",
  ID: "id",
  Index: "index",
  Term: "term",
  Peers: "peers",
  Configuration: "configuration",
  ConfigurationIndex: "configurationIndex",
  Size: "size",
};

/**
 * Completes a {@linkcode SnapshotMetaInit} into a {@linkcode SnapshotMeta}. Go's key
 * names (`{ Index, Term, Size }`, as in `meta.json`) are refused, with the field each is
 * here: one spelling, so a typo is never silently a zero (decode `meta.json` bytes with
 * {@linkcode decodeMeta}).
 *
 * @throws {TypeError} when `init` is not an object, uses Go's key names, misses `size`,
 * or a field has the wrong type (a string where a number belongs).
 * @throws {RangeError} when an integer field is negative, too large, or not an integer.
 */
export function toSnapshotMeta(init: SnapshotMetaInit): SnapshotMeta {
  if (typeof init !== "object" || init === null) {
    throw new TypeError(
      `SnapshotMeta must be an object like { index, term, size }, got ${describe(init)}`,
    );
  }
  const goKeys = Object.keys(init).filter((key) => key in GO_KEYS);
  if (goKeys.length > 0) {
    const renames = goKeys.map((key) => `${key} -> ${GO_KEYS[key]}`).join(", ");
    throw new TypeError(
      `SnapshotMeta takes JavaScript field names, not Go's (${renames}): write ` +
        "{ version, id, index, term, configurationIndex, size }, or decode meta.json with decodeMeta()",
    );
  }
  if (init.size === undefined) {
    throw new TypeError(
      "SnapshotMeta.size is missing: give the state's length in bytes (a number or a bigint)",
    );
  }
  const version = init.version ?? 1;
  if (typeof version !== "number") {
    throw new TypeError(`SnapshotMeta.version must be a number, got ${describe(version)}`);
  }
  if (!Number.isSafeInteger(version)) throw new RangeError(`SnapshotMeta.version: ${version}`);
  if (init.id !== undefined && typeof init.id !== "string") {
    throw new TypeError(`SnapshotMeta.id must be a string, got ${describe(init.id)}`);
  }
  return {
    version,
    id: init.id ?? "",
    index: toUint(init.index ?? 0, "index", UINT64_MAX),
    term: toUint(init.term ?? 0, "term", UINT64_MAX),
    peers: init.peers ?? null,
    configuration: { servers: init.configuration?.servers ?? null },
    configurationIndex: toUint(init.configurationIndex ?? 0, "configurationIndex", UINT64_MAX),
    size: toUint(init.size, "size", INT64_MAX),
  };
}

// ---- encoding: Go's json.Encoder, HTML escaping on, one trailing newline ----

function goString(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26) {
      out += "\\u00" + c.toString(16).padStart(2, "0");
    } else if (c === 0x2028 || c === 0x2029) out += "\\u" + c.toString(16);
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += value[i]! + value[i + 1]!;
        i++;
      } else out += "\\ufffd";
    } else if (c >= 0xd800 && c <= 0xdfff) out += "\\ufffd"; // lone surrogate: invalid UTF-8 in Go
    else out += value[i];
  }
  return out + '"';
}

/**
 * The exact `meta.json` bytes Go's `json.NewEncoder(w).Encode(meta)` writes: compact,
 * Go field order, HTML-escaped strings, one trailing newline.
 *
 * @example Encoding a minimal meta
 * ```ts
 * import { encodeMeta } from "@raftsnap/raftsnap";
 *
 * const text = new TextDecoder().decode(encodeMeta({ id: "1-2-3", index: 2, term: 1, size: 0 }));
 * if (!text.startsWith('{"Version":1,"ID":"1-2-3","Index":2,"Term":1,"Peers":null,')) {
 *   throw new Error(text);
 * }
 * ```
 *
 * @param meta The metadata.
 * @returns The UTF-8 bytes of `meta.json`.
 */
export function encodeMeta(meta: SnapshotMeta | SnapshotMetaInit): Uint8Array {
  const m = toSnapshotMeta(meta);
  const servers = m.configuration.servers === null ? "null" : "[" +
    m.configuration.servers.map((s) =>
      `{"Suffrage":${s.suffrage},"ID":${goString(s.id)},"Address":${goString(s.address)}}`
    ).join(",") + "]";
  const json = `{"Version":${m.version},"ID":${goString(m.id)},"Index":${m.index},` +
    `"Term":${m.term},"Peers":${m.peers === null ? "null" : `"${toBase64(m.peers)}"`},` +
    `"Configuration":{"Servers":${servers}},"ConfigurationIndex":${m.configurationIndex},` +
    `"Size":${m.size}}\n`;
  return new TextEncoder().encode(json);
}

// ---- decoding: Go's json.Unmarshal into *raft.SnapshotMeta ----

/** A `meta.json` that Go's `json.Unmarshal` would refuse; the message is Go's wording. */
export class MetaDecodeError extends Error {}

type FieldSpec<T> = Record<string, (value: JsonValue, target: T, path: string) => void>;

/**
 * Go folds keys with Unicode simple case folding. The field names are ASCII, and the only
 * non-ASCII letters that fold to ASCII are U+017F (long s, to s) and U+212A (Kelvin, to k,
 * which `toLowerCase` already maps).
 */
function foldKey(key: string): string {
  return key.replace(/\u017f/g, "s").toLowerCase();
}

/** Go matches JSON keys to fields exactly first, then under case folding. */
function decodeStruct<T>(value: JsonValue, target: T, fields: FieldSpec<T>, path: string): void {
  if (value.kind === "null") return;
  if (value.kind !== "object") throw typeError(value, path);
  const names = Object.keys(fields);
  for (const [key, item] of value.entries) {
    const name = names.find((n) => n === key) ??
      names.find((n) => n.toLowerCase() === foldKey(key));
    if (name !== undefined) fields[name]!(item, target, `${path}.${name}`);
  }
}

function kindName(value: JsonValue): string {
  return value.kind === "bool" ? "bool" : value.kind;
}

function typeError(value: JsonValue, path: string, goType?: string): MetaDecodeError {
  const found = value.kind === "number" ? `number ${value.text}` : kindName(value);
  const [struct, ...rest] = path.split(".");
  const where = rest.length === 0
    ? `Go value of type raft.${struct}`
    : `Go struct field ${struct}.${rest.join(".")}`;
  return new MetaDecodeError(
    `json: cannot unmarshal ${found} into ${where}${goType ? ` of type ${goType}` : ""}`,
  );
}

function decodeInteger(value: JsonValue, path: string, goType: string, min: bigint, max: bigint) {
  if (value.kind !== "number" || !/^-?\d+$/.test(value.text)) {
    throw typeError(value, path, goType);
  }
  const big = BigInt(value.text);
  if (big < min || big > max) throw typeError(value, path, goType);
  return big;
}

function decodeSmallInt(value: JsonValue, path: string): number | undefined {
  if (value.kind === "null") return undefined;
  const big = decodeInteger(value, path, "int", -(1n << 63n), INT64_MAX);
  if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new MetaDecodeError(`${path} ${big} is beyond 2^53, which raftsnap cannot hold exactly`);
  }
  return Number(big);
}

function decodeGoString(value: JsonValue, path: string, goType: string): string | undefined {
  if (value.kind === "null") return undefined;
  if (value.kind !== "string") throw typeError(value, path, goType);
  return value.value;
}

const serverFields: FieldSpec<SnapshotServer> = {
  Suffrage: (v, s, p) => void (s.suffrage = decodeSmallInt(v, p) ?? s.suffrage),
  ID: (v, s, p) => void (s.id = decodeGoString(v, p, "raft.ServerID") ?? s.id),
  Address: (v, s, p) => void (s.address = decodeGoString(v, p, "raft.ServerAddress") ?? s.address),
};

const metaFields: FieldSpec<SnapshotMeta> = {
  Version: (v, m, p) => void (m.version = decodeSmallInt(v, p) ?? m.version),
  ID: (v, m, p) => void (m.id = decodeGoString(v, p, "string") ?? m.id),
  Index: (v, m, p) => {
    if (v.kind !== "null") m.index = decodeInteger(v, p, "uint64", 0n, UINT64_MAX);
  },
  Term: (v, m, p) => {
    if (v.kind !== "null") m.term = decodeInteger(v, p, "uint64", 0n, UINT64_MAX);
  },
  Peers: (v, m, p) => {
    if (v.kind === "null") {
      m.peers = null;
      return;
    }
    if (v.kind !== "string") throw typeError(v, p, "[]uint8");
    const bytes = fromBase64(v.value);
    if (bytes === undefined) throw new MetaDecodeError("illegal base64 data in Peers");
    m.peers = bytes;
  },
  Configuration: (v, m, p) => {
    decodeStruct(v, m.configuration, {
      Servers: (sv, c, sp) => {
        if (sv.kind === "null") {
          c.servers = null;
          return;
        }
        if (sv.kind !== "array") throw typeError(sv, sp, "[]raft.Server");
        c.servers = sv.items.map((item) => {
          const server: SnapshotServer = { suffrage: 0, id: "", address: "" };
          decodeStruct(item, server, serverFields, sp);
          return server;
        });
      },
    }, p);
  },
  ConfigurationIndex: (v, m, p) => {
    if (v.kind !== "null") m.configurationIndex = decodeInteger(v, p, "uint64", 0n, UINT64_MAX);
  },
  Size: (v, m, p) => {
    if (v.kind !== "null") m.size = decodeInteger(v, p, "int64", -(1n << 63n), INT64_MAX);
  },
};

/**
 * Decodes `meta.json` bytes as Go's `json.Unmarshal` does into an existing
 * `SnapshotMeta`: keys match case-insensitively, unknown keys are ignored, `null`
 * leaves a field as it was, and integers are kept exact.
 *
 * @throws {MetaDecodeError} with Go's wording when Go would fail.
 */
export function decodeMeta(bytes: Uint8Array, into: SnapshotMeta = zeroMeta()): SnapshotMeta {
  let value: JsonValue;
  try {
    // ignoreBOM keeps a leading BOM in the text, where Go sees it and fails.
    value = parseJson(new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes));
  } catch (error) {
    if (error instanceof JsonSyntaxError) throw new MetaDecodeError(error.message);
    throw error;
  }
  decodeStruct(value, into, metaFields, "SnapshotMeta");
  return into;
}

/**
 * Reads a `meta.json` on its own (as a raft data directory's `snapshots/<id>/` holds
 * it), as Go's reader would.
 *
 * @example Reading a meta.json
 * ```ts
 * import { readMetaJson } from "@raftsnap/raftsnap";
 *
 * const meta = readMetaJson('{"Version":1,"ID":"2-9-1","Index":9,"Term":2,"Size":7}');
 * if (meta.index !== 9n || meta.id !== "2-9-1") throw new Error("unexpected");
 * ```
 *
 * @param json The bytes or text of `meta.json`.
 * @returns The metadata.
 * @throws {SnapshotError} `meta-invalid` when Go could not decode it.
 */
export function readMetaJson(json: Uint8Array | string): SnapshotMeta {
  try {
    return decodeMeta(typeof json === "string" ? new TextEncoder().encode(json) : json);
  } catch (error) {
    if (!(error instanceof MetaDecodeError)) throw error;
    throw new SnapshotError(
      "meta-invalid",
      `meta.json is not valid snapshot metadata: ${error.message}`,
      {
        layer: "meta",
        entry: "meta.json",
        expected: "the JSON of a raft SnapshotMeta",
        found: error.message,
        cause: error,
      },
    );
  }
}
