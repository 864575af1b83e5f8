// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// exportKv: the text `consul kv export` prints (Go's MarshalIndent with tabs of
// command/kv/impexp.Entry), for every KV pair of consul-small, in any chunking.

import { decodeRecords, exportKv, parseSnapshot } from "../../mod.ts";
import { assert, chunked, randomSizes, rejectsWith } from "../_helpers.ts";
import { productFile } from "../_products.ts";

const text = (stream: ReadableStream<Uint8Array>) => new Response(stream).text();

/** The KV pairs of consul-small, from decodeRecords (values as base64). */
async function pairs(): Promise<{ Key: string; Flags: number; Value: string }[]> {
  const parsed = parseSnapshot(await productFile("consul-small.snap"));
  const records = await Array.fromAsync(decodeRecords(parsed.state, { redact: false }));
  return records.filter((r) => r.name === "KVS").map((r) =>
    r.value as { Key: string; Flags: number; Value: string }
  );
}

/** What Go's json.MarshalIndent(entries, "", "\t") prints for ASCII keys, plus UI.Info's newline. */
function goExport(entries: { Key: string; Flags: number; Value: string }[]): string {
  if (entries.length === 0) return "[]\n";
  return "[\n" +
    entries.map((e) =>
      `\t{\n\t\t"key": ${
        JSON.stringify(e.Key)
      },\n\t\t"flags": ${e.Flags},\n\t\t"value": "${e.Value}"\n\t}`
    ).join(",\n") + "\n]\n";
}

Deno.test("exportKv(consul-small) prints every KV pair as consul kv export does, in any chunking", async () => {
  const snap = await productFile("consul-small.snap");
  const all = await pairs();
  assert.equal(all.length, 30);
  const got = await text(exportKv(snap));
  assert.equal(got, goExport(all));
  assert.deepEqual(
    JSON.parse(got),
    all.map((e) => ({ key: e.Key, flags: e.Flags, value: e.Value })),
  );
  assert.equal(await text(exportKv(chunked(snap, [1]))), got);
  assert.equal(await text(exportKv(chunked(snap, randomSizes(7, 2000)))), got);
});

Deno.test("exportKv: --prefix as Consul takes it (a leading / dropped); [] when nothing matches", async () => {
  const snap = await productFile("consul-small.snap");
  const all = await pairs();
  const sys = all.filter((e) => e.Key.startsWith("vault/sys/"));
  assert.ok(sys.length > 0 && sys.length < all.length);
  assert.equal(await text(exportKv(snap, { prefix: "vault/sys/" })), goExport(sys));
  assert.equal(await text(exportKv(snap, { prefix: "/vault/sys/" })), goExport(sys));
  assert.equal(await text(exportKv(snap, { prefix: "nothing/" })), "[]\n");
});

Deno.test("exportKv: Go's escaping of keys (HTML characters, controls)", async () => {
  const { writeSnapshot } = await import("../../mod.ts");
  const key = new TextEncoder().encode('a<b>&"c\u2028\u0001');
  const state = new Uint8Array([
    0x81,
    0xa9,
    ...new TextEncoder().encode("LastIndex"),
    0x01,
    0x02,
    0x83,
    0xa5,
    ...new TextEncoder().encode("Flags"),
    0xcd,
    0x01,
    0x00,
    0xa3,
    ...new TextEncoder().encode("Key"),
    0xa0 | key.length,
    ...key,
    0xa5,
    ...new TextEncoder().encode("Value"),
    0xc0,
  ]);
  const snap = writeSnapshot({ index: 1, term: 1, size: state.length }, state);
  assert.equal(
    await text(exportKv(snap)),
    '[\n\t{\n\t\t"key": "a\\u003cb\\u003e\\u0026\\"c\\u2028\\u0001",\n\t\t"flags": 256,\n\t\t"value": ""\n\t}\n]\n',
  );
});

Deno.test("exportKv: other products' states and bad archives fail, never ending normally", async () => {
  await rejectsWith(text(exportKv(await productFile("nomad-dev.snap"))), "record-invalid");
  await rejectsWith(
    text(exportKv(await productFile("vault-sealed-envelope.snap"))),
    "record-invalid",
  );
  const snap = await productFile("consul-small.snap");
  await rejectsWith(text(exportKv(snap.slice(0, snap.length - 60))), "truncated");
});
