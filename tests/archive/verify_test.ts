// Copyright 2026 the raftsnap authors. Apache-2.0 license.

import { createAesGcmSealer, encodeMeta, SnapshotError, verifySnapshot } from "../../mod.ts";
import {
  assert,
  chunked,
  codeForGoError,
  goManifest,
  gunzipBytes,
  randomSizes,
  readFixture,
  rejectsWith,
  verdict,
} from "../_helpers.ts";
import { gzipStored } from "../_mutations.ts";

const manifest = await goManifest();
const sealer = await createAesGcmSealer(manifest.seal_key_hex);
const wrongSealer = await createAesGcmSealer(manifest.wrong_key_hex);

for (const fixture of manifest.fixtures) {
  const goVerify = fixture.checks.find((c) => c.function === "snapshot.Verify")!;
  Deno.test(`verifySnapshot() gives Go's verdict for ${fixture.file}`, async () => {
    const bytes = await readFixture(`go-reference/${fixture.file}`);
    if (goVerify.ok) {
      const result = await verifySnapshot(bytes);
      const metaJson = new TextDecoder().decode(encodeMeta(result.meta));
      assert.equal(metaJson, goVerify.meta_json + "\n");
      assert.deepEqual(
        result.entries.map((e) => [e.name, e.size, e.sha256, e.modTime.getTime() / 1000]),
        fixture.tar_entries!.map((e) => [e.name, e.size, e.sha256, e.mtime_unix]),
      );
      const state = fixture.tar_entries!.find((e) => e.name === "state.bin")!;
      assert.equal(result.stateSha256, state.sha256);
      assert.equal(result.stateSize, state.size);
      assert.equal(result.sealVerified, false);
      const meta = result.entries.find((e) => e.name === "meta.json")!;
      assert.equal(
        new TextDecoder().decode(meta.content),
        fixture.tar_entries!.find((e) => e.name === "meta.json")!.text,
      );
    } else {
      const expected = goVerify.errors!.map(codeForGoError);
      const error = await rejectsWith(verifySnapshot(bytes), expected[0]!);
      assert.ok(expected.includes(error.code));
      assert.match(error.message, /^Cannot verify the snapshot: /);
    }
  });

  Deno.test(`verifySnapshot() gives the same verdict for ${fixture.file} in 1-byte and random chunks`, async () => {
    const bytes = await readFixture(`go-reference/${fixture.file}`);
    const whole = await verdict(verifySnapshot(bytes));
    // one-mib.snap in 1-byte chunks is a million reads: cut it at 1..7 bytes instead.
    const tiny = bytes.length > 100_000 ? [1, 3, 7, 2] : [1];
    assert.equal(await verdict(verifySnapshot(chunked(bytes, tiny))), whole);
    for (const seed of [1, 2, 3]) {
      assert.equal(await verdict(verifySnapshot(chunked(bytes, randomSizes(seed)))), whole);
    }
  });

  for (const check of fixture.checks.filter((c) => c.key !== undefined)) {
    const right = check.key === manifest.seal_key_hex;
    Deno.test(`verifySnapshot() with the ${right ? "right" : "wrong"} sealer key gives Go's verdict for ${fixture.file}`, async () => {
      const bytes = await readFixture(`go-reference/${fixture.file}`);
      const promise = verifySnapshot(bytes, { sealer: right ? sealer : wrongSealer });
      if (check.ok) {
        const result = await promise;
        assert.equal(result.sealVerified, true);
        assert.equal(result.sealed, true);
        assert.equal(result.stateSha256, check.state_sha256);
      } else {
        const error = await rejectsWith(promise, codeForGoError(check.errors![0]!));
        if (error.code === "seal-open") {
          const goReason = check.errors![0]!.split("failed to open the sealed hashes: ")[1]!;
          assert.ok(error.message.includes(`: ${goReason}`), error.message);
        }
      }
    });
  }
}

Deno.test("verifySnapshot() names the entry, offset and expectation in its errors", async () => {
  const bad = await rejectsWith(
    verifySnapshot(await readFixture("go-reference/bad-state-bitflip.snap")),
    "hash-mismatch",
  );
  assert.equal(bad.entry, "state.bin");
  assert.equal(bad.layer, "sums");
  assert.equal(bad.expected, "83435f28ef54bc74e4c094b5b68525a115b52644e54c9f0bbf4c5616cee4ff79");
  const extra = await rejectsWith(
    verifySnapshot(await readFixture("go-reference/extra-file.snap")),
    "unexpected-entry",
  );
  assert.equal(extra.entry, "extra.txt");
  assert.equal(extra.offset, 3072);
  const cut = await rejectsWith(
    verifySnapshot(await readFixture("go-reference/truncated-tar.snap")),
    "truncated",
  );
  assert.equal(cut.entry, "state.bin");
  assert.equal(cut.layer, "tar");
  assert.equal(cut.offset, 1546);
  const gzip = await rejectsWith(
    verifySnapshot(await readFixture("go-reference/truncated-gzip.snap")),
    "truncated",
  );
  assert.equal(gzip.layer, "gzip");
  assert.equal(gzip.entry, "state.bin");
  const missing = await rejectsWith(
    verifySnapshot(await readFixture("go-reference/missing-state.snap")),
    "hash-mismatch",
  );
  assert.match(missing.message, /the archive has no "state.bin"/);
  const sums = await rejectsWith(
    verifySnapshot(await readFixture("go-reference/bad-sha-line.snap")),
    "hash-mismatch",
  );
  assert.equal(sums.offset, 1024); // the state.bin entry
});

