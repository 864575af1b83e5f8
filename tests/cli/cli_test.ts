// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// The raftsnap command line, run as a subprocess against the shared fixtures.

import { createAesGcmSealer, verifySnapshot, writeSnapshot } from "../../mod.ts";
import { parseArgs, UsageError } from "../../src/cli/args.ts";
import { verifySpec } from "../../src/cli/verify.ts";
import { Progress, type ProgressClock } from "../../src/cli/progress.ts";
import {
  assert,
  codeForGoError,
  type GoFixture,
  goManifest,
  gunzipBytes,
  hex,
} from "../_helpers.ts";
import {
  checksumOfHex,
  goFixture,
  jsonLines,
  productFixture,
  raftsnap,
  snapshotOfDir,
  tempDir,
} from "../_cli_helpers.ts";

const manifest = await goManifest();
const SNAPS = manifest.fixtures.map((f) => f.file);
const GO_VERIFY = (f: GoFixture) => f.checks.find((c) => c.function === "snapshot.Verify")!;
const SMALL = goFixture("small.snap");
/** What the progress bar draws before each line, and alone to erase itself. */
const ERASE = "\r\x1b[K";

Deno.test("raftsnap verify --json gives Go's verdict for every go-reference fixture", async () => {
  const run = await raftsnap(["verify", "--json", ...SNAPS.map(goFixture)]);
  assert.equal(run.code, 1, run.stderr);
  assert.equal(run.stderr, "");
  const docs = jsonLines(run.stdout);
  assert.equal(docs.length, SNAPS.length);
  for (const [i, fixture] of manifest.fixtures.entries()) {
    const doc = docs[i]!;
    assert.equal(doc.file, goFixture(fixture.file));
    assert.equal(doc.ok, fixture.verify_ok, `${fixture.file}: ${JSON.stringify(doc.error)}`);
    if (fixture.verify_ok) {
      const fileSha = (fixture as unknown as { file_sha256: string }).file_sha256;
      assert.equal(doc.checksum, checksumOfHex(fileSha), fixture.file);
      assert.deepEqual(
        doc.entries!.map((e) => [e.name, e.size, e.sha256, e.mtime]),
        fixture.tar_entries!.map((e) => [e.name, e.size, e.sha256, e.mtime_unix]),
        fixture.file,
      );
      const meta = JSON.parse(fixture.expected_meta_json ?? GO_VERIFY(fixture).meta_json!);
      assert.equal(doc.meta!.ID, meta.ID);
      // uint64 fields are always decimal strings.
      assert.equal(doc.meta!.Index, String(meta.Index));
      assert.equal(doc.meta!.Size, String(meta.Size));
      assert.equal(doc.stateSize, meta.Size);
    } else {
      const goError = GO_VERIFY(fixture).errors![0]!;
      assert.equal(doc.error!.code, codeForGoError(goError), `${fixture.file}: ${goError}`);
      assert.deepEqual(Object.keys(doc.error!), [
        "code",
        "layer",
        "entry",
        "offset",
        "expected",
        "found",
        "record",
        "message",
      ]);
      assert.equal(doc.error!.record, null, "no record: the archive layers failed");
      assert.ok(!doc.error!.message.startsWith("Cannot verify"), doc.error!.message);
    }
  }
});

Deno.test("raftsnap verify --sealer-key opens SHA256SUMS.sealed as Go's sealed reader does", async () => {
  const sealed = manifest.fixtures.filter((f) => f.file.startsWith("sealed"));
  await using dir = await tempDir();
  const keyFile = `${dir.path}/key`;
  await Deno.writeTextFile(keyFile, manifest.seal_key_hex + "\n");
  const runs = await Promise.all([
    raftsnap([
      "verify",
      "--json",
      "--sealer-key",
      `@${keyFile}`,
      ...sealed.map((f) => goFixture(f.file)),
    ]),
    raftsnap([
      "verify",
      "--json",
      `--sealer-key=${manifest.wrong_key_hex}`,
      ...sealed.map((f) => goFixture(f.file)),
    ]),
  ]);
  for (
    const [run, key] of [[runs[0], manifest.seal_key_hex], [
      runs[1],
      manifest.wrong_key_hex,
    ]] as const
  ) {
    const docs = jsonLines(run.stdout);
    assert.equal(docs.length, sealed.length);
    for (const [i, fixture] of sealed.entries()) {
      const go = fixture.checks.find((c) =>
        c.function === "snapshot.WriteToTempFileWithSealer" && c.key === key
      )!;
      assert.equal(docs[i]!.ok, go.ok, fixture.file);
      if (go.ok) assert.equal(docs[i]!.sealVerified, true);
      else assert.equal(docs[i]!.error!.code, codeForGoError(go.errors![0]!), fixture.file);
    }
    assert.equal(run.code, 1);
  }
});

