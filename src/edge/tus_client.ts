// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import type { FailedUploadJson, StoredUploadJson, UploadErrorJson } from "./upload_json.ts";

/**
 * Bytes to upload that can be read again from any offset: what a resume needs. A
 * `Blob` (or `File`) is one already; {@linkcode UploadSource} wraps anything else (a
 * file opened again at an offset, say).
 */
export interface UploadSource {
  /** The total size in bytes. */
  size: number;
  /**
   * The bytes from `offset` to the end. The client reads what one request carries and
   * cancels the rest.
   */
  read(offset: number): ReadableStream<Uint8Array> | Promise<ReadableStream<Uint8Array>>;
}

/** What {@linkcode uploadSnapshot} reports as it goes. */
export interface UploadProgress {
  /** Bytes the server has acknowledged (durably staged and verified so far). */
  acknowledged: number;
  /** Bytes sent, counting the request in flight (may go back after a resume). */
  sent: number;
  /** The total. */
  total: number;
}

/** Options of {@linkcode uploadSnapshot}. */
export interface UploadSnapshotOptions {
  /** Sent as `Authorization: Bearer TOKEN`. */
  token?: string;
  /** More request headers, on every request. */
  headers?: Record<string, string>;
  /**
   * Most bytes per request. Cloudflare refuses request bodies over 100 MB (Free and Pro
   * plans), so the default stays well below.
   *
   * @default {52428800} (50 MiB)
   */
  chunkSize?: number;
  /** Stops the upload: the promise rejects with the signal's reason; the upload stays resumable. */
  signal?: AbortSignal;
  /** Called as bytes go out and as the server acknowledges them. */
  onProgress?: (progress: UploadProgress) => void;
  /**
   * An upload URL from an earlier run (see `onUploadUrl`): the upload resumes there from
   * the offset the server reports. If the server no longer knows it (404, 410 for a
   * terminated one), a new upload starts.
   */
  uploadUrl?: string;
  /**
   * Called before each retry: what failed, the number of failed attempts in a row, and
   * the milliseconds until the next attempt.
   */
  onRetry?: (error: Error, attempt: number, delay: number) => void;
  /** Called with the upload's URL once the server created it, to remember for a later run. */
  onUploadUrl?: (url: string) => void | Promise<void>;
  /** `Upload-Metadata` pairs (a `filename`, say); informational to the server. */
  metadata?: Record<string, string>;
  /**
   * Failed attempts in a row (without the server's offset advancing in between) before
   * giving up. A network error, a 5xx, 408, 409, 423 and 429 are retried, after a
   * `HEAD` that learns where the server's offset is.
   *
   * @default {8}
   */
  retries?: number;
  /**
   * Milliseconds before the first retry; each next one waits twice as long (with up to
   * 20% jitter), at most `maxRetryDelay`, or what a `Retry-After` asks.
   *
   * @default {1000}
   */
  retryDelay?: number;
  /**
   * Longest wait between two attempts, in milliseconds.
   *
   * @default {30000}
   */
  maxRetryDelay?: number;
  /**
   * Milliseconds a run of failed attempts may last, from its first failure, before
   * giving up (it restarts whenever the offset advances).
   *
   * @default {600000} (10 minutes)
   */
  retryTimeout?: number;
  /**
   * Send the first chunk with the `POST` that creates the upload (tus
   * `creation-with-upload`), saving a round trip.
   *
   * @default {true}
   */
  creationWithUpload?: boolean;
  /** The `fetch` to use. @default {globalThis.fetch} */
  fetch?: typeof fetch;
}

/**
 * Why {@linkcode uploadSnapshot} failed.
 *
 * | kind | meaning |
 * |---|---|
 * | `bad-snapshot` | the server's verifier refused the archive (its error JSON carries a `SnapshotError` code and layer): the file's fault |
 * | `refused` | the server refused the upload for another reason: credentials, size, a bound, a server fault (its error JSON says which) |
 * | `unreachable` | the server could not be reached, or kept failing, through every retry |
 * | `protocol` | the server does not answer as a tus 1.0.0 server does |
 * | `source` | the bytes to send could not be read: the source ended early or failed (a file that shrank or changed) |
 */
export type UploadFailureKind = "bad-snapshot" | "refused" | "unreachable" | "protocol" | "source";

