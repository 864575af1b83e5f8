// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { concatBytes } from "../_bytes.ts";
import { SnapshotError } from "../errors.ts";
import { decodeMeta, MetaDecodeError, type SnapshotMeta, zeroMeta } from "../format/meta.ts";
import type { TarEntry, TarHandler } from "../format/tar/reader.ts";
import type { ResolvedLimits } from "../limits.ts";
import type { ArchiveEntry } from "./verify_result.ts";

const SMALL_ENTRIES = new Set(["meta.json", "SHA256SUMS", "SHA256SUMS.sealed"]);

/**
 * The entries stage: takes the tar reader's entries, refuses unknown names and too many
 * entries, keeps the small entries' bytes (Go appends repeats), decodes `meta.json`,
 * and queues `state.bin`'s data for the hashing stage, in archive order.
 */
export class SnapshotEntries implements TarHandler {
  /** The entries so far, in archive order (their `sha256` is filled in at the end). */
  readonly entries: ArchiveEntry[] = [];
  /** The small entries' contents by name, repeats in order. */
  readonly small = new Map<string, Uint8Array[]>();
  /** The decoded metadata (Go's zero meta until a `meta.json` is read). */
  meta: SnapshotMeta = zeroMeta();
  /** Bytes of `state.bin` seen. */
  stateSize = 0;

  readonly #limits: ResolvedLimits;
  readonly #onState: (size: number) => void;
  readonly #onMeta: ((meta: SnapshotMeta) => void) | undefined;
  #current: TarEntry | undefined;
  #count = 0;
  #parts: Uint8Array[] = [];
  #bytes = 0;
  #pendingState: Uint8Array[] = [];

  /**
   * @param onState Called when `state.bin`'s header is read, with its declared size.
   * @param onMeta Called once each `meta.json` has been decoded.
   */
  constructor(
    limits: ResolvedLimits,
    onState: (size: number) => void,
    onMeta?: (meta: SnapshotMeta) => void,
  ) {
    this.#limits = limits;
    this.#onState = onState;
    this.#onMeta = onMeta;
  }

  /** The state data read since the last call, to hash and pass on. */
  takeState(): Uint8Array[] {
    const out = this.#pendingState;
    if (out.length > 0) this.#pendingState = [];
    return out;
  }

  /** The archive offset of the first entry of that name. */
  offsetOf(name: string): number | undefined {
    return this.entries.find((e) => e.name === name)?.offset;
  }

  /** All bytes of the entries of that name, joined. */
  contentOf(name: string): Uint8Array {
    return concatBytes(this.small.get(name) ?? []);
  }

  entry(entry: TarEntry): void {
    this.#current = entry;
    if (entry.name !== "state.bin" && !SMALL_ENTRIES.has(entry.name)) {
      throw new SnapshotError(
        "unexpected-entry",
        `unexpected entry "${entry.name}" at offset ${entry.offset}`,
        {
          layer: "entry",
          entry: entry.name,
          offset: entry.offset,
          expected: "meta.json, state.bin, SHA256SUMS or SHA256SUMS.sealed",
          found: entry.name,
        },
      );
    }
    const limit = this.#limits.maxEntries;
    if (++this.#count > limit) {
      throw new SnapshotError(
        "limit-exceeded",
        `the archive has more than ${limit} entries ("${entry.name}" at offset ` +
          `${entry.offset}); raise limits.maxEntries to read it`,
        {
          layer: "entry",
          limit: "maxEntries",
          entry: entry.name,
          offset: entry.offset,
          expected: `at most ${limit} entries`,
          found: `${this.#count} entries`,
        },
      );
    }
    if (entry.name === "state.bin") {
      if (this.stateSize === 0) this.#onState(entry.size);
      return;
    }
    this.#parts = [];
    this.#bytes = 0;
  }

  data(chunk: Uint8Array): void {
    const current = this.#current!;
    if (current.name === "state.bin") {
      this.stateSize += chunk.length;
      this.#pendingState.push(chunk);
      return;
    }
    this.#bytes += chunk.length;
    const most = this.#limits.maxSmallEntryBytes;
    if (this.#bytes > most) {
      throw new SnapshotError(
        "entry-too-large",
        `"${current.name}" is ${current.size} bytes; at most ${most} are read` +
          (most === 8191 ? " (as Go reads it)" : "; raise limits.maxSmallEntryBytes to read it"),
        {
          layer: "entry",
          limit: most === 8191 ? undefined : "maxSmallEntryBytes",
          entry: current.name,
          offset: current.dataOffset,
          expected: `at most ${most} bytes`,
          found: `${current.size} bytes`,
        },
      );
    }
    this.#parts.push(chunk.slice());
  }

  entryEnd(entry: TarEntry): void {
    this.#current = undefined;
    const record: ArchiveEntry = {
      name: entry.name,
      size: entry.size,
      sha256: "",
      modTime: new Date(entry.mtime * 1000),
      offset: entry.offset,
    };
    this.entries.push(record);
    if (entry.name === "state.bin") return;
    const content = concatBytes(this.#parts);
    record.content = content;
    this.small.set(entry.name, [...(this.small.get(entry.name) ?? []), content]);
    if (entry.name !== "meta.json") return;
    try {
      this.meta = decodeMeta(content, this.meta);
    } catch (error) {
      if (!(error instanceof MetaDecodeError)) throw error;
      throw new SnapshotError(
        "meta-invalid",
        `meta.json is not valid snapshot metadata: ${error.message}`,
        {
          layer: "meta",
          entry: "meta.json",
          offset: entry.dataOffset,
          cause: error,
        },
      );
    }
    this.#onMeta?.(this.meta);
  }
}
