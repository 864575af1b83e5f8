// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { toBase64 } from "../../_bytes.ts";
import { iBytes } from "./_byte_size.ts";
import { compareGoStrings, goJsonIndent, type GoJsonValue } from "./_go_json.ts";
import { createdFromId } from "./_snapshot_id.ts";
import type { InspectResult } from "../inspect_result.ts";

/** Options of {@linkcode formatNomadInspect}: the flags of `nomad operator snapshot inspect`. */
export interface NomadInspectOptions {
  /** `-json`: the JSON document instead of the tables. @default {false} */
  json?: boolean;
}

/**
 * ryanuber/columnize `Format`: cells split on `|` and trimmed, empty cells replaced by
 * `empty` when set, every column but a line's last padded to the widest cell (in code
 * points) and joined with `glue`; no trailing newline.
 */
function columnize(lines: string[], glue: string, empty = ""): string {
  const rows = lines.map((line) =>
    line.split("|").map((cell) => {
      const value = cell.trim();
      return value === "" && empty !== "" ? empty : value;
    })
  );
  const width = (s: string) => [...s].length;
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, width(cell))));
  }
  return rows.map((row) =>
    row.map((cell, i) =>
      i === row.length - 1 ? cell : cell + " ".repeat(widths[i]! - width(cell)) + glue
    ).join("")
  ).join("\n");
}

/** An int64 as Go's `uint64(n)` sees it. */
function asUint64(n: bigint): bigint {
  return n < 0n ? n + (1n << 64n) : n;
}

/**
 * What `nomad operator snapshot inspect [-json] FILE` prints, byte for byte, from an
 * {@linkcode InspectResult}.
 *
 * - text: columnize `key = value` lines `Created`, `ID`, `Size` (go-humanize `IBytes`),
 *   `Index`, `Term`, `Version` (an empty value shows as `<none>`), a blank line, then a
 *   `Type Count Size` table sorted by bytes (descending) then name, a blank row and a
 *   `Total` row. `Created` is the ID's third part (unix milliseconds) as an RFC 3339
 *   time: **in UTC here; the real CLI uses the local time zone**, so its output matches
 *   this only with `TZ=UTC`.
 * - json: go-msgpack's `JsonHandle{Indent: 4, HTMLCharsAsIs: true}` of `{Meta, Stats}`
 *   with keys sorted: `Meta` is the whole raft `SnapshotMeta` (`Configuration`,
 *   `ConfigurationIndex`, `ID`, `Index`, `Peers` as base64 or `null`, `Size`, `Term`,
 *   `Version`), `Stats` is `[{Count, Name, Sum}]`.
 *
 * The returned text has no final newline: the CLI's `Ui.Output` adds one.
 *
 * @example The text output
 * ```ts
 * import { formatNomadInspect, type InspectResult } from "@raftsnap/raftsnap";
 *
 * const result: InspectResult = {
 *   meta: {
 *     version: 1, id: "3-118-1751454667513", index: 118n, term: 3n, peers: null,
 *     configuration: { servers: null }, configurationIndex: 9n, size: 3000n,
 *   },
 *   verify: undefined, product: "nomad", productReason: "empty header",
 *   records: 3, totalBytes: 3000, stateBytes: 3000,
 *   types: [
 *     { type: 4, name: "Alloc", known: true, count: 2, bytes: 2939 },
 *     { type: 200, name: "Unknown(200)", known: false, count: 1, bytes: 61 },
 *   ],
 *   keys: undefined, maxType: 200, unknownTypes: [200], sealEnvelope: undefined, warnings: [],
 * };
 * const text = formatNomadInspect(result);
 * if (!text.startsWith("Created = 2025-07-02T11:11:07Z\nID      = 3-118-1751454667513\n")) {
 *   throw new Error(text);
 * }
 * if (!text.endsWith("\nTotal         3      2.9 KiB")) throw new Error(text);
 * ```
 *
 * @param result What {@linkcode inspectSnapshot} found.
 * @param options The command's flags.
 * @returns The command's output without its final newline.
 */
export function formatNomadInspect(
  result: InspectResult,
  options: NomadInspectOptions = {},
): string {
  const { meta } = result;
  const stats = result.types
    .map((t) => ({ name: t.name, sum: t.bytes, count: t.count }))
    .sort((a, b) => b.sum - a.sum || compareGoStrings(a.name, b.name));

  if (options.json ?? false) {
    const servers = meta.configuration.servers;
    const doc: GoJsonValue = {
      Meta: {
        Configuration: {
          Servers: servers === null
            ? null
            : servers.map((s) => ({ Address: s.address, ID: s.id, Suffrage: s.suffrage })),
        },
        ConfigurationIndex: meta.configurationIndex,
        ID: meta.id,
        Index: meta.index,
        Peers: meta.peers === null ? null : toBase64(meta.peers),
        Size: meta.size,
        Term: meta.term,
        Version: meta.version,
      },
      Stats: stats.map((s) => ({ Count: s.count, Name: s.name, Sum: s.sum })),
    };
    return goJsonIndent(doc, "    ", "go-msgpack");
  }

  const header = columnize(
    [
      `Created|${createdFromId(meta.id)}`,
      `ID|${meta.id}`,
      `Size|${iBytes(asUint64(meta.size))}`,
      `Index|${meta.index}`,
      `Term|${meta.term}`,
      `Version|${meta.version}`,
    ],
    " = ",
    "<none>",
  );
  const count = stats.reduce((sum, s) => sum + s.count, 0);
  const table = columnize([
    "Type|Count|Size",
    ...stats.map((s) => `${s.name}|${s.count}|${iBytes(s.sum)}`),
    "||",
    `Total|${count}|${iBytes(result.totalBytes)}`,
  ], "  ");
  return `${header}\n\n${table}`;
}