/**
 * The error {@linkcode uploadSnapshot} rejects with (besides a signal's reason when it
 * is aborted). `kind` says whether the archive is at fault (`bad-snapshot`) or
 * something else is.
 *
 * @example Telling a bad archive from the rest
 * ```ts
 * import { UploadFailedError } from "@raftsnap/raftsnap";
 *
 * const error = new UploadFailedError("unreachable", "connection refused");
 * const exit = error.kind === "bad-snapshot" ? 1 : 3;
 * if (exit !== 3) throw new Error("wrong");
 * ```
 */
export class UploadFailedError extends Error {
  /** What failed; see {@linkcode UploadFailureKind}. */
  readonly kind: UploadFailureKind;
  /** The HTTP status of the answer that ended the upload, if there was one. */
  readonly status: number | undefined;
  /** The server's error JSON (`{ ok: false, error }`'s `error`), when it sent one. */
  readonly error: UploadErrorJson | undefined;
  /** The upload's URL, when the server had created it. */
  readonly uploadUrl: string | undefined;

  /**
   * Builds the error.
   *
   * @param kind What failed.
   * @param message What happened, for a person.
   * @param details The status, the server's error JSON, the upload URL, the cause.
   */
  constructor(
    kind: UploadFailureKind,
    message: string,
    details: { status?: number; error?: UploadErrorJson; uploadUrl?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: details.cause });
    this.name = "UploadFailedError";
    this.kind = kind;
    this.status = details.status;
    this.error = details.error;
    this.uploadUrl = details.uploadUrl;
  }
}

const TUS_VERSION = "1.0.0";
const OCTETS = "application/offset+octet-stream";

/** A failed attempt that a retry may mend. */
class Retryable extends Error {
  constructor(message: string, readonly retryAfter?: number, options?: ErrorOptions) {
    super(message, options);
  }
}

/** A server-side upload that is gone (404, 410 without a refusal): start again. */
class Gone extends Error {}

function isBlob(source: Blob | UploadSource): source is Blob {
  return typeof Blob !== "undefined" && source instanceof Blob;
}

function bytesOf(source: Blob | UploadSource): UploadSource {
  if (isBlob(source)) {
    return { size: source.size, read: (offset) => source.slice(offset).stream() };
  }
  return source as UploadSource;
}

/** `Upload-Metadata`: `key base64,key base64`. */
function encodeMetadata(metadata: Record<string, string>): string {
  const encoder = new TextEncoder();
  return Object.entries(metadata).map(([key, value]) => {
    if (!/^[\x21-\x7e]+$/.test(key) || key.includes(",")) {
      throw new TypeError(`Upload-Metadata keys are ASCII without spaces or commas: ${key}`);
    }
    const bytes = encoder.encode(value);
    let binary = "";
    for (const byte of bytes) binary += String.fromCharCode(byte);
    return value === "" ? key : `${key} ${btoa(binary)}`;
  }).join(",");
}

/** The bytes `[0, length)` of `stream`, then it is cancelled; counts them as they pass. */
function take(
  stream: ReadableStream<Uint8Array>,
  length: number,
  counted: (n: number) => void,
  failed: (error: unknown) => void,
): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  let left = length;
  // Cancelled by the request (its connection went away): a read that then ends or fails
  // says nothing about the source.
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (left === 0) {
        controller.close();
        await reader.cancel().catch(() => {});
        return;
      }
      let read: ReadableStreamReadResult<Uint8Array>;
      try {
        read = await reader.read();
      } catch (error) {
        if (!cancelled) failed(error);
        throw error;
      }
      const { done, value } = read;
      if (done && cancelled) return;
      if (done) {
        const error = new Error(`the source ended ${left} bytes before the size it announced`);
        failed(error);
        controller.error(error);
        return;
      }
      const chunk = value.length > left ? value.subarray(0, left) : value;
      left -= chunk.length;
      counted(chunk.length);
      controller.enqueue(chunk);
    },
    cancel(reason) {
      cancelled = true;
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const done = () => {
      signal?.removeEventListener("abort", stop);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const stop = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", stop, { once: true });
  });
}

/** Seconds of a `Retry-After` header, in milliseconds. */
function retryAfterOf(response: Response): number | undefined {
  const value = response.headers.get("retry-after");
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value) * 1000;
}

