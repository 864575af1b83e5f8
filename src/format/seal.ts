// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/**
 * Go's `Sealer`: seals the sums list into `SHA256SUMS.sealed` when writing, and opens
 * it when reading. The format does not fix the cipher; {@linkcode createAesGcmSealer}
 * gives the AES-256-GCM one the reference archives use.
 */
export interface Sealer {
  /** Seals `plain`, the encoded sums list. */
  seal(plain: Uint8Array): Promise<Uint8Array>;
  /** Opens what {@linkcode Sealer.seal} produced; rejects when it cannot. */
  open(sealed: Uint8Array): Promise<Uint8Array>;
}

const NONCE_BYTES = 12;

function hexToBytes(hex: string): Uint8Array {
  if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new TypeError("The key must be hex digits in pairs");
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

/**
 * An AES-256-GCM sealer on WebCrypto, compatible with the Go sealer of the reference
 * archives: output = 12-byte random nonce || ciphertext || 16-byte tag.
 *
 * @example Sealing and opening
 * ```ts
 * import { createAesGcmSealer } from "@raftsnap/raftsnap";
 *
 * const sealer = await createAesGcmSealer("00".repeat(32));
 * const sealed = await sealer.seal(new TextEncoder().encode("hello"));
 * const opened = new TextDecoder().decode(await sealer.open(sealed));
 * if (opened !== "hello" || sealed.length !== 12 + 5 + 16) throw new Error("round trip failed");
 * ```
 *
 * @param key The 32-byte key, as bytes or as 64 hex digits.
 * @returns The sealer.
 * @throws {RangeError} when the key is not 32 bytes.
 */
export async function createAesGcmSealer(key: Uint8Array | string): Promise<Sealer> {
  const raw = typeof key === "string" ? hexToBytes(key.trim()) : key;
  if (raw.length !== 32) throw new RangeError(`An AES-256 key is 32 bytes, got ${raw.length}`);
  const cryptoKey = await crypto.subtle.importKey(
    "raw",
    new Uint8Array(raw),
    "AES-GCM",
    false,
    ["encrypt", "decrypt"],
  );
  return {
    async seal(plain) {
      const iv = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
      const sealed = await crypto.subtle.encrypt(
        { name: "AES-GCM", iv },
        cryptoKey,
        new Uint8Array(plain),
      );
      const out = new Uint8Array(NONCE_BYTES + sealed.byteLength);
      out.set(iv);
      out.set(new Uint8Array(sealed), NONCE_BYTES);
      return out;
    },
    async open(sealed) {
      if (sealed.length < NONCE_BYTES) throw new Error("sealed data too short");
      try {
        const plain = await crypto.subtle.decrypt(
          { name: "AES-GCM", iv: sealed.slice(0, NONCE_BYTES) },
          cryptoKey,
          sealed.slice(NONCE_BYTES),
        );
        return new Uint8Array(plain);
      } catch {
        throw new Error("cipher: message authentication failed");
      }
    },
  };
}
