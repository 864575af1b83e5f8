// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/**
 * A JSON reader that keeps numbers as their source text, so that uint64 values
 * beyond 2^53 survive exactly. Its syntax errors use Go's `encoding/json` wording.
 */

/** A parsed JSON value; numbers stay text. */
export type JsonValue =
  | { kind: "null" }
  | { kind: "bool"; value: boolean }
  | { kind: "number"; text: string }
  | { kind: "string"; value: string }
  | { kind: "array"; items: JsonValue[] }
  | { kind: "object"; entries: [string, JsonValue][] };

/** A syntax error, worded as Go's `json.SyntaxError`. */
export class JsonSyntaxError extends Error {}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/** Go's decoder refuses nesting deeper than 10000; raftsnap's limit keeps recursion shallow. */
const MAX_DEPTH = 1000;

/** Parses one JSON document, surrounded by optional white space. */
export function parseJson(text: string): JsonValue {
  let pos = 0;

  const describe = (ch: string) => ch === "'" ? "'\\''" : `'${ch}'`;
  const fail = (context: string): never => {
    if (pos >= text.length) throw new JsonSyntaxError("unexpected end of JSON input");
    throw new JsonSyntaxError(`invalid character ${describe(text[pos]!)} ${context}`);
  };
  const skipSpace = () => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      pos++;
    }
  };
  const literal = (word: string): void => {
    for (let i = 0; i < word.length; i++, pos++) {
      if (text[pos] !== word[i]) fail(`in literal ${word} (expecting '${word[i]}')`);
    }
  };

  const parseString = (): string => {
    pos++; // opening quote
    let out = "";
    let start = pos;
    for (;;) {
      if (pos >= text.length) fail("");
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        out += text.slice(start, pos++);
        return out.replace(
          /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
          "\uFFFD",
        );
      }
      if (c < 0x20) fail("in string literal");
      if (c !== 0x5c) {
        pos++;
        continue;
      }
      out += text.slice(start, pos);
      pos++;
      const e = text[pos];
      const simple: Record<string, string> = {
        '"': '"',
        "\\": "\\",
        "/": "/",
        b: "\b",
        f: "\f",
        n: "\n",
        r: "\r",
        t: "\t",
      };
      if (e !== undefined && e in simple) {
        out += simple[e];
        pos++;
      } else if (e === "u") {
        pos++;
        const hex = text.slice(pos, pos + 4);
        for (let i = 0; i < 4; i++) {
          if (!/[0-9a-fA-F]/.test(text[pos] ?? "")) fail("in \\u hexadecimal character escape");
          pos++;
        }
        out += String.fromCharCode(parseInt(hex, 16));
      } else {
        fail("in string escape code");
      }
      start = pos;
    }
  };

  let depth = 0;
  const parseValue = (): JsonValue => {
    skipSpace();
    if (depth >= MAX_DEPTH) throw new JsonSyntaxError(`exceeded max depth (${MAX_DEPTH})`);
    const ch = text[pos];
    switch (ch) {
      case "{": {
        pos++;
        depth++;
        const entries: [string, JsonValue][] = [];
        skipSpace();
        if (text[pos] === "}") {
          pos++;
          depth--;
          return { kind: "object", entries };
        }
        for (;;) {
          skipSpace();
          if (text[pos] !== '"') fail("looking for beginning of object key string");
          const key = parseString();
          skipSpace();
          if (text[pos] !== ":") fail("after object key");
          pos++;
          entries.push([key, parseValue()]);
          skipSpace();
          if (text[pos] === ",") {
            pos++;
            continue;
          }
          if (text[pos] === "}") {
            pos++;
            depth--;
            return { kind: "object", entries };
          }
          fail("after object key:value pair");
        }
      }
      case "[": {
        pos++;
        depth++;
        const items: JsonValue[] = [];
        skipSpace();
        if (text[pos] === "]") {
          pos++;
          depth--;
          return { kind: "array", items };
        }
        for (;;) {
          items.push(parseValue());
          skipSpace();
          if (text[pos] === ",") {
            pos++;
            continue;
          }
          if (text[pos] === "]") {
            pos++;
            depth--;
            return { kind: "array", items };
          }
          fail("after array element");
        }
      }
      case '"':
        return { kind: "string", value: parseString() };
      case "t":
        literal("true");
        return { kind: "bool", value: true };
      case "f":
        literal("false");
        return { kind: "bool", value: false };
      case "n":
        literal("null");
        return { kind: "null" };
      default: {
        NUMBER.lastIndex = pos;
        const match = NUMBER.exec(text);
        if (!match) return fail("looking for beginning of value");
        pos += match[0].length;
        return { kind: "number", text: match[0] };
      }
    }
  };

  const value = parseValue();
  skipSpace();
  if (pos < text.length) fail("after top-level value");
  return value;
}
