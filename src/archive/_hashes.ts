// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { toBase64 } from "../_bytes.ts";
import { Gatherer } from "../_gather.ts";
import type { Sha256, Sha256Factory } from "../sha256/sha256.ts";
import { createWorkerSha256, WORKER_THRESHOLD } from "../sha256/worker_sha256.ts";

/**
 * The hashing stage: the SHA-256 of `state.bin` (moved to a Worker once a large state
 * shows up, where the hasher names a worker script) and, when asked for, the archive's
 * own `sha-256=` checksum over the compressed bytes.
 */
export class ArchiveHashes {
  readonly #factory: Sha256Factory;
  readonly #useWorker: boolean;
  #state: Sha256;
  readonly #archive: Sha256 | undefined;

  private constructor(factory: Sha256Factory, useWorker: boolean, state: Sha256, archive?: Sha256) {
    this.#factory = factory;
    this.#useWorker = useWorker;
    this.#state = state;
    this.#archive = archive;
  }

  /** Starts the hashers. */
  static async create(
    factory: Sha256Factory,
    options: { checksum?: boolean; useWorker?: boolean },
  ): Promise<ArchiveHashes> {
    const state = await factory();
    const archive = options.checksum ? await factory() : undefined;
    return new ArchiveHashes(factory, options.useWorker !== false, state, archive);
  }

  /** `state.bin`'s header was read: a large state is hashed on a Worker from here. */
  stateBegins(size: number): void {
    const url = this.#factory.workerUrl;
    if (!url || !this.#useWorker || size < WORKER_THRESHOLD) return;
    const offThread = createWorkerSha256(url, this.#factory);
    if (!offThread) return;
    this.#state.close?.();
    this.#state = offThread;
  }

  /** Hashes a piece of `state.bin`; a returned promise asks the caller to wait. */
  updateState(piece: Uint8Array): void | Promise<void> {
    return this.#state.update(piece);
  }

  /**
   * Feeds the archive checksum, where one was asked for. Small chunks are gathered into
   * 64 KiB pieces first: a runtime may hand a body over in 4 KiB chunks (workerd does),
   * and each update costs a call and a wait (a `DigestStream` write in workerd: 0.5 s of
   * a 254 MiB archive's verify, spent on 65,000 writes).
   */
  get onCompressed(): ((chunk: Uint8Array) => Promise<void>) | undefined {
    return this.#archive ? (chunk) => this.#gatherer.add(chunk, this.#updateArchive) : undefined;
  }

  readonly #gatherer = new Gatherer(64 * 1024);
  readonly #updateArchive = async (piece: Uint8Array) => {
    await this.#archive!.update(piece);
  };

  /** The state's digest (once, at the end). */
  stateDigest(): Promise<Uint8Array> {
    return Promise.resolve(this.#state.digest());
  }

  /** `sha-256=` + base64 of the archive's digest, or `undefined` if not asked for. */
  async checksum(): Promise<string | undefined> {
    if (!this.#archive) return undefined;
    await this.#gatherer.flush(this.#updateArchive);
    return "sha-256=" + toBase64(await this.#archive.digest());
  }

  /** Releases the hashers (a worker, say). */
  close(): void {
    this.#state.close?.();
    this.#archive?.close?.();
  }
}
