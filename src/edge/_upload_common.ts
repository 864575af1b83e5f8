// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

// What the single-request handler and the resumable (tus) handler share: their bounds,
// the verifier they run and how its errors read, and the refusals both give.

import type { VerifyResult } from "../archive/read_archive.ts";
import { verifySnapshot } from "../archive/verify.ts";
import { SnapshotError } from "../errors.ts";
import { type ReadLimits, type ResolvedLimits, resolveLimits } from "../limits.ts";
import type { Sealer } from "../format/seal.ts";
import { defaultSha256 } from "../sha256/default_sha256.ts";
import type { Sha256Factory } from "../sha256/sha256.ts";
import type { BodyAuthorizer } from "./authorize.ts";
import { UploadError } from "./upload_error.ts";

/** Does nothing (for promises whose failure shows elsewhere). */
export const noop = (): void => {};

/** The handler bounds every upload has, with their defaults applied. */
export interface UploadBounds {
  maxBytes: number;
  timeout: number;
  maxInflateRatio: number;
  maxInflatedBytes: number;
  maxConcurrentUploads: number;
  retryAfter: number;
}

/** What the verifier of an upload runs with. */
export interface VerifierSettings {
  /** The limits the verifier runs with: the caller's, tightened by the handler's bounds. */
  readLimits: ResolvedLimits;
  /** Which handler option a limit-exceeded on `maxRatio`/`maxTarBytes` really is. */
  ownBound: {
    maxRatio: "maxInflateRatio" | undefined;
    maxTarBytes: "maxInflatedBytes" | undefined;
  };
  maxInflateRatio: number;
  maxInflatedBytes: number;
  hasher: Sha256Factory;
  sealer?: Sealer;
  allowZeroPadding?: boolean;
  useWorker?: boolean;
}

/** The options both handlers read their bounds and verifier settings from. */
export interface BoundOptions {
  maxBytes?: number;
  timeout?: number;
  maxInflateRatio?: number;
  maxInflatedBytes?: number;
  maxConcurrentUploads?: number;
  retryAfter?: number;
  limits?: ReadLimits;
  hasher?: Sha256Factory;
  sealer?: Sealer;
  allowZeroPadding?: boolean;
  useWorker?: boolean;
}

/** Checks that every value is a positive number; throws a `RangeError` naming the first that is not. */
export function checkPositive(values: Record<string, number>): void {
  for (const [name, value] of Object.entries(values)) {
    if (!(typeof value === "number" && value > 0)) {
      throw new RangeError(`${name} must be a positive number, got ${value}`);
    }
  }
}

/** The bounds with their defaults, checked. */
export function resolveBounds(options: BoundOptions): UploadBounds {
  const bounds = {
    maxBytes: options.maxBytes ?? 1024 ** 3,
    timeout: options.timeout ?? 600_000,
    maxInflateRatio: options.maxInflateRatio ?? 100,
    maxInflatedBytes: options.maxInflatedBytes ?? 32 * 1024 ** 3,
    maxConcurrentUploads: options.maxConcurrentUploads ?? 16,
    retryAfter: options.retryAfter ?? 2,
  };
  checkPositive(bounds);
  return { ...bounds, retryAfter: Math.ceil(bounds.retryAfter) };
}

/** The verifier's settings for these options and bounds. */
export function verifierSettings(options: BoundOptions, bounds: UploadBounds): VerifierSettings {
  const limits = resolveLimits(options.limits);
  return {
    readLimits: {
      ...limits,
      maxRatio: Math.min(limits.maxRatio, bounds.maxInflateRatio),
      maxTarBytes: Math.min(limits.maxTarBytes, bounds.maxInflatedBytes),
    },
    ownBound: {
      maxRatio: bounds.maxInflateRatio < limits.maxRatio ? "maxInflateRatio" : undefined,
      maxTarBytes: bounds.maxInflatedBytes < limits.maxTarBytes ? "maxInflatedBytes" : undefined,
    },
    maxInflateRatio: bounds.maxInflateRatio,
    maxInflatedBytes: bounds.maxInflatedBytes,
    hasher: options.hasher ?? defaultSha256,
    sealer: options.sealer,
    allowZeroPadding: options.allowZeroPadding,
    useWorker: options.useWorker,
  };
}

