// Copyright 2026 the raftsnap authors. Apache-2.0 license.
/// <reference lib="dom" />

/**
 * One record, as `raftsnap decode` prints it: read again from the spool by its offset and
 * decoded with the library's `decodeRecord`, redacted. Each redacted value (a secret
 * field, a KV value) shows as its marker, `"[redacted: 7 bytes]"`, on a button: pressing
 * it decodes the record again without redaction and puts that one value in its place.
 * Until then the secret is nowhere in the page: not in the DOM, not in an attribute, not
 * in a variable the page keeps.
 *
 * A KV value, once revealed, reads as text, pretty JSON or hex.
 *
 * @module
 */

import {
  type DecodedRecord,
  type DecodedValue,
  decodeRecord,
  stringifyDecoded,
} from "../../mod.ts";
import { h } from "../_dom.ts";
import { formatBytes, formatCount } from "../format.ts";
import { markedSize, type ProductName } from "./catalog.ts";
import type { Spool } from "./spool.ts";
import type { StateIndex } from "./state_index.ts";

const MARKER = /^\[redacted: \d+ bytes?\]$/;

/** The JSON line `raftsnap decode` prints for a record. */
export function decodeLine(record: DecodedRecord): string {
  return `{"Data":${stringifyDecoded(record.value)},"Type":${JSON.stringify(record.name)}}`;
}

/** Where a record is in a spooled `state.bin`. */
export interface RecordPlace {
  /** Its first byte. */
  start: number;
  /** The byte after its last. */
  end: number;
  /** Its size, as inspect counts it. */
  size: number;
  /** Its number, counted from 1 in the state. */
  number: number;
}

/** Reads the record at `place` and decodes it, redacted or not. */
export async function readRecord(
  context: PanelContext,
  place: RecordPlace,
  redact: boolean,
): Promise<DecodedRecord> {
  const bytes = await context.spool.read(place.start, place.end);
  return decodeRecord(context.product, bytes, {
    redact,
    number: place.number,
    offset: place.start,
    size: place.size,
  });
}

/** A panel context over the explorer's index: record `i` is the index's record `i`. */
export function indexContext(index: StateIndex, spool: Spool): PanelContext {
  return {
    get product() {
      return index.product!;
    },
    spool,
    locate(i) {
      const [start, end] = index.span(i);
      return { start, end, size: index.sizes[i]!, number: i + 1 };
    },
  };
}

type Path = (string | number)[];

/**
 * The record as the panel shows it: redacted, but with each value the user revealed in
 * place of its marker (what Copy as JSON copies).
 */
export function withRevealed(
  record: DecodedRecord,
  revealed: Iterable<{ path: Path; value: DecodedValue }>,
): DecodedRecord {
  const list = [...revealed];
  if (list.length === 0) return record;
  let value: DecodedValue = structuredClone(record.value);
  for (const { path, value: shown } of list) {
    if (path.length === 0) {
      value = shown;
      continue;
    }
    const parent = at(value, path.slice(0, -1)) as Record<string | number, DecodedValue>;
    parent[path.at(-1)!] = shown;
  }
  return { ...record, value };
}

function at(value: DecodedValue, path: Path): DecodedValue {
  let v: DecodedValue = value;
  for (const step of path) {
    v = (v as Record<string | number, DecodedValue>)[step] ?? null;
  }
  return v;
}

/**
 * The value as indented JSON (two spaces), with each redaction marker a button that
 * reveals that value.
 */
