// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import type { Sha256 } from "./sha256.ts";

/**
 * SHA-256 in plain JavaScript (FIPS 180-4): the hasher of last resort, for runtimes with
 * neither `crypto.DigestStream` nor run-time WebAssembly (Vercel's Edge Functions, say).
 * It generates no code and needs nothing from the platform; it is several times slower
 * than hash-wasm or a native digest.
 */

const K = new Uint32Array([
  0x428a2f98,
  0x71374491,
  0xb5c0fbcf,
  0xe9b5dba5,
  0x3956c25b,
  0x59f111f1,
  0x923f82a4,
  0xab1c5ed5,
  0xd807aa98,
  0x12835b01,
  0x243185be,
  0x550c7dc3,
  0x72be5d74,
  0x80deb1fe,
  0x9bdc06a7,
  0xc19bf174,
  0xe49b69c1,
  0xefbe4786,
  0x0fc19dc6,
  0x240ca1cc,
  0x2de92c6f,
  0x4a7484aa,
  0x5cb0a9dc,
  0x76f988da,
  0x983e5152,
  0xa831c66d,
  0xb00327c8,
  0xbf597fc7,
  0xc6e00bf3,
  0xd5a79147,
  0x06ca6351,
  0x14292967,
  0x27b70a85,
  0x2e1b2138,
  0x4d2c6dfc,
  0x53380d13,
  0x650a7354,
  0x766a0abb,
  0x81c2c92e,
  0x92722c85,
  0xa2bfe8a1,
  0xa81a664b,
  0xc24b8b70,
  0xc76c51a3,
  0xd192e819,
  0xd6990624,
  0xf40e3585,
  0x106aa070,
  0x19a4c116,
  0x1e376c08,
  0x2748774c,
  0x34b0bcb5,
  0x391c0cb3,
  0x4ed8aa4a,
  0x5b9cca4f,
  0x682e6ff3,
  0x748f82ee,
  0x78a5636f,
  0x84c87814,
  0x8cc70208,
  0x90befffa,
  0xa4506ceb,
  0xbef9a3f7,
  0xc67178f2,
]);

/** Compresses the 64-byte blocks of `bytes` from `at` into `h`; returns where it stopped. */
function blocks(h: Uint32Array, w: Uint32Array, bytes: Uint8Array, at: number, end: number) {
  while (end - at >= 64) {
    for (let i = 0; i < 16; i++, at += 4) {
      w[i] = (bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!;
    }
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15]!;
      const b = w[i - 2]!;
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
    }
    let a = h[0]!;
    let b = h[1]!;
    let c = h[2]!;
    let d = h[3]!;
    let e = h[4]!;
    let f = h[5]!;
    let g = h[6]!;
    let k = h[7]!;
    for (let i = 0; i < 64; i++) {
      const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (k + s1 + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) | 0;
      const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      k = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] = h[0]! + a;
    h[1] = h[1]! + b;
    h[2] = h[2]! + c;
    h[3] = h[3]! + d;
    h[4] = h[4]! + e;
    h[5] = h[5]! + f;
    h[6] = h[6]! + g;
    h[7] = h[7]! + k;
  }
  return at;
}

/**
 * A fresh plain-JavaScript SHA-256.
 *
 * @example Hashing "abc"
 * ```ts
 * import { createJsSha256 } from "@raftsnap/raftsnap";
 *
 * const hasher = createJsSha256();
 * hasher.update(new TextEncoder().encode("abc"));
 * const digest = hasher.digest() as Uint8Array;
 * if (digest[0] !== 0xba || digest[31] !== 0xad) throw new Error("wrong digest");
 * ```
 *
 * @returns The hasher; its `update` and `digest` are synchronous.
 */
export function createJsSha256(): Sha256 {
  const h = new Uint32Array([
    0x6a09e667,
    0xbb67ae85,
    0x3c6ef372,
    0xa54ff53a,
    0x510e527f,
    0x9b05688c,
    0x1f83d9ab,
    0x5be0cd19,
  ]);
  const w = new Uint32Array(64);
  const pending = new Uint8Array(64);
  let pendingLength = 0;
  let total = 0;
  const update = (chunk: Uint8Array) => {
    total += chunk.length;
    let at = 0;
    if (pendingLength > 0) {
      const n = Math.min(64 - pendingLength, chunk.length);
      pending.set(chunk.subarray(0, n), pendingLength);
      pendingLength += n;
      at = n;
      if (pendingLength < 64) return;
      blocks(h, w, pending, 0, 64);
      pendingLength = 0;
    }
    at = blocks(h, w, chunk, at, chunk.length);
    pending.set(chunk.subarray(at));
    pendingLength = chunk.length - at;
  };
  return {
    update,
    digest: () => {
      const bits = total * 8;
      const tail = new Uint8Array((pendingLength < 56 ? 64 : 128) - pendingLength);
      tail[0] = 0x80;
      const view = new DataView(tail.buffer);
      view.setUint32(tail.length - 8, Math.floor(bits / 2 ** 32));
      view.setUint32(tail.length - 4, bits >>> 0);
      update(tail);
      const out = new Uint8Array(32);
      const outView = new DataView(out.buffer);
      for (let i = 0; i < 8; i++) outView.setUint32(i * 4, h[i]!);
      return out;
    },
  };
}
