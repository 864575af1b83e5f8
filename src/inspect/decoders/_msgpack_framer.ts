// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { SnapshotError } from "../../errors.ts";
import { MsgpackFrameError, MsgpackSkipper } from "./_msgpack_skipper.ts";
import {
  type CapturePolicy,
  detachLast,
  type FramedRecord,
  joinPieces,
  type StateFramer,
} from "./_state_framer.ts";

/**
 * Cuts a Consul or Nomad `state.bin` into records: one msgpack header value, then
 * repeated [type byte][msgpack value] until the end, with no lengths to trust: the
 * skipper finds where each value ends. Record sizes follow the products' inspect: bytes
 * read since the previous record, the header's counted with the first.
 *
 * `FramedRecord.bytes` may view the pushed chunk: it is valid during the callback only.
 */
export class MsgpackFramer implements StateFramer {
  #skipper = new MsgpackSkipper();
  #capture: CapturePolicy;
  #onRecord: (record: FramedRecord) => void;
  #nameOf: (type: number) => string;
  #phase: "header" | "type" | "value" = "header";
  #position = 0;
  /** Where the bytes counted into the next record began. */
  #countFrom = 0;
  #recordStart = 0;
  #type = 0;
  #number = 0;
  #limit = 0;
  #pieces: Uint8Array[] = [];
  #captured = 0;
  #header: Uint8Array[] = [];
  #headerBytes = 0;

  /** Bytes of the header kept, enough for Consul's `{"LastIndex": n}`. */
  static readonly HEADER_CAPTURE = 64;

  /**
   * @param capture How much of each record's value to keep.
   * @param onRecord Called once per record, in order.
   * @param nameOf Names a type for error messages.
   */
  constructor(
    capture: CapturePolicy,
    onRecord: (record: FramedRecord) => void,
    nameOf: (type: number) => string,
  ) {
    this.#capture = capture;
    this.#onRecord = onRecord;
    this.#nameOf = nameOf;
  }

  /** Bytes consumed so far. */
  get position(): number {
    return this.#position;
  }

  /** The header's first bytes (at most {@linkcode MsgpackFramer.HEADER_CAPTURE}). */
  get header(): Uint8Array {
    return joinPieces(this.#header);
  }

  push(chunk: Uint8Array): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.#phase === "type") {
        this.#recordStart = this.#position + pos;
        this.#type = chunk[pos++]!;
        this.#number++;
        this.#limit = this.#capture(this.#type);
        this.#phase = "value";
        continue;
      }
      const from = pos;
      let end: number;
      try {
        end = this.#skipper.scan(chunk, pos);
      } catch (error) {
        if (!(error instanceof MsgpackFrameError)) throw error;
        throw this.#invalid(error);
      }
      const upTo = end < 0 ? chunk.length : end;
      if (this.#phase === "header") this.#keepHeader(chunk.subarray(from, upTo));
      else if (this.#captured < this.#limit) this.#keep(chunk.subarray(from, upTo));
      pos = upTo;
      if (end < 0) {
        detachLast(this.#pieces, chunk);
        break;
      }
      if (this.#phase === "header") {
        this.#phase = "type";
      } else {
        this.#emit(this.#position + end);
      }
    }
    this.#position += chunk.length;
  }

  end(): void {
    if (this.#phase === "type") return;
    if (this.#phase === "header" && this.#position === 0) return; // an empty state
    const record = this.#phase === "header"
      ? { number: 0, name: "header" }
      : { number: this.#number, type: this.#type, name: this.#nameOf(this.#type) };
    const start = this.#phase === "header" ? 0 : this.#recordStart;
    throw new SnapshotError(
      "truncated",
      `state.bin ends inside ${describe(record)} at offset ${this.#position}: ` +
        `its value began at offset ${
          start + (this.#phase === "header" ? 0 : 1)
        } and is not complete`,
      {
        layer: "state",
        entry: "state.bin",
        offset: this.#position,
        expected: "the rest of the msgpack value",
        found: "end of state.bin",
        record,
      },
    );
  }

  #keepHeader(piece: Uint8Array): void {
    const room = MsgpackFramer.HEADER_CAPTURE - this.#headerBytes;
    if (room <= 0 || piece.length === 0) return;
    const kept = piece.slice(0, room);
    this.#header.push(kept);
    this.#headerBytes += kept.length;
  }

  #keep(piece: Uint8Array): void {
    const room = this.#limit - this.#captured;
    const kept = piece.length <= room ? piece : piece.subarray(0, room);
    if (kept.length === 0) return;
    this.#pieces.push(kept);
    this.#captured += kept.length;
  }

  #emit(endPosition: number): void {
    const bytes = this.#limit > 0 ? joinPieces(this.#pieces) : undefined;
    const valueSize = endPosition - this.#recordStart - 1;
    const record: FramedRecord = {
      number: this.#number,
      type: this.#type,
      offset: this.#recordStart,
      valueOffset: this.#recordStart + 1,
      size: endPosition - this.#countFrom,
      bytes,
      complete: bytes !== undefined && bytes.length === valueSize,
    };
    this.#countFrom = endPosition;
    this.#pieces = [];
    this.#captured = 0;
    this.#phase = "type";
    this.#onRecord(record);
  }

  #invalid(error: MsgpackFrameError): SnapshotError {
    const header = this.#phase === "header";
    const valueStart = header ? 0 : this.#recordStart + 1;
    const offset = valueStart + error.offset;
    const record = header
      ? { number: 0, name: "header" }
      : { number: this.#number, type: this.#type, name: this.#nameOf(this.#type) };
    return new SnapshotError(
      "record-invalid",
      `${describe(record)} at offset ${valueStart - (header ? 0 : 1)} is not valid msgpack: ` +
        `${error.message} at offset ${offset}`,
      {
        layer: "state",
        entry: "state.bin",
        offset,
        expected: "a msgpack value",
        found: error.message,
        record,
      },
    );
  }
}

function describe(record: { number: number; type?: number; name: string }): string {
  return record.number === 0
    ? "the state header"
    : `record ${record.number} (type ${record.type}, ${record.name})`;
}
