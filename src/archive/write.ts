// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { type ArchiveInput, toByteStream } from "./_input.ts";
import { SnapshotError } from "../errors.ts";
import {
  encodeMeta,
  type SnapshotMeta,
  type SnapshotMetaInit,
  toSnapshotMeta,
} from "../format/meta.ts";
import type { Sealer } from "../format/seal.ts";
import { defaultSha256 } from "../sha256/default_sha256.ts";
import { type Sha256Factory, sha256Of } from "../sha256/sha256.ts";
import { encodeSums, SUMMED_FILES, type SummedFile } from "../format/sums.ts";
import { TarBatcher } from "../format/tar/writer.ts";
import { createWorkerSha256, WORKER_THRESHOLD } from "../sha256/worker_sha256.ts";
import { ParallelGzipStream } from "../format/gzip/parallel_compress_stream.ts";
import { WorkerGzipStream } from "../format/gzip/worker_compress_stream.ts";

/** Options of {@linkcode writeSnapshot}. */
export interface WriteOptions {
  /** Seals the sums into `SHA256SUMS.sealed`, as Go's `Write` with a `Sealer`. */
  sealer?: Sealer;
  /**
   * The modification time of every entry, rounded to the second as Go rounds it.
   *
   * @default {new Date()}
   */
  modTime?: Date;
  /**
   * The line order of `SHA256SUMS` (Go's is random map order; raftsnap's is fixed so its
   * output is deterministic).
   *
   * @default {["meta.json", "state.bin"]}
   */
  sumsOrder?: readonly SummedFile[];
  /**
   * The line order of the sums list inside `SHA256SUMS.sealed`.
   *
   * @default {["meta.json", "state.bin"]}
   */
  sealedSumsOrder?: readonly SummedFile[];
  /**
   * Makes the SHA-256 hashers.
   *
   * @default {defaultSha256}
   */
  hasher?: Sha256Factory;
  /**
   * Compress a state of 8 MiB or more on a Worker (still one gzip member), and hash it on
   * another where the hasher names a worker script (the default and `nativeSha256` do),
   * so that reading, hashing and compressing run in parallel. Where the runtime has no
   * module Workers, everything runs on the calling thread.
   *
   * @default {true}
   */
  useWorker?: boolean;
  /**
   * Compress on two Workers at once, in 4 MiB blocks that become separate gzip members
   * (which Go's reader, and raftsnap's, accept as one stream), and hash the state on the
   * calling thread. About twice as fast on two idle cores; the output is about 0.01%
   * larger. Falls back to one stream where the runtime has no module Workers.
   *
   * @default {false}
   */
  parallel?: boolean;
  /**
   * Bytes of tar handed to the compressor at once.
   *
   * @default {1048576}
   */
  batchSize?: number;
  /** Stops the work; the stream errors with the signal's reason. */
  signal?: AbortSignal;
}

/** The state a writer accepts: a stream, a `Blob`, a `Response` or bytes. */
export type StateInput = ArchiveInput;

/**
 * The uncompressed tar of a snapshot, exactly as Go's `write` lays it out: `meta.json`,
 * `state.bin`, `SHA256SUMS`, optionally `SHA256SUMS.sealed`, then two zero blocks.
 */
export function writeSnapshotTar(
  meta: SnapshotMeta | SnapshotMetaInit,
  state: StateInput,
  options: WriteOptions = {},
): ReadableStream<Uint8Array> {
  return tarStream(meta, state, options);
}

