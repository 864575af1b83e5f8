// Copyright 2026 the raftsnap authors. Apache-2.0 license.
/// <reference lib="dom" />

/**
 * A virtualised list: however many rows (a million keys), only the few in view are in
 * the DOM, absolutely placed in a spacer as tall as all rows. The container holds the
 * focus and names the active row with `aria-activedescendant`; arrows, Home, End, Page
 * Up/Down move it, Enter activates it, and a caller may handle more keys (the tree's
 * Left and Right).
 *
 * @module
 */

import { h } from "../_dom.ts";

/** How a {@linkcode VirtualList} gets and draws its rows. */
export interface VirtualListOptions {
  /** The container's role (`tree`, `listbox`). */
  role: string;
  /** Each row's role (`treeitem`, `option`). */
  itemRole: string;
  /** The accessible name. */
  label: string;
  /** A prefix for the rows' ids (unique in the page). */
  id: string;
  /** Row height in CSS pixels. @default {24} */
  rowHeight?: number;
  /** How many rows there are now. */
  count(): number;
  /** Fills a row element for row `i` (its text, attributes). */
  draw(i: number, row: HTMLElement): void;
  /** Enter or a click on row `i`. */
  activate(i: number): void;
  /** Other keys on row `i`: return true when handled. */
  key?(event: KeyboardEvent, i: number): boolean;
}

/** A virtualised, keyboard-navigable list of rows. */
export class VirtualList {
  /** The scrolling container (add it to the page). */
  readonly element: HTMLDivElement;
  #spacer: HTMLDivElement;
  #options: VirtualListOptions;
  #height: number;
  #active = -1;
  #frame = 0;
  #rows = new Map<number, HTMLElement>();

  constructor(options: VirtualListOptions) {
    this.#options = options;
    this.#height = options.rowHeight ?? 24;
    this.#spacer = h("div", { class: "vspacer" });
    this.element = h("div", {
      class: "vlist",
      role: options.role,
      "aria-label": options.label,
      tabindex: 0,
      "data-testid": options.id,
    }, this.#spacer);
    this.element.addEventListener("scroll", () => this.#schedule());
    this.element.addEventListener("keydown", (event) => this.#onKey(event));
    this.element.addEventListener("click", (event) => {
      const row = (event.target as HTMLElement).closest<HTMLElement>("[data-row]");
      if (!row) return;
      const i = Number(row.dataset.row);
      this.setActive(i);
      options.activate(i);
    });
    // A click focuses the list too: the click picks the row, so focus must not redraw the
    // rows between the press and the release (the click would then have no target).
    let pointing = false;
    this.element.addEventListener("pointerdown", () => pointing = true);
    this.element.addEventListener("pointerup", () => setTimeout(() => pointing = false));
    this.element.addEventListener("focus", () => {
      if (!pointing && this.#active < 0 && options.count() > 0) this.setActive(0);
    });
  }

  /** The active row, or -1. */
  get active(): number {
    return this.#active;
  }

  /** Makes row `i` active and scrolls it into view. */
  setActive(i: number): void {
    const count = this.#options.count();
    if (count === 0) return;
    this.#active = Math.max(0, Math.min(count - 1, i));
    const top = this.#active * this.#height;
    const view = this.element.clientHeight || 400;
    if (top < this.element.scrollTop) this.element.scrollTop = top;
    else if (top + this.#height > this.element.scrollTop + view) {
      this.element.scrollTop = top + this.#height - view;
    }
    this.render();
  }

  /** Redraws now (after the rows changed). */
  render(): void {
    cancelAnimationFrame(this.#frame);
    this.#frame = 0;
    const count = this.#options.count();
    if (this.#active >= count) this.#active = count - 1;
    this.#spacer.style.height = `${count * this.#height}px`;
    const view = this.element.clientHeight || 400;
    const first = Math.max(0, Math.floor(this.element.scrollTop / this.#height) - 5);
    const last = Math.min(count, Math.ceil((this.element.scrollTop + view) / this.#height) + 5);
    // Rows keep their element while in view, so a click that began on one ends on it.
    const kept = new Map<number, HTMLElement>();
    for (let i = first; i < last; i++) {
      let row = this.#rows.get(i);
      if (!row) {
        row = h("div", {
          class: "vrow",
          role: this.#options.itemRole,
          id: `${this.#options.id}-${i}`,
          "data-row": i,
        });
        row.style.top = `${i * this.#height}px`;
        row.style.height = `${this.#height}px`;
        this.#spacer.append(row);
      } else {
        row.replaceChildren();
        for (const name of [...row.getAttributeNames()]) {
          if (!["class", "role", "id", "data-row", "style"].includes(name)) {
            row.removeAttribute(name);
          }
        }
      }
      row.setAttribute("aria-selected", i === this.#active ? "true" : "false");
      this.#options.draw(i, row);
      kept.set(i, row);
    }
    for (const [i, row] of this.#rows) if (!kept.has(i)) row.remove();
    this.#rows = kept;
    if (this.#active >= 0) {
      this.element.setAttribute("aria-activedescendant", `${this.#options.id}-${this.#active}`);
    } else this.element.removeAttribute("aria-activedescendant");
  }

  #schedule() {
    if (!this.#frame) this.#frame = requestAnimationFrame(() => this.render());
  }

  #onKey(event: KeyboardEvent) {
    const count = this.#options.count();
    if (count === 0) return;
    const i = this.#active < 0 ? 0 : this.#active;
    const page = Math.max(1, Math.floor((this.element.clientHeight || 400) / this.#height) - 1);
    let next: number | undefined;
    switch (event.key) {
      case "ArrowDown":
        next = i + 1;
        break;
      case "ArrowUp":
        next = i - 1;
        break;
      case "Home":
        next = 0;
        break;
      case "End":
        next = count - 1;
        break;
      case "PageDown":
        next = i + page;
        break;
      case "PageUp":
        next = i - page;
        break;
      case "Enter":
        event.preventDefault();
        this.#options.activate(i);
        return;
      default:
        if (this.#options.key?.(event, i)) event.preventDefault();
        return;
    }
    event.preventDefault();
    this.setActive(next);
  }
}
