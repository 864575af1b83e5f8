// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import type { Sha256, Sha256Factory } from "./sha256.ts";

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
 * module Worker. The worker says when it is ready; until then filled buffers wait here.
 * If it fails before that (its script cannot load: a bundle without the worker file, a
 * Content-Security-Policy without `worker-src`), hashing falls back to a hasher from
 * `fallback` on the calling thread, fed what was waiting: a missing worker costs speed,
 * never a verdict.
 */
export function createWorkerSha256(url: URL, fallback: Sha256Factory): WorkerSha256 | undefined {
  if (typeof Worker === "undefined") return undefined;
  let worker: Worker;
  try {
    worker = new Worker(url, { type: "module" });
  } catch {
    return undefined;
  }
  const free: ArrayBuffer[] = [];
  const waiting: { buffer: ArrayBuffer; length: number }[] = []; // filled before "ready"
  let ready = false;
  let local: Promise<Sha256> | undefined; // the fallback, once the worker failed to start
  let inFlight = 0;
  let current: Uint8Array | undefined;
  let filled = 0;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  let settleDigest: ((digest: Uint8Array | Error) => void) | undefined;
  let closed = false;
  let started!: () => void;
  const startedOrFellBack = new Promise<void>((resolve) => (started = resolve));

  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const post = (buffer: ArrayBuffer, length: number) => {
    worker.postMessage({ type: "data", buffer, length }, [buffer]);
  };
  worker.onmessage = (event: MessageEvent) => {
    const message = event.data as { type: "ready" } | { type: "ack"; buffer: ArrayBuffer } | {
      type: "digest";
      digest: Uint8Array;
    };
    if (message.type === "ready") {
      ready = true;
      for (const { buffer, length } of waiting.splice(0)) post(buffer, length);
      started();
    } else if (message.type === "ack") {
      inFlight--;
      free.push(message.buffer);
      notify();
    } else settleDigest?.(message.digest);
  };
  worker.onerror = (event: ErrorEvent) => {
    event.preventDefault();
    worker.terminate();
    if (!ready && local === undefined) {
      local = (async () => {
        const hasher = await fallback();
        for (const { buffer, length } of waiting.splice(0)) {
          await hasher.update(new Uint8Array(buffer, 0, length));
          free.push(buffer);
          inFlight--;
        }
        return hasher;
      })();
      local.then(notify, (error) => {
        failure = error instanceof Error ? error : new Error(String(error));
        notify();
      });
      started();
      return;
    }
    failure = new Error(`The SHA-256 worker failed: ${event.message}`);
    notify();
    settleDigest?.(failure);
  };

  const send = () => {
    const buffer = current!.buffer as ArrayBuffer;
    if (ready) post(buffer, filled);
    else waiting.push({ buffer, length: filled });
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

  const api: WorkerSha256 = {
    update(chunk) {
      if (failure) throw failure;
      if (local) {
        // Fell back: the calling thread hashes, after what was waiting.
        const partial = current !== undefined && filled > 0 ? current.slice(0, filled) : undefined;
        current = undefined;
        filled = 0;
        return local.then(async (hasher) => {
          if (partial) await hasher.update(partial);
          await hasher.update(chunk);
        });
      }
      const done = copyIn(chunk);
      if (done === chunk.length) return;
      return (async () => {
        let rest = chunk.subarray(done);
        while (rest.length > 0) {
          await waitForBuffer();
          if (local) return await api.update(rest);
          rest = rest.subarray(copyIn(rest));
        }
      })();
    },
    async digest() {
      if (failure) throw failure;
      await startedOrFellBack; // the digest request must follow the data
      if (local) {
        const hasher = await local;
        if (current !== undefined && filled > 0) await hasher.update(current.subarray(0, filled));
        close();
        return await hasher.digest();
      }
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
  return api;
}
