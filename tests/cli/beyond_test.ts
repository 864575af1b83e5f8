// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// The commands of issue 16 as a user runs them: diff's exit codes, redact and kv export
// leaving nothing behind when the archive is bad, and the help's warning about secrets.

import { diffSnapshots, exportKv, verifySnapshot } from "../../mod.ts";
import { assert } from "../_helpers.ts";
import { productFixture, raftsnap, snapshotOfDir, tempDir } from "../_cli_helpers.ts";

const CONSUL = productFixture("consul-small.snap");
const VAULT = productFixture("vault-small.snap");
const KEY = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

Deno.test("raftsnap diff: 0 for the same records, 1 when they differ, 2 for a bad snapshot", async () => {
  await using dir = await tempDir();
  const same = await raftsnap(["diff", CONSUL, CONSUL]);
  assert.equal(same.code, 0, same.stderr);
  assert.match(same.stdout, /OLD and NEW hold the same records and metadata\n$/);

  const redacted = `${dir.path}/r.snap`;
  assert.equal((await raftsnap(["redact", CONSUL, redacted])).code, 0);
  const differ = await raftsnap(["diff", "--kv-depth", "1", CONSUL, redacted]);
  assert.equal(differ.code, 1, differ.stderr);
  assert.match(differ.stdout, /29 keys changed under vault\n$/);
  const json = await raftsnap(["diff", "--json", CONSUL, redacted]);
  assert.equal(json.code, 1);
  const doc = JSON.parse(json.stdout);
  const library = await diffSnapshots(
    await Deno.readFile(CONSUL),
    await Deno.readFile(redacted),
  );
  assert.equal(doc.ok, true);
  assert.equal(doc.keys.changed, library.keys!.changed);
  assert.equal(doc.verdict, library.verdict);

  const cut = `${dir.path}/cut.snap`;
  const bytes = await Deno.readFile(CONSUL);
  await Deno.writeFile(cut, bytes.slice(0, bytes.length - 100));
  const bad = await raftsnap(["diff", CONSUL, cut]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /\[truncated\]/);
  assert.equal((await raftsnap(["diff", CONSUL])).code, 2); // usage
  assert.equal((await raftsnap(["diff", CONSUL, `${dir.path}/missing.snap`])).code, 3);
});

Deno.test("raftsnap redact: OUT verifies; a bad IN or a missing sealer leaves no file", async () => {
  await using dir = await tempDir();
  const out = `${dir.path}/out.snap`;
  const ok = await raftsnap(["redact", "--sealer-key", KEY, VAULT, out]);
  assert.equal(ok.code, 0, ok.stderr);
  const key = await (await import("../../mod.ts")).createAesGcmSealer(KEY);
  assert.equal(
    (await verifySnapshot(await Deno.readFile(out), { sealer: key })).sealVerified,
    true,
  );
  assert.equal((await raftsnap(["redact", VAULT, out])).code, 3, "refuses to overwrite");

  const before = await snapshotOfDir(dir.path);
  const noSealer = await raftsnap(["redact", VAULT, `${dir.path}/x.snap`]);
  assert.equal(noSealer.code, 1);
  assert.match(noSealer.stderr, /sealed.*\[sealer-required\]/);
  const cut = await Deno.readFile(CONSUL);
  const input = `${dir.path}/../cut-${crypto.randomUUID()}.snap`;
  await Deno.writeFile(input, cut.slice(0, Math.floor(cut.length * 0.6)));
  try {
    const bad = await raftsnap(["redact", input, `${dir.path}/y.snap`]);
    assert.equal(bad.code, 1);
  } finally {
    await Deno.remove(input);
  }
  assert.deepEqual(await snapshotOfDir(dir.path), before, "no OUT, no temporary file");
});

