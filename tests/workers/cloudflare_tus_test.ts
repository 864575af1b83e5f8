// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Resumable uploads (tus 1.0.0) through examples/cloudflare-worker in workerd, as
// `wrangler dev` runs it (Miniflare, R2 and the Durable Objects persisted to a folder),
// with tus-js-client 4.3.1 under Node as the uploader: chunk sizes from 64 KiB to 95 MB;
// the upload's Durable Object evicted, and the whole runtime restarted, between PATCHes
// (the verifier is rebuilt by replaying the staged parts); connections cut mid-PATCH;
// every go-reference fixture sent in small chunks gets the verdict the single-request
// handler gives it; only good archives become visible; no multipart upload stays open
// after any failure; the expiry alarm deletes an abandoned upload; the open uploads per
// token are bounded.

import { assert, goManifest, readFixture } from "../_helpers.ts";
import { goFixture } from "../_cli_helpers.ts";
import {
  archiveOf,
  eventually,
  expectObject,
  type LocalBucket,
  openMultipartUploads,
  stallingBody,
} from "./_r2.ts";
import { type Example, startExample } from "./_example.ts";
import { type TusRun, tusUpload } from "./_tus.ts";

const TOKEN = "test-upload-token";
const MIB = 1024 * 1024;

interface Outcome {
  status: number;
  code: string | undefined;
  key: string | undefined;
}

function outcomeOf(status: number, body: string): Outcome {
  let json: { key?: string; error?: { code?: string } } = {};
  try {
    json = JSON.parse(body);
  } catch {
    // not JSON: compared by status alone
  }
  return { status, code: json.error?.code, key: json.key };
}

