// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// A small tus 1.0.0 server that follows the contract of issue 20 (docs/resumable-uploads.md),
// for testing the client apart from the real server: it stages PATCH bytes in memory (the
// bytes of a cut PATCH too), and once the last byte is in, it hands the whole archive to the
// single-request handler (createVerifyHandler) and answers with its verdict: 200 and the
// stored JSON, or the handler's status and error JSON. Its state outlives a restart of the
// listener on the same port.

import { bearerAuthorizer, createVerifyHandler, MemoryStore } from "../../mod.ts";

interface Upload {
  length: number;
  owner: string;
  metadata: string | null;
  chunks: Uint8Array[];
  offset: number;
  locked: boolean;
  ended?: { status: number; body: string };
}

/** A running test server. */
export interface TusTestServer {
  /** The tus endpoint: `http://127.0.0.1:PORT/uploads/`. */
  url: string;
  /** The single-request endpoint beside it: `http://127.0.0.1:PORT/`. */
  origin: string;
  /** Requests seen, as `METHOD path offset`. */
  seen: string[];
  /** The stored snapshots, by key. */
  stored: MemoryStore;
  /** Stops the listener (in-flight requests are cut), keeping the uploads. */
  stop(): Promise<void>;
  /** Starts the listener again on the same port. */
  start(): void;
  /** Drops the answer of the PATCH that completes an upload (it is still stored). */
  dropFinalAnswer: boolean;
  /** Called after each PATCH (or POST) staged its bytes, before it is answered. */
  onAppend: ((offset: number, length: number) => void | Promise<void>) | undefined;
  close(): Promise<void>;
}

/** Options of {@linkcode startTusTestServer}. */
export interface TusTestServerOptions {
  /** The bearer token to require. */
  token?: string;
  /** Largest upload. */
  maxSize?: number;
}

const TUS = { "tus-resumable": "1.0.0" };

