// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { BLOCK, encodeHeader, padding } from "./header.ts";

/**
 * Collects tar output into batches of a fixed size, so the compressor downstream gets a
 * few large writes instead of many small ones (1 MiB writes compress faster and smaller
 * than 64 KiB ones).
 */
export class TarBatcher {
  readonly #size: number;
  readonly #allocate: (size: number) => Uint8Array;
  #buffer: Uint8Array;
  #filled = 0;
  #out: Uint8Array[] = [];

  /**
   * @param size Bytes per batch.
   * @param allocate Makes a batch buffer of `size` bytes (a pool may hand back a used one).
   */
  constructor(size = 1 << 20, allocate: (n: number) => Uint8Array = (n) => new Uint8Array(n)) {
    this.#size = size;
    this.#allocate = allocate;
    this.#buffer = allocate(size);
  }

  /** Adds bytes; full batches become available through {@linkcode TarBatcher.take}. */
  add(bytes: Uint8Array): void {
    let pos = 0;
    while (pos < bytes.length) {
      const take = Math.min(this.#size - this.#filled, bytes.length - pos);
      this.#buffer.set(bytes.subarray(pos, pos + take), this.#filled);
      this.#filled += take;
      pos += take;
      if (this.#filled === this.#size) {
        this.#out.push(this.#buffer);
        this.#buffer = this.#allocate(this.#size);
        this.#filled = 0;
      }
    }
  }

  /** Adds a header for an entry of `size` bytes. */
  header(name: string, size: number, mtime: number): void {
    this.add(encodeHeader(name, size, mtime));
  }

  /** Adds the zero padding after `size` bytes of entry data. */
  pad(size: number): void {
    this.add(new Uint8Array(padding(size)));
  }

  /** Adds a whole small entry: header, data, padding. */
  file(name: string, data: Uint8Array, mtime: number): void {
    this.header(name, data.length, mtime);
    this.add(data);
    this.pad(data.length);
  }

  /** Adds the two zero blocks that end an archive. */
  end(): void {
    this.add(new Uint8Array(BLOCK * 2));
  }

  /** Takes the full batches, and with `flush` the partial one too. */
  take(flush = false): Uint8Array[] {
    if (flush && this.#filled > 0) {
      this.#out.push(this.#buffer.subarray(0, this.#filled));
      this.#buffer = this.#allocate(this.#size);
      this.#filled = 0;
    }
    const out = this.#out;
    this.#out = [];
    return out;
  }
}
