// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/**
 * What {@linkcode redactSnapshot} found IN to be, by the stream it returned: for the CLI,
 * which says when IN's sealed sums were dropped (`--drop-sealed-sums`).
 */
export const redactedInputs: WeakMap<ReadableStream<Uint8Array>, Promise<{ sealed: boolean }>> =
  new WeakMap();
