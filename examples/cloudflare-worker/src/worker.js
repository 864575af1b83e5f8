// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// A Cloudflare Worker that verifies uploaded raft snapshots (.snap) as they stream in and
// keeps only those that verify, in R2. Deploy: see the README's "Cloudflare Workers and R2".
//
//   curl -T backup.snap -H "Authorization: Bearer $TOKEN" https://<worker>/
//
// The library is the bundle `deno task build` writes (dist/lib/raftsnap.mjs); wrangler
// bundles it into the Worker. In workerd it hashes with crypto.DigestStream.

import { bearerAuthorizer, createVerifyHandler, R2Store } from "../../../dist/lib/raftsnap.mjs";

/** One handler per isolate (its concurrency bound is per isolate), made on first use. */
let handler;

function number(value) {
  return value === undefined || value === "" ? undefined : Number(value);
}

export default {
  /**
   * @param {Request} request
   * @param {{ SNAPSHOTS: R2Bucket, UPLOAD_TOKEN?: string, PREFIX?: string, MAX_BYTES?: string,
   *   TIMEOUT_MS?: string, PART_SIZE?: string }} env
   */
  fetch(request, env) {
    if (!env.UPLOAD_TOKEN) {
      return new Response("UPLOAD_TOKEN is not set: wrangler secret put UPLOAD_TOKEN\n", {
        status: 500,
      });
    }
    handler ??= createVerifyHandler({
      store: new R2Store(env.SNAPSHOTS, {
        prefix: env.PREFIX ?? "",
        partSize: number(env.PART_SIZE),
      }),
      authorize: bearerAuthorizer(env.UPLOAD_TOKEN),
      maxBytes: number(env.MAX_BYTES),
      timeout: number(env.TIMEOUT_MS),
      // An isolate runs one request's JavaScript at a time: a few uploads at once.
      maxConcurrentUploads: 4,
    });
    return handler(request);
  },
};
