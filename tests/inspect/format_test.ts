// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// The inspect formatters: Consul, Nomad and Vault output byte for byte, raftsnap's own style.
//
// The product outputs are data-driven from products/manifest.json: every expected output of
// every fixture is rebuilt here from an InspectResult made of the fixture's OWN data (its
// expected JSON outputs, its entry list, its raw state), never from the decoder, so these
// tests check the formatters alone. Which output is covered how:
// - Consul and Nomad type tables: the `Stats` of the fixture's `-format=json`/`-json` output.
// - Consul KV tables: the `StatsKV` of a JSON output with the same -kvdepth/-kvfilter; else
//   (consul-small.kvdetails-depth3-filter-vault.txt) computed from the raw state.bin, each
//   record's size measured by a minimal msgpack skipper below and its key taken from the
//   fixture's decode.jsonl, in stream order.
// - Vault key tables, any -depth/-filter/-details: computed from <fixture>.entries.jsonl
//   with the protobuf size of each entry (checked against the JSON output's sizes); a Vault
//   fixture without an entry list (vault-sealed-envelope) uses its JSON output's StatsKV.
// - An output whose rows none of these can give is registered as an ignored test that names
//   it: it is left to the end-to-end tests (inspect_test.ts runs the decoder on the .snap).
// Skipped here, covered by the decode tests: *.jsonl, *.sha256 and directory outputs
// (`consul-small-raw/`; its state.bin.inspect.txt is checked by one test below).

import {
  decodeMeta,
  type InspectResult,
  type KeyStats,
  type RecordTypeStats,
  type SnapshotMeta,
  verifySnapshot,
} from "../../mod.ts";
import { byteSize, humanBytes, iBytes } from "../../src/inspect/products/_byte_size.ts";
import {
  compareGoStrings,
  goJsonIndent,
  goJsonString,
} from "../../src/inspect/products/_go_json.ts";
import { tabwrite } from "../../src/inspect/products/_tabwriter.ts";
import { formatConsulInspect } from "../../src/inspect/products/format_consul.ts";
import { formatInspect, inspectResultToJson } from "../../src/inspect/operations/format_inspect.ts";
import { formatNomadInspect } from "../../src/inspect/products/format_nomad.ts";
import { createdFromId } from "../../src/inspect/products/_snapshot_id.ts";
import { formatVaultInspect } from "../../src/inspect/products/format_vault.ts";
import { assert } from "../_helpers.ts";
import {
  type InspectCommand,
  inspectOutputs,
  productFile,
  type ProductFixture,
  productFixtures,
  snapOf,
} from "../_products.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** A readable failure: the first differing line of each, then both texts. */
function assertSameText(actual: string, expected: string, what: string): void {
  if (actual === expected) return;
  const a = actual.split("\n");
  const e = expected.split("\n");
  let i = 0;
  while (i < a.length && i < e.length && a[i] === e[i]) i++;
  throw new Error(
    `${what}: first difference at line ${i + 1}\n` +
      `  expected: ${JSON.stringify(e[i] ?? "<end of text>")}\n` +
      `  actual:   ${JSON.stringify(a[i] ?? "<end of text>")}\n` +
      `--- expected\n${expected}\n--- actual\n${actual}\n---`,
  );
}

// ---- building an InspectResult from a fixture's own data ----

interface Row {
  name: string;
  count: number;
  bytes: number;
}

/** The raw StatsKV/Stats rows of a Consul, Nomad or Vault JSON output. */
function jsonRows(rows: { Name: string; Count: number; Sum?: number; Size?: number }[]): Row[] {
  return rows.map((r) => ({ name: r.Name, count: r.Count, bytes: r.Sum ?? r.Size! }));
}

function keyStats(rows: Row[], depth: number, filter: string): KeyStats {
  return {
    depth,
    filter,
    prefixes: rows,
    count: rows.reduce((n, r) => n + r.count, 0),
    bytes: rows.reduce((n, r) => n + r.bytes, 0),
  };
}

