// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { ChunkReader } from "../_chunk_reader.ts";
import { Gatherer } from "../_gather.ts";
import { toBase64, toHex } from "../_bytes.ts";
import type { VerifyResult } from "../archive/read_archive.ts";
import type { SnapshotError } from "../errors.ts";
import type { ReadLimits } from "../limits.ts";
import type { Sealer } from "../format/seal.ts";
import type { Sha256, Sha256Factory } from "../sha256/sha256.ts";
import {
  busy,
  describe,
  discard,
  forbidden,
  isBodyAuthorizer,
  lower,
  noop,
  resolveBounds,
  runVerifier,
  shuttingDown,
  startTimer,
  storeError,
  tooLarge,
  type UploadBounds,
  type VerifierSettings,
  verifierSettings,
} from "./_upload_common.ts";
import { type AnnouncedDigest, announcedDigests } from "./_digest.ts";
import { Feed } from "./_feed.ts";
import type { Authorize, BodyAuthorizer } from "./authorize.ts";
import { snapshotKey, type SnapshotStore, type StagedUpload, type UploadInfo } from "./store.ts";
import { UploadError } from "./upload_error.ts";
import { jsonResponse, storedJson, uploadErrorResponse } from "./upload_json.ts";

export * from "./authorize.ts";
export * from "./store.ts";
export * from "./upload_error.ts";
export type { FailedUploadJson, StoredUploadJson, UploadErrorJson } from "./upload_json.ts";
export { uploadErrorResponse } from "./upload_json.ts";

/** The media types {@linkcode createVerifyHandler} accepts by default (and none at all). */
export const SNAPSHOT_CONTENT_TYPES: readonly string[] = [
  "application/gzip",
  "application/x-gzip",
  "application/octet-stream",
];

