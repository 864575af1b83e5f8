// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import type { VerifyHandlerOptions } from "../verify_handler.ts";
import type { ResumableRecord, ResumableStore } from "./resumable_store.ts";

/**
 * What one upload's session needs to verify it across requests: the single-request
 * handler's bounds and verifier settings (each applies per upload; `timeout` per
 * `PATCH`), and the expiry. A Durable Object hosting one upload builds its
 * {@linkcode TusSession} with these.
 */
export interface TusSessionOptions extends
  Pick<
    VerifyHandlerOptions,
    | "maxBytes"
    | "timeout"
    | "limits"
    | "maxInflateRatio"
    | "maxInflatedBytes"
    | "maxConcurrentUploads"
    | "slots"
    | "retryAfter"
    | "sealer"
    | "allowZeroPadding"
    | "hasher"
    | "useWorker"
    | "signal"
  > {
  /**
   * Milliseconds an upload is kept after its last `PATCH` (or its creation) before it
   * expires: its staged bytes and record are deleted. An ended upload's record (what
   * `GET` answers) is kept this long after it ended.
   *
   * @default {86400000} (24 hours)
   */
  expiresAfter?: number;
  /**
   * Milliseconds an upload may take in all, from its creation: it expires then however
   * active it is (`Upload-Expires` never says later than this).
   *
   * @default {259200000} (72 hours)
   */
  maxUploadTime?: number;
  /**
   * The clock expiry is reckoned by, in milliseconds since the epoch (a test moves a fake
   * one past an expiry instead of waiting for it).
   *
   * @default {Date.now}
   */
  now?: () => number;
}

/**
 * Where the sessions of uploads live: in this process (the default, over a
 * {@linkcode ResumableStore}), or elsewhere, such as one Durable Object per upload. The
 * handler checks the protocol, the credentials and the creation headers, then hands
 * each request on here with the owner it computed.
 */
export interface TusSessions {
  /**
   * Creates the upload: its record is staged (nothing else) once this resolves. The
   * handler then sends a `POST`'s body (`creation-with-upload`) to
   * {@linkcode TusSessions.handle} as a `PATCH` at offset 0.
   *
   * @param record The new upload's record (`offset` 0).
   */
  create(record: ResumableRecord): Promise<void>;
  /**
   * Answers `HEAD`, `PATCH`, `DELETE` or `GET` on an upload (`request.method`, an
   * `X-HTTP-Method-Override` already applied); an unknown or expired id, or one `owner`
   * did not create, is 404. The protocol and CORS headers are added by the handler.
   *
   * @param id The upload's id, from the URL.
   * @param request The request.
   * @param owner The hash of the request's credentials.
   */
  handle(id: string, request: Request, owner: string): Promise<Response>;
  /**
   * How many uploads `owner` has open, for `maxOpenUploads`.
   *
   * @param owner The hash of the credentials.
   */
  countOpen(owner: string): Promise<number>;
  /**
   * Deletes expired uploads, for {@linkcode TusHandler.sweep} (Durable Objects use their
   * alarms instead and need not have it).
   *
   * @param now Milliseconds since the epoch.
   * @returns How many were deleted.
   */
  sweep?(now: number): Promise<number>;
}

/** Options of {@linkcode createTusHandler}. */
export interface TusHandlerOptions extends TusSessionOptions {
  /**
   * Where uploads are staged between requests (and published once verified). Give this
   * or `sessions`.
   */
  store?: ResumableStore;
  /**
   * Where the sessions live instead of this process: each upload's requests are handed
   * on here (see {@linkcode TusSessions}); `store` is then not used.
   */
  sessions?: TusSessions;
  /**
   * The URL path the uploads live under, with its trailing slash: `POST` creates there,
   * `HEAD`/`PATCH`/`DELETE`/`GET` act on `<path><id>`.
   *
   * @default {"/uploads/"}
   */
  path?: string;
  /**
   * Decides whether a request may create or touch uploads; the same hook as the
   * single-request handler's (such as {@linkcode bearerAuthorizer}). An upload belongs to
   * the credentials that created it (a hash of the `Authorization` header): other
   * credentials get 404 for it. A `BodyAuthorizer` cannot follow a body sent in pieces:
   * it is refused (500 `internal`).
   */
  authorize?: VerifyHandlerOptions["authorize"];
  /**
   * Most uploads one set of credentials may have open (created, not ended, not expired):
   * one more `POST` gets 429 `too-many-uploads`. `Infinity` turns it off.
   *
   * @default {16}
   */
  maxOpenUploads?: number;
  /**
   * Origins a browser page may upload from: CORS headers are added for these, and
   * preflights answered. `"*"` allows any origin. None by default (no CORS headers).
   *
   * @default {[]}
   */
  allowedOrigins?: readonly string[];
  /**
   * Milliseconds a session stays in memory without a request (its live verifier, up to
   * ~17 MiB of buffers) before it is dropped; the next request rebuilds it from the
   * staged bytes. Only for sessions in this process.
   *
   * @default {30000}
   */
  idleTimeout?: number;
  /**
   * Makes a new upload's id.
   *
   * @default {a random UUID's 32 hex digits}
   */
  newId?: () => string;
}

/**
 * The handler {@linkcode createTusHandler} returns: a `fetch`-style function for the
 * requests under its `path` (and `OPTIONS`), with upkeep.
 */
export interface TusHandler {
  /**
   * Answers a request. It never rejects.
   *
   * @param request A request whose path is under the handler's `path`.
   */
  (request: Request): Promise<Response>;
  /**
   * Deletes every expired upload's staged bytes and record (a server calls this now and
   * then; a Durable Object uses its alarm instead).
   *
   * @param now Milliseconds since the epoch (by default, the `now` option's clock).
   * @returns How many uploads were deleted.
   */
  sweep(now?: number): Promise<number>;
  /** Drops every session from memory and clears the handler's timers. */
  close(): Promise<void>;
}
