// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { toHex } from "../../_bytes.ts";
import {
  checkPositive,
  describe,
  discard,
  isBodyAuthorizer,
  noop,
  resolveBounds,
} from "../_upload_common.ts";
import { UploadError } from "../upload_error.ts";
import { uploadErrorResponse } from "../upload_json.ts";
import type { ResumableRecord, ResumableStore } from "./resumable_store.ts";
import type {
  TusHandler,
  TusHandlerOptions,
  TusSessionOptions,
  TusSessions,
} from "./tus_options.ts";
import { TUS_CONTENT_TYPE, TusSession } from "./tus_session.ts";

/** The protocol version spoken. */
export const TUS_VERSION = "1.0.0";

/** The tus extensions {@linkcode createTusHandler} supports. */
export const TUS_EXTENSIONS: readonly string[] = [
  "creation",
  "creation-with-upload",
  "termination",
  "expiration",
];

const EXPOSED = [
  "Location",
  "Upload-Offset",
  "Upload-Length",
  "Upload-Expires",
  "Upload-Metadata",
  "Tus-Version",
  "Tus-Resumable",
  "Tus-Max-Size",
  "Tus-Extension",
  "Retry-After",
  "Digest",
].join(", ");

const ALLOWED_HEADERS = [
  "Authorization",
  "Content-Type",
  "Tus-Resumable",
  "Upload-Length",
  "Upload-Metadata",
  "Upload-Offset",
  "Upload-Defer-Length",
  "Upload-Concat",
  "X-HTTP-Method-Override",
  "X-Requested-With",
].join(", ");

const METHODS = "POST, HEAD, PATCH, DELETE, GET, OPTIONS";

/** What an upload id may be. */
const ID = /^[A-Za-z0-9_-]{1,128}$/;

/** Most bytes of `Upload-Metadata` accepted. */
const MAX_METADATA_BYTES = 4096;

/** Options of {@linkcode createStoreSessions}. */
export interface StoreSessionsOptions extends TusSessionOptions {
  /**
   * Milliseconds a session stays in memory without a request; `Infinity` keeps it (a
   * Durable Object, whose own eviction drops it).
   *
   * @default {30000}
   */
  idleTimeout?: number;
}

/** {@linkcode TusSessions} over a store, with `sweep` and `close`. */
export interface StoreSessions extends TusSessions {
  /** Sessions in memory now. */
  readonly size: number;
  /**
   * Deletes the expired uploads the store lists.
   *
   * @param now Milliseconds since the epoch.
   * @returns How many were deleted.
   */
  sweep(now: number): Promise<number>;
  /** Drops every idle session from memory and clears the timers. */
  close(): Promise<void>;
}

/**
 * The sessions {@linkcode createTusHandler} keeps by default: in this process, over a
 * {@linkcode ResumableStore}, in a map while requests come, each dropped from memory after
 * `idleTimeout` without one (the next request reopens the upload from the store, and the
 * next `PATCH` rebuilds its verifier by replaying the staged bytes). A Durable Object
 * hosting one upload uses these over its one-upload store.
 *
 * @example One upload's sessions over a memory store
 * ```ts
 * import { createStoreSessions, MemoryStore } from "@raftsnap/raftsnap";
 *
 * const sessions = createStoreSessions(new MemoryStore(), { idleTimeout: Infinity });
 * const now = Date.now();
 * await sessions.create({ id: "u1", length: 10, metadata: {}, owner: "o", created: now, expires: now + 1000, offset: 0 });
 * const head = await sessions.handle("u1", new Request("http://x/uploads/u1", { method: "HEAD" }), "o");
 * await sessions.close();
 * if (head.headers.get("upload-offset") !== "0" || (await sessions.countOpen("o")) !== 1) throw new Error("wrong");
 * ```
 *
 * @param store Where the uploads are staged.
 * @param options The sessions' bounds, verifier settings and expiry, and `idleTimeout`.
 * @returns The sessions.
 * @throws {RangeError} when a bound is not a positive number.
 */
