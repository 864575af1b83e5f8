// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { ChunkReader } from "../../_chunk_reader.ts";
import { Gatherer } from "../../_gather.ts";
import { fromBase64, toBase64, toHex } from "../../_bytes.ts";
import type { VerifyResult } from "../../archive/read_archive.ts";
import type { SnapshotError } from "../../errors.ts";
import { Feed } from "../_feed.ts";
import {
  busy,
  checkPositive,
  describe,
  discard,
  lower,
  noop,
  resolveBounds,
  runVerifier,
  shuttingDown,
  startTimer,
  storeError,
  type UploadBounds,
  type VerifierSettings,
  verifierSettings,
} from "../_upload_common.ts";
import { snapshotKey } from "../store.ts";
import { UploadError } from "../upload_error.ts";
import { failedJson, jsonResponse, storedJson, uploadErrorResponse } from "../upload_json.ts";
import type { ResumableRecord, ResumableStore, StagedResumable } from "./resumable_store.ts";
import type { TusSessionOptions } from "./tus_options.ts";

/** The media type of a `PATCH` body (and of a `POST` that carries the first bytes). */
export const TUS_CONTENT_TYPE = "application/offset+octet-stream";

/** Microtask turns a PATCH lets a fault in its last bytes travel up the verifier's pipeline. */
const SETTLE_TURNS = 32;

/** Bytes the session gathers small body chunks into before staging and verifying them. */
const COALESCE_BYTES = 256 * 1024;

/** A session's settings: the options with their defaults, checked. */
interface SessionSettings extends UploadBounds {
  verifier: VerifierSettings;
  expiresAfter: number;
  maxUploadTime: number;
  now: () => number;
  signal: AbortSignal | undefined;
}

function sessionSettings(options: TusSessionOptions): SessionSettings {
  const bounds = resolveBounds(options);
  const expiry = {
    expiresAfter: options.expiresAfter ?? 24 * 3600_000,
    maxUploadTime: options.maxUploadTime ?? 72 * 3600_000,
  };
  checkPositive(expiry);
  return {
    ...bounds,
    ...expiry,
    verifier: verifierSettings(options, bounds),
    now: options.now ?? Date.now,
    signal: options.signal,
  };
}

/**
 * One streaming verifier fed across requests: the single-request handler's verifier on a
 * {@linkcode Feed} that outlives each `PATCH`.
 */
class LiveVerifier {
  readonly #feed = new Feed();
  readonly #stop = new AbortController();
  readonly result: Promise<VerifyResult | undefined>;
  #closed = false;
  /** The fault the verifier found, once it has. */
  failure: SnapshotError | UploadError | undefined;

  constructor(settings: VerifierSettings, onFault: () => void) {
    this.result = runVerifier(this.#feed.readable, settings, this.#stop.signal).catch(
      (error: SnapshotError | UploadError) => {
        if (!this.#closed) {
          this.failure ??= error;
          onFault();
        }
        return undefined;
      },
    );
  }

  /** Hands bytes on once the verifier wants more; false once it found a fault. */
  async push(bytes: Uint8Array): Promise<boolean> {
    await this.#feed.ready();
    if (this.failure) return false;
    this.#feed.push(bytes);
    return true;
  }

  /** Settles once the verifier has taken everything pushed and asks for more (or failed). */
  async taken(): Promise<void> {
    await this.#feed.ready();
    // Let a fault found in the last bytes reach `failure` before the caller looks. Not a
    // timer: timers are clamped (4 ms in Deno, coarse in workerd), which made small
    // PATCHes wait for them rather than for the verifier.
    for (let turn = 0; turn < SETTLE_TURNS && !this.failure; turn++) await null;
  }

  /** Ends the input; the verdict. */
  finish(): Promise<VerifyResult | undefined> {
    this.#feed.close();
    return this.result;
  }

