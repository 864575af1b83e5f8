// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { concatBytes } from "../../_bytes.ts";
import { type RecordPosition, SnapshotError } from "../../errors.ts";
import { DETECT_BYTES, type Detection, detectProduct } from "../products/detect_product.ts";
import { MsgpackFramer } from "./_msgpack_framer.ts";
import type { CapturePolicy, FramedRecord, StateFramer } from "./_state_framer.ts";
import { recordTypeName } from "../products/_type_names.ts";
import { VaultFramer } from "./_vault_framer.ts";
import type { Product } from "../inspect_result.ts";

/** What {@linkcode StateRecords} calls back with. */
export interface StateRecordsHandler {
  /** Decode as this product instead of detecting it. */
  product?: Product;
  /** How much of each record's value to keep, once the product is known. */
  capture(product: Product): CapturePolicy;
  /** Called once, when the product is decided (before the first record). */
  start?(product: Product | "unknown", reason: string): void;
  /** Called for each record; its bytes are valid during the call only. */
  record(product: Product, record: FramedRecord): void;
}

/**
 * The records of a `state.bin` pushed chunk by chunk: holds back the first
 * {@linkcode DETECT_BYTES} to name the product, then frames the state as that product
 * writes it. A state no product's framing fits is only counted.
 */
export class StateRecords {
  #handler: StateRecordsHandler;
  #head: Uint8Array[] = [];
  #headBytes = 0;
  #decided = false;
  #framer: StateFramer | undefined;
  #product: Product | "unknown" = "unknown";
  #reason = "";

  /** @param handler The product override, capture policy and callbacks. */
  constructor(handler: StateRecordsHandler) {
    this.#handler = handler;
  }

  /** The product, once decided. */
  get product(): Product | "unknown" {
    return this.#product;
  }

  /** How the product was decided. */
  get reason(): string {
    return this.#reason;
  }

  /** The msgpack header's first bytes (Consul, Nomad), else empty. */
  get header(): Uint8Array {
    return this.#framer instanceof MsgpackFramer ? this.#framer.header : new Uint8Array();
  }

  /** Consumes a chunk. @throws {SnapshotError} for a record that cannot be framed. */
  push(chunk: Uint8Array): void {
    if (this.#decided) {
      this.#framer?.push(chunk);
      return;
    }
    this.#head.push(chunk.slice(0, DETECT_BYTES - this.#headBytes));
    this.#headBytes += chunk.length;
    if (this.#headBytes >= DETECT_BYTES) this.#start(chunk);
  }

  /** Ends the state. @throws {SnapshotError} when it ends inside a record. */
  end(): void {
    if (!this.#decided) this.#start(undefined);
    this.#framer?.end();
  }

  /** Decides the product, then replays the held-back start through its framer. */
  #start(last: Uint8Array | undefined): void {
    this.#decided = true;
    const head = this.#head.length === 1 ? this.#head[0]! : concatBytes(this.#head);
    this.#head = [];
    const detected: Detection = detectProduct(head);
    const product = this.#handler.product ?? detected.product;
    this.#product = product;
    this.#reason = this.#handler.product
      ? `decoded as ${product}, as asked (${detected.reason})`
      : detected.reason;
    this.#handler.start?.(product, this.#reason);
    if (product === "unknown") return;
    const capture = this.#handler.capture(product);
    this.#framer = product === "vault"
      ? new VaultFramer(capture, (record) => this.#handler.record(product, record))
      : new MsgpackFramer(
        capture,
        (record) => this.#handler.record(product, record),
        (type) => recordTypeName(product, type).name,
      );
    this.#framer.push(head);
    // head holds the earlier chunks whole and the first bytes of the last one.
    if (last) this.#framer.push(last.subarray(head.length - (this.#headBytes - last.length)));
  }
}

/**
 * The error for a state whose product is unknown, for readers that need the records
 * (`doing`: "decode", "redact").
 */
export function unknownStateError(doing: string, reason: string): SnapshotError {
  return new SnapshotError("record-invalid", `cannot ${doing} the state: ${reason}`, {
    layer: "state",
    entry: "state.bin",
    offset: 0,
    expected: "the state of Consul, Nomad or Vault",
    found: reason,
  });
}

/** A captured record's bytes, with its position as errors name it. */
export interface WholeRecord {
  /** The record's value bytes (the type byte excluded). */
  bytes: Uint8Array;
  /** Its type's name (`StorageEntry` for Vault). */
  name: string;
  /** Its number, type and name, for a `SnapshotError`'s `record`. */
  position: RecordPosition;
}

/**
 * The bytes of a record captured whole, for the readers that decode it (decode, redact).
 *
 * @throws {SnapshotError} `limit-exceeded` when it was larger than `maxRecordBytes`.
 */
export function wholeRecord(
  product: Product,
  record: FramedRecord,
  maxRecordBytes: number,
): WholeRecord {
  const name = product === "vault" ? "StorageEntry" : recordTypeName(product, record.type!).name;
  const position = { number: record.number, type: record.type, name };
  if (!record.complete) {
    throw new SnapshotError(
      "limit-exceeded",
      `record ${record.number} (${name}) at offset ${record.offset} is larger than ` +
        `maxRecordBytes (${maxRecordBytes})`,
      {
        layer: "state",
        entry: "state.bin",
        offset: record.offset,
        expected: `at most ${maxRecordBytes} bytes`,
        found: "more",
        record: position,
      },
    );
  }
  return { bytes: record.bytes!, name, position };
}
