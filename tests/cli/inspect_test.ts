// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// `raftsnap inspect --style` and `raftsnap decode` as subprocesses, against every expected
// output of the product fixtures: the products' own text, byte for byte.

import { formatDecodeHeader, parseSnapshot } from "../../mod.ts";
import { assert } from "../_helpers.ts";
import { jsonLines, productFixture, raftsnap, tempDir } from "../_cli_helpers.ts";
import {
  type InspectCommand,
  inspectOutputs,
  productFile,
  productFixtures,
  snapOf,
} from "../_products.ts";

const fixtures = await productFixtures();

/** The raftsnap command line that prints what a product's command printed. */
function argsFor(command: InspectCommand, snap: string): string[] {
  const args = ["inspect", "--style", command.product];
  if (command.format === "json") args.push("--format", "json");
  if (command.product === "consul" && command.details) args.push("--kv-details");
  if (command.product === "vault" && !command.details) args.push("--no-details");
  if (command.depth !== 2) args.push("--kv-depth", String(command.depth));
  if (command.filter !== "") args.push("--kv-filter", command.filter);
  return [...args, productFixture(snap)];
}

for (const fixture of fixtures) {
  const outputs = inspectOutputs(fixture);
  Deno.test(`raftsnap inspect --style ${fixture.product} prints ${fixture.fixture}'s ${outputs.length} expected outputs byte for byte`, async () => {
    assert.ok(outputs.length > 0);
    const runs = await Promise.all(
      outputs.map(({ command }) => raftsnap(argsFor(command, snapOf(fixture)))),
    );
    for (const [i, { file }] of outputs.entries()) {
      const run = runs[i]!;
      assert.equal(run.code, 0, `${file}: ${run.stderr}`);
      assert.equal(
        run.stdout,
        new TextDecoder().decode(await productFile(file)),
        `${file} differs`,
      );
    }
  });
}

Deno.test("raftsnap inspect of a raw snapshot folder prints what consul prints for its state.bin", async () => {
  const expected = new TextDecoder().decode(
    await productFile("consul-small-raw/state.bin.inspect.txt"),
  );
  const [folder, stateBin] = await Promise.all([
    raftsnap(["inspect", "--style", "consul", productFixture("consul-small-raw")]),
    raftsnap(["inspect", "--style", "consul", productFixture("consul-small-raw/state.bin")]),
  ]);
  assert.equal(folder.code, 0, folder.stderr);
  assert.equal(folder.stdout, expected);
  assert.equal(stateBin.stdout, expected);
});

Deno.test("raftsnap inspect (our style) names the product, flags unknown types, sums up", async () => {
  const [nomad, json, wrongStyle] = await Promise.all([
    raftsnap(["inspect", productFixture("nomad-dev.snap")]),
    raftsnap(["inspect", "--json", "--kv-details", productFixture("consul-small.snap")]),
    raftsnap(["inspect", "--style", "vault", productFixture("consul-small.snap")]),
  ]);
  assert.equal(nomad.code, 0, nomad.stderr);
  assert.match(nomad.stdout, /Nomad/);
  assert.match(nomad.stdout, /Unknown\(200\)/);
  assert.match(nomad.stdout, /\n Verified {5}ok\n/);
  assert.match(nomad.stdout.trimEnd().split("\n").at(-1)!, /37 records/);
  const doc = jsonLines(json.stdout)[0]!;
  assert.equal(json.code, 0, json.stderr);
  assert.equal(doc.ok, true);
  assert.equal(doc.product, "consul");
  assert.equal((doc.meta as { Index: string }).Index, "433");
  assert.equal(wrongStyle.code, 2);
  assert.match(wrongStyle.stderr, /--style vault .* a consul snapshot/);
});

