// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/**
 * Gathers small chunks into pieces of a given size before they are handed on. Every
 * chunk costs each stage after it a call and a wait (a hash update, an inflater step, a
 * store write), and runtimes hand bodies over in small chunks: workerd in 4 KiB, Deno's
 * chunked uploads in 32 KiB. A chunk at least as large as a piece, with nothing
 * gathered before it, passes as it is; smaller ones are copied (a runtime may reuse a
 * chunk's buffer, and a piece is kept until it is handed on).
 */
export class Gatherer {
  readonly #size: number;
  #piece: Uint8Array | undefined;
  #filled = 0;

  /** @param size The bytes of a piece. */
  constructor(size: number) {
    this.#size = size;
  }

  /** Adds `chunk`, handing on each piece it completes, in order. */
  async add(chunk: Uint8Array, handOn: (piece: Uint8Array) => Promise<void>): Promise<void> {
    const size = this.#size;
    if (this.#filled === 0 && chunk.length >= size) return await handOn(chunk);
    for (let at = 0; at < chunk.length;) {
      this.#piece ??= new Uint8Array(size);
      const n = Math.min(size - this.#filled, chunk.length - at);
      this.#piece.set(chunk.subarray(at, at + n), this.#filled);
      this.#filled += n;
      at += n;
      if (this.#filled === size) await this.flush(handOn);
    }
  }

  /** Hands on what is gathered, if anything. */
  async flush(handOn: (piece: Uint8Array) => Promise<void>): Promise<void> {
    if (this.#filled === 0) return;
    const piece = this.#piece!.subarray(0, this.#filled);
    this.discard();
    await handOn(piece);
  }

  /** Drops what is gathered. */
  discard(): void {
    this.#piece = undefined;
    this.#filled = 0;
  }
}
