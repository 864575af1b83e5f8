// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/**
 * Indented JSON as the Go products print it: `encoding/json.MarshalIndent` (Consul,
 * Vault) and go-msgpack's `JsonHandle{Indent: n, HTMLCharsAsIs: true}` (Nomad). Both
 * put one member per line, `": "` after keys, and print empty arrays and objects as
 * `[]` and `{}`; they differ only in how strings are escaped.
 *
 * @module
 */

/** A JSON value whose object members are printed in insertion order. */
export type GoJsonValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | readonly GoJsonValue[]
  | { readonly [key: string]: GoJsonValue };

/** Which encoder's string escaping to reproduce. */
export type GoJsonDialect = "encoding/json" | "go-msgpack";

const HEX = "0123456789abcdef";

/**
 * A string as Go quotes it. Both dialects escape `"`, `\`, `\n`, `\r`, `\t`, `\b`, `\f`
 * (Go 1.22 and later for `encoding/json`), other controls as `\u00XX`, U+2028 and
 * U+2029, and write invalid UTF-8 (here: a lone surrogate) as `\ufffd`.
 * `encoding/json` also escapes `<`, `>` and `&` (HTML-safe); go-msgpack with
 * `HTMLCharsAsIs` does not.
 *
 * @example
 * ```ts
 * import { goJsonString } from "./_go_json.ts";
 *
 * if (goJsonString("a<b", "encoding/json") !== '"a\\u003cb"') throw new Error();
 * if (goJsonString("a<b", "go-msgpack") !== '"a<b"') throw new Error();
 * ```
 *
 * @param value The string.
 * @param dialect Whose escaping to use.
 * @returns The quoted JSON string.
 */
export function goJsonString(value: string, dialect: GoJsonDialect): string {
  const html = dialect === "encoding/json";
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c === 0x08) out += "\\b";
    else if (c === 0x0c) out += "\\f";
    else if (c < 0x20 || (html && (c === 0x3c || c === 0x3e || c === 0x26))) {
      out += "\\u00" + HEX[c >> 4] + HEX[c & 0xf];
    } else if (c === 0x2028 || c === 0x2029) out += "\\u202" + HEX[c & 0xf];
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += value[i]! + value[i + 1]!;
        i++;
      } else out += "\\ufffd";
    } else if (c >= 0xdc00 && c <= 0xdfff) out += "\\ufffd";
    else out += value[i];
  }
  return out + '"';
}

/**
 * `value` as Go's indented JSON, without a trailing newline.
 *
 * @example
 * ```ts
 * import { goJsonIndent } from "./_go_json.ts";
 *
 * const text = goJsonIndent({ A: [], B: [{ C: "<x>" }] }, "  ", "encoding/json");
 * if (text !== '{\n  "A": [],\n  "B": [\n    {\n      "C": "\\u003cx\\u003e"\n    }\n  ]\n}') {
 *   throw new Error(text);
 * }
 * ```
 *
 * @param value The value; integers as `number` or `bigint`.
 * @param indent The indent of one level (Consul: three spaces, Vault: two, Nomad: four).
 * @param dialect Whose string escaping to use.
 * @returns The JSON text.
 * @throws {RangeError} for a number that is not finite.
 */
export function goJsonIndent(value: GoJsonValue, indent: string, dialect: GoJsonDialect): string {
  const write = (v: GoJsonValue, level: string): string => {
    if (v === null) return "null";
    if (typeof v === "string") return goJsonString(v, dialect);
    if (typeof v === "bigint") return String(v);
    if (typeof v === "boolean") return v ? "true" : "false";
    if (typeof v === "number") {
      if (!Number.isFinite(v)) throw new RangeError(`Go JSON has no ${v}`);
      return String(v);
    }
    const inner = level + indent;
    if (Array.isArray(v)) {
      const items = v as readonly GoJsonValue[];
      if (items.length === 0) return "[]";
      return "[\n" + items.map((item) => inner + write(item, inner)).join(",\n") + "\n" +
        level + "]";
    }
    const entries = Object.entries(v as { readonly [key: string]: GoJsonValue });
    if (entries.length === 0) return "{}";
    return "{\n" +
      entries.map(([k, item]) => `${inner}${goJsonString(k, dialect)}: ${write(item, inner)}`)
        .join(",\n") +
      "\n" + level + "}";
  };
  return write(value, "");
}

/**
 * Go's `<` on strings: byte order of the UTF-8 encoding, which is code point order
 * (JavaScript's `<` compares UTF-16 units and puts U+E000..U+FFFF after astral characters).
 *
 * @example
 * ```ts
 * import { compareGoStrings } from "./_go_json.ts";
 *
 * const names = ["\u{1f600}", "\uff5e", "a", "B"].sort(compareGoStrings);
 * if (names.join(" ") !== "B a \uff5e \u{1f600}") throw new Error(names.join(" "));
 * ```
 *
 * @param a One string.
 * @param b The other.
 * @returns -1, 0 or 1, as `a` sorts before, with or after `b`.
 */
export function compareGoStrings(a: string, b: string): number {
  if (a === b) return 0;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  while (true) {
    const x = ia.next();
    const y = ib.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const cx = x.value.codePointAt(0)!;
    const cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}