export function createStoreSessions(
  store: ResumableStore,
  options: StoreSessionsOptions = {},
): StoreSessions {
  const idleTimeout = options.idleTimeout ?? 30_000;
  checkPositive({ idleTimeout });
  resolveBounds(options);
  return new LocalSessions(store, options, idleTimeout);
}

/** See {@linkcode createStoreSessions}. */
class LocalSessions implements StoreSessions {
  readonly #store: ResumableStore;
  readonly #options: TusSessionOptions;
  readonly #idleTimeout: number;
  readonly #slots: { active: number };
  readonly #sessions = new Map<
    string,
    {
      session: Promise<TusSession | undefined>;
      users: number;
      timer?: ReturnType<typeof setTimeout>;
    }
  >();
  /** Uploads created here per owner, for stores that cannot count them. */
  readonly #created = new Map<string, Set<string>>();
  #closed = false;

  constructor(store: ResumableStore, options: TusSessionOptions, idleTimeout: number) {
    this.#store = store;
    this.#options = options;
    this.#idleTimeout = idleTimeout;
    this.#slots = options.slots ?? { active: 0 };
  }

  /** Live sessions (in memory), for tests and metrics. */
  get size(): number {
    return this.#sessions.size;
  }

  async #use<T>(
    id: string,
    open: () => Promise<TusSession | undefined>,
    work: (session: TusSession | undefined) => Promise<T>,
  ): Promise<T> {
    let entry = this.#sessions.get(id);
    if (!entry) {
      entry = { session: open(), users: 0 };
      this.#sessions.set(id, entry);
    }
    entry.users++;
    clearTimeout(entry.timer);
    entry.timer = undefined;
    let session: TusSession | undefined;
    try {
      session = await entry.session;
      return await work(session);
    } finally {
      entry.users--;
      if (this.#sessions.get(id) === entry && entry.users === 0) {
        if (!session || session.deleted || this.#closed) {
          this.#sessions.delete(id);
          session?.evict();
        } else if (this.#idleTimeout < 2 ** 31) { // (Infinity: kept)
          entry.timer = setTimeout(() => {
            if (this.#sessions.get(id) !== entry || entry.users > 0) return;
            this.#sessions.delete(id);
            session!.evict();
          }, this.#idleTimeout);
        }
      }
    }
  }

  async create(record: ResumableRecord): Promise<void> {
    let created: Set<string> | undefined = this.#created.get(record.owner);
    if (!created) this.#created.set(record.owner, created = new Set());
    created.add(record.id);
    await this.#use(
      record.id,
      () => TusSession.create(this.#store, record, this.#options, this.#slots),
      () => Promise.resolve(),
    );
  }

  handle(id: string, request: Request, owner: string): Promise<Response> {
    return this.#use(
      id,
      () => TusSession.open(this.#store, id, this.#options, this.#slots),
      async (session) => {
        if (!session) {
          discard(request);
          return uploadErrorResponse(new UploadError("not-found", "no such upload"));
        }
        return await session.handle(request, owner);
      },
    );
  }

  async countOpen(owner: string): Promise<number> {
    const now = (this.#options.now ?? Date.now)();
    if (this.#store.countOpen) return await this.#store.countOpen(owner, now);
    const created = this.#created.get(owner);
    if (!created) return 0;
    let count = 0;
    for (const id of [...created]) {
      const staged = await this.#store.open(id);
      if (!staged || staged.record.ended || staged.record.expires < now) created.delete(id);
      else count++;
    }
    return count;
  }

  async sweep(now: number): Promise<number> {
    if (!this.#store.expired) return 0;
    let deleted = 0;
    for await (const id of this.#store.expired(now)) {
      const gone = await this.#use(
        id,
        () => TusSession.open(this.#store, id, this.#options, this.#slots),
        async (session) => session ? await session.expire(now) : false,
      );
      if (gone) deleted++;
    }
    return deleted;
  }

  close(): Promise<void> {
    this.#closed = true;
    for (const [id, entry] of this.#sessions) {
      clearTimeout(entry.timer);
      if (entry.users === 0) {
        this.#sessions.delete(id);
        entry.session.then((session) => session?.evict(), noop);
      }
    }
    return Promise.resolve();
  }
}

/** The owner of a request's uploads: a hash of its `Authorization` header. */
async function ownerOf(request: Request): Promise<string> {
  const credentials = request.headers.get("authorization") ?? "";
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(credentials));
  return toHex(new Uint8Array(digest)).slice(0, 32);
}

/**
 * `Upload-Metadata` decoded (values as UTF-8 text); `undefined` when malformed: a bad
 * pair, a repeated key, or a value that is not base64 of UTF-8.
 *
 * @example Decoding
 * ```ts
 * import { decodeMetadata } from "@raftsnap/raftsnap";
 *
 * const metadata = decodeMetadata("filename YmFja3VwLnNuYXA=,confidential");
 * if (metadata?.filename !== "backup.snap" || metadata.confidential !== "") throw new Error("wrong");
 * if (decodeMetadata("a YQ==,a YQ==") !== undefined) throw new Error("a repeated key");
 * ```
 *
 * @param text The header's value, or `null` when absent (then `{}`).
 * @returns The metadata, or `undefined`.
 */
export function decodeMetadata(text: string | null): Record<string, string> | undefined {
  const metadata: Record<string, string> = {};
  if (text === null || text.trim() === "") return metadata;
  const decoder = new TextDecoder("utf-8", { fatal: true });
  for (const pair of text.split(",")) {
    const match = /^\s*([^\s,]+)(?:\s+([A-Za-z0-9+/]*={0,2}))?\s*$/.exec(pair);
    if (!match || Object.hasOwn(metadata, match[1]!)) return undefined;
    let value = "";
    if (match[2]) {
      try {
        value = decoder.decode(Uint8Array.from(atob(match[2]), (c) => c.charCodeAt(0)));
      } catch {
        return undefined;
      }
    }
    metadata[match[1]!] = value;
  }
  return metadata;
}

/**
 * A `fetch`-style handler for resumable uploads: the tus 1.0.0 protocol (core,
 * `creation`, `creation-with-upload`, `termination`, `expiration`), with each upload's
 * bytes verified as they arrive, across requests, by the same streaming verifier as
 * {@linkcode createVerifyHandler}'s, and published under its key only once the `PATCH`
 * holding its last byte has verified it.
 *
 * ### Protocol
 *
 * `OPTIONS` answers `Tus-Version`, `Tus-Extension` and `Tus-Max-Size` (`maxBytes`), and
 * CORS preflights for `allowedOrigins`. Every other request needs `Tus-Resumable: 1.0.0`
 * (412 otherwise; `GET` excepted) and passes `authorize`. `POST <path>` with
 * `Upload-Length` (at most `maxBytes`: 413) and optional `Upload-Metadata` creates an
 * upload (201, `Location: <path><id>`); with `Content-Type:
 * application/offset+octet-stream`, its body is the first bytes. `HEAD <path><id>`
 * answers `Upload-Offset`: the bytes durably staged that have passed the verifier.
 * `PATCH` with the right `Upload-Offset` (409 otherwise; 423 while another runs on the
 * same upload) appends its body: 204, or, for the `PATCH` that completes the upload, 200
 * with the JSON body `createVerifyHandler`'s 201 carries, once the archive verified and
 * was stored. A bad archive is refused by the `PATCH` that reveals the fault, with the
 * status and error JSON `createVerifyHandler` gives, and the upload ends there (its
 * staged bytes deleted; `HEAD` then 410, `GET` 410 with the error JSON and its `status`).
 * `GET <path><id>` on a stored upload answers the stored JSON (202 with the offset while
 * it is open). `DELETE` terminates (204). Uploads expire `expiresAfter` after their last
 * `PATCH` (within `maxUploadTime` of their creation): `Upload-Expires`; call
 * {@linkcode TusHandler.sweep} now and then to delete expired ones.
 *
 * ### Bounds
 *
 * Per upload, the single-request handler's: `maxInflateRatio`, `maxInflatedBytes`, the
 * `limits`; `timeout` per `PATCH`; a `PATCH` takes one of `maxConcurrentUploads` slots
 * while it runs (503 `busy` beyond). Plus `maxUploadTime` in all and `maxOpenUploads` per
 * set of credentials (429). An idle upload costs no memory: its session is dropped after
 * `idleTimeout`, and its verifier rebuilt by the next `PATCH` from the staged bytes.
 *
 * @example Two PATCHes into memory
 * ```ts
 * import { createTusHandler, MemoryStore, writeSnapshot } from "@raftsnap/raftsnap";
 *
 * const store = new MemoryStore();
 * const handler = createTusHandler({ store });
 * const state = new TextEncoder().encode("state");
 * const archive = new Uint8Array(
 *   await new Response(writeSnapshot({ id: "1-9-1700000000000", index: 9, term: 1, size: 5 }, state)).arrayBuffer(),
 * );
 * const tus = { "tus-resumable": "1.0.0" };
 * const created = await handler(new Request("http://x/uploads/", {
 *   method: "POST", headers: { ...tus, "upload-length": String(archive.length) },
 * }));
 * const url = new URL(created.headers.get("location")!, "http://x/");
 * let offset = 0;
 * let last: Response | undefined;
 * for (const size of [100, archive.length]) {
 *   const body = archive.slice(offset, offset + size);
 *   last = await handler(new Request(url, {
 *     method: "PATCH",
 *     headers: { ...tus, "content-type": "application/offset+octet-stream", "upload-offset": String(offset) },
 *     body,
 *   }));
 *   offset += body.length;
 * }
 * const stored = await last!.json();
 * await handler.close();
 * if (last!.status !== 200 || !store.snapshots.has(stored.key)) throw new Error("not stored");
 * ```
 *
 * @param options The store (or sessions), bounds, expiry, CORS and authorization.
 * @returns The handler, with `sweep` and `close`.
 * @throws {TypeError} without a store or sessions.
 * @throws {RangeError} when a bound is not a positive number.
 */
export function createTusHandler(options: TusHandlerOptions): TusHandler {
  const store = options.store;
  if (!options.sessions && typeof store?.create !== "function") {
    throw new TypeError("createTusHandler needs a store with create() and open(), or sessions");
  }
  const bounds = resolveBounds(options);
  const idleTimeout = options.idleTimeout ?? 30_000;
  const maxOpenUploads = options.maxOpenUploads ?? 16;
  const expiresAfter = options.expiresAfter ?? 24 * 3600_000;
  const maxUploadTime = options.maxUploadTime ?? 72 * 3600_000;
  checkPositive({ idleTimeout, maxOpenUploads, expiresAfter, maxUploadTime });
  let path = options.path ?? "/uploads/";
  if (!path.endsWith("/")) path += "/";
  const origins = new Set(options.allowedOrigins ?? []);
  const newId = options.newId ?? (() => crypto.randomUUID().replaceAll("-", ""));
  const clock = options.now ?? Date.now;
  const local = options.sessions ? undefined : createStoreSessions(store!, options);
  const sessions: TusSessions = options.sessions ?? local!;
  /** Creations in progress per owner, one at a time, so that the count holds. */
  const creating = new Map<string, Promise<unknown>>();

  const protocol = (response: Response, request: Request): Response => {
    const headers = new Headers(response.headers);
    headers.set("tus-resumable", TUS_VERSION);
    if (!headers.has("cache-control")) headers.set("cache-control", "no-store");
    const origin = request.headers.get("origin");
    if (origin !== null && (origins.has("*") || origins.has(origin))) {
      headers.set("access-control-allow-origin", origins.has("*") ? "*" : origin);
      headers.set("access-control-expose-headers", EXPOSED);
      headers.append("vary", "Origin");
    }
    return new Response(response.body, {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  };

  const options_ = (request: Request): Response => {
    const headers: Record<string, string> = {
      "tus-version": TUS_VERSION,
      "tus-extension": TUS_EXTENSIONS.join(","),
      "tus-max-size": String(bounds.maxBytes),
    };
    const origin = request.headers.get("origin");
    if (
      origin !== null && request.headers.has("access-control-request-method") &&
      (origins.has("*") || origins.has(origin))
    ) {
      headers["access-control-allow-methods"] = METHODS;
      headers["access-control-allow-headers"] = ALLOWED_HEADERS;
      headers["access-control-max-age"] = "86400";
    }
    return new Response(null, { status: 204, headers });
  };

  const route = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const rest = url.pathname === path.slice(0, -1)
      ? ""
      : url.pathname.startsWith(path)
      ? url.pathname.slice(path.length)
      : undefined;
    if (rest === undefined || (rest !== "" && !ID.test(rest))) {
      discard(request);
      return uploadErrorResponse(new UploadError("not-found", "no such upload"));
    }
    if (request.method === "OPTIONS") {
      discard(request);
      return options_(request);
    }
    const override = request.method === "POST"
      ? request.headers.get("x-http-method-override")?.trim().toUpperCase()
      : undefined;
    const method = override || request.method;
    if (method !== "GET" && request.headers.get("tus-resumable") !== TUS_VERSION) {
      discard(request);
      return uploadErrorResponse(
        new UploadError("tus-version", `this server speaks tus ${TUS_VERSION} only`, {
          expected: `Tus-Resumable: ${TUS_VERSION}`,
          found: request.headers.get("tus-resumable") ?? "none",
        }),
        { "tus-version": TUS_VERSION },
      );
    }
    if (options.signal?.aborted) {
      discard(request);
      return uploadErrorResponse(new UploadError("aborted", "the server is shutting down"));
    }
    if (options.authorize) {
      const verdict = await options.authorize(request);
      if (verdict instanceof Response) {
        discard(request);
        return verdict;
      }
      if (isBodyAuthorizer(verdict)) {
        discard(request);
        return uploadErrorResponse(
          new UploadError(
            "internal",
            "a body authorizer cannot check an upload sent in pieces: use another authorize " +
              "hook for resumable uploads",
          ),
        );
      }
      if (verdict !== true) {
        discard(request);
        return uploadErrorResponse(
          new UploadError("forbidden", "this request may not upload here"),
        );
      }
    }
    const owner = await ownerOf(request);
    if (rest === "") {
      if (method !== "POST") {
        discard(request);
        return notAllowed(method, "POST, OPTIONS");
      }
      return await create(request, owner);
    }
    if (!["HEAD", "PATCH", "DELETE", "GET"].includes(method)) {
      discard(request);
      return notAllowed(method, "HEAD, PATCH, DELETE, GET, OPTIONS");
    }
    const forwarded = method !== request.method ? withMethod(request, method) : request;
    return await sessions.handle(rest, forwarded, owner);
  };

  const create = async (request: Request, owner: string): Promise<Response> => {
    const refuse = (error: UploadError) => {
      discard(request);
      return uploadErrorResponse(error);
    };
    if (request.headers.has("upload-defer-length") || request.headers.has("upload-concat")) {
      return refuse(
        new UploadError("bad-header", "Upload-Defer-Length and Upload-Concat are not supported", {
          expected: "Upload-Length",
        }),
      );
    }
    const lengthText = request.headers.get("upload-length");
    if (lengthText === null || !/^\s*\d{1,16}\s*$/.test(lengthText)) {
      return refuse(
        new UploadError("bad-header", "Upload-Length is missing or not a byte count", {
          expected: "a decimal byte count",
          found: (lengthText ?? "none").slice(0, 40),
        }),
      );
    }
    const length = Number(lengthText);
    if (length > bounds.maxBytes) {
      return refuse(
        new UploadError(
          "too-large",
          `the upload is ${length} bytes; at most ${bounds.maxBytes} are accepted`,
          { expected: `at most ${bounds.maxBytes} bytes`, found: `${length} bytes` },
        ),
      );
    }
    const metadataText = request.headers.get("upload-metadata");
    const metadata = metadataText !== null && metadataText.length > MAX_METADATA_BYTES
      ? undefined
      : decodeMetadata(metadataText);
    if (!metadata) {
      return refuse(
        new UploadError(
          "bad-header",
          `Upload-Metadata is malformed (or over ${MAX_METADATA_BYTES} bytes)`,
          { expected: "comma-separated `key base64` pairs", found: metadataText!.slice(0, 40) },
        ),
      );
    }
    // One creation at a time per owner, so that two cannot both pass the count.
    const before = creating.get(owner) ?? Promise.resolve();
    let release = noop;
    const mine = new Promise<void>((resolve) => release = resolve);
    const chained = before.then(() => mine);
    creating.set(owner, chained);
    await before;
    let record: ResumableRecord;
    try {
      if (maxOpenUploads !== Infinity && await sessions.countOpen(owner) >= maxOpenUploads) {
        return refuse(
          new UploadError(
            "too-many-uploads",
            `these credentials have ${maxOpenUploads} uploads open already`,
            { expected: `at most ${maxOpenUploads} open uploads` },
          ),
        );
      }
      const now = clock();
      record = {
        id: newId(),
        length,
        metadata,
        owner,
        created: now,
        expires: now + Math.min(expiresAfter, maxUploadTime),
        offset: 0,
      };
      if (!ID.test(record.id)) throw new TypeError(`newId made an unusable id: ${record.id}`);
      await sessions.create(record);
    } finally {
      release();
      if (creating.get(owner) === chained) creating.delete(owner);
    }
    const location = path + record.id;
    const type = request.headers.get("content-type");
    const carries = type !== null && type.split(";")[0]!.trim().toLowerCase() === TUS_CONTENT_TYPE;
    if (!carries && length > 0) {
      discard(request);
      return new Response(null, {
        status: 201,
        headers: {
          location,
          "upload-offset": "0",
          "upload-expires": new Date(record.expires).toUTCString(),
        },
      });
    }
    // creation-with-upload (or an empty upload, complete at once): the body is the
    // first PATCH.
    if (!carries) discard(request);
    const answer = await sessions.handle(
      record.id,
      new Request(request.url, {
        method: "PATCH",
        headers: { "content-type": TUS_CONTENT_TYPE, "upload-offset": "0" },
        body: carries ? request.body : null,
        signal: request.signal,
        duplex: "half",
      } as RequestInit),
      owner,
    );
    const headers = new Headers(answer.headers);
    headers.set("location", location);
    const status = answer.status === 204 || answer.status === 200 ? 201 : answer.status;
    return new Response(answer.body, { status, headers });
  };

  const handler = (async (request: Request): Promise<Response> => {
    try {
      return protocol(await route(request), request);
    } catch (error) {
      discard(request);
      return protocol(
        uploadErrorResponse(
          new UploadError("internal", `the handler failed: ${describe(error)}`, { cause: error }),
        ),
        request,
      );
    }
  }) as TusHandler;
  handler.sweep = async (now = clock()) => await sessions.sweep?.(now) ?? 0;
  handler.close = async () => {
    await local?.close();
  };
  return handler;
}

function notAllowed(method: string, allow: string): Response {
  return uploadErrorResponse(
    new UploadError("method-not-allowed", `${method} is not allowed here`, {
      expected: allow,
      found: method,
    }),
    { allow },
  );
}

/** The request with its `X-HTTP-Method-Override` method (the session reads `method`). */
function withMethod(request: Request, method: string): Request {
  const body = method === "PATCH" ? request.body : null;
  if (!body) discard(request);
  return new Request(request.url, {
    method,
    headers: request.headers,
    body,
    signal: request.signal,
    duplex: "half",
  } as RequestInit);
}
