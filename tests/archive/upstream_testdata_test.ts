// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// The Go snapshot package's own archive test data (uncompressed tars, as Nomad, Consul and
// OpenBao ship them), gzipped here, against both of Go's verdicts.

import { SnapshotError, type SnapshotErrorCode, verifySnapshot } from "../../mod.ts";
import {
  assert,
  codeForGoError,
  GO_ERROR_CODES,
  gzipBytes,
  hex,
  readFixture,
  rejectsWith,
  verdict,
} from "../_helpers.ts";

interface UpstreamFixture {
  file: string;
  sha256: string;
  size: number;
  "go_read_ok": boolean;
  "go_read_error_contains": string | null;
  "go_verify_of_gzipped_ok": boolean;
  "go_verify_of_gzipped_error"?: string;
}

const manifest: { fixtures: UpstreamFixture[] } = JSON.parse(
  new TextDecoder().decode(await readFixture("upstream-testdata/manifest.json")),
);

/**
 * The codes a fragment of a Go error text allows. Go's read() tests assert substrings
 * only, some shorter than the texts in the shared table ("file missing"), or the
 * wrapper alone ("failed checking integrity of snapshot", which wraps every sums check).
 */
function codesForGoFragment(fragment: string): SnapshotErrorCode[] {
  try {
    return [codeForGoError(fragment)];
  } catch {
    if (fragment === "failed checking integrity of snapshot") {
      return ["sums-invalid", "sums-unknown-file", "hash-mismatch", "file-missing"];
    }
    const codes = GO_ERROR_CODES.filter(([needle]) => needle.includes(fragment)).map(([, c]) => c);
    if (codes.length === 0) throw new Error(`no code for Go fragment ${JSON.stringify(fragment)}`);
    return codes;
  }
}

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
}

/** A minimal tar walker: each entry's name and data, and where the end-of-archive blocks end. */
function walkTar(tar: Uint8Array<ArrayBuffer>): {
  entries: Map<string, Uint8Array<ArrayBuffer>>;
  end: number;
} {
  const entries = new Map<string, Uint8Array<ArrayBuffer>>();
  const isZero = (at: number) => tar.subarray(at, at + 512).every((b) => b === 0);
  let pos = 0;
  while (pos + 512 <= tar.length) {
    if (isZero(pos)) {
      assert.ok(isZero(pos + 512), `a lone zero block at ${pos}`);
      return { entries, end: pos + 1024 };
    }
    const header = tar.subarray(pos, pos + 512);
    const nameBytes = header.subarray(0, 100);
    const nul = nameBytes.indexOf(0);
    const name = new TextDecoder().decode(nul === -1 ? nameBytes : nameBytes.subarray(0, nul));
    const sizeText = new TextDecoder().decode(header.subarray(124, 136)).replace(/[\0 ]+$/, "");
    const size = parseInt(sizeText, 8);
    entries.set(name, tar.slice(pos + 512, pos + 512 + size));
    pos += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error("the tar has no end-of-archive blocks");
}

for (const fixture of manifest.fixtures) {
  Deno.test(`verifySnapshot() gives Go Verify's verdict for gzipped upstream ${fixture.file}`, async () => {
    const tar = await readFixture(`upstream-testdata/${fixture.file}`);
    assert.equal(tar.length, fixture.size);
    assert.equal(await sha256Hex(tar), fixture.sha256);
    const gzipped = await gzipBytes(tar);
    if (fixture.go_verify_of_gzipped_ok) {
      await verifySnapshot(gzipped);
    } else {
      const expected = codeForGoError(fixture.go_verify_of_gzipped_error!);
      const error = await rejectsWith(verifySnapshot(gzipped), expected);
      assert.match(error.message, /^Cannot verify the snapshot: /);
    }
  });

  Deno.test(`verifySnapshot() with allowZeroPadding gives Go read()'s verdict for upstream ${fixture.file}`, async () => {
    const gzipped = await gzipBytes(await readFixture(`upstream-testdata/${fixture.file}`));
    const got = await verdict(verifySnapshot(gzipped, { allowZeroPadding: true }));
    if (fixture.go_read_ok) {
      assert.equal(got, "ok");
    } else {
      assert.notEqual(got, "ok");
      if (fixture.go_read_error_contains !== null) {
        const allowed = codesForGoFragment(fixture.go_read_error_contains);
        assert.ok(allowed.includes(got as SnapshotErrorCode), `${got} not in ${allowed}`);
      }
      // Padding tolerance changes nothing for an archive without padding.
      assert.equal(await verdict(verifySnapshot(gzipped)), got);
    }
  });
}

Deno.test("verifySnapshot() rejects spaces-meta.tar's GNU tar zero padding and says why", async () => {
  const gzipped = await gzipBytes(await readFixture("upstream-testdata/spaces-meta.tar"));
  const error = await rejectsWith(verifySnapshot(gzipped), "trailing-data");
  assert.equal(error.layer, "tar");
  for (const words of ["zero padding", "GNU tar", "allowZeroPadding", "1536"]) {
    assert.ok(error.message.includes(words), `"${words}" missing from: ${error.message}`);
  }
  assert.match(error.message, /Consul/);
  assert.match(error.message, /Vault/);
  assert.match(error.message, /Nomad/);
  assert.equal(error.offset, 10240 - 1536);
});

Deno.test("verifySnapshot() with allowZeroPadding verifies spaces-meta.tar and hashes its state", async () => {
  const tar = await readFixture("upstream-testdata/spaces-meta.tar");
  const { entries, end } = walkTar(tar);
  const state = entries.get("state.bin")!;
  assert.equal(state.length, 4518);
  assert.equal(end, 10240 - 1536);
  const result = await verifySnapshot(await gzipBytes(tar), { allowZeroPadding: true });
  assert.equal(result.stateSha256, await sha256Hex(state));
  assert.equal(result.stateSize, state.length);
  assert.equal(result.zeroPadding, 1536);
  assert.equal(result.tarBytes, 10240);
  assert.equal(result.meta.index, 10n);
  assert.equal(result.meta.term, 2n);
  assert.equal(result.meta.size, 4518n);
  assert.equal(result.meta.id, "2-10-1546615723344");
  assert.deepEqual(result.entries.map((e) => e.name), ["meta.json", "SHA256SUMS", "state.bin"]);
  const meta = result.entries.find((e) => e.name === "meta.json")!;
  assert.deepEqual(meta.content, entries.get("meta.json"));
});

Deno.test("verifySnapshot() rejects a non-zero byte in the padding even with allowZeroPadding", async () => {
  const tar = await readFixture("upstream-testdata/spaces-meta.tar");
  const { end } = walkTar(tar);
  for (const at of [end, end + 700, tar.length - 1]) {
    const edited = tar.slice();
    edited[at] = 0x01;
    const gzipped = await gzipBytes(edited);
    const error = await rejectsWith(
      verifySnapshot(gzipped, { allowZeroPadding: true }),
      "trailing-data",
    );
    assert.ok(error instanceof SnapshotError);
    assert.equal(error.offset, end);
    assert.ok(!error.message.includes("zero padding"), error.message);
    await rejectsWith(verifySnapshot(gzipped), "trailing-data");
  }
});