/** The prefix of a key as Consul's kvEnhance (depth 0 gives "") or Vault's (0 = whole key) cuts it. */
function prefixOf(key: string, depth: number, product: "consul" | "vault"): string {
  const parts = key.split("/");
  const actual = (product === "vault" && depth === 0) || depth > parts.length
    ? parts.length
    : depth;
  return parts.slice(0, actual).join("/");
}

function group(
  entries: { key: string; size: number }[],
  depth: number,
  filter: string,
  product: "consul" | "vault",
): Row[] {
  const rows = new Map<string, Row>();
  for (const { key, size } of entries) {
    if (product === "vault" && key === "") continue;
    if (filter !== "" && !key.startsWith(filter)) continue;
    const name = prefixOf(key, depth, product);
    const row = rows.get(name) ?? { name, count: 0, bytes: 0 };
    row.count++;
    row.bytes += size;
    rows.set(name, row);
  }
  // Deliberately unsorted: the formatters sort as their product does.
  return [...rows.values()].reverse();
}

/** Bytes of a protobuf varint. */
function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    size++;
  }
  return size;
}

/**
 * A Vault entry's size as Vault counts it: the protobuf StorageEntry message without its
 * length prefix. Field 1 (key) always, field 2 (value) only when non-empty (proto3),
 * field 3 (seal_wrap) only when true.
 */
function storageEntrySize(key: string, valueLen: number, sealWrap: boolean): number {
  const keyLen = new TextEncoder().encode(key).length;
  return (keyLen > 0 ? 1 + varintSize(keyLen) + keyLen : 0) +
    (valueLen > 0 ? 1 + varintSize(valueLen) + valueLen : 0) + (sealWrap ? 2 : 0);
}

async function vaultEntries(name: string): Promise<{ key: string; size: number }[]> {
  return text(await productFile(name)).split("\n").filter((l) => l !== "").map((line) => {
    const e = JSON.parse(line) as { Key: string; ValueLen: number; SealWrap: boolean };
    return { key: e.Key, size: storageEntrySize(e.Key, e.ValueLen, e.SealWrap) };
  });
}

/** The length of the msgpack value at `at` (old and new spec alike). */
function msgpackLength(b: Uint8Array, at: number): number {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const t = b[at]!;
  const values = (start: number, n: number) => {
    let pos = start;
    for (let i = 0; i < n; i++) pos += msgpackLength(b, pos);
    return pos - at;
  };
  if (t <= 0x7f || t >= 0xe0 || t === 0xc0 || t === 0xc2 || t === 0xc3) return 1;
  if (t <= 0x8f) return values(at + 1, 2 * (t & 0x0f));
  if (t <= 0x9f) return values(at + 1, t & 0x0f);
  if (t <= 0xbf) return 1 + (t & 0x1f);
  switch (t) {
    case 0xc4:
    case 0xd9:
      return 2 + b[at + 1]!;
    case 0xc5:
    case 0xda:
      return 3 + view.getUint16(at + 1);
    case 0xc6:
    case 0xdb:
      return 5 + view.getUint32(at + 1);
    case 0xc7:
      return 3 + b[at + 1]!;
    case 0xc8:
      return 4 + view.getUint16(at + 1);
    case 0xc9:
      return 6 + view.getUint32(at + 1);
    case 0xca:
      return 5;
    case 0xcb:
      return 9;
    case 0xcc:
    case 0xd0:
      return 2;
    case 0xcd:
    case 0xd1:
      return 3;
    case 0xce:
    case 0xd2:
      return 5;
    case 0xcf:
    case 0xd3:
      return 9;
    case 0xd4:
      return 3;
    case 0xd5:
      return 4;
    case 0xd6:
      return 6;
    case 0xd7:
      return 10;
    case 0xd8:
      return 18;
    case 0xdc:
      return values(at + 3, view.getUint16(at + 1));
    case 0xdd:
      return values(at + 5, view.getUint32(at + 1));
    case 0xde:
      return values(at + 3, 2 * view.getUint16(at + 1));
    case 0xdf:
      return values(at + 5, 2 * view.getUint32(at + 1));
  }
  throw new Error(`msgpack byte 0x${t.toString(16)} at ${at}`);
}

