// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { type ArchiveInput, toByteStream } from "../../archive/_input.ts";
import { type ParseOptions, parseSnapshot } from "../../archive/parse.ts";
import { toBase64 } from "../../_bytes.ts";
import { SnapshotError } from "../../errors.ts";
import { goJsonString } from "../products/_go_json.ts";
import { CONSUL_KVS, kvEntry } from "../decoders/_kv_entry.ts";
import { archiveFirst, RecordPuller } from "../decoders/_record_pull.ts";

/** Options of {@linkcode exportKv}. */
export interface ExportKvOptions extends ParseOptions {
  /**
   * Export only the keys that start with this, as `consul kv export PREFIX` does (a
   * leading `/` is dropped, as Consul drops it).
   *
   * @default {""}
   */
  prefix?: string;
  /**
   * The largest KVS record exported; a larger one fails with `limit-exceeded`.
   *
   * @default {67108864}
   */
  maxRecordBytes?: number;
}

/** Text is handed on in pieces of about this many characters. */
const BATCH = 64 * 1024;

/**
 * The Consul KV pairs of a snapshot, exactly as `consul kv export` prints them, for
 * `consul kv import`: Go's `json.MarshalIndent(entries, "", "\t")` of
 * `[{"key", "flags", "value"}]` (Consul's `command/kv/impexp.Entry`: `value` is the
 * standard base64 of the bytes, `namespace` and `partition` follow only when a record
 * names them, as in Consul Enterprise), strings escaped as Go's `encoding/json` escapes
 * them, and the newline the CLI adds. Keys come in the snapshot's order, which is
 * Consul's key order, as `kv export` lists them; `[]` when no key matches.
 *
 * This takes the values out of the snapshot, secrets included: that is what it is for.
 *
 * The text streams as the archive is read, in constant memory. **The stream closes
 * normally only once the whole archive has verified**; on any failure it errors instead,
 * so write it to a temporary file and rename it once it closed (the CLI does). Only a
 * Consul state holds a KV store: another product's fails with `record-invalid`.
 *
 * @example Exporting a Consul KV store
 * ```ts
 * import { exportKv, writeSnapshot } from "@raftsnap/raftsnap";
 *
 * const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));
 * // {"LastIndex": 9}, then one KVS record (type 2): {"Key": "app/on", "Value": "yes"}
 * const state = new Uint8Array([
 *   0x81, 0xa9, ...ascii("LastIndex"), 0x09,
 *   0x02, 0x82, 0xa3, ...ascii("Key"), 0xa6, ...ascii("app/on"),
 *   0xa5, ...ascii("Value"), 0xa3, ...ascii("yes"),
 * ]);
 * const archive = writeSnapshot({ id: "2-9-1", index: 9, term: 2, size: state.length }, state);
 * const text = await new Response(exportKv(archive, { prefix: "app/" })).text();
 * const expected = '[\n\t{\n\t\t"key": "app/on",\n\t\t"flags": 0,\n\t\t"value": "eWVz"\n\t}\n]\n';
 * if (text !== expected) throw new Error(text);
 * ```
 *
 * @param input The `.snap`.
 * @param options The prefix, a bound, and what {@linkcode verifySnapshot} takes.
 * @returns The JSON text as UTF-8.
 */
export function exportKv(
  input: ArchiveInput,
  options: ExportKvOptions = {},
): ReadableStream<Uint8Array> {
  const maxRecordBytes = options.maxRecordBytes ?? 64 * 1024 * 1024;
  if (!(maxRecordBytes > 0)) {
    throw new RangeError(`maxRecordBytes must be positive, not ${maxRecordBytes}`);
  }
  let prefix = options.prefix ?? "";
  if (prefix.startsWith("/")) prefix = prefix.slice(1);
  const parsed = parseSnapshot(toByteStream(input), options);
  const puller = new RecordPuller<string>(parsed.state, {
    capture: (product) => (type) =>
      product === "consul" && type === CONSUL_KVS ? maxRecordBytes : 0,
    start(product, reason) {
      if (product !== "consul") {
        throw new SnapshotError(
          "record-invalid",
          `cannot export KV pairs: only Consul's state holds a KV store, and ${
            product === "unknown" ? "this is no product's" : `this is ${product}'s`
          } (${reason})`,
          {
            layer: "state",
            entry: "state.bin",
            offset: 0,
            expected: "a Consul state",
            found: product,
          },
        );
      }
    },
    map(product, record) {
      if (product !== "consul" || record.type !== CONSUL_KVS) return undefined;
      const entry = kvEntry("consul", record, maxRecordBytes);
      if (!entry.key.startsWith(prefix)) return undefined;
      let text = `\t{\n\t\t"key": ${goJsonString(entry.key, "encoding/json")},\n` +
        `\t\t"flags": ${entry.flags},\n\t\t"value": "${toBase64(entry.value)}"`;
      if (entry.namespace) {
        text += `,\n\t\t"namespace": ${goJsonString(entry.namespace, "encoding/json")}`;
      }
      if (entry.partition) {
        text += `,\n\t\t"partition": ${goJsonString(entry.partition, "encoding/json")}`;
      }
      return text + "\n\t}";
    },
  });
  const encoder = new TextEncoder();
  let count = 0;
  let finished = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (finished) return;
      let batch = "";
      try {
        while (batch.length < BATCH) {
          const item = await puller.next();
          if (item === undefined) {
            finished = true;
            batch += count === 0 ? "[]\n" : "\n]\n";
            break;
          }
          batch += (count++ === 0 ? "[\n" : ",\n") + item;
        }
        if (finished) await parsed.result; // resolved: the state closed after verifying
      } catch (error) {
        throw await archiveFirst(error, puller, parsed.result);
      }
      controller.enqueue(encoder.encode(batch));
      if (finished) controller.close();
    },
    async cancel(reason) {
      await puller.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
