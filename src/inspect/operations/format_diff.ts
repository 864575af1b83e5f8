// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { byteSize as formatByteSize } from "../products/_byte_size.ts";
import { groupDigits, type SnapshotDiff } from "./diff_snapshots.ts";

/** {@linkcode SnapshotDiff} as JSON-ready data: what `raftsnap diff --format json` prints. */
export interface SnapshotDiffJson {
  /** Whether the two states are byte-identical. */
  same: boolean;
  /** The one-line summary. */
  verdict: string;
  /** Each side: its metadata fields that matter, product, records, state hash. */
  old: DiffSideJson;
  /** The newer side. */
  new: DiffSideJson;
  /** Metadata fields that differ. */
  meta: { field: string; old: string; new: string }[];
  /** Per record type: counts and bytes before and after. */
  types: {
    type: number | null;
    name: string;
    oldCount: number;
    oldBytes: number;
    newCount: number;
    newBytes: number;
  }[];
  /** The key changes, or `null` when the states hold no comparable keys. */
  keys: SnapshotDiff["keys"] | null;
}

/** One side of {@linkcode SnapshotDiffJson}. */
export interface DiffSideJson {
  /** raft's snapshot ID. */
  id: string;
  /** The raft index, as a string (it is a uint64). */
  index: string;
  /** The raft term, as a string. */
  term: string;
  /** The product whose state it is. */
  product: string;
  /** Records in the state. */
  records: number;
  /** Bytes of `state.bin`. */
  stateBytes: number;
  /** SHA-256 of `state.bin`. */
  stateSha256: string;
}

/**
 * The JSON form of a diff (meta numbers as strings, as everywhere in raftsnap's JSON).
 *
 * @example
 * ```ts ignore
 * import { diffSnapshots, diffToJson } from "@raftsnap/raftsnap";
 *
 * console.log(JSON.stringify(diffToJson(await diffSnapshots(oldSnap, newSnap))));
 * ```
 *
 * @param diff What {@linkcode diffSnapshots} returned.
 * @returns Plain data for `JSON.stringify`.
 */
export function diffToJson(diff: SnapshotDiff): SnapshotDiffJson {
  const side = (s: SnapshotDiff["old"]): DiffSideJson => ({
    id: s.meta.id,
    index: String(s.meta.index),
    term: String(s.meta.term),
    product: s.product,
    records: s.records,
    stateBytes: s.verify.stateSize,
    stateSha256: s.verify.stateSha256,
  });
  return {
    same: diff.same,
    verdict: diff.verdict,
    old: side(diff.old),
    new: side(diff.new),
    meta: diff.meta,
    types: diff.types.map((t) => ({ ...t, type: t.type ?? null })),
    keys: diff.keys ?? null,
  };
}

/** Options of {@linkcode formatDiff}. */
export interface FormatDiffOptions {
  /**
   * List the changed keys by name (up to those the diff kept), after the prefix table.
   *
   * @default {true}
   */
  keys?: boolean;
}

/**
 * A diff as text: the metadata that differs, a table of record types (count and size
 * before, after and the change), the key changes by prefix, the changed keys (`+` added,
 * `-` removed, `~` changed), and the verdict line last.
 *
 * @example Formatting a diff
 * ```ts
 * import { diffSnapshots, formatDiff, writeSnapshot } from "@raftsnap/raftsnap";
 *
 * const state = new Uint8Array([0x80, 0x02, 0x80]); // Nomad: header {}, one Index record {}
 * const snap = () => writeSnapshot({ id: "1-2-3", index: 2, term: 1, size: 3 }, state);
 * const text = formatDiff(await diffSnapshots(snap(), snap()));
 * if (!text.endsWith("OLD and NEW hold the same records and metadata\n")) throw new Error(text);
 * ```
 *
 * @param diff What {@linkcode diffSnapshots} returned.
 * @param options Whether to list the keys.
 * @returns Lines of text, each ending in `\n`.
 */
export function formatDiff(diff: SnapshotDiff, options: FormatDiffOptions = {}): string {
  let out = "";
  const rows: string[][] = [["", "OLD", "NEW"]];
  rows.push(["ID", diff.old.meta.id, diff.new.meta.id]);
  rows.push(["Index", String(diff.old.meta.index), String(diff.new.meta.index)]);
  rows.push(["Term", String(diff.old.meta.term), String(diff.new.meta.term)]);
  rows.push(["Product", diff.old.product, diff.new.product]);
  rows.push(["Records", groupDigits(diff.old.records), groupDigits(diff.new.records)]);
  rows.push(["State", `${diff.old.verify.stateSize} bytes`, `${diff.new.verify.stateSize} bytes`]);
  for (const change of diff.meta) {
    if (["ID", "Index", "Term"].includes(change.field)) continue;
    rows.push([change.field, change.old || "(none)", change.new || "(none)"]);
  }
  out += table(rows, [false, false, false]) + "\n";

  const typeRows: string[][] = [["Type", "Count", "Size", "Count", "Size", "Change"]];
  typeRows.push(["", "OLD", "OLD", "NEW", "NEW", ""]);
  for (const t of diff.types) {
    const delta = t.newCount - t.oldCount;
    const bytes = t.newBytes - t.oldBytes;
    typeRows.push([
      t.name,
      groupDigits(t.oldCount),
      formatByteSize(t.oldBytes),
      groupDigits(t.newCount),
      formatByteSize(t.newBytes),
      delta === 0 && bytes === 0
        ? "="
        : `${delta >= 0 ? "+" : ""}${groupDigits(delta)} (${bytes >= 0 ? "+" : "-"}${
          formatByteSize(Math.abs(bytes))
        })`,
    ]);
  }
  out += table(typeRows, [false, true, true, true, true, false]) + "\n";

  const keys = diff.keys;
  if (keys) {
    const what = diff.old.product === "vault" ? "Storage paths" : "KV keys";
    out += ` ${what}${keys.filter ? ` under ${JSON.stringify(keys.filter)}` : ""}: ${
      groupDigits(keys.added)
    } added, ${groupDigits(keys.removed)} removed, ${groupDigits(keys.changed)} changed, ${
      groupDigits(keys.unchanged)
    } unchanged\n`;
    if (keys.prefixes.length > 0) {
      const prefixRows: string[][] = [["Prefix", "Added", "Removed", "Changed"]];
      for (const p of keys.prefixes) {
        prefixRows.push([
          p.name,
          groupDigits(p.added),
          groupDigits(p.removed),
          groupDigits(p.changed),
        ]);
      }
      out += "\n" + table(prefixRows, [false, true, true, true]);
      if (keys.omittedPrefixes > 0) {
        out += ` (${groupDigits(keys.omittedPrefixes)} changes under further prefixes)\n`;
      }
    }
    if ((options.keys ?? true) && keys.list.length > 0) {
      out += "\n";
      const mark = { added: "+", removed: "-", changed: "~" } as const;
      for (const k of keys.list) out += ` ${mark[k.change]} ${k.key}\n`;
      if (keys.omittedKeys > 0) {
        out += ` ... and ${groupDigits(keys.omittedKeys)} more (raise --max-keys to list them)\n`;
      }
    }
    out += "\n";
  }
  return out + diff.verdict + "\n";
}

function table(rows: string[][], right: boolean[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => [...r[c]!].length)));
  return rows.map((r) =>
    " " + r.map((cell, c) => {
      const pad = widths[c]! - [...cell].length;
      return right[c] ? " ".repeat(pad) + cell : cell + " ".repeat(pad);
    }).join("  ").trimEnd() + "\n"
  ).join("");
}