/** Options of {@linkcode createVerifyHandler}. */
export interface VerifyHandlerOptions {
  /** Where verified uploads go; see {@linkcode SnapshotStore}. */
  store: SnapshotStore;
  /**
   * Most bytes an upload may have (compressed, as sent). Checked against
   * `Content-Length` before anything is read, and counted as the body streams in, so a
   * missing or lying `Content-Length` does not get around it: 413 `too-large`.
   *
   * @default {1073741824} (1 GiB)
   */
  maxBytes?: number;
  /**
   * Refuse uploads without `Content-Length` (411 `length-required`). Chunked uploads are
   * normal (`curl -T -`, `fetch` with a stream body), so this is off unless the store
   * needs the length up front.
   *
   * @default {false}
   */
  requireLength?: boolean;
  /**
   * Milliseconds the whole upload may take, from the store's `begin` until the verdict:
   * 408 `timeout` after that, and the staged upload is aborted.
   *
   * @default {600000} (10 minutes)
   */
  timeout?: number;
  /**
   * Accepted `Content-Type` media types (parameters ignored). A request without one is
   * accepted too; any `Content-Encoding` but `identity` is refused (a `.snap` is already
   * gzip; the runtime does not decode request bodies).
   *
   * @default {SNAPSHOT_CONTENT_TYPES}
   */
  contentTypes?: readonly string[];
  /**
   * Bounds on what an archive may make the verifier do; see {@linkcode ReadLimits}. The
   * handler's own `maxInflateRatio` and `maxInflatedBytes` apply on top (the tighter one
   * wins), so these may stay at the library's defaults.
   */
  limits?: ReadLimits;
  /**
   * Most inflated bytes per uploaded byte, checked as the body streams once 16 MiB have
   * been inflated: 413 `inflate-limit` beyond. This bounds the CPU an upload costs per
   * byte sent. Real states compress 1.3x (Vault) to about 20x (repetitive Consul KV); a
   * valid archive can reach deflate's ~1032x (a state of zeros), so this may refuse a
   * valid snapshot, which the CLI's and the library's defaults never do. `Infinity` turns
   * it off.
   *
   * @default {100}
   */
  maxInflateRatio?: number;
  /**
   * Most inflated bytes (the whole tar stream) per upload: 413 `inflate-limit` beyond.
   * The default lets a `maxBytes` (1 GiB) upload of the most compressible real state
   * (about 20x) through, and bounds the work of any upload to about a minute of a core.
   *
   * @default {34359738368} (32 GiB)
   */
  maxInflatedBytes?: number;
  /**
   * Most uploads verified at once. One more is answered 503 `busy` with `Retry-After`,
   * before its body is read (the body is cancelled); a slot is taken once the request
   * passed the checks that need no body, and given back however the upload ends. An
   * upload in flight holds buffers (up to ~17 MiB of inflater output) and a core while it
   * inflates: 16 is several times what a few cores verify at full speed, and what the load
   * test runs at. `Infinity` turns it off.
   *
   * @default {16}
   */
  maxConcurrentUploads?: number;
  /**
   * The count of uploads in progress that `maxConcurrentUploads` bounds. Pass the same
   * object to several handlers (a single-request and a resumable one, say) to make them
   * share the bound; each handler counts on its own by default.
   */
  slots?: { active: number };
  /**
   * Seconds a `busy` answer asks the client to wait, in its `Retry-After` header.
   *
   * @default {2}
   */
  retryAfter?: number;
  /**
   * Opens `SHA256SUMS.sealed` and checks the sums in it too. With a sealer, an archive
   * without (or with a wrong) `SHA256SUMS.sealed` is refused (`seal-open`).
   */
  sealer?: Sealer;
  /**
   * Decides whether the request may upload at all; see {@linkcode AuthorizeResult}.
   * Runs after the method check and before anything else.
   */
  authorize?: Authorize;
  /** Accept GNU tar's zero padding after the tar, which Go refuses. @default {false} */
  allowZeroPadding?: boolean;
  /**
   * Makes the SHA-256 hashers, for the verifier and for the staged copy.
   *
   * @default {defaultSha256}
   */
  hasher?: Sha256Factory;
  /**
   * Hash large states on a Worker, one per upload. Off by default: a server verifying
   * many uploads at once already keeps its cores busy, and edge runtimes have no Workers.
   *
   * @default {false}
   */
  useWorker?: boolean;
  /**
   * Stops every upload in progress (503 `aborted`, each staged upload aborted) and
   * refuses new ones, as a server shutting down does.
   */
  signal?: AbortSignal;
}

/** Bytes the handler gathers small body chunks into before handing them on. */
const COALESCE_BYTES = 256 * 1024;

