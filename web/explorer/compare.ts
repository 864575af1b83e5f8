// Copyright 2026 the raftsnap authors. Apache-2.0 license.
/// <reference lib="dom" />

/**
 * Two snapshots side by side, while `diffSnapshots` (the CLI's `diff`) walks them: each
 * key added, removed or changed joins a virtualised list as the merge finds it (every
 * one, not the first `maxKeys`), the counts by prefix update, and the picked key's
 * record shows in OLD and in NEW side by side, values masked until revealed.
 *
 * Memory holds, per changed key, its name and where its records are in each state (a few
 * numbers), never a value: both states are copied to spools (OPFS files, see `spool.ts`)
 * as the comparison reads them, in the same pass, and a picked record is read back from
 * them by offset. The spools are removed when the comparison is closed or replaced, and
 * when the page is left.
 *
 * @module
 */

import type { KeyChangeFound, PrefixChange, RecordSpan, SnapshotDiff } from "../../mod.ts";
import { h, table } from "../_dom.ts";
import { formatCount } from "../format.ts";
import { type PanelContext, type RecordPlace, showRecord } from "./record_panel.ts";
import { openSpool, type Spool } from "./spool.ts";
import { VirtualList } from "./virtual_list.ts";

const KINDS = ["added", "removed", "changed"] as const;
type Kind = typeof KINDS[number];

/** Prefix rows drawn (those with most changes); the others are counted in a line. */
const PREFIX_ROWS = 200;

/** Per change: OLD's start, end, size, number, type (-1: none), then NEW's. */
const SLOTS = 10;

/** The changes found so far: names and record places, in typed arrays that double. */
class Changes {
  keys: string[] = [];
  kinds = new Uint8Array(1024);
  places = new Float64Array(1024 * SLOTS);

  get length(): number {
    return this.keys.length;
  }

  add(change: KeyChangeFound) {
    const i = this.keys.length;
    if (i >= this.kinds.length) {
      const kinds = new Uint8Array(this.kinds.length * 2);
      kinds.set(this.kinds);
      this.kinds = kinds;
      const places = new Float64Array(this.places.length * 2);
      places.set(this.places);
      this.places = places;
    }
    this.keys.push(change.key);
    this.kinds[i] = KINDS.indexOf(change.change);
    const put = (at: number, span: RecordSpan | undefined) => {
      const p = this.places;
      p[at] = span?.offset ?? 0;
      p[at + 1] = span?.end ?? 0;
      p[at + 2] = span?.size ?? 0;
      p[at + 3] = span?.number ?? 0;
      p[at + 4] = span ? span.type ?? 255 : -1;
    };
    put(i * SLOTS, change.old);
    put(i * SLOTS + 5, change.new);
  }

  kind(i: number): Kind {
    return KINDS[this.kinds[i]!]!;
  }

  /** Where change `i`'s record is in OLD (side 0) or NEW (side 1), if there. */
  place(i: number, side: 0 | 1): (RecordPlace & { type: number }) | undefined {
    const at = i * SLOTS + side * 5;
    const p = this.places;
    if (p[at + 4] === -1) return undefined;
    return {
      start: p[at]!,
      end: p[at + 1]!,
      size: p[at + 2]!,
      number: p[at + 3]!,
      type: p[at + 4]!,
    };
  }
}

/** Rows in the order `diffSnapshots` gives them: most changes first, then by name. */
function sortPrefixes(rows: Iterable<PrefixChange>): PrefixChange[] {
  return [...rows].sort((p, q) =>
    (q.added + q.removed + q.changed) - (p.added + p.removed + p.changed) ||
    (p.name < q.name ? -1 : p.name > q.name ? 1 : 0)
  );
}

/** A comparison on the page, filled while `diffSnapshots` runs. */
export class Comparison {
  /** Its `<section>`. */
  readonly element: HTMLElement;
  /** OLD's and NEW's spooled states. */
  readonly spools: readonly [Spool, Spool];
  #changes = new Changes();
  #prefixes = new Map<string, PrefixChange>();
  #totals = { added: 0, removed: 0, changed: 0 };
  #omittedPrefixes = 0;
  #list: VirtualList;
  #counts: HTMLElement;
  #prefixTable: HTMLElement;
  #status: HTMLElement;
  #sides: [HTMLElement, HTMLElement];
  #timer: ReturnType<typeof setInterval> | undefined;
  #dirty = false;
  #closed = false;

  /** Opens the two spools and the (empty) view. */
  static async open(): Promise<Comparison> {
    const older = await openSpool();
    try {
      return new Comparison([older, await openSpool()]);
    } catch (error) {
      await older.dispose();
      throw error;
    }
  }

