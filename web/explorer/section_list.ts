// Copyright 2026 the raftsnap authors. Apache-2.0 license.
/// <reference lib="dom" />

/**
 * One section's records (Consul's services, Nomad's jobs, ...) as a virtualised list:
 * the label, then a line of facts; Enter or a click shows the record.
 *
 * @module
 */

import { h } from "../_dom.ts";
import type { Listed, StateIndex } from "./state_index.ts";
import { VirtualList } from "./virtual_list.ts";

/** The list of one section. */
export class SectionList {
  /** The list's element. */
  readonly element: HTMLElement;
  #list: VirtualList;
  #entries: () => Listed[];

  constructor(index: StateIndex, section: string, title: string, show: (entry: Listed) => void) {
    this.#entries = () => index.sections.get(section) ?? [];
    this.#list = new VirtualList({
      role: "listbox",
      itemRole: "option",
      label: title,
      id: `section-${section}`,
      count: () => this.#entries().length,
      draw: (i, row) => {
        const entry = this.#entries()[i]!;
        row.append(
          h("span", { class: "name" }, entry.label || "(no name)"),
          h("span", { class: "facts" }, entry.detail),
        );
      },
      activate: (i) => show(this.#entries()[i]!),
    });
    this.element = this.#list.element;
  }

  /** Redraws (records arrived). */
  refresh(): void {
    this.#list.render();
  }
}
