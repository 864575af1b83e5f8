// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { bytesEqual, concatBytes } from "../_bytes.ts";
import type { SnapshotStore, StagedUpload, VerifiedUpload } from "./store.ts";

/**
 * A {@linkcode SnapshotStore} in memory, for tests and small deployments: each upload is
 * staged in memory and kept in {@linkcode MemoryStore.snapshots} under its
 * {@linkcode VerifiedUpload.key} on commit. A second upload of the same bytes under the
 * same key is accepted; different bytes under an existing key are refused (never
 * overwritten).
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
export class MemoryStore implements SnapshotStore {
  /** The committed snapshots, by key. */
  readonly snapshots: Map<string, Uint8Array> = new Map();
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
        const existing = this.snapshots.get(upload.key);
        if (existing && !bytesEqual(existing, bytes)) {
          this.#commitFailures++;
          throw new Error(`${upload.key} is already stored with different bytes`);
        }
        this.snapshots.set(upload.key, bytes);
        this.#committed++;
        return upload.key;
      },
      abort: () => {
        end("abort");
        parts = [];
        this.#aborted++;
      },
    };
  }
}
