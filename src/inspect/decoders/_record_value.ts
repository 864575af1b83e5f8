// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import {
  decodeMsgpack,
  MsgpackExt,
  type MsgpackMap,
  type MsgpackValue,
  utf8OrUndefined,
} from "./_msgpack.ts";
import { toBase64 } from "../../_bytes.ts";
import { isSecretField, redactionMarker } from "../products/_redact.ts";
import { recordTypeName } from "../products/_type_names.ts";

/**
 * One Consul or Nomad record's value as plain, JSON-ready data, shaped as Go's
 * `encoding/json` prints the product's typed value wherever a generic decoder can tell:
 *
 * - raw → a `string` when it is valid UTF-8 and the field is not known to be `[]byte`,
 *   otherwise standard base64 (as Go prints `[]byte`); known `[]byte` fields
 *   ({@linkcode BINARY_FIELDS}) are always base64;
 * - a Go `time.Time` (a raw of 15 bytes, `MarshalBinary` version 1, or 16, version 2, in a
 *   field named like a time, see {@linkcode isTimeField}) → an RFC 3339 string with
 *   nanoseconds, as Go's `RFC3339Nano` (`Z` for UTC, else `+hh:mm`); the msgpack timestamp
 *   extension (-1) the same way;
 * - integers → `number` when within ±(2^53 - 1), else `bigint`: exact, so it cannot go
 *   through `JSON.stringify` (use `stringifyDecoded` from `format_decode.ts`, which prints it as
 *   an integer literal, as Go does for uint64);
 * - maps → plain objects; a key that is not a UTF-8 raw is turned into text (numbers as
 *   decimals, bytes as base64, `true`/`false`/`null`);
 * - other ext values → `{"ExtType": n, "Data": base64}`.
 */
export type DecodedValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | DecodedValue[]
  | { [key: string]: DecodedValue };

/** Options of {@linkcode recordValue}. */
export interface RecordValueOptions {
  /** Replace secret fields by a size marker (see `_redact.ts`). */
  redact: boolean;
}

/** Fields whose raws are Go `[]byte`, printed as base64 even when they look like text. */
export const BINARY_FIELDS: Record<
  "consul" | "nomad",
  { any: ReadonlySet<string>; byType: ReadonlyMap<number, ReadonlySet<string>> }
> = {
  consul: {
    // ACLToken/ACLPolicy/ACLRole.Hash
    any: new Set(["Hash"]),
    byType: new Map([
      [2, new Set(["Value"])], // KVS: DirEntry.Value
      [5, new Set(["Value"])], // Tombstone
    ]),
  },
  nomad: {
    // ACL Hash, Job.Payload, wrapped root keys, BlobInfo parts
    any: new Set([
      "Hash",
      "Payload",
      "KeyEncryptionKey",
      "Ciphertext",
      "Iv",
      "HmacKey",
      "WrappedKey",
    ]),
    byType: new Map([[22, new Set(["Data"])]]), // Variables: VariableEncrypted.Data
  },
};

/** `time.Time` fields seen in Consul and Nomad structs; any name ending like these too. */
const TIME_FIELDS = new Set([
  "CreateTime",
  "ExpirationTime",
  "Timestamp",
  "WaitUntil",
  "NotBefore",
  "NotAfter",
  "ValidAfter",
  "ValidBefore",
  "RotatedOutAt",
  "DeletedAt",
  "UpdatedAt",
  "StartedAt",
  "FinishedAt",
  "LastRestart",
  "ForceDeadline",
  "RequireProgressBy",
  "ResourceExhausted",
  "LastUpdated",
]);
const TIME_SUFFIX = /(?:Time|At|Until|Timestamp|Deadline|Before|After)$/;

/**
 * Whether a field may hold a Go `time.Time`: one of the known names or a name ending in
 * `Time`, `At`, `Until`, `Timestamp`, `Deadline`, `Before` or `After`. The raw must still
 * parse as `MarshalBinary` output to be printed as a time.
 */
export function isTimeField(key: string): boolean {
  return TIME_FIELDS.has(key) || TIME_SUFFIX.test(key);
}

const CONFIG_ENTRY = 22;

