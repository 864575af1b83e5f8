// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { type ArchiveInput, toByteStream } from "../../archive/_input.ts";
import { type ParseOptions, parseSnapshot } from "../../archive/parse.ts";
import { writeSnapshot } from "../../archive/write.ts";
import { SnapshotError } from "../../errors.ts";
import { MsgpackError, MsgpackLimitError } from "../decoders/_msgpack.ts";
import { ProtoError } from "../decoders/_protobuf.ts";
import {
  msgpackSecretRanges,
  type Range,
  REDACTED_BYTE,
  storageEntrySecretRanges,
} from "./_redact_record.ts";
import type { FramedRecord } from "../decoders/_state_framer.ts";
import { StateRecords, unknownStateError, wholeRecord } from "../decoders/_state_records.ts";
import type { Product } from "../inspect_result.ts";
import { redactedInputs } from "./_redact_input.ts";

/** Options of {@linkcode redactSnapshot}. */
export interface RedactOptions extends ParseOptions {
  /** Decode the state as this product's instead of detecting it. */
  product?: Product;
  /**
   * The largest record rewritten (it is held whole while its secrets are found); a
   * larger one fails with `limit-exceeded`.
   *
   * @default {67108864}
   */
  maxRecordBytes?: number;
  /**
   * For a sealed IN (one holding `SHA256SUMS.sealed`) and no `sealer`: write OUT without
   * `SHA256SUMS.sealed` instead of failing with `sealer-required`. Go's `Verify` never
   * opens the sealed sums and accepts such an archive, so inspect, decode and diff read
   * it; but the product (Vault) needs its sealed sums to restore it, so OUT is for reading
   * only (it is anyway: its secrets are gone). With a `sealer`, OUT stays sealed and this
   * option has no effect. Vault's sealed sums are sealed by Vault's own seal, which no
   * user can hand over, so this is how a Vault snapshot is redacted.
   *
   * @default {false}
   */
  dropSealedSums?: boolean;
  /**
   * The modification time of the new archive's entries.
   *
   * @default {new Date()}
   */
  modTime?: Date;
}

/**
 * A copy of a snapshot without its secrets: every field that {@linkcode decodeRecords}
 * redacts (ACL token secrets, private and signing keys, KV values, Vault values, Nomad
 * variables and root keys) has each of its bytes replaced by `*` (0x2a), keeping its
 * type and length, and every other byte of `state.bin` is copied as it is. So OUT's
 * `meta.json` is IN's (`Size` included), OUT holds the same records of the same types and
 * sizes, and the products' decoders read every record; only the secrets are gone (their
 * lengths stay, as `decodeRecords` shows them).
 *
 * One pass, constant memory: IN is verified as it is read, and the stream errors
 * instead of closing if IN fails anywhere (write OUT to a temporary name and rename it
 * once the stream has closed). A sealed IN is re-sealed with `options.sealer`, which
 * must open IN's sealed sums; without one it fails with `sealer-required`: the new
 * state's sums would otherwise go unsealed. `options.dropSealedSums` writes it without
 * `SHA256SUMS.sealed` instead (Go's `Verify` accepts that; the product could not restore
 * it). A state that is no product's cannot be
 * redacted (`record-invalid`).
 *
 * A redacted snapshot is for reading (inspect, decode, diff), not for restoring: its
 * tokens, keys and values are gone.
 *
 * @example Redacting a Consul KV value
 * ```ts
 * import { decodeRecords, parseSnapshot, redactSnapshot, writeSnapshot } from "@raftsnap/raftsnap";
 *
 * const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));
 * // {"LastIndex": 9}, then one KVS record (type 2): {"Key": "db/pass", "Value": "hunter2"}
 * const state = new Uint8Array([
 *   0x81, 0xa9, ...ascii("LastIndex"), 0x09,
 *   0x02, 0x82, 0xa3, ...ascii("Key"), 0xa7, ...ascii("db/pass"),
 *   0xa5, ...ascii("Value"), 0xa7, ...ascii("hunter2"),
 * ]);
 * const archive = writeSnapshot({ id: "2-9-1", index: 9, term: 2, size: state.length }, state);
 * const redacted = parseSnapshot(redactSnapshot(archive));
 * const [record] = await Array.fromAsync(decodeRecords(redacted.state, { redact: false }));
 * const value = (record!.value as { Value: string }).Value;
 * if (value !== btoa("*******")) throw new Error(value);
 * ```
 *
 * @param input The `.snap` to redact.
 * @param options The sealer (for a sealed IN), the product, bounds, and what
 * {@linkcode verifySnapshot} takes.
 * @returns The redacted `.snap`; the stream errors with a {@linkcode SnapshotError} when
 * IN is bad, a record cannot be decoded, or a sealer is missing.
 */
