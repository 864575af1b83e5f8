// Copyright 2026 the raftsnap authors. Apache-2.0 license.
/// <reference lib="dom" />

/**
 * The search field: keys (KV, Vault paths), service and node names, job IDs, ACL
 * names, anything a section lists, matched by substring, keys that start with the text
 * first. Results come while typing (a scan of 1,000,000 keys takes tens of
 * milliseconds), in a virtualised list.
 *
 * Matching is case-sensitive, as the keys are.
 *
 * @module
 */

import { h } from "../_dom.ts";
import { formatBytes, formatCount } from "../format.ts";
import type { Listed, StateIndex } from "./state_index.ts";
import { VirtualList } from "./virtual_list.ts";

/** What one search found. */
export interface Found {
  /** Key indexes: those starting with the text, then those containing it. */
  keys: Int32Array;
  /** How many of `keys` start with the text. */
  prefixed: number;
  /** Listed records whose label contains the text (those starting with it first). */
  records: Listed[];
  /** How long the scan took, in milliseconds. */
  ms: number;
}

let scratch = new Int32Array(0);

/** Keys joined by newlines, 65,536 at a time: `indexOf` over one long string is fast. */
interface Segment {
  /** The first key's index. */
  from: number;
  /** The keys `from` to `from + starts.length - 1`, joined by "\n". */
  text: string;
  /** Where each key starts in `text`, and the text's length plus one at the end. */
  starts: Int32Array;
}

const SEGMENT = 65_536;
const segments = new WeakMap<StateIndex, Segment[]>();

/** The index's complete segments, built on first use. */
function segmentsOf(index: StateIndex): Segment[] {
  let list = segments.get(index);
  if (!list) segments.set(index, list = []);
  while ((list.length + 1) * SEGMENT <= index.keys.length) {
    const from = list.length * SEGMENT;
    const keys = index.keys.slice(from, from + SEGMENT);
    const starts = new Int32Array(keys.length + 1);
    let at = 0;
    keys.forEach((key, i) => {
      starts[i] = at;
      at += key.length + 1;
    });
    starts[keys.length] = at;
    list.push({ from, text: keys.join("\n"), starts });
  }
  return list;
}

/** Builds the search's segments of the keys in now (at the end of a load), not on the first search. */
export function prepareSearch(index: StateIndex): void {
  segmentsOf(index);
}

/** Finds `text` in the index's keys and labels. */
export function search(index: StateIndex, text: string): Found {
  const started = performance.now();
  const keys = index.keys;
  const n = keys.length;
  if (scratch.length < n) scratch = new Int32Array(Math.max(n, 1024));
  // Prefix matches fill the scratch from the front, the others from the back.
  let front = 0;
  let back = n;
  let scanned = 0;
  if (!text.includes("\n")) {
    for (const segment of segmentsOf(index)) {
      const { text: joined, starts, from } = segment;
      let k = 0;
      let pos = joined.indexOf(text);
      while (pos >= 0) {
        while (starts[k + 1]! <= pos) k++;
        // A hit that runs past the key's end spans two keys: look again from the next key.
        if (pos + text.length < starts[k + 1]!) {
          if (pos === starts[k]) scratch[front++] = from + k;
          else scratch[--back] = from + k;
        }
        pos = joined.indexOf(text, starts[k + 1]!);
        k++;
      }
      scanned = from + starts.length - 1;
    }
  }
  for (let i = scanned; i < n; i++) {
    const at = keys[i]!.indexOf(text);
    if (at === 0) scratch[front++] = i;
    else if (at > 0) scratch[--back] = i;
  }
  const found = new Int32Array(front + (n - back));
  found.set(scratch.subarray(0, front));
  // The back part was filled from the end: reverse it into key order.
  let j = front;
  for (let i = n - 1; i >= back; i--) found[j++] = scratch[i]!;
  const first: Listed[] = [];
  const rest: Listed[] = [];
  for (const entry of index.listed) {
    const at = entry.label.indexOf(text);
    if (at === 0) first.push(entry);
    else if (at > 0) rest.push(entry);
  }
  return {
    keys: found,
    prefixed: front,
    records: [...first, ...rest],
    ms: performance.now() - started,
  };
}