/** Starts the server on 127.0.0.1 on a free port. */
export function startTusTestServer(options: TusTestServerOptions = {}): TusTestServer {
  const uploads = new Map<string, Upload>();
  const stored = new MemoryStore();
  const single = createVerifyHandler({
    store: stored,
    authorize: options.token === undefined ? undefined : bearerAuthorizer(options.token),
  });
  let next = 0;
  let port = 0;
  let server: Deno.HttpServer | undefined;
  const seen: string[] = [];
  const state: TusTestServer = {
    url: "",
    origin: "",
    seen,
    stored,
    dropFinalAnswer: false,
    onAppend: undefined,
    async stop() {
      const current = server;
      server = undefined;
      await current?.shutdown();
    },
    start() {
      server = Deno.serve({
        hostname: "127.0.0.1",
        port,
        onListen() {},
        onError: () => new Response(null, { status: 500, headers: TUS }),
      }, handle);
      port = (server.addr as Deno.NetAddr).port;
      state.origin = `http://127.0.0.1:${port}/`;
      state.url = `${state.origin}uploads/`;
    },
    close: () => state.stop(),
  };

  const owner = (request: Request) => request.headers.get("authorization") ?? "";

  async function handle(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    seen.push(`${request.method} ${path} ${request.headers.get("upload-offset") ?? ""}`.trim());
    if (!path.startsWith("/uploads/")) return single(request);
    if (request.method === "OPTIONS") {
      return new Response(null, {
        status: 204,
        headers: {
          ...TUS,
          "tus-version": "1.0.0",
          "tus-extension": "creation,creation-with-upload,termination,expiration",
        },
      });
    }
    if (request.headers.get("tus-resumable") !== "1.0.0") {
      await request.body?.cancel();
      return new Response(null, { status: 412, headers: { "tus-version": "1.0.0" } });
    }
    if (options.token !== undefined && owner(request) !== `Bearer ${options.token}`) {
      // As bearerAuthorizer: 401 without a token, 403 for a wrong one.
      await request.body?.cancel();
      const none = owner(request) === "";
      return json(none ? 401 : 403, {
        ok: false,
        error: {
          code: none ? "unauthorized" : "forbidden",
          layer: null,
          entry: null,
          offset: null,
          expected: null,
          found: null,
          message: none ? "no bearer token" : "the bearer token is not accepted here",
          hint: "Send the credentials this endpoint expects.",
        },
      });
    }
    const id = path.slice("/uploads/".length);
    if (request.method === "POST" && id === "") {
      const length = Number(request.headers.get("upload-length"));
      if (!Number.isSafeInteger(length) || length < 0) return empty(400);
      if (options.maxSize !== undefined && length > options.maxSize) return empty(413);
      const upload: Upload = {
        length,
        owner: owner(request),
        metadata: request.headers.get("upload-metadata"),
        chunks: [],
        offset: 0,
        locked: false,
      };
      const newId = `u${++next}`;
      uploads.set(newId, upload);
      const location = { location: `/uploads/${newId}` };
      if (request.headers.get("content-type") === "application/offset+octet-stream") {
        const answer = await append(upload, request);
        const headers = new Headers(answer.headers);
        headers.set("location", location.location);
        return new Response(answer.body, {
          status: answer.status === 204 ? 201 : answer.status,
          headers,
        });
      }
      return empty(201, { ...location, "upload-offset": "0" });
    }
    const upload = uploads.get(id);
    if (!upload || upload.owner !== owner(request)) {
      await request.body?.cancel();
      return empty(404);
    }
    if (request.method === "HEAD") {
      if (upload.ended && upload.ended.status !== 200) return empty(410);
      return empty(200, {
        "upload-offset": String(upload.offset),
        "upload-length": String(upload.length),
        "cache-control": "no-store",
        ...(upload.metadata ? { "upload-metadata": upload.metadata } : {}),
      });
    }
    if (request.method === "GET") {
      if (!upload.ended) return empty(404);
      return new Response(upload.ended.body, {
        status: upload.ended.status === 200 ? 200 : 410,
        headers: { ...TUS, "content-type": "application/json" },
      });
    }
    if (request.method === "DELETE") {
      uploads.delete(id);
      return empty(204);
    }
    if (request.method !== "PATCH") return empty(405);
    if (request.headers.get("content-type") !== "application/offset+octet-stream") {
      await request.body?.cancel();
      return empty(415);
    }
    if (upload.ended) {
      await request.body?.cancel();
      return upload.ended.status === 200 ? empty(409) : new Response(upload.ended.body, {
        status: 410,
        headers: { ...TUS, "content-type": "application/json" },
      });
    }
    if (upload.locked) {
      await request.body?.cancel();
      return empty(423);
    }
    if (Number(request.headers.get("upload-offset")) !== upload.offset) {
      await request.body?.cancel();
      return empty(409, { "upload-offset": String(upload.offset) });
    }
    return await append(upload, request);
  }

  /** Stages the body's bytes (as many as arrive), then answers; verifies at the end. */
  async function append(upload: Upload, request: Request): Promise<Response> {
    upload.locked = true;
    try {
      const reader = (request.body ?? new Blob([]).stream()).getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          if (upload.offset + value.length > upload.length) {
            await reader.cancel();
            return empty(413, { "upload-offset": String(upload.offset) });
          }
          upload.chunks.push(value.slice());
          upload.offset += value.length;
        }
      } catch {
        // The connection was cut: what arrived is staged.
        return empty(400);
      }
      await state.onAppend?.(upload.offset, upload.length);
      if (upload.offset < upload.length) {
        return empty(204, { "upload-offset": String(upload.offset) });
      }
      const answer = await single(
        new Request("http://test/", {
          method: "POST",
          headers: request.headers.has("authorization")
            ? { authorization: request.headers.get("authorization")! }
            : {},
          body: new Blob(upload.chunks as BlobPart[]),
        }),
      );
      const body = await answer.text();
      upload.ended = { status: answer.ok ? 200 : answer.status, body };
      upload.chunks = [];
      if (state.dropFinalAnswer) throw new Error("the answer is lost on purpose");
      return new Response(body, {
        status: answer.ok ? 200 : answer.status,
        headers: {
          ...TUS,
          "content-type": "application/json",
          "upload-offset": String(upload.offset),
        },
      });
    } finally {
      upload.locked = false;
    }
  }

  state.start();
  return state;
}

function empty(status: number, headers: Record<string, string> = {}): Response {
  return new Response(null, { status, headers: { ...TUS, ...headers } });
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...TUS, "content-type": "application/json" },
  });
}
