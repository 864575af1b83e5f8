// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { byteSize } from "./_byte_size.ts";
import { compareGoStrings, goJsonIndent } from "./_go_json.ts";
import { metaJson, metaLines } from "./_meta_lines.ts";
import { tabwrite } from "./_tabwriter.ts";
import type { InspectResult } from "../inspect_result.ts";

/** Options of {@linkcode formatVaultInspect}: the flags of `vault operator raft snapshot inspect`. */
export interface VaultInspectOptions {
  /** `-format`: `"table"` or `"json"`. @default {"table"} */
  format?: "table" | "json";
  /**
   * `-details`: add the per-prefix key table (or `StatsKV`) from `result.keys`. `-depth`
   * and `-filter` are not options here: they were applied when `result.keys` was counted.
   * @default {true}
   */
  details?: boolean;
}

interface Row {
  name: string;
  count: number;
  size: number;
}

/**
 * What `vault operator raft snapshot inspect [-details=false] [-format=json] FILE` prints,
 * byte for byte, from an {@linkcode InspectResult}. The port follows Vault's
 * `command/operator_raft_snapshot_inspect.go`:
 *
 * - table: a Go `tabwriter` (8, 8, 6, spaces) over the `ID`, `Size`, `Index`, `Term`,
 *   `Version` lines; with details, two blank lines, the `Key Name Count Size` table sorted
 *   by **count** (descending) then name, a `---- ----` row and `Total Size` with the
 *   `ByteSize` of all counted entries. Without details (or when no key was counted,
 *   since Vault tests its `StatsKV` for `nil`), the text is the meta lines and a newline.
 * - json: `json.MarshalIndent` with two spaces of `{Meta, StatsKV, TotalCountKV,
 *   TotalSizeKV}`; without details `StatsKV` is `null` and both totals are 0, because
 *   Vault only counts keys when `-details` is on.
 *
 * Entry sizes are the protobuf message lengths without their varint prefix, as counted in
 * `result.keys`. The returned text has no final newline of its own (the CLI's `Ui.Output`
 * adds one), but the table without details ends with the newline Vault writes.
 *
 * @example The table with details
 * ```ts
 * import { formatVaultInspect, type InspectResult } from "@raftsnap/raftsnap";
 *
 * const result: InspectResult = {
 *   meta: {
 *     version: 1, id: "bolt-snapshot", index: 1842n, term: 3n, peers: null,
 *     configuration: { servers: null }, configurationIndex: 0n, size: 700n,
 *   },
 *   verify: undefined, product: "vault", productReason: "protobuf StorageEntry records",
 *   records: 3, totalBytes: 690, stateBytes: 700, types: [],
 *   keys: {
 *     depth: 2, filter: "", count: 3, bytes: 690,
 *     prefixes: [
 *       { name: "core/mounts", count: 1, bytes: 590 },
 *       { name: "sys/token", count: 2, bytes: 100 },
 *     ],
 *   },
 *   maxType: undefined, unknownTypes: [], sealEnvelope: undefined, warnings: [],
 * };
 * const lines = formatVaultInspect(result).split("\n");
 * if (!lines[9]!.startsWith(" sys/token ")) throw new Error("sorted by count first");
 * if (!lines.at(-1)!.endsWith("690B")) throw new Error(lines.at(-1));
 * ```
 *
 * @param result What {@linkcode inspectSnapshot} found.
 * @param options The command's flags.
 * @returns The command's output without the newline the CLI adds.
 */
export function formatVaultInspect(
  result: InspectResult,
  options: VaultInspectOptions = {},
): string {
  const format = options.format ?? "table";
  const details = options.details ?? true;
  const { meta } = result;
  const keys = details ? result.keys : undefined;
  const statsKV: Row[] | null = keys !== undefined && keys.prefixes.length > 0
    ? keys.prefixes
      .map((p) => ({ name: p.name, count: p.count, size: p.bytes }))
      .sort((a, b) => b.count - a.count || compareGoStrings(a.name, b.name))
    : null;

  if (format === "json") {
    return goJsonIndent(
      {
        Meta: metaJson(meta),
        StatsKV: statsKV === null
          ? null
          : statsKV.map((r) => ({ Name: r.name, Count: r.count, Size: r.size })),
        TotalCountKV: keys?.count ?? 0,
        TotalSizeKV: keys?.bytes ?? 0,
      },
      "  ",
      "encoding/json",
    );
  }
  if (format !== "table") throw new TypeError(`Unknown format: ${format}`);

  let text = metaLines(meta);
  if (statsKV !== null) {
    text += "\n";
    text += "\n Key Name\tCount\tSize\n";
    text += " ----\t----\t----";
    for (const r of statsKV) text += `\n ${r.name}\t${r.count}\t${byteSize(r.size)}`;
    text += "\n ----\t----";
    text += `\n Total Size\t\t${byteSize(keys!.bytes)}`;
  }
  return tabwrite(text, { minwidth: 8, tabwidth: 8, padding: 6, padchar: " " });
}
