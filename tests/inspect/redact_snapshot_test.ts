// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// redactSnapshot against every product fixture: OUT verifies, keeps IN's metadata and
// records, decodes as IN does with only the redacted fields differing, holds none of the
// manifest's secrets in any form, in any chunking; a bad IN gives no OUT.

import {
  createAesGcmSealer,
  type DecodedValue,
  decodeRecords,
  inspectSnapshot,
  parseSnapshot,
  type RedactOptions,
  redactSnapshot,
  stringifyDecoded,
  verifySnapshot,
  writeSnapshotTar,
} from "../../mod.ts";
import {
  assert,
  chunked,
  collect,
  gunzipBytes,
  gzipBytes,
  randomSizes,
  rejectsWith,
} from "../_helpers.ts";
import { metaOf, productFile, productFixtures, snapOf, stateOf } from "../_products.ts";

const fixtures = await productFixtures();
const SEAL_KEY = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const sealer = await createAesGcmSealer(SEAL_KEY);
const encoder = new TextEncoder();

/** The sealer a fixture's archive needs: vault-small is sealed with the test key. */
function optionsFor(name: string): RedactOptions {
  return name === "vault-small" ? { sealer } : {};
}

async function decoded(snap: Uint8Array, redact: boolean): Promise<DecodedValue[]> {
  const parsed = parseSnapshot(snap);
  const values = (await Array.fromAsync(decodeRecords(parsed.state, { redact }))).map((r) =>
    r.value
  );
  await parsed.result;
  return values;
}

/**
 * Walks IN's redacted decode beside OUT's unredacted one: where IN shows a marker, OUT
 * holds '*' of that length (as text, or base64 for a byte field); elsewhere they agree.
 */
function compareRedacted(inRedacted: DecodedValue, out: DecodedValue, path: string): number {
  if (typeof inRedacted === "string") {
    const marker = /^\[redacted: (\d+) bytes?\]$/.exec(inRedacted);
    if (marker) {
      const stars = "*".repeat(Number(marker[1]));
      assert.ok(out === stars || out === btoa(stars), `${path}: ${String(out).slice(0, 40)}`);
      return 1;
    }
  }
  if (inRedacted !== null && typeof inRedacted === "object") {
    assert.equal(typeof out, "object", path);
    let n = 0;
    for (const [key, value] of Object.entries(inRedacted)) {
      n += compareRedacted(value, (out as Record<string, DecodedValue>)[key]!, `${path}.${key}`);
    }
    assert.equal(Object.keys(out as object).length, Object.keys(inRedacted).length, path);
    return n;
  }
  assert.equal(stringifyDecoded(out), stringifyDecoded(inRedacted), path);
  return 0;
}

/** Every form of a secret that must not appear: raw text, its base64 bytes, hex. */
function forms(secret: string): Uint8Array[] {
  const text = encoder.encode(secret);
  const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0"));
  const out = [
    text,
    encoder.encode(btoa(String.fromCharCode(...text))),
    encoder.encode(hex(text).join("")),
  ];
  if (/^[A-Za-z0-9+/]+=*$/.test(secret) && secret.length % 4 === 0) {
    const bytes = Uint8Array.from(atob(secret), (c) => c.charCodeAt(0));
    out.push(
      bytes,
      encoder.encode(hex(bytes).join("")),
      encoder.encode(hex(bytes).join("").toUpperCase()),
    );
  }
  return out;
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  const first = needle[0];
  for (
    let i = haystack.indexOf(first!);
    i >= 0 && i <= haystack.length - needle.length;
    i = haystack.indexOf(first!, i + 1)
  ) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return true;
  }
  return false;
}

for (const fixture of fixtures) {
  if (fixture.fixture === "vault-sealed-envelope") continue; // sealed by an unknown key: below
  Deno.test(`redactSnapshot(${fixture.fixture}) keeps the records and drops every secret`, async () => {
    const snap = await productFile(snapOf(fixture));
    const options = { ...optionsFor(fixture.fixture), modTime: new Date("2026-01-01T00:00:00Z") };
    const out = await collect(redactSnapshot(snap, options));

    // A valid snapshot: IN's metadata, IN's records by type.
    const verified = await verifySnapshot(out, { sealer: options.sealer });
    assert.deepEqual(verified.meta, await metaOf(snapOf(fixture)));
    assert.equal(verified.sealed, options.sealer !== undefined);
    assert.equal(verified.sealVerified, options.sealer !== undefined);
    const [before, after] = [await inspectSnapshot(snap), await inspectSnapshot(out)];
    assert.deepEqual(
      after.types.map((t) => [t.name, t.count, t.bytes]),
      before.types.map((t) => [t.name, t.count, t.bytes]),
    );
    assert.deepEqual(after.keys, before.keys);

    // Decoded: redacted, the same; unredacted, IN's except where IN shows a marker.
    const inRedacted = await decoded(snap, true);
    assert.deepEqual(await decoded(out, true), inRedacted);
    const outOpen = await decoded(out, false);
    let markers = 0;
    inRedacted.forEach((value, i) => markers += compareRedacted(value, outOpen[i]!, `#${i + 1}`));
    if (fixture.product !== "nomad") assert.ok(markers > 0, "something was redacted");

    // The same state whatever the input's chunking.
    const state = await stateOf(snapOf(fixture));
    const outState = await (async () => {
      const parsed = parseSnapshot(out);
      return await collect(parsed.state);
    })();
    assert.equal(outState.length, state.length);
    for (const sizes of [[1], randomSizes(11, 3000)]) {
      const again = await collect(redactSnapshot(chunked(snap, sizes), options));
      assert.deepEqual(
        await collect(parseSnapshot(again, { sealer: options.sealer }).state),
        outState,
      );
    }

    // No secret of the manifest in OUT's bytes, in any form; they are in IN's.
    const secrets = fixture.secrets_never_shown_when_redacted ?? [];
    const inTar = await gunzipBytes(snap);
    const outTar = await gunzipBytes(out);
    for (const secret of secrets) {
      assert.ok(forms(secret).some((form) => contains(inTar, form)), "IN holds the secret");
      for (const form of forms(secret)) {
        assert.ok(!contains(outTar, form), `OUT holds ${secret.slice(0, 30)}`);
        assert.ok(!contains(out, form));
      }
    }
  });
}

