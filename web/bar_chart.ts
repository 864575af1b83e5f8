// Copyright 2026 the raftsnap authors. Apache-2.0 license.
/// <reference lib="dom" />

/**
 * A horizontal bar chart as plain HTML: a list with one row per bar, so it reads as text
 * to a screen reader and needs no canvas, SVG library or inline style attribute (the
 * page's Content-Security-Policy forbids those; widths are set through the CSSOM).
 */

import { h } from "./_dom.ts";
import { formatBytes } from "./format.ts";

/** One bar. */
export interface Bar {
  /** What the bar stands for (a record type, a key prefix). */
  label: string;
  /** Its value in bytes. */
  bytes: number;
}

/** Bars shown before the rest are summed into one "others" bar. */
export const MAX_BARS = 12;

/**
 * Draws `bars` (largest first), each with its size and share of the total.
 *
 * @param title The chart's caption, such as `Size by record type`.
 * @param bars The values; more than {@linkcode MAX_BARS} are folded into "N others".
 * @returns A `<figure class="chart">`.
 */
export function barChart(title: string, bars: Bar[]): HTMLElement {
  const sorted = [...bars].sort((a, b) => b.bytes - a.bytes || a.label.localeCompare(b.label));
  const shown = sorted.slice(0, MAX_BARS);
  const rest = sorted.slice(MAX_BARS);
  if (rest.length > 0) {
    shown.push({
      label: `${rest.length} others`,
      bytes: rest.reduce((sum, bar) => sum + bar.bytes, 0),
    });
  }
  const total = sorted.reduce((sum, bar) => sum + bar.bytes, 0);
  const largest = Math.max(1, ...shown.map((bar) => bar.bytes));
  const list = h("ul", { class: "bars" });
  for (const bar of shown) {
    const share = total > 0 ? (bar.bytes / total) * 100 : 0;
    const fill = h("span", { class: "fill" });
    fill.style.width = `${(bar.bytes / largest) * 100}%`;
    list.append(
      h(
        "li",
        {},
        h("span", { class: "label" }, bar.label),
        h("span", { class: "track", "aria-hidden": "true" }, fill),
        h("span", { class: "value" }, `${formatBytes(bar.bytes)} (${share.toFixed(1)}%)`),
      ),
    );
  }
  return h("figure", { class: "chart" }, h("figcaption", {}, title), list);
}
