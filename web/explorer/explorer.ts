// Copyright 2026 the raftsnap authors. Apache-2.0 license.
/// <reference lib="dom" />

/**
 * The explorer: what a snapshot's state holds, by product. While the page verifies a
 * snapshot, this reads it once more (`load_state.ts`), and shows, as records arrive:
 * the sections of the product (the KV tree, services, jobs, ...), the search field, and
 * the record panel. A KV folder downloads as `consul kv import` JSON.
 *
 * @module
 */

import { exportKv, type Sealer, type Sha256Factory, SnapshotError } from "../../mod.ts";
import { h } from "../_dom.ts";
import { formatBytes, formatCount, formatDuration } from "../format.ts";
import { downloadBlob } from "../save.ts";
import { type ProductName, SECTIONS } from "./catalog.ts";
import { KvTree, type TreeRow } from "./kv_tree.ts";
import { type LoadingState, loadState } from "./load_state.ts";
import { indexContext, showRecord } from "./record_panel.ts";
import { prepareSearch, SearchBox } from "./search.ts";
import { SectionList } from "./section_list.ts";
import type { Listed } from "./state_index.ts";

/** A snapshot the explorer can read (again). */
export interface ExplorerSource {
  /** What the page calls it. */
  name: string;
  /** A fresh stream of the `.snap`. */
  open(signal: AbortSignal): Promise<ReadableStream<Uint8Array>>;
}

/** What reading a snapshot needs. */
export interface ExploreOptions {
  hasher?: Sha256Factory;
  sealer?: Sealer;
  /** Aborts the reading (the page's Cancel). */
  signal?: AbortSignal;
}

const PRODUCTS: Record<ProductName, string> = { consul: "Consul", nomad: "Nomad", vault: "Vault" };

/** The explorer in its `<section>`. */
export class Explorer {
  #root: HTMLElement;
  #job: AbortController | undefined;
  #loading: LoadingState | undefined;
  #searchBox: SearchBox | undefined;

  /** @param root The (empty, hidden) section it fills. */
  constructor(root: HTMLElement) {
    this.#root = root;
    globalThis.addEventListener("pagehide", () => this.close());
  }

  /** The state being shown (for the benchmark and tests). */
  get loading(): LoadingState | undefined {
    return this.#loading;
  }

  /** Stops reading and forgets the shown state (its spool is removed). */
  close(): void {
    this.#job?.abort(new DOMException("Another snapshot was opened", "AbortError"));
    this.#job = undefined;
    this.#searchBox?.stop();
    this.#searchBox = undefined;
    const old = this.#loading;
    this.#loading = undefined;
    old?.done.then(() => old.spool.dispose(), () => {});
    this.#root.replaceChildren();
    this.#root.hidden = true;
  }