/**
 * A `fetch`-style handler that verifies uploaded `.snap` archives as they stream in and
 * stores only those that verify.
 *
 * ### Overview
 *
 * The request body is read once and handed to two consumers, with backpressure from
 * both (a bounded tee: memory stays bounded whichever is slower): the store's staged
 * writable, and {@linkcode verifySnapshot} (with the archive checksum). Its own SHA-256
 * of the staged bytes must equal the verified checksum, and the `Content-Digest` or
 * `Digest` header's `sha-256` when there is one, before the store's `commit` is called.
 * Every failure calls `abort` instead, exactly once: a bad archive, a digest mismatch, a
 * body over `maxBytes`, a body stream that errors, a client that goes away, a timeout,
 * the `signal`, the store failing. The store never sees both.
 *
 * After a bad archive (400) the rest of the body is still read, and dropped, so that
 * the client gets the answer instead of a reset connection; a body over `maxBytes`, a
 * timeout, a client abort and the signal stop reading at once.
 *
 * ### Responses
 *
 * JSON, never cached. 201 with {@linkcode StoredUploadJson} (and the checksum in a
 * `Digest: sha-256=...` header); every refusal is a {@linkcode FailedUploadJson}: 400 for
 * a bad archive (a `SnapshotError` code) or a bad header, 401/403 from `authorize`, 405,
 * 408, 411, 413, 415, 499 for an upload the client abandoned (no one reads that one),
 * 500 only for a failing store or a bug, 503 after `signal`, and 503 `busy` (with
 * `Retry-After`) beyond `maxConcurrentUploads`. The codes and statuses are listed at
 * {@linkcode UploadErrorCode}.
 *
 * ### Bounds
 *
 * CPU per request matters here, so the handler has bounds of its own, tighter than the
 * library's defaults (which refuse nothing Go accepts): `maxInflateRatio` (100 inflated
 * bytes per uploaded byte), `maxInflatedBytes` (32 GiB), `timeout` (10 minutes), `maxBytes`
 * (1 GiB), and `maxConcurrentUploads` (16). An archive past the first two is refused with
 * 413 `inflate-limit`, as the data streams, and stored nowhere.
 *
 * @example Verifying an upload into memory
 * ```ts
 * import { createVerifyHandler, MemoryStore, writeSnapshot } from "@raftsnap/raftsnap";
 *
 * const store = new MemoryStore();
 * const handler = createVerifyHandler({ store });
 * const state = new TextEncoder().encode("state");
 * const archive = writeSnapshot({ id: "1-9-1700000000000", index: 9, term: 1, size: 5 }, state);
 * const response = await handler(
 *   new Request("http://localhost/", { method: "POST", body: archive, duplex: "half" } as RequestInit),
 * );
 * const body = await response.json();
 * if (response.status !== 201 || body.meta.Index !== "9" || !store.snapshots.has(body.key)) {
 *   throw new Error(`unexpected ${response.status}`);
 * }
 * ```
 *
 * @param options The store, bounds, sealer, authorization and signal.
 * @returns The handler: `(request: Request) => Promise<Response>`. It never rejects.
 * @throws {TypeError} when there is no store.
 * @throws {RangeError} when a bound is not a positive number.
 */
export function createVerifyHandler(
  options: VerifyHandlerOptions,
): (request: Request) => Promise<Response> {
  if (typeof options?.store?.begin !== "function") {
    throw new TypeError("createVerifyHandler needs a store with a begin() method");
  }
  const bounds = resolveBounds(options);
  const settings: Settings = {
    ...options,
    ...bounds,
    verifier: verifierSettings(options, bounds),
    slots: options.slots ?? { active: 0 },
    contentTypes: new Set((options.contentTypes ?? SNAPSHOT_CONTENT_TYPES).map(lower)),
  };
  return async (request) => {
    try {
      return await handle(request, settings);
    } catch (error) {
      discard(request);
      return uploadErrorResponse(
        new UploadError("internal", `the handler failed: ${describe(error)}`, { cause: error }),
      );
    }
  };
}

interface Settings
  extends Omit<VerifyHandlerOptions, "contentTypes" | keyof UploadBounds>, UploadBounds {
  /** What the verifier runs with. */
  verifier: VerifierSettings;
  /** Uploads in progress, shared by every request of one handler. */
  slots: { active: number };
  contentTypes: ReadonlySet<string>;
}