/**
 * Runs the verifier the handlers use on `readable` (with the archive checksum). It
 * rejects with the error to answer: a `SnapshotError` (a bad archive), an
 * `UploadError` `inflate-limit` for the handler's own bounds, or `internal` for anything
 * unexpected.
 */
export async function runVerifier(
  readable: ReadableStream<Uint8Array>,
  settings: VerifierSettings,
  signal: AbortSignal,
): Promise<VerifyResult> {
  try {
    return await verifySnapshot(readable, {
      checksum: true,
      sealer: settings.sealer,
      limits: settings.readLimits,
      hasher: settings.hasher,
      allowZeroPadding: settings.allowZeroPadding,
      useWorker: settings.useWorker ?? false,
      signal,
    });
  } catch (error) {
    if (error instanceof SnapshotError) throw ownBoundError(error, settings);
    throw new UploadError("internal", `verification failed unexpectedly: ${describe(error)}`, {
      cause: error,
    });
  }
}

/**
 * A verifier's `limit-exceeded` on a bound the handler set tighter than the caller's
 * limits, as the handler's own refusal (413 `inflate-limit`); any other error as it is.
 */
export function ownBoundError(
  error: SnapshotError,
  settings: VerifierSettings,
): SnapshotError | UploadError {
  const limit = error.limit === "maxRatio" || error.limit === "maxTarBytes"
    ? error.limit
    : undefined;
  const option = error.code === "limit-exceeded" && limit ? settings.ownBound[limit] : undefined;
  if (!option) return error;
  const what = error.message.replace(/^Cannot verify the snapshot: /, "")
    .replace(/; raise limits\.\w+ to read it$/, "");
  return new UploadError(
    "inflate-limit",
    `${what}: past this server's ${option} (${settings[option]}); it may be a valid ` +
      "snapshot, but verifying it costs more than this server allows",
    { expected: error.expected, found: error.found, cause: error },
  );
}

/** Lowercase, trimmed. */
export function lower(text: string): string {
  return text.trim().toLowerCase();
}

/** An error's message, or the value as text. */
export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Frees a body that will not be read. */
export function discard(request: Request): void {
  if (request.body && !request.bodyUsed && !request.body.locked) {
    request.body.cancel().catch(noop);
  }
}

/** Whether an `authorize` verdict is a {@linkcode BodyAuthorizer}. */
export function isBodyAuthorizer(value: unknown): value is BodyAuthorizer {
  return typeof value === "object" && value !== null && !(value instanceof Response) &&
    typeof (value as BodyAuthorizer).update === "function" &&
    typeof (value as BodyAuthorizer).verify === "function";
}

/** 403 for an `authorize` that said no. */
export function forbidden(): UploadError {
  return new UploadError("forbidden", "this request may not upload here");
}

/** 413 for an upload over `maxBytes`. */
export function tooLarge(maxBytes: number, found: number): UploadError {
  return new UploadError(
    "too-large",
    `the upload is ${found} bytes or more; at most ${maxBytes} are accepted`,
    { expected: `at most ${maxBytes} bytes`, found: `${found} bytes` },
  );
}

/** 503 once the handler's signal aborted. */
export function shuttingDown(): UploadError {
  return new UploadError("aborted", "the server is shutting down");
}

/** 500 for a store that failed at `step`. */
export function storeError(step: string, cause: unknown): UploadError {
  return new UploadError("store-error", `the store failed to ${step}: ${describe(cause)}`, {
    cause,
  });
}

/** 503 `busy` beyond `maxConcurrentUploads`, with its `Retry-After`. */
export function busy(bounds: UploadBounds): UploadError {
  return new UploadError(
    "busy",
    `${bounds.maxConcurrentUploads} uploads are being verified already: ` +
      `send it again in ${bounds.retryAfter} s`,
    { expected: `at most ${bounds.maxConcurrentUploads} uploads at once` },
  );
}

/**
 * Calls `onTimeout` after `ms` milliseconds; returns the canceller. Beyond 2^31 - 1 ms
 * (about 24 days; Infinity too) timers fire at once: no timer then.
 */
export function startTimer(ms: number, onTimeout: () => void): () => void {
  if (!(ms < 2 ** 31)) return noop;
  const timer = setTimeout(onTimeout, ms);
  return () => clearTimeout(timer);
}
