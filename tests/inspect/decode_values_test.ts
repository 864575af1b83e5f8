// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Record values of Consul and Nomad states: msgpack decoding, plain JSON values,
// redaction and the decode JSON lines, checked against the product fixtures.

import assert from "node:assert/strict";
import { decodeMeta, parseSnapshot } from "../../mod.ts";
import { type JsonValue, parseJson } from "../../src/format/_json.ts";
import { toBase64, toHex } from "../../src/_bytes.ts";
import {
  decodeMsgpack,
  MAX_MSGPACK_DEPTH,
  MsgpackError,
  MsgpackExt,
} from "../../src/inspect/decoders/_msgpack.ts";
import { MsgpackFrameError, MsgpackSkipper } from "../../src/inspect/decoders/_msgpack_skipper.ts";
import {
  type DecodedValue,
  goTime,
  recordValue,
} from "../../src/inspect/decoders/_record_value.ts";
import { recordTypeName } from "../../src/inspect/products/_type_names.ts";
import {
  formatDecodeHeader,
  formatDecodeLine,
  stringifyDecoded,
} from "../../src/inspect/operations/format_decode.ts";

const PRODUCTS = new URL("../../../shared/fixtures/products/", import.meta.url);
const read = (name: string) => Deno.readFileSync(new URL(name, PRODUCTS));
const readText = (name: string) => Deno.readTextFileSync(new URL(name, PRODUCTS));

interface Record {
  type: number;
  /** The value's bytes (after the type byte). */
  bytes: Uint8Array;
  /** Bytes the product's inspect counts: type byte + value, the header with the first. */
  size: number;
}

/** Frames a Consul or Nomad state with the sync decoder alone: header, then type + value. */
function frame(state: Uint8Array): { header: DecodedValue | unknown; records: Record[] } {
  const { value: header, end: headerEnd } = decodeMsgpack(state, 0);
  const records: Record[] = [];
  let at = headerEnd;
  let counted = 0;
  while (at < state.length) {
    const type = state[at]!;
    const { end } = decodeMsgpack(state, at + 1);
    assert.equal(skipperEnd(state, at + 1), end, "the framing skipper agrees with decodeMsgpack");
    records.push({ type, bytes: state.subarray(at + 1, end), size: end - counted });
    counted = end;
    at = end;
  }
  return { header, records };
}

/** JSON value equality between a decoded value and a parsed fixture value (key order free). */
function sameJson(ours: DecodedValue, theirs: JsonValue, path: string, diffs: string[]): void {
  const fail = (why: string) => diffs.push(`${path}: ${why}`);
  switch (theirs.kind) {
    case "null":
      if (ours !== null) fail(`expected null, got ${stringifyDecoded(ours)}`);
      return;
    case "bool":
      if (ours !== theirs.value) fail(`expected ${theirs.value}, got ${stringifyDecoded(ours)}`);
      return;
    case "number": {
      const exact = /^-?\d+$/.test(theirs.text);
      const ok = typeof ours === "bigint"
        ? exact && BigInt(theirs.text) === ours
        : typeof ours === "number" &&
          (exact && !Number.isSafeInteger(Number(theirs.text))
            ? false // a uint64 beyond 2^53 must come back as a bigint
            : Number(theirs.text) === ours);
      if (!ok) fail(`expected ${theirs.text}, got ${stringifyDecoded(ours)}`);
      return;
    }
    case "string":
      if (ours !== theirs.value) {
        fail(`expected ${JSON.stringify(theirs.value)}, got ${stringifyDecoded(ours)}`);
      }
      return;
    case "array":
      if (!Array.isArray(ours) || ours.length !== theirs.items.length) {
        fail(`expected an array of ${theirs.items.length}, got ${stringifyDecoded(ours)}`);
        return;
      }
      theirs.items.forEach((item, i) => sameJson(ours[i]!, item, `${path}[${i}]`, diffs));
      return;
    case "object": {
      if (ours === null || typeof ours !== "object" || Array.isArray(ours)) {
        fail(`expected an object, got ${stringifyDecoded(ours)}`);
        return;
      }
      const keys = new Set(theirs.entries.map(([k]) => k));
      for (const key of Object.keys(ours)) if (!keys.has(key)) fail(`unexpected key ${key}`);
      for (const [key, item] of theirs.entries) {
        if (!(key in ours)) fail(`missing key ${key}`);
        else sameJson(ours[key]!, item, `${path}.${key}`, diffs);
      }
    }
  }
}