/** {@linkcode writeSnapshotTar}, with batch buffers from `allocate` (a pool, say). */
function tarStream(
  meta: SnapshotMeta | SnapshotMetaInit,
  state: StateInput,
  options: WriteOptions,
  allocate?: (size: number) => Uint8Array,
  ahead = 4,
): ReadableStream<Uint8Array> {
  const full = toSnapshotMeta(meta);
  const metaBytes = encodeMeta(full);
  const declared = full.size;
  if (declared > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError("meta.size is beyond 2^53");
  const size = Number(declared);
  const mtime = Math.round((options.modTime ?? new Date()).getTime() / 1000);
  const factory = options.hasher ?? defaultSha256;
  const batcher = new TarBatcher(options.batchSize, allocate);
  const signal = options.signal;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let stateHash: Awaited<ReturnType<Sha256Factory>> | undefined;
  let written = 0;
  let finished = false;

  const sizeError = (found: string) =>
    new SnapshotError("size-mismatch", `meta.size is ${size} but the state ${found}`, {
      layer: "write",
      entry: "state.bin",
      expected: `${size} bytes`,
      found,
    });

  // workerd may call `pull` before an async `start` settled: `pull` waits for it too.
  let starting: Promise<void> | undefined;
  return new ReadableStream<Uint8Array>({
    start() {
      return starting = (async () => {
        signal?.throwIfAborted();
        const url = factory.workerUrl;
        const offThread = url && options.useWorker !== false && size >= WORKER_THRESHOLD;
        stateHash = (offThread ? createWorkerSha256(url, factory) : undefined) ?? await factory();
        reader = toByteStream(state).getReader();
        batcher.file("meta.json", metaBytes, mtime);
        batcher.header("state.bin", size, mtime);
      })();
    },
    async pull(controller) {
      try {
        await starting;
        await fill(controller);
      } catch (error) {
        stateHash?.close?.();
        await reader?.cancel(error).catch(() => {});
        throw error;
      }
    },
    async cancel(reason) {
      stateHash?.close?.();
      await reader?.cancel(reason).catch(() => {});
    },
  }, { highWaterMark: ahead }); // batches ahead, so reading overlaps compressing

  async function fill(controller: ReadableStreamDefaultController<Uint8Array>) {
    signal?.throwIfAborted();
    for (;;) {
      const ready = batcher.take(finished);
      if (ready.length > 0) {
        for (const batch of ready) controller.enqueue(batch);
        if (finished) controller.close();
        return;
      }
      if (finished) {
        controller.close();
        return;
      }
      const { done, value } = await reader!.read();
      signal?.throwIfAborted();
      if (!done) {
        written += value.length;
        if (written > size) throw sizeError(`has more bytes than that (at least ${written})`);
        await stateHash!.update(value);
        batcher.add(value);
        continue;
      }
      if (written < size) throw sizeError(`ends after ${written} bytes`);
      batcher.pad(size);
      const digests: Record<SummedFile, Uint8Array> = {
        "meta.json": await sha256Of(metaBytes, factory),
        "state.bin": await stateHash!.digest(),
      };
      batcher.file("SHA256SUMS", encodeSums(digests, options.sumsOrder ?? SUMMED_FILES), mtime);
      if (options.sealer) {
        const list = encodeSums(digests, options.sealedSumsOrder ?? SUMMED_FILES);
        batcher.file("SHA256SUMS.sealed", await options.sealer.seal(list), mtime);
      }
      batcher.end();
      finished = true;
    }
  }
}

/**
 * Go's `snapshot.Write`: the gzip-compressed snapshot archive of `meta` and `state`.
 * Go's `Verify` accepts what it writes, and its tar is byte-identical to Go's for the
 * same meta, state, time and sums line order.
 *
 * @example Writing and verifying
 * ```ts
 * import { verifySnapshot, writeSnapshot } from "@raftsnap/raftsnap";
 *
 * const state = new Uint8Array(1000).fill(7);
 * const archive = writeSnapshot({ id: "1-10-0", index: 10, term: 1, size: 1000 }, state, {
 *   modTime: new Date("2026-01-01T00:00:00Z"),
 * });
 * const { stateSize, meta } = await verifySnapshot(archive);
 * if (stateSize !== 1000 || meta.id !== "1-10-0") throw new Error("unexpected result");
 * ```
 *
 * @param meta The metadata; `size` must be the state's exact length.
 * @param state The FSM state bytes.
 * @param options A sealer, the modification time, a signal.
 * @returns The `.snap` bytes. The stream errors with a `size-mismatch`
 * {@linkcode SnapshotError} if the state is shorter or longer than `meta.size`.
 * @throws {RangeError} when a metadata field is out of range.
 */
export function writeSnapshot(
  meta: SnapshotMeta | SnapshotMetaInit,
  state: StateInput,
  options: WriteOptions = {},
): ReadableStream<Uint8Array> {
  if (options.parallel) {
    const parallel = ParallelGzipStream.create();
    if (parallel) {
      // The two compressing Workers take the cores: the state is hashed on this thread,
      // between batches, rather than on a third Worker (one isolate, and its garbage, less).
      const tar = tarStream(
        meta,
        state,
        { ...options, batchSize: options.batchSize ?? 4 << 20, useWorker: false },
        (size) => parallel.reuse(size),
        1, // the workers hold four blocks already: one more ahead keeps them fed
      );
      return tar.pipeThrough(parallel, { signal: options.signal });
    }
  }
  // A large state is compressed on a Worker, so reading, hashing and compressing overlap.
  const large = BigInt(toSnapshotMeta(meta).size) >= BigInt(WORKER_THRESHOLD);
  const offThread = large && options.useWorker !== false ? WorkerGzipStream.create() : undefined;
  if (offThread) {
    // The worker hands each batch buffer back once compressed; the tar reuses it.
    return tarStream(meta, state, options, (size) => offThread.reuse(size))
      .pipeThrough(offThread, { signal: options.signal });
  }
  const gzip = new CompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>;
  return tarStream(meta, state, options).pipeThrough(gzip, { signal: options.signal });
}