  private constructor(spools: [Spool, Spool]) {
    this.spools = spools;
    this.#counts = h("p", { "data-testid": "compare-counts", "aria-live": "polite" });
    this.#prefixTable = h("div", { "data-testid": "diff-prefixes-box" });
    this.#status = h("p", { class: "muted", role: "status", "data-testid": "compare-status" });
    this.#status.dataset.state = "comparing";
    this.#sides = [
      h("div", { class: "compare-side", "data-testid": "compare-old" }),
      h("div", { class: "compare-side", "data-testid": "compare-new" }),
    ];
    const changes = this.#changes;
    this.#list = new VirtualList({
      role: "listbox",
      itemRole: "option",
      label: "Changed keys",
      id: "diff-keys",
      count: () => changes.length,
      draw: (i, row) => {
        const kind = changes.kind(i);
        row.dataset.change = kind;
        row.append(
          h("span", { class: `badge ${kind}` }, kind),
          h("span", { class: "name" }, changes.keys[i]!),
        );
      },
      activate: (i) => this.#pick(i),
    });
    this.element = h(
      "section",
      { class: "compare", "data-testid": "compare" },
      h("h2", {}, "What changed"),
      this.#counts,
      h("div", { class: "columns" }, this.#prefixTable, this.#list.element),
      this.#status,
      h("div", { class: "compare-sides" }, ...this.#sides),
    );
    this.#status.textContent = "Comparing: keys show here as they are found.";
    this.#draw();
    this.#timer = setInterval(() => {
      if (this.#dirty) this.#draw();
    }, 250);
  }

  /**
   * The streams `diffSnapshots` passes each state through (its `states` option): each
   * copies the state to its spool, with backpressure, and closes the spool at the end.
   */
  throughs(): {
    old: TransformStream<Uint8Array, Uint8Array>;
    new: TransformStream<Uint8Array, Uint8Array>;
  } {
    const through = (spool: Spool) =>
      new TransformStream<Uint8Array, Uint8Array>({
        async transform(chunk, controller) {
          await spool.write(chunk);
          controller.enqueue(chunk);
        },
        flush: () => spool.close(),
      });
    return { old: through(this.spools[0]), new: through(this.spools[1]) };
  }

  /** One change found (`diffSnapshots`' `onKey`). */
  add(change: KeyChangeFound): void {
    if (this.#closed) return;
    this.#changes.add(change);
    this.#totals[change.change]++;
    if (change.prefix === undefined) this.#omittedPrefixes++;
    else {
      let row = this.#prefixes.get(change.prefix);
      if (!row) {
        row = { name: change.prefix, added: 0, removed: 0, changed: 0 };
        this.#prefixes.set(change.prefix, row);
      }
      row[change.change]++;
    }
    this.#dirty = true;
  }

  /** The comparison ended: its totals (and the keys the same in both). */
  finish(diff: SnapshotDiff): void {
    if (this.#closed) return;
    this.#stopTimer();
    this.#status.dataset.state = "done";
    if (!diff.keys) {
      this.#status.textContent = "No keys to compare: the states are not both Consul's or " +
        "both Vault's.";
    } else {
      this.#status.textContent = "Pick a key to see its record in both.";
    }
    this.#draw(diff);
  }

  /** The comparison failed or was cancelled: what was found stays listed. */
  fail(message: string): void {
    if (this.#closed) return;
    this.#stopTimer();
    this.#status.dataset.state = "failed";
    this.#status.textContent = message;
    this.#draw();
  }

  /** Stops, and removes both spools (the comparison was closed, replaced, or the page left). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopTimer();
    // Still on screen (a failed comparison, a page back from the back/forward cache): the
    // records cannot be read any more.
    if (this.#status.dataset.state !== "failed") {
      this.#status.textContent = "Closed: the copies of both states were removed. Compare the " +
        "files again to see their records.";
    }
    this.#status.dataset.state = "closed";
    await Promise.all(this.spools.map((spool) => spool.dispose()));
  }

  #stopTimer() {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #draw(diff?: SnapshotDiff) {
    this.#dirty = false;
    const t = this.#totals;
    const done = diff !== undefined;
    const same = diff?.keys ? `, ${formatCount(diff.keys.unchanged)} the same` : "";
    this.#counts.textContent = `${formatCount(t.added)} keys added, ${formatCount(t.removed)} ` +
      `removed, ${formatCount(t.changed)} changed${same}${done ? "." : " so far…"}`;
    this.#counts.dataset.found = String(this.#changes.length);
    const rows = sortPrefixes(this.#prefixes.values());
    const shown = rows.slice(0, PREFIX_ROWS);
    const prefixes = table(
      `Keys by prefix${done && diff.keys ? ` (depth ${diff.keys.depth})` : ""}`,
      ["Prefix", "Added", "Removed", "Changed"],
      shown.map((p) => [
        h("code", {}, p.name),
        formatCount(p.added),
        formatCount(p.removed),
        formatCount(p.changed),
      ]),
      [1, 2, 3],
    );
    prefixes.dataset.testid = "diff-prefixes";
    const more = rows.length - shown.length;
    this.#prefixTable.replaceChildren(prefixes);
    if (more > 0 || this.#omittedPrefixes > 0) {
      this.#prefixTable.append(
        h(
          "p",
          { class: "muted" },
          `${formatCount(more)} more prefixes not drawn` +
            (this.#omittedPrefixes > 0
              ? `; ${formatCount(this.#omittedPrefixes)} changes past the prefix limit`
              : ""),
        ),
      );
    }
    this.#list.render();
  }

  #pick(i: number) {
    if (this.#closed) return;
    const key = this.#changes.keys[i]!;
    for (const side of [0, 1] as const) {
      const panel = this.#sides[side];
      const name = side === 0 ? "OLD" : "NEW";
      const place = this.#changes.place(i, side);
      if (!place) {
        panel.replaceChildren(h("h3", {}, name), h("p", { class: "muted" }, `Not in ${name}.`));
        continue;
      }
      const inner = h("div", { class: "record-panel", "data-testid": "record-panel" });
      panel.replaceChildren(
        h("h3", {}, name),
        this.#status.dataset.state === "comparing"
          ? h("p", { class: "muted" }, `${key}: shown once ${name} has been read to its end.`)
          : "",
        inner,
      );
      const context: PanelContext = {
        product: place.type === 255 ? "vault" : "consul",
        spool: this.spools[side],
        locate: () => place,
      };
      showRecord(inner, context, i).then(() => panel.querySelector("p.muted")?.remove());
    }
  }
}