/** The parsed fixture value as a DecodedValue, so two parsed lines can be compared. */
function toDecoded(value: JsonValue): DecodedValue {
  switch (value.kind) {
    case "null":
      return null;
    case "bool":
    case "string":
      return value.value;
    case "number":
      return /^-?\d+$/.test(value.text) && !Number.isSafeInteger(Number(value.text))
        ? BigInt(value.text)
        : Number(value.text);
    case "array":
      return value.items.map(toDecoded);
    case "object":
      return Object.fromEntries(value.entries.map(([k, v]) => [k, toDecoded(v)]));
  }
}

const consulState = read("consul-small-raw/state.bin");
const decodeLines = readText("consul-small.decode.jsonl").trimEnd().split("\n").map(parseJson);

function field(value: JsonValue, key: string): JsonValue {
  assert.equal(value.kind, "object");
  const found = (value as { entries: [string, JsonValue][] }).entries.find(([k]) => k === key);
  assert.ok(found, `no ${key}`);
  return found[1];
}

Deno.test("recordValue() reproduces every record of consul-small.decode.jsonl", () => {
  const { header, records } = frame(consulState);
  assert.deepEqual(header, new Map([["LastIndex", 433]]));
  assert.equal(records.length, decodeLines.length - 1);
  const diffs: string[] = [];
  records.forEach((record, i) => {
    const line = decodeLines[i + 1]!;
    const type = field(line, "Type");
    assert.equal(type.kind === "string" && type.value, recordTypeName("consul", record.type).name);
    const value = recordValue("consul", record.type, record.bytes, { redact: false });
    sameJson(
      value,
      field(line, "Data"),
      `line ${i + 2} (${recordTypeName("consul", record.type).name})`,
      diffs,
    );
  });
  // No documented exception is needed for this fixture: every record matches.
  assert.deepEqual(diffs, []);
});

Deno.test("recordValue() keeps uint64 beyond 2^53 exact and times as RFC 3339", () => {
  const { records } = frame(consulState);
  const entry = recordValue("consul", 22, records.find((r) => r.type === 22)!.bytes, {
    redact: false,
  }) as { Entry: { Hash: bigint; Kind: string } };
  assert.equal(entry.Entry.Hash, 6495004227697965289n);
  assert.equal(entry.Entry.Kind, "service-defaults");
  const token = recordValue("consul", 17, records.find((r) => r.type === 17)!.bytes, {
    redact: false,
  }) as { CreateTime: string; ExpirationTime: null };
  assert.equal(token.CreateTime, "2024-03-13T17:14:09.953116Z");
  assert.equal(token.ExpirationTime, null);
});