export function redactSnapshot(
  input: ArchiveInput,
  options: RedactOptions = {},
): ReadableStream<Uint8Array> {
  const maxRecordBytes = options.maxRecordBytes ?? 64 * 1024 * 1024;
  if (!(maxRecordBytes > 0)) {
    throw new RangeError(`maxRecordBytes must be positive, not ${maxRecordBytes}`);
  }
  const parsed = parseSnapshot(toByteStream(input), options);
  const state = redactState(parsed.state, parsed.result, options, maxRecordBytes);
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const out = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!reader) {
        const meta = await parsed.meta;
        reader = writeSnapshot(meta, state, {
          sealer: options.sealer,
          hasher: options.hasher,
          useWorker: options.useWorker,
          modTime: options.modTime,
          signal: options.signal,
        }).getReader();
      }
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel(reason) {
      if (reader) await reader.cancel(reason).catch(() => {});
      else await state.cancel(reason).catch(() => {});
    },
  }, { highWaterMark: 0 });
  redactedInputs.set(out, parsed.result);
  parsed.result.catch(() => {}); // the stream reports IN's failure
  return out;
}

/** A held chunk of the state and its offset. */
interface Held {
  offset: number;
  bytes: Uint8Array;
}

function redactState(
  source: ReadableStream<Uint8Array>,
  verified: Promise<{ sealed: boolean }>,
  options: RedactOptions,
  maxRecordBytes: number,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  /** Chunks not yet passed on: the record in progress may still overwrite them. */
  let held: Held[] = [];
  let received = 0;
  /** Every byte before this is final. */
  let safe = 0;
  const records = new StateRecords({
    product: options.product,
    capture: () => () => maxRecordBytes,
    start(product, reason) {
      if (product === "unknown") {
        throw unknownStateError("redact", reason);
      }
    },
    record(product, record) {
      for (const [start, end] of secretRanges(product, record, maxRecordBytes)) {
        overwrite(record.valueOffset + start, record.valueOffset + end);
      }
      safe = record.valueOffset + record.bytes!.length;
    },
  });

  const overwrite = (start: number, end: number) => {
    for (const chunk of held) {
      const from = Math.max(start, chunk.offset);
      const to = Math.min(end, chunk.offset + chunk.bytes.length);
      if (from < to) chunk.bytes.fill(REDACTED_BYTE, from - chunk.offset, to - chunk.offset);
    }
  };

  const release = (controller: ReadableStreamDefaultController<Uint8Array>, all: boolean) => {
    let n = 0;
    while (n < held.length && (all || held[n]!.offset + held[n]!.bytes.length <= safe)) {
      controller.enqueue(held[n]!.bytes);
      n++;
    }
    if (n > 0) held = held.slice(n);
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) {
            records.end();
            release(controller, true);
            if ((await verified).sealed && !options.sealer && !options.dropSealedSums) {
              throw new SnapshotError(
                "sealer-required",
                "the snapshot is sealed (it holds SHA256SUMS.sealed), and no sealer was given " +
                  "to seal the redacted copy's sums: give the sealer that opens it, or drop " +
                  "the sealed sums (dropSealedSums) for a copy that reads but cannot be restored",
                {
                  layer: "seal",
                  entry: "SHA256SUMS.sealed",
                  expected: "a sealer",
                  found: "none",
                },
              );
            }
            controller.close();
            return;
          }
          // A copy: the secrets are overwritten in place, never in the producer's buffer.
          held.push({ offset: received, bytes: value.slice() });
          received += value.length;
          records.push(value);
          const before = held.length;
          release(controller, false);
          if (held.length < before) return;
        }
      } catch (error) {
        // A bad archive explains a bad record: report the archive's failure if it has one.
        if (error instanceof SnapshotError && error.layer === "state") {
          try {
            for (;;) if ((await reader.read()).done) break;
            await verified;
          } catch (archive) {
            throw archive;
          }
        } else await reader.cancel(error).catch(() => {});
        throw error;
      }
    },
    async cancel(reason) {
      await reader.cancel(reason).catch(() => {});
    },
  }, { highWaterMark: 0 });
}

function secretRanges(product: Product, record: FramedRecord, maxRecordBytes: number): Range[] {
  const { bytes, name, position } = wholeRecord(product, record, maxRecordBytes);
  try {
    return product === "vault"
      ? storageEntrySecretRanges(bytes)
      : msgpackSecretRanges(product, record.type!, bytes);
  } catch (error) {
    if (!(error instanceof MsgpackError) && !(error instanceof ProtoError)) throw error;
    const reason = error instanceof MsgpackError ? error.reason : error.message;
    throw new SnapshotError(
      error instanceof MsgpackLimitError ? "limit-exceeded" : "record-invalid",
      `record ${record.number} (${name}) at offset ${record.offset} cannot be decoded: ${reason}`,
      {
        layer: "state",
        entry: "state.bin",
        offset: record.offset,
        expected: product === "vault" ? "a protobuf StorageEntry" : "a msgpack value",
        found: reason,
        record: position,
        cause: error,
      },
    );
  }
}