/** What {@linkcode SearchBox} calls back. */
export interface SearchBoxOptions {
  /** A key was chosen (its key index). */
  showKey(key: number): void;
  /** A listed record was chosen. */
  showRecord(entry: Listed): void;
  /** The field emptied (the sections come back) or filled (the results show). */
  active(searching: boolean): void;
}

/** The search field and its results. */
export class SearchBox {
  /** The field with its label and count. */
  readonly field: HTMLElement;
  /** The results list. */
  readonly results: HTMLElement;
  #input: HTMLInputElement;
  #count: HTMLElement;
  #found: Found | undefined;
  #list: VirtualList;
  #index: StateIndex;
  #version = -1;

  constructor(index: StateIndex, options: SearchBoxOptions) {
    this.#index = index;
    this.#input = h("input", {
      id: "explorer-search",
      type: "search",
      role: "searchbox",
      autocomplete: "off",
      spellcheck: "false",
      placeholder: "a key, a service, a job ID…",
      "aria-describedby": "explorer-search-count",
      "aria-controls": "search-results",
    });
    this.#count = h("span", {
      id: "explorer-search-count",
      class: "muted",
      "data-testid": "search-count",
      "aria-live": "polite",
    });
    this.field = h(
      "div",
      { class: "search", role: "search" },
      h("label", { for: "explorer-search" }, "Search"),
      this.#input,
      this.#count,
    );
    const total = () => this.#found ? this.#found.keys.length + this.#found.records.length : 0;
    const item = (i: number): { key?: number; entry?: Listed } => {
      const found = this.#found!;
      return i < found.keys.length
        ? { key: found.keys[i] }
        : { entry: found.records[i - found.keys.length] };
    };
    this.#list = new VirtualList({
      role: "listbox",
      itemRole: "option",
      label: "Search results",
      id: "search-results",
      count: total,
      draw: (i, row) => {
        const { key, entry } = item(i);
        if (key !== undefined) {
          row.append(
            h("span", { class: "badge" }, index.product === "vault" ? "path" : "key"),
            h("span", { class: "name" }, index.keys[key]!),
            h("span", { class: "facts" }, formatBytes(index.valueSizes[key]!)),
          );
        } else if (entry) {
          row.append(
            h("span", { class: "badge" }, entry.section),
            h("span", { class: "name" }, entry.label),
            h("span", { class: "facts" }, entry.detail),
          );
        }
      },
      activate: (i) => {
        const { key, entry } = item(i);
        if (key !== undefined) options.showKey(key);
        else if (entry) options.showRecord(entry);
      },
    });
    this.results = this.#list.element;
    this.results.id = "search-results";
    this.#input.addEventListener("input", () => {
      options.active(this.#input.value !== "");
      this.run();
    });
    this.#input.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown" && this.#found) {
        event.preventDefault();
        this.results.focus();
        this.#list.setActive(0);
      }
    });
  }

  /** Runs the search again (the text changed, or records arrived). */
  run(): void {
    const text = this.#input.value;
    this.#version = this.#index.version;
    if (text === "") {
      this.#found = undefined;
      this.#count.textContent = "";
      delete this.#count.dataset.ms;
      this.#list.render();
      return;
    }
    const found = search(this.#index, text);
    this.#found = found;
    const keys = found.keys.length;
    this.#count.textContent = `${formatCount(keys + found.records.length)} found` +
      (keys > 0 ? ` (${formatCount(found.prefixed)} keys start with it)` : "") +
      ` in ${found.ms.toFixed(0)} ms`;
    this.#count.dataset.ms = found.ms.toFixed(1);
    this.#count.dataset.found = String(keys + found.records.length);
    this.#list.element.scrollTop = 0;
    this.#list.render();
  }

  /** Runs again if records arrived since (while a state loads). */
  refresh(): void {
    if (this.#input.value !== "" && this.#version !== this.#index.version) this.run();
  }
}
