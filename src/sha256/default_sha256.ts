// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { createDigestStreamSha256, hasDigestStream } from "./digest_stream.ts";
import { createHashWasmSha256 } from "./hash_wasm.ts";
import { hashWasmSha256 } from "./hash_wasm_sha256.ts";
import { createJsSha256 } from "./js_sha256.ts";
import type { Sha256, Sha256Factory } from "./sha256.ts";

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
