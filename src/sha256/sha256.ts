// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { createDigestStreamSha256, hasDigestStream } from "./digest_stream.ts";
import { createHashWasmSha256 } from "./hash_wasm.ts";
import { createJsSha256 } from "./js_sha256.ts";

export { createDigestStreamSha256, hasDigestStream } from "./digest_stream.ts";
export { createJsSha256 } from "./js_sha256.ts";

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

/**
 * The default {@linkcode Sha256Factory}: hash-wasm's WebAssembly SHA-256, which runs in
 * every runtime.
 *
 * @example Hashing two chunks
 * ```ts
 * import { hashWasmSha256 } from "@raftsnap/raftsnap";
 *
 * const hasher = await hashWasmSha256();
 * hasher.update(new TextEncoder().encode("ab"));
 * hasher.update(new TextEncoder().encode("c"));
 * const hex = Array.from(await hasher.digest(), (b) => b.toString(16).padStart(2, "0")).join("");
 * if (!hex.startsWith("ba7816bf")) throw new Error(hex);
 * ```
 *
 * @returns A fresh hasher.
 */
export const hashWasmSha256: Sha256Factory = Object.defineProperty(
  (): Promise<Sha256> => createHashWasmSha256(),
  "workerUrl",
  {
    // Resolved on first use, not at load: where `import.meta.url` is no base URL (a
    // bundle in an edge runtime), this throws, and hashing stays on the calling thread.
    get(): URL | undefined {
      try {
        // The worker script imports `hash_wasm.ts` only: see there why.
        return new URL("./worker.ts", import.meta.url);
      } catch {
        return undefined;
      }
    },
    enumerable: true,
  },
);

/** Set once hash-wasm was refused: the runtime may not compile WebAssembly at run time. */
let wasmRefused = false;

/** Whether an error is a runtime refusing to compile WebAssembly (or having none). */
function isCodeGenerationRefused(error: unknown): boolean {
  if (typeof WebAssembly === "undefined") return true;
  const { name, message } = error instanceof Error ? error : { name: "", message: "" };
  return name === "CompileError" || name === "EvalError" ||
    /code generation|disallowed|not allowed/i.test(message);
}

/**
 * The library's default {@linkcode Sha256Factory}: what the runtime allows, chosen at
 * each call (never at load):
 *
 * 1. `crypto.DigestStream`, where it exists (Cloudflare Workers, workerd): native, and
 *    no run-time code generation, which Workers forbid;
 * 2. else hash-wasm ({@linkcode hashWasmSha256}), with its hashing worker for large
 *    states (Deno, Node, Bun, browsers);
 * 3. else, once a runtime refused to compile hash-wasm's WebAssembly (Vercel's Edge
 *    Functions, say), plain JavaScript ({@linkcode createJsSha256}), slower but always
 *    there. To pick yourself, pass a `hasher` option to any function that hashes.
 *
 * @example Hashing with whatever the runtime has
 * ```ts
 * import { defaultSha256, sha256Of } from "@raftsnap/raftsnap";
 *
 * const digest = await sha256Of(new TextEncoder().encode("abc"), defaultSha256);
 * if (digest[0] !== 0xba || digest[31] !== 0xad) throw new Error("wrong digest");
 * ```
 *
 * @returns A fresh hasher.
 */
export const defaultSha256: Sha256Factory = Object.defineProperty(
  (): Sha256 | Promise<Sha256> => {
    if (hasDigestStream()) return createDigestStreamSha256();
    if (wasmRefused) return createJsSha256();
    return createHashWasmSha256().catch((error) => {
      if (!isCodeGenerationRefused(error)) throw error;
      wasmRefused = true;
      return createJsSha256();
    });
  },
  "workerUrl",
  {
    // Only hash-wasm hashes on a worker; the others stay on the calling thread.
    get(): URL | undefined {
      return hasDigestStream() || wasmRefused ? undefined : hashWasmSha256.workerUrl;
    },
    enumerable: true,
  },
);

/** SHA-256 of one buffer with a given factory. */
export async function sha256Of(bytes: Uint8Array, factory: Sha256Factory): Promise<Uint8Array> {
  const hasher = await factory();
  await hasher.update(bytes);
  return await hasher.digest();
}