/**
 * Decodes one record's value (the bytes after its type byte) into {@linkcode DecodedValue}.
 *
 * A Consul ConfigEntry (type 22) value is a raw holding two msgpack values, the kind and
 * the `ConfigEntryRequest` map; the result is that request map (its `Entry.Kind` already
 * names the kind, and is added from the first value when missing), as `consul snapshot
 * decode` prints it. Should the inner bytes not decode, the raw is printed as base64.
 *
 * @param product Whose record it is.
 * @param type The record type byte.
 * @param bytes The msgpack value, exactly (trailing bytes are an error).
 * @param options Whether to redact secrets.
 * @returns The plain value.
 * @throws {MsgpackError} when the bytes are not exactly one msgpack value.
 */
export function recordValue(
  product: "consul" | "nomad",
  type: number,
  bytes: Uint8Array,
  options: RecordValueOptions,
): DecodedValue {
  const { value, end } = decodeMsgpack(bytes, 0);
  if (end !== bytes.length) throw trailing(end, bytes.length);
  const context = new Context(product, type, options.redact);
  if (product === "consul" && type === CONFIG_ENTRY && value instanceof Uint8Array) {
    const request = configEntry(value, context);
    if (request !== undefined) return request;
  }
  return context.plain(value, undefined, -1, false);
}

function trailing(end: number, length: number): Error {
  // A record value must be one msgpack value; more bytes mean the framing is wrong.
  return new RangeError(
    `Cannot decode the record: ${length - end} bytes after its msgpack value at offset ${end}`,
  );
}

function configEntry(raw: Uint8Array, context: Context): DecodedValue | undefined {
  let kind: MsgpackValue;
  let request: MsgpackValue;
  try {
    const first = decodeMsgpack(raw, 0);
    const second = decodeMsgpack(raw, first.end);
    if (second.end !== raw.length) return undefined;
    kind = first.value;
    request = second.value;
  } catch {
    return undefined;
  }
  if (!(request instanceof Map)) return undefined;
  const out = context.plain(request, undefined, -1, false) as Record<string, DecodedValue>;
  const entry = out.Entry;
  if (
    kind instanceof Uint8Array && entry !== null && typeof entry === "object" &&
    !Array.isArray(entry) && !("Kind" in entry)
  ) {
    entry.Kind = utf8OrUndefined(kind) ?? toBase64(kind);
  }
  return out;
}

class Context {
  readonly product: "consul" | "nomad";
  readonly type: number;
  readonly redact: boolean;
  readonly binaryAny: ReadonlySet<string>;
  readonly binaryTop: ReadonlySet<string> | undefined;

  constructor(product: "consul" | "nomad", type: number, redact: boolean) {
    this.product = product;
    this.type = type;
    this.redact = redact;
    // Field hints hold for the types the product defines, not for ones it does not know.
    const known = recordTypeName(product, type).known;
    this.binaryAny = known ? BINARY_FIELDS[product].any : new Set();
    this.binaryTop = BINARY_FIELDS[product].byType.get(type);
  }

  /**
   * @param key The field this value sits under (list items inherit their list's field);
   * `undefined` at the top.
   * @param depth The depth of that field: 0 for the record's own fields, -1 at the top.
   * @param secret Whether an enclosing field is secret.
   */
  plain(
    value: MsgpackValue,
    key: string | undefined,
    depth: number,
    secret: boolean,
  ): DecodedValue {
    if (value === null || typeof value !== "object") return value;
    if (value instanceof Uint8Array) {
      if (secret) return redactionMarker(value.length);
      if (key !== undefined) {
        if (isTimeField(key)) {
          const time = goTime(value);
          if (time !== undefined) return time;
        }
        if (this.binaryAny.has(key) || (depth === 0 && this.binaryTop?.has(key))) {
          return toBase64(value);
        }
      }
      return utf8OrUndefined(value) ?? toBase64(value);
    }
    if (Array.isArray(value)) {
      const out = new Array<DecodedValue>(value.length);
      // Items of a list inherit its field name: a []time.Time or [][]byte stays typed.
      for (let i = 0; i < value.length; i++) out[i] = this.plain(value[i]!, key, depth, secret);
      return out;
    }
    if (value instanceof MsgpackExt) {
      if (secret) return redactionMarker(value.data.length);
      if (value.type === -1) {
        const time = timestampExt(value.data);
        if (time !== undefined) return time;
      }
      return { ExtType: value.type, Data: toBase64(value.data) };
    }
    return this.object(value, depth + 1, secret);
  }