Deno.test("raftsnap verify prints the metadata, each entry's SHA-256 and ok for one good file", async () => {
  const run = await raftsnap(["verify", SMALL]);
  assert.equal(run.code, 0);
  assert.equal(run.stderr, "");
  const fixture = manifest.fixtures.find((f) => f.file === "small.snap")!;
  const lines = run.stdout.trimEnd().split("\n");
  assert.equal(lines[0], `${SMALL}: ok  ID 2-5-1700000000000  Index 5  Term 2  Size 20`);
  for (const entry of fixture.tar_entries!) {
    assert.ok(
      lines.some((l) => l.includes(entry.name) && l.endsWith(`  ${entry.sha256}`)),
      entry.name,
    );
  }
  assert.equal(lines.at(-1), "  checksum sha-256=UjspEYGMTphxaEqfFJrX2dqexB5WxYTiuJU0gNaHjdE=");
  assert.equal(lines.length, 5);
});

Deno.test("raftsnap verify of several files prints a line each and fails if any failed", async () => {
  const bad = goFixture("bad-state-bitflip.snap");
  const sealed = goFixture("sealed.snap");
  const [run, debug] = await Promise.all([
    raftsnap(["verify", SMALL, bad, sealed]),
    raftsnap(["verify", "--debug", bad]),
  ]);
  assert.equal(run.code, 1);
  assert.deepEqual(run.stdout.trimEnd().split("\n"), [
    `${SMALL}: ok  ID 2-5-1700000000000  Index 5  Term 2  Size 20`,
    `${sealed}: ok  ID 2-5-1700000000000  Index 5  Term 2  Size 20` +
    " (SHA256SUMS.sealed not opened: no --sealer-key)",
  ]);
  // One line: which file, which check, what was expected and found; no stack trace.
  // (The library words the middle; the CLI owns the prefix and the code in brackets.)
  const lines = run.stderr.split("\n");
  assert.equal(lines.length, 2, run.stderr);
  assert.ok(lines[0]!.startsWith(`raftsnap: verify ${bad}: hash mismatch for "state.bin" (`));
  assert.ok(lines[0]!.includes("83435f28ef54bc74e4c094b5b68525a115b52644e54c9f0bbf4c5616cee4ff79"));
  assert.ok(lines[0]!.includes("0be614313c0ad03138366160c968f6ee6ffb29fc8fe55e31fa09aaf0e6970e16"));
  assert.ok(lines[0]!.endsWith(") [hash-mismatch]"), lines[0]);
  assert.equal(debug.code, 1);
  assert.match(debug.stderr, /^raftsnap: verify .*\[hash-mismatch\]\nSnapshotError: .*\n\s+at /);
});

Deno.test("raftsnap exit codes: 2 for usage errors with the usage, 3 for I/O errors, 0 for help", async () => {
  const usage = [
    ["verify"],
    ["verify", "--frob", SMALL],
    ["unpack", SMALL],
    ["inspect", "--format", "xml", SMALL],
    ["verify", "--sealer-key", "abcd", SMALL],
    ["verify", "-", "-"],
    ["pack", "--mtime", "yesterday", "dir", "out.snap"],
    ["frobnicate"],
    [],
  ];
  const io = [
    ["verify", "no-such.snap"],
    ["inspect", "src"],
    ["verify", "--sealer-key", "@no-such.key", SMALL],
    ["pack", "no-such-dir", "out.snap"],
    ["checksum", SMALL, "no-such.snap"],
  ];
  const help = [["--help"], ["verify", "--help"], ["help", "unpack"], ["pack", "-h"]];
  const [usageRuns, ioRuns, helpRuns] = await Promise.all(
    [usage, io, help].map((set) => Promise.all(set.map((args) => raftsnap(args)))),
  );
  for (const [i, run] of usageRuns!.entries()) {
    assert.equal(run.code, 2, `${usage[i]}: ${run.stderr}`);
    assert.equal(run.stdout, "");
    const [first, second] = run.stderr.split("\n");
    assert.match(first!, /^raftsnap( \w+)?: \S/, usage[i]!.join(" "));
    assert.match(second!, /^usage: raftsnap /, usage[i]!.join(" "));
    assert.ok(!run.stderr.includes("abcd"), "a key is never echoed");
  }
  assert.equal(usageRuns![1]!.stderr.split("\n")[0], "raftsnap verify: unknown flag --frob");
  assert.equal(usageRuns![2]!.stderr.split("\n")[0], "raftsnap unpack: missing DIR");
  for (const [i, run] of ioRuns!.entries()) {
    assert.equal(run.code, 3, `${io[i]}: ${run.stderr}`);
    const lines = run.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0]!, /^raftsnap: \w+[ :]/);
  }
  assert.equal(ioRuns![0]!.stderr, "raftsnap: verify no-such.snap: no such file or directory\n");
  assert.match(ioRuns![4]!.stdout, /^sha-256=\S+ {2}\S+small\.snap\n$/);
  for (const run of helpRuns!) {
    assert.equal(run.code, 0);
    assert.equal(run.stderr, "");
    assert.match(run.stdout, /Exit codes:\n {4}0 {2}ok\n {4}1 {2}a snapshot is bad/);
  }
  for (const run of helpRuns!.slice(1)) assert.match(run.stdout, /\nExamples:\n {2}raftsnap /);
});

