// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { bytesEqual, concatBytes } from "../_bytes.ts";
import type { SnapshotStore, StagedUpload, VerifiedUpload } from "./store.ts";
import type {
  ResumableEnding,
  ResumableRecord,
  ResumableStore,
  StagedResumable,
} from "./tus/resumable_store.ts";

/** One resumable upload in memory: its record and the bytes flushed so far. */
interface MemoryResumable {
  record: ResumableRecord;
  parts: Uint8Array[];
}

/**
 * A {@linkcode SnapshotStore} in memory, for tests and small deployments: each upload is
 * staged in memory and kept in {@linkcode MemoryStore.snapshots} under its
 * {@linkcode VerifiedUpload.key} on commit. A second upload of the same bytes under the
 * same key is accepted; different bytes under an existing key are refused (never
 * overwritten).
 *
 * It is also a {@linkcode ResumableStore}: resumable (tus) uploads are staged in
 * {@linkcode MemoryStore.resumable} (what `flush` made durable survives a new handler
 * over the same store, as a restart) and committed into `snapshots` the same way.
 *
 * @example Counting what happened
 * ```ts
 * import { MemoryStore } from "@raftsnap/raftsnap";
 *
 * const store = new MemoryStore();
 * const staged = await store.begin();
 * await staged.abort(new Error("bad archive"));
 * if (store.aborted !== 1 || store.staging !== 0 || store.snapshots.size !== 0) throw new Error("wrong");
 * ```
 */
export class MemoryStore implements SnapshotStore, ResumableStore {
  /** The committed snapshots, by key. */
  readonly snapshots: Map<string, Uint8Array> = new Map();
  /** Resumable uploads by id: their records and flushed bytes (dropped when they end). */
  readonly resumable: Map<string, { record: ResumableRecord; parts: Uint8Array[] }> = new Map();
  #begun = 0;
  #committed = 0;
  #aborted = 0;
  #commitFailures = 0;

  /** Uploads begun. */
  get begun(): number {
    return this.#begun;
  }

  /** Uploads committed. */
  get committed(): number {
    return this.#committed;
  }

  /** Uploads aborted. */
  get aborted(): number {
    return this.#aborted;
  }

  /** Commits refused (different bytes under an existing key). */
  get commitFailures(): number {
    return this.#commitFailures;
  }

  /** Uploads begun and not yet committed, aborted or refused. */
  get staging(): number {
    return this.#begun - this.#committed - this.#aborted - this.#commitFailures;
  }

  /**
   * Stages an upload in memory.
   *
   * @returns The staged upload; `commit` and `abort` throw if either was called before.
   */
  begin(): StagedUpload {
    this.#begun++;
    let parts: Uint8Array[] = [];
    let ended = false;
    const end = (what: string) => {
      if (ended) throw new Error(`the staged upload was already committed or aborted (${what})`);
      ended = true;
    };
    return {
      writable: new WritableStream<Uint8Array>({
        write(chunk) {
          parts.push(chunk.slice());
        },
      }),
      commit: (upload: VerifiedUpload) => {
        end("commit");
        const bytes = concatBytes(parts);
        parts = [];
        return this.#keep(upload, bytes);
      },
      abort: () => {
        end("abort");
        parts = [];
        this.#aborted++;
      },
    };
  }

  #keep(upload: VerifiedUpload, bytes: Uint8Array): string {
    const existing = this.snapshots.get(upload.key);
    if (existing && !bytesEqual(existing, bytes)) {
      this.#commitFailures++;
      throw new Error(`${upload.key} is already stored with different bytes`);
    }
    this.snapshots.set(upload.key, bytes);
    this.#committed++;
    return upload.key;
  }

  /**
   * Resumable uploads holding staged bytes (not ended).
   *
   * @returns The count.
   */
  get stagedResumable(): number {
    let count = 0;
    for (const { record, parts } of this.resumable.values()) {
      if (!record.ended && parts.length > 0) count++;
    }
    return count;
  }

  /**
   * Starts a resumable upload.
   *
   * @param record Its record.
   * @returns The staged upload.
   */
  create(record: ResumableRecord): Promise<StagedResumable> {
    if (this.resumable.has(record.id)) {
      return Promise.reject(new Error(`upload ${record.id} exists already`));
    }
    const entry: MemoryResumable = { record: structuredClone(record), parts: [] };
    this.resumable.set(record.id, entry);
    this.#begun++;
    return Promise.resolve(this.#staged(entry));
  }

  /**
   * A resumable upload as its last flush left it.
   *
   * @param id The upload's id.
   * @returns The staged upload, or `undefined`.
   */
  open(id: string): Promise<StagedResumable | undefined> {
    const entry = this.resumable.get(id);
    return Promise.resolve(entry && this.#staged(entry));
  }

  /**
   * The ids of resumable uploads that expired before `now`.
   *
   * @param now Milliseconds since the epoch.
   * @returns The ids.
   */
  async *expired(now: number): AsyncIterable<string> {
    for (const [id, { record }] of [...this.resumable]) if (record.expires < now) yield id;
  }

  /**
   * Open resumable uploads of `owner`.
   *
   * @param owner The owner's hash.
   * @param now Milliseconds since the epoch.
   * @returns The count.
   */
  countOpen(owner: string, now: number): Promise<number> {
    let count = 0;
    for (const { record } of this.resumable.values()) {
      if (record.owner === owner && !record.ended && record.expires >= now) count++;
    }
    return Promise.resolve(count);
  }

  #staged(entry: MemoryResumable): StagedResumable {
    const record = structuredClone(entry.record);
    let pending: Uint8Array[] = [];
    let gone = false;
    const live = () => {
      if (gone || this.resumable.get(record.id) !== entry) {
        throw new Error(`upload ${record.id} has ended`);
      }
    };
    return {
      record,
      write(bytes: Uint8Array) {
        live();
        pending.push(bytes.slice());
        return Promise.resolve();
      },
      flush(expires: number) {
        live();
        entry.parts.push(...pending);
        record.offset += pending.reduce((n, part) => n + part.length, 0);
        pending = [];
        record.expires = expires;
        entry.record = structuredClone(record);
        return Promise.resolve();
      },
      replay() {
        const parts = entry.parts.slice();
        return new ReadableStream<Uint8Array>({
          pull(controller) {
            const part = parts.shift();
            if (part) controller.enqueue(part.slice());
            else controller.close();
          },
        });
      },
      commit: (upload: VerifiedUpload) => {
        live();
        const bytes = concatBytes(entry.parts);
        entry.parts = [];
        pending = [];
        return Promise.resolve(this.#keep(upload, bytes));
      },
      end: (outcome: ResumableEnding | "deleted", expires?: number) => {
        if (this.resumable.get(record.id) !== entry) return Promise.resolve();
        pending = [];
        entry.parts = [];
        if (outcome === "deleted") {
          gone = true;
          if (!entry.record.ended) this.#aborted++;
          this.resumable.delete(record.id);
        } else {
          if ("refused" in outcome) this.#aborted++;
          record.ended = outcome;
          if (expires !== undefined) record.expires = expires;
          entry.record = structuredClone(record);
        }
        return Promise.resolve();
      },
    };
  }
}