/**
 * Consul's KVS records from a raw state: sizes measured as Consul's countingReader does
 * (type byte + value, the header counted into the first record), keys from decode.jsonl.
 */
async function consulKeyEntries(
  fixture: ProductFixture,
): Promise<{ key: string; size: number }[] | undefined> {
  const raw = Object.keys(fixture.expected_outputs).find((f) => f.endsWith("/"));
  const decode = fixture.files.find((f) => f.endsWith(".decode.jsonl"));
  if (!raw || !decode) return undefined;
  const state = await productFile(`${raw}state.bin`);
  const lines = text(await productFile(decode)).split("\n").filter((l) => l !== "").slice(1);
  const entries: { key: string; size: number }[] = [];
  let pos = msgpackLength(state, 0);
  let start = 0;
  for (const line of lines) {
    pos += 1 + msgpackLength(state, pos + 1);
    const record = JSON.parse(line) as { Type: string; Data: { Key?: string } };
    if (record.Type === "KVS") entries.push({ key: record.Data.Key!, size: pos - start });
    start = pos;
  }
  assert.equal(pos, state.length, "decode.jsonl lists every record of state.bin");
  return entries;
}

function resultFor(
  product: InspectResult["product"],
  meta: SnapshotMeta,
  types: Row[],
  totalBytes: number,
  keys: KeyStats | undefined,
): InspectResult {
  const typeStats: RecordTypeStats[] = types.map((t) => {
    const unknown = /^Unknown\((\d+)\)$/.exec(t.name);
    return {
      type: unknown ? Number(unknown[1]) : undefined,
      name: t.name,
      known: !unknown,
      count: t.count,
      bytes: t.bytes,
    };
  });
  const unknownTypes = typeStats.filter((t) => !t.known).map((t) => t.type!);
  return {
    meta,
    verify: undefined,
    product,
    productReason: "test",
    records: types.reduce((n, t) => n + t.count, 0) || (keys?.count ?? 0),
    totalBytes,
    stateBytes: Number(meta.size),
    types: typeStats.reverse(), // unsorted on purpose
    keys,
    maxType: undefined,
    unknownTypes,
    sealEnvelope: undefined,
    warnings: [],
  };
}

type Built = { result: InspectResult; render: () => string } | { leftTo: string };

async function build(
  fixture: ProductFixture,
  command: InspectCommand,
  meta: SnapshotMeta,
): Promise<Built> {
  const outputs = inspectOutputs(fixture);
  const jsonOf = async (match: (c: InspectCommand) => boolean) => {
    const twin = outputs.find((o) => o.command.format === "json" && match(o.command));
    return twin && JSON.parse(text(await productFile(twin.file)));
  };
  const sameKeys = (c: InspectCommand) =>
    c.details && c.depth === command.depth && c.filter === command.filter;

  if (command.product === "vault") {
    let rows: Row[];
    const list = fixture.files.find((f) => f.endsWith(".entries.jsonl"));
    if (list) rows = group(await vaultEntries(list), command.depth, command.filter, "vault");
    else {
      const twin = await jsonOf(sameKeys);
      if (!twin && command.details) {
        return { leftTo: "end-to-end: no entry list and no JSON output with these flags" };
      }
      rows = jsonRows(twin?.StatsKV ?? []);
    }
    const keys = keyStats(rows, command.depth, command.filter);
    const result = resultFor("vault", meta, [], keys.bytes, keys);
    return {
      result,
      render: () =>
        formatVaultInspect(result, {
          format: command.format === "json" ? "json" : "table",
          details: command.details,
        }),
    };
  }

  const stats = await jsonOf(() => true);
  if (!stats) return { leftTo: "end-to-end: the fixture has no JSON output to take Stats from" };
  const types = jsonRows(stats.Stats);
  const total = stats.TotalSize ?? types.reduce((n, t) => n + t.bytes, 0);

  if (command.product === "nomad") {
    const result = resultFor("nomad", meta, types, total, undefined);
    return {
      result,
      render: () => formatNomadInspect(result, { json: command.format === "json" }),
    };
  }

  let keys: KeyStats | undefined;
  if (command.details) {
    const twin = await jsonOf(sameKeys);
    if (twin) keys = keyStats(jsonRows(twin.StatsKV ?? []), command.depth, command.filter);
    else {
      const entries = await consulKeyEntries(fixture);
      if (!entries) return { leftTo: "end-to-end: no JSON twin and no raw state to count keys" };
      keys = keyStats(
        group(entries, command.depth, command.filter, "consul"),
        command.depth,
        command.filter,
      );
    }
  }
  const result = resultFor("consul", meta, types, total, keys);
  return {
    result,
    render: () =>
      formatConsulInspect(result, {
        format: command.format === "json" ? "json" : "pretty",
        kvDetails: command.details,
      }),
  };
}