Deno.test("formatDecodeHeader() and formatDecodeLine() print decode.jsonl's lines as JSON values", () => {
  const meta = decodeMeta(read("consul-small-raw/meta.json"));
  const ours = [formatDecodeHeader(meta)];
  for (const r of frame(consulState).records) {
    ours.push(formatDecodeLine("consul", r.type, r.bytes, { redact: false }));
  }
  assert.equal(ours.length, decodeLines.length);
  const diffs: string[] = [];
  ours.forEach((line, i) =>
    sameJson(toDecoded(parseJson(line)), decodeLines[i]!, `line ${i + 1}`, diffs)
  );
  assert.deepEqual(diffs, []);
  assert.match(ours[0]!, /^\{"Data":\{"Version":1,"ID":"2-433-1710350056693","Index":433,/);
  assert.match(ours.find((l) => l.includes('"ConfigEntry"'))!, /"Hash":6495004227697965289,/);
});

Deno.test("recordTypeName() counts consul-small as its inspect.json Stats do", () => {
  const stats = JSON.parse(readText("consul-small.inspect.json")).Stats as {
    Name: string;
    Sum: number;
    Count: number;
  }[];
  const ours = new Map<string, { Count: number; Sum: number }>();
  for (const r of frame(consulState).records) {
    const row = ours.get(recordTypeName("consul", r.type).name) ?? { Count: 0, Sum: 0 };
    row.Count++;
    row.Sum += r.size;
    ours.set(recordTypeName("consul", r.type).name, row);
  }
  assert.deepEqual(
    new Map(stats.map((s) => [s.Name, { Count: s.Count, Sum: s.Sum }])),
    ours,
  );
});

// ---- redaction ----

const manifest = JSON.parse(readText("manifest.json"));
const consulFixture = manifest.fixtures.find((f: { fixture: string }) =>
  f.fixture === "consul-small"
);
const SECRETS: string[] = [...consulFixture.secrets_never_shown_when_redacted, "root"];

/** Every form a secret could take in JSON output: as text, JSON-escaped, base64 and hex. */
function forms(secret: string): string[] {
  const out = new Set<string>();
  const text = new TextEncoder().encode(secret);
  const add = (s: string) => s.length > 0 && out.add(s);
  add(secret === "root" ? '"root"' : secret);
  add(JSON.stringify(secret).slice(1, -1));
  add(toBase64(text));
  add(toHex(text));
  // KV values are listed as base64: their bytes' own forms too.
  if (/^[A-Za-z0-9+/]+=*$/.test(secret) && secret.length % 4 === 0 && secret.length > 12) {
    const bytes = Uint8Array.from(atob(secret), (c) => c.charCodeAt(0));
    add(toHex(bytes));
    const utf8 = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
    if (!utf8.includes("\ufffd")) add(JSON.stringify(utf8).slice(1, -1));
  }
  return [...out];
}

function consulLines(redact: boolean | undefined): string {
  const meta = decodeMeta(read("consul-small-raw/meta.json"));
  const lines = [formatDecodeHeader(meta)];
  for (const r of frame(consulState).records) {
    lines.push(
      formatDecodeLine("consul", r.type, r.bytes, redact === undefined ? undefined : { redact }),
    );
  }
  return lines.join("\n");
}

Deno.test("formatDecodeLine() never shows a secret of consul-small when redacting (the default)", () => {
  for (const output of [consulLines(undefined), consulLines(true)]) {
    for (const secret of SECRETS) {
      for (const form of forms(secret)) {
        assert.ok(!output.includes(form), `secret shown as ${form.slice(0, 40)}...`);
      }
    }
    assert.match(output, /"SecretID":"\[redacted: 4 bytes\]"/); // root
    assert.match(output, /"SecretID":"\[redacted: 9 bytes\]"/); // anonymous
    assert.match(output, /"PrivateKey":"\[redacted: 227 bytes\]"/);
    assert.match(output, /"Key":"vault\/core\/lock",[^}]*"Value":"\[redacted: 36 bytes\]"/);
    // What is not secret stays.
    assert.match(output, /"RootCert":"-----BEGIN CERTIFICATE-----/);
    assert.match(output, /"AccessorID":"cbb26776-68df-d4ec-5b38-b40366ebf6c2"/);
  }
});

Deno.test("formatDecodeLine() shows every consul-small secret when not redacting", () => {
  const output = consulLines(false);
  for (const secret of SECRETS) {
    // KV values as base64, text secrets as JSON strings.
    const shown = secret === "root" ? '"root"' : JSON.stringify(secret).slice(1, -1);
    assert.ok(output.includes(shown), `not shown: ${shown.slice(0, 40)}`);
  }
});

Deno.test("recordValue() redacts a whole secret subtree but keeps its shape", () => {
  // Nomad WrappedRootKeys-like: {"WrappedKeys": [{"KeyEncryptionKey": raw, "Provider": "aead"}]}
  const text = (s: string) => [0xa0 + s.length, ...new TextEncoder().encode(s)];
  const bytes = new Uint8Array([
    0x82,
    ...text("KeyID"),
    ...text("k1"),
    ...text("WrappedKeys"),
    0x91,
    0x83,
    ...text("KeyEncryptionKey"),
    0xa4,
    1,
    2,
    3,
    4,
    ...text("WrappedDataEncryptionKey"),
    0x82,
    ...text("Ciphertext"),
    0xa3,
    9,
    9,
    9,
    ...text("KeyInfo"),
    0x81,
    ...text("Mechanism"),
    0x01,
    ...text("Provider"),
    ...text("aead"),
  ]);
  assert.deepEqual(recordValue("nomad", 30, bytes, { redact: true }), {
    KeyID: "k1",
    WrappedKeys: [{
      KeyEncryptionKey: "[redacted: 4 bytes]",
      WrappedDataEncryptionKey: {
        Ciphertext: "[redacted: 3 bytes]",
        KeyInfo: { Mechanism: 1 },
      },
      Provider: "aead",
    }],
  });
  assert.deepEqual(recordValue("nomad", 30, bytes, { redact: false }), {
    KeyID: "k1",
    WrappedKeys: [{
      KeyEncryptionKey: "AQIDBA==",
      WrappedDataEncryptionKey: { Ciphertext: "CQkJ", KeyInfo: { Mechanism: 1 } },
      Provider: "aead",
    }],
  });
});

// ---- Nomad ----

async function nomadState(): Promise<Uint8Array> {
  const parsed = parseSnapshot(read("nomad-dev.snap"));
  const state = new Uint8Array(await new Response(parsed.state).arrayBuffer());
  await parsed.result;
  return state;
}

Deno.test("recordValue() decodes every nomad-dev record, counted as nomad-dev.inspect.json", async () => {
  const { header, records } = frame(await nomadState());
  assert.deepEqual(header, new Map());
  const stats = JSON.parse(readText("nomad-dev.inspect.json")).Stats as {
    Name: string;
    Sum: number;
    Count: number;
  }[];
  const ours = new Map<string, { Count: number; Sum: number }>();
  const secrets: string[] = [];
  const redacted: string[] = [];
  for (const r of records) {
    const { name, known } = recordTypeName("nomad", r.type);
    assert.equal(known, r.type !== 200);
    const row = ours.get(name) ?? { Count: 0, Sum: 0 };
    row.Count++;
    row.Sum += r.size;
    ours.set(name, row);
    const open = recordValue("nomad", r.type, r.bytes, { redact: false }) as {
      [key: string]: DecodedValue;
    };
    if (typeof open.SecretID === "string") secrets.push(open.SecretID);
    redacted.push(formatDecodeLine("nomad", r.type, r.bytes));
    if (r.type === 200) {
      assert.deepEqual({ ...open }, {
        Name: "future-table",
        Payload: "opaque",
        CreateIndex: 50,
        ModifyIndex: 51,
      });
    }
    if (r.type === 12 && open.Name === "ci-deployer") {
      assert.equal(open.ExpirationTime, "2025-07-03T09:41:07.513204Z");
      assert.equal(open.CreateTime, "2025-07-02T09:41:07.513204Z");
    }
    if (r.type === 3) assert.equal(open.WaitUntil, "0001-01-01T00:00:00Z");
  }
  assert.deepEqual(new Map(stats.map((s) => [s.Name, { Count: s.Count, Sum: s.Sum }])), ours);
  assert.ok(ours.has("Unknown(200)"));
  assert.equal(secrets.length, 5, "two ACL tokens and three node secrets");
  const output = redacted.join("\n");
  for (const secret of secrets) {
    for (const form of forms(secret)) assert.ok(!output.includes(form), `shown: ${form}`);
  }
  assert.match(output, /"Type":"Unknown\(200\)"/);
});

// ---- msgpack ----

/** Where the streaming skipper that frames records says the value at `offset` ends (-1: not in these bytes). */
function skipperEnd(bytes: Uint8Array, offset: number): number {
  return new MsgpackSkipper().scan(bytes, offset);
}

function throwsMsgpack(bytes: number[] | Uint8Array, offset: number, reason: string | RegExp) {
  const input = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  assert.throws(() => decodeMsgpack(input), (error: unknown) => {
    assert.ok(error instanceof MsgpackError, String(error));
    assert.equal(error.offset, offset);
    if (typeof reason === "string") assert.equal(error.reason, reason);
    else assert.match(error.reason, reason);
    assert.equal(error.message, `Cannot decode msgpack: ${error.reason} at offset ${offset}`);
    return true;
  });
  // The framing skipper refuses the same bytes at the same offset, or (for lengths past
  // the end) waits for more: the stream's end then names the truncation.
  try {
    assert.equal(skipperEnd(input, 0), -1, "the skipper cannot end a value decodeMsgpack refuses");
  } catch (error) {
    if (!(error instanceof MsgpackFrameError)) throw error;
    assert.equal(error.offset, offset);
  }
}

Deno.test("decodeMsgpack() reads old and new spec types", () => {
  const cases: [number[], unknown][] = [
    [[0xa3, 0x61, 0x62, 0x63], new Uint8Array([0x61, 0x62, 0x63])],
    [[0xd9, 0x01, 0x78], new Uint8Array([0x78])],
    [[0xc4, 0x02, 0xff, 0x00], new Uint8Array([0xff, 0x00])],
    [[0xda, 0x00, 0x01, 0x7a], new Uint8Array([0x7a])],
    [[0xff], -1],
    [[0xd0, 0x80], -128],
    [[0xd1, 0xff, 0x00], -256],
    [[0xd3, 0xff, 0xdf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], -(2n ** 53n) - 1n],
    [[0xd3, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00], 256],
    [[0xcf, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00], 2n ** 53n],
    [[0xcf, 0x00, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 2 ** 53 - 1],
    [[0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 2n ** 64n - 1n],
    [[0xca, 0x3f, 0xc0, 0x00, 0x00], 1.5],
    [[0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0], 1.5],
    [[0xd4, 0x05, 0x07], new MsgpackExt(5, new Uint8Array([7]))],
    [[0xc7, 0x00, 0xfe], new MsgpackExt(-2, new Uint8Array())],
    [[0x92, 0xc0, 0xc3], [null, true]],
    [[0x82, 0x01, 0xc2, 0xa1, 0x6b, 0x90], new Map<unknown, unknown>([[1, false], ["k", []]])],
    [[0x81, 0xa2, 0xff, 0xfe, 0x00], new Map([[new Uint8Array([0xff, 0xfe]), 0]])],
    [[0x81, 0xc0, 0x00], new Map([[null, 0]])],
  ];
  for (const [bytes, expected] of cases) {
    const input = new Uint8Array([0x00, ...bytes, 0x00]);
    const { value, end } = decodeMsgpack(input, 1);
    assert.deepEqual(value, expected, bytes.map((b) => b.toString(16)).join(" "));
    assert.equal(end, bytes.length + 1);
    assert.equal(skipperEnd(input, 1), end);
  }
});

Deno.test("decodeMsgpack() throws MsgpackError at every truncation of a record", () => {
  const { records } = frame(consulState);
  for (const record of records.filter((r) => [0, 17, 22, 6].includes(r.type))) {
    for (let cut = 0; cut < record.bytes.length; cut++) {
      const part = record.bytes.slice(0, cut);
      let error: unknown;
      try {
        decodeMsgpack(part);
      } catch (e) {
        error = e;
      }
      assert.ok(error instanceof MsgpackError, `cut ${cut}: ${error}`);
      assert.match(error.reason, /needs (at least )?\d+ more bytes$/);
      // The token blamed starts at or before the cut, and the whole value does decode there.
      assert.ok(error.offset <= cut && error.offset >= 0);
      assert.equal(skipperEnd(part, 0), -1, "the skipper waits for the rest");
    }
  }
});

Deno.test("decodeMsgpack() names the offset of truncated, invalid and absurd input", () => {
  throwsMsgpack([], 0, "needs 1 more bytes");
  throwsMsgpack([0x92, 0xa3, 0x61], 1, "needs 2 more bytes");
  throwsMsgpack([0x82, 0xa1, 0x6b, 0xcd, 0x01], 3, "needs 1 more bytes");
  throwsMsgpack([0x91, 0xcf, 0, 0], 1, "needs 6 more bytes");
  throwsMsgpack([0x91, 0xd4, 0x01], 1, "needs 1 more bytes");
  throwsMsgpack([0x93, 0x01, 0x02, 0xc1], 3, "byte 0xc1 is not a msgpack type");
  throwsMsgpack([0xc1], 0, "byte 0xc1 is not a msgpack type");
  throwsMsgpack([0x91, 0xdb, 0xff, 0xff, 0xff, 0xff], 1, "needs 4294967295 more bytes");
  throwsMsgpack(
    [0xdd, 0xff, 0xff, 0xff, 0xff, 0x00],
    0,
    "declares 4294967295 items, needs at least 4294967294 more bytes",
  );
  throwsMsgpack([0xdf, 0x80, 0x00, 0x00, 0x00], 0, /^declares 4294967296 items/);
  throwsMsgpack([0x92, 0x01], 0, "declares 2 items, needs at least 1 more bytes");
  const deep = (n: number) => new Uint8Array([...new Array(n).fill(0x91), 0x00]);
  assert.equal(decodeMsgpack(deep(MAX_MSGPACK_DEPTH)).end, MAX_MSGPACK_DEPTH + 1);
  assert.equal(skipperEnd(deep(MAX_MSGPACK_DEPTH), 0), MAX_MSGPACK_DEPTH + 1);
  throwsMsgpack(deep(MAX_MSGPACK_DEPTH + 1), MAX_MSGPACK_DEPTH, /^nesting deeper than 1000/);
});

Deno.test("goTime() prints Go MarshalBinary times as RFC3339Nano", () => {
  const time = (version: number, sec: bigint, nsec: number, offsetMin: number, extra?: number) => {
    const out = new Uint8Array(version === 2 ? 16 : 15);
    const dv = new DataView(out.buffer);
    out[0] = version;
    dv.setBigInt64(1, sec + 62135596800n);
    dv.setInt32(9, nsec);
    dv.setInt16(13, offsetMin);
    if (extra !== undefined) dv.setInt8(15, extra);
    return out;
  };
  assert.equal(goTime(time(1, -62135596800n, 0, -1)), "0001-01-01T00:00:00Z");
  assert.equal(goTime(time(1, 0n, 0, -1)), "1970-01-01T00:00:00Z");
  assert.equal(goTime(time(1, 1710350049n, 953116000, -1)), "2024-03-13T17:14:09.953116Z");
  assert.equal(goTime(time(1, 0n, 1, 330)), "1970-01-01T05:30:00.000000001+05:30");
  assert.equal(goTime(time(1, 951782400n, 0, -480)), "2000-02-28T16:00:00-08:00");
  assert.equal(goTime(time(1, 951782400n, 500000000, 0)), "2000-02-29T00:00:00.5Z");
  // Version 2 adds zone seconds; RFC 3339 shows hours and minutes only, as Go formats it.
  assert.equal(goTime(time(2, 0n, 0, 0, 30)), "1970-01-01T00:00:30+00:00");
  assert.equal(goTime(time(1, 0n, 1_000_000_000, -1)), undefined);
  assert.equal(goTime(time(1, 253402300800n, 0, -1)), undefined); // year 10000
  assert.equal(goTime(new Uint8Array(15)), undefined); // version 0
  // A time field whose raw is not a time stays text.
  const text = (s: string) => [0xa0 + s.length, ...new TextEncoder().encode(s)];
  assert.deepEqual(
    recordValue("consul", 99, new Uint8Array([0x81, ...text("UpdatedAt"), ...text("yesterday")]), {
      redact: false,
    }),
    { UpdatedAt: "yesterday" },
  );
  // The msgpack timestamp extension (-1), 8-byte form.
  assert.deepEqual(
    recordValue(
      "nomad",
      99,
      new Uint8Array([0x81, ...text("T"), 0xd7, 0xff, 0, 0, 0, 4, 0, 0, 0, 1]),
      { redact: false },
    ),
    { T: "1970-01-01T00:00:01.000000001Z" },
  );
});

Deno.test("recordTypeName() knows Consul's and Nomad's tables and says Unknown(N) otherwise", () => {
  assert.deepEqual(recordTypeName("consul", 0), { name: "Register", known: true });
  assert.deepEqual(recordTypeName("consul", 36), { name: "PeeringDelete", known: true });
  assert.deepEqual(recordTypeName("consul", 37), { name: "Unknown(37)", known: false });
  assert.deepEqual(recordTypeName("consul", 38), { name: "PeeringTrustBundle", known: true });
  assert.deepEqual(recordTypeName("consul", 43), {
    name: "UpdateManualVirtualIPRequestType",
    known: true,
  });
  assert.deepEqual(recordTypeName("consul", 44), { name: "Unknown(44)", known: false });
  assert.deepEqual(recordTypeName("consul", 64), { name: "Unknown(64)", known: false });
  assert.deepEqual(recordTypeName("nomad", 31), { name: "HostVolumeSnapshot", known: true });
  assert.deepEqual(recordTypeName("nomad", 32), { name: "Unknown(32)", known: false });
  assert.deepEqual(recordTypeName("nomad", 64), { name: "Namespace", known: true });
  assert.deepEqual(recordTypeName("nomad", 200), { name: "Unknown(200)", known: false });
});

Deno.test("stringifyDecoded() writes Go's JSON for numbers and HTML characters", () => {
  assert.equal(
    stringifyDecoded([1e-7, 1e21, 0.5, -3, 2n ** 64n - 1n, NaN]),
    "[1e-07,1e+21,0.5,-3,18446744073709551615,null]",
  );
  assert.equal(stringifyDecoded({ "a&b": "<\u2028>" }), '{"a\\u0026b":"\\u003c\\u2028\\u003e"}');
});