Deno.test("raftsnap kv export: consul kv export's text; nothing at all from a bad archive", async () => {
  await using dir = await tempDir();
  const got = await raftsnap(["kv", "export", "--prefix", "vault/core/", CONSUL]);
  assert.equal(got.code, 0, got.stderr);
  const expected = await new Response(
    exportKv(await Deno.readFile(CONSUL), { prefix: "vault/core/" }),
  ).text();
  assert.equal(got.stdout, expected);
  assert.ok(JSON.parse(got.stdout).length > 0);

  const file = `${dir.path}/kv.json`;
  assert.equal((await raftsnap(["kv", "export", CONSUL, "-o", file])).code, 0);
  assert.equal(JSON.parse(await Deno.readTextFile(file)).length, 30);

  const bytes = await Deno.readFile(CONSUL);
  const cut = `${dir.path}/cut.snap`;
  await Deno.writeFile(cut, bytes.slice(0, bytes.length - 100)); // fails after every record
  const before = await snapshotOfDir(dir.path);
  const bad = await raftsnap(["kv", "export", cut]);
  assert.equal(bad.code, 1);
  assert.equal(bad.stdout, "", "no partial export on standard output");
  const badFile = await raftsnap(["kv", "export", cut, "-o", `${dir.path}/partial.json`]);
  assert.equal(badFile.code, 1);
  assert.deepEqual(await snapshotOfDir(dir.path), before, "no partial export file");

  const vault = await raftsnap(["kv", "export", VAULT]);
  assert.equal(vault.code, 1);
  assert.match(vault.stderr, /only Consul's state holds a KV store/);
  assert.equal((await raftsnap(["kv", "import", CONSUL])).code, 2);
});

Deno.test("raftsnap kv --help says the values leave the snapshot; redact --help says OUT is not for restoring", async () => {
  const kv = await raftsnap(["kv", "--help"]);
  assert.match(kv.stdout, /SECRETS LEAVE THE SNAPSHOT HERE, by request/);
  const redact = await raftsnap(["redact", "--help"]);
  assert.match(redact.stdout, /not for restoring/);
  const help = await raftsnap(["--help"]);
  for (const command of ["diff OLD NEW", "kv export FILE", "redact IN OUT"]) {
    assert.ok(help.stdout.includes(command), command);
  }
});

Deno.test("raftsnap redact --drop-sealed-sums: a sealed Vault snapshot without its key; says so", async () => {
  await using dir = await tempDir();
  for (const name of ["vault-small.snap", "vault-sealed-envelope.snap"]) {
    const out = `${dir.path}/${name}`;
    const run = await raftsnap(["redact", "--drop-sealed-sums", productFixture(name), out]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /without SHA256SUMS\.sealed \(--drop-sealed-sums\).*cannot restore/);
    const verified = await verifySnapshot(await Deno.readFile(out));
    assert.equal(verified.sealed, false);
    assert.ok(!verified.entries.some((e) => e.name === "SHA256SUMS.sealed"));
    const json = await raftsnap([
      "redact",
      "--json",
      "-f",
      "--drop-sealed-sums",
      productFixture(name),
      out,
    ]);
    assert.equal(JSON.parse(json.stdout).droppedSealedSums, true);
  }
  // On an unsealed IN the option drops nothing, and says nothing.
  const consul = await raftsnap(["redact", "--drop-sealed-sums", CONSUL, `${dir.path}/c.snap`]);
  assert.equal(consul.code, 0, consul.stderr);
  assert.doesNotMatch(consul.stdout, /SHA256SUMS\.sealed/);
  // With the key it stays sealed.
  const keyed = await raftsnap([
    "redact",
    "--drop-sealed-sums",
    "--sealer-key",
    KEY,
    VAULT,
    `${dir.path}/k.snap`,
  ]);
  assert.equal(keyed.code, 0, keyed.stderr);
  assert.equal((await verifySnapshot(await Deno.readFile(`${dir.path}/k.snap`))).sealed, true);
  const help = await raftsnap(["redact", "--help"]);
  assert.match(help.stdout, /--drop-sealed-sums/);
  assert.match(help.stdout, /Vault cannot restore it/);
});
