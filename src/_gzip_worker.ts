// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/** The Worker side of {@linkcode ParallelGzipStream}: each block becomes one gzip member. */

interface Scope {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown, transfer?: Transferable[]): void;
}

const scope = globalThis as unknown as Scope;

scope.onmessage = async (event: MessageEvent) => {
  const { id, block } = event.data as { id: number; block: Uint8Array<ArrayBuffer> };
  try {
    const gzip = new CompressionStream("gzip") as unknown as TransformStream<
      Uint8Array,
      Uint8Array
    >;
    const member = new Uint8Array(
      await new Response(new Blob([block]).stream().pipeThrough(gzip)).arrayBuffer(),
    );
    scope.postMessage({ id, member }, [member.buffer]);
  } catch (error) {
    scope.postMessage({ id, error: String(error) });
  }
};