Deno.test("redactSnapshot: the manifest lists secrets to look for", () => {
  const listed = fixtures.reduce(
    (n, f) => n + (f.secrets_never_shown_when_redacted?.length ?? 0),
    0,
  );
  assert.ok(listed > 3);
});

Deno.test("redactSnapshot: a sealed snapshot without a sealer fails naming the problem", async () => {
  for (const name of ["vault-small.snap", "vault-sealed-envelope.snap"]) {
    const error = await rejectsWith(
      collect(redactSnapshot(await productFile(name))),
      "sealer-required",
    );
    assert.match(error.message, /sealed/);
  }
  // With a key that does not open it, the seal itself fails.
  await rejectsWith(
    collect(redactSnapshot(await productFile("vault-sealed-envelope.snap"), { sealer })),
    "seal-open",
  );
});

Deno.test("redactSnapshot: dropSealedSums redacts a sealed Vault snapshot without its sealer; OUT has no sealed sums and verifies", async () => {
  for (const name of ["vault-small.snap", "vault-sealed-envelope.snap"]) {
    const input = await productFile(name);
    assert.ok((await verifySnapshot(input)).sealed, `${name} is sealed`);
    for (const sizes of [undefined, [1], randomSizes(7)]) {
      const source = sizes ? chunked(input, sizes) : input;
      const out = await collect(redactSnapshot(source, { dropSealedSums: true }));
      const verified = await verifySnapshot(out);
      assert.equal(verified.sealed, false, name);
      assert.deepEqual(
        verified.entries.map((e) => e.name),
        ["meta.json", "state.bin", "SHA256SUMS"],
        name,
      );
      // The same metadata and records as IN, the secrets gone.
      assert.deepEqual(verified.meta, (await verifySnapshot(input)).meta, name);
      const records = await decoded(out, false);
      assert.deepEqual(records.length, (await decoded(input, false)).length, name);
    }
  }
});

Deno.test("redactSnapshot: with a sealer, dropSealedSums changes nothing: OUT stays sealed", async () => {
  const out = await collect(
    redactSnapshot(await productFile("vault-small.snap"), { sealer, dropSealedSums: true }),
  );
  const verified = await verifySnapshot(out, { sealer });
  assert.equal(verified.sealed, true);
  assert.equal(verified.sealVerified, true);
  // And without the option, a sealed IN with no sealer is still refused (above).
  await rejectsWith(
    collect(redactSnapshot(await productFile("vault-small.snap"), { dropSealedSums: false })),
    "sealer-required",
  );
});

Deno.test("redactSnapshot: a bad archive errors the output instead of ending it", async () => {
  const snap = await productFile("consul-small.snap");
  // Cut inside state.bin: the gzip stream ends early.
  await rejectsWith(
    collect(redactSnapshot(snap.slice(0, Math.floor(snap.length / 2)))),
    "truncated",
  );
  // A state byte changed after the sums were written: the hash check at the end fails,
  // after every record was redacted and handed on.
  const meta = await metaOf("consul-small.snap");
  const state = await stateOf("consul-small.snap");
  const tar = await collect(writeSnapshotTar(meta, state));
  const at = tar.indexOf(0x81, 1024); // somewhere in state.bin (after the meta.json block)
  tar[at + 3] = tar[at + 3]! ^ 0x01;
  await rejectsWith(collect(redactSnapshot(await gzipBytes(tar))), "hash-mismatch");
});

Deno.test("redactSnapshot: a state no product writes is refused", async () => {
  const state = encoder.encode("plain text is not a raft state, whatever its length is here");
  const { writeSnapshot } = await import("../../mod.ts");
  const snap = await collect(writeSnapshot({ index: 1, term: 1, size: state.length }, state));
  await rejectsWith(collect(redactSnapshot(snap)), "record-invalid");
});
