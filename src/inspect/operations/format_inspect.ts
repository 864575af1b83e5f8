// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import type { SnapshotMeta } from "../../format/meta.ts";
import {
  metaToJson,
  resultToJson,
  type SnapshotMetaJson,
  type VerifyResultJson,
} from "../../archive/result_json.ts";
import { humanBytes } from "../products/_byte_size.ts";
import { compareGoStrings } from "../products/_go_json.ts";
import { createdFromId } from "../products/_snapshot_id.ts";
import type { InspectResult, Product, SealEnvelope } from "../inspect_result.ts";

/** Options of {@linkcode formatInspect}. */
export interface InspectFormatOptions {
  /**
   * Show the key-prefix table (Consul KV, Vault keys) when `result.keys` has rows.
   * @default {true for Vault, whose entries have no types, false for the others}
   */
  keys?: boolean;
  /**
   * Start with the metadata (ID, creation time, index, size) and the verification line;
   * `false` leaves them to a caller that prints its own (the CLI prints the archive's).
   * @default {true}
   */
  header?: boolean;
}

const PRODUCT_NAMES: Record<Product | "unknown", string> = {
  consul: "Consul",
  nomad: "Nomad",
  vault: "Vault",
  unknown: "Unknown",
};

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** ` Label      value`, the layout of the CLI's other text output. */
function row(label: string, value: string): string {
  return ` ${label.padEnd(9)} ${value}\n`;
}

function codePoints(text: string): number {
  return [...text].length;
}

/**
 * Shares of `total` in tenths of a percent that add up to exactly 1000 (largest
 * remainders get the spare tenths), so a table's percentages sum to 100.0%.
 */
function shares(values: number[], total: number): string[] {
  if (total <= 0) return values.map(() => "-");
  const exact = values.map((v) => (v * 1000) / total);
  const tenths = exact.map(Math.floor);
  let spare = 1000 - tenths.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (spare <= 0) break;
    tenths[i]!++;
    spare--;
  }
  return tenths.map((t) => `${Math.floor(t / 10)}.${t % 10}%`);
}

interface TableRow {
  cells: string[];
  /** Text after the last column, not aligned (a warning flag). */
  note?: string;
}

/** An aligned table: first column left-aligned, the others right-aligned. */
function table(head: string[], rows: TableRow[], total: TableRow): string {
  const all = [{ cells: head }, ...rows, total];
  const widths = head.map((_, i) => Math.max(...all.map((r) => codePoints(r.cells[i] ?? ""))));
  const line = (r: TableRow) => {
    const cells = r.cells.map((cell, i) => {
      const pad = " ".repeat(widths[i]! - codePoints(cell));
      return i === 0 ? cell + pad : pad + cell;
    });
    return ` ${cells.join("   ")}${r.note ? `  ${r.note}` : ""}`.trimEnd() + "\n";
  };
  return line({ cells: head }) + rows.map(line).join("") + line(total);
}

function envelopeText(envelope: SealEnvelope): string {
  if (envelope.format === "unknown") {
    return `envelope not recognised (${
      envelope.reason ?? "unknown format"
    }), ${envelope.bytes} bytes`;
  }
  const parts: string[] = [];
  if (envelope.keyId !== undefined) parts.push(`key ${JSON.stringify(envelope.keyId)}`);
  if (envelope.mechanism !== undefined) {
    parts.push(
      `mechanism ${envelope.mechanism}${
        envelope.mechanismName ? ` (${envelope.mechanismName})` : ""
      }`,
    );
  }
  if (envelope.wrapped) parts.push("wrapped");
  const sizes: string[] = [];
  if (envelope.ivBytes !== undefined) sizes.push(`iv ${envelope.ivBytes} B`);
  if (envelope.ciphertextBytes !== undefined) {
    sizes.push(`ciphertext ${envelope.ciphertextBytes} B`);
  }
  if (envelope.wrappedKeyBytes !== undefined) {
    sizes.push(`wrapped key ${envelope.wrappedKeyBytes} B`);
  }
  sizes.push(
    envelope.hmacBytes
      ? `HMAC ${envelope.hmacBytes} B` + (
        envelope.hmacKeyId ? ` (key ${JSON.stringify(envelope.hmacKeyId)})` : ""
      )
      : "no HMAC",
  );
  return `go-kms-wrapping BlobInfo: ${parts.join(", ")}; ${sizes.join(", ")}`;
}

