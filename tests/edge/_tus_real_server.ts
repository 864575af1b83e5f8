// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// The real server for the client's tests: createTusHandler (tus-core's) at /uploads/ and
// createVerifyHandler at / on one FsStore in a temporary folder, served on 127.0.0.1, with
// the same face as the contract test server (tests/edge/_tus_test_server.ts). stop() then
// start() is a restart: new handlers, so every session is lost and rebuilt from the
// folder by the next request.

import {
  bearerAuthorizer,
  createTusHandler,
  createVerifyHandler,
  type TusHandler,
} from "../../mod.ts";
import { FsStore } from "../../src/deno/fs_store.ts";
import type { TusTestServer, TusTestServerOptions } from "./_tus_test_server.ts";

/** A running real server; `stored` reads the folder's snapshots. */
export type TusRealServer = Omit<TusTestServer, "stored" | "dropFinalAnswer"> & {
  /** The snapshots stored so far, by file name. */
  snapshots(): Promise<Map<string, Uint8Array>>;
};

/** Starts it on a free port, its folder in a temporary folder removed by `close`. */
export async function startTusRealServer(
  options: TusTestServerOptions & { allowedOrigins?: string[] } = {},
): Promise<TusRealServer> {
  const dir = await Deno.makeTempDir({ prefix: "raftsnap-tus-client-" });
  const store = await FsStore.open(dir, { sync: false });
  const authorize = options.token === undefined ? undefined : bearerAuthorizer(options.token);
  let port = 0;
  let server: Deno.HttpServer | undefined;
  let tus: TusHandler | undefined;
  const seen: string[] = [];
  const state: TusRealServer = {
    url: "",
    origin: "",
    seen,
    onAppend: undefined,
    async snapshots() {
      const out = new Map<string, Uint8Array>();
      for await (const entry of Deno.readDir(dir)) {
        if (entry.isFile && entry.name.endsWith(".snap")) {
          out.set(entry.name, await Deno.readFile(`${dir}/${entry.name}`));
        }
      }
      return out;
    },
    async stop() {
      const current = server;
      server = undefined;
      await current?.shutdown();
      await tus?.close();
    },
    start() {
      const handler = createTusHandler({
        store,
        authorize,
        maxBytes: options.maxSize,
        allowedOrigins: options.allowedOrigins,
      });
      tus = handler;
      const single = createVerifyHandler({ store, authorize });
      server = Deno.serve({
        hostname: "127.0.0.1",
        port,
        onListen() {},
      }, async (request) => {
        const path = new URL(request.url).pathname;
        seen.push(`${request.method} ${path} ${request.headers.get("upload-offset") ?? ""}`.trim());
        if (!path.startsWith("/uploads/") && request.method !== "OPTIONS") return single(request);
        const response = await handler(request);
        const offset = response.headers.get("upload-offset");
        if (
          (request.method === "PATCH" || request.method === "POST") && response.ok &&
          offset !== null && state.onAppend
        ) {
          await state.onAppend(Number(offset), Number(response.headers.get("upload-length")));
        }
        return response;
      });
      port = (server.addr as Deno.NetAddr).port;
      state.origin = `http://127.0.0.1:${port}/`;
      state.url = `${state.origin}uploads/`;
    },
    async close() {
      await state.stop();
      await Deno.remove(dir, { recursive: true });
    },
  };
  state.start();
  return state;
}
