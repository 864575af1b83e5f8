// Copyright 2026 the raftsnap authors. Apache-2.0 license.
/// <reference lib="dom" />

/**
 * What a verification found, as the page shows it: the metadata, the configuration's
 * servers, each entry with its size and SHA-256, and the archive's `sha-256=` checksum.
 */

import type { VerifyResult } from "../mod.ts";
import { h, table } from "./_dom.ts";
import { formatBytes, formatCount } from "./format.ts";

const SUFFRAGE = ["Voter", "Nonvoter", "Staging"];

/**
 * Renders a {@linkcode VerifyResult}.
 *
 * @param result What `verifySnapshot` returned.
 * @returns A `<section>` with the metadata, servers and entries tables and the checksum.
 */
export function renderVerify(result: VerifyResult): HTMLElement {
  const { meta } = result;
  const metaRows: [string, string | Node][] = [
    ["ID", meta.id],
    ["Index", formatCount(meta.index)],
    ["Term", formatCount(meta.term)],
    ["Version", String(meta.version)],
    ["Size", `${formatCount(meta.size)} bytes (${formatBytes(Number(meta.size))})`],
    ["Configuration index", formatCount(meta.configurationIndex)],
  ];
  const metaTable = h(
    "table",
    { class: "meta", "data-testid": "meta" },
    h("caption", {}, "Metadata (meta.json)"),
    h(
      "tbody",
      {},
      ...metaRows.map(([name, value]) =>
        h("tr", { "data-field": name }, h("th", { scope: "row" }, name), h("td", {}, value))
      ),
    ),
  );

  const servers = meta.configuration.servers ?? [];
  const serversTable = servers.length > 0
    ? table(
      `Configuration: ${servers.length} server${servers.length === 1 ? "" : "s"}`,
      ["ID", "Address", "Suffrage"],
      servers.map((s) => [s.id, h("code", {}, s.address), SUFFRAGE[s.suffrage] ?? `${s.suffrage}`]),
    )
    : h("p", {}, "The configuration lists no servers.");
  serversTable.dataset.testid = "servers";

  const entries = table(
    "Files in the archive",
    ["Name", "Size", "SHA-256"],
    result.entries.map((e) => [
      e.name,
      `${formatCount(e.size)} B`,
      h("code", { class: "hash" }, e.sha256),
    ]),
    [1],
  );
  entries.dataset.testid = "entries";

  const seal = !result.sealed
    ? "No SHA256SUMS.sealed: the plain checksums were checked."
    : result.sealVerified
    ? "SHA256SUMS.sealed opened with the key, and its checksums match."
    : "SHA256SUMS.sealed is present and was not opened (no key given): the plain checksums " +
      "were checked. Enter the AES-256-GCM key above and verify again to check it too.";

  return h(
    "section",
    { class: "details", "aria-label": "Snapshot details" },
    h("div", { class: "columns" }, metaTable, serversTable),
    entries,
    h(
      "p",
      { class: "checksum" },
      "Archive checksum (Go's Snapshot.Checksum): ",
      h("code", { "data-testid": "checksum" }, result.checksum ?? ""),
    ),
    h("p", { class: "seal", "data-testid": "seal" }, seal),
    h(
      "p",
      { class: "stats" },
      `${formatBytes(result.compressedBytes)} compressed, ${formatBytes(result.tarBytes)} ` +
        `uncompressed, ${result.gzipMembers} gzip member${result.gzipMembers === 1 ? "" : "s"}.`,
    ),
  );
}