function jsonNodes(
  value: DecodedValue,
  reveal: (path: Path) => Promise<void>,
  markers: Map<string, HTMLElement>,
): (Node | string)[] {
  const out: (Node | string)[] = [];
  let text = "";
  const flush = () => {
    if (text) out.push(text);
    text = "";
  };
  const walk = (v: DecodedValue, path: Path, indent: string) => {
    if (typeof v === "string" && MARKER.test(v)) {
      flush();
      const where = path.filter((p) => typeof p === "string").at(-1) ?? "value";
      const button = h(
        "button",
        {
          type: "button",
          class: "secret",
          "data-testid": "reveal",
          "data-path": JSON.stringify(path),
          "aria-label": `Reveal ${where} (${formatBytes(markedSize(v))})`,
        },
        JSON.stringify(v),
      );
      button.addEventListener("click", () => reveal(path));
      markers.set(JSON.stringify(path), button);
      out.push(button);
      return;
    }
    if (v === null || typeof v !== "object") {
      text += stringifyDecoded(v);
      return;
    }
    const inner = indent + "  ";
    if (Array.isArray(v)) {
      if (v.length === 0) {
        text += "[]";
        return;
      }
      text += "[\n";
      v.forEach((item, i) => {
        text += inner;
        walk(item, [...path, i], inner);
        text += i < v.length - 1 ? ",\n" : "\n";
      });
      text += indent + "]";
      return;
    }
    const keys = Object.keys(v);
    if (keys.length === 0) {
      text += "{}";
      return;
    }
    text += "{\n";
    keys.forEach((key, i) => {
      text += `${inner}${stringifyDecoded(key)}: `;
      walk(v[key]!, [...path, key], inner);
      text += i < keys.length - 1 ? ",\n" : "\n";
    });
    text += indent + "}";
  };
  walk(value, [], "");
  flush();
  return out;
}

function base64Bytes(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Hex, 16 bytes a line, with offsets. */
export function hexDump(bytes: Uint8Array, max = 64 * 1024): string {
  const lines: string[] = [];
  const end = Math.min(bytes.length, max);
  for (let i = 0; i < end; i += 16) {
    const row = bytes.subarray(i, Math.min(i + 16, end));
    lines.push(
      i.toString(16).padStart(8, "0") + "  " +
        Array.from(row, (b) => b.toString(16).padStart(2, "0")).join(" "),
    );
  }
  if (bytes.length > max) lines.push(`… ${formatCount(bytes.length - max)} more bytes`);
  return lines.join("\n");
}

/** The three readings of a revealed value: text, pretty JSON (when it parses), hex. */
function valueViews(bytes: Uint8Array): HTMLElement {
  let text: string | undefined;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    text = undefined;
  }
  let json: string | undefined;
  if (text !== undefined) {
    try {
      json = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      json = undefined;
    }
  }
  const views: [string, string | undefined][] = [
    ["Text", text],
    ["JSON", json],
    ["Hex", hexDump(bytes)],
  ];
  const shown = h("pre", { class: "value", "data-testid": "value" });
  const buttons = views.map(([name, content]) => {
    const button = h("button", {
      type: "button",
      class: "secondary",
      "aria-pressed": "false",
      "data-view": name.toLowerCase(),
      disabled: content === undefined,
    }, name);
    button.addEventListener("click", () => {
      for (const b of buttons) b.setAttribute("aria-pressed", String(b === button));
      shown.textContent = content ?? "";
      shown.dataset.shown = name.toLowerCase();
    });
    return button;
  });
  // JSON when it parses, else text when it is UTF-8, else hex.
  (buttons[json !== undefined ? 1 : text !== undefined ? 0 : 2]!).click();
  return h(
    "div",
    { class: "value-views" },
    h("div", { class: "row", role: "group", "aria-label": "Show the value as" }, ...buttons),
    shown,
  );
}

/** What the panel needs: where the records are, and the spool they are read from. */
export interface PanelContext {
  /** The product whose records they are. */
  readonly product: ProductName;
  /** The spooled `state.bin`. */
  spool: Spool;
  /** Where record `i` is. */
  locate(i: number): RecordPlace;
}

/**
 * Shows record `i` in `panel`: its facts, the KV value (masked), the record's JSON with
 * each secret masked, and a Copy button.
 */
