// Copyright 2026 the raftsnap authors. Apache-2.0 license.
/// <reference lib="dom" />

/**
 * What is inside `state.bin`, as the page shows it: the record table of
 * `consul snapshot inspect` (and Nomad's and Vault's), the keys by prefix of
 * `-kvdetails`, and a bar chart of each, since people would rather look than read.
 */

import type { InspectResult } from "../mod.ts";
import { barChart } from "./bar_chart.ts";
import { h, table } from "./_dom.ts";
import { formatBytes, formatCount } from "./format.ts";

const PRODUCTS: Record<InspectResult["product"], string> = {
  consul: "Consul",
  nomad: "Nomad",
  vault: "Vault",
  unknown: "unknown",
};

function share(bytes: number, total: number): string {
  return total > 0 ? `${((bytes / total) * 100).toFixed(1)}%` : "–";
}

/**
 * Renders an {@linkcode InspectResult}: a summary line, the records by type and keys by
 * prefix, each as a table and a bar chart, then unknown types, the seal envelope and
 * warnings.
 *
 * @param result What `inspectSnapshot` found.
 * @returns A `<section>`.
 */
export function renderInspect(result: InspectResult): HTMLElement {
  const section = h(
    "section",
    { class: "inspect", "aria-labelledby": "inspect-title", "data-testid": "inspect" },
    h("h2", { id: "inspect-title" }, "Inside state.bin"),
    h(
      "p",
      { "data-testid": "product" },
      result.product === "unknown"
        ? "Not a Consul, Nomad or Vault state that raftsnap can decode"
        : `A ${PRODUCTS[result.product]} state: ${formatCount(result.records)} records, ` +
          `${formatBytes(result.totalBytes)} counted of ${formatBytes(result.stateBytes)}` +
          (result.lastIndex === undefined ? "" : `, last index ${formatCount(result.lastIndex)}`),
      result.productReason ? h("span", { class: "muted" }, ` (${result.productReason})`) : null,
      ".",
    ),
  );

  if (result.types.length > 0) {
    const records = table(
      "Records by type",
      ["Type", "Count", "Size", "Share"],
      result.types.map((t) => [
        t.known ? t.name : h("span", { class: "unknown" }, `${t.name} (unknown type)`),
        formatCount(t.count),
        formatBytes(t.bytes),
        share(t.bytes, result.totalBytes),
      ]),
      [1, 2, 3],
    );
    records.dataset.testid = "records";
    const total = h(
      "tfoot",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "row" }, "Total"),
        h("td", { class: "num" }, formatCount(result.types.reduce((n, t) => n + t.count, 0))),
        h("td", { class: "num" }, formatBytes(result.totalBytes)),
        h("td", { class: "num" }, "100%"),
      ),
    );
    records.append(total);
    section.append(
      h(
        "div",
        { class: "columns" },
        records,
        barChart(
          "Size by record type",
          result.types.map((t) => ({ label: t.name, bytes: t.bytes })),
        ),
      ),
    );
  }

  const keys = result.keys;
  if (keys && keys.prefixes.length > 0) {
    const what = result.product === "vault" ? "Keys" : "KV keys";
    const scope = `${keys.depth === 0 ? "whole keys" : `depth ${keys.depth}`}` +
      (keys.filter ? `, under "${keys.filter}"` : "");
    const prefixes = table(
      `${what} by prefix (${scope})`,
      ["Prefix", "Count", "Size", "Share"],
      keys.prefixes.map((p) => [
        h("code", {}, p.name),
        formatCount(p.count),
        formatBytes(p.bytes),
        share(p.bytes, keys.bytes),
      ]),
      [1, 2, 3],
    );
    prefixes.dataset.testid = "prefixes";
    section.append(
      h(
        "div",
        { class: "columns" },
        prefixes,
        barChart(
          `Size by key prefix`,
          keys.prefixes.map((p) => ({ label: p.name, bytes: p.bytes })),
        ),
      ),
    );
  }

  if (result.unknownTypes.length > 0) {
    section.append(
      h(
        "p",
        { class: "warning" },
        `Record types this version does not know: ${result.unknownTypes.join(", ")}. They are ` +
          "counted, not decoded (a newer product version wrote them).",
      ),
    );
  }
  const envelope = result.sealEnvelope;
  if (envelope) {
    const facts = [
      envelope.mechanismName ??
        (envelope.mechanism === undefined ? undefined : `mechanism ${envelope.mechanism}`),
      envelope.keyId ? `key ${envelope.keyId}` : undefined,
      envelope.ciphertextBytes === undefined
        ? undefined
        : `${envelope.ciphertextBytes} bytes of ciphertext`,
      envelope.reason,
    ].filter(Boolean).join(", ");
    section.append(
      h(
        "p",
        { "data-testid": "seal-envelope" },
        `SHA256SUMS.sealed (${formatCount(envelope.bytes)} bytes) is a ${envelope.format}` +
          (facts ? `: ${facts}.` : "."),
      ),
    );
  }
  if (result.warnings.length > 0) {
    section.append(
      h("h3", {}, "Warnings"),
      h("ul", { class: "warnings" }, ...result.warnings.map((w) => h("li", {}, w))),
    );
  }
  return section;
}
