// Copyright 2026 the raftsnap authors. Apache-2.0 license.
/// <reference lib="dom" />

/**
 * Several snapshots of one cluster over time: each is verified and inspected
 * (`inspectSnapshot`, one streaming pass, constant memory), then drawn by raft Index as
 * inline SVG line charts: bytes and records by record type, and the largest key prefixes'
 * sizes. A table under each chart holds the same numbers for screen readers.
 *
 * @module
 */

import type { InspectResult } from "../../mod.ts";
import { h, table } from "../_dom.ts";
import { formatBytes, formatCount } from "../format.ts";

/** One snapshot's point on the timeline. */
export interface TimelinePoint {
  /** The file's name. */
  name: string;
  /** Its raft Index. */
  index: number;
  /** What inspect found. */
  result: InspectResult;
}

/** A series to draw: a name and a value per point. */
interface Series {
  name: string;
  values: number[];
}

const SVG = "http://www.w3.org/2000/svg";
const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4b5563"];

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
  ...children: (Node | string)[]
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  element.append(...children);
  return element;
}

/** The `top` series with the largest peak, the rest summed as "N others" if `others`. */
function top(series: Series[], count: number, others = true): Series[] {
  const sorted = [...series].sort((a, b) => Math.max(...b.values) - Math.max(...a.values));
  const kept = sorted.slice(0, count);
  const rest = sorted.slice(count);
  if (others && rest.length > 0) {
    kept.push({
      name: `${rest.length} others`,
      values: kept[0]!.values.map((_, i) => rest.reduce((sum, s) => sum + s.values[i]!, 0)),
    });
  }
  return kept;
}

/** A line chart of `series` over the points' indexes. */
function lineChart(
  title: string,
  points: TimelinePoint[],
  series: Series[],
  format: (n: number) => string,
  testid: string,
): HTMLElement {
  const width = 640;
  const height = 240;
  const pad = { left: 70, right: 30, top: 10, bottom: 30 };
  const xs = points.map((p) => p.index);
  const minX = Math.min(...xs);
  const maxX = Math.max(...xs);
  const maxY = Math.max(1, ...series.flatMap((s) => s.values));
  const x = (v: number) =>
    pad.left + (maxX === minX ? 0.5 : (v - minX) / (maxX - minX)) * (width - pad.left - pad.right);
  const y = (v: number) => height - pad.bottom - (v / maxY) * (height - pad.top - pad.bottom);
  const chart = svg(
    "svg",
    {
      viewBox: `0 0 ${width} ${height}`,
      class: "chart",
      role: "img",
      "aria-label": `${title}, by raft index`,
      "data-testid": testid,
    },
    svg("title", {}, `${title}, by raft index`),
    svg("line", {
      x1: pad.left,
      y1: y(0),
      x2: width - pad.right,
      y2: y(0),
      stroke: "currentColor",
    }),
    svg("line", { x1: pad.left, y1: pad.top, x2: pad.left, y2: y(0), stroke: "currentColor" }),
    svg("text", {
      x: pad.left - 4,
      y: pad.top + 10,
      "text-anchor": "end",
      "font-size": 11,
      fill: "currentColor",
    }, format(maxY)),
    svg("text", {
      x: pad.left - 4,
      y: y(0),
      "text-anchor": "end",
      "font-size": 11,
      fill: "currentColor",
    }, "0"),
  );
  for (const p of points) {
    chart.append(
      svg("text", {
        x: x(p.index),
        y: height - 8,
        "text-anchor": "middle",
        "font-size": 11,
        fill: "currentColor",
      }, formatCount(p.index)),
    );
  }
  series.forEach((s, n) => {
    const color = COLORS[n % COLORS.length]!;
    chart.append(
      svg("polyline", {
        points: s.values.map((v, i) => `${x(xs[i]!).toFixed(1)},${y(v).toFixed(1)}`).join(" "),
        fill: "none",
        stroke: color,
        "stroke-width": 2,
        "data-series": s.name,
      }),
      ...s.values.map((v, i) =>
        svg(
          "circle",
          { cx: x(xs[i]!), cy: y(v), r: 3, fill: color },
          svg("title", {}, `${s.name} at index ${formatCount(xs[i]!)}: ${format(v)}`),
        )
      ),
    );
  });
  const legend = h(
    "ul",
    { class: "legend" },
    ...series.map((s, n) => {
      const swatch = svg(
        "svg",
        { width: 12, height: 12, "aria-hidden": "true" },
        svg("rect", { width: 12, height: 12, fill: COLORS[n % COLORS.length]! }),
      );
      return h("li", {}, swatch, ` ${s.name}`);
    }),
  );
  const data = table(
    title,
    ["Series", ...points.map((p) => `Index ${formatCount(p.index)}`)],
    series.map((s) => [s.name, ...s.values.map(format)]),
    points.map((_, i) => i + 1),
  );
  return h(
    "figure",
    { class: "timeline-chart" },
    h("figcaption", {}, title),
    chart,
    legend,
    h("details", {}, h("summary", {}, "The numbers"), data),
  );
}

/**
 * Draws the timeline of `points` (sorted here by Index): bytes and records by type, and the
 * largest key prefixes' sizes.
 */
export function renderTimeline(points: TimelinePoint[]): HTMLElement {
  const sorted = [...points].sort((a, b) => a.index - b.index);
  const typeNames = [...new Set(sorted.flatMap((p) => p.result.types.map((t) => t.name)))];
  const byType = (field: "bytes" | "count") =>
    typeNames.map((name) => ({
      name,
      values: sorted.map((p) => p.result.types.find((t) => t.name === name)?.[field] ?? 0),
    }));
  const prefixNames = [
    ...new Set(sorted.flatMap((p) => p.result.keys?.prefixes.map((k) => k.name) ?? [])),
  ];
  const prefixes = prefixNames.map((name) => ({
    name,
    values: sorted.map((p) => p.result.keys?.prefixes.find((k) => k.name === name)?.bytes ?? 0),
  }));
  const section = h(
    "section",
    { class: "timeline", "data-testid": "timeline" },
    h("h2", {}, `Timeline of ${sorted.length} snapshots`),
    h(
      "p",
      {},
      sorted.map((p) => `${p.name} (index ${formatCount(p.index)})`).join(", ") + ".",
    ),
    lineChart(
      "Bytes by record type",
      sorted,
      top(byType("bytes"), 6),
      formatBytes,
      "timeline-bytes",
    ),
    lineChart(
      "Records by record type",
      sorted,
      top(byType("count"), 6),
      formatCount,
      "timeline-records",
    ),
  );
  if (prefixes.length > 0) {
    section.append(
      lineChart(
        "Largest key prefixes",
        sorted,
        top(prefixes, 6, false),
        formatBytes,
        "timeline-prefixes",
      ),
    );
  }
  return section;
}
