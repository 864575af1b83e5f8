// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// meta.json: encoded as Go's json.Encoder writes it, decoded as Go's json.Unmarshal reads
// it, uint64 fields kept exact.

import {
  decodeMeta,
  encodeMeta,
  MetaDecodeError,
  type SnapshotMeta,
  verifySnapshot,
  writeSnapshot,
  zeroMeta,
} from "../../mod.ts";
import { encodeHeader } from "../../src/format/tar/header.ts";
import { assert, collect, gzipBytes, hex, rejectsWith } from "../_helpers.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const utf8 = (s: string) => new TextEncoder().encode(s);

/** The JSON string encodeMeta writes for an ID. */
function encodedId(id: string): string {
  const json = text(encodeMeta({ id, size: 0 }));
  const match = /^\{"Version":1,"ID":(".*"),"Index":0,/.exec(json);
  assert.ok(match, json);
  return match[1]!;
}

/** A tar of the given entries, laid out as Go writes one. */
function tarOf(entries: [string, Uint8Array][]): Uint8Array<ArrayBuffer> {
  const parts: Uint8Array[] = [];
  for (const [name, data] of entries) {
    parts.push(encodeHeader(name, data.length, 1700000000), data);
    parts.push(new Uint8Array((512 - (data.length % 512)) % 512));
  }
  parts.push(new Uint8Array(1024));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(bytes))));
}

/** A gzipped archive whose SHA256SUMS matches the given meta.json bytes exactly. */
async function archiveWithMeta(metaJson: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  const state = utf8("state");
  const sums = `${await sha256Hex(metaJson)}  meta.json\n${await sha256Hex(state)}  state.bin\n`;
  return gzipBytes(
    tarOf([["meta.json", metaJson], ["state.bin", state], ["SHA256SUMS", utf8(sums)]]),
  );
}

Deno.test("encodeMeta() writes Go's compact field order and one trailing newline", () => {
  const json = text(encodeMeta({
    version: 1,
    id: "2-5-1700000000000",
    index: 5,
    term: 2,
    peers: new Uint8Array([1, 2, 3, 4]),
    configuration: {
      servers: [
        { suffrage: 0, id: "s1", address: "10.0.0.1:8300" },
        { suffrage: 2, id: "s2", address: "10.0.0.2:8300" },
      ],
    },
    configurationIndex: 3,
    size: 20,
  }));
  assert.equal(
    json,
    '{"Version":1,"ID":"2-5-1700000000000","Index":5,"Term":2,"Peers":"AQIDBA==",' +
      '"Configuration":{"Servers":[{"Suffrage":0,"ID":"s1","Address":"10.0.0.1:8300"},' +
      '{"Suffrage":2,"ID":"s2","Address":"10.0.0.2:8300"}]},"ConfigurationIndex":3,"Size":20}\n',
  );
  assert.equal(json.indexOf("\n"), json.length - 1);
});

Deno.test("encodeMeta() escapes <, > and & as Go's HTML-safe encoder does", () => {
  assert.equal(encodedId("a<b>c&d"), '"a\\u003cb\\u003ec\\u0026d"');
  assert.equal(encodedId("<script>"), '"\\u003cscript\\u003e"');
});

Deno.test("encodeMeta() escapes U+2028 and U+2029", () => {
  assert.equal(encodedId("a\u2028b\u2029c"), '"a\\u2028b\\u2029c"');
});

Deno.test("encodeMeta() escapes control characters as \\u00XX except \\n, \\r and \\t", () => {
  assert.equal(encodedId("\n\r\t"), '"\\n\\r\\t"');
  assert.equal(
    encodedId("\x00\x01\x08\x0c\x1b\x1f"),
    '"\\u0000\\u0001\\u0008\\u000c\\u001b\\u001f"',
  );
  // DEL and non-ASCII text are written as they are.
  assert.equal(encodedId("\x7fé☃😀"), '"\x7fé☃😀"');
});

Deno.test("encodeMeta() escapes quotes and backslashes", () => {
  assert.equal(encodedId('say "hi" \\ bye'), '"say \\"hi\\" \\\\ bye"');
  assert.equal(encodedId("/"), '"/"');
});

