// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Verifies uploaded raft snapshots on Deno and keeps those that verify in S3 (or any
// S3-compatible store: R2's S3 API, MinIO, GCS interop). Endpoint and credentials come
// from the environment as AWS tools read them:
//
//   AWS_ENDPOINT_URL=https://s3.eu-west-1.amazonaws.com AWS_REGION=eu-west-1 \
//   AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... UPLOAD_TOKEN=... \
//   deno run --unstable-no-legacy-abort --allow-net --allow-env \
//     examples/deno-s3/main.ts s3://raft-snapshots/consul/
//
// (--unstable-no-legacy-abort: request.signal then aborts only when the client goes away,
// which is how the handler tells an abandoned upload.)
//
//   curl -T backup.snap -H "Authorization: Bearer $UPLOAD_TOKEN" http://127.0.0.1:8787/

import { bearerAuthorizer, createVerifyHandler, S3Store } from "../../mod.ts";

const bucketUrl = Deno.args[0] ?? "s3://raft-snapshots/";
const store = S3Store.fromEnv(bucketUrl, Deno.env.toObject());
const token = Deno.env.get("UPLOAD_TOKEN");
const handler = createVerifyHandler({
  store,
  authorize: token ? bearerAuthorizer(token) : undefined,
});

const server = Deno.serve({
  hostname: "127.0.0.1",
  port: Number(Deno.env.get("PORT") ?? 8787),
  onListen: ({ hostname, port }) =>
    console.log(`verifying uploads on http://${hostname}:${port}/ into ${bucketUrl}`),
}, handler);
Deno.addSignalListener("SIGTERM", () => server.shutdown());
await server.finished;