  /** Drops the verifier (its memory) without a verdict. */
  close() {
    if (this.#closed) return;
    this.#closed = true;
    const reason = new UploadError("aborted", "the session was closed");
    this.#stop.abort(reason);
    this.#feed.error(reason);
  }
}

/**
 * `Upload-Metadata` as the protocol writes it: `key base64,key base64` (a key with an
 * empty value goes alone).
 *
 * @example Encoding
 * ```ts
 * import { encodeMetadata } from "@raftsnap/raftsnap";
 *
 * const header = encodeMetadata({ filename: "backup.snap", confidential: "" });
 * if (header !== "filename YmFja3VwLnNuYXA=,confidential") throw new Error(header);
 * ```
 *
 * @param metadata The keys and their text values.
 * @returns The header's value.
 */
export function encodeMetadata(metadata: Record<string, string>): string {
  const encoder = new TextEncoder();
  return Object.entries(metadata)
    .map(([key, value]) => value === "" ? key : `${key} ${toBase64(encoder.encode(value))}`)
    .join(",");
}

/** Why reading a `PATCH` body stopped early, and the bytes staged anyway. */
type Stop = UploadError;

/**
 * One resumable upload: its staged bytes and record (in a {@linkcode ResumableStore})
 * and, while requests come, a live verifier fed by each `PATCH` body in order. A server
 * keeps sessions in a map (see `createTusHandler`); a Durable Object hosts one. A
 * session holds no process-global state; one request at a time changes it (a second
 * `PATCH` gets 423).
 *
 * A lost verifier (the session was dropped from memory, the process restarted, the
 * Durable Object was evicted) is rebuilt on the next `PATCH` by replaying the staged
 * bytes through a fresh verifier.
 *
 * @example Hosting one upload
 * ```ts
 * import { MemoryStore, TusSession, writeSnapshot } from "@raftsnap/raftsnap";
 *
 * const store = new MemoryStore();
 * const state = new TextEncoder().encode("state");
 * const archive = new Uint8Array(
 *   await new Response(writeSnapshot({ id: "1-9-1700000000000", index: 9, term: 1, size: 5 }, state)).arrayBuffer(),
 * );
 * const now = Date.now();
 * const session = await TusSession.create(store, {
 *   id: "u1", length: archive.length, metadata: {}, owner: "", created: now, expires: now + 60_000, offset: 0,
 * });
 * const patch = (from: number, to: number) =>
 *   session.handle(new Request("http://x/uploads/u1", {
 *     method: "PATCH",
 *     headers: { "content-type": "application/offset+octet-stream", "upload-offset": String(from) },
 *     body: archive.slice(from, to),
 *   }), "");
 * const half = Math.floor(archive.length / 2);
 * if ((await patch(0, half)).status !== 204) throw new Error("first half");
 * const done = await patch(half, archive.length);
 * if (done.status !== 200 || store.snapshots.size !== 1) throw new Error(`${done.status}`);
 * ```
 */
export class TusSession {
  readonly #store: ResumableStore;
  readonly #settings: SessionSettings;
  readonly #slots: { active: number };
  readonly #id: string;
  #staged: StagedResumable | undefined;
  #live: LiveVerifier | undefined;
  /** The request changing the upload, while one runs. */
  #running: Promise<unknown> | undefined;
  /** Stops the `PATCH` in progress (a `DELETE` came). */
  #interrupt: AbortController | undefined;
  /** Ending the upload after a fault found between requests. */
  #ending: Promise<void> | undefined;
  #deleted = false;
  /** Milliseconds the last rebuild of the verifier took (replaying the staged bytes). */
  lastRebuildMs: number | undefined;

  /**
   * A session over a staged upload; see {@linkcode TusSession.create} and
   * {@linkcode TusSession.open}.
   *
   * @param store The store the upload is staged in.
   * @param staged The staged upload.
   * @param options Bounds, verifier settings and expiry.
   * @param slots Uploads being received, shared by every session of one process, for
   *   `maxConcurrentUploads`.
   */
  constructor(
    store: ResumableStore,
    staged: StagedResumable,
    options: TusSessionOptions = {},
    slots: { active: number } = { active: 0 },
  ) {
    this.#store = store;
    this.#staged = staged;
    this.#id = staged.record.id;
    this.#settings = sessionSettings(options);
    this.#slots = options.slots ?? slots;
  }

  /**
   * Creates an upload in `store` and its session.
   *
   * @param store Where it is staged.
   * @param record The new record.
   * @param options Bounds, verifier settings and expiry.
   * @param slots Shared by the sessions of one process.
   * @returns The session.
   */
  static async create(
    store: ResumableStore,
    record: ResumableRecord,
    options?: TusSessionOptions,
    slots?: { active: number },
  ): Promise<TusSession> {
    return new TusSession(store, await store.create(record), options, slots);
  }