Deno.test("encodeMeta() writes Peers as padded standard base64, or null", () => {
  const peersOf = (peers: Uint8Array | null) =>
    /"Peers":([^,]*),/.exec(text(encodeMeta({ peers, size: 0 })))![1];
  assert.equal(peersOf(null), "null");
  assert.equal(peersOf(new Uint8Array(0)), '""');
  assert.equal(peersOf(new Uint8Array([0xfb])), '"+w=="');
  assert.equal(peersOf(new Uint8Array([0xfb, 0xff])), '"+/8="');
  assert.equal(peersOf(new Uint8Array([0xfb, 0xff, 0xbf])), '"+/+/"');
  assert.equal(peersOf(utf8("10.0.0.1:8300")), `"${btoa("10.0.0.1:8300")}"`);
});

Deno.test("encodeMeta() tells a null server list from an empty one", () => {
  assert.match(text(encodeMeta({ size: 0 })), /"Configuration":\{"Servers":null\}/);
  assert.match(
    text(encodeMeta({ configuration: { servers: null }, size: 0 })),
    /"Configuration":\{"Servers":null\}/,
  );
  assert.match(
    text(encodeMeta({ configuration: { servers: [] }, size: 0 })),
    /"Configuration":\{"Servers":\[\]\}/,
  );
  assert.equal(
    decodeMeta(utf8('{"Configuration":{"Servers":[]}}')).configuration.servers?.length,
    0,
  );
  assert.equal(decodeMeta(utf8('{"Configuration":{"Servers":null}}')).configuration.servers, null);
});

Deno.test("verifySnapshot() keeps uint64 fields beyond 2^53 exact", async () => {
  const index = 18446744073709551615n;
  const term = 9007199254740993n;
  const state = utf8("x");
  const archive = await collect(
    writeSnapshot({ index, term, configurationIndex: index - 1n, size: 1 }, state),
  );
  const result = await verifySnapshot(archive);
  assert.equal(result.meta.index, index);
  assert.equal(result.meta.term, term);
  assert.equal(result.meta.configurationIndex, index - 1n);
  const stored = text(result.entries.find((e) => e.name === "meta.json")!.content!);
  assert.match(stored, /"Index":18446744073709551615,"Term":9007199254740993,/);
  assert.match(stored, /"ConfigurationIndex":18446744073709551614,/);
  assert.equal(text(encodeMeta(result.meta)), stored);
});

Deno.test("decodeMeta() keeps the exact digits of 2^64-1 and 2^53+1", () => {
  const meta = decodeMeta(utf8('{"Index":18446744073709551615,"Term":9007199254740993}'));
  assert.equal(meta.index, 18446744073709551615n);
  assert.equal(meta.term, 9007199254740993n);
  assert.match(text(encodeMeta(meta)), /"Index":18446744073709551615,"Term":9007199254740993,/);
});

for (const bad of ["18446744073709551616", "-1", "1.5", "1e3", '"5"', "true"]) {
  Deno.test(`decodeMeta() rejects Index ${bad} as Go does`, () => {
    assert.throws(
      () => decodeMeta(utf8(`{"Index":${bad}}`)),
      (e) => e instanceof MetaDecodeError && /Index/.test(e.message) && /uint64/.test(e.message),
    );
  });
}

Deno.test("decodeMeta() rejects a Size beyond int64 and accepts a negative one, as Go's int64 does", () => {
  assert.throws(() => decodeMeta(utf8('{"Size":9223372036854775808}')), MetaDecodeError);
  assert.equal(decodeMeta(utf8('{"Size":9223372036854775807}')).size, 9223372036854775807n);
  assert.equal(decodeMeta(utf8('{"Size":-1}')).size, -1n);
});

Deno.test("verifySnapshot() rejects a meta.json whose Index is 2^64 with meta-invalid", async () => {
  const good = await archiveWithMeta(utf8('{"Index":18446744073709551615}\n'));
  assert.equal((await verifySnapshot(good)).meta.index, 18446744073709551615n);
  for (const bad of ["18446744073709551616", "-1", "1.5"]) {
    const archive = await archiveWithMeta(utf8(`{"Index":${bad}}\n`));
    const error = await rejectsWith(verifySnapshot(archive), "meta-invalid");
    assert.equal(error.layer, "meta");
    assert.equal(error.entry, "meta.json");
    assert.ok(error.message.includes(`cannot unmarshal number ${bad}`), error.message);
  }
});

