// Copyright 2026 the raftsnap authors. Apache-2.0 license.
/// <reference lib="dom" />

/**
 * The search field: keys (KV, Vault paths), service and node names, job IDs, ACL
 * names, anything a section lists, matched by substring, keys that start with the text
 * first. Keys that start with it are one range of the sorted keys (a binary search);
 * those that contain it further on are found by `indexOf` over the keys joined into
 * long strings, which stops once it found the first screens of results and counts the
 * rest in slices between frames. Results come while typing, in a virtualised list.
 *
 * Matching is case-sensitive, as the keys are.
 *
 * @module
 */

import { h } from "../_dom.ts";
import { formatBytes, formatCount } from "../format.ts";
import type { Listed, StateIndex } from "./state_index.ts";
import { VirtualList } from "./virtual_list.ts";

/**
 * Keys joined by newlines, 65,536 at a time: `indexOf` over one long string is fast. With
 * them, for each block of 64 keys, a 2,048-bit set of the three-character runs in them
 * (hashed): a text whose runs are not all in a block's set is not in its keys, so the scan
 * skips that block (most blocks, for a text of a few characters or more).
 */
interface Segment {
  /** The first key's position. */
  from: number;
  /** The keys at positions `from` to `from + starts.length - 2`, joined by "\n". */
  text: string;
  /** Where each key starts in `text`, and the text's length plus one at the end. */
  starts: Int32Array;
  /** Each block's bit set of runs: `WORDS` words a block. */
  runs: Uint32Array;
}

const SEGMENT = 65_536;
/** Keys per block of the run filter. */
const BLOCK = 64;
/** 32-bit words per block's bit set (2,048 bits). */
const WORDS = 64;

/** The bit (0 to 2,047) of the run of three characters `a b c`. */
function runBit(a: number, b: number, c: number): number {
  return (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca77) ^ Math.imul(c, 0xc2b2ae3d)) >>> 21;
}

/** The bit sets of `text`'s blocks. */
function runsOf(text: string, starts: Int32Array): Uint32Array {
  const keys = starts.length - 1;
  const blocks = Math.ceil(keys / BLOCK);
  const runs = new Uint32Array(blocks * WORDS);
  for (let b = 0; b < blocks; b++) {
    const start = starts[b * BLOCK]!;
    const end = starts[Math.min((b + 1) * BLOCK, keys)]! - 1; // before the last "\n"
    const base = b * WORDS;
    let x = text.charCodeAt(start);
    let y = text.charCodeAt(start + 1);
    for (let i = start + 2; i < end; i++) {
      const z = text.charCodeAt(i);
      const bit = runBit(x, y, z);
      runs[base + (bit >>> 5)]! |= 1 << (bit & 31);
      x = y;
      y = z;
    }
  }
  return runs;
}

/** The bits a text's runs set, as word indexes and masks (at most 12 runs). */
function textRuns(text: string): { words: Int32Array; masks: Int32Array } | undefined {
  if (text.length < 3) return undefined;
  const bits = new Set<number>();
  for (let i = 0; i + 2 < text.length && bits.size < 12; i++) {
    bits.add(runBit(text.charCodeAt(i), text.charCodeAt(i + 1), text.charCodeAt(i + 2)));
  }
  const words = new Int32Array(bits.size);
  const masks = new Int32Array(bits.size);
  [...bits].forEach((bit, i) => {
    words[i] = bit >>> 5;
    masks[i] = 1 << (bit & 31);
  });
  return { words, masks };
}

/** The segments of one key order (the sorted order once known, else arrival order). */
interface Segments {
  order: Int32Array | undefined;
  list: Segment[];
}

const segments = new WeakMap<StateIndex, Segments>();

/**
 * The key at position `p` of the scan's order: the sorted order when the tree is ready
 * (the same as arrival order when the keys arrived sorted, as the products write them),
 * else arrival order.
 */
function scanKey(index: StateIndex, p: number): number {
  return index.treeReady ? index.keyAt(p) : p;
}

/** The index's complete segments, built on first use. */
function segmentsOf(index: StateIndex): Segment[] {
  const order = index.treeReady ? index.order : undefined;
  let cached = segments.get(index);
  if (!cached || cached.order !== order) segments.set(index, cached = { order, list: [] });
  const list = cached.list;
  while ((list.length + 1) * SEGMENT <= index.keys.length) {
    const from = list.length * SEGMENT;
    const keys = new Array<string>(SEGMENT);
    for (let i = 0; i < SEGMENT; i++) keys[i] = index.keys[scanKey(index, from + i)]!;
    const starts = new Int32Array(keys.length + 1);
    let at = 0;
    keys.forEach((key, i) => {
      starts[i] = at;
      at += key.length + 1;
    });
    starts[keys.length] = at;
    const text = keys.join("\n");
    list.push({ from, text, starts, runs: runsOf(text, starts) });
  }
  return list;
}

