// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// `serve:edge --store s3://BUCKET/PREFIX` with resumable uploads (tus at /uploads/),
// staged in S3 multipart (Miniflare's S3 API on loopback), run as a user runs it, with
// tus-js-client under Node as the uploader: the server is stopped and started again
// between two PATCHes and the upload carries on (the verifier rebuilt from the staged
// parts); a bad archive is refused by the PATCH that reveals it; nothing is left staged
// and no multipart upload stays open.

import { Miniflare } from "miniflare";
import { assert } from "../_helpers.ts";
import {
  archiveOf,
  eventually,
  expectObject,
  type LocalBucket,
  openMultipartUploads,
} from "../workers/_r2.ts";
import { tusUpload } from "../workers/_tus.ts";
import { type EdgeServer, startEdgeServer } from "../_edge_helpers.ts";
const CREDENTIALS = { accessKeyId: "AKIDRAFTSNAPTEST", secretAccessKey: "raftsnap-test-secret" };
const MIB = 1024 * 1024;
const TOKEN = "tok";

/** `deno task serve:edge --store s3://…` on `port` (0: any), until `stop()`. */
function serve(env: Record<string, string>, port: number) {
  return startEdgeServer({
    store: "s3://raft-snapshots/edge",
    port,
    env,
    args: ["--part-size", "5m", "--token", TOKEN],
  });
}

Deno.test({
  name: "serve:edge --store s3:// takes resumable uploads across a restart of the server",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const persist = await Deno.makeTempDir({ prefix: "raftsnap-s3-tus-" });
    const mf = new Miniflare({
      modules: true,
      script: "export default { fetch() { return new Response(null, { status: 404 }) } }",
      compatibilityDate: "2025-09-01",
      r2Buckets: { BUCKET: { id: "raft-snapshots", s3Credentials: CREDENTIALS } },
      r2Persist: persist,
    } as never);
    const files = await Deno.makeTempDir({ prefix: "raftsnap-s3-tus-files-" });
    let server: EdgeServer | undefined;
    try {
      const s3 = new URL(String(await mf.ready));
      const bucket = (await mf.getR2Bucket("BUCKET")) as unknown as LocalBucket;
      const env = {
        AWS_ENDPOINT_URL: new URL("cdn-cgi/local/r2/s3", s3).href,
        AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
        AWS_REGION: "auto",
        NO_COLOR: "1",
      };
      server = await serve(env, 0);
      const port = Number(server.url.port);
      const staged = async () =>
        (await bucket.list()).objects.map((o) => o.key).filter((k) => k.includes(".tus-staging/"));
      const nothingStaged = async (what: string) => {
        assert.deepEqual(await staged(), [], `${what}: staged objects remain`);
        assert.ok(
          await eventually(async () => await openMultipartUploads(persist) === 0),
          `${what}: a multipart upload is still open`,
        );
      };

      await t.step("the server restarted between PATCHes: the upload carries on", async () => {
        const archive = await archiveOf(12 * MIB, "s3-tus");
        const file = `${files}/s3-tus.snap`;
        await Deno.writeFile(file, archive);
        let restarts = 0;
        const run = await tusUpload({
          endpoint: `${server!.url}uploads/`,
          file,
          token: TOKEN,
          chunkSize: 4 * MIB,
          between: async ({ n }) => {
            if (n !== 3) return; // after the second PATCH: a part and a tail staged
            // Staged as readable objects only: no multipart upload before the commit.
            assert.equal(await openMultipartUploads(persist), 0);
            const parts = (await staged()).filter((k) => /\/(part|tail)-/.test(k));
            assert.ok(parts.some((k) => k.endsWith("/part-00001")), `staged: ${parts}`);
            assert.ok(parts.some((k) => k.includes("/tail-00001-")), `staged: ${parts}`);
            await server!.stop();
            server = await serve(env, port);
            restarts++;
          },
        });
        assert.equal(restarts, 1);
        assert.equal(run.outcome, "success", JSON.stringify(run));
        assert.equal(run.status, 200);
        const key = await expectObject(bucket, "edge/", archive);
        assert.equal("edge/" + JSON.parse(run.body).key, key);
        await nothingStaged("stored");
      });

      await t.step("a bad archive is refused by its PATCH and leaves nothing", async () => {
        const bad = (await archiveOf(12 * MIB, "s3-tus-bad")).slice();
        bad[bad.length - 4096]! ^= 1;
        const file = `${files}/bad.snap`;
        await Deno.writeFile(file, bad);
        const run = await tusUpload({
          endpoint: `${server!.url}uploads/`,
          file,
          token: TOKEN,
          chunkSize: 4 * MIB,
        });
        assert.equal(run.outcome, "error");
        assert.equal(run.status, 400, JSON.stringify(run));
        await nothingStaged("refused");
        const keys = (await bucket.list()).objects.map((o) => o.key);
        assert.ok(!keys.some((k) => k.includes("s3-tus-bad")), keys.join("\n"));
      });
    } finally {
      await server?.stop();
      await mf.dispose();
      await Deno.remove(files, { recursive: true });
      await Deno.remove(persist, { recursive: true });
    }
  },
});
