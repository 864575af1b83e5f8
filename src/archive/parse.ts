// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { type ArchiveInput, toByteStream } from "./_input.ts";
import { readArchive, type ReadOptions, type VerifyResult } from "./read_archive.ts";
import type { SnapshotMeta } from "../format/meta.ts";

/** Options of {@linkcode parseSnapshot}. */
export interface ParseOptions extends ReadOptions {
  /**
   * Bytes of state held ready for the reader before the pipeline waits.
   *
   * @default {1048576}
   */
  stateBuffer?: number;
}

/** What {@linkcode parseSnapshot} returns: three views of one pass over the archive. */
export interface ParsedSnapshot {
  /**
   * Resolves as soon as `meta.json` has been read: first thing for every archive Go or
   * raftsnap writes. (An archive that stores `state.bin` before `meta.json` resolves it
   * only after the state has been read: read `state` first for those.)
   */
  meta: Promise<SnapshotMeta>;
  /**
   * `state.bin`, streamed as it is decompressed. **It closes normally only after the
   * whole archive has verified** (sums, sealed sums, gzip trailer, nothing after the
   * end); on any failure it errors with the {@linkcode SnapshotError} instead, so a
   * consumer that sees the stream close can trust every byte it got. Cancelling it stops
   * the whole pass.
   */
  state: ReadableStream<Uint8Array>;
  /** Resolves with the full verification result once the state stream has closed. */
  result: Promise<VerifyResult>;
}

/**
 * Go's `snapshot.Parse`, in one pass and constant memory: the metadata, and `state.bin`
 * as a stream that only ends normally if the archive verifies.
 *
 * @example Reading the state of a snapshot
 * ```ts
 * import { parseSnapshot, writeSnapshot } from "@raftsnap/raftsnap";
 *
 * const state = new TextEncoder().encode("hello");
 * const parsed = parseSnapshot(writeSnapshot({ index: 7, term: 1, size: state.length }, state));
 * const meta = await parsed.meta;
 * const text = await new Response(parsed.state).text();
 * await parsed.result;
 * if (meta.index !== 7n || text !== "hello") throw new Error("unexpected result");
 * ```
 *
 * @param archive The `.snap` bytes.
 * @param options As for {@linkcode verifySnapshot}, plus the state buffer size.
 * @returns The metadata promise, the state stream, and the result promise.
 */
export function parseSnapshot(archive: ArchiveInput, options: ParseOptions = {}): ParsedSnapshot {
  const cancel = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, cancel.signal]) : cancel.signal;
  let resolveMeta!: (meta: SnapshotMeta) => void;
  let rejectMeta!: (reason: unknown) => void;
  const meta = new Promise<SnapshotMeta>((resolve, reject) => {
    resolveMeta = resolve;
    rejectMeta = reject;
  });
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let wake: (() => void) | undefined;
  const state = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    pull() {
      wake?.();
      wake = undefined;
    },
    cancel(reason) {
      cancel.abort(reason ?? new DOMException("The state stream was cancelled", "AbortError"));
      wake?.();
    },
  }, new ByteLengthQueuingStrategy({ highWaterMark: options.stateBuffer ?? 1 << 20 }));

  const result = readArchive(toByteStream(archive), { ...options, signal }, {
    meta: resolveMeta,
    async state(chunk) {
      if (cancel.signal.aborted) return;
      controller.enqueue(chunk);
      if ((controller.desiredSize ?? 1) <= 0) {
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  }).then(
    (verified) => {
      resolveMeta(verified.meta);
      if (!cancel.signal.aborted) controller.close();
      return verified;
    },
    (error) => {
      rejectMeta(error);
      if (!cancel.signal.aborted) controller.error(error);
      throw error;
    },
  );
  // The caller may await only some of the three; a failure is reported through each.
  meta.catch(() => {});
  result.catch(() => {});
  return { meta, state, result };
}