/** The single-request handler's verdict on `bytes` (a PUT to the example's root). */
async function single(example: Example, bytes: Uint8Array): Promise<Outcome> {
  const response = await fetch(example.url, {
    method: "PUT",
    body: bytes as BodyInit,
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  const outcome = outcomeOf(response.status, await response.text());
  // The single request answers 201 where the tus PATCH that completes answers 200.
  return { ...outcome, status: outcome.status === 201 ? 200 : outcome.status };
}

function tusOutcome(run: TusRun): Outcome {
  return outcomeOf(run.status, run.body);
}

async function writeTemp(dir: string, name: string, bytes: Uint8Array): Promise<string> {
  const path = `${dir}/${name}`;
  await Deno.writeFile(path, bytes);
  return path;
}

/**
 * tus-js-client's retries, for the uploads that must succeed (a real client has them):
 * workerd sometimes resets a kept-alive connection between two PATCHes on a loaded
 * machine (ECONNRESET on the next PATCH, seen in the cut step), and the client then asks
 * HEAD and resumes, as tus means it to. A server error would show in the statuses (no
 * 5xx is allowed there), so the retries hide only the transport's resets.
 */
const RETRIES = [0, 500, 1500];

const TUS_HEADERS = { authorization: `Bearer ${TOKEN}`, "tus-resumable": "1.0.0" };

const idOf = (url: string) => new URL(url).pathname.split("/").pop()!;

async function head(url: string): Promise<Response> {
  const response = await fetch(url, {
    method: "HEAD",
    headers: TUS_HEADERS,
  });
  await response.body?.cancel();
  return response;
}

Deno.test({
  name: "the Cloudflare Worker example takes resumable uploads from tus-js-client",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    // 5 MiB parts (R2's least), so a few MiB of archive make several parts.
    const example = await startExample({
      UPLOAD_TOKEN: TOKEN,
      PART_SIZE: String(5 * MIB),
      MAX_BYTES: String(200 * MIB),
    });
    const files = await Deno.makeTempDir({ prefix: "raftsnap-tus-files-" });
    const bucket = async () =>
      (await example.mf.getR2Bucket(example.config.binding)) as unknown as LocalBucket;
    const prefix = example.config.vars.PREFIX ?? "";
    const endpoint = () => `${example.url}uploads/`;
    const stored = new Set<string>();
    const nothingLeft = async (what: string) => {
      const keys = (await (await bucket()).list()).objects.map((o) => o.key).sort();
      assert.deepEqual(keys, [...stored].sort(), `${what}: objects`);
      assert.ok(
        await eventually(async () => await openMultipartUploads(example.persist) === 0),
        `${what}: a multipart upload is still open`,
      );
    };
    const expectStored = async (run: TusRun, archive: Uint8Array, what: string) => {
      assert.equal(run.outcome, "success", `${what}: ${JSON.stringify(run)}`);
      assert.equal(run.status, 200, what);
      assert.ok(run.statuses.every((s) => s < 500), `${what}: ${JSON.stringify(run.statuses)}`);
      const key = await expectObject(await bucket(), prefix, archive);
      assert.equal(prefix + JSON.parse(run.body).key, key, what);
      stored.add(key);
      await nothingLeft(what);
      // After the end: HEAD says it is complete, GET repeats the stored JSON.
      const after = await head(run.url!);
      assert.equal(after.status, 200);
      assert.equal(after.headers.get("upload-offset"), String(archive.length));
    };

    try {
      await t.step("64 KiB PATCHes: stored byte-identical with its metadata", async () => {
        const archive = await archiveOf(1.5 * MIB, "tus-64k");
        const file = await writeTemp(files, "64k.snap", archive);
        const run = await tusUpload({
          endpoint: endpoint(),
          file,
          token: TOKEN,
          chunkSize: 64 * 1024,
          retryDelays: RETRIES,
        });
        // 1.5 MiB and the archive's few hundred bytes of headers: 25 PATCHes.
        assert.equal(run.statuses.length, 26, JSON.stringify(run.statuses));
        await expectStored(run, archive, "64 KiB");
      });

      await t.step("the Durable Object evicted after every PATCH: rebuilt by replay", async () => {
        const archive = await archiveOf(12 * MIB, "tus-evicted");
        const file = await writeTemp(files, "evicted.snap", archive);
        let evictions = 0;
        const run = await tusUpload({
          endpoint: endpoint(),
          file,
          token: TOKEN,
          chunkSize: 3 * MIB + 12345, // PATCHes that end inside a part and across one
          retryDelays: RETRIES,
          between: async ({ url }) => {
            await example.evict(idOf(url));
            evictions++;
          },
        });
        assert.equal(evictions, 4); // after the POST and the first three PATCHes
        await expectStored(run, archive, "evicted");
      });

      await t.step(
        "workerd restarted between PATCHes (a deploy): the upload carries on",
        async () => {
          const archive = await archiveOf(11 * MIB, "tus-restarted");
          const file = await writeTemp(files, "restarted.snap", archive);
          let restarts = 0;
          const run = await tusUpload({
            endpoint: endpoint(),
            file,
            token: TOKEN,
            chunkSize: 4 * MIB,
            retryDelays: RETRIES,
            between: async ({ n }) => {
              if (n === 1) return; // after the POST
              await example.restart();
              restarts++;
            },
          });
          assert.equal(restarts, 2);
          await expectStored(run, archive, "restarted");
        },
      );

      await t.step(
        "a connection cut mid-PATCH: what arrived is staged, tus-js-client resumes",
        async () => {
          const archive = await archiveOf(12 * MIB, "tus-cut");
          const file = await writeTemp(files, "cut.snap", archive);
          const created = await fetch(endpoint(), {
            method: "POST",
            headers: {
              ...TUS_HEADERS,
              "upload-length": String(archive.length),
            },
          });
          await created.body?.cancel();
          assert.equal(created.status, 201);
          const url = new URL(created.headers.get("location")!, example.url).href;
          const gone = new AbortController();
          const patching = fetch(url, {
            method: "PATCH",
            headers: {
              ...TUS_HEADERS,
              "content-type": "application/offset+octet-stream",
              "upload-offset": "0",
            },
            body: stallingBody(archive.subarray(0, 7 * MIB), gone.signal),
            signal: gone.signal,
            duplex: "half",
          } as RequestInit);
          // Once the first part is in R2 (a readable object; no multipart upload before the
          // commit), the connection is cut.
          assert.ok(
            await eventually(async () =>
              (await (await bucket()).list()).objects.some((o) => o.key.endsWith("/part-00001"))
            ),
          );
          assert.equal(await openMultipartUploads(example.persist), 0);
          gone.abort();
          await patching.then((r) => r.body?.cancel(), () => {});
          let offset = 0;
          assert.ok(
            await eventually(async () => {
              const response = await head(url);
              offset = Number(response.headers.get("upload-offset"));
              return response.status === 200 && offset >= 5 * MIB;
            }),
            `the offset after the cut: ${offset}`,
          );
          assert.ok(offset <= 7 * MIB, `${offset}`);
          const run = await tusUpload({
            endpoint: endpoint(),
            file,
            token: TOKEN,
            uploadUrl: url,
            chunkSize: 2 * MIB,
            retryDelays: RETRIES,
          });
          assert.equal(
            run.offsets[0],
            Math.min(offset + 2 * MIB, archive.length),
            "resumed where it was cut",
          );
          await expectStored(run, archive, "cut");
        },
      );

      await t.step("95 MB PATCHes: a 100 MB archive in two", async () => {
        const archive = await archiveOf(100_000_000, "tus-95m");
        const file = await writeTemp(files, "95m.snap", archive);
        const run = await tusUpload({
          endpoint: endpoint(),
          file,
          token: TOKEN,
          chunkSize: 95_000_000,
          retryDelays: RETRIES,
        });
        // (workerd sometimes resets the kept-alive connection after a long PATCH; the client
        // then asks HEAD and resumes, as it is configured to.)
        assert.equal(run.statuses.at(-1), 200, JSON.stringify(run.statuses));
        assert.ok(run.statuses.includes(204), JSON.stringify(run.statuses));
        await expectStored(run, archive, "95 MB");
        await Deno.remove(file);
      });

      await t.step(
        "a bad archive is refused by the PATCH that reveals it, as one request is",
        async () => {
          const bad = (await archiveOf(12 * MIB, "tus-bad")).slice();
          bad[bad.length - 4096]! ^= 1;
          const file = await writeTemp(files, "bad.snap", bad);
          const run = await tusUpload({ endpoint: endpoint(), file, token: TOKEN, chunkSize: MIB });
          assert.equal(run.outcome, "error");
          assert.deepEqual(tusOutcome(run), await single(example, bad));
          assert.equal(tusOutcome(run).status, 400);
          await nothingLeft("bad archive");
          assert.equal((await head(run.url!)).status, 410);
        },
      );

      await t.step("a terminated upload (DELETE) leaves nothing", async () => {
        const archive = await archiveOf(12 * MIB, "tus-deleted");
        const file = await writeTemp(files, "deleted.snap", archive);
        let url = "";
        await tusUpload({
          endpoint: endpoint(),
          file,
          token: TOKEN,
          chunkSize: 6 * MIB,
          between: async (step) => {
            url = step.url;
            if (step.n < 2) return;
            assert.equal(await openMultipartUploads(example.persist), 0);
            assert.ok(
              (await (await bucket()).list()).objects.some((o) => o.key.endsWith("/part-00001")),
              "the first part staged",
            );
            const response = await fetch(url, { method: "DELETE", headers: TUS_HEADERS });
            await response.body?.cancel();
            assert.equal(response.status, 204);
          },
        });
        await nothingLeft("terminated");
        assert.equal((await head(url)).status, 404);
      });

      await t.step(
        "every go-reference fixture in small PATCHes: the single request's verdict",
        async () => {
          const manifest = await goManifest();
          for (const fixture of manifest.fixtures) {
            const bytes = await readFixture(`go-reference/${fixture.file}`);
            const expected = await single(example, bytes);
            const run = await tusUpload({
              endpoint: endpoint(),
              file: goFixture(fixture.file),
              token: TOKEN,
              chunkSize: bytes.length > 64 * 1024 ? 128 * 1024 : 200,
            });
            assert.deepEqual(tusOutcome(run), expected, `${fixture.file}: ${JSON.stringify(run)}`);
            assert.equal(run.outcome === "success", expected.status === 200, fixture.file);
            if (expected.key) stored.add(prefix + expected.key);
          }
          // Only the good archives are in the bucket.
          await nothingLeft("fixtures");
        },
      );
    } finally {
      await example.dispose();
      await Deno.remove(files, { recursive: true });
    }
  },
});

Deno.test({
  name: "the Cloudflare Worker example expires abandoned uploads by alarm, bounds them per token",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    // Uploads expire 8 s after their last PATCH (long enough for a loaded machine to look
    // at what the PATCH staged); two open per token.
    const example = await startExample({
      UPLOAD_TOKEN: TOKEN,
      PART_SIZE: String(5 * MIB),
      EXPIRES_AFTER_MS: "8000",
      MAX_OPEN_UPLOADS: "2",
    });
    const bucket = async () =>
      (await example.mf.getR2Bucket(example.config.binding)) as unknown as LocalBucket;
    const endpoint = `${example.url}uploads/`;
    const create = (length: number) =>
      fetch(endpoint, {
        method: "POST",
        headers: { ...TUS_HEADERS, "upload-length": String(length) },
      });
    try {
      const archive = await archiveOf(12 * MIB, "tus-abandoned");
      let url = "";
      await t.step("an abandoned upload: its alarm deletes what is staged", async () => {
        const created = await create(archive.length);
        await created.body?.cancel();
        assert.equal(created.status, 201);
        assert.ok(created.headers.get("upload-expires"));
        url = new URL(created.headers.get("location")!, example.url).href;
        const patch = await fetch(url, {
          method: "PATCH",
          headers: {
            ...TUS_HEADERS,
            "content-type": "application/offset+octet-stream",
            "upload-offset": "0",
          },
          body: archive.subarray(0, 6 * MIB) as BodyInit,
        });
        await patch.body?.cancel();
        assert.equal(patch.status, 204);
        assert.equal(await openMultipartUploads(example.persist), 0);
        assert.ok(
          (await (await bucket()).list()).objects.some((o) => o.key.endsWith("/part-00001")),
          "parts staged",
        );
        // No request comes: the alarm alone ends it.
        assert.ok(
          await eventually(
            async () => (await (await bucket()).list()).objects.length === 0,
            30_000,
          ),
          "staged objects remain",
        );
        assert.ok(
          await eventually(async () => await openMultipartUploads(example.persist) === 0),
          "a multipart upload is still open",
        );
        assert.equal((await head(url)).status, 404);
      });

      await t.step("at most MAX_OPEN_UPLOADS per token: one more POST gets 429", async () => {
        const first = await create(1000);
        const second = await create(1000);
        const third = await create(1000);
        for (const r of [first, second]) {
          await r.body?.cancel();
          assert.equal(r.status, 201);
        }
        assert.equal(third.status, 429);
        assert.equal((await third.json()).error.code, "too-many-uploads");
        // Terminating one frees its place.
        const gone = await fetch(new URL(first.headers.get("location")!, example.url), {
          method: "DELETE",
          headers: TUS_HEADERS,
        });
        await gone.body?.cancel();
        assert.equal(gone.status, 204);
        const again = await create(1000);
        await again.body?.cancel();
        assert.equal(again.status, 201);
        // And expiry frees the others.
        assert.ok(
          await eventually(async () => {
            const r = await create(1000);
            await r.body?.cancel();
            return r.status === 201;
          }, 30_000),
        );
      });
    } finally {
      await example.dispose();
    }
  },
});