// ---- the fixtures' expected outputs, byte for byte ----

for (const fixture of await productFixtures()) {
  for (const { file, command } of inspectOutputs(fixture)) {
    const line = fixture.expected_outputs[file]!;
    const name = `format${command.product[0]!.toUpperCase()}${command.product.slice(1)}Inspect() ` +
      `reproduces ${file} (${line})`;
    const meta = (await verifySnapshot(await productFile(snapOf(fixture)))).meta;
    const built = await build(fixture, command, meta);
    if ("leftTo" in built) {
      Deno.test({ name: `${name}: left to ${built.leftTo}`, ignore: true, fn() {} });
      continue;
    }
    Deno.test(name, async () => {
      const expected = text(await productFile(file));
      // Every expected file ends with exactly the one newline the CLI's Ui.Output adds.
      assert.ok(expected.endsWith("\n"), `${file} ends with a newline`);
      assertSameText(built.render() + "\n", expected, file);
    });
  }
}

Deno.test("formatConsulInspect() reproduces consul-small-raw/state.bin.inspect.txt with meta.json's meta", async () => {
  const fixture = (await productFixtures()).find((f) => f.fixture === "consul-small")!;
  const meta = decodeMeta(await productFile("consul-small-raw/meta.json"));
  const stats = JSON.parse(text(await productFile("consul-small.inspect.json")));
  const result = resultFor("consul", meta, jsonRows(stats.Stats), stats.TotalSize, undefined);
  assert.ok(fixture.files.includes("consul-small-raw"));
  assertSameText(
    formatConsulInspect(result) + "\n",
    text(await productFile("consul-small-raw/state.bin.inspect.txt")),
    "consul-small-raw/state.bin.inspect.txt",
  );
});

Deno.test("Vault entry sizes: the protobuf length formula gives the JSON output's sizes", async () => {
  for (const fixture of await productFixtures()) {
    const list = fixture.files.find((f) => f.endsWith(".entries.jsonl"));
    const json = Object.keys(fixture.expected_outputs).find((f) => f.endsWith(".inspect.json"));
    if (!list || !json) continue;
    const expected = JSON.parse(text(await productFile(json)));
    const rows = group(await vaultEntries(list), 2, "", "vault");
    const byName = new Map(rows.map((r) => [r.name, r]));
    for (const row of expected.StatsKV) {
      assert.deepEqual(byName.get(row.Name), { name: row.Name, count: row.Count, bytes: row.Size });
    }
    assert.equal(rows.length, expected.StatsKV.length);
    assert.equal(rows.reduce((n, r) => n + r.bytes, 0), expected.TotalSizeKV);
  }
});

Deno.test("Consul record sizes from the raw state add up to the JSON output's KVS and total", async () => {
  const fixture = (await productFixtures()).find((f) => f.fixture === "consul-small")!;
  const entries = (await consulKeyEntries(fixture))!;
  const expected = JSON.parse(text(await productFile("consul-small.kvdetails.json")));
  const rows = group(entries, 2, "", "consul");
  assert.deepEqual(
    new Map(rows.map((r) => [r.name, [r.count, r.bytes]])),
    new Map(
      expected.StatsKV.map((
        r: { Name: string; Count: number; Sum: number },
      ) => [r.Name, [r.Count, r.Sum]]),
    ),
  );
});

