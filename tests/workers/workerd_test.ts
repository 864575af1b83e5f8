// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// The library bundle inside workerd (Cloudflare Workers' runtime, through Miniflare): it
// loads, picks crypto.DigestStream (workerd refuses run-time WebAssembly), gives Go's
// verdict on every go-reference fixture, writes and seals, inspects the product fixtures
// as the products do, and decodes with redaction.

import {
  createAesGcmSealer,
  decodeRecords,
  parseSnapshot,
  SnapshotError,
  stringifyDecoded,
  verifySnapshot,
} from "../../mod.ts";
import { assert, codeForGoError, FIXTURES, goManifest, readFixture } from "../_helpers.ts";
import { inspectOutputs, productFile, productFixtures, snapOf } from "../_products.ts";
import { libraryBundle, startWorker } from "./_workerd.ts";
import { caseArchives, HEADER_CASES, smallTar, TRAILING_CASES } from "../_gzip_headers.ts";

const HARNESS = new URL("./_harness_worker.mjs", import.meta.url).pathname;

Deno.test({
  name: "workerd runs the library bundle: verdicts, round trip, inspect, decode",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const mf = await startWorker(HARNESS);
    const call = async (path: string, body?: Uint8Array) => {
      const response = await mf.dispatchFetch(`http://worker${path}`, {
        method: body ? "POST" : "GET",
        body,
      });
      const text = await response.text();
      assert.equal(response.status, 200, `${path}: ${text}`);
      return text;
    };
    try {
      await t.step("it loads, and hashes with DigestStream, not WebAssembly", async () => {
        const runtime = JSON.parse(await call("/runtime"));
        assert.equal(runtime.digestStream, "function");
        assert.match(runtime.wasm, /disallowed/, "workerd refuses run-time WebAssembly");
        assert.equal(runtime.workerUrl, "undefined");
        assert.equal(
          runtime.abc,
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        );
      });

      await t.step(
        "every gzip header case gets Go's verdict (tests/_gzip_headers.ts)",
        async () => {
          const tar = await smallTar();
          for (const c of HEADER_CASES) {
            for (const { where, bytes, go } of await caseArchives(c, tar)) {
              const got = JSON.parse(await call("/verify", bytes));
              assert.equal(got.verdict, go, `${where}: ${c.name}`);
            }
          }
        },
      );

      await t.step(
        "bytes after the last member get Go's verdict (tests/_gzip_headers.ts: gunzip.go L175, L185-186)",
        async () => {
          const small = await readFixture("go-reference/small.snap");
          for (const c of TRAILING_CASES) {
            const got = JSON.parse(await call("/verify", new Uint8Array([...small, ...c.tail])));
            assert.equal(got.verdict, c.go, c.name);
          }
        },
      );

      await t.step("every go-reference fixture gets Go's verdict", async () => {
        const manifest = await goManifest();
        for (const fixture of manifest.fixtures) {
          const go = fixture.checks.find((c) => c.function === "snapshot.Verify")!;
          const expected = go.ok ? "ok" : codeForGoError(go.errors![0]!);
          const bytes = await readFixture(`go-reference/${fixture.file}`);
          const got = JSON.parse(await call("/verify", bytes));
          assert.equal(got.verdict, expected, fixture.file);
          if (got.verdict === "ok") {
            // And the same result as Deno's.
            const deno = await verifySnapshot(bytes, { checksum: true });
            assert.equal(got.stateSha256, deno.stateSha256, fixture.file);
            assert.equal(got.checksum, deno.checksum, fixture.file);
            assert.equal(got.index, String(deno.meta.index), fixture.file);
          }
        }
        const sealed = await readFixture("go-reference/sealed.snap");
        const right = JSON.parse(await call(`/verify?key=${manifest.seal_key_hex}`, sealed));
        assert.equal(right.verdict, "ok");
        assert.equal(right.sealVerified, true);
        const wrong = JSON.parse(await call(`/verify?key=${manifest.wrong_key_hex}`, sealed));
        assert.equal(wrong.verdict, "seal-open");
      });

      await t.step("a sealed archive written in workerd verifies there", async () => {
        const got = JSON.parse(await call("/round-trip"));
        assert.equal(got.id, "workerd");
        assert.equal(got.index, "9");
        assert.equal(got.sealVerified, true);
        assert.equal(got.stateSha256, got.expectedStateSha256);
      });

      await t.step("inspect of the product fixtures equals their expected outputs", async () => {
        let compared = 0;
        for (const fixture of await productFixtures()) {
          const snap = await productFile(snapOf(fixture));
          for (const { file, command } of inspectOutputs(fixture)) {
            const params = new URLSearchParams({
              product: command.product,
              format: command.format,
              details: String(command.details),
              depth: String(command.depth),
              filter: command.filter,
            });
            const got = await call(`/inspect?${params}`, snap);
            const expected = new TextDecoder().decode(await productFile(file));
            assert.equal(got + "\n", expected, `${fixture.fixture}: ${file}`);
            compared++;
          }
        }
        assert.ok(compared >= 10, `only ${compared} outputs compared`);
      });

      await t.step("decode redacts secrets, as in Deno", async () => {
        const consul = (await productFixtures()).find((f) => f.fixture === "consul-small")!;
        const snap = await productFile(snapOf(consul));
        const redacted = await call("/decode", snap);
        const parsed = parseSnapshot(snap);
        const lines: string[] = [];
        for await (const record of decodeRecords(parsed.state)) {
          lines.push(`${record.type}\t${stringifyDecoded(record.value)}`);
        }
        await parsed.result;
        assert.equal(redacted, lines.join("\n"));
        assert.match(redacted, /\[redacted: \d+ bytes?\]/);
        const secrets = consul.secrets_never_shown_when_redacted ?? [];
        assert.ok(secrets.length > 0);
        const open = await call("/decode?redact=false", snap);
        for (const secret of secrets) {
          const form = JSON.stringify(secret).slice(1, 41);
          assert.ok(!redacted.includes(form), "a secret shows in redacted output");
          assert.ok(open.includes(form), "the secret is in the unredacted output");
        }
      });

      await t.step("nothing called WebAssembly.compile or instantiate", async () => {
        assert.deepEqual(JSON.parse(await call("/code-generation")), { calls: 0 });
      });
    } finally {
      await mf.dispose();
    }
  },
});

Deno.test("the library bundle has no eval or new Function", async () => {
  const code = await Deno.readTextFile(await libraryBundle());
  assert.doesNotMatch(code, /\bnew Function\b|\beval\(/);
});

// Deno's own verdict on the sealed fixture with the wrong key, the code the worker must give.
Deno.test("the wrong key is seal-open in Deno too", async () => {
  const manifest = await goManifest();
  const sealer = await createAesGcmSealer(manifest.wrong_key_hex!);
  const bytes = await Deno.readFile(new URL("go-reference/sealed.snap", FIXTURES));
  const error = await verifySnapshot(bytes, { sealer }).catch((e) => e);
  assert.ok(error instanceof SnapshotError && error.code === "seal-open");
});
