// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// A Cloudflare Worker that imports the npm package by name, bundled as wrangler bundles
// it (esbuild, the workerd/worker/browser conditions) and run in Miniflare: POST an
// archive (`?key=HEX` for a sealed one), get its verdict.

import { createAesGcmSealer, SnapshotError, verifySnapshot } from "raftsnap";

export default {
  async fetch(request) {
    const key = new URL(request.url).searchParams.get("key");
    const sealer = key ? await createAesGcmSealer(key) : undefined;
    try {
      const result = await verifySnapshot(request.body, { sealer });
      return Response.json({ verdict: "ok", stateSha256: result.stateSha256 });
    } catch (error) {
      if (!(error instanceof SnapshotError)) throw error;
      return Response.json({ verdict: error.code });
    }
  },
};