/** The JSON body of an answer, if it is one of the handler's. */
async function jsonOf(
  response: Response,
): Promise<StoredUploadJson | FailedUploadJson | undefined> {
  const type = response.headers.get("content-type") ?? "";
  if (!type.includes("json")) {
    await response.body?.cancel();
    return undefined;
  }
  try {
    const body = await response.json();
    if (body && typeof body === "object" && typeof body.ok === "boolean") return body;
  } catch {
    // not JSON after all
  }
  return undefined;
}

function offsetOf(response: Response): number | undefined {
  const value = response.headers.get("upload-offset");
  return value !== null && /^\d+$/.test(value) ? Number(value) : undefined;
}

/**
 * Uploads a snapshot to a tus 1.0.0 endpoint (`serve:edge`'s or the Cloudflare
 * Worker's `/uploads/`, or any tus server), resuming on its own after a dropped
 * connection or a server restart, and resolves with the server's JSON for the stored
 * snapshot (its `key` and `meta`).
 *
 * ### Overview
 * It creates the upload with `POST` (sending the first chunk with it), then sends the
 * rest in `PATCH` requests of at most `chunkSize` bytes. A request that fails for a
 * reason a retry may mend (the network, a 5xx, 408, 409, 423, 429) is followed by a
 * `HEAD` that asks the server for its offset, and the upload goes on from there after an
 * exponential backoff, bounded by `retries` and `retryTimeout`. The source is read
 * again from the server's offset each time, so a `Blob` or a file is never held in
 * memory whole. If the final answer is lost, the stored JSON is fetched with `GET`.
 *
 * To resume in a later run (after the process died), remember the URL `onUploadUrl`
 * gives and pass it back as `uploadUrl`.
 *
 * @example Uploading a file from a page
 * ```ts ignore
 * import { uploadSnapshot, UploadFailedError } from "@raftsnap/raftsnap";
 *
 * const file = new File([], "backup.snap"); // the File a page was given
 * try {
 *   const stored = await uploadSnapshot(file, "https://verify.example.com/uploads/", {
 *     token: "secret",
 *     onProgress: ({ acknowledged, total }) => console.log(`${acknowledged} / ${total}`),
 *   });
 *   console.log(`stored as ${stored.key}`);
 * } catch (error) {
 *   if (error instanceof UploadFailedError && error.kind === "bad-snapshot") {
 *     console.log(`refused: ${error.error?.message}`);
 *   } else throw error;
 * }
 * ```
 *
 * @param source The archive: a `Blob`/`File`, or an {@linkcode UploadSource}.
 * @param url The tus endpoint (where `POST` creates an upload): `https://host/uploads/`.
 * @param options The token, the chunk size, retries, progress, a signal.
 * @returns The server's JSON for the stored snapshot.
 * @throws {UploadFailedError} when the upload fails; `kind` says why.
 * @throws {RangeError} for a `chunkSize` below 1.
 */
