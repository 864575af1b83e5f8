// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import type { AlertState, CatalogRecord } from "./catalog.ts";

/** The document a `JsonCatalog` keeps. */
export interface CatalogDocument {
  /** The format's version: 1. */
  raftsnapWatchCatalog: 1;
  /** Records by key. */
  records: Record<string, CatalogRecord>;
  /** When each key was removed (ms): an older record of it, written late by another watcher, stays out. */
  removed: Record<string, number>;
  /** Live claims by name. */
  claims: Record<string, { owner: string; until: number }>;
  /** The alert state of the last pass. */
  alerts?: AlertState;
}

/** The document's first line: all but its removals and records (a few KiB). */
export type CatalogHead = Omit<CatalogDocument, "records" | "removed">;

// The document is one JSON object, written an entry a line, so that it is written and read
// a line at a time: no string, no buffer the size of the catalog (each would be garbage
// the size of the catalog on every write, and V8 frees large objects only at a full GC).
//
//   {"raftsnapWatchCatalog":1,"alerts":{…},"claims":{…},"removed":{
//   "a.snap":1700000000000
//   },"records":{
//   "b.snap":{…}
//   ,"c.snap":{…}
//   }}
const HEAD_END = `"removed":{`;
const BETWEEN = `},"records":{`;
const END = `}}`;
/** Lines are gathered into pieces of about this many characters before they are encoded. */
const PIECE = 64 * 1024;

/** The document as a byte stream, a line at a time (pulled: it holds one piece at once). */
export function documentStream(doc: CatalogDocument): ReadableStream<Uint8Array> {
  const lines = documentLines(doc);
  const encoder = new TextEncoder();
  return new ReadableStream({
    pull(controller) {
      let piece = "";
      while (piece.length < PIECE) {
        const { done, value } = lines.next();
        if (done) break;
        piece += value + "\n";
      }
      if (piece) controller.enqueue(encoder.encode(piece));
      if (piece.length < PIECE) controller.close();
    },
  }, { highWaterMark: 0 });
}

function* documentLines(doc: CatalogDocument): Generator<string> {
  const { raftsnapWatchCatalog, alerts, claims } = doc;
  yield JSON.stringify({ raftsnapWatchCatalog, alerts: alerts ?? null, claims }).slice(0, -1) +
    `,${HEAD_END}`;
  yield* entryLines(doc.removed);
  yield BETWEEN;
  yield* entryLines(doc.records);
  yield END;
}

function* entryLines(entries: Record<string, unknown>): Generator<string> {
  let comma = "";
  for (const key in entries) {
    yield `${comma}${JSON.stringify(key)}:${JSON.stringify(entries[key])}`;
    comma = ",";
  }
}

/** Sets an entry, defined rather than assigned: a key named `__proto__` is a key like any other. */
export function setEntry<T>(entries: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(entries, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** An entry the object holds itself (never one it inherits, as `__proto__`). */
export function entryOf<T>(entries: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(entries, key) ? entries[key] : undefined;
}

/**
 * Reads a stored document: the layout above a line at a time, or any other JSON text of a
 * catalog (an older raftsnap's one line, a file an operator reformatted) whole.
 *
 * @param headOnly Read only the first line (claims and alerts); the rest is cancelled.
 * @throws {TypeError} when it is not a catalog document.
 */
export async function readDocument(
  body: ReadableStream<Uint8Array>,
  headOnly = false,
): Promise<CatalogDocument> {
  const lines = textLines(body);
  try {
    const first = await lines.next();
    const line = first.done ? "" : first.value;
    if (!line.endsWith(HEAD_END)) {
      // Not written a line an entry: the whole text is the document.
      let text = line;
      for await (const more of lines) text += "\n" + more;
      return checked(parseJson(text, 1));
    }
    const doc = checked({ ...parseJson(line + "}}", 1) as object, records: {} });
    if (doc.alerts === null) delete doc.alerts;
    if (headOnly) return doc;
    let number = 1;
    let into: Record<string, unknown> = doc.removed;
    let ended = false;
    for await (const entry of lines) {
      number++;
      if (ended) {
        if (entry.trim() !== "") throw notCatalog(`text after its end, on line ${number}`);
      } else if (entry === BETWEEN && into === doc.removed) into = doc.records;
      else if (entry === END && into === doc.records) ended = true;
      else {
        const pair = parseJson(`{${entry.startsWith(",") ? entry.slice(1) : entry}}`, number);
        for (const [key, value] of Object.entries(pair as object)) setEntry(into, key, value);
      }
    }
    if (!ended) throw notCatalog(`it ends early, after line ${number}`);
    return doc;
  } finally {
    await lines.return(undefined);
  }
}

function checked(value: unknown): CatalogDocument {
  const doc = value as CatalogDocument;
  if (doc?.raftsnapWatchCatalog !== 1 || typeof doc.records !== "object") {
    throw notCatalog("it is not a raftsnap watch catalog (version 1)");
  }
  doc.removed ??= {};
  doc.claims ??= {};
  return doc;
}

function parseJson(text: string, line: number): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw notCatalog(`line ${line} is not JSON: ${(error as Error).message}`);
  }
}

function notCatalog(why: string): TypeError {
  return new TypeError(`the watch catalog cannot be read: ${why}`);
}

/** The stream's text a line at a time (without the newlines); `return` cancels the stream. */
async function* textLines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  // The cast: TypeScript's DOM types give TextDecoderStream a BufferSource writable side,
  // which a Uint8Array stream's pipeThrough does not accept (Deno's types do).
  const decoder = new TextDecoderStream() as ReadableWritablePair<string, Uint8Array>;
  const reader = body.pipeThrough(decoder).getReader();
  // The line so far, in pieces: only each new piece is searched for the line's end, and
  // the line is joined once (an older catalog is one line: searching it again with every
  // piece read made reading it quadratic).
  let parts: string[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      let start = 0;
      for (let end; (end = value.indexOf("\n", start)) >= 0; start = end + 1) {
        parts.push(value.slice(start, end));
        const line = parts.join("");
        parts = [];
        yield line;
      }
      if (start < value.length) parts.push(value.slice(start));
    }
    if (parts.length > 0) yield parts.join("");
  } finally {
    await reader.cancel().catch(() => {});
  }
}
