// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import type { Sha256 } from "./sha256.ts";

/**
 * A {@linkcode Sha256} that hashes on a Worker, so that inflating (main thread) and
 * hashing (worker) overlap. Bytes are copied into pooled 1 MiB buffers that travel to
 * the worker and back by transfer; at most `credits` buffers are in flight, which bounds
 * memory and gives backpressure (`update` returns a promise only when it must wait).
 */
export interface WorkerSha256 extends Sha256 {
  /** Stops the worker; safe to call more than once. */
  close(): void;
}

/** States from this size up are worth a worker: below it, starting one costs more than it saves. */
export const WORKER_THRESHOLD = 8 * 1024 * 1024;

const BUFFER_BYTES = 1 << 20;
const CREDITS = 8;

/**
 * Starts the hashing worker at `url`, or returns `undefined` where the runtime has no
 * module Worker.
 */
export function createWorkerSha256(url: URL): WorkerSha256 | undefined {
  if (typeof Worker === "undefined") return undefined;
  let worker: Worker;
  try {
    worker = new Worker(url, { type: "module" });
  } catch {
    return undefined;
  }
  const free: ArrayBuffer[] = [];
  let inFlight = 0;
  let current: Uint8Array | undefined;
  let filled = 0;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  let settleDigest: ((digest: Uint8Array | Error) => void) | undefined;
  let closed = false;

  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  worker.onmessage = (event: MessageEvent) => {
    const message = event.data as { type: "ack"; buffer: ArrayBuffer } | {
      type: "digest";
      digest: Uint8Array;
    };
    if (message.type === "ack") {
      inFlight--;
      free.push(message.buffer);
      notify();
    } else settleDigest?.(message.digest);
  };
  worker.onerror = (event: ErrorEvent) => {
    event.preventDefault();
    failure = new Error(`The SHA-256 worker failed: ${event.message}`);
    notify();
    settleDigest?.(failure);
  };

  const send = () => {
    const buffer = current!.buffer as ArrayBuffer;
    worker.postMessage({ type: "data", buffer, length: filled }, [buffer]);
    inFlight++;
    current = undefined;
    filled = 0;
  };
  const canTake = () => free.length > 0 || inFlight < CREDITS;
  const take = () => {
    current = new Uint8Array(free.pop() ?? new ArrayBuffer(BUFFER_BYTES));
    filled = 0;
  };
  const waitForBuffer = async () => {
    while (!canTake() && failure === undefined) await new Promise<void>((r) => (wake = r));
    if (failure) throw failure;
  };

  const copyIn = (chunk: Uint8Array): number => {
    let pos = 0;
    while (pos < chunk.length) {
      if (current === undefined) {
        if (!canTake()) return pos;
        take();
      }
      const n = Math.min(BUFFER_BYTES - filled, chunk.length - pos);
      current!.set(chunk.subarray(pos, pos + n), filled);
      filled += n;
      pos += n;
      if (filled === BUFFER_BYTES) send();
    }
    return pos;
  };

  const close = () => {
    if (closed) return;
    closed = true;
    worker.terminate();
  };

  return {
    update(chunk) {
      if (failure) throw failure;
      const done = copyIn(chunk);
      if (done === chunk.length) return;
      return (async () => {
        let rest = chunk.subarray(done);
        while (rest.length > 0) {
          await waitForBuffer();
          rest = rest.subarray(copyIn(rest));
        }
      })();
    },
    async digest() {
      if (failure) throw failure;
      if (current !== undefined && filled > 0) send();
      const result = await new Promise<Uint8Array | Error>((resolve) => {
        settleDigest = resolve;
        worker.postMessage({ type: "digest" });
      });
      close();
      if (result instanceof Error) throw result;
      return result;
    },
    close,
  };
}