/** `2025-07-02 11:11:07 UTC`, from the ID's third part when it is one. */
function createdText(meta: SnapshotMeta): string | undefined {
  const iso = createdFromId(meta.id);
  return iso === "" ? undefined : iso.replace("T", " ").replace(/Z$/, " UTC");
}

/**
 * raftsnap's own inspect text, meant to be clearer than the products': which product
 * wrote the state and how that was decided, the metadata, whether the archive was
 * verified (or that a raw `state.bin` was not), the sealed sums and, for Vault, which key
 * sealed them; then records per type with counts, bytes, human sizes and each type's
 * share of the total (shares add up to 100.0%), record types the product does not know
 * flagged (`⚠ not known to nomad: a restore would fail`); with `keys`, the same table
 * per key prefix; then the warnings and a one-line summary.
 *
 * Types are sorted by bytes (largest first) then name, for every product, and so are key
 * prefixes (not by count as Vault does). The text ends without a newline, as the
 * products' formatters do; the CLI adds one.
 *
 * @example Contents, not layout
 * ```ts
 * import { formatInspect, type InspectResult } from "@raftsnap/raftsnap";
 *
 * const result: InspectResult = {
 *   meta: {
 *     version: 1, id: "3-118-1751454667513", index: 118n, term: 3n, peers: null,
 *     configuration: { servers: null }, configurationIndex: 9n, size: 1000n,
 *   },
 *   verify: undefined, product: "nomad", productReason: "the header is an empty map",
 *   records: 4, totalBytes: 1000, stateBytes: 1000,
 *   types: [
 *     { type: 4, name: "Alloc", known: true, count: 3, bytes: 900 },
 *     { type: 200, name: "Unknown(200)", known: false, count: 1, bytes: 100 },
 *   ],
 *   keys: undefined, maxType: 200, unknownTypes: [200], sealEnvelope: undefined, warnings: [],
 * };
 * const text = formatInspect(result);
 * if (!text.includes("Nomad (the header is an empty map)")) throw new Error(text);
 * if (!/Unknown\(200\) .* 10\.0%  ⚠ not known to nomad/.test(text)) throw new Error(text);
 * if (!text.includes("not verified")) throw new Error(text);
 * ```
 *
 * @param result What {@linkcode inspectSnapshot} found.
 * @param options Whether to show the key-prefix table.
 * @returns The text, without a final newline.
 */
