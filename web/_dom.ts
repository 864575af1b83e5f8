// Copyright 2026 the raftsnap authors. Apache-2.0 license.
/// <reference lib="dom" />

/** A tiny element builder: text children become text nodes, never HTML. */

type Child = Node | string | number | null | undefined | false;

/**
 * Creates `<tag>` with attributes (a `class`, `data-*`, `aria-*`, ...) and children.
 * Text is always inserted as text: a snapshot's strings (IDs, addresses, key names) are
 * untrusted and must never reach `innerHTML`.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === "number" ? String(child) : child);
  }
  return element;
}

/** A `<table>` with a caption, a header row and body rows; numeric columns right-aligned. */
export function table(
  caption: string,
  head: string[],
  rows: Child[][],
  numeric: number[] = [],
): HTMLTableElement {
  const cell = (tag: "th" | "td", child: Child, i: number) =>
    h(tag, {
      class: numeric.includes(i) ? "num" : undefined,
      scope: tag === "th" ? "col" : undefined,
    }, child);
  return h(
    "table",
    {},
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, ...head.map((text, i) => cell("th", text, i)))),
    h("tbody", {}, ...rows.map((row) => h("tr", {}, ...row.map((c, i) => cell("td", c, i))))),
  );
}
