// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/**
 * gzip on a Worker, as one member: the same bytes a `CompressionStream` on the calling
 * thread gives, while the calling thread reads, hashes and lays out the tar. At most
 * `CREDITS` blocks are in flight; output flows back as the worker produces it, and the
 * stream's own backpressure holds the input when the reader is slow. Incoming blocks are
 * transferred to the worker (their buffers detach), so hand it buffers you do not keep.
 */

const CREDITS = 4;

/** A `TransformStream` that compresses on a Worker. */
export class WorkerGzipStream extends TransformStream<Uint8Array, Uint8Array> {
  readonly #free: ArrayBuffer[];

  /** A buffer of `size` bytes, reusing one the worker has handed back where it can. */
  reuse(size: number): Uint8Array {
    const buffer = this.#free.pop();
    return buffer && buffer.byteLength === size ? new Uint8Array(buffer) : new Uint8Array(size);
  }

  /** Starts the worker, or returns `undefined` where the runtime has no module Worker. */
  static create(): WorkerGzipStream | undefined {
    if (typeof Worker === "undefined") return undefined;
    try {
      return new WorkerGzipStream(
        new Worker(new URL("./compress_worker.ts", import.meta.url), { type: "module" }),
      );
    } catch {
      return undefined;
    }
  }

  private constructor(worker: Worker) {
    const free: ArrayBuffer[] = [];
    let output: TransformStreamDefaultController<Uint8Array> | undefined;
    let inFlight = 0;
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    let finished: (() => void) | undefined;
    const notify = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    const fail = (error: Error) => {
      failure = error;
      notify();
      finished?.();
    };
    worker.onmessage = (event: MessageEvent) => {
      const message = event.data as
        | { type: "out"; chunk: Uint8Array }
        | { type: "ack"; buffer: ArrayBuffer }
        | { type: "done" }
        | { type: "error"; message: string };
      switch (message.type) {
        case "out":
          output?.enqueue(message.chunk);
          break;
        case "ack":
          if (free.length < CREDITS) free.push(message.buffer);
          inFlight--;
          notify();
          break;
        case "done":
          finished?.();
          break;
        case "error":
          fail(new Error(`gzip worker failed: ${message.message}`));
      }
    };
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      fail(new Error(`gzip worker failed: ${event.message}`));
    };
    const stop = () => worker.terminate();

    // `cancel` is in the Streams spec, though not yet in TypeScript's DOM types.
    const transformer: Transformer<Uint8Array, Uint8Array> & { cancel(): void } = {
      start(controller) {
        output = controller;
      },
      async transform(block) {
        try {
          while (inFlight >= CREDITS && !failure) await new Promise<void>((r) => (wake = r));
          if (failure) throw failure;
          // The tar batches are fresh buffers nobody else holds: move them, don't copy.
          const whole = block.byteOffset === 0 && block.byteLength === block.buffer.byteLength;
          const moved = whole ? block : block.slice();
          inFlight++;
          worker.postMessage({ type: "data", block: moved }, [moved.buffer as ArrayBuffer]);
        } catch (error) {
          stop();
          throw error;
        }
      },
      async flush() {
        try {
          await new Promise<void>((resolve) => {
            finished = resolve;
            worker.postMessage({ type: "end" });
          });
          if (failure) throw failure;
        } finally {
          stop();
        }
      },
      cancel() {
        stop();
        fail(new Error("the compressed stream was cancelled")); // wakes a waiting transform
      },
    };
    super(transformer);
    this.#free = free;
  }
}