Deno.test("raftsnap inspect shows the metadata, the servers and the entries", async () => {
  const [pretty, json, bad, badJson] = await Promise.all([
    raftsnap(["inspect", SMALL]),
    raftsnap(["inspect", "--format=json", SMALL]),
    raftsnap(["inspect", goFixture("bad-meta-bitflip.snap")]),
    raftsnap(["inspect", "--json", goFixture("bad-meta-bitflip.snap")]),
  ]);
  assert.equal(pretty.code, 0, pretty.stderr);
  // The first lines are those of `consul snapshot inspect`.
  assert.ok(
    pretty.stdout.startsWith(
      " ID           2-5-1700000000000\n Size         20\n Index        5\n Term         2\n" +
        " Version      1\n",
    ),
    pretty.stdout,
  );
  assert.match(pretty.stdout, /\n Servers {6}server-1 {2}10\.0\.0\.1:8300 {2}voter\n/);
  assert.match(pretty.stdout, /\n {14}server-3 {2}10\.0\.0\.3:8300 {2}nonvoter\n/);
  assert.match(pretty.stdout, /\n Verified {5}ok\n/);
  assert.match(
    pretty.stdout,
    /\n state\.bin +20 {2}83435f28ef54bc74e4c094b5b68525a115b52644e54c9f0bbf4c5616cee4ff79\n/,
  );
  const doc = jsonLines(json.stdout)[0]!;
  assert.equal(json.stdout.split("\n").length, 2, "one document, one line");
  assert.equal(doc.ok, true);
  assert.deepEqual(doc.meta!.Configuration.Servers![2], {
    Suffrage: 1,
    ID: "server-3",
    Address: "10.0.0.3:8300",
  });
  assert.equal(doc.meta!.ConfigurationIndex, "1");
  assert.equal((doc.verify as { gzipMembers: number }).gzipMembers, 1);
  assert.equal(doc.verified, true);
  assert.equal(doc.product, "unknown", "the sample's state is text, no product's");
  // A failure after meta.json was read still shows it, marked as not verified.
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /\n Index {8}4\n/);
  assert.match(bad.stdout, /\n Verified {5}NO/);
  assert.match(
    bad.stderr,
    /^raftsnap: inspect .*bad-meta-bitflip\.snap: hash mismatch .*\[hash-mismatch\]\n$/,
  );
  const badDoc = jsonLines(badJson.stdout)[0]!;
  assert.equal(badJson.code, 1);
  assert.equal(badDoc.ok, false);
  assert.equal(badDoc.meta!.Index, "4");
  assert.equal(badDoc.error!.code, "hash-mismatch");
  assert.equal(badDoc.error!.entry, "meta.json");
});

Deno.test("raftsnap unpack then pack gives back the same tar at the same mtime, and it verifies", async () => {
  await using dir = await tempDir();
  const good = ["small.snap", "empty-state.snap", "one-mib.snap"];
  await Promise.all(good.map(async (name) => {
    const fixture = manifest.fixtures.find((f) => f.file === name)!;
    const out = `${dir.path}/${name}.d`;
    const unpacked = await raftsnap(["unpack", goFixture(name), out]);
    assert.equal(unpacked.code, 0, unpacked.stderr);
    assert.equal(
      unpacked.stdout.split("\n")[1],
      `wrote meta.json, state.bin, SHA256SUMS to ${out}`,
    );
    assert.deepEqual((await snapshotOfDir(out)).keys().toArray(), [
      "meta.json",
      "SHA256SUMS",
      "state.bin",
    ]);
    for (const entry of fixture.tar_entries!) {
      const bytes = await Deno.readFile(`${out}/${entry.name}`);
      const sha = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
      assert.equal(Array.from(sha, (b) => b.toString(16).padStart(2, "0")).join(""), entry.sha256);
      assert.equal((await Deno.stat(`${out}/${entry.name}`)).mode! & 0o777, 0o600);
    }
    const mtime = fixture.tar_entries![0]!.mtime_unix;
    const snap = `${dir.path}/${name}`;
    const packed = await raftsnap(["pack", "--mtime", String(mtime), out, snap]);
    assert.equal(packed.code, 0, packed.stderr);
    assert.match(packed.stdout, new RegExp(`^${snap}: packed from ${out} {2}ID `));
    const bytes = await Deno.readFile(snap);
    assert.deepEqual(
      await gunzipBytes(bytes),
      await gunzipBytes(await Deno.readFile(goFixture(name))),
    );
    const result = await verifySnapshot(bytes);
    assert.equal(
      result.stateSha256,
      fixture.tar_entries!.find((e) => e.name === "state.bin")!.sha256,
    );
  }));
  // No temporary file was left beside the archives or in the folders.
  const names = (await snapshotOfDir(dir.path)).keys().toArray();
  assert.equal(names.length, good.length * 4);
  assert.deepEqual(names.filter((name) => name.includes(".raftsnap")), []);
});