export async function uploadSnapshot(
  source: Blob | UploadSource,
  url: string | URL,
  options: UploadSnapshotOptions = {},
): Promise<StoredUploadJson> {
  const bytes = bytesOf(source);
  const total = bytes.size;
  const chunkSize = options.chunkSize ?? 50 * 1024 * 1024;
  if (!(chunkSize >= 1)) throw new RangeError(`chunkSize must be at least 1, not ${chunkSize}`);
  const retries = options.retries ?? 8;
  const firstDelay = options.retryDelay ?? 1000;
  const maxDelay = options.maxRetryDelay ?? 30_000;
  const retryTimeout = options.retryTimeout ?? 600_000;
  const signal = options.signal;
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const endpoint = new URL(url);
  const base: Record<string, string> = { ...options.headers, "tus-resumable": TUS_VERSION };
  if (options.token !== undefined) base.authorization = `Bearer ${options.token}`;

  let uploadUrl = options.uploadUrl;
  let offset = 0;
  let known = false; // whether `offset` is the server's, for `uploadUrl`
  let failures = 0;
  let failingSince: number | undefined;
  let lastError: unknown;

  let sourceError: unknown; // why the last request's body failed, if it did
  const report = (sent: number) =>
    options.onProgress?.({ acknowledged: offset, sent: Math.min(sent, total), total });

  const send = async (method: string, target: string, init: RequestInit): Promise<Response> => {
    try {
      return await doFetch(target, { ...init, method, signal, redirect: "follow" });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (sourceError !== undefined) {
        throw new UploadFailedError(
          "source",
          `${method} ${target}: cannot read the bytes to send: ${describe(sourceError)}`,
          { uploadUrl, cause: sourceError },
        );
      }
      // A permission error (Deno without --allow-net) is no network failure: no retry.
      if (error instanceof Error && /NotCapable|PermissionDenied/.test(error.name)) throw error;
      throw new Retryable(`${method} ${target}: ${describe(error)}`, undefined, { cause: error });
    }
  };

  /** Turns an answer that is not what was hoped for into the right error. */
  const fail = async (response: Response, what: string): Promise<never> => {
    const status = response.status;
    const body = await jsonOf(response);
    const error = body && !body.ok ? body.error : undefined;
    if (status === 410 && !error) throw new Gone(`${what}: 410`);
    if (status === 404 && what.startsWith("HEAD")) throw new Gone(`${what}: 404`);
    if (error?.layer) {
      throw new UploadFailedError("bad-snapshot", error.message, {
        status,
        error,
        uploadUrl,
      });
    }
    if (
      status >= 500 && status !== 501 && status !== 505 || status === 408 || status === 409 ||
      status === 423 || status === 429
    ) {
      throw new Retryable(
        `${what}: ${status}${error ? ` ${error.code}: ${error.message}` : ""}`,
        retryAfterOf(response),
      );
    }
    const detail = error ? `${error.code}: ${error.message}` : response.statusText || "refused";
    throw new UploadFailedError("refused", `${what}: ${status} ${detail}`, {
      status,
      error,
      uploadUrl,
    });
  };

  /** What a finished upload's answer holds, or (if it holds nothing) what `GET` returns. */
  const finished = async (response: Response | undefined): Promise<StoredUploadJson> => {
    const body = response ? await jsonOf(response) : undefined;
    if (body?.ok) return body;
    const answer = await send("GET", uploadUrl!, { headers: base });
    const stored = answer.ok ? await jsonOf(answer) : undefined;
    if (stored?.ok) return stored;
    if (answer.ok) {
      throw new UploadFailedError(
        "protocol",
        `the upload at ${uploadUrl} is complete but the server did not say where it stored it`,
        { status: answer.status, uploadUrl },
      );
    }
    return await fail(answer, `GET ${uploadUrl}`);
  };

  /**
   * A request body of `length` bytes from `from`: a slice of a Blob (it has a length and
   * needs no streaming upload, which browsers allow only over HTTP/2; progress then moves
   * once the request is answered), or a stream that reports progress as it is read.
   */
  const requestBody = async (
    from: number,
    length: number,
  ): Promise<{ body: BodyInit; duplex?: "half"; length?: number }> => {
    if (isBlob(source)) return { body: source.slice(from, from + length) };
    let sent = from;
    report(sent);
    sourceError = undefined;
    const stream = take(await bytes.read(from), length, (n) => {
      sent += n;
      report(sent);
    }, (error) => sourceError = error);
    return { body: stream, duplex: "half", length };
  };

  const create = async (): Promise<StoredUploadJson | undefined> => {
    const headers: Record<string, string> = { ...base, "upload-length": String(total) };
    if (options.metadata && Object.keys(options.metadata).length > 0) {
      headers["upload-metadata"] = encodeMetadata(options.metadata);
    }
    // An empty upload is complete once created: it goes with the POST, for the verdict.
    const withUpload = (options.creationWithUpload ?? true) || total === 0;
    const length = withUpload ? Math.min(chunkSize, total) : 0;
    const init: RequestInit & { duplex?: string } = { headers };
    if (withUpload) {
      headers["content-type"] = OCTETS;
      const { length: announced, ...body } = await requestBody(0, length);
      // A stream body goes chunked where the runtime ignores this (Deno); Node sends it.
      if (announced !== undefined) headers["content-length"] = String(announced);
      Object.assign(init, body);
    }
    const response = await send("POST", endpoint.href, init);
    if (response.status !== 201 && !(response.ok && offsetOf(response) === total)) {
      return await fail(response, `POST ${endpoint.href}`);
    }
    const location = response.headers.get("location");
    if (location === null) {
      throw new UploadFailedError("protocol", `POST ${endpoint.href}: 201 without a Location`, {
        status: response.status,
      });
    }
    uploadUrl = new URL(location, endpoint).href;
    await options.onUploadUrl?.(uploadUrl);
    offset = offsetOf(response) ?? 0;
    known = offsetOf(response) !== undefined;
    report(offset);
    if (known && offset === total) return await finished(response);
    await response.body?.cancel();
    return undefined;
  };

  /** Asks the server where the upload stands. */
  const head = async (): Promise<StoredUploadJson | undefined> => {
    const response = await send("HEAD", uploadUrl!, { headers: base });
    if (response.status === 410) {
      // Ended without being stored (its refusal's answer was lost, say): GET tells why.
      const answer = await send("GET", uploadUrl!, { headers: base });
      return await fail(answer.ok ? response : answer, `GET ${uploadUrl}`);
    }
    if (!response.ok) return await fail(response, `HEAD ${uploadUrl}`);
    const serverOffset = offsetOf(response);
    const length = response.headers.get("upload-length");
    if (serverOffset === undefined || (length !== null && Number(length) !== total)) {
      if (length !== null && Number(length) !== total) throw new Gone("another upload");
      throw new UploadFailedError("protocol", `HEAD ${uploadUrl}: no Upload-Offset`, {
        status: response.status,
        uploadUrl,
      });
    }
    offset = serverOffset;
    known = true;
    report(offset);
    if (offset === total) return await finished(undefined);
    return undefined;
  };

  const patch = async (): Promise<StoredUploadJson | undefined> => {
    const length = Math.min(chunkSize, total - offset);
    const { length: announced, ...body } = await requestBody(offset, length);
    const headers: Record<string, string> = {
      ...base,
      "content-type": OCTETS,
      "upload-offset": String(offset),
    };
    if (announced !== undefined) headers["content-length"] = String(announced);
    const response = await send("PATCH", uploadUrl!, { headers, ...body });
    if (response.status !== 204 && !response.ok) {
      known = false;
      return await fail(response, `PATCH ${uploadUrl}`);
    }
    const next = offsetOf(response);
    if (next === undefined || next < offset || next > offset + length) {
      await response.body?.cancel();
      known = false;
      throw new Retryable(`PATCH ${uploadUrl}: Upload-Offset ${next} after ${offset}`);
    }
    offset = next;
    report(offset);
    if (offset === total) return await finished(response);
    await response.body?.cancel();
    return undefined;
  };

  let best = -1; // the highest offset acknowledged: failures count until it advances
  for (;;) {
    try {
      let stored: StoredUploadJson | undefined;
      if (uploadUrl === undefined) stored = await create();
      else if (!known) stored = await head();
      else stored = await patch();
      if (stored) return stored;
      if (known && offset > best) {
        best = offset;
        failures = 0;
        failingSince = undefined;
      }
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (error instanceof Gone) {
        // The server forgot the upload (expired, or another one): start a new one.
        if (uploadUrl === undefined || ++failures > retries) {
          throw new UploadFailedError("protocol", `${error.message}: the upload is gone`, {
            uploadUrl,
          });
        }
        uploadUrl = undefined;
        known = false;
        offset = 0;
        best = -1;
        continue;
      }
      if (!(error instanceof Retryable)) throw error;
      lastError = error;
      known = false;
      failures++;
      failingSince ??= Date.now();
      const elapsed = Date.now() - failingSince;
      if (failures > retries || elapsed >= retryTimeout) {
        throw new UploadFailedError(
          "unreachable",
          `${error.message} (gave up after ${failures} failed attempts in ${
            Math.round(elapsed / 1000)
          } s)`,
          { uploadUrl, cause: lastError },
        );
      }
      const backoff = Math.min(firstDelay * 2 ** (failures - 1), maxDelay);
      const wait = error.retryAfter ?? backoff * (1 + Math.random() * 0.2);
      const delay = Math.round(Math.min(wait, Math.max(retryTimeout - elapsed, 0), maxDelay));
      options.onRetry?.(error, failures, delay);
      await sleep(delay, signal);
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return `${error.message}${cause}`;
  }
  return String(error);
}