/** The checks that need no body; a response ends the request, else the upload goes on. */
async function handle(request: Request, settings: Settings): Promise<Response> {
  const refuse = (error: UploadError, headers?: Record<string, string>) => {
    discard(request);
    return uploadErrorResponse(error, headers);
  };
  if (request.method !== "POST" && request.method !== "PUT") {
    return refuse(
      new UploadError(
        "method-not-allowed",
        `${request.method} is not allowed: upload with POST or PUT`,
        {
          expected: "POST or PUT",
          found: request.method,
        },
      ),
      { allow: "POST, PUT" },
    );
  }
  if (settings.signal?.aborted) return refuse(shuttingDown());

  let bodyAuthorizer: BodyAuthorizer | undefined;
  if (settings.authorize) {
    const verdict = await settings.authorize(request);
    if (verdict instanceof Response) {
      discard(request);
      return verdict;
    }
    if (isBodyAuthorizer(verdict)) bodyAuthorizer = verdict;
    else if (verdict !== true) return refuse(forbidden());
  }

  const accepted = [...settings.contentTypes].join(", ");
  const encoding = lower(request.headers.get("content-encoding") ?? "identity");
  if (encoding !== "identity") {
    return refuse(
      new UploadError(
        "unsupported-media-type",
        `Content-Encoding ${encoding} is not accepted: send the .snap as is (it is gzip already)`,
        { expected: "no Content-Encoding", found: encoding },
      ),
      { "accept-encoding": "identity" },
    );
  }
  const typeHeader = request.headers.get("content-type");
  const contentType = typeHeader === null ? undefined : lower(typeHeader.split(";")[0]!);
  if (contentType !== undefined && !settings.contentTypes.has(contentType)) {
    return refuse(
      new UploadError("unsupported-media-type", `Content-Type ${contentType} is not accepted`, {
        expected: accepted,
        found: contentType,
      }),
      { "accept-post": accepted },
    );
  }

  const lengthHeader = request.headers.get("content-length");
  let contentLength: number | undefined;
  if (lengthHeader !== null) {
    if (!/^\s*\d+\s*$/.test(lengthHeader)) {
      return refuse(
        new UploadError(
          "bad-length",
          `Content-Length is not a byte count: ${lengthHeader.slice(0, 40)}`,
          {
            expected: "a decimal byte count",
            found: lengthHeader.slice(0, 40),
          },
        ),
      );
    }
    contentLength = Number(lengthHeader);
    if (contentLength > settings.maxBytes) {
      return refuse(tooLarge(settings.maxBytes, contentLength));
    }
  } else if (settings.requireLength) {
    return refuse(
      new UploadError("length-required", "Content-Length is required here", {
        expected: "a Content-Length header",
        found: "none",
      }),
    );
  }

  let announced: AnnouncedDigest[];
  try {
    announced = announcedDigests(request.headers);
  } catch (error) {
    if (error instanceof UploadError) return refuse(error);
    throw error;
  }

  const { slots } = settings;
  if (slots.active >= settings.maxConcurrentUploads) {
    return refuse(busy(settings), { "retry-after": String(settings.retryAfter) });
  }
  slots.active++;
  try {
    const stagedHash = await settings.verifier.hasher();
    let staged: StagedUpload;
    try {
      const info: UploadInfo = { contentLength, contentType, request };
      staged = await settings.store.begin(info);
    } catch (error) {
      stagedHash.close?.();
      return refuse(storeError("begin", error));
    }
    const upload = new Upload(request, settings, staged, contentLength, announced, bodyAuthorizer);
    return await upload.run(stagedHash);
  } finally {
    slots.active--;
  }
}

/**
 * One upload in flight: the pump, the verifier, the staged copy, and the rules that
 * decide between commit and abort.
 */
class Upload {
  #failure: SnapshotError | UploadError | undefined;
  /** A bad archive, a bad length or a store failure: read the rest, store nothing. */
  #draining = false;
  #committing = false;
  #aborted: Promise<void> | undefined;
  #reader: ChunkReader;
  #writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #feed = new Feed();
  #stop = new AbortController();

