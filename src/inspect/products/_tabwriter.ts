// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/**
 * A port of Go's `text/tabwriter` (the elastic tabstops algorithm), enough to reproduce
 * what `consul snapshot inspect` and `vault operator raft snapshot inspect` print with
 * `tabwriter.NewWriter(&b, 8, 8, 6, ' ', 0)`.
 *
 * How Go lays text out, and so how this does:
 * - A cell is text terminated by `\t` (or `\v`, a "soft" tab). The text after the last
 *   tab of a line is the line's trailing cell: it is written as is and belongs to no column.
 * - A column block is a run of consecutive lines that all have a tab-terminated cell in
 *   that column. Its width is the widest cell plus `padding`, at least `minwidth`. Lines
 *   with fewer cells end the block, so a blank line starts new alignment.
 * - Widths count Unicode code points (Go counts runes), not UTF-16 units or bytes.
 * - Padding uses `padchar`; with `\t` it pads to multiples of `tabwidth` with tabs.
 * - `\n` ends a line; `\f` ends a line and flushes (nothing after it aligns with what
 *   came before). A line of one cell flushes too, which changes nothing visible.
 *
 * Only flags `0` is supported (no `AlignRight`, `DiscardEmptyColumns`, `FilterHTML`,
 * `StripEscape`, `TabIndent`, `Debug`): the products use none. Go's escape byte `0xff`
 * cannot occur in a JavaScript string's UTF-8, so escapes are not handled either.
 *
 * @module
 */

/** Layout parameters, as the arguments of Go's `tabwriter.NewWriter`. */
export interface TabwriterOptions {
  /** Minimal cell width, padding included. @default {0} */
  minwidth?: number;
  /** Width of a tab character in spaces, used when `padchar` is `"\t"`. @default {8} */
  tabwidth?: number;
  /** Padding added to the widest cell of a column. @default {1} */
  padding?: number;
  /** The padding character: `" "` or `"\t"`. @default {"\t"} */
  padchar?: string;
}

interface Cell {
  text: string;
  /** Code points. */
  width: number;
  /** Terminated by `\t` (rather than `\v`, or not at all). */
  htab: boolean;
}

function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * Lays out `text` exactly as writing it to a Go `tabwriter.Writer` with flags `0` and
 * then calling `Flush` would.
 *
 * @example Two aligned columns
 * ```ts
 * import { tabwrite } from "./_tabwriter.ts";
 *
 * const options = { minwidth: 8, tabwidth: 8, padding: 6, padchar: " " };
 * const out = tabwrite(" ID\tx\n Version\t1", options);
 * if (out !== " ID" + " ".repeat(11) + "x\n Version" + " ".repeat(6) + "1") throw new Error(JSON.stringify(out));
 * ```
 *
 * @param text The text, cells separated by `\t`, lines by `\n`.
 * @param options The layout parameters.
 * @returns The aligned text.
 * @throws {RangeError} when a width is negative or `padchar` is not one character.
 */
export function tabwrite(text: string, options: TabwriterOptions = {}): string {
  const minwidth = options.minwidth ?? 0;
  const tabwidth = options.tabwidth ?? 8;
  const padding = options.padding ?? 1;
  const padchar = options.padchar ?? "\t";
  if (minwidth < 0 || tabwidth < 0 || padding < 0) {
    throw new RangeError("tabwrite: minwidth, tabwidth and padding must not be negative");
  }
  if (codePoints(padchar) !== 1) throw new RangeError("tabwrite: padchar must be one character");

  let out = "";
  let lines: Cell[][] = [[]];
  let cell = "";
  let widths: number[] = [];

  const writePadding = (textw: number, cellw: number) => {
    if (padchar === "\t") {
      if (tabwidth === 0) return; // tabs have no width: no padding possible
      const rounded = Math.ceil(cellw / tabwidth) * tabwidth;
      out += "\t".repeat(Math.ceil((rounded - textw) / tabwidth));
      return;
    }
    out += padchar.repeat(cellw - textw);
  };

  const writeLines = (line0: number, line1: number) => {
    for (let i = line0; i < line1; i++) {
      const line = lines[i]!;
      for (let j = 0; j < line.length; j++) {
        const c = line[j]!;
        // An empty cell is padding only; a non-empty one is its text and padding. The
        // trailing cell of a line has no width in `widths`, so it is never padded.
        out += c.text;
        if (j < widths.length) writePadding(c.width, widths[j]!);
      }
      // The last line has no newline: Go writes the incomplete cell's text, which is
      // always empty after a flush.
      if (i + 1 < lines.length) out += "\n";
    }
  };

  // Go's recursive `format`: find each column block, push its width, format the
  // columns to its right within the block, pop.
  const format = (line0: number, line1: number) => {
    const column = widths.length;
    for (let current = line0; current < line1; current++) {
      if (column >= lines[current]!.length - 1) continue;
      // This line has a cell in this column: print the lines before the block.
      writeLines(line0, current);
      line0 = current;
      let width = minwidth;
      for (; current < line1; current++) {
        const line = lines[current]!;
        if (column >= line.length - 1) break;
        width = Math.max(width, line[column]!.width + padding);
      }
      widths.push(width);
      format(line0, current);
      widths.pop();
      line0 = current;
    }
    writeLines(line0, line1);
  };

  const flush = () => {
    format(0, lines.length);
    lines = [[]];
    widths = [];
  };

  const terminateCell = (htab: boolean): number => {
    const line = lines[lines.length - 1]!;
    line.push({ text: cell, width: codePoints(cell), htab });
    cell = "";
    return line.length;
  };

  for (const ch of text) {
    if (ch === "\t" || ch === "\v" || ch === "\n" || ch === "\f") {
      const cells = terminateCell(ch === "\t");
      if (ch === "\n" || ch === "\f") {
        lines.push([]);
        // A one-cell line cannot affect the layout of what follows: Go flushes there.
        if (ch === "\f" || cells === 1) flush();
      }
    } else {
      cell += ch;
    }
  }
  // Flush: the incomplete last cell counts only if it has text.
  if (cell.length > 0) terminateCell(false);
  flush();
  return out;
}