/**
 * Builds the search's segments of the keys in now, not on the first search: while a state
 * loads (each complete 65,536 keys) and at the end. At the end, two searches also run
 * (one that finds nothing, one for the middle key), so the first real one runs code
 * already compiled.
 */
export function prepareSearch(index: StateIndex, end = false): void {
  segmentsOf(index);
  if (!end) return;
  new Search(index, "\u0000\u0001\u0002").step();
  const middle = index.keys[scanKey(index, index.keys.length >> 1)];
  if (middle && middle.length > 4) new Search(index, middle.slice(1)).step(FIRST);
}

/** A growing list of key indexes. */
class Hits {
  array = new Int32Array(256);
  length = 0;
  push(key: number) {
    if (this.length === this.array.length) {
      const next = new Int32Array(this.array.length * 2);
      next.set(this.array);
      this.array = next;
    }
    this.array[this.length++] = key;
  }
}

/**
 * One search, answered in steps: the keys that start with the text are one range of the
 * sorted keys (a binary search, whatever their number); the keys that contain it further
 * on are found by a scan that can stop once it found enough to show (the first screen of
 * a virtualised list) and go on later, so a text that is in every key answers at once
 * and counts the rest in slices.
 */
export class Search {
  /** The text searched for. */
  readonly text: string;
  /** Listed records whose label contains the text (those starting with it first). */
  readonly records: Listed[];
  #index: StateIndex;
  /** The sorted range of keys starting with the text, when the tree is ready. */
  #range: [number, number] | undefined;
  /** Prefix hits found by the scan (when there is no sorted range). */
  #prefixed = new Hits();
  #inside = new Hits();
  /** The next position the scan looks at. */
  #position = 0;
  #done = false;

  constructor(index: StateIndex, text: string) {
    this.#index = index;
    this.text = text;
    if (index.treeReady && text !== "") this.#range = index.range(text);
    const first: Listed[] = [];
    const rest: Listed[] = [];
    for (const entry of index.listed) {
      const at = entry.label.indexOf(text);
      if (at === 0) first.push(entry);
      else if (at > 0) rest.push(entry);
    }
    this.records = [...first, ...rest];
  }

  /** Whether every key was looked at. */
  get done(): boolean {
    return this.#done;
  }

  /** Keys found so far that start with the text (all of them once the scan is done). */
  get prefixed(): number {
    return this.#range ? this.#range[1] - this.#range[0] : this.#prefixed.length;
  }

  /** Keys found so far. */
  get keys(): number {
    return this.prefixed + this.#inside.length;
  }

  /** The key index of hit `i`: those that start with the text, then the others. */
  key(i: number): number {
    const prefixed = this.prefixed;
    if (i < prefixed) {
      return this.#range ? this.#index.keyAt(this.#range[0] + i) : this.#prefixed.array[i]!;
    }
    return this.#inside.array[i - prefixed]!;
  }

  /** Every key found so far, in order. */
  found(): Int32Array {
    const out = new Int32Array(this.keys);
    for (let i = 0; i < out.length; i++) out[i] = this.key(i);
    return out;
  }