  constructor(
    readonly request: Request,
    readonly settings: Settings,
    readonly staged: StagedUpload,
    readonly contentLength: number | undefined,
    readonly announced: AnnouncedDigest[],
    readonly bodyAuthorizer: BodyAuthorizer | undefined,
  ) {
    this.#reader = new ChunkReader(
      request.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() }),
    );
  }

  /**
   * Records the first failure and aborts the staged upload (once). A failure that
   * `drains` lets the rest of the body be read and dropped; any other stops reading,
   * even while draining.
   */
  #fail(error: SnapshotError | UploadError, drains = false) {
    if (this.#committing) return;
    if (!drains) this.#reader.cancel(error).catch(noop);
    if (this.#failure) return;
    this.#failure = error;
    this.#draining = drains;
    this.#feed.error(error);
    this.#stop.abort(error);
    this.#aborted = this.#abortStore(error);
  }

  async #abortStore(reason: unknown) {
    // Not awaited: an abort waits for a write in flight, and a store stuck in one must
    // not keep the answer (a timeout, say) from being sent.
    this.#writer?.abort(reason).catch(noop);
    try {
      await this.staged.abort(reason);
    } catch {
      // The upload is refused either way; a store that cannot clean up says so itself.
    }
  }

  async run(stagedHash: Sha256): Promise<Response> {
    const { request, settings } = this;
    const onClientGone = () =>
      this.#fail(
        new UploadError("upload-aborted", "the client went away before the upload ended", {
          cause: request.signal.reason,
        }),
      );
    const onShutdown = () => this.#fail(shuttingDown());
    const clearTimer = startTimer(settings.timeout, () =>
      this.#fail(
        new UploadError("timeout", `the upload took longer than ${settings.timeout} ms`),
      ));
    request.signal.addEventListener("abort", onClientGone);
    settings.signal?.addEventListener("abort", onShutdown);
    let verifying: Promise<VerifyResult | undefined> | undefined;
    try {
      if (request.signal.aborted) onClientGone();
      if (settings.signal?.aborted) onShutdown();
      return await this.#settle(stagedHash, (started) => verifying = started);
    } catch (error) {
      // A throw from a hook (a body authorizer, a hasher) or a bug: still abort, once.
      this.#fail(
        new UploadError("internal", `the upload failed unexpectedly: ${describe(error)}`, {
          cause: error,
        }),
      );
      await verifying;
      await this.#aborted;
      return uploadErrorResponse(this.#failure!);
    } finally {
      clearTimer();
      request.signal.removeEventListener("abort", onClientGone);
      settings.signal?.removeEventListener("abort", onShutdown);
      stagedHash.close?.();
      this.#reader.releaseLock();
    }
  }

  /** Streams the body, then commits or aborts; returns the answer. */
  async #settle(
    stagedHash: Sha256,
    started: (verifying: Promise<VerifyResult | undefined>) => void,
  ): Promise<Response> {
    try {
      this.#writer = this.staged.writable.getWriter();
    } catch (error) {
      this.#fail(storeError("stage", error));
    }
    const verifying = this.#verify();
    started(verifying);
    const complete = await this.#pump(stagedHash);
    if (!this.#failure) {
      this.#feed.close();
      await this.#writer!.close().catch((error) => this.#fail(storeError("write", error)));
    }
    const result = await verifying;
    const digest = this.#failure ? undefined : await stagedHash.digest();

    const denied = complete ? await this.#authorizeBody() : undefined;
    if (denied) return denied;

    if (!this.#failure) this.#checkDigests(result!, "sha-256=" + toBase64(digest!));
    if (this.#failure) {
      await this.#aborted;
      return uploadErrorResponse(this.#failure);
    }
    return await this.#commit(result!, digest!);
  }

  /** The verifier, on the feed; it settles to the result, or to undefined after a failure. */
  #verify(): Promise<VerifyResult | undefined> {
    return runVerifier(this.#feed.readable, this.settings.verifier, this.#stop.signal)
      .catch((error: SnapshotError | UploadError) => {
        // A bad archive (or the handler's bound) drains the body; anything else stops it.
        if (error instanceof UploadError && error.code === "internal") {
          if (!this.#failure) this.#fail(error);
        } else this.#fail(error, true);
        return undefined;
      });
  }

  /**
   * Reads the body into the staged writable, the verifier's feed and the staged hash,
   * waiting until both branches have room before each handing on. Small chunks are
   * gathered into pieces of {@linkcode COALESCE_BYTES} first: a chunked upload arrives
   * in pieces half the size of a whole body's (32 against 64 KiB on Deno), and every
   * piece costs a hash update, a store write and an inflater write, so chunked uploads
   * ran at 60% of whole bodies' speed. Returns whether the whole body was read.
   */
  async #pump(stagedHash: Sha256): Promise<boolean> {
    const { settings, bodyAuthorizer } = this;
    let total = 0;
    const gatherer = new Gatherer(COALESCE_BYTES);
    const handOn = async (bytes: Uint8Array) => {
      if (!this.#failure) {
        try {
          await Promise.all([this.#writer!.ready, this.#feed.ready()]);
        } catch (error) {
          this.#fail(storeError("write", error), true);
        }
      }
      if (this.#failure) return;
      const hashing = stagedHash.update(bytes);
      if (hashing) await hashing;
      this.#writer!.write(bytes).catch(noop); // a failed write shows in ready and close
      this.#feed.push(bytes);
    };
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await this.#reader.read();
      } catch (error) {
        this.#fail(
          new UploadError("upload-aborted", `the request body failed: ${describe(error)}`, {
            cause: error,
          }),
        );
        return false;
      }
      if (chunk.done) break;
      const bytes = chunk.value;
      total += bytes.length;
      if (total > settings.maxBytes) {
        this.#fail(tooLarge(settings.maxBytes, total));
        return false;
      }
      if (bodyAuthorizer) await bodyAuthorizer.update(bytes);
      if (this.#failure) {
        gatherer.discard();
        if (this.#draining) continue;
        return false;
      }
      await gatherer.add(bytes, handOn);
    }
    if (!this.#failure) await gatherer.flush(handOn);
    if (this.#failure && !this.#draining) return false;
    if (this.contentLength !== undefined && total !== this.contentLength) {
      this.#fail(
        new UploadError(
          "length-mismatch",
          `the body is ${total} bytes, but Content-Length said ${this.contentLength}`,
          { expected: `${this.contentLength} bytes`, found: `${total} bytes` },
        ),
        true,
      );
    }
    return true;
  }

  /** The body authorizer's decision, when there is one and the body was read to its end. */
  async #authorizeBody(): Promise<Response | undefined> {
    if (!this.bodyAuthorizer) return undefined;
    const verdict = await this.bodyAuthorizer.verify();
    if (verdict === true) return undefined;
    const refusal = verdict instanceof Response ? verdict : uploadErrorResponse(forbidden());
    const code = refusal.status === 401 ? "unauthorized" : "forbidden";
    this.#fail(new UploadError(code, `the body authorizer refused the upload (${refusal.status})`));
    await this.#aborted;
    return refusal;
  }

  /** The staged hash against the verifier's checksum and the announced digests. */
  #checkDigests(result: VerifyResult, checksum: string) {
    if (checksum !== result.checksum) {
      this.#fail(
        new UploadError(
          "staging-mismatch",
          "the staged bytes do not hash to the verified archive's checksum",
          { expected: result.checksum, found: checksum },
        ),
      );
      return;
    }
    for (const digest of this.announced) {
      if (digest.checksum !== checksum) {
        this.#fail(
          new UploadError(
            "digest-mismatch",
            `the upload's SHA-256 is not the one its ${digest.header} header announced`,
            { expected: digest.checksum, found: checksum },
          ),
          true,
        );
        return;
      }
    }
  }

  async #commit(result: VerifyResult, digest: Uint8Array): Promise<Response> {
    this.#committing = true;
    const checksum = "sha-256=" + toBase64(digest);
    const sha256 = toHex(digest);
    let key: string | void;
    try {
      key = await this.staged.commit({
        result,
        checksum,
        sha256,
        size: result.compressedBytes,
        key: snapshotKey(result.meta, sha256),
      });
    } catch (error) {
      return uploadErrorResponse(storeError("commit", error));
    }
    return jsonResponse(201, storedJson(typeof key === "string" ? key : null, result), {
      digest: checksum,
    });
  }
}
