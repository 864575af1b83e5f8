// Copyright 2026 the raftsnap authors. Apache-2.0 license.
/// <reference lib="dom" />

/**
 * Two snapshots side by side, from what `diffSnapshots` found (the CLI's `diff`): the
 * keys added, removed and changed by prefix, the changed keys in a list, and for the one
 * picked its record in OLD and in NEW, side by side, values masked until revealed. The
 * values come from both states read into the explorer's index and spool on the first
 * pick (once; then every pick is a binary search and two small reads).
 *
 * @module
 */

import type { KeyChange, Sealer, Sha256Factory, SnapshotDiff } from "../../mod.ts";
import { h, table } from "../_dom.ts";
import { formatCount } from "../format.ts";
import type { ExplorerSource } from "./explorer.ts";
import { type LoadingState, loadState } from "./load_state.ts";
import { showRecord } from "./record_panel.ts";
import { VirtualList } from "./virtual_list.ts";

/** What reading the two sides needs. */
export interface CompareOptions {
  hasher?: Sha256Factory;
  sealer?: Sealer;
}

/** The key index of `key` in a loaded state, or -1. */
function find(loading: LoadingState, key: string): number {
  const { index } = loading;
  const at = index.lowerBound(key);
  if (at < index.treeKeys && index.keys[index.keyAt(at)] === key) return index.keyAt(at);
  return -1;
}

/**
 * The interactive part of a comparison: prefix counts, the changed keys, and the two
 * records of the picked key side by side.
 */
export function renderCompare(
  diff: SnapshotDiff,
  older: ExplorerSource,
  newer: ExplorerSource,
  options: CompareOptions = {},
): HTMLElement {
  const keys = diff.keys;
  const section = h("section", { class: "compare", "data-testid": "compare" });
  if (!keys) {
    section.append(
      h("p", {}, "No keys to compare: the states are not both Consul's or both Vault's."),
    );
    return section;
  }
  const prefixes = table(
    `Keys by prefix (depth ${keys.depth})`,
    ["Prefix", "Added", "Removed", "Changed"],
    keys.prefixes.map((
      p,
    ) => [
      h("code", {}, p.name),
      formatCount(p.added),
      formatCount(p.removed),
      formatCount(p.changed),
    ]),
    [1, 2, 3],
  );
  prefixes.dataset.testid = "diff-prefixes";
  const list: KeyChange[] = keys.list;
  const left = h("div", { class: "compare-side", "data-testid": "compare-old" });
  const right = h("div", { class: "compare-side", "data-testid": "compare-new" });
  const status = h("p", { class: "muted", role: "status", "data-testid": "compare-status" });
  let sides: Promise<[LoadingState, LoadingState]> | undefined;
  const load = () =>
    sides ??= (async () => {
      status.textContent = "Reading both states to show their records (once)…";
      const signal = new AbortController().signal;
      const read = async (source: ExplorerSource) => {
        const loading = await loadState(await source.open(signal), options);
        await loading.done;
        return loading;
      };
      const both = await Promise.all([read(older), read(newer)]);
      status.textContent = "";
      return both;
    })();
  const pick = async (change: KeyChange) => {
    left.replaceChildren(h("p", { class: "muted" }, "…"));
    right.replaceChildren(h("p", { class: "muted" }, "…"));
    try {
      const [a, b] = await load();
      for (const [loading, panel, name] of [[a, left, "OLD"], [b, right, "NEW"]] as const) {
        const k = find(loading, change.key);
        if (k < 0) {
          panel.replaceChildren(h("h3", {}, name), h("p", { class: "muted" }, `Not in ${name}.`));
          continue;
        }
        const inner = h("div", { class: "record-panel", "data-testid": "record-panel" });
        panel.replaceChildren(h("h3", {}, name), inner);
        await showRecord(inner, loading, loading.index.keyRecords[k]!);
      }
    } catch (error) {
      status.textContent = `Cannot show the records: ${
        error instanceof Error ? error.message : error
      }`;
    }
  };
  const keyList = new VirtualList({
    role: "listbox",
    itemRole: "option",
    label: "Changed keys",
    id: "diff-keys",
    count: () => list.length,
    draw: (i, row) => {
      const change = list[i]!;
      row.dataset.change = change.change;
      row.append(
        h("span", { class: `badge ${change.change}` }, change.change),
        h("span", { class: "name" }, change.key),
      );
    },
    activate: (i) => pick(list[i]!),
  });
  section.append(
    h("h2", {}, "What changed"),
    h(
      "p",
      { "data-testid": "compare-counts" },
      `${formatCount(keys.added)} keys added, ${formatCount(keys.removed)} removed, ` +
        `${formatCount(keys.changed)} changed, ${formatCount(keys.unchanged)} the same` +
        (keys.omittedKeys > 0
          ? ` (${formatCount(keys.omittedKeys)} more changed keys not listed)`
          : "") +
        ". Pick a key to see it in both.",
    ),
    h("div", { class: "columns" }, prefixes, keyList.element),
    status,
    h("div", { class: "compare-sides" }, left, right),
  );
  requestAnimationFrame(() => keyList.render());
  return section;
}
