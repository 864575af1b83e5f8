// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/** An incremental SHA-256, fed stream chunks as they pass. */
export interface Sha256 {
  /**
   * Adds bytes. The hasher must not keep `chunk` after returning; a returned promise
   * asks the caller to wait before the next update (backpressure).
   */
  update(chunk: Uint8Array): void | Promise<void>;
  /** The 32-byte digest of everything added. Called once. */
  digest(): Uint8Array | Promise<Uint8Array>;
  /** Releases what the hasher holds (a worker, say), if it is dropped before its digest. */
  close?(): void;
}

/**
 * Makes a fresh {@linkcode Sha256}. The library's default is hash-wasm's; a caller that
 * knows its runtime may pass a native one (Node's `crypto.createHash("sha256")`, say).
 */
export interface Sha256Factory {
  /** A fresh hasher. */
  (): Sha256 | Promise<Sha256>;
  /**
   * A module Worker script that hashes the same way, to hash large states off the
   * calling thread (it calls `serveHashing` from `sha256/serve_hashing.ts`). Without
   * one, a custom hasher always runs on the calling thread.
   */
  workerUrl?: URL;
}

/** SHA-256 of one buffer with a given factory. */
export async function sha256Of(bytes: Uint8Array, factory: Sha256Factory): Promise<Uint8Array> {
  const hasher = await factory();
  await hasher.update(bytes);
  return await hasher.digest();
}
