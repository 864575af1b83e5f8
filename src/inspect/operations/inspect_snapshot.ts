// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { type ArchiveInput, toByteStream, withSignal } from "../../archive/_input.ts";
import { readArchive, type ReadOptions, type VerifyResult } from "../../archive/read_archive.ts";
import { readMetaJson, type SnapshotMeta } from "../../format/meta.ts";
import { readSealEnvelope } from "../decoders/_seal_envelope.ts";
import { StateInspector, type StateStats } from "./_state_inspector.ts";
import type { InspectResult, Product } from "../inspect_result.ts";

export type * from "../inspect_result.ts";

/** Options of {@linkcode inspectSnapshot}. */
export interface InspectOptions extends ReadOptions {
  /**
   * Decode the state as this product's instead of detecting it from its first bytes.
   * Consul's and Nomad's record type numbers overlap, so this matters when a state is
   * too short or too odd to tell.
   */
  product?: Product;
  /**
   * How many `/`-separated parts of a key name a row of the key statistics (Consul's
   * `-kvdepth`, Vault's `-depth`). 0 is each whole key for Vault; for Consul it is what
   * Consul does, one row named `""` for all keys.
   *
   * @default {2}
   */
  depth?: number;
  /**
   * Count only keys that start with this (Consul's `-kvfilter`, Vault's `-filter`).
   *
   * @default {""}
   */
  filter?: string;
  /**
   * Called with the metadata as soon as `meta.json` has been read (or at once for a raw
   * state), before the rest is verified: to show it while the state streams past, or
   * beside a failure that comes later.
   */
  onMeta?: (meta: SnapshotMeta) => void;
  /**
   * The most key-prefix rows kept (memory is about 100 bytes a row). Keys under further
   * prefixes are counted in the totals only, and a warning says how many.
   *
   * @default {1000000}
   */
  maxKeyPrefixes?: number;
}

/**
 * A raw `state.bin` with its metadata: what a raft data directory's `snapshots/<id>/`
 * folder holds. Nothing vouches for these bytes, so nothing is verified.
 */
export interface RawStateInput {
  /** The `state.bin` bytes. */
  state: ArchiveInput;
  /** The snapshot's metadata, or the bytes or text of its `meta.json`. */
  meta: SnapshotMeta | Uint8Array | string;
}

/**
 * Verifies a snapshot as {@linkcode verifySnapshot} does and decodes its `state.bin` as
 * it streams past, in one pass and constant memory: which product wrote it, records per
 * type, keys per prefix (Consul KV, Vault storage), unknown record types, and for Vault
 * what the sealed sums' envelope says. Counts match `consul snapshot inspect`, `nomad
 * operator snapshot inspect` and `vault operator raft snapshot inspect`; the
 * `format*Inspect` functions print them as those commands do.
 *
 * An archive that fails verification rejects with that failure even when a record could
 * not be decoded either: a corrupt archive explains a bad record, not the reverse.
 *
 * @example Inspecting a Consul snapshot
 * ```ts
 * import { inspectSnapshot, writeSnapshot } from "@raftsnap/raftsnap";
 *
 * // {"LastIndex": 9}, then one KVS record (type 2): {"Key": "app/config", "Value": "on"}
 * const state = new Uint8Array([
 *   0x81, 0xa9, ..."LastIndex".split("").map((c) => c.charCodeAt(0)), 0x09,
 *   0x02, 0x82, 0xa3, 0x4b, 0x65, 0x79, 0xaa, ..."app/config".split("").map((c) => c.charCodeAt(0)),
 *   0xa5, 0x56, 0x61, 0x6c, 0x75, 0x65, 0xa2, 0x6f, 0x6e,
 * ]);
 * const archive = writeSnapshot({ id: "2-9-1700000000000", index: 9, term: 2, size: state.length }, state);
 * const result = await inspectSnapshot(archive);
 * if (result.product !== "consul" || result.types[0]?.name !== "KVS") throw new Error("unexpected");
 * if (result.keys?.prefixes[0]?.name !== "app/config" || result.lastIndex !== 9n) throw new Error("unexpected");
 * ```
 *
 * @param input The `.snap` (a stream, `Blob`, `Response` or bytes), or a raw state with its metadata.
 * @param options The product, key depth and filter, and everything {@linkcode verifySnapshot} takes.
 * @returns What the snapshot holds.
 * @throws {SnapshotError} when the archive is bad, or (layer `state`) a record cannot be decoded.
 */
export async function inspectSnapshot(
  input: ArchiveInput | RawStateInput,
  options: InspectOptions = {},
): Promise<InspectResult> {
  const depth = options.depth ?? 2;
  if (!Number.isSafeInteger(depth) || depth < 0) {
    throw new RangeError(`depth must be a whole number of at least 0, not ${depth}`);
  }
  const maxPrefixes = options.maxKeyPrefixes ?? 1_000_000;
  if (!Number.isSafeInteger(maxPrefixes) || maxPrefixes < 0) {
    throw new RangeError(`maxKeyPrefixes must be a whole number of at least 0, not ${maxPrefixes}`);
  }
  const inspector = new StateInspector({
    product: options.product,
    depth,
    filter: options.filter ?? "",
    maxPrefixes,
  });
  if (isRawState(input)) return await inspectRawState(input, inspector, options);

  let failure: unknown;
  const verify: VerifyResult = await readArchive(toByteStream(input), options, {
    meta: options.onMeta,
    state(chunk) {
      if (failure !== undefined) return;
      try {
        inspector.push(chunk);
      } catch (error) {
        failure = error; // kept until the archive has verified: see the JSDoc
      }
    },
  });
  if (failure !== undefined) throw failure;
  const stats = inspector.end();
  const sealed = verify.entries.find((entry) => entry.name === "SHA256SUMS.sealed");
  return {
    meta: verify.meta,
    verify,
    ...stats,
    sealEnvelope: sealed?.content && stats.product === "vault"
      ? readSealEnvelope(sealed.content)
      : undefined,
    warnings: warningsFor(verify.meta, stats),
  };
}

async function inspectRawState(
  input: RawStateInput,
  inspector: StateInspector,
  options: InspectOptions,
): Promise<InspectResult> {
  const meta = typeof input.meta === "string" || input.meta instanceof Uint8Array
    ? readMetaJson(input.meta)
    : input.meta;
  options.onMeta?.(meta);
  const reader = withSignal(toByteStream(input.state), options.signal).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      inspector.push(value);
    }
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  } finally {
    reader.releaseLock();
  }
  const stats = inspector.end();
  return {
    meta,
    verify: undefined,
    ...stats,
    sealEnvelope: undefined,
    warnings: warningsFor(meta, stats),
  };
}

function isRawState(input: ArchiveInput | RawStateInput): input is RawStateInput {
  return typeof input === "object" && input !== null && "state" in input && "meta" in input &&
    !(input instanceof Uint8Array);
}

function warningsFor(meta: SnapshotMeta, stats: StateStats): string[] {
  const warnings: string[] = [];
  if (meta.size !== BigInt(stats.stateBytes)) {
    warnings.push(
      `meta.json says Size ${meta.size}, but state.bin holds ${stats.stateBytes} bytes`,
    );
  }
  if (stats.product === "unknown") {
    warnings.push(`the state was not decoded: ${stats.productReason}`);
  }
  const omitted = stats.keys?.omitted;
  if (omitted) {
    warnings.push(
      `${omitted.count} keys (${omitted.bytes} bytes) lie under prefixes past the first ` +
        `${stats.keys!.prefixes.length}: counted in the totals, shown in no row (maxKeyPrefixes)`,
    );
  }
  return warnings;
}
