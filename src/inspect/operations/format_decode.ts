// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { encodeMeta, type SnapshotMeta } from "../../format/meta.ts";
import { type DecodedValue, recordValue } from "../decoders/_record_value.ts";
import { recordTypeName } from "../products/_type_names.ts";

export type { DecodedValue } from "../decoders/_record_value.ts";

/** Options of {@linkcode formatDecodeLine}. */
export interface FormatDecodeLineOptions {
  /**
   * Replace secrets (ACL token secrets, KV values, private and signing keys, Nomad
   * variables and root keys, request tokens) by `[redacted: N bytes]`.
   *
   * @default {true}
   */
  redact?: boolean;
}

/**
 * The first line of `consul snapshot decode` output: the snapshot's raft metadata, as
 * `meta.json` holds it (uint64 fields as exact JSON integers, `Peers` as base64).
 *
 * @example The header line
 * ```ts
 * import { formatDecodeHeader, toSnapshotMeta } from "@raftsnap/raftsnap";
 *
 * const line = formatDecodeHeader(toSnapshotMeta({ id: "2-9-1", index: 2n ** 64n - 1n, term: 2, size: 7 }));
 * const start = '{"Data":{"Version":1,"ID":"2-9-1","Index":18446744073709551615,"Term":2,';
 * if (!line.startsWith(start) || !line.endsWith(',"Type":"SnapshotHeader"}')) throw new Error(line);
 * ```
 *
 * @param meta The snapshot's metadata.
 * @returns One JSON line, without its newline.
 */
export function formatDecodeHeader(meta: SnapshotMeta): string {
  const json = new TextDecoder().decode(encodeMeta(meta)).trimEnd();
  return `{"Data":${json},"Type":"SnapshotHeader"}`;
}

/**
 * One record of a Consul or Nomad `state.bin` as a `consul snapshot decode` JSON line,
 * `{"Data": <record>, "Type": <name>}`: the name is the product's (`Unknown(N)` for
 * types it does not know) and the record is decoded generically into plain JSON (strings,
 * `[]byte` as base64, Go times as RFC 3339 with nanoseconds, uint64s as exact integers;
 * see {@linkcode DecodedValue}), with secrets redacted unless `redact` is `false`.
 *
 * @example A KV record, redacted by default
 * ```ts
 * import { formatDecodeLine } from "@raftsnap/raftsnap";
 *
 * // msgpack {"Key": "db/password", "Value": raw "hunter2"}, as Consul writes a DirEntry
 * const text = (s: string) => [0xa0 + s.length, ...new TextEncoder().encode(s)];
 * const value = new Uint8Array([0x82, ...text("Key"), ...text("db/password"), ...text("Value"), ...text("hunter2")]);
 * const line = formatDecodeLine("consul", 2, value);
 * if (line !== '{"Data":{"Key":"db/password","Value":"[redacted: 7 bytes]"},"Type":"KVS"}') {
 *   throw new Error(line);
 * }
 * const open = formatDecodeLine("consul", 2, value, { redact: false });
 * if (!open.includes('"Value":"aHVudGVyMg=="')) throw new Error(open); // []byte as base64
 * ```
 *
 * @param product Whose state it is.
 * @param type The record's type byte.
 * @param value The record's msgpack value (the bytes after the type byte), exactly.
 * @param options Redaction.
 * @returns One JSON line, without its newline.
 * @throws {Error} when `value` is not exactly one well-formed msgpack value.
 */
export function formatDecodeLine(
  product: "consul" | "nomad",
  type: number,
  value: Uint8Array,
  options: FormatDecodeLineOptions = {},
): string {
  const data = recordValue(product, type, value, { redact: options.redact ?? true });
  return `{"Data":${stringifyDecoded(data)},"Type":${
    jsonString(recordTypeName(product, type).name)
  }}`;
}

/**
 * A {@linkcode DecodedValue} as compact JSON text, as Go's `encoding/json` writes it:
 * `bigint`s as exact integers, floats in Go's notation (`2e-07`), `<`, `>`, `&`, U+2028
 * and U+2029 escaped. Non-finite numbers, which Go refuses, print as `null`.
 *
 * @example Exact integers
 * ```ts
 * import { stringifyDecoded } from "@raftsnap/raftsnap";
 *
 * const text = stringifyDecoded({ Hash: 6495004227697965289n, Adjustment: 2e-7, Rules: "a<b" });
 * if (text !== '{"Hash":6495004227697965289,"Adjustment":2e-07,"Rules":"a\\u003cb"}') throw new Error(text);
 * ```
 *
 * @param value A decoded record.
 * @returns Its JSON text.
 */
export function stringifyDecoded(value: DecodedValue): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return jsonString(value);
    case "number":
      return jsonNumber(value);
    case "bigint":
      return String(value);
    case "boolean":
      return value ? "true" : "false";
  }
  if (Array.isArray(value)) return "[" + value.map(stringifyDecoded).join(",") + "]";
  let out = "{";
  let first = true;
  for (const key of Object.keys(value)) {
    out += (first ? "" : ",") + jsonString(key) + ":" + stringifyDecoded(value[key]!);
    first = false;
  }
  return out + "}";
}

const HTML_UNSAFE = /[<>&\u2028\u2029]/;
const HTML_UNSAFE_ALL = /[<>&\u2028\u2029]/g;

function jsonString(text: string): string {
  const json = JSON.stringify(text);
  return HTML_UNSAFE.test(json)
    ? json.replace(HTML_UNSAFE_ALL, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"))
    : json;
}

function jsonNumber(n: number): string {
  if (!Number.isFinite(n)) return "null";
  // JS and Go switch to exponent notation at the same magnitudes; Go pads the exponent.
  return JSON.stringify(n).replace(/e([+-])(\d)$/, "e$10$2");
}
