// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/** What the readers accept as an archive. */
export type ArchiveInput = ReadableStream<Uint8Array> | Blob | Response | Uint8Array;

/** One readable stream of bytes from any {@linkcode ArchiveInput}. */
export function toByteStream(input: ArchiveInput): ReadableStream<Uint8Array> {
  if (input instanceof ReadableStream) return input;
  if (input instanceof Uint8Array) {
    return new ReadableStream({
      start(controller) {
        if (input.length > 0) controller.enqueue(input);
        controller.close();
      },
    });
  }
  if (typeof Response !== "undefined" && input instanceof Response) {
    return input.body ?? new Blob([]).stream();
  }
  if (typeof Blob !== "undefined" && input instanceof Blob) return input.stream();
  const got = input === null || typeof input !== "object"
    ? `${input === null ? "null" : typeof input}`
    : (input as object).constructor?.name ?? "an object";
  throw new TypeError(
    `An archive must be a ReadableStream of Uint8Array chunks, a Blob, a Response or a ` +
      `Uint8Array, got ${got}` +
      (typeof input === "string" ? " (encode text with TextEncoder; read files as bytes)" : ""),
  );
}

/** The stream, made to error with the signal's reason when it aborts. */
export function withSignal(
  stream: ReadableStream<Uint8Array>,
  signal: AbortSignal | undefined,
): ReadableStream<Uint8Array> {
  if (signal === undefined) return stream;
  signal.throwIfAborted();
  return stream.pipeThrough(new TransformStream<Uint8Array, Uint8Array>(), { signal });
}
