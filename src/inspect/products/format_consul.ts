// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { byteSize } from "./_byte_size.ts";
import { compareGoStrings, goJsonIndent, type GoJsonValue } from "./_go_json.ts";
import { metaJson, metaLines } from "./_meta_lines.ts";
import { tabwrite } from "./_tabwriter.ts";
import type { InspectResult } from "../inspect_result.ts";

/** Options of {@linkcode formatConsulInspect}: the flags of `consul snapshot inspect`. */
export interface ConsulInspectOptions {
  /** `-format`: `"pretty"` (the tables) or `"json"`. @default {"pretty"} */
  format?: "pretty" | "json";
  /**
   * `-kvdetails`: add the KV table (or `StatsKV`) from `result.keys`. `-kvdepth` and
   * `-kvfilter` are not options here: they were applied when `result.keys` was counted.
   * @default {false}
   */
  kvDetails?: boolean;
}

interface Row {
  name: string;
  sum: number;
  count: number;
}

/** Consul's `sortTypeStats`: by size, largest first, then by name (Go byte order). */
function consulSort(rows: Row[]): Row[] {
  return rows.sort((a, b) => b.sum - a.sum || compareGoStrings(a.name, b.name));
}

/**
 * What `consul snapshot inspect [-kvdetails] [-format=json] FILE` prints, byte for byte,
 * from an {@linkcode InspectResult}. The port follows Consul's
 * `command/snapshot/inspect/formatter.go`:
 *
 * - pretty: one Go `tabwriter` (min width 8, tab width 8, padding 6, spaces) over the
 *   `ID`, `Size`, `Index`, `Term`, `Version` lines, a blank line, the `Type Count Size`
 *   table with `----` rows and a `Total` row; with `kvDetails`, a blank line and the
 *   `Key Name Count Size` table of `result.keys`, its `Total` being the KV bytes.
 *   Sizes are Consul's `ByteSize` (`344B`, `1.7KB`).
 * - json: `json.MarshalIndent` with three spaces of `{Meta, Stats, StatsKV, TotalSize,
 *   TotalSizeKV}`; `StatsKV` is `null` and `TotalSizeKV` 0 without `kvDetails`.
 *
 * Rows are sorted as Consul sorts them (bytes descending, then name), whatever the order
 * in `result`. As in Consul, the KV table (and `StatsKV`) is left out when no key was
 * counted, even with `kvDetails`. The returned text has no final newline: the CLI's
 * `Ui.Output` adds one.
 *
 * @example The pretty output
 * ```ts
 * import { formatConsulInspect, type InspectResult } from "@raftsnap/raftsnap";
 *
 * const result: InspectResult = {
 *   meta: {
 *     version: 1, id: "2-9-1700000000000", index: 9n, term: 2n, peers: null,
 *     configuration: { servers: null }, configurationIndex: 1n, size: 52n,
 *   },
 *   verify: undefined, product: "consul", productReason: "header {LastIndex}",
 *   records: 2, totalBytes: 52, stateBytes: 52, lastIndex: 9n,
 *   types: [
 *     { type: 0, name: "Register", known: true, count: 1, bytes: 40 },
 *     { type: 29, name: "ChunkingState", known: true, count: 1, bytes: 12 },
 *   ],
 *   keys: undefined, maxType: 29, unknownTypes: [], sealEnvelope: undefined, warnings: [],
 * };
 * const text = formatConsulInspect(result);
 * const row = text.split("\n")[8];
 * if (row !== " Register".padEnd(20) + "1".padEnd(11) + "40B") throw new Error(row);
 * const json = JSON.parse(formatConsulInspect(result, { format: "json" }));
 * if (json.TotalSize !== 52 || json.StatsKV !== null) throw new Error("unexpected JSON");
 * ```
 *
 * @param result What {@linkcode inspectSnapshot} found.
 * @param options The command's flags.
 * @returns The command's output without its final newline.
 */
export function formatConsulInspect(
  result: InspectResult,
  options: ConsulInspectOptions = {},
): string {
  const format = options.format ?? "pretty";
  const kvDetails = options.kvDetails ?? false;
  const { meta } = result;
  const stats = consulSort(
    result.types.map((t) => ({ name: t.name, sum: t.bytes, count: t.count })),
  );
  const keys = kvDetails ? result.keys : undefined;
  const statsKV = keys !== undefined && keys.prefixes.length > 0
    ? consulSort(keys.prefixes.map((p) => ({ name: p.name, sum: p.bytes, count: p.count })))
    : null;
  const totalSizeKV = keys?.bytes ?? 0;

  if (format === "json") {
    const row = (r: Row): GoJsonValue => ({ Name: r.name, Sum: r.sum, Count: r.count });
    return goJsonIndent(
      {
        Meta: metaJson(meta),
        Stats: stats.map(row),
        StatsKV: statsKV === null ? null : statsKV.map(row),
        TotalSize: result.totalBytes,
        TotalSizeKV: totalSizeKV,
      },
      "   ",
      "encoding/json",
    );
  }
  if (format !== "pretty") throw new TypeError(`Unknown format: ${format}`);

  let text = metaLines(meta);
  const table = (title: string, rows: Row[], total: number) => {
    text += `\n ${title}\tCount\tSize\n`;
    text += " ----\t----\t----";
    for (const r of rows) text += `\n ${r.name}\t${r.count}\t${byteSize(r.sum)}`;
    text += "\n ----\t----\t----";
    text += `\n Total\t\t${byteSize(total)}`;
  };
  table("Type", stats, result.totalBytes);
  if (statsKV !== null) {
    text += "\n";
    table("Key Name", statsKV, totalSizeKV);
  }
  return tabwrite(text, { minwidth: 8, tabwidth: 8, padding: 6, padchar: " " });
}