Deno.test("raftsnap decode prints the header and every record, secrets redacted unless asked", async () => {
  const consul = fixtures.find((f) => f.fixture === "consul-small")!;
  const snap = productFixture(snapOf(consul));
  const [redacted, open] = await Promise.all([
    raftsnap(["decode", snap]),
    raftsnap(["decode", "--redact=false", snap]),
  ]);
  assert.equal(redacted.code, 0, redacted.stderr);
  assert.equal(open.code, 0, open.stderr);
  const meta = await parseSnapshot(await productFile(snapOf(consul))).meta;
  const lines = redacted.stdout.trimEnd().split("\n");
  assert.equal(lines[0], formatDecodeHeader(meta));
  const expected = (await Deno.readTextFile(
    new URL(`products/consul-small.decode.jsonl`, (await import("../_helpers.ts")).FIXTURES),
  ))
    .trimEnd().split("\n");
  assert.equal(lines.length, expected.length);
  const types = (text: string[]) => text.map((line) => JSON.parse(line).Type);
  assert.deepEqual(types(lines), types(expected));
  for (const secret of consul.secrets_never_shown_when_redacted ?? []) {
    const escaped = JSON.stringify(secret).slice(1, -1);
    assert.ok(!redacted.stdout.includes(escaped), `redacted decode shows ${secret.slice(0, 30)}`);
    assert.ok(open.stdout.includes(escaped), `--redact=false hides ${secret.slice(0, 30)}`);
  }
});

Deno.test("raftsnap decode of an archive that fails at its end prints the failure after the records", async () => {
  // An archive whose state.bin hash does not match: records flow, then the verdict.
  const { writeSnapshot } = await import("../../mod.ts");
  const { collect, gunzipBytes, gzipBytes } = await import("../_helpers.ts");
  const parsed = parseSnapshot(await productFile("nomad-dev.snap"));
  const meta = await parsed.meta;
  const state = await collect(parsed.state);
  const tar = await gunzipBytes(await collect(writeSnapshot(meta, state)));
  // Flip a byte inside the last record's value (a string, so framing survives).
  const at = lastIndexOf(tar, new TextEncoder().encode("ClusterID")) + 12;
  tar[at] = tar[at]! ^ 0x01;
  const bad = await gzipBytes(tar);
  const run = await raftsnap(["decode", "-"], { stdin: bad });
  assert.equal(run.code, 1, run.stderr);
  assert.equal(run.stdout.trimEnd().split("\n").length, 38, "the header and 37 records");
  assert.match(run.stderr, /hash mismatch .*state\.bin.*\[hash-mismatch\]/);
});

function lastIndexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = haystack.length - needle.length; i >= 0; i--) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  throw new Error("not found");
}

Deno.test("raftsnap inspect of a raw state with a broken record names the record, in text and JSON", async () => {
  await using dir = await tempDir();
  const state = await productFile("consul-small-raw/state.bin");
  state[15] = 0xc1; // record 1's value starts at 15, after the 14-byte header and its type byte
  await Deno.writeFile(`${dir.path}/state.bin`, state);
  await Deno.writeFile(`${dir.path}/meta.json`, await productFile("consul-small-raw/meta.json"));
  const [text, json, cut] = await Promise.all([
    raftsnap(["inspect", dir.path]),
    raftsnap(["inspect", "--json", `${dir.path}/state.bin`]),
    raftsnap(["decode", "--product", "consul", "-"], { stdin: state.subarray(0, 14) }),
  ]);
  assert.equal(text.code, 1);
  assert.match(text.stderr, /record 1 \(type 0, Register\).*offset 15.*\[record-invalid\]/);
  assert.match(
    text.stdout,
    /\n Index {8}433\n.*\n Verified {5}no: a raw state/s,
    "the metadata is still shown",
  );
  const error = jsonLines(json.stdout)[0]!.error!;
  assert.equal(json.code, 1);
  assert.equal(error.code, "record-invalid");
  assert.equal(error.layer, "state");
  assert.equal(error.offset, 15);
  assert.deepEqual(error.record, { number: 1, type: 0, name: "Register" });
  // `-` is read as a .snap: a bare state on stdin is not gzip.
  assert.equal(cut.code, 1);
  assert.match(cut.stderr, /\[gzip-header\]/);
});
