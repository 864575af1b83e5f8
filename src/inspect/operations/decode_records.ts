// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { type ArchiveInput, toByteStream, withSignal } from "../../archive/_input.ts";
import { toBase64 } from "../../_bytes.ts";
import { SnapshotError } from "../../errors.ts";
import { MAX_MSGPACK_OBJECTS, MsgpackError, MsgpackLimitError } from "../decoders/_msgpack.ts";
import { ProtoError } from "../decoders/_protobuf.ts";
import { type DecodedValue, recordValue } from "../decoders/_record_value.ts";
import { redactionMarker } from "../products/_redact.ts";
import type { FramedRecord } from "../decoders/_state_framer.ts";
import { StateRecords, unknownStateError, wholeRecord } from "../decoders/_state_records.ts";
import { readStorageEntry } from "../decoders/_storage_entry.ts";
import type { Product } from "../inspect_result.ts";

export type { DecodedValue } from "../decoders/_record_value.ts";

/** One record of a `state.bin`, decoded. */
export interface DecodedRecord {
  /** The record's number, counted from 1 in stream order. */
  number: number;
  /** Its type byte (Consul, Nomad); `undefined` for Vault entries. */
  type: number | undefined;
  /** The product's name for the type (`KVS`, `Unknown(200)`); `StorageEntry` for Vault. */
  name: string;
  /** Offset of the record in `state.bin`. */
  offset: number;
  /** Its bytes as the product's inspect counts them. */
  size: number;
  /**
   * The value as plain data: maps keyed by Go field name, byte strings that are not
   * UTF-8 (and fields Go declares as bytes) as base64, Go times as RFC 3339 strings.
   * Integers beyond 2^53 are `bigint`s, to stay exact (Consul's policy hashes are such):
   * print with {@linkcode stringifyDecoded}, which writes them as Go does.
   * Vault entries are `{Key, Value, SealWrap}`, the value base64 or redacted.
   */
  value: DecodedValue;
}

/** Options of {@linkcode decodeRecords}. */
export interface DecodeOptions {
  /** Decode as this product's state instead of detecting it from the first bytes. */
  product?: Product;
  /**
   * Replace secret-bearing fields (ACL token secrets, private keys, KV values, Vault
   * values) with a marker stating their size, such as `[redacted: 73 bytes]`.
   *
   * @default {true}
   */
  redact?: boolean;
  /**
   * The largest record decoded; a larger one fails with `limit-exceeded`, so that one
   * record cannot make the decoder hold an unbounded amount of memory. (A record may also
   * hold at most 1,048,576 strings, arrays and maps, for the same reason.)
   *
   * @default {67108864}
   */
  maxRecordBytes?: number;
  /** Stops the decoding; the stream errors with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Called once the product is known (detected from the first bytes, or `product`), before
   * the first record: what {@linkcode decodeRecord} needs to decode a record again.
   */
  onProduct?: (product: Product, reason: string) => void;
}

/**
 * Decodes a `state.bin` record by record: Consul and Nomad msgpack records, Vault
 * storage entries. Memory holds one record at a time. The state's header is not a
 * record and is not emitted.
 *
 * To decode the state of a `.snap`, pipe {@linkcode parseSnapshot}'s `state` in: records
 * then flow as the archive is read, and the stream errors if the archive fails to verify
 * at its end.
 *
 * @example Decoding a Nomad state
 * ```ts
 * import { decodeRecords } from "@raftsnap/raftsnap";
 *
 * // Nomad's header {}, then an Index record (type 2): {"Key": "jobs", "Value": 7}
 * const state = new Uint8Array([
 *   0x80, 0x02, 0x82, 0xa3, 0x4b, 0x65, 0x79, 0xa4, 0x6a, 0x6f, 0x62, 0x73,
 *   0xa5, 0x56, 0x61, 0x6c, 0x75, 0x65, 0x07,
 * ]);
 * const records = await Array.fromAsync(decodeRecords(state));
 * if (records.length !== 1 || records[0]!.name !== "Index") throw new Error("unexpected");
 * if (JSON.stringify(records[0]!.value) !== '{"Key":"jobs","Value":7}') throw new Error("unexpected");
 * ```
 *
 * @param state The `state.bin` bytes.
 * @param options The product, redaction, the record size bound and a signal.
 * @returns The records, in stream order.
 */
