// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { concatBytes } from "../../_bytes.ts";

/** One record of `state.bin`, as a framer found it. */
export interface FramedRecord {
  /** Counted from 1 in stream order. */
  number: number;
  /** The type byte (Consul, Nomad); `undefined` for Vault. */
  type: number | undefined;
  /** Offset in `state.bin` of the record's first byte (its type byte or length prefix). */
  offset: number;
  /** Offset in `state.bin` of the value's first byte (after the type byte or length prefix). */
  valueOffset: number;
  /**
   * Bytes the product's inspect counts for it: Consul and Nomad count everything read
   * since the previous record (the header with the first), Vault the protobuf message.
   */
  size: number;
  /** The value's bytes (msgpack value or protobuf message), as far as captured. */
  bytes: Uint8Array | undefined;
  /** Whether `bytes` holds the whole value. */
  complete: boolean;
}

/** How many bytes of a record's value to keep: 0 for none, Infinity for all. */
export type CapturePolicy = (type: number | undefined) => number;

/** A push parser that cuts `state.bin` into records. */
export interface StateFramer {
  /** Consumes a chunk, calling the record callback for each record it completes. */
  push(chunk: Uint8Array): void;
  /** Ends the input. @throws {SnapshotError} when it ends inside a record. */
  end(): void;
  /** Bytes consumed so far. */
  readonly position: number;
}

/** Joins captured pieces (one piece is returned as is: most records sit in one chunk). */
export function joinPieces(pieces: Uint8Array[]): Uint8Array {
  return pieces.length === 1 ? pieces[0]! : concatBytes(pieces);
}

/**
 * Copies the last piece if it views `chunk`: a record that goes on past a chunk must not
 * keep a view of it, since a producer may reuse the chunk's buffer once it is consumed.
 */
export function detachLast(pieces: Uint8Array[], chunk: Uint8Array): void {
  const last = pieces.length - 1;
  if (last >= 0 && pieces[last]!.buffer === chunk.buffer) pieces[last] = pieces[last]!.slice();
}