// ---- Go's text/tabwriter ----

Deno.test("tabwrite() pads with tabs as Go's ExampleWriter_Init does", () => {
  const out = tabwrite("a\tb\tc\td\t.\n123\t12345\t1234567\t123456789\t.\n\n", {
    minwidth: 0,
    tabwidth: 8,
    padding: 0,
    padchar: "\t",
  });
  assert.equal(out, "a\tb\tc\td\t\t.\n123\t12345\t1234567\t123456789\t.\n\n");
});

Deno.test("tabwrite() aligns each column block separately; a blank line ends a block", () => {
  const options = { minwidth: 0, padding: 1, padchar: "." };
  assert.equal(
    tabwrite("a\tb\tc\naa\tbbb\tc\n\nxxxxx\ty\n", options),
    "a..b...c\naa.bbb.c\n\nxxxxx.y\n",
  );
  // A line with fewer cells ends the inner column's block, not the outer one.
  assert.equal(tabwrite("a\tb\tc\nxxxx\ty\nz\tw\tv", options), "a....b.c\nxxxx.y\nz....w.v");
});

Deno.test("tabwrite() pads empty cells, never the trailing cell, and counts code points", () => {
  const options = { minwidth: 0, padding: 1, padchar: "." };
  assert.equal(tabwrite("a\t\tc\n\tbb\tc", options), "a....c\n..bb.c");
  assert.equal(tabwrite("a\tlonglonglong\nbb\tc", options), "a..longlonglong\nbb.c");
  assert.equal(tabwrite("日本\tx\nabc\ty\n😀\tz", options), "日本..x\nabc.y\n😀...z");
  // A wide cell widens its whole block; minwidth holds for narrow and empty columns.
  const wide = { minwidth: 8, padding: 6, padchar: " " };
  assert.equal(
    tabwrite(" a\t1\n a-very-wide-cell-indeed\t2\n\n Total\t\tx", wide),
    // Widest cell 24 + padding 6 = 30; " Total" 6 + 6 = 12; the empty column gets minwidth 8.
    " a".padEnd(30) + "1\n" + " a-very-wide-cell-indeed".padEnd(30) + "2\n\n" +
      " Total".padEnd(12) + " ".repeat(8) + "x",
  );
  assert.equal(tabwrite("", wide), "");
  assert.equal(tabwrite("no tabs\nat all", wide), "no tabs\nat all");
  assert.throws(() => tabwrite("x", { padchar: "ab" }), RangeError);
});

// ---- sizes ----

Deno.test("byteSize() rounds as Go's FormatFloat, ties to even, and picks units on the integer", () => {
  const cases: [number | bigint, string][] = [
    [0, "0"],
    [1, "1B"],
    [1023, "1023B"],
    [1024, "1KB"],
    [1126, "1.1KB"],
    [1280, "1.2KB"], // 1.25: a tie, to even (toFixed would say 1.3)
    [1536, "1.5KB"],
    [1792, "1.8KB"], // 1.75: a tie, to even
    [10239, "10KB"],
    [1048575, "1024KB"], // rounds up to 1024.0 but stays in KB
    [1048576, "1MB"],
    [1610612736, "1.5GB"],
    [1n << 40n, "1TB"],
    [(1n << 64n) - 1n, "16777216TB"],
  ];
  for (const [n, want] of cases) assert.equal(byteSize(n), want, `byteSize(${n})`);
  assert.throws(() => byteSize(-1), RangeError);
  assert.throws(() => byteSize(1n << 64n), RangeError);
});