export function formatInspect(result: InspectResult, options: InspectFormatOptions = {}): string {
  const { meta, verify, product } = result;
  const productName = PRODUCT_NAMES[product];
  const showKeys = (options.keys ?? product === "vault") && result.keys !== undefined &&
    result.keys.prefixes.length > 0;
  let out = "";

  const header = options.header ?? true;
  out += row("Product", `${productName} (${result.productReason})`);
  if (header) {
    out += row("ID", meta.id === "" ? '""' : meta.id);
    const created = createdText(meta);
    if (created) out += row("Created", `${created} (from the ID)`);
    out += row("Index", `${meta.index}    Term ${meta.term}    Version ${meta.version}`);
  }
  if (result.lastIndex !== undefined) out += row("LastIndex", `${result.lastIndex} (state header)`);
  if (header) {
    out += row(
      "Size",
      `${meta.size} bytes (${humanBytes(meta.size < 0n ? 0n : meta.size)}) in meta.json, ` +
        `${result.stateBytes} bytes of state read`,
    );
    out += row(
      "Verified",
      verify === undefined
        ? "no: a raw state.bin, not verified (there is no SHA256SUMS to check it against)"
        : "yes: SHA256SUMS matches meta.json and state.bin",
    );
  }
  if (verify?.sealed || result.sealEnvelope) {
    let sealed = verify?.sealVerified
      ? "SHA256SUMS.sealed opened, its sums match"
      : "SHA256SUMS.sealed not opened (no sealer key): its sums were not checked";
    if (result.sealEnvelope) sealed += `\n${" ".repeat(11)}${envelopeText(result.sealEnvelope)}`;
    out += row("Sealed", sealed);
  }

  const types = [...result.types].sort((a, b) =>
    b.bytes - a.bytes || compareGoStrings(a.name, b.name)
  );
  if (types.length > 0) {
    const totalBytes = types.reduce((n, t) => n + t.bytes, 0);
    const totalCount = types.reduce((n, t) => n + t.count, 0);
    const percent = shares(types.map((t) => t.bytes), totalBytes);
    out += "\n" + table(
      ["Type", "Count", "Bytes", "Size", "Share"],
      types.map((t, i) => ({
        cells: [t.name, String(t.count), String(t.bytes), humanBytes(t.bytes), percent[i]!],
        note: t.known
          ? undefined
          : product === "unknown"
          ? "⚠ unknown type"
          : `⚠ not known to ${product}: a restore would fail`,
      })),
      {
        cells: ["Total", String(totalCount), String(totalBytes), humanBytes(totalBytes), "100.0%"],
      },
    );
  }

  if (showKeys) {
    const keys = result.keys!;
    const prefixes = [...keys.prefixes].sort((a, b) =>
      b.bytes - a.bytes || compareGoStrings(a.name, b.name)
    );
    const percent = shares(prefixes.map((p) => p.bytes), keys.bytes);
    const what = product === "consul" ? "KV keys" : "Keys";
    const depth = keys.depth === 0 && product === "vault" ? "whole keys" : `depth ${keys.depth}`;
    const filter = keys.filter === "" ? "" : `, only keys starting ${JSON.stringify(keys.filter)}`;
    out += `\n ${what} by prefix (${depth}${filter}): ${plural(keys.count, "key")}\n`;
    out += table(
      ["Prefix", "Count", "Bytes", "Size", "Share"],
      prefixes.map((p, i) => ({
        cells: [p.name, String(p.count), String(p.bytes), humanBytes(p.bytes), percent[i]!],
      })),
      {
        cells: ["Total", String(keys.count), String(keys.bytes), humanBytes(keys.bytes), "100.0%"],
      },
    );
  }

  if (result.warnings.length > 0) {
    out += "\n Warnings\n" + result.warnings.map((w) => `  ⚠ ${w}\n`).join("");
  }

  const unknown = types.filter((t) => !t.known);
  const summary = [
    product === "vault"
      ? `${productName} state: ${plural(result.records, "entry", "entries")}, ` +
        `${humanBytes(result.totalBytes)}`
      : `${productName} state: ${plural(result.records, "record")} of ` +
        `${plural(types.length, "type")}, ${humanBytes(result.totalBytes)}`,
    verify === undefined ? "not verified" : "verified",
  ];
  if (verify?.sealed && !verify.sealVerified) summary.push("sealed sums not opened");
  if (unknown.length > 0) {
    summary.push(
      `${plural(unknown.length, "type")} unknown to ${product} (${
        unknown.map((t) => t.name).join(", ")
      })` + (product === "unknown" ? "" : ": a restore would fail"),
    );
  }
  if (result.warnings.length > 0) summary.push(plural(result.warnings.length, "warning"));
  out += `\n ${summary.join("; ")}`;
  return out;
}

/** {@linkcode InspectResult} as JSON: what `raftsnap inspect --format json` prints for the state. */
export interface InspectResultJson {
  /** `"consul"`, `"nomad"`, `"vault"` or `"unknown"`. */
  product: Product | "unknown";
  /** How the product was decided, or why it could not be. */
  productReason: string;
  /** `meta.json`, as {@linkcode metaToJson} prints it (uint64 fields as strings). */
  meta: SnapshotMetaJson;
  /** Whether the archive was verified; `false` for a raw `state.bin`. */
  verified: boolean;
  /** The verification (entries, state SHA-256, seal) without its `meta`, or `null` for a raw state. */
  verify: Omit<VerifyResultJson, "meta"> | null;
  /** Records decoded (Vault: storage entries). */
  records: number;
  /** Bytes counted as the product's inspect counts them (Vault: protobuf messages only). */
  totalBytes: number;
  /** Bytes of `state.bin` read. */
  stateBytes: number;
  /** Consul's header `LastIndex` as a decimal string, or `null`. */
  lastIndex: string | null;
  /** Per record type, sorted by bytes (descending) then name; empty for Vault. */
  types: {
    /** The type byte, or `null` for Vault. */
    type: number | null;
    /** The product's name for it, or `Unknown(N)`. */
    name: string;
    /** Whether the product knows the type (a restore of an unknown type fails). */
    known: boolean;
    /** Records of this type. */
    count: number;
    /** Their bytes. */
    bytes: number;
  }[];
  /** Keys per prefix (Consul KV, Vault), or `null`. */
  keys: {
    /** Parts of the key that name a row; 0 = the whole key. */
    depth: number;
    /** The prefix keys had to start with; `""` for all. */
    filter: string;
    /** Keys counted. */
    count: number;
    /** Their bytes. */
    bytes: number;
    /** Keys under prefixes past `maxKeyPrefixes` rows (in the totals, in no row), or `null`. */
    omitted: { count: number; bytes: number } | null;
    /** One row per prefix, sorted by bytes (descending) then name. */
    prefixes: {
      /** The prefix. */
      name: string;
      /** Keys under it. */
      count: number;
      /** Their bytes. */
      bytes: number;
    }[];
  } | null;
  /** The highest record type number seen, or `null`. */
  maxType: number | null;
  /** Record type numbers the product does not know, ascending. */
  unknownTypes: number[];
  /** What the `SHA256SUMS.sealed` envelope says (fields as in {@linkcode SealEnvelope}), or `null`. */
  sealEnvelope: SealEnvelope | null;
  /** Things worth knowing that are not errors. */
  warnings: string[];
}