  /**
   * The session of an upload staged in `store`, with no verifier yet (the first `PATCH`
   * rebuilds it); `undefined` when the store does not know the id.
   *
   * @param store Where it is staged.
   * @param id The upload's id.
   * @param options Bounds, verifier settings and expiry.
   * @param slots Shared by the sessions of one process.
   * @returns The session, or `undefined`.
   */
  static async open(
    store: ResumableStore,
    id: string,
    options?: TusSessionOptions,
    slots?: { active: number },
  ): Promise<TusSession | undefined> {
    const staged = await store.open(id);
    return staged && new TusSession(store, staged, options, slots);
  }

  /** The upload's record as last made durable; `undefined` once it was deleted. */
  get record(): ResumableRecord | undefined {
    return this.#deleted ? undefined : this.#staged?.record;
  }

  /** Whether no request is running on it (it may then be dropped from memory). */
  get idle(): boolean {
    return this.#running === undefined;
  }

  /** Whether it holds a live verifier. */
  get live(): boolean {
    return this.#live !== undefined;
  }

  /** Whether the upload is gone (terminated or expired): the session can be dropped. */
  get deleted(): boolean {
    return this.#deleted;
  }

  /** Drops the live verifier from memory (the next `PATCH` rebuilds it); only when idle. */
  evict(): void {
    if (!this.idle) return;
    this.#live?.close();
    this.#live = undefined;
  }

  /**
   * Deletes the upload if it expired before `now` and no request is running on it.
   *
   * @param now Milliseconds since the epoch.
   * @returns Whether it was deleted.
   */
  async expire(now: number = this.#settings.now()): Promise<boolean> {
    await this.#ending;
    const record = this.record;
    if (!record || !this.idle || record.expires >= now) return false;
    await this.#delete();
    return true;
  }

  async #delete() {
    this.#live?.close();
    this.#live = undefined;
    const staged = await this.#stagedNow();
    this.#deleted = true;
    await staged?.end("deleted");
  }

  /** The staged upload, reopened from the store after a store failure. */
  async #stagedNow(): Promise<StagedResumable | undefined> {
    if (this.#deleted) return undefined;
    this.#staged ??= await this.#store.open(this.#id);
    if (!this.#staged) this.#deleted = true;
    return this.#staged;
  }

  /** Forgets the staged upload's handle (after a store failure): the next use reopens it. */
  #dropStaged() {
    this.#staged = undefined;
    this.#live?.close();
    this.#live = undefined;
  }

  /**
   * Answers a request on the upload: `HEAD` (its offset), `PATCH` (more bytes), `DELETE`
   * (termination) or `GET` (the outcome JSON once it ended). The caller checked the
   * protocol version and the credentials, and adds the protocol and CORS headers.
   *
   * @param request The request.
   * @param owner The hash of its credentials: another owner's upload is 404.
   * @returns The answer. It never rejects.
   */
  async handle(request: Request, owner: string): Promise<Response> {
    const method = request.method;
    try {
      await this.#ending;
      const staged = await this.#stagedNow();
      const record = staged?.record;
      if (!staged || !record || record.owner !== owner) {
        discard(request);
        return notFound();
      }
      if (record.expires < this.#settings.now() && this.idle) {
        discard(request);
        await this.#delete();
        return notFound();
      }
      switch (method) {
        case "HEAD":
          return await this.#head();
        case "GET":
          return this.#get();
        case "PATCH":
          return await this.#patch(request);
        case "DELETE":
          discard(request);
          return await this.#terminate();
        default:
          discard(request);
          return uploadErrorResponse(
            new UploadError("method-not-allowed", `${method} is not allowed on an upload`, {
              expected: "HEAD, PATCH, DELETE or GET",
              found: method,
            }),
            { allow: "HEAD, PATCH, DELETE, GET, OPTIONS" },
          );
      }
    } catch (error) {
      discard(request);
      return uploadErrorResponse(
        new UploadError("internal", `the upload failed unexpectedly: ${describe(error)}`, {
          cause: error,
        }),
      );
    }
  }