Deno.test("iBytes() is go-humanize's IBytes", () => {
  const cases: [number | bigint, string][] = [
    [0, "0 B"],
    [9, "9 B"],
    [10, "10 B"],
    [858, "858 B"],
    [1023, "1023 B"],
    [1024, "1.0 KiB"],
    [1536, "1.5 KiB"],
    [2940, "2.9 KiB"],
    [10239, "10 KiB"],
    [10752, "10 KiB"], // 10.5: "%.0f" rounds the tie to even
    [11032, "11 KiB"],
    [11776, "12 KiB"], // 11.5: to even
    [1048576, "1.0 MiB"],
    [1n << 40n, "1.0 TiB"],
    [(1n << 64n) - 1n, "16 EiB"],
  ];
  for (const [n, want] of cases) assert.equal(iBytes(n), want, `iBytes(${n})`);
});

// ---- sorting and the Go details of each product ----

function syntheticResult(over: Partial<InspectResult>): InspectResult {
  return {
    meta: {
      version: 1,
      id: "2-9-1700000000000",
      index: 9n,
      term: 2n,
      peers: null,
      configuration: { servers: null },
      configurationIndex: 1n,
      size: 100n,
    },
    verify: undefined,
    product: "consul",
    productReason: "the header is {LastIndex}",
    records: 0,
    totalBytes: 0,
    stateBytes: 100,
    types: [],
    keys: undefined,
    maxType: undefined,
    unknownTypes: [],
    sealEnvelope: undefined,
    warnings: [],
    ...over,
  };
}

function type(name: string, count: number, bytes: number, known = true): RecordTypeStats {
  return { type: undefined, name, known, count, bytes };
}

Deno.test("compareGoStrings() orders as Go's < on UTF-8 bytes", () => {
  assert.equal(compareGoStrings("B", "a"), -1);
  assert.equal(compareGoStrings("a", "ab"), -1);
  assert.equal(compareGoStrings("x", "x"), 0);
  // U+FF5E sorts before U+1F600 in UTF-8; JavaScript's < says the opposite.
  assert.equal(compareGoStrings("\uff5e", "\u{1f600}"), -1);
  assert.ok("\u{1f600}" < "\uff5e");
});

Deno.test("formatConsulInspect() sorts ties in Sum by name, Go byte order", () => {
  const result = syntheticResult({
    types: [type("b", 1, 10), type("a", 5, 10), type("B", 1, 10), type("z", 1, 99)],
    totalBytes: 129,
  });
  const json = JSON.parse(formatConsulInspect(result, { format: "json" }));
  assert.deepEqual(json.Stats.map((s: { Name: string }) => s.Name), ["z", "B", "a", "b"]);
  assert.equal(json.StatsKV, null);
  assert.equal(json.TotalSizeKV, 0);
});

Deno.test("formatConsulInspect() leaves the KV table out when no key was counted, as Consul does", () => {
  const keys: KeyStats = { depth: 2, filter: "nothing/", prefixes: [], count: 0, bytes: 0 };
  const result = syntheticResult({ types: [type("KVS", 1, 50)], totalBytes: 50, keys });
  assert.ok(!formatConsulInspect(result, { kvDetails: true }).includes("Key Name"));
  assert.equal(
    JSON.parse(formatConsulInspect(result, { kvDetails: true, format: "json" })).StatsKV,
    null,
  );
});

Deno.test("formatConsulInspect() JSON escapes like encoding/json: HTML-safe, \\u2028", () => {
  const result = syntheticResult({ types: [type("a<b>&c\u2028\u0001\b", 1, 1)], totalBytes: 1 });
  const json = formatConsulInspect(result, { format: "json" });
  assert.ok(json.includes('"Name": "a\\u003cb\\u003e\\u0026c\\u2028\\u0001\\b"'), json);
  assert.equal(goJsonString("<&>", "go-msgpack"), '"<&>"');
  assert.equal(goJsonString("\ud800x", "encoding/json"), '"\\ufffdx"');
  assert.equal(
    goJsonIndent({ a: {}, b: [], c: null }, " ", "go-msgpack"),
    '{\n "a": {},\n "b": [],\n "c": null\n}',
  );
});

