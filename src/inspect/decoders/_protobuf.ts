// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/** One protobuf field as it sits on the wire. */
export interface ProtoField {
  /** The field number. */
  field: number;
  /** 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32. */
  wire: number;
  /** Offset of the field's tag in the message. */
  offset: number;
  /** The value of a varint field (exact below 2^53). */
  varint?: number;
  /** The declared length of a length-delimited field. */
  length?: number;
  /** Its bytes, when the message holds all of them. */
  bytes?: Uint8Array;
}

/** Why a message is not protobuf. */
export class ProtoError extends Error {
  /** Offset of the problem in the message. */
  readonly offset: number;

  /**
   * @param offset Where in the message.
   * @param reason What is wrong.
   */
  constructor(offset: number, reason: string) {
    super(reason);
    this.name = "ProtoError";
    this.offset = offset;
  }
}

/**
 * The fields of a protobuf message, in wire order. With `partial`, the bytes may be a
 * prefix of the message: iteration stops at the first field that runs past them
 * (a length-delimited field is still yielded, with its length and no bytes).
 *
 * @throws {ProtoError} for a wire type protobuf does not use, a varint over 10 bytes, or
 * (without `partial`) a field that runs past the end.
 */
export function* protoFields(bytes: Uint8Array, partial = false): Generator<ProtoField> {
  let pos = 0;
  while (pos < bytes.length) {
    const offset = pos;
    const tag = readVarint(bytes, pos);
    if (tag === undefined) return stop(offset, "a field tag");
    pos = tag.end;
    const field = Math.floor(tag.value / 8);
    const wire = tag.value % 8;
    if (field === 0) throw new ProtoError(offset, "field number 0");
    switch (wire) {
      case 0: {
        const value = readVarint(bytes, pos);
        if (value === undefined) return stop(offset, "a varint");
        pos = value.end;
        yield { field, wire, offset, varint: value.value };
        break;
      }
      case 1:
      case 5: {
        const size = wire === 1 ? 8 : 4;
        if (pos + size > bytes.length) return stop(offset, `${size} fixed bytes`);
        yield { field, wire, offset, bytes: bytes.subarray(pos, pos + size) };
        pos += size;
        break;
      }
      case 2: {
        const length = readVarint(bytes, pos);
        if (length === undefined) return stop(offset, "a length");
        pos = length.end;
        if (pos + length.value > bytes.length) {
          if (!partial) {
            throw new ProtoError(
              offset,
              `field ${field} declares ${length.value} bytes but ${bytes.length - pos} remain`,
            );
          }
          yield { field, wire, offset, length: length.value };
          return;
        }
        yield {
          field,
          wire,
          offset,
          length: length.value,
          bytes: bytes.subarray(pos, pos + length.value),
        };
        pos += length.value;
        break;
      }
      default:
        throw new ProtoError(offset, `wire type ${wire} (field ${field}) is not used by proto3`);
    }
  }

  /** Ends a partial read where the bytes end; a whole message may not end there. */
  function stop(offset: number, what: string): void {
    if (!partial) throw new ProtoError(offset, `the message ends inside ${what}`);
  }
}

function readVarint(bytes: Uint8Array, start: number): { value: number; end: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let pos = start; pos < bytes.length && pos < start + 10; pos++) {
    const b = bytes[pos]!;
    value += (b & 0x7f) * scale;
    scale *= 128;
    if ((b & 0x80) === 0) return { value, end: pos + 1 };
  }
  if (bytes.length >= start + 10) throw new ProtoError(start, "a varint longer than 10 bytes");
  return undefined;
}
