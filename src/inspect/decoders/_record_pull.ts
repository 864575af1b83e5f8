// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { SnapshotError } from "../../errors.ts";
import type { CapturePolicy, FramedRecord } from "./_state_framer.ts";
import { StateRecords } from "./_state_records.ts";
import type { Product } from "../inspect_result.ts";

/** What {@linkcode RecordPuller} does with each record. */
export interface RecordPullerOptions<T> {
  /** Decode as this product instead of detecting it. */
  product?: Product;
  /** How much of each record to keep, once the product is known. */
  capture(product: Product): CapturePolicy;
  /** Called once the product is decided; may throw to refuse the state. */
  start?(product: Product | "unknown", reason: string): void;
  /**
   * Turns a record into an item, or `undefined` to pass nothing on. The record's bytes
   * are valid during the call only: copy what must outlive it.
   */
  map(product: Product, record: FramedRecord): T | undefined;
  /** Called with each chunk before it is framed (after the previous chunk's records). */
  chunk?(chunk: Uint8Array): void;
  /** Called once the state has ended and every record was mapped. */
  end?(): void;
}

/**
 * The records of a `state.bin` stream, pulled one item at a time: what lets a merge walk
 * two states side by side in constant memory. Memory holds the items of one chunk.
 */
export class RecordPuller<T> {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #records: StateRecords;
  #options: RecordPullerOptions<T>;
  #queue: T[] = [];
  #next = 0;
  #done = false;

  /**
   * @param state The state's bytes.
   * @param options How records are captured and mapped.
   */
  constructor(state: ReadableStream<Uint8Array>, options: RecordPullerOptions<T>) {
    this.#options = options;
    this.#reader = state.getReader();
    this.#records = new StateRecords({
      product: options.product,
      capture: options.capture,
      start: options.start,
      record: (product, record) => {
        const item = options.map(product, record);
        if (item !== undefined) this.#queue.push(item);
      },
    });
  }

  /** The product, once the first bytes were read. */
  get product(): Product | "unknown" {
    return this.#records.product;
  }

  /** The state header's first bytes (Consul, Nomad), once read. */
  get header(): Uint8Array {
    return this.#records.header;
  }

  /**
   * The next item, or `undefined` at the end of the state.
   *
   * @throws {SnapshotError} for a record that cannot be framed or mapped, or the state
   * stream's own error (a bad archive).
   */
  async next(): Promise<T | undefined> {
    while (this.#next >= this.#queue.length) {
      this.#queue.length = 0;
      this.#next = 0;
      if (this.#done) return undefined;
      const { done, value } = await this.#reader.read();
      if (done) {
        this.#done = true;
        this.#records.end();
        this.#options.end?.();
        continue;
      }
      this.#options.chunk?.(value);
      this.#records.push(value);
    }
    return this.#queue[this.#next++];
  }

  /** Reads the rest of the state without mapping it: to let its archive finish verifying. */
  async drain(): Promise<void> {
    if (this.#done) return;
    for (;;) {
      const { done } = await this.#reader.read();
      if (done) break;
    }
    this.#done = true;
  }

  /** Stops reading. */
  async cancel(reason?: unknown): Promise<void> {
    this.#done = true;
    await this.#reader.cancel(reason).catch(() => {});
  }
}

/**
 * The error to report when a state's record failed while its archive was still being
 * read: the archive's own failure, if it has one, explains the bad record, not the
 * reverse (as in `inspectSnapshot`). Reads the rest of the state to find out.
 */
export async function archiveFirst(
  error: unknown,
  puller: RecordPuller<unknown>,
  result: Promise<unknown> | undefined,
): Promise<unknown> {
  if (result === undefined || !(error instanceof SnapshotError) || error.layer !== "state") {
    return error;
  }
  try {
    await puller.drain();
    await result;
  } catch (archive) {
    return archive;
  }
  return error;
}