  /**
   * Scans on until `enough` keys are found, `until` (a `performance.now()` time) has
   * passed, or every key was looked at (without the range: the scan finds every key).
   * @returns whether the scan is done.
   */
  step(enough = Infinity, until = Infinity): boolean {
    if (this.#done) return true;
    const index = this.#index;
    const text = this.text;
    const inRange = this.#range !== undefined;
    // Without a sorted range the prefix hits come first, so the scan must see every key.
    if (!inRange) enough = until = Infinity;
    const list = text.includes("\n") ? [] : segmentsOf(index);
    const order = index.treeReady ? index.order : undefined;
    const inside = this.#inside;
    const prefixed = this.#prefixed;
    const filter = textRuns(text);
    let s = Math.floor(this.#position / SEGMENT);
    let hits = 0;
    while (s < list.length) {
      const { text: joined, starts, from, runs } = list[s]!;
      const last = starts.length - 1;
      let k = this.#position - from;
      while (k < last) {
        // The next run of keys to scan: the rest of the segment, or without a filter's
        // match in a block, the next block whose bit set has every run of the text.
        let end = last;
        if (filter) {
          const { words, masks } = filter;
          let b = Math.floor(k / BLOCK);
          const blocks = Math.ceil(last / BLOCK);
          for (; b < blocks; b++) {
            const base = b * WORDS;
            let j = 0;
            while (j < words.length && (runs[base + words[j]!]! & masks[j]!) !== 0) j++;
            if (j === words.length) break;
          }
          if (b >= blocks) break;
          k = Math.max(k, b * BLOCK);
          // Next blocks that pass too join the run: one scan for a text in most keys.
          let e = b + 1;
          for (; e < blocks; e++) {
            const base = e * WORDS;
            let j = 0;
            while (j < words.length && (runs[base + words[j]!]! & masks[j]!) !== 0) j++;
            if (j < words.length) break;
          }
          end = Math.min(last, e * BLOCK);
        }
        const base = starts[k]!;
        const hay = k === 0 && end === last ? joined : joined.slice(base, starts[end]! - 1);
        let pos = hay.indexOf(text);
        while (pos >= 0) {
          const at = pos + base;
          while (starts[k + 1]! <= at) k++;
          // A hit that runs past the key's end spans two keys: look again from the next key.
          if (at + text.length < starts[k + 1]!) {
            const p = from + k;
            if (at !== starts[k]) inside.push(order ? order[p]! : p);
            else if (!inRange) prefixed.push(order ? order[p]! : p);
          }
          if (++k >= end) break;
          if (inside.length >= enough || ((++hits & 1023) === 0 && performance.now() > until)) {
            this.#position = from + k;
            return false;
          }
          pos = hay.indexOf(text, starts[k]! - base);
        }
        k = end;
        if (performance.now() > until && k < last) {
          this.#position = from + k;
          return false;
        }
      }
      this.#position = from + last;
      s++;
      if (performance.now() > until && s < list.length) return false;
    }
    // The keys after the last complete segment (fewer than 65,536), one by one.
    const n = index.keys.length;
    for (let p = this.#position; p < n; p++) {
      const key = order ? order[p]! : p;
      const at = index.keys[key]!.indexOf(text);
      if (at > 0) inside.push(key);
      else if (at === 0 && !inRange) prefixed.push(key);
    }
    this.#position = n;
    this.#done = true;
    return true;
  }
}

/** What one complete search found. */
export interface Found {
  /** Key indexes: those starting with the text, then those containing it. */
  keys: Int32Array;
  /** How many of `keys` start with the text. */
  prefixed: number;
  /** Listed records whose label contains the text (those starting with it first). */
  records: Listed[];
  /** How long the search took, in milliseconds. */
  ms: number;
}

/** Finds `text` in the index's keys and labels, every key looked at. */
export function search(index: StateIndex, text: string): Found {
  const started = performance.now();
  const job = new Search(index, text);
  job.step();
  return {
    keys: job.found(),
    prefixed: job.prefixed,
    records: job.records,
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

/** Keys found before the first answer shows: a few screens of the list. */
const FIRST = 500;
/** How long one slice of the counting after the first answer runs, in milliseconds. */
const SLICE = 12;

/** The search field and its results. */
export class SearchBox {
  /** The field with its label and count. */
  readonly field: HTMLElement;
  /** The results list. */
  readonly results: HTMLElement;
  #input: HTMLInputElement;
  #count: HTMLElement;
  #search: Search | undefined;
  #list: VirtualList;
  #index: StateIndex;
  #version = -1;
  #timer: ReturnType<typeof setTimeout> | undefined;

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
    const total = () => this.#search ? this.#search.keys + this.#search.records.length : 0;
    const item = (i: number): { key?: number; entry?: Listed } => {
      const found = this.#search!;
      return i < found.keys ? { key: found.key(i) } : { entry: found.records[i - found.keys] };
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
      if (event.key === "ArrowDown" && this.#search) {
        event.preventDefault();
        this.results.focus();
        this.#list.setActive(0);
      }
    });
  }

  /**
   * Runs the search again (the text changed, or records arrived): the first keys found
   * show at once, and the rest are counted in slices between frames.
   */
  run(): void {
    clearTimeout(this.#timer);
    const text = this.#input.value;
    this.#version = this.#index.version;
    const count = this.#count;
    delete count.dataset.ms;
    delete count.dataset.msAll;
    delete count.dataset.found;
    if (text === "") {
      this.#search = undefined;
      count.textContent = "";
      this.#list.render();
      return;
    }
    const started = performance.now();
    const search = new Search(this.#index, text);
    this.#search = search;
    search.step(FIRST);
    const ms = performance.now() - started;
    count.dataset.ms = ms.toFixed(1);
    this.#list.element.scrollTop = 0;
    const show = () => {
      const keys = search.keys;
      const found = keys + search.records.length;
      count.textContent = `${formatCount(found)}${search.done ? "" : "+"} found` +
        (keys > 0 ? ` (${formatCount(search.prefixed)} keys start with it)` : "") +
        ` in ${ms.toFixed(0)} ms` + (search.done ? "" : ", counting…");
      count.dataset.done = String(search.done);
      if (search.done) {
        count.dataset.found = String(found);
        count.dataset.msAll = (performance.now() - started).toFixed(1);
      }
      this.#list.render();
    };
    show();
    const more = () => {
      if (this.#search !== search) return;
      search.step(Infinity, performance.now() + SLICE);
      show();
      if (!search.done) this.#timer = setTimeout(more, 0);
    };
    if (!search.done) this.#timer = setTimeout(more, 0);
  }

  /** Runs again if records arrived since (while a state loads). */
  refresh(): void {
    if (this.#input.value !== "" && this.#version !== this.#index.version) this.run();
  }

  /** Stops counting (the explorer closed). */
  stop(): void {
    clearTimeout(this.#timer);
    this.#search = undefined;
  }
}
