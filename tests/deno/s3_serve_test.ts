// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// The S3 example for Deno (examples/deno-s3) and `serve:edge --store s3://BUCKET`, each
// run as a user would, against Miniflare's S3 API on loopback, credentials and endpoint in
// the environment as AWS tools read them.

import { Miniflare } from "miniflare";
import { assert, readFixture } from "../_helpers.ts";
import { archiveOf } from "../workers/_r2.ts";
import { type EdgeServerLaunch, startEdgeServer } from "../_edge_helpers.ts";
const CREDENTIALS = { accessKeyId: "AKIDRAFTSNAPTEST", secretAccessKey: "raftsnap-test-secret" };

interface LocalBucket {
  list(): Promise<{ objects: { key: string; size: number }[] }>;
}

/** Starts a server, waits for its "http://..." line, uploads, stops it. */
async function runServer(
  launch: EdgeServerLaunch,
  env: Record<string, string>,
  uploads: Uint8Array[],
) {
  const server = await startEdgeServer({ ...launch, env });
  const statuses: number[] = [];
  try {
    for (const body of uploads) {
      const response = await fetch(server.url, {
        method: "PUT",
        body: body as BodyInit,
        headers: { authorization: "Bearer tok" },
      });
      await response.body?.cancel();
      statuses.push(response.status);
    }
  } finally {
    await server.stop();
  }
  return statuses;
}

Deno.test({
  name: "the Deno S3 example and serve:edge --store s3:// store verified uploads in S3",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const mf = new Miniflare({
      modules: true,
      script: "export default { fetch() { return new Response(null, { status: 404 }) } }",
      compatibilityDate: "2025-09-01",
      r2Buckets: { BUCKET: { id: "raft-snapshots", s3Credentials: CREDENTIALS } },
    } as never);
    try {
      const url = new URL(String(await mf.ready));
      const bucket = (await mf.getR2Bucket("BUCKET")) as unknown as LocalBucket;
      const env = {
        AWS_ENDPOINT_URL: new URL("cdn-cgi/local/r2/s3", url).href,
        AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
        AWS_REGION: "auto",
        PORT: "0",
        UPLOAD_TOKEN: "tok",
        NO_COLOR: "1",
      };
      const good = await readFixture("go-reference/small.snap");
      const bad = await readFixture("go-reference/bad-state-bitflip.snap");
      const large = await archiveOf(11 * 1024 * 1024, "serve-s3");

      await t.step("examples/deno-s3", async () => {
        const statuses = await runServer(
          { script: "examples/deno-s3/main.ts", args: ["s3://raft-snapshots/example/"] },
          env,
          [good, bad, large],
        );
        assert.deepEqual(statuses, [201, 400, 201]);
        const keys = (await bucket.list()).objects.map((o) => o.key);
        assert.equal(keys.filter((k) => k.startsWith("example/")).length, 2, keys.join("\n"));
      });

      await t.step("deno task serve:edge --store s3://raft-snapshots/edge", async () => {
        const statuses = await runServer(
          { store: "s3://raft-snapshots/edge", port: 0, args: ["--token", "tok"] },
          env,
          [good, bad, large],
        );
        assert.deepEqual(statuses, [201, 400, 201]);
        const keys = (await bucket.list()).objects.map((o) => o.key);
        assert.equal(keys.filter((k) => k.startsWith("edge/")).length, 2, keys.join("\n"));
        assert.ok(!keys.some((k) => k.includes(".staging-")), keys.join("\n"));
      });
    } finally {
      await mf.dispose();
    }
  },
});
