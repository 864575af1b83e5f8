// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import type { Product } from "../inspect_result.ts";

/** Bytes of the state's start that {@linkcode detectProduct} needs to decide. */
export const DETECT_BYTES = 64;

/** The product, or why none could be named. */
export interface Detection {
  /** The product whose framing the bytes have, or `"unknown"`. */
  product: Product | "unknown";
  /** What was seen, in words. */
  reason: string;
}

const LAST_INDEX = new TextEncoder().encode("LastIndex");

/**
 * Names the product from the first bytes of `state.bin` (up to {@linkcode DETECT_BYTES};
 * fewer only when the state is that short). Consul's header is the map
 * `{"LastIndex": n}`, Nomad's the empty map `0x80`, Vault's state a length-prefixed
 * protobuf whose first field is the key.
 */
export function detectProduct(head: Uint8Array): Detection {
  if (head.length === 0) return { product: "unknown", reason: "state.bin is empty" };
  if (head[0] === 0x81 && head[1] === 0xa9 && startsWith(head.subarray(2), LAST_INDEX)) {
    return { product: "consul", reason: 'state.bin starts with Consul\'s header {"LastIndex": …}' };
  }
  const vault = vaultKey(head);
  if (vault !== undefined) {
    return {
      product: "vault",
      reason: `state.bin starts with a length-prefixed Vault StorageEntry (key ${
        JSON.stringify(vault)
      })`,
    };
  }
  if (head[0] === 0x80 && (head.length === 1 || head[1]! < 0x80)) {
    return {
      product: "nomad",
      reason: "state.bin starts with Nomad's empty header {} and a record type",
    };
  }
  const hex = Array.from(head.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join(" ");
  return {
    product: "unknown",
    reason: `state.bin starts with ${hex}: not Consul's header {"LastIndex": …}, Nomad's {} ` +
      "or a Vault StorageEntry",
  };
}

/** The first entry's key when the bytes frame as a Vault entry with a printable key. */
function vaultKey(head: Uint8Array): string | undefined {
  let length = 0;
  let pos = 0;
  for (let shift = 0; pos < head.length && pos < 5; shift += 7) {
    const b = head[pos++]!;
    length += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) break;
  }
  if (head[pos] !== 0x0a) return undefined; // field 1, length-delimited
  const keyLength = head[pos + 1];
  if (keyLength === undefined || keyLength === 0 || keyLength >= 0x80 || keyLength + 2 > length) {
    return undefined;
  }
  const key = head.subarray(pos + 2, Math.min(head.length, pos + 2 + keyLength));
  if (!key.every((b) => b >= 0x20 && b < 0x7f)) return undefined;
  return new TextDecoder().decode(key) + (key.length < keyLength ? "…" : "");
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}
