// Copyright 2026 the raftsnap authors. Apache-2.0 license.
/// <reference lib="dom" />

/**
 * The key tree: Consul's KV store or Vault's storage paths, folders by `/`, each with its
 * key count and value bytes, virtualised (a million keys draw as fast as ten). The keys
 * are kept sorted by the index, so a folder's keys are one range found by binary search,
 * and its children are found by jumping from one child's range to the next.
 *
 * Keyboard: Up/Down move, Right opens a folder (or goes to its first child), Left closes
 * it (or goes to the parent), Enter opens a folder or shows a key.
 *
 * @module
 */

import { h } from "../_dom.ts";
import { formatBytes, formatCount } from "../format.ts";
import { after, type StateIndex } from "./state_index.ts";
import { VirtualList } from "./virtual_list.ts";

/** One visible row of the tree. */
export interface TreeRow {
  /** 0 at the top. */
  depth: number;
  /** What the row shows: the folder's last part with its `/`, or the key's. */
  name: string;
  /** The folder's whole prefix, or the key. */
  path: string;
  /** Whether it is a folder. */
  folder: boolean;
  /** The sorted range of keys under it (a key: its own position). */
  lo: number;
  hi: number;
  /** Its place among its siblings (1-based) and their count. */
  pos: number;
  of: number;
}

/** The children of the folder `prefix` whose keys are the sorted range `[lo, hi)`. */
export function children(index: StateIndex, prefix: string, lo: number, hi: number): TreeRow[] {
  const out: TreeRow[] = [];
  let i = lo;
  while (i < hi) {
    const key = index.keys[index.keyAt(i)]!;
    const rest = key.slice(prefix.length);
    const slash = rest.indexOf("/");
    if (slash < 0) {
      out.push({ depth: 0, name: rest, path: key, folder: false, lo: i, hi: i + 1, pos: 0, of: 0 });
      i++;
      continue;
    }
    const path = prefix + rest.slice(0, slash + 1);
    const end = index.lowerBound(after(path), i, hi);
    out.push({
      depth: 0,
      name: rest.slice(0, slash + 1),
      path,
      folder: true,
      lo: i,
      hi: end,
      pos: 0,
      of: 0,
    });
    i = end;
  }
  out.forEach((row, n) => {
    row.pos = n + 1;
    row.of = out.length;
  });
  return out;
}

/** What {@linkcode KvTree} calls back. */
export interface KvTreeOptions {
  /** The tree's accessible name. */
  label: string;
  /** Shows a key's record (its key index). */
  showKey(key: number): void;
  /** The selection moved (to a folder's prefix, or a key). */
  selected?(row: TreeRow | undefined): void;
}

/** The virtualised key tree of one state. */
export class KvTree {
  /** The tree's element. */
  readonly element: HTMLElement;
  #index: StateIndex;
  #options: KvTreeOptions;
  #open = new Set<string>([]);
  #rows: TreeRow[] = [];
  #list: VirtualList;
  #version = -1;

  constructor(index: StateIndex, options: KvTreeOptions) {
    this.#index = index;
    this.#options = options;
    this.#list = new VirtualList({
      role: "tree",
      itemRole: "treeitem",
      label: options.label,
      id: "kv-tree",
      count: () => this.#rows.length,
      draw: (i, row) => this.#draw(i, row),
      activate: (i) => this.#activate(i),
      key: (event, i) => this.#key(event, i),
    });
    this.element = this.#list.element;
    this.element.addEventListener("keyup", () => this.#options.selected?.(this.activeRow));
    this.element.addEventListener("click", () => this.#options.selected?.(this.activeRow));
  }

  /** The active row. */
  get activeRow(): TreeRow | undefined {
    return this.#rows[this.#list.active];
  }

  /** The visible rows (for tests and the export button). */
  get rows(): readonly TreeRow[] {
    return this.#rows;
  }

  /** Rebuilds the rows if keys arrived since the last call, then redraws. */
  refresh(force = false): void {
    if (!force && this.#version === this.#index.version) return;
    this.#version = this.#index.version;
    const rows: TreeRow[] = [];
    const walk = (prefix: string, lo: number, hi: number, depth: number) => {
      for (const row of children(this.#index, prefix, lo, hi)) {
        row.depth = depth;
        rows.push(row);
        if (row.folder && this.#open.has(row.path)) walk(row.path, row.lo, row.hi, depth + 1);
      }
    };
    walk("", 0, this.#index.treeKeys, 0);
    this.#rows = rows;
    this.#list.render();
  }

  /** Opens the folders on the way to `key` and makes it the active row. */
  reveal(key: string): void {
    let at = key.indexOf("/");
    while (at >= 0 && at < key.length - 1) {
      this.#open.add(key.slice(0, at + 1));
      at = key.indexOf("/", at + 1);
    }
    this.refresh(true);
    const i = this.#rows.findIndex((row) => row.path === key && !row.folder);
    if (i >= 0) this.#list.setActive(i);
  }

  #draw(i: number, element: HTMLElement) {
    const row = this.#rows[i]!;
    const bytes = this.#index.cumulative[row.hi]! - this.#index.cumulative[row.lo]!;
    element.setAttribute("aria-level", String(row.depth + 1));
    element.setAttribute("aria-setsize", String(row.of));
    element.setAttribute("aria-posinset", String(row.pos));
    element.dataset.path = row.path;
    if (row.folder) element.setAttribute("aria-expanded", String(this.#open.has(row.path)));
    element.style.paddingLeft = `${0.4 + row.depth * 1.1}rem`;
    element.append(
      h(
        "span",
        { class: "twisty", "aria-hidden": "true" },
        row.folder ? (this.#open.has(row.path) ? "▾" : "▸") : "",
      ),
      h("span", { class: "name" }, row.name === "" ? "(this folder's own key)" : row.name),
      h(
        "span",
        { class: "facts" },
        row.folder
          ? `${formatCount(row.hi - row.lo)} keys · ${formatBytes(bytes)}`
          : formatBytes(bytes),
      ),
    );
  }

  #toggle(i: number) {
    const row = this.#rows[i]!;
    if (this.#open.has(row.path)) this.#open.delete(row.path);
    else this.#open.add(row.path);
    this.refresh(true);
    this.#list.setActive(i);
  }

  #activate(i: number) {
    const row = this.#rows[i];
    if (!row) return;
    if (row.folder) this.#toggle(i);
    else this.#options.showKey(this.#index.keyAt(row.lo));
    this.#options.selected?.(row);
  }

  #key(event: KeyboardEvent, i: number): boolean {
    const row = this.#rows[i];
    if (!row) return false;
    if (event.key === "ArrowRight") {
      if (row.folder && !this.#open.has(row.path)) this.#toggle(i);
      else if (row.folder) this.#list.setActive(i + 1);
      return true;
    }
    if (event.key === "ArrowLeft") {
      if (row.folder && this.#open.has(row.path)) this.#toggle(i);
      else {
        for (let p = i - 1; p >= 0; p--) {
          if (this.#rows[p]!.depth < row.depth) {
            this.#list.setActive(p);
            break;
          }
        }
      }
      return true;
    }
    return false;
  }
}