Deno.test("raftsnap unpack of a bad archive leaves DIR as it was", async () => {
  await using dir = await tempDir();
  const existing = `${dir.path}/existing`;
  await Deno.mkdir(existing);
  await Deno.writeTextFile(`${existing}/notes.txt`, "keep me\n");
  const before = await snapshotOfDir(dir.path);
  const bad = ["bad-state-bitflip.snap", "truncated-gzip.snap", "not-gzip.snap", "extra-file.snap"];
  const runs = await Promise.all(bad.flatMap((name) => [
    raftsnap(["unpack", goFixture(name), existing]),
    raftsnap(["unpack", goFixture(name), `${dir.path}/new-${name}/deeper`]),
  ]));
  for (const run of runs) {
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /^raftsnap: unpack \S+: .* \[[a-z-]+\]\n$/);
  }
  assert.deepEqual(await snapshotOfDir(dir.path), before);
});

Deno.test("raftsnap unpack refuses to overwrite without --force, and --force leaves no stale seal", async () => {
  await using dir = await tempDir();
  const out = `${dir.path}/out`;
  assert.equal((await raftsnap(["unpack", goFixture("sealed.snap"), out])).code, 0);
  const before = await snapshotOfDir(out);
  assert.ok(before.has("SHA256SUMS.sealed"));
  const refused = await raftsnap(["unpack", SMALL, out]);
  assert.equal(refused.code, 3);
  assert.equal(
    refused.stderr,
    `raftsnap: unpack ${SMALL}: ${out}/meta.json already exists (--force overwrites it)\n`,
  );
  assert.deepEqual(await snapshotOfDir(out), before);
  const forced = await raftsnap(["unpack", "--force", "--quiet", SMALL, out]);
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(forced.stdout, "");
  assert.deepEqual((await snapshotOfDir(out)).keys().toArray(), [
    "meta.json",
    "SHA256SUMS",
    "state.bin",
  ]);
});

