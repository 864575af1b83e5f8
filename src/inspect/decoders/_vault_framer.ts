// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { SnapshotError } from "../../errors.ts";
import {
  type CapturePolicy,
  detachLast,
  type FramedRecord,
  joinPieces,
  type StateFramer,
} from "./_state_framer.ts";

/**
 * Cuts a Vault `state.bin` into its entries: repeated [uvarint length][protobuf
 * `StorageEntry`] (Vault's `physical/raft` delimited writer). A record's size is the
 * message length, its prefix excluded, as `vault operator raft snapshot inspect` counts.
 *
 * `FramedRecord.bytes` may view the pushed chunk: it is valid during the callback only.
 */
export class VaultFramer implements StateFramer {
  #capture: CapturePolicy;
  #onRecord: (record: FramedRecord) => void;
  #position = 0;
  #number = 0;
  /** The length prefix read so far. */
  #length = 0;
  #shift = 0;
  #prefixBytes = 0;
  /** Message bytes still to come; -1 while reading the prefix. */
  #remaining = -1;
  #recordStart = 0;
  #limit = 0;
  #pieces: Uint8Array[] = [];
  #captured = 0;

  /** The largest entry accepted: bolt's value limit is far below it. */
  static readonly MAX_ENTRY = 2 ** 31;

  /**
   * @param capture How much of each message to keep.
   * @param onRecord Called once per entry, in order.
   */
  constructor(capture: CapturePolicy, onRecord: (record: FramedRecord) => void) {
    this.#capture = capture;
    this.#onRecord = onRecord;
    this.#limit = capture(undefined);
  }

  /** Bytes consumed so far. */
  get position(): number {
    return this.#position;
  }

  push(chunk: Uint8Array): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.#remaining < 0) {
        if (this.#prefixBytes === 0) this.#recordStart = this.#position + pos;
        const b = chunk[pos++]!;
        this.#prefixBytes++;
        this.#length += (b & 0x7f) * 2 ** this.#shift;
        this.#shift += 7;
        if (b & 0x80) {
          if (this.#prefixBytes >= 5) throw this.#badLength(pos);
          continue;
        }
        if (this.#length > VaultFramer.MAX_ENTRY) throw this.#badLength(pos);
        this.#number++;
        this.#remaining = this.#length;
        if (this.#remaining === 0) this.#emit();
        continue;
      }
      const n = Math.min(this.#remaining, chunk.length - pos);
      if (this.#captured < this.#limit) {
        const kept = chunk.subarray(pos, pos + Math.min(n, this.#limit - this.#captured));
        this.#pieces.push(kept);
        this.#captured += kept.length;
      }
      pos += n;
      this.#remaining -= n;
      if (this.#remaining === 0) this.#emit();
    }
    if (this.#remaining > 0) detachLast(this.#pieces, chunk);
    this.#position += chunk.length;
  }

  end(): void {
    if (this.#remaining < 0 && this.#prefixBytes === 0) return;
    const inPrefix = this.#remaining < 0;
    throw new SnapshotError(
      "truncated",
      `state.bin ends inside entry ${
        this.#number + (inPrefix ? 1 : 0)
      } at offset ${this.#position}: ` +
        (inPrefix
          ? "its length prefix is not complete"
          : `its ${this.#length}-byte message, begun at offset ${
            this.#recordStart + this.#prefixBytes
          }, lacks ${this.#remaining} bytes`),
      {
        layer: "state",
        entry: "state.bin",
        offset: this.#position,
        expected: inPrefix ? "the rest of the length prefix" : `${this.#remaining} more bytes`,
        found: "end of state.bin",
        record: { number: this.#number + (inPrefix ? 1 : 0) },
      },
    );
  }

  #emit(): void {
    const bytes = this.#limit > 0 ? joinPieces(this.#pieces) : undefined;
    const record: FramedRecord = {
      number: this.#number,
      type: undefined,
      offset: this.#recordStart,
      valueOffset: this.#recordStart + this.#prefixBytes,
      size: this.#length,
      bytes,
      complete: bytes !== undefined && bytes.length === this.#length,
    };
    this.#pieces = [];
    this.#captured = 0;
    this.#length = this.#shift = this.#prefixBytes = 0;
    this.#remaining = -1;
    this.#onRecord(record);
  }

  #badLength(pos: number): SnapshotError {
    return new SnapshotError(
      "record-invalid",
      `entry ${this.#number + 1} at offset ${this.#recordStart} declares an impossible length ` +
        `(more than ${VaultFramer.MAX_ENTRY} bytes)`,
      {
        layer: "state",
        entry: "state.bin",
        offset: this.#recordStart,
        expected: `a uvarint length of at most ${VaultFramer.MAX_ENTRY}`,
        found: `${this.#prefixBytes} length bytes ending at offset ${this.#position + pos}`,
        record: { number: this.#number + 1 },
      },
    );
  }
}