  /** A map whose keys are fields at `depth`. */
  object(map: MsgpackMap, depth: number, secret: boolean): { [key: string]: DecodedValue } {
    const out: { [key: string]: DecodedValue } = {};
    for (const [rawKey, item] of map) {
      const key = typeof rawKey === "string" ? rawKey : keyText(rawKey);
      const hidden = secret ||
        (this.redact && isSecretField(this.product, this.type, key, depth));
      const value = this.plain(item, key, depth, hidden);
      if (key === "__proto__") {
        Object.defineProperty(out, key, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else out[key] = value;
    }
    return out;
  }
}

/** A map key that is not a UTF-8 raw, as text (how `DecodedValue` names it). */
export function keyText(key: MsgpackValue): string {
  if (key instanceof Uint8Array) return toBase64(key);
  if (key === null || typeof key !== "object") return String(key);
  if (key instanceof MsgpackExt) return `ext(${key.type}):${toBase64(key.data)}`;
  return JSON.stringify(key, (_k, v) => typeof v === "bigint" ? String(v) : v) ?? "";
}

// ---- Go time.Time ----

/** Seconds from 0001-01-01 to 1970-01-01 (Go's unixToInternal). */
const UNIX_TO_INTERNAL = 62135596800n;

/**
 * Go's `time.Time.MarshalBinary` bytes as Go's `RFC3339Nano`, or `undefined` when the
 * bytes are not such an encoding or the year is outside 0-9999 (which Go's JSON refuses).
 */
export function goTime(raw: Uint8Array): string | undefined {
  const version = raw[0];
  if (!((version === 1 && raw.length === 15) || (version === 2 && raw.length === 16))) {
    return undefined;
  }
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.length);
  const sec = dv.getBigInt64(1) - UNIX_TO_INTERNAL;
  const nsec = dv.getInt32(9);
  const offsetMin = dv.getInt16(13);
  if (nsec < 0 || nsec >= 1e9) return undefined;
  let offset = offsetMin === -1 ? 0 : offsetMin * 60;
  if (version === 2) offset += dv.getInt8(15);
  return rfc3339(sec, nsec, offsetMin === -1 ? undefined : offset);
}

/** The msgpack timestamp extension (4, 8 or 12 bytes) as RFC 3339 in UTC. */
function timestampExt(data: Uint8Array): string | undefined {
  const dv = new DataView(data.buffer, data.byteOffset, data.length);
  if (data.length === 4) return rfc3339(BigInt(dv.getUint32(0)), 0, undefined);
  if (data.length === 8) {
    const hi = dv.getUint32(0);
    const nsec = hi >>> 2;
    const sec = (BigInt(hi & 3) << 32n) | BigInt(dv.getUint32(4));
    return nsec < 1e9 ? rfc3339(sec, nsec, undefined) : undefined;
  }
  if (data.length === 12) {
    const nsec = dv.getUint32(0);
    return nsec < 1e9 ? rfc3339(dv.getBigInt64(4), nsec, undefined) : undefined;
  }
  return undefined;
}

function rfc3339(unixSec: bigint, nsec: number, offset: number | undefined): string | undefined {
  const local = unixSec + BigInt(offset ?? 0);
  // Years 0000-9999 only, as Go's Time.MarshalJSON.
  if (local < -62167219200n || local > 253402300799n) return undefined;
  const seconds = Number(local);
  const days = Math.floor(seconds / 86400);
  const rest = seconds - days * 86400;
  const [y, m, d] = civil(days);
  let text = `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}T${pad(Math.floor(rest / 3600), 2)}:` +
    `${pad(Math.floor(rest / 60) % 60, 2)}:${pad(rest % 60, 2)}`;
  if (nsec > 0) text += "." + pad(nsec, 9).replace(/0+$/, "");
  if (offset === undefined || offset === 0) return text + "Z";
  const abs = Math.abs(offset);
  return text + (offset < 0 ? "-" : "+") + pad(Math.floor(abs / 3600), 2) + ":" +
    pad(Math.floor(abs / 60) % 60, 2);
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/** Days since 1970-01-01 to a proleptic Gregorian (year, month, day) (H. Hinnant's algorithm). */
function civil(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}