Deno.test("decodeMeta() matches keys case-insensitively", () => {
  assert.equal(decodeMeta(utf8('{"index":7}')).index, 7n);
  assert.equal(decodeMeta(utf8('{"INDEX":8,"tErM":2}')).term, 2n);
  const meta = decodeMeta(
    utf8('{"configuration":{"servers":[{"suffrage":1,"id":"a","address":"b"}]},"id":"x"}'),
  );
  assert.equal(meta.id, "x");
  assert.deepEqual(meta.configuration.servers, [{ suffrage: 1, id: "a", address: "b" }]);
  // Go applies the keys in order: the last one that maps to a field wins.
  assert.equal(decodeMeta(utf8('{"Index":1,"index":2}')).index, 2n);
});

Deno.test("decodeMeta() ignores unknown keys", () => {
  const meta = decodeMeta(utf8('{"Foo":1,"Index":3,"Bar":{"x":[1,2,{}]},"Baz":null}'));
  assert.equal(meta.index, 3n);
  assert.deepEqual({ ...meta, index: 0n }, zeroMeta());
});

Deno.test("decodeMeta() leaves fields as they were on null", () => {
  assert.deepEqual(
    decodeMeta(utf8('{"Version":null,"ID":null,"Index":null,"Term":null,"Size":null}')),
    zeroMeta(),
  );
  assert.deepEqual(decodeMeta(utf8("null")), zeroMeta());
  const into: SnapshotMeta = { ...zeroMeta(), version: 1, id: "keep", index: 9n, term: 4n };
  const meta = decodeMeta(utf8('{"Version":null,"ID":null,"Index":null,"Term":null}'), into);
  assert.equal(meta.version, 1);
  assert.equal(meta.id, "keep");
  assert.equal(meta.index, 9n);
  assert.equal(meta.term, 4n);
});

Deno.test("decodeMeta() reads Peers as padded standard base64", () => {
  assert.deepEqual(decodeMeta(utf8('{"Peers":"AQIDBA=="}')).peers, new Uint8Array([1, 2, 3, 4]));
  assert.equal(decodeMeta(utf8('{"Peers":null}')).peers, null);
  assert.throws(() => decodeMeta(utf8('{"Peers":"AQIDBA"}')), MetaDecodeError);
  assert.throws(() => decodeMeta(utf8('{"Peers":"-_8="}')), MetaDecodeError);
});

Deno.test("decodeMeta() refuses a leading byte order mark", () => {
  const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('{"Index":1}')]);
  assert.throws(
    () => decodeMeta(bom),
    (e) => e instanceof MetaDecodeError && /^invalid character/.test(e.message),
  );
});

Deno.test("decodeMeta() refuses trailing garbage with Go's wording", () => {
  assert.throws(
    () => decodeMeta(utf8('{"Index":1}x')),
    (e) =>
      e instanceof MetaDecodeError &&
      e.message === "invalid character 'x' after top-level value",
  );
  // White space after the object is fine, as in every meta.json Go writes.
  assert.equal(decodeMeta(utf8('{"Index":1}\n \r\t')).index, 1n);
});

Deno.test("verifySnapshot() rejects meta.json with trailing garbage or a BOM with meta-invalid", async () => {
  const garbage = await archiveWithMeta(utf8('{"Index":1}\nx'));
  const error = await rejectsWith(verifySnapshot(garbage), "meta-invalid");
  assert.ok(error.message.includes("invalid character 'x' after top-level value"), error.message);
  const bom = await archiveWithMeta(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('{"Index":1}\n')]));
  await rejectsWith(verifySnapshot(bom), "meta-invalid");
});

Deno.test("decodeMeta() matches keys under Unicode simple case folding, as Go's EqualFold does", () => {
  // Go folds U+017F (long s) with 's' and U+212A (Kelvin sign) with 'k', so "ſize"
  // is the Size field for json.Unmarshal (Go 1.19's fold.go and today's foldName alike).
  assert.equal(decodeMeta(utf8('{"\u017fize":5}')).size, 5n);
  assert.equal(decodeMeta(utf8('{"Ver\u017fion":1}')).version, 1);
  // Dotless i folds with nothing else, so it names no field.
  assert.equal(decodeMeta(utf8('{"\u0131ndex":5}')).index, 0n);
});