export async function showRecord(
  panel: HTMLElement,
  context: PanelContext,
  i: number,
): Promise<void> {
  const product = context.product;
  const place = context.locate(i);
  panel.replaceChildren(h("p", { class: "muted" }, "Reading the record…"));
  panel.dataset.record = String(i);
  let record: DecodedRecord;
  try {
    record = await readRecord(context, place, true);
  } catch (error) {
    panel.replaceChildren(
      h(
        "p",
        { class: "error" },
        `Record ${place.number} cannot be shown: ${error instanceof Error ? error.message : error}`,
      ),
    );
    return;
  }
  if (panel.dataset.record !== String(i)) return; // another record was asked for meanwhile
  let unredacted: Promise<DecodedRecord> | undefined;
  /** The values revealed so far, by their path (as JSON): what Copy as JSON puts back. */
  const revealed = new Map<string, { path: Path; value: DecodedValue }>();
  /** The JSON's marker buttons, by path. */
  const markers = new Map<string, HTMLElement>();
  /** Reads the value at `path` unredacted, and shows it in place of its marker. */
  const reveal = async (path: Path): Promise<DecodedValue> => {
    const id = JSON.stringify(path);
    const done = revealed.get(id);
    if (done) return done.value;
    const marker = markers.get(id) as HTMLButtonElement | undefined;
    if (marker) marker.disabled = true;
    unredacted ??= readRecord(context, place, false);
    const value = at((await unredacted).value, path);
    revealed.set(id, { path, value });
    marker?.replaceWith(
      h("span", { class: "revealed", "data-testid": "revealed" }, stringifyDecoded(value)),
    );
    return value;
  };
  const value = record.value as Record<string, DecodedValue>;
  const isKey = product === "vault" || record.name === "KVS";
  const parts: Node[] = [
    h("h3", { "data-testid": "record-title" }, isKey ? String(value.Key) : `${record.name} record`),
  ];
  const rows: [string, string][] = [["Type", record.name], [
    "Record",
    `${formatCount(record.number)} at offset ${formatCount(record.offset)}`,
  ], ["Size", formatBytes(record.size)]];
  if (record.name === "KVS") {
    rows.push(
      ["Flags", String(value.Flags ?? 0)],
      ["Session", String(value.Session || "–")],
      ["CreateIndex", String(value.CreateIndex ?? "")],
      ["ModifyIndex", String(value.ModifyIndex ?? "")],
      ["LockIndex", String(value.LockIndex ?? 0)],
      ["Value size", formatBytes(markedSize(value.Value))],
    );
  }
  if (product === "vault") {
    rows.push(["Value size", formatBytes(markedSize(value.Value))], [
      "SealWrap",
      String(value.SealWrap ?? false),
    ]);
  }
  parts.push(
    h(
      "dl",
      { class: "facts", "data-testid": "record-facts" },
      ...rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", { "data-field": k }, v)]),
    ),
  );
  if (isKey && typeof value.Value === "string" && MARKER.test(value.Value)) {
    const size = markedSize(value.Value);
    const slot = h("div", { class: "value-slot", "data-testid": "value-slot" });
    const button = h(
      "button",
      { type: "button", "data-testid": "reveal-value" },
      `Reveal the value (${formatBytes(size)})`,
    );
    button.addEventListener("click", async () => {
      button.disabled = true;
      const raw = await reveal(["Value"]);
      slot.replaceChildren(
        valueViews(typeof raw === "string" ? base64Bytes(raw) : new Uint8Array()),
      );
    });
    slot.append(
      h(
        "p",
        { class: "masked" },
        product === "vault"
          ? "Vault encrypts every value with its barrier key: these bytes are ciphertext, shown " +
            "only as hex. "
          : "The value is hidden, as raftsnap decode hides it. ",
        button,
      ),
    );
    parts.push(slot);
  }
  const copy = h(
    "button",
    { type: "button", class: "secondary", "data-testid": "copy-json" },
    "Copy as JSON",
  );
  const copied = h("span", { role: "status", class: "muted" });
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(decodeLine(withRevealed(record, revealed.values())));
      const n = revealed.size;
      copied.textContent = n === 0
        ? " Copied (secrets redacted)."
        : ` Copied, with the ${n === 1 ? "value" : `${n} values`} you revealed; any other ` +
          "secret redacted.";
    } catch (error) {
      copied.textContent = ` Cannot copy: ${error instanceof Error ? error.message : error}`;
    }
  });
  parts.push(
    h("h4", {}, "As raftsnap decode prints it"),
    h(
      "pre",
      { class: "json", "data-testid": "record-json" },
      ...jsonNodes(record.value, (path) => reveal(path).then(() => {}), markers),
    ),
    h("p", {}, copy, copied),
  );
  panel.replaceChildren(...parts);
}