  #offsetHeaders(): Record<string, string> {
    const record = this.record!;
    const headers: Record<string, string> = {
      "upload-offset": String(record.offset),
      "upload-length": String(record.length),
    };
    if (!record.ended) headers["upload-expires"] = new Date(record.expires).toUTCString();
    const metadata = encodeMetadata(record.metadata);
    if (metadata) headers["upload-metadata"] = metadata;
    return headers;
  }

  async #head(): Promise<Response> {
    let record = this.record!;
    if (!record.ended && record.offset === record.length && this.idle) {
      // Staged whole before a restart, not yet verified and stored: finish it now.
      await this.#exclusive(() => this.#complete());
      record = this.record!;
    }
    if (record.ended && "refused" in record.ended) return empty(410, {});
    return empty(200, this.#offsetHeaders());
  }

  #get(): Response {
    const record = this.record!;
    const ended = record.ended;
    if (!ended) {
      return new Response(
        JSON.stringify({
          ok: null,
          offset: record.offset,
          length: record.length,
          expires: new Date(record.expires).toISOString(),
        }),
        {
          status: 202,
          headers: { "content-type": "application/json; charset=utf-8", ...this.#offsetHeaders() },
        },
      );
    }
    if ("stored" in ended) return jsonResponse(200, ended.stored, this.#offsetHeaders());
    return new Response(JSON.stringify(ended.refused), {
      status: 410,
      headers: { "content-type": "application/json; charset=utf-8" },
    });
  }

  async #terminate(): Promise<Response> {
    this.#interrupt?.abort();
    await this.#running?.catch(noop);
    await this.#ending;
    if (!this.#deleted) await this.#delete();
    return empty(204, {});
  }

  /** Runs `work` as the one request changing the upload. */
  async #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const running = work();
    this.#running = running;
    try {
      return await running;
    } finally {
      if (this.#running === running) this.#running = undefined;
    }
  }

  async #patch(request: Request): Promise<Response> {
    const record = this.record!;
    const refuse = (error: UploadError, headers?: Record<string, string>) => {
      discard(request);
      return uploadErrorResponse(error, headers);
    };
    if (record.ended) {
      if ("stored" in record.ended && headerOffset(request) === record.length) {
        discard(request);
        return jsonResponse(200, record.ended.stored, this.#offsetHeaders());
      }
      return refuse(
        new UploadError("gone", "the upload has ended: GET it for the outcome"),
      );
    }
    const type = request.headers.get("content-type");
    const mediaType = type === null ? undefined : lower(type.split(";")[0]!);
    if (mediaType !== TUS_CONTENT_TYPE) {
      return refuse(
        new UploadError(
          "unsupported-media-type",
          `a PATCH body is ${TUS_CONTENT_TYPE}, not ${mediaType ?? "untyped"}`,
          { expected: TUS_CONTENT_TYPE, found: mediaType ?? "none" },
        ),
      );
    }
    const offset = headerOffset(request);
    if (offset === undefined) {
      return refuse(
        new UploadError("bad-header", "Upload-Offset is missing or not a byte count", {
          expected: "a decimal byte count",
          found: (request.headers.get("upload-offset") ?? "none").slice(0, 40),
        }),
      );
    }
    if (!this.idle) {
      return refuse(new UploadError("locked", "another PATCH on this upload is in progress"));
    }
    if (offset !== record.offset) {
      return refuse(
        new UploadError(
          "offset-mismatch",
          `Upload-Offset is ${offset}, but ${record.offset} bytes are staged`,
          { expected: String(record.offset), found: String(offset) },
        ),
        this.#offsetHeaders(),
      );
    }
    const remaining = record.length - record.offset;
    const lengthHeader = request.headers.get("content-length");
    if (lengthHeader !== null && /^\s*\d+\s*$/.test(lengthHeader)) {
      if (Number(lengthHeader) > remaining) {
        return refuse(
          new UploadError(
            "too-large",
            `the PATCH carries ${lengthHeader} bytes, but only ${remaining} remain of the ` +
              `upload's ${record.length}`,
            { expected: `at most ${remaining} bytes`, found: `${lengthHeader} bytes` },
          ),
          this.#offsetHeaders(),
        );
      }
    }
    if (this.#settings.signal?.aborted) return refuse(shuttingDown());
    const slots = this.#slots;
    if (slots.active >= this.#settings.maxConcurrentUploads) {
      return refuse(busy(this.#settings), { "retry-after": String(this.#settings.retryAfter) });
    }
    slots.active++;
    try {
      return await this.#exclusive(() => this.#receive(request, remaining));
    } finally {
      slots.active--;
    }
  }

  /**
   * The verifier, live or rebuilt by replaying the staged bytes; or the error that
   * stopped the replay: a fault in the staged archive (the caller ends the upload,
   * refused), or `store-error` when the store could not replay what its record counts.
   */
  async #verifier(): Promise<LiveVerifier | UploadError | SnapshotError> {
    if (this.#live) return this.#live;
    const staged = this.#staged!;
    const started = performance.now();
    const live = new LiveVerifier(this.#settings.verifier, () => this.#faultBetweenRequests());
    const want = staged.record.offset;
    let replayed = 0;
    if (want > 0) {
      const reader = new ChunkReader(staged.replay());
      const gatherer = new Gatherer(COALESCE_BYTES);
      const handOn = async (piece: Uint8Array) => {
        await live.push(piece);
      };
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done || live.failure) break;
          replayed += value.length;
          if (replayed > want) break;
          await gatherer.add(value, handOn);
        }
        if (!live.failure) await gatherer.flush(handOn);
      } catch (error) {
        live.close();
        return storeError("read the staged bytes", error);
      } finally {
        reader.cancel().catch(noop);
      }
      await live.taken();
    }
    if (live.failure) return live.failure;
    if (replayed !== want) {
      live.close();
      return new UploadError(
        "store-error",
        `the store replayed ${replayed} staged bytes, but its record says ${want}`,
        { expected: `${want} bytes`, found: `${replayed} bytes` },
      );
    }
    this.lastRebuildMs = performance.now() - started;
    this.#live = live;
    return live;
  }

  /** A fault the verifier found while no request was running: the upload ends now. */
  #faultBetweenRequests() {
    if (!this.idle || !this.#live) return;
    const failure = this.#live.failure!;
    this.#live = undefined;
    this.#ending = this.#refuse(failure).then(noop, noop);
  }

  /** Ends the upload as refused for `error`; the refusal to answer. */
  async #refuse(error: SnapshotError | UploadError): Promise<Response> {
    this.#live?.close();
    this.#live = undefined;
    const json = failedJson(error);
    const status = error instanceof UploadError ? error.status : 400;
    const staged = await this.#stagedNow();
    try {
      await staged?.end(
        { refused: { ...json, status } },
        this.#settings.now() + this.#settings.expiresAfter,
      );
    } catch {
      // The refusal stands; a store that cannot clean up leaves it to expiry.
    }
    return uploadErrorResponse(error);
  }

  /** Reads a `PATCH` body into the staging and the verifier. */
  async #receive(request: Request, remaining: number): Promise<Response> {
    const settings = this.#settings;
    const found = await this.#verifier();
    if (!(found instanceof LiveVerifier)) {
      discard(request);
      if (found instanceof UploadError && found.code === "store-error") {
        this.#dropStaged();
        return uploadErrorResponse(found);
      }
      return await this.#refuse(found);
    }
    const live = found;
    const staged = this.#staged!;
    const reader = new ChunkReader(
      request.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() }),
    );
    let stop: Stop | undefined;
    let storeFailure: unknown;
    const halt = (reason: Stop) => {
      stop ??= reason;
      reader.cancel(reason).catch(noop);
    };
    const interrupt = new AbortController();
    this.#interrupt = interrupt;
    const onGone = () =>
      halt(new UploadError("upload-aborted", "the client went away during the PATCH"));
    const onShutdown = () => halt(shuttingDown());
    const onInterrupt = () => halt(new UploadError("upload-aborted", "the upload was deleted"));
    request.signal.addEventListener("abort", onGone);
    settings.signal?.addEventListener("abort", onShutdown);
    interrupt.signal.addEventListener("abort", onInterrupt);
    const clearTimer = startTimer(
      settings.timeout,
      () => halt(new UploadError("timeout", `the PATCH took longer than ${settings.timeout} ms`)),
    );
    if (request.signal.aborted) onGone();
    if (settings.signal?.aborted) onShutdown();

    const gatherer = new Gatherer(COALESCE_BYTES);
    const handOn = async (piece: Uint8Array) => {
      if (live.failure || storeFailure !== undefined) return;
      await Promise.all([
        staged.write(piece).catch((error) => {
          storeFailure = error;
        }),
        live.push(piece),
      ]);
    };
    let received = 0;
    try {
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (error) {
          if (!stop) {
            stop = new UploadError(
              "upload-aborted",
              `the request body failed: ${describe(error)}`,
              { cause: error },
            );
          }
          break;
        }
        if (chunk.done) break;
        received += chunk.value.length;
        if (received > remaining) {
          halt(
            new UploadError(
              "too-large",
              `the PATCH carries more than the ${remaining} bytes that remain of the upload`,
              { expected: `at most ${remaining} bytes`, found: `${received} bytes or more` },
            ),
          );
          break;
        }
        if (live.failure || storeFailure !== undefined) {
          // A bad archive: read the rest (bounded by the upload's length) so that the
          // client gets the answer, but stage nothing more.
          gatherer.discard();
          continue;
        }
        await gatherer.add(chunk.value, handOn);
      }
      // What arrived before a cut, a timeout or a shutdown is staged too: the offset
      // advances by it and the client resumes from there.
      if (!live.failure && storeFailure === undefined) await gatherer.flush(handOn);
      if (!live.failure && storeFailure === undefined) await live.taken();
    } finally {
      clearTimer();
      request.signal.removeEventListener("abort", onGone);
      settings.signal?.removeEventListener("abort", onShutdown);
      interrupt.signal.removeEventListener("abort", onInterrupt);
      reader.releaseLock();
      if (this.#interrupt === interrupt) this.#interrupt = undefined;
    }

    if (live.failure) return await this.#refuse(live.failure);
    if (storeFailure === undefined) {
      try {
        await staged.flush(this.#nextExpiry());
      } catch (error) {
        storeFailure = error;
      }
    }
    if (storeFailure !== undefined) {
      // The verifier has seen bytes the store may not hold: rebuild both from the store.
      this.#dropStaged();
      return uploadErrorResponse(storeError("stage", storeFailure));
    }
    if (staged.record.offset === staged.record.length) return await this.#complete();
    if (stop) return uploadErrorResponse(stop, this.#offsetHeaders());
    return empty(204, this.#offsetHeaders());
  }

  /** When the upload expires after a `PATCH` now: `expiresAfter` on, within `maxUploadTime`. */
  #nextExpiry(): number {
    const record = this.#staged!.record;
    return Math.min(
      this.#settings.now() + this.#settings.expiresAfter,
      record.created + this.#settings.maxUploadTime,
    );
  }

  /** Every byte is staged: the verdict, then commit (200 with the stored JSON) or refusal. */
  async #complete(): Promise<Response> {
    const found = await this.#verifier();
    if (!(found instanceof LiveVerifier)) {
      if (found instanceof UploadError && found.code === "store-error") {
        this.#dropStaged();
        return uploadErrorResponse(found);
      }
      return await this.#refuse(found);
    }
    const result = await found.finish();
    this.#live = undefined;
    if (!result) return await this.#refuse(found.failure!);
    const staged = this.#staged!;
    // The verifier hashed the archive as it passed (checksum: true).
    const checksum = result.checksum!;
    const digest = fromBase64(checksum.replace(/^sha-256=/, ""))!;
    const sha256 = toHex(digest);
    let key: string | void;
    try {
      key = await staged.commit({
        result,
        checksum,
        sha256,
        size: result.compressedBytes,
        key: snapshotKey(result.meta, sha256),
      });
    } catch (error) {
      return await this.#refuse(storeError("commit", error));
    }
    const json = storedJson(typeof key === "string" ? key : null, result);
    try {
      await staged.end({ stored: json }, this.#settings.now() + this.#settings.expiresAfter);
    } catch {
      // Stored; the record of it is kept where the store could.
    }
    return jsonResponse(200, json, { digest: checksum, ...this.#offsetHeaders() });
  }
}

function headerOffset(request: Request): number | undefined {
  const text = request.headers.get("upload-offset");
  return text !== null && /^\s*\d{1,16}\s*$/.test(text) ? Number(text) : undefined;
}

function notFound(): Response {
  return uploadErrorResponse(new UploadError("not-found", "no such upload"));
}

function empty(status: number, headers: Record<string, string>): Response {
  return new Response(null, { status, headers: { "cache-control": "no-store", ...headers } });
}
