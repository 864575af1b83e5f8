// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Test helpers: fixture access, stream builders, assertions.

import assert from "node:assert/strict";
import { SnapshotError, type SnapshotErrorCode } from "../mod.ts";

export { assert };

/** The shared fixtures folder beside the checkout. */
export const FIXTURES = new URL("../../shared/fixtures/", import.meta.url);

/** One fixture's verdicts, as go-reference/manifest.json records them. */
export interface GoFixture {
  file: string;
  purpose: string;
  "file_sha256": string;
  "verify_ok": boolean;
  "expected_meta_json"?: string;
  "tar_entries"?: {
    name: string;
    size: number;
    "mtime_unix": number;
    sha256: string;
    text?: string;
  }[];
  checks: {
    function: string;
    ok: boolean;
    key?: string;
    errors?: string[];
    "state_sha256"?: string;
    "meta_json"?: string;
  }[];
}

export interface GoManifest {
  "seal_key_hex": string;
  "wrong_key_hex": string;
  fixtures: GoFixture[];
}

export async function goManifest(): Promise<GoManifest> {
  return JSON.parse(await Deno.readTextFile(new URL("go-reference/manifest.json", FIXTURES)));
}

export function readFixture(path: string): Promise<Uint8Array<ArrayBuffer>> {
  return Deno.readFile(new URL(path, FIXTURES));
}

/**
 * Go's error texts and the code raftsnap gives for each: the one table that ties our
 * codes to Go's verdicts. Checked in order; the first substring found wins.
 */
export const GO_ERROR_CODES: [string, SnapshotErrorCode][] = [
  ["failed to decompress snapshot: EOF", "empty"],
  ["failed to decompress snapshot: gzip: invalid header", "gzip-header"],
  ["gzip: invalid checksum", "gzip-checksum"],
  ["unread uncompressed bytes remain", "trailing-data"],
  ["read max specified bytes", "entry-too-large"],
  ["failed to open the sealed hashes", "seal-open"],
  ["failed to decode snapshot metadata", "meta-invalid"],
  ["list missing hash for", "sums-unknown-file"],
  ["hash check failed for", "hash-mismatch"],
  ["file missing for", "file-missing"],
  ["unexpected file", "unexpected-entry"],
  ["archive/tar: invalid header", "tar-header"],
  ["unexpected EOF", "truncated"],
];

/** The raftsnap code for a Go error text. */
export function codeForGoError(text: string): SnapshotErrorCode {
  for (const [needle, code] of GO_ERROR_CODES) if (text.includes(needle)) return code;
  throw new Error(`no code mapped for Go error ${JSON.stringify(text)}`);
}

/** A stream that yields `bytes` cut at the given chunk sizes (cycled). */
export function chunked(
  bytes: Uint8Array,
  sizes: number[] | ((i: number) => number),
): ReadableStream<Uint8Array> {
  let pos = 0;
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (pos >= bytes.length) {
        controller.close();
        return;
      }
      const size = typeof sizes === "function" ? sizes(i++) : sizes[i++ % sizes.length]!;
      const n = Math.max(1, size);
      controller.enqueue(bytes.slice(pos, pos + n));
      pos += n;
    },
  });
}

/** A small deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random chunk sizes between 1 and `max`, from a seed. */
export function randomSizes(seed: number, max = 700): (i: number) => number {
  const next = prng(seed);
  return () => 1 + Math.floor(next() * max);
}

/** Everything a stream yields, joined. */
export async function collect(
  stream: ReadableStream<Uint8Array>,
): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export function gzipBytes(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  return collect(new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip")));
}

export function gunzipBytes(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  return collect(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip")));
}

/** Awaits a rejection with a SnapshotError of the given code, and returns it. */
export async function rejectsWith(
  promise: Promise<unknown>,
  code: SnapshotErrorCode,
): Promise<SnapshotError> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof SnapshotError)) {
      throw new assert.AssertionError({
        message: `expected SnapshotError ${code}, got ${error}`,
        actual: error,
      });
    }
    assert.equal(error.code, code, error.message);
    return error;
  }
  throw new assert.AssertionError({ message: `expected SnapshotError ${code}, but it resolved` });
}

/** The verdict of a promise: "ok" or the SnapshotError code; any other throw fails the test. */
export async function verdict(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    if (error instanceof SnapshotError) return error.code;
    throw error;
  }
}

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Waits until `condition` holds, checking every few milliseconds, and fails saying `what`
 * if it still does not after `ms` (a safety net for a machine under load, not a figure
 * the test measures: the wait ends as soon as the condition holds).
 */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  ms = 30_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Runs `fn` in a new temporary folder, removed after, whatever `fn` did. */
export async function withTempDir(
  prefix: string,
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The names of a folder's entries, sorted. */
export async function entryNames(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) out.push(entry.name);
  return out.sort();
}