Deno.test("formatVaultInspect() sorts by Count, then name, and prints details=false JSON as Vault", () => {
  const keys: KeyStats = {
    depth: 2,
    filter: "",
    prefixes: [
      { name: "b", count: 1, bytes: 900 },
      { name: "a", count: 1, bytes: 5 },
      { name: "c", count: 7, bytes: 1 },
    ],
    count: 9,
    bytes: 906,
  };
  const result = syntheticResult({ product: "vault", keys, totalBytes: 906 });
  const json = JSON.parse(formatVaultInspect(result, { format: "json" }));
  assert.deepEqual(json.StatsKV.map((s: { Name: string }) => s.Name), ["c", "a", "b"]);
  assert.deepEqual(JSON.parse(formatVaultInspect(result, { format: "json", details: false })), {
    Meta: { ID: "2-9-1700000000000", Size: 100, Index: 9, Term: 2, Version: 1 },
    StatsKV: null,
    TotalCountKV: 0,
    TotalSizeKV: 0,
  });
  assert.ok(formatVaultInspect(result, { details: false }).endsWith(" Version      1\n"));
});

Deno.test("formatNomadInspect() takes Created from the ID, or shows <none> as formatKV does", () => {
  assert.equal(createdFromId("3-118-1751454667513"), "2025-07-02T11:11:07Z");
  assert.equal(createdFromId("1-2-+1000"), "1970-01-01T00:00:01Z");
  for (const id of ["bolt-snapshot", "1-2-x", "1-2-3-4", "1-2-99999999999999999999", "", "1-2-"]) {
    assert.equal(createdFromId(id), "", id);
  }
  const base = syntheticResult({
    product: "nomad",
    types: [type("Node", 2, 12), type("Job", 1, 12)],
  });
  const result = { ...base, meta: { ...base.meta, id: "bolt-snapshot" }, totalBytes: 24 };
  const lines = formatNomadInspect(result).split("\n");
  assert.equal(lines[0], "Created = <none>");
  assert.equal(lines[2], "Size    = 100 B");
  assert.deepEqual(lines.slice(7), [
    "Type   Count  Size",
    "Job    1      12 B",
    "Node   2      12 B",
    "              ",
    "Total  3      24 B",
  ]);
  const peers = { ...result, meta: { ...result.meta, peers: new Uint8Array([1, 2, 3]) } };
  assert.ok(formatNomadInspect(peers, { json: true }).includes('"Peers": "AQID",'));
});

// ---- raftsnap's own style ----

Deno.test("formatInspect() names the product, flags unknown types, and its shares add up", () => {
  const result = syntheticResult({
    product: "nomad",
    productReason: "the header is an empty map",
    records: 3,
    totalBytes: 3,
    types: [type("Node", 1, 1), type("Unknown(200)", 1, 1, false), type("Job", 1, 1)],
    unknownTypes: [200],
    warnings: ["meta.json says Size 100 but state.bin is 3 bytes"],
  });
  const out = formatInspect(result);
  assert.ok(out.includes("Nomad (the header is an empty map)"), out);
  assert.ok(out.includes("not verified"), out);
  const flagged = out.split("\n").filter((l) => l.includes("⚠ not known to nomad"));
  assert.equal(flagged.length, 1);
  assert.ok(flagged[0]!.includes("Unknown(200)"));
  const percents = [...out.matchAll(/ (\d+\.\d)%/g)].map((m) => Number(m[1]));
  // Three rows and the total: the rows add up to exactly 100.0.
  assert.equal(percents.length, 4);
  assert.equal(Math.round(percents.slice(0, 3).reduce((a, b) => a + b, 0) * 10), 1000);
  assert.ok(out.includes("⚠ meta.json says Size 100"), out);
  const last = out.split("\n").at(-1)!;
  assert.ok(last.includes("3 records of 3 types") && last.includes("Unknown(200)"), last);
  assert.ok(last.includes("1 warning"), last);
  assert.ok(!out.endsWith("\n"));
});