/**
 * An {@linkcode InspectResult} as a JSON-ready object: bigints as decimal strings,
 * `undefined` as `null`, every member always present, rows sorted by bytes then name.
 * `JSON.stringify` it as is.
 *
 * @example
 * ```ts
 * import { inspectResultToJson, type InspectResult } from "@raftsnap/raftsnap";
 *
 * const result: InspectResult = {
 *   meta: {
 *     version: 1, id: "2-9-1700000000000", index: 2n ** 63n, term: 2n, peers: null,
 *     configuration: { servers: null }, configurationIndex: 1n, size: 12n,
 *   },
 *   verify: undefined, product: "consul", productReason: "header {LastIndex}",
 *   records: 1, totalBytes: 12, stateBytes: 12, lastIndex: 9n,
 *   types: [{ type: 29, name: "ChunkingState", known: true, count: 1, bytes: 12 }],
 *   keys: undefined, maxType: 29, unknownTypes: [], sealEnvelope: undefined, warnings: [],
 * };
 * const json = JSON.parse(JSON.stringify(inspectResultToJson(result)));
 * if (json.meta.Index !== "9223372036854775808" || json.lastIndex !== "9") throw new Error();
 * if (json.verified !== false || json.keys !== null) throw new Error();
 * ```
 *
 * @param result What {@linkcode inspectSnapshot} found.
 * @returns Its JSON object.
 */
export function inspectResultToJson(result: InspectResult): InspectResultJson {
  const byBytes = <T extends { bytes: number; name: string }>(rows: readonly T[]) =>
    [...rows].sort((a, b) => b.bytes - a.bytes || compareGoStrings(a.name, b.name));
  let verify: Omit<VerifyResultJson, "meta"> | null = null;
  if (result.verify !== undefined) {
    const { meta: _, ...rest } = resultToJson(result.verify);
    verify = rest;
  }
  const keys = result.keys;
  return {
    product: result.product,
    productReason: result.productReason,
    meta: metaToJson(result.meta),
    verified: result.verify !== undefined,
    verify,
    records: result.records,
    totalBytes: result.totalBytes,
    stateBytes: result.stateBytes,
    lastIndex: result.lastIndex === undefined ? null : String(result.lastIndex),
    types: byBytes(result.types).map((t) => ({
      type: t.type ?? null,
      name: t.name,
      known: t.known,
      count: t.count,
      bytes: t.bytes,
    })),
    keys: keys === undefined ? null : {
      depth: keys.depth,
      filter: keys.filter,
      count: keys.count,
      bytes: keys.bytes,
      omitted: keys.omitted ? { ...keys.omitted } : null,
      prefixes: byBytes(keys.prefixes).map((p) => ({
        name: p.name,
        count: p.count,
        bytes: p.bytes,
      })),
    },
    maxType: result.maxType ?? null,
    unknownTypes: [...result.unknownTypes],
    sealEnvelope: result.sealEnvelope === undefined ? null : { ...result.sealEnvelope },
    warnings: [...result.warnings],
  };
}