  /** Reads `source` and shows what its state holds, while it is read. */
  async open(source: ExplorerSource, options: ExploreOptions = {}): Promise<void> {
    this.close();
    const job = new AbortController();
    this.#job = job;
    const signal = options.signal ? AbortSignal.any([options.signal, job.signal]) : job.signal;
    const root = this.#root;
    const status = h("p", {
      class: "explorer-status",
      "data-testid": "explorer-status",
      role: "status",
    }, "Reading the state…");
    status.dataset.state = "loading";
    root.replaceChildren(h("h2", { id: "explorer-title" }, "Explore the state"), status);
    root.hidden = false;
    const started = performance.now();
    let loading: LoadingState;
    try {
      loading = await loadState(await source.open(signal), { ...options, signal });
    } catch (error) {
      this.#fail(status, error);
      return;
    }
    if (this.#job !== job) return;
    this.#loading = loading;
    const { index, spool } = loading;

    const panel = h("div", {
      class: "record-panel",
      "data-testid": "record-panel",
      "aria-live": "polite",
    });
    const context = indexContext(index, spool);
    const showKey = (key: number) => showRecord(panel, context, index.keyRecords[key]!);
    const showListed = (entry: Listed) => showRecord(panel, context, entry.record);

    const left = h("div", { class: "explorer-left" });
    const nav = h("div", { class: "sections", role: "group", "aria-label": "Sections" });
    const exportButton = h(
      "button",
      { type: "button", class: "secondary", "data-testid": "export-kv", disabled: true },
      "Download the selected folder as consul kv import JSON",
    );
    let selectedFolder: TreeRow | undefined;
    const tree = new KvTree(index, {
      label: "Keys",
      showKey,
      selected: (row) => {
        selectedFolder = row;
        exportButton.disabled = index.product !== "consul" || row === undefined;
        exportButton.textContent = row
          ? `Download ${row.folder ? `${row.path}…` : row.path} as consul kv import JSON`
          : "Download the selected folder as consul kv import JSON";
      },
    });
    exportButton.addEventListener("click", () => {
      if (selectedFolder) this.#exportKv(source, selectedFolder.path, options, exportButton);
    });
    const lists = new Map<string, SectionList>();
    let current = "";
    const searchBox = new SearchBox(index, {
      showKey: (key) => {
        showKey(key);
      },
      showRecord: showListed,
      active: (searching) => {
        if (searching) left.replaceChildren(searchBox.results);
        else choose(current);
      },
    });
    this.#searchBox = searchBox;
    const sectionButtons = new Map<string, HTMLButtonElement>();
    const choose = (id: string) => {
      current = id;
      for (const [sid, button] of sectionButtons) {
        button.setAttribute("aria-pressed", String(sid === id));
      }
      if (id === "kv") {
        left.replaceChildren(tree.element);
        tree.refresh(true);
      } else {
        let list = lists.get(id);
        const title = sectionButtons.get(id)?.dataset.title ?? id;
        if (!list) lists.set(id, list = new SectionList(index, id, title, showListed));
        left.replaceChildren(list.element);
        list.refresh();
      }
    };
    const drawSections = () => {
      const product = index.product;
      if (!product) return;
      exportButton.hidden = product !== "consul";
      for (const section of SECTIONS[product]) {
        const count = section.id === "kv"
          ? index.keys.length
          : index.sections.get(section.id)?.length ?? 0;
        let button = sectionButtons.get(section.id);
        if (!button) {
          button = h("button", {
            type: "button",
            class: "section",
            "data-section": section.id,
            "data-title": section.title,
            "aria-pressed": "false",
          });
          const id = section.id;
          button.addEventListener("click", () => choose(id));
          sectionButtons.set(id, button);
          nav.append(button);
        }
        button.textContent = `${section.title} (${formatCount(count)})`;
        button.dataset.count = String(count);
      }
      if (!current) {
        const first = SECTIONS[product].find((s) =>
          s.id === "kv" ? index.keys.length > 0 : (index.sections.get(s.id)?.length ?? 0) > 0
        );
        if (first) choose(first.id);
      }
    };

    const note = h("p", { class: "muted", "data-testid": "explorer-note" });
    root.append(
      h("div", { class: "explorer-bar" }, searchBox.field, exportButton),
      nav,
      note,
      h("div", { class: "explorer-body" }, left, panel),
    );

    let firstShown: number | undefined;
    let lastSearch = 0;
    const tick = () => {
      if (this.#job !== job) return;
      drawSections();
      if (index.records > 0 && firstShown === undefined) {
        firstShown = performance.now() - started;
        status.dataset.first = firstShown.toFixed(0);
      }
      // The search's segments, as keys arrive in order (the products write them sorted).
      if (index.keysSorted) prepareSearch(index);
      if (current === "kv") tree.refresh();
      else lists.get(current)?.refresh();
      if (performance.now() - lastSearch > 1000) {
        lastSearch = performance.now();
        searchBox.refresh();
      }
      const of = loading.stateSize ? ` of ${formatBytes(loading.stateSize)}` : "";
      status.textContent = `Reading: ${formatCount(index.records)} records, ` +
        `${formatBytes(spool.size)}${of} of state.bin read; not yet verified.` +
        (index.treeReady
          ? ""
          : " The key tree is drawn once every key is in (they arrive unsorted).");
    };
    const timer = setInterval(tick, 200);
    try {
      const result = await loading.done;
      if (this.#job !== job) return;
      clearInterval(timer);
      tick();
      tree.refresh(true);
      prepareSearch(index, true);
      searchBox.run();
      const product = index.product!;
      const ms = performance.now() - started;
      status.dataset.state = "ready";
      status.dataset.ms = ms.toFixed(0);
      status.textContent = `${PRODUCTS[product]} state: ${formatCount(index.records)} records, ` +
        (product === "nomad"
          ? ""
          : `${formatCount(index.keys.length)} ${
            product === "vault" ? "storage paths" : "KV keys"
          }, `) +
        `${formatBytes(result.stateSize)}, read and verified in ${formatDuration(ms)}. ` +
        "Secrets are hidden until you reveal them, one at a time.";
      note.textContent = product === "vault"
        ? "Vault encrypts every value with its barrier key: the sizes are the ciphertext's, and a " +
          "revealed value is ciphertext."
        : `Values are read again from ${
          spool.kind === "opfs"
            ? "a copy of state.bin in this browser's private file storage (removed when you leave)"
            : "a copy of state.bin in this tab"
        }, one at a time.`;
    } catch (error) {
      clearInterval(timer);
      if (this.#job === job) this.#fail(status, error, index.records);
    }
  }

  #fail(status: HTMLElement, error: unknown, records = 0) {
    // A snapshot that fails to verify: the verdict says why, and there is nothing to browse.
    const aborted = error instanceof DOMException && error.name === "AbortError";
    if (aborted || (error instanceof SnapshotError && error.layer !== "state")) {
      this.close();
      return;
    }
    status.dataset.state = "failed";
    status.className = "explorer-status error";
    const message = error instanceof Error ? error.message : String(error);
    status.textContent = records > 0
      ? `Stopped after ${formatCount(records)} records (those are shown): ${message}`
      : `Nothing to browse: ${message}`;
  }

  async #exportKv(
    source: ExplorerSource,
    prefix: string,
    options: ExploreOptions,
    button: HTMLButtonElement,
  ) {
    button.disabled = true;
    const label = button.textContent;
    button.textContent = "Exporting (the snapshot is read and verified again)…";
    try {
      const stream = exportKv(await source.open(new AbortController().signal), {
        prefix,
        hasher: options.hasher,
        sealer: options.sealer,
      });
      const blob = await new Response(stream).blob();
      const name = `${prefix.replace(/\/$/, "").replace(/[^A-Za-z0-9._-]+/g, "_") || "kv"}.json`;
      downloadBlob(new Blob([blob], { type: "application/json" }), name);
      button.textContent = label;
    } catch (error) {
      button.textContent = `Export failed: ${error instanceof Error ? error.message : error}`;
    } finally {
      button.disabled = false;
    }
  }
}
