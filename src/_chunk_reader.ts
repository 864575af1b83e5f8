// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/** Bytes a read of a byte stream may fill at once. */
const READ_BYTES = 64 * 1024;
/** A read that filled less than this is copied out, and its buffer read into again. */
const SMALL_READ = READ_BYTES / 4;

/**
 * Reads a stream of bytes in pieces as large as the source has ready. A byte stream
 * (request bodies, files, blobs) is read through a BYOB reader into 64 KiB buffers, so
 * one read takes all that has arrived: workerd hands a request body's default reader
 * 4 KiB chunks, and reading those one by one kept a 254 MiB upload's transfer from
 * overlapping with its verification there (7.4 s against 6.3 s, and 30 MiB more peak
 * RSS). Any other stream is read chunk by chunk, as it comes.
 *
 * A small read is copied out and its buffer read into again, so a source that trickles
 * bytes in does not cost a 64 KiB buffer a byte; a larger one is handed on as it is.
 * (A byte stream built by hand must answer a waiting BYOB read with `respond(0)` when it
 * closes, as the Streams standard asks of every byte source; the platform's do.)
 */
export class ChunkReader {
  readonly #byob: ReadableStreamBYOBReader | undefined;
  readonly #default: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #spare: Uint8Array<ArrayBuffer> | undefined;

  /** Locks `stream` to a reader of its own. */
  constructor(stream: ReadableStream<Uint8Array>) {
    let byob: ReadableStreamBYOBReader | undefined;
    try {
      byob = (stream as ReadableStream<Uint8Array<ArrayBuffer>>).getReader({ mode: "byob" });
    } catch {
      // not a byte stream: read it as it comes
    }
    this.#byob = byob;
    this.#default = byob ? undefined : stream.getReader();
  }

  /**
   * The next piece. A default reader's chunk may be any value a JavaScript caller put in
   * the stream: the caller checks it.
   */
  async read(): Promise<ReadableStreamReadResult<Uint8Array>> {
    const byob = this.#byob;
    if (!byob) return await this.#default!.read();
    for (;;) {
      const buffer = this.#spare ?? new Uint8Array(READ_BYTES);
      this.#spare = undefined;
      const { done, value } = await byob.read(buffer);
      if (done) return { done: true, value: undefined };
      if (value.length >= SMALL_READ) return { done: false, value };
      // The read transferred the buffer: it is `value`'s now, and whole again once copied.
      this.#spare = new Uint8Array(value.buffer);
      if (value.length > 0) return { done: false, value: value.slice() };
    }
  }

  /** Cancels the stream. */
  cancel(reason?: unknown): Promise<void> {
    return (this.#byob ?? this.#default!).cancel(reason);
  }

  /** Releases the stream's lock. */
  releaseLock(): void {
    (this.#byob ?? this.#default!).releaseLock();
  }
}
