// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import type { HistoryPoint } from "./cluster.ts";
import { formatDuration } from "./duration.ts";
import type { WatchReport } from "./watch_once.ts";

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A small SVG chart of size (line) and Index (dots) over time; bad backups in red. */
function chart(history: HistoryPoint[]): string {
  const width = 320;
  const height = 80;
  if (history.length === 0) return "";
  const t0 = history[0]!.time;
  const t1 = history.at(-1)!.time;
  const x = (t: number) => t1 === t0 ? width / 2 : 4 + ((t - t0) / (t1 - t0)) * (width - 8);
  const maxSize = Math.max(...history.map((p) => p.size), 1);
  const indexes = history.filter((p) => p.index !== undefined).map((p) => Number(p.index));
  const minIndex = Math.min(...indexes);
  const maxIndex = Math.max(...indexes);
  const ySize = (s: number) => height - 4 - (s / maxSize) * (height - 8);
  const yIndex = (i: number) =>
    maxIndex === minIndex
      ? height / 2
      : height - 4 - ((i - minIndex) / (maxIndex - minIndex)) * (height - 8);
  const line = history.map((p) => `${x(p.time).toFixed(1)},${ySize(p.size).toFixed(1)}`).join(" ");
  const dots = history.filter((p) => p.index !== undefined).map((p) =>
    `<circle cx="${x(p.time).toFixed(1)}" cy="${
      yIndex(Number(p.index)).toFixed(1)
    }" r="2.5" fill="${p.ok ? "#2a7" : "#d33"}"><title>Index ${
      escapeHtml(p.index!)
    }, ${p.size} bytes, ${new Date(p.time).toISOString()}</title></circle>`
  ).join("");
  const bad = history.filter((p) => !p.ok && p.index === undefined).map((p) =>
    `<line x1="${x(p.time).toFixed(1)}" x2="${
      x(p.time).toFixed(1)
    }" y1="0" y2="${height}" stroke="#d33"/>`
  ).join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="size (line) and Index (dots) over time"><rect width="${width}" height="${height}" fill="#f7f7f7"/>${bad}<polyline points="${line}" fill="none" stroke="#36c" stroke-width="1.5"/>${dots}</svg>`;
}

/**
 * A static HTML status page of a pass: per cluster the newest good backup, its age, the
 * warnings and failures, and a small inline SVG chart of size (line) and Index (dots)
 * over time. One file: no scripts, styles inline, no external assets.
 *
 * @example
 * ```ts
 * import { statusHtml, type WatchReport } from "@raftsnap/raftsnap/watch";
 *
 * const report: WatchReport = {
 *   startedAt: 0, finishedAt: 0, ok: false, objects: [], alerts: [],
 *   totals: { objects: 0, ok: 0, bad: 0, missing: 0, verified: 0, bytesVerified: 0 },
 *   clusters: [{ cluster: "consul", backups: 0, good: 0, failures: [], warnings: [{ code: "no-good", message: "none <verified>" }], history: [] }],
 * };
 * const html = statusHtml(report);
 * if (!html.includes("none &#60;verified&#62;") || html.includes("<script")) throw new Error("bad");
 * ```
 *
 * @param report The pass.
 * @returns The page.
 */
export function statusHtml(report: WatchReport): string {
  const when = new Date(report.finishedAt).toISOString();
  const sections = report.clusters.map((c) => {
    const newest = c.newest
      ? `<p>Newest good: <code>${escapeHtml(c.newest.key)}</code> (Index ${
        escapeHtml(c.newest.meta?.index ?? "?")
      }, ${c.newest.size} bytes), ${formatDuration(c.ageMs ?? 0)} old</p>`
      : `<p class="bad">No good backup</p>`;
    const warnings = c.warnings.map((w) =>
      `<li class="${w.code === "index-backwards" ? "warn" : "bad"}">${escapeHtml(w.message)}</li>`
    ).join("");
    const failures = c.failures.map((f) =>
      `<tr><td><code>${escapeHtml(f.key)}</code></td><td>${escapeHtml(f.code ?? "")}</td><td>${
        escapeHtml(f.message ?? "")
      }</td></tr>`
    ).join("");
    return `<section><h2>${
      escapeHtml(c.cluster || "(top level)")
    } <small>${c.good}/${c.backups} good</small></h2>
${newest}${warnings ? `<ul>${warnings}</ul>` : ""}${chart(c.history)}
${
      failures
        ? `<table><tr><th>failed backup</th><th>code</th><th>why</th></tr>${failures}</table>`
        : ""
    }</section>`;
  }).join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>raftsnap watch: ${
    report.ok ? "all good" : "attention"
  }</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:60em}.bad{color:#c22}.warn{color:#a60}
h1 .ok{color:#2a7}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:2px 6px;text-align:left}
section{border-top:1px solid #ccc;margin-top:1em}</style></head>
<body><h1>raftsnap watch <span class="${report.ok ? "ok" : "bad"}">${
    report.ok ? "all good" : "attention"
  }</span></h1>
<p>${
    escapeHtml(report.source ?? "")
  }: ${report.totals.objects} backups, ${report.totals.ok} good, ${report.totals.bad} bad, ${report.totals.missing} missing; checked ${when}</p>
${sections}
</body></html>
`;
}