export function decodeRecords(
  state: ArchiveInput,
  options: DecodeOptions = {},
): ReadableStream<DecodedRecord> {
  const redact = options.redact ?? true;
  const maxRecordBytes = options.maxRecordBytes ?? 64 * 1024 * 1024;
  if (!(maxRecordBytes > 0)) {
    throw new RangeError(`maxRecordBytes must be positive, not ${maxRecordBytes}`);
  }
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let queue: DecodedRecord[] = [];
  const records = new StateRecords({
    product: options.product,
    capture: () => () => maxRecordBytes,
    start(product, reason) {
      if (product === "unknown") {
        throw unknownStateError("decode", reason);
      }
      options.onProduct?.(product, reason);
    },
    record(product, record) {
      queue.push(decode(product, record, redact, maxRecordBytes));
    },
  });
  return new ReadableStream<DecodedRecord>({
    start() {
      reader = withSignal(toByteStream(state), options.signal).getReader();
    },
    async pull(controller) {
      try {
        while (queue.length === 0) {
          const { done, value } = await reader!.read();
          if (done) {
            records.end(); // a state shorter than the detection window decodes only now
            for (const record of queue) controller.enqueue(record);
            queue = [];
            controller.close();
            return;
          }
          records.push(value);
        }
      } catch (error) {
        await reader!.cancel(error).catch(() => {});
        throw error;
      }
      const ready = queue;
      queue = [];
      for (const record of ready) controller.enqueue(record);
    },
    async cancel(reason) {
      await reader?.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/** Options of {@linkcode decodeRecord}. */
export interface DecodeRecordOptions {
  /**
   * Replace secret-bearing fields by a size marker, as {@linkcode decodeRecords} does.
   *
   * @default {true}
   */
  redact?: boolean;
  /** The record's number, as `decodeRecords` gave it. @default {1} */
  number?: number;
  /** The record's offset in `state.bin`, as `decodeRecords` gave it. @default {0} */
  offset?: number;
  /** The record's size as the product's inspect counts it. @default {bytes.length} */
  size?: number;
}

/**
 * Decodes one record again from its bytes: `state.bin` from the record's `offset` (as
 * {@linkcode decodeRecords} reported it) to the next record's (or the state's end). The
 * result is what `decodeRecords` emitted for it, redacted or not, so a reader that kept
 * only offsets (a page browsing a large state, say) can show a record, or reveal its
 * secrets, without decoding the state again.
 *
 * @example A Nomad Index record, decoded on its own
 * ```ts
 * import { decodeRecord } from "@raftsnap/raftsnap";
 *
 * // type 2 (Index), then {"Key": "jobs", "Value": 7}
 * const bytes = new Uint8Array([
 *   0x02, 0x82, 0xa3, 0x4b, 0x65, 0x79, 0xa4, 0x6a, 0x6f, 0x62, 0x73,
 *   0xa5, 0x56, 0x61, 0x6c, 0x75, 0x65, 0x07,
 * ]);
 * const record = decodeRecord("nomad", bytes);
 * if (record.name !== "Index" || JSON.stringify(record.value) !== '{"Key":"jobs","Value":7}') {
 *   throw new Error("unexpected");
 * }
 * ```
 *
 * @param product Whose state the record is from (`decodeRecords` detected it).
 * @param bytes The record: its type byte and msgpack value (Consul, Nomad), or its
 * length prefix and `StorageEntry` message (Vault), exactly.
 * @param options Redaction, and the number, offset and size to report.
 * @returns The decoded record.
 * @throws {SnapshotError} `record-invalid` when the bytes are not exactly one record.
 */
export function decodeRecord(
  product: Product,
  bytes: Uint8Array,
  options: DecodeRecordOptions = {},
): DecodedRecord {
  const number = options.number ?? 1;
  const offset = options.offset ?? 0;
  let type: number | undefined;
  let start = 1;
  if (product === "vault") {
    let length = 0;
    let shift = 1;
    start = 0;
    while (start < bytes.length && start < 10) {
      const byte = bytes[start++]!;
      length += (byte & 0x7f) * shift;
      shift *= 128;
      if (byte < 0x80) break;
    }
    if (length !== bytes.length - start) start = -1;
  } else {
    type = bytes[0];
    if (type === undefined) start = -1;
  }
  if (start < 0) {
    throw new SnapshotError(
      "record-invalid",
      `record ${number} at offset ${offset} cannot be decoded: its ${bytes.length} bytes ` +
        "are not one whole record",
      { layer: "state", entry: "state.bin", offset, found: `${bytes.length} bytes` },
    );
  }
  const record: FramedRecord = {
    number,
    type,
    offset,
    valueOffset: offset + start,
    size: options.size ?? bytes.length,
    bytes: bytes.subarray(start),
    complete: true,
  };
  return decode(product, record, options.redact ?? true, Infinity);
}

function decode(
  product: Product,
  record: FramedRecord,
  redact: boolean,
  maxRecordBytes: number,
): DecodedRecord {
  const { bytes, name, position } = wholeRecord(product, record, maxRecordBytes);
  try {
    const value = product === "vault"
      ? vaultValue(bytes, redact)
      : recordValue(product, record.type!, bytes, { redact });
    return {
      number: record.number,
      type: record.type,
      name,
      offset: record.offset,
      size: record.size,
      value,
    };
  } catch (error) {
    if (!(error instanceof MsgpackError) && !(error instanceof ProtoError)) throw error;
    const limit = error instanceof MsgpackLimitError;
    // A msgpack value starts after the type byte; offsets inside Vault messages are approximate
    // by the length prefix, so Vault names the entry's start.
    const offset = product === "vault" ? record.offset : record.offset + 1 + error.offset;
    const reason = error instanceof MsgpackError ? error.reason : error.message;
    throw new SnapshotError(
      limit ? "limit-exceeded" : "record-invalid",
      `record ${record.number} (${product === "vault" ? name : `type ${record.type}, ${name}`}) ` +
        `at offset ${record.offset} cannot be decoded: ${reason} at offset ${offset}`,
      {
        layer: "state",
        entry: "state.bin",
        offset,
        expected: limit
          ? `at most ${MAX_MSGPACK_OBJECTS} strings, arrays and maps in a record`
          : product === "vault"
          ? "a protobuf StorageEntry"
          : "a msgpack value",
        found: reason,
        record: position,
        cause: error,
      },
    );
  }
}

function vaultValue(message: Uint8Array, redact: boolean): DecodedValue {
  const entry = readStorageEntry(message, true);
  const value = entry.value ?? new Uint8Array();
  return {
    Key: entry.key,
    Value: redact ? redactionMarker(value.length) : toBase64(value),
    SealWrap: entry.sealWrap,
  };
}
