// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// What one workerd isolate holds, ArrayBuffers included, sampled through the V8 inspector
// that Miniflare lets workerd open (its `inspectorPort` option).
//
// Why the inspector, not the heap cap or the process's RSS:
// - the heap cap (`--max-old-space-size`) bounds V8's JS heap only: an ArrayBuffer's
//   bytes (every request body chunk, every 8 MiB part) live outside it, so a Worker can
//   hold far more than the cap and never fail;
// - workerd's RSS counts the whole process: Miniflare's own isolates (its R2 simulator
//   holds each part it receives), SQLite's caches, the HTTP machinery, and whatever the
//   allocator keeps after a free. It over-counts by an amount that has nothing to do with
//   the Worker, and cannot tell one isolate from another;
// - `Runtime.getHeapUsage`, asked of the Worker's own isolate, answers its JS heap
//   (`usedSize`, and `totalSize` committed), its C++ heap (`embedderHeapUsedSize`) and
//   `backingStorageSize`: the bytes of every ArrayBuffer (and external string) the isolate
//   has not yet freed. That is the isolate's memory as a Workers isolate limit sees it,
//   and nothing else's. (Checked: a Worker that keeps a 50 MB body raises
//   `backingStorageSize` by exactly 50,000,000.)
// It is a sample, not a high-water mark: the probe asks every few milliseconds, and
// workerd answers between two turns of the isolate's JavaScript, so what a single turn
// allocates and frees again is not seen (a turn here handles one chunk, at most one part).

/** One sample of an isolate's memory, in bytes. */
export interface IsolateMemory {
  /** The JS heap in use. */
  usedSize: number;
  /** The JS heap committed (in use, garbage not yet collected, free space V8 keeps). */
  totalSize: number;
  /** V8's C++ (cppgc) heap in use, workerd's objects. */
  embedderHeapUsedSize: number;
  /** The bytes of the ArrayBuffers (and external strings) the isolate has not freed. */
  backingStorageSize: number;
}

/** What the isolate holds by the sample: the committed JS heap, the C++ heap and the buffers. */
export function held(sample: IsolateMemory): number {
  return sample.totalSize + sample.embedderHeapUsedSize + sample.backingStorageSize;
}

/** A free port on the loopback interface, for workerd's inspector. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** A connection to one isolate's inspector. */
export interface IsolateProbe {
  /** Asks the isolate for its memory now. */
  sample(): Promise<IsolateMemory>;
  /**
   * Samples every `everyMs` until the returned function is called; it resolves with the
   * sample holding the most ({@linkcode held}), with how many samples were taken.
   */
  watch(everyMs?: number): () => Promise<{ peak: IsolateMemory; samples: number }>;
  close(): void;
}

/**
 * Connects to the isolate of the workerd worker whose inspector target id or title
 * matches `worker` (Miniflare names the user's first worker `core:user:`), on the
 * inspector of a workerd started with `inspectorPort: port`.
 */
export async function probeIsolate(port: number, worker: RegExp): Promise<IsolateProbe> {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json() as {
    id: string;
    title: string;
    webSocketDebuggerUrl: string;
  }[];
  const target = targets.find((t) => worker.test(t.id) || worker.test(t.title));
  if (!target) {
    throw new Error(`no inspector target ${worker} among ${targets.map((t) => t.id).join(", ")}`);
  }
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise<void>((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = (event) => reject(new Error(`inspector: ${(event as ErrorEvent).message}`));
  });
  let next = 0;
  const waiting = new Map<number, (message: { result?: unknown; error?: unknown }) => void>();
  let closed: Error | undefined;
  socket.onmessage = (event) => {
    const message = JSON.parse(String(event.data));
    if (typeof message.id === "number") waiting.get(message.id)?.(message);
    waiting.delete(message.id);
  };
  socket.onclose = () => {
    closed = new Error("the inspector connection closed");
    for (const resolve of waiting.values()) resolve({ error: closed.message });
    waiting.clear();
  };
  const call = <T>(method: string, params: Record<string, unknown> = {}) =>
    new Promise<T>((resolve, reject) => {
      if (closed) return reject(closed);
      const id = ++next;
      waiting.set(id, (message) => {
        if (message.error !== undefined) {
          reject(new Error(`inspector ${method}: ${JSON.stringify(message.error)}`));
        } else resolve(message.result as T);
      });
      socket.send(JSON.stringify({ id, method, params }));
    });
  const sample = async (): Promise<IsolateMemory> => {
    const usage = await call<Partial<IsolateMemory>>("Runtime.getHeapUsage");
    if (usage.backingStorageSize === undefined) {
      throw new Error("this V8 does not report backingStorageSize: ArrayBuffers not counted");
    }
    return {
      usedSize: usage.usedSize ?? 0,
      totalSize: usage.totalSize ?? 0,
      embedderHeapUsedSize: usage.embedderHeapUsedSize ?? 0,
      backingStorageSize: usage.backingStorageSize,
    };
  };
  return {
    sample,
    watch(everyMs = 5) {
      let peak: IsolateMemory | undefined;
      let samples = 0;
      let stopped = false;
      let failure: unknown;
      const loop = (async () => {
        while (!stopped) {
          try {
            const now = await sample();
            samples++;
            if (!peak || held(now) > held(peak)) peak = now;
          } catch (error) {
            failure = error;
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, everyMs));
        }
      })();
      return async () => {
        stopped = true;
        await loop;
        if (failure !== undefined) throw failure;
        if (!peak) throw new Error("no sample of the isolate's memory was taken");
        return { peak, samples };
      };
    },
    close() {
      socket.close();
    },
  };
}

/** Bytes as MiB, one decimal. */
export function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}
