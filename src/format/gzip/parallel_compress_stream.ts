// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/**
 * gzip on several Workers: each incoming block is compressed on the next worker, round
 * robin, as a gzip member of its own, and the members leave in input order. At most
 * `2 × workers` blocks are in flight, which bounds memory. The incoming blocks are
 * transferred to the workers (their buffers detach), so hand it buffers you do not keep.
 */
export class ParallelGzipStream extends TransformStream<Uint8Array, Uint8Array> {
  readonly #free: ArrayBuffer[];

  /** A buffer of `size` bytes, reusing one a worker has handed back where it can. */
  reuse(size: number): Uint8Array {
    const buffer = this.#free.pop();
    return buffer && buffer.byteLength === size ? new Uint8Array(buffer) : new Uint8Array(size);
  }

  /** Starts the workers, or returns `undefined` where the runtime has no module Worker. */
  static create(workers = 2): ParallelGzipStream | undefined {
    if (typeof Worker === "undefined") return undefined;
    const pool: Worker[] = [];
    try {
      for (let i = 0; i < workers; i++) {
        pool.push(
          new Worker(new URL("./parallel_compress_worker.ts", import.meta.url), { type: "module" }),
        );
      }
    } catch {
      for (const w of pool) w.terminate();
      return undefined;
    }
    return new ParallelGzipStream(pool);
  }

  private constructor(pool: Worker[]) {
    const free: ArrayBuffer[] = [];
    const pending = new Map<number, { resolve(m: Uint8Array[]): void; reject(e: Error): void }>();
    const inOrder: Promise<Uint8Array[]>[] = [];
    let next = 0;
    let failure: Error | undefined;
    const stop = () => {
      for (const w of pool) w.terminate();
    };
    for (const worker of pool) {
      worker.onmessage = (event: MessageEvent) => {
        const { id, member, buffer, error } = event.data as {
          id: number;
          member?: Uint8Array[];
          buffer?: ArrayBuffer;
          error?: string;
        };
        if (buffer && free.length < pool.length * 2) free.push(buffer);
        const waiter = pending.get(id)!;
        pending.delete(id);
        if (member) waiter.resolve(member);
        else waiter.reject(new Error(`gzip worker failed: ${error}`));
      };
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        failure = new Error(`gzip worker failed: ${event.message}`);
        for (const waiter of pending.values()) waiter.reject(failure);
        pending.clear();
      };
    }
    const submit = (block: Uint8Array) => {
      if (failure) throw failure;
      const id = next++;
      // The tar batches are fresh buffers nobody else holds: move them, don't copy.
      const whole = block.byteOffset === 0 && block.byteLength === block.buffer.byteLength;
      const buffer = (whole ? block.buffer : block.slice().buffer) as ArrayBuffer;
      const member = new Promise<Uint8Array[]>((resolve, reject) =>
        pending.set(id, { resolve, reject })
      );
      member.catch(() => {}); // awaited in order later; a failure surfaces there
      inOrder.push(member);
      pool[id % pool.length]!.postMessage({ id, buffer, length: block.length }, [buffer]);
    };
    // `cancel` is in the Streams spec, though not yet in TypeScript's DOM types.
    const transformer: Transformer<Uint8Array, Uint8Array> & { cancel(): void } = {
      async transform(block, controller) {
        try {
          submit(block);
          while (inOrder.length >= pool.length * 2) {
            for (const part of await inOrder.shift()!) controller.enqueue(part);
          }
        } catch (error) {
          stop();
          throw error;
        }
      },
      async flush(controller) {
        try {
          while (inOrder.length > 0) {
            for (const part of await inOrder.shift()!) controller.enqueue(part);
          }
        } finally {
          stop();
        }
      },
      cancel() {
        stop();
        // Wake a transform that waits on a member that will never come.
        for (const waiter of pending.values()) {
          waiter.reject(new Error("the compressed stream was cancelled"));
        }
        pending.clear();
      },
    };
    super(transformer);
    this.#free = free;
  }
}