Deno.test("raftsnap pack turns a raft data directory's snapshot folder into a restorable .snap", async () => {
  await using dir = await tempDir();
  const raw = productFixture("consul-small-raw");
  const plain = `${dir.path}/consul.snap`;
  const sealed = `${dir.path}/sealed.snap`;
  const [run, sealedRun] = await Promise.all([
    raftsnap(["pack", "--json", raw, plain]),
    raftsnap(["pack", "--sealer-key", manifest.seal_key_hex, raw, sealed]),
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(sealedRun.code, 0, sealedRun.stderr);
  const doc = jsonLines(run.stdout)[0]!;
  assert.deepEqual(Object.keys(doc), [
    "file",
    "ok",
    "dir",
    "meta",
    "size",
    "checksum",
    "sealed",
    "mtime",
  ]);
  const bytes = await Deno.readFile(plain);
  assert.equal(doc.size, bytes.length);
  const result = await verifySnapshot(bytes, { checksum: true });
  assert.equal(doc.checksum, result.checksum);
  const expectedSha =
    (await Deno.readTextFile(productFixture("consul-small.state.bin.sha256"))).split(" ")[0];
  assert.equal(result.stateSha256, expectedSha);
  const original = await verifySnapshot(await Deno.readFile(productFixture("consul-small.snap")));
  assert.deepEqual(result.meta, original.meta);
  const sealer = await createAesGcmSealer(manifest.seal_key_hex);
  const opened = await verifySnapshot(await Deno.readFile(sealed), { sealer });
  assert.equal(opened.sealVerified, true);
});

Deno.test("raftsnap pack --parallel writes several gzip members holding the same tar, and it verifies", async () => {
  await using dir = await tempDir();
  const src = `${dir.path}/src`;
  await Deno.mkdir(src);
  // 9 MiB of half-compressible state: three members of 4 MiB of tar.
  let seed = 7;
  const state = new Uint8Array(9 * 1024 * 1024 + 5).map((_, i) =>
    i % 2 ? (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24 : i >> 12
  );
  await Deno.writeFile(`${src}/state.bin`, state);
  const meta = await Deno.readFile(productFixture("consul-small-raw/meta.json"));
  const text = new TextDecoder().decode(meta).replace(/"Size":\s*\d+/, `"Size": ${state.length}`);
  await Deno.writeTextFile(`${src}/meta.json`, text);
  const [parallel, single] = await Promise.all([
    raftsnap(["pack", "--parallel", "--json", "--mtime", "1700000000", src, `${dir.path}/p.snap`]),
    raftsnap(["pack", "--mtime", "1700000000", src, `${dir.path}/s.snap`]),
  ]);
  assert.equal(parallel.code, 0, parallel.stderr);
  assert.equal(single.code, 0, single.stderr);
  const bytes = await Deno.readFile(`${dir.path}/p.snap`);
  const [p, s] = await Promise.all([
    verifySnapshot(bytes, { checksum: true }),
    verifySnapshot(await Deno.readFile(`${dir.path}/s.snap`)),
  ]);
  if (Deno.env.get("RAFTSNAP_CLI_NODE_BIN")) {
    // Node has no module Workers: one member, as --help says.
    assert.equal(p.gzipMembers, 1);
  } else assert.ok(p.gzipMembers >= 3, `${p.gzipMembers} members`);
  assert.equal(s.gzipMembers, 1);
  assert.equal(jsonLines(parallel.stdout)[0]!.checksum, p.checksum);
  assert.equal(p.stateSha256, hex(new Uint8Array(await crypto.subtle.digest("SHA-256", state))));
  assert.equal(p.tarBytes, s.tarBytes);
  assert.deepEqual(
    p.entries.map((e) => [e.name, e.size, e.sha256]),
    s.entries.map((e) => [e.name, e.size, e.sha256]),
  );
});

Deno.test("raftsnap pack checks meta.json's Size against state.bin and leaves nothing on failure", async () => {
  await using dir = await tempDir();
  const src = `${dir.path}/snapshot`;
  await Deno.mkdir(src);
  await Deno.copyFile(`${productFixture("consul-small-raw")}/meta.json`, `${src}/meta.json`);
  const state = await Deno.readFile(`${productFixture("consul-small-raw")}/state.bin`);
  await Deno.writeFile(`${src}/state.bin`, state.subarray(1));
  const out = `${dir.path}/out`;
  await Deno.mkdir(out);
  const [short, badMeta] = await Promise.all([
    raftsnap(["pack", src, `${out}/x.snap`]),
    raftsnap(["pack", productFixture(""), `${out}/y.snap`]),
  ]);
  assert.equal(short.code, 1);
  assert.equal(
    short.stderr,
    `raftsnap: pack ${out}/x.snap: ${src}/meta.json says Size 20804, but ${src}/state.bin is ` +
      "20803 bytes [size-mismatch]\n",
  );
  assert.equal(badMeta.code, 3, badMeta.stderr); // no meta.json there
  assert.deepEqual([...await Array.fromAsync(Deno.readDir(out))], []);
  // An existing FILE is not overwritten without --force.
  await Deno.writeTextFile(`${out}/z.snap`, "mine");
  const refused = await raftsnap(["pack", productFixture("consul-small-raw"), `${out}/z.snap`]);
  assert.equal(refused.code, 3);
  assert.equal(await Deno.readTextFile(`${out}/z.snap`), "mine");
});

Deno.test("raftsnap reads standard input and writes standard output for -", async () => {
  await using dir = await tempDir();
  const small = await Deno.readFile(SMALL);
  const [verified, checksum, packed, unpacked] = await Promise.all([
    raftsnap(["verify", "-"], { stdin: small }),
    raftsnap(["checksum", "--json", "-"], { stdin: small }),
    raftsnap(["pack", productFixture("consul-small-raw"), "-"]),
    raftsnap(["unpack", "-", `${dir.path}/from-stdin`], { stdin: small }),
  ]);
  assert.equal(verified.code, 0, verified.stderr);
  assert.match(verified.stdout, /^-: ok {2}ID 2-5-1700000000000 {2}Index 5 /);
  assert.deepEqual(jsonLines(checksum.stdout), [{
    file: "-",
    ok: true,
    checksum: "sha-256=UjspEYGMTphxaEqfFJrX2dqexB5WxYTiuJU0gNaHjdE=",
    size: small.length,
  }]);
  assert.equal(packed.code, 0, packed.stderr);
  assert.equal(packed.stderr, "");
  assert.equal((await verifySnapshot(packed.stdoutBytes)).meta.id, "2-433-1710350056693");
  assert.equal(unpacked.code, 0, unpacked.stderr);
  assert.equal(
    await Deno.readTextFile(`${dir.path}/from-stdin/state.bin`),
    "hello raft snapshot\n",
  );
  // A pipe from one raftsnap to the next.
  const piped = await raftsnap(["verify", "-q", "-"], { stdin: packed.stdoutBytes });
  assert.deepEqual([piped.code, piped.stdout, piped.stderr], [0, "", ""]);
});

Deno.test("raftsnap checksum prints Go's Snapshot.Checksum of each file", async () => {
  const files = ["small.snap", "one-mib.snap", "not-gzip.snap"];
  const [one, several] = await Promise.all([
    raftsnap(["checksum", SMALL]),
    raftsnap(["checksum", ...files.map(goFixture)]),
  ]);
  assert.equal(one.stdout, "sha-256=UjspEYGMTphxaEqfFJrX2dqexB5WxYTiuJU0gNaHjdE=\n");
  // It hashes bytes and does not verify: a file that is not a snapshot has a checksum too.
  assert.equal(several.code, 0);
  assert.deepEqual(
    several.stdout.trimEnd().split("\n"),
    files.map((name) => {
      const sha = (manifest.fixtures.find((f) =>
        f.file === name
      ) as unknown as { file_sha256: string })
        .file_sha256;
      return `${checksumOfHex(sha)}  ${goFixture(name)}`;
    }),
  );
});

/** Waits for `promise`, or `ms` milliseconds (a safety net), whichever comes first. */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([promise, new Promise((resolve) => timer = setTimeout(resolve, ms))]);
  clearTimeout(timer);
}

Deno.test("raftsnap shows no progress bar when standard error is not a terminal", async () => {
  // Over a second of work for each: half the archive, a pause, the rest. The pause ends
  // once the run with the bar forced on has drawn it showing the whole first half (its bar's
  // delay passed, and it counted what it read), and no sooner than 1.3 s after each run
  // took its first half in (its bar's clock was running then): on a busy machine a run
  // that starts late, or reads slowly, still pauses long enough.
  const bytes = await Deno.readFile(goFixture("one-mib.snap"));
  const half = "verify -  0.5 MB  ";
  let drew!: () => void;
  const drawn = new Promise<void>((resolve) => drew = resolve);
  let forcedSoFar = "";
  const slowly = async (writer: WritableStreamDefaultWriter<Uint8Array>) => {
    // Half a MiB is more than a pipe holds: this resolves once the command reads it.
    await writer.write(bytes.subarray(0, bytes.length >> 1));
    await Promise.all([within(drawn, 60_000), new Promise((resolve) => setTimeout(resolve, 1300))]);
    await writer.write(bytes.subarray(bytes.length >> 1));
  };
  const [piped, forced, quiet] = await Promise.all([
    raftsnap(["verify", "-"], { stdin: slowly }),
    raftsnap(["verify", "--progress", "-"], {
      stdin: slowly,
      onStderr: (text) => (forcedSoFar += text).includes(half) && drew(),
    }),
    raftsnap(["verify", "--progress", "--quiet", "-"], { stdin: slowly }),
  ]);
  for (const run of [piped, forced, quiet]) assert.equal(run.code, 0, run.stderr);
  assert.equal(piped.stderr, "");
  assert.equal(quiet.stderr, "");
  assert.match(piped.stdout, /^-: ok /);
  // The same run with the bar forced on draws it (so the first assertion can fail): only
  // bars (the bytes read so far, MB/s), one of them showing the first half while the rest
  // was held back, then erases it.
  const shown = forced.stderr.replaceAll(ERASE, "<erase>");
  assert.match(shown, /^<erase>verify - {2}[\d.]+ MB {2}[\d.]+ MB\/s/);
  assert.match(shown, /^(<erase>verify - {2}[\d.]+ MB {2}[\d.]+ MB\/s)+<erase>$/);
  assert.ok(shown.includes(`<erase>${half}`), shown);
  assert.ok(forced.stderr.endsWith(ERASE), JSON.stringify(forced.stderr));
});

Deno.test("raftsnap unpack interrupted by Ctrl-C removes its temporary files and the DIR it made", async () => {
  await using dir = await tempDir();
  const out = `${dir.path}/a/b`;
  const bytes = await Deno.readFile(goFixture("one-mib.snap"));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const run = await raftsnap(["unpack", "-", out], {
    stdin: async (writer) => {
      await writer.write(bytes.subarray(0, bytes.length >> 1));
      await released;
    },
    async started(child) {
      // Wait until the state is being written to its temporary file, then interrupt.
      for (let i = 0; i < 200; i++) {
        const names = await Array.fromAsync(Deno.readDir(out)).catch(() => []);
        if (names.some((e) => e.name.endsWith(".state.bin.tmp"))) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      child.kill("SIGINT");
      // Standard input stays open until the end: the command must stop on the signal alone.
      child.status.then(release);
    },
  });
  assert.equal(run.code, 130, run.stderr);
  assert.equal(run.stderr, "raftsnap: unpack -: interrupted (SIGINT)\n");
  assert.deepEqual(await Array.fromAsync(Deno.readDir(dir.path)), []);
});

Deno.test("deno task demo runs the CLI on a sample, shows the failure and cleans up", async () => {
  const run = await raftsnap([], { script: "src/cli/demo.ts" });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.equal(run.stderr, "");
  const lines = run.stdout.trimEnd().split("\n");
  assert.ok(lines.length <= 50, `${lines.length} lines`);
  assert.ok(lines.includes("$ raftsnap inspect --kv-details sample.snap"));
  assert.ok(lines.some((l) => /^ KVS +2000 /.test(l)), "the state is decoded");
  assert.ok(lines.includes(" Consul state: 2003 records of 2 types, 310.5 KiB; verified"));
  assert.ok(lines.includes(" Verified     ok"));
  assert.ok(lines.some((l) => /^sample\.snap: ok {2}ID /.test(l)));
  assert.ok(
    lines.some((l) =>
      /^raftsnap: verify corrupt\.snap: hash mismatch .*\[hash-mismatch\]$/.test(l)
    ),
  );
  const folder = lines[0]!.match(/ in (\S+)$/)![1]!;
  await assert.rejects(Deno.stat(folder), Deno.errors.NotFound);
});

Deno.test("parseArgs() reads flags in every spelling and rejects what the command lacks", () => {
  const parsed = parseArgs(verifySpec, ["-q", "--sealer-key=ab", "a.snap", "--", "--b.snap", "-"]);
  assert.deepEqual(parsed, {
    flags: { quiet: true, "sealer-key": "ab" },
    positionals: ["a.snap", "--b.snap", "-"],
  });
  assert.deepEqual(parseArgs(verifySpec, ["--sealer-key", "cd", "x"]).flags, {
    "sealer-key": "cd",
  });
  assert.throws(() => parseArgs(verifySpec, ["--json=yes", "x"]), UsageError);
  assert.throws(() => parseArgs(verifySpec, ["x", "--sealer-key"]), /needs a value/);
  assert.throws(() => parseArgs(verifySpec, ["-z", "x"]), /unknown flag -z/);
  assert.throws(() => parseArgs(verifySpec, []), /missing FILE/);
});

Deno.test("parseArgs() joins a repeatable --limit and refuses a bad one as a usage error", () => {
  const parsed = parseArgs(verifySpec, [
    "--limit",
    "maxRatio=100",
    "--limit=maxTarBytes=1GiB,maxEntries=off",
    "x",
  ]);
  assert.equal(parsed.flags.limit, "maxRatio=100,maxTarBytes=1GiB,maxEntries=off");
  assert.throws(
    () => parseArgs(verifySpec, ["--limit", "maxTarBytes=lots", "x"]),
    (e) => e instanceof UsageError && /^--limit maxTarBytes=lots: not a byte count/.test(e.message),
  );
  assert.throws(() => parseArgs(verifySpec, ["x", "--limit"]), /--limit needs a value/);
});

Deno.test("raftsnap --limit: a 1000:1 archive verifies by default, fails under maxRatio=100 naming the flag", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/zeros.snap`;
  const size = 64 << 20;
  const archive = writeSnapshot({ index: 3, term: 2, size }, new Uint8Array(size));
  await Deno.writeFile(path, archive);
  const big = (await Deno.stat(path)).size;
  assert.ok(big < 128 << 10, `${big} bytes`);
  const [plain, strict, json, later, inspect, decode, unpack] = await Promise.all([
    raftsnap(["verify", "-q", path]),
    raftsnap(["verify", "--limit", "maxRatio=100", path]),
    raftsnap(["verify", "--json", "--limit=maxRatio=100", path]),
    raftsnap(["verify", "-q", "--limit", "maxRatio=100", "--limit", "maxRatio=off", path]),
    raftsnap(["inspect", "--limit", "maxTarBytes=4KiB", productFixture("consul-small.snap")]),
    raftsnap(["decode", "--limit", "maxTarBytes=4k", productFixture("consul-small.snap")]),
    raftsnap(["unpack", "--limit", "maxRatio=100", path, `${dir.path}/out`]),
  ]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(strict.code, 1, strict.stderr);
  assert.match(
    strict.stderr,
    /^raftsnap: verify \S+zeros\.snap: the archive inflates more than 100 times its compressed size .*; raise it with --limit maxRatio=N \(e\.g\. 2000, or off\) to read it \[limit-exceeded\]\n$/,
  );
  const error = JSON.parse(json.stdout).error;
  assert.equal(error.code, "limit-exceeded");
  assert.match(error.message, /--limit maxRatio=/);
  assert.equal(later.code, 0, later.stderr);
  for (const [run, name] of [[inspect, "inspect"], [decode, "decode"]] as const) {
    assert.equal(run.code, 1, `${name}: ${run.stderr}`);
    assert.match(
      run.stderr,
      /the archive inflates to more than 4096 bytes.*; raise it with --limit maxTarBytes=SIZE \(e\.g\. 128GiB, or off\) to read it/,
      name,
    );
  }
  assert.equal(unpack.code, 1, unpack.stderr);
  assert.match(unpack.stderr, /--limit maxRatio=/);
  await assert.rejects(Deno.stat(`${dir.path}/out`), Deno.errors.NotFound);
});

Deno.test("raftsnap --limit: every reader shows it in --help and refuses a bad one with exit code 2", async () => {
  const readers = ["verify", "inspect", "decode", "unpack"];
  const bad: [string[], string][] = [
    [["--limit", "maxTarBytes=lots"], "--limit maxTarBytes=lots: not a byte count"],
    [["--limit", "maxRatio=-1"], "--limit maxRatio=-1: not a ratio"],
    [["--limit", "maxEntrys=5"], '--limit maxEntrys=5: there is no limit "maxEntrys"'],
    [["--limit", "64GiB"], '--limit "64GiB" is not NAME=VALUE'],
  ];
  const runs = await Promise.all([
    ...readers.map((command) => raftsnap([command, "--help"])),
    ...bad.map(([args], i) => {
      const command = readers[i % readers.length]!;
      return raftsnap([command, ...args, SMALL, ...(command === "unpack" ? ["out"] : [])]);
    }),
  ]);
  for (const [i, command] of readers.entries()) {
    const help = runs[i]!.stdout;
    assert.match(help, /--limit NAME=VALUE +set a read limit/, command);
    assert.match(help, /\n {2}maxTarBytes=64GiB +most bytes/, command);
    assert.match(help, /\n {2}maxRatio=off +most inflated bytes per compressed byte/, command);
    for (const name of ["maxEntries=4", "maxSmallEntryBytes=8191", "maxPaxBytes=64KiB"]) {
      assert.ok(help.includes(`\n  ${name} `), `${command}: ${name}`);
    }
  }
  for (const [i, [, message]] of bad.entries()) {
    const run = runs[readers.length + i]!;
    const command = readers[i % readers.length]!;
    assert.equal(run.code, 2, run.stderr);
    const first = run.stderr.split("\n")[0]!;
    assert.ok(first.startsWith(`raftsnap ${command}: ${message}`), first);
  }
});

interface SteppedTimer {
  at: number;
  callback: () => void;
  cancelled: boolean;
}

/** A clock that moves only when told to, running the timers that fall due on the way. */
class SteppedClock implements ProgressClock {
  #now = 0;
  #timers: SteppedTimer[] = [];
  now(): number {
    return this.#now;
  }
  setTimeout(callback: () => void, ms: number): { cancel(): void } {
    const timer = { at: this.#now + ms, callback, cancelled: false };
    this.#timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }
  /** Timers not yet fired nor cancelled. */
  get pending(): number {
    return this.#timers.filter((t) => !t.cancelled).length;
  }
  /** Moves `ms` on, firing each timer due by then at its own time, in order. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      this.#timers = this.#timers.filter((t) => !t.cancelled);
      const next = this.#timers.reduce<SteppedTimer | undefined>(
        (first, t) => t.at <= end && (!first || t.at < first.at) ? t : first,
        undefined,
      );
      if (!next) break;
      this.#timers.splice(this.#timers.indexOf(next), 1);
      this.#now = next.at;
      next.callback();
    }
    this.#now = end;
  }
}

Deno.test("Progress draws after its delay, at most every interval, and erases itself", () => {
  const drawn: string[] = [];
  const clock = new SteppedClock();
  const progress = new Progress({
    label: "verify x.snap",
    total: 4e6,
    enabled: true,
    write: (text) => drawn.push(text),
    delay: 5,
    interval: 10,
    columns: 80,
    clock,
  });
  progress.add(1e6);
  clock.advance(4);
  assert.equal(drawn.length, 0, "nothing before the delay");
  // Drawn at 5 ms, then every 10 ms: at 15, 25 and 35.
  clock.advance(31);
  progress.stop();
  assert.equal(drawn.length, 5, `${drawn.length} draws: ${JSON.stringify(drawn)}`);
  assert.match(
    drawn[0]!.replaceAll(ERASE, "<erase>"),
    /^<erase>verify x\.snap {2}\[=====> {14}\] {2}25% {2}1\.0 \/ 4\.0 MB {2}[\d.]+ MB\/s$/,
  );
  // 1 MB in the 5 ms before the first draw.
  assert.ok(drawn[0]!.endsWith("  200.0 MB/s"), drawn[0]);
  assert.equal(drawn.at(-1), ERASE);
  assert.equal(clock.pending, 0, "stop() cancels the timer");
  const count = drawn.length;
  const off = new Progress({
    label: "x",
    enabled: false,
    write: (t) => drawn.push(t),
    delay: 0,
    clock,
  });
  off.add(5);
  assert.equal(clock.pending, 0, "a disabled bar sets no timer");
  clock.advance(15);
  off.stop();
  assert.equal(drawn.length, count, "a disabled bar never draws");
});