Deno.test("verifySnapshot() says when the input is an uncompressed tar", async () => {
  const tar = await rejectsWith(
    verifySnapshot(await readFixture("go-reference/plain-tar.snap")),
    "gzip-header",
  );
  assert.match(tar.message, /looks like an uncompressed tar/);
  const text = await rejectsWith(
    verifySnapshot(await readFixture("go-reference/not-gzip.snap")),
    "gzip-header",
  );
  assert.doesNotMatch(text.message, /uncompressed tar/);
});

Deno.test("verifySnapshot() accepts a Blob, a Response, a stream and bytes alike", async () => {
  const bytes = await readFixture("go-reference/small.snap");
  for (const input of [new Blob([bytes]), new Response(bytes), new Blob([bytes]).stream(), bytes]) {
    const result = await verifySnapshot(input);
    assert.equal(result.meta.index, 5n);
  }
});

Deno.test("verifySnapshot()'s checksum is the file's SHA-256 however the bytes arrive", async () => {
  // The checksum hashes gathered 64 KiB pieces: 1-byte, 4 KiB (workerd's body chunks),
  // random and whole inputs must all hash every byte once, in order.
  const manifest = await goManifest();
  for (
    const fixture of manifest.fixtures.filter((f) => f.verify_ok && !f.file.startsWith("sealed"))
  ) {
    const bytes = await readFixture(`go-reference/${fixture.file}`);
    const digest = fixture.file_sha256.match(/../g)!.map((h) => parseInt(h, 16));
    const expected = "sha-256=" + btoa(String.fromCharCode(...digest));
    const sizes: [string, number[] | ((i: number) => number)][] = [
      ["whole", [bytes.length]],
      ["4 KiB", () => 4096],
      ["random", randomSizes(7, 70_000)],
    ];
    if (bytes.length < 20_000) sizes.push(["1-byte", () => 1]);
    for (const [what, size] of sizes) {
      const result = await verifySnapshot(chunked(bytes, size), { checksum: true });
      assert.equal(result.checksum, expected, `${fixture.file}, ${what} chunks`);
    }
  }
});

Deno.test("verifySnapshot() computes Go's Snapshot.Checksum when asked", async () => {
  const bytes = await readFixture("go-reference/small.snap");
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const expected = "sha-256=" + btoa(String.fromCharCode(...digest));
  const result = await verifySnapshot(bytes, { checksum: true });
  assert.equal(result.checksum, expected);
  assert.equal((await verifySnapshot(bytes)).checksum, undefined);
});

Deno.test("verifySnapshot() fails with a SnapshotError when cut at every offset of small.snap", async () => {
  const bytes = await readFixture("go-reference/small.snap");
  const codes = new Map<string, number>();
  for (let cut = 0; cut < bytes.length; cut++) {
    const code = await verdict(verifySnapshot(bytes.slice(0, cut)));
    assert.notEqual(code, "ok", `cut at ${cut} verified`);
    codes.set(code, (codes.get(code) ?? 0) + 1);
  }
  assert.deepEqual(
    [...codes.keys()].sort(),
    ["empty", "gzip-checksum", "truncated"].filter((c) => codes.has(c)).sort(),
  );
});

Deno.test("verifySnapshot() stops with the signal's reason when aborted", async () => {
  const bytes = await readFixture("go-reference/one-mib.snap");
  const controller = new AbortController();
  const reason = new Error("stop");
  let pulls = 0;
  const stream = chunked(bytes, (i) => {
    if (i === 3) controller.abort(reason);
    pulls++;
    return 4096;
  });
  await assert.rejects(verifySnapshot(stream, { signal: controller.signal }), (e) => e === reason);
  assert.ok(pulls < 40, `read ${pulls} chunks after the abort`);
  const aborted = AbortSignal.abort(reason);
  await assert.rejects(verifySnapshot(bytes, { signal: aborted }), (e) => e === reason);
});

Deno.test("SnapshotError carries its code and layer", () => {
  const error = new SnapshotError("hash-mismatch", "x", { layer: "sums", entry: "state.bin" });
  assert.ok(error instanceof Error);
  assert.equal(error.name, "SnapshotError");
  assert.equal(error.message, "Cannot verify the snapshot: x");
});

Deno.test("verifySnapshot() accepts a tar cut inside the padding after its last entry, as Go does", async () => {
  // small.snap's tar: meta.json at 0, state.bin at 1024, SHA256SUMS at 2048 (152 bytes),
  // its padding to 3072, then the two end blocks. Go's tar reader takes a short read of
  // an entry's padding as the end of the archive, and every file is there and hashed.
  const tar = await gunzipBytes(await readFixture("go-reference/small.snap"));
  for (const cut of [2048 + 512 + 152, 2048 + 512 + 153, 3071]) {
    const result = await verifySnapshot(gzipStored(tar.subarray(0, cut)));
    assert.equal(
      result.stateSha256,
      "83435f28ef54bc74e4c094b5b68525a115b52644e54c9f0bbf4c5616cee4ff79",
    );
    assert.equal(result.tarBytes, cut);
  }
  // Cut inside the padding after state.bin, the sums are missing: refused as Go refuses it.
  assert.notEqual(
    await verdict(verifySnapshot(gzipStored(tar.subarray(0, 1024 + 512 + 30)))),
    "ok",
  );
  // Cut inside the end blocks is still a truncated header.
  await rejectsWith(verifySnapshot(gzipStored(tar.subarray(0, 3072 + 100))), "truncated");
});