Deno.test("formatInspect() says an archive was verified and what the seal envelope holds", async () => {
  const { writeSnapshot } = await import("../../mod.ts");
  const state = new Uint8Array(12);
  const verify = await verifySnapshot(
    writeSnapshot({ id: "1-2-3", index: 2, term: 1, size: 12 }, state),
  );
  const keys: KeyStats = {
    depth: 2,
    filter: "",
    prefixes: [{ name: "core/a", count: 2, bytes: 10 }, { name: "sys/b", count: 1, bytes: 30 }],
    count: 3,
    bytes: 40,
  };
  const result = syntheticResult({
    product: "vault",
    productReason: "protobuf StorageEntry records",
    verify: { ...verify, sealed: true, sealVerified: false },
    records: 3,
    totalBytes: 40,
    keys,
    sealEnvelope: {
      format: "go-kms-wrapping BlobInfo",
      bytes: 396,
      ciphertextBytes: 168,
      ivBytes: 12,
      wrapped: true,
      mechanism: 1,
      mechanismName: "AWS KMS envelope AES-GCM",
      keyId: "vault-kms-key-1",
      wrappedKeyBytes: 184,
    },
  });
  const out = formatInspect(result);
  assert.ok(out.includes("yes: SHA256SUMS matches"), out);
  assert.ok(out.includes("not opened (no sealer key)"), out);
  assert.ok(out.includes('key "vault-kms-key-1", mechanism 1 (AWS KMS envelope AES-GCM)'), out);
  // Vault's key table is on by default, sorted by bytes; off on request.
  assert.ok(out.indexOf(" sys/b") < out.indexOf(" core/a"), out);
  assert.ok(out.includes("25.0%") && out.includes("75.0%"), out);
  assert.ok(!formatInspect(result, { keys: false }).includes("core/a"));
  assert.ok(out.split("\n").at(-1)!.includes("3 entries"), out);
  // Consul's KV table only when asked.
  const consul = syntheticResult({ types: [type("KVS", 3, 40)], records: 3, totalBytes: 40, keys });
  assert.ok(!formatInspect(consul).includes("core/a"));
  assert.ok(formatInspect(consul, { keys: true }).includes("KV keys by prefix (depth 2): 3 keys"));
});

Deno.test("inspectResultToJson() is JSON-ready: strings for bigints, null for undefined, rows sorted", async () => {
  const { writeSnapshot } = await import("../../mod.ts");
  const verify = await verifySnapshot(
    writeSnapshot({ index: 2, term: 1, size: 1 }, new Uint8Array(1)),
  );
  const result = syntheticResult({
    verify,
    lastIndex: 433n,
    types: [type("a", 1, 1), type("b", 1, 5)],
    records: 2,
    totalBytes: 6,
  });
  const json = JSON.parse(JSON.stringify(inspectResultToJson(result)));
  assert.equal(json.meta.Index, "9");
  assert.equal(json.lastIndex, "433");
  assert.equal(json.verified, true);
  assert.equal(json.verify.meta, undefined);
  assert.equal(json.verify.stateSize, 1);
  assert.deepEqual(json.types.map((t: { name: string }) => t.name), ["b", "a"]);
  assert.equal(json.types[0].type, null);
  assert.equal(json.keys, null);
  assert.equal(json.sealEnvelope, null);
  assert.equal(json.maxType, null);
});

Deno.test("humanBytes() keeps one decimal and moves up a unit at 1024.0", () => {
  const cases: [number | bigint, string][] = [
    [0, "0 B"],
    [1023, "1023 B"],
    [1024, "1.0 KiB"],
    [1075, "1.0 KiB"],
    [1076, "1.1 KiB"],
    [15681, "15.3 KiB"],
    [1048524, "1023.9 KiB"],
    [1048575, "1.0 MiB"],
    [(1n << 64n) - 1n, "16.0 EiB"],
  ];
  for (const [n, want] of cases) assert.equal(humanBytes(n), want, `humanBytes(${n})`);
});
