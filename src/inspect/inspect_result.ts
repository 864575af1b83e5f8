// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import type { VerifyResult } from "../archive/read_archive.ts";
import type { SnapshotMeta } from "../format/meta.ts";

/** The products whose `state.bin` raftsnap can decode. */
export type Product = "consul" | "nomad" | "vault";

/** Count and bytes of one record type in a state. */
export interface RecordTypeStats {
  /** The record type byte; `undefined` for Vault, whose records have no type. */
  type: number | undefined;
  /** The product's name for the type, or `Unknown(N)` when its table does not know it. */
  name: string;
  /** Whether the product's name table knows the type. */
  known: boolean;
  /** Records of this type. */
  count: number;
  /** Their bytes, as the product's inspect counts them (see {@linkcode InspectResult.totalBytes}). */
  bytes: number;
}

/** Count and bytes of the keys under one prefix (Consul KV details, Vault keys). */
export interface KeyPrefixStats {
  /** The first `depth` parts of the key, joined with `/`. */
  name: string;
  /** Keys under the prefix. */
  count: number;
  /** Their record bytes. */
  bytes: number;
}

/** Per-prefix statistics of the keys in a state, as `-kvdetails`/`-depth`/`-filter` count them. */
export interface KeyStats {
  /** How many `/`-separated parts name a row; 0 means the whole key (Vault) or `""` (Consul). */
  depth: number;
  /** Only keys starting with this prefix were counted; `""` counts all. */
  filter: string;
  /** One row per prefix, sorted by bytes (descending) then name. */
  prefixes: KeyPrefixStats[];
  /** Keys counted. */
  count: number;
  /** Their bytes. */
  bytes: number;
  /**
   * Keys under prefixes past `maxKeyPrefixes` rows: counted in `count` and `bytes`, in
   * no row. Absent when every prefix has its row.
   */
  omitted?: { count: number; bytes: number };
}

/** What a Vault `SHA256SUMS.sealed` envelope (a go-kms-wrapping `BlobInfo`) says without its key. */
export interface SealEnvelope {
  /** The message the bytes parse as: `"go-kms-wrapping BlobInfo"`, or `"unknown"`. */
  format: "go-kms-wrapping BlobInfo" | "unknown";
  /** Total bytes of `SHA256SUMS.sealed`. */
  bytes: number;
  /** Bytes of ciphertext. */
  ciphertextBytes?: number;
  /** Bytes of the initialisation vector. */
  ivBytes?: number;
  /** Bytes of the HMAC; 0 or absent when there is none. */
  hmacBytes?: number;
  /** The (deprecated) `wrapped` flag. */
  wrapped?: boolean;
  /** The key info's encryption mechanism number. */
  mechanism?: number;
  /** The mechanism in words, where known (such as `AWS KMS envelope AES-GCM`). */
  mechanismName?: string;
  /** The id of the key that sealed it (for AWS KMS, normally a key ARN). */
  keyId?: string;
  /** The HMAC key id, when present. */
  hmacKeyId?: string;
  /** Bytes of the wrapped data key. */
  wrappedKeyBytes?: number;
  /** Why it could not be parsed, for `format: "unknown"`. */
  reason?: string;
}

/** What {@linkcode inspectSnapshot} found in a snapshot. */
export interface InspectResult {
  /** The snapshot's metadata. */
  meta: SnapshotMeta;
  /** The archive verification, or `undefined` when a raw `state.bin` was inspected. */
  verify: VerifyResult | undefined;
  /** The product whose state this is, or `"unknown"`. */
  product: Product | "unknown";
  /** How the product was decided, or why it could not be. */
  productReason: string;
  /** Records decoded. */
  records: number;
  /**
   * All bytes counted. Consul and Nomad count `state.bin` up to the end of its last record
   * (each record is its type byte and value, the header counted with the first); Vault counts
   * each entry's protobuf message without its length prefix, so its total is smaller.
   */
  totalBytes: number;
  /** Bytes of `state.bin` read. */
  stateBytes: number;
  /** The Consul header's `LastIndex`, when present. */
  lastIndex?: bigint;
  /** Per record type, sorted by bytes (descending) then name. Empty for Vault. */
  types: RecordTypeStats[];
  /** Consul KVS keys or Vault keys by prefix; `undefined` for other products. */
  keys: KeyStats | undefined;
  /** The highest record type number seen, if any. */
  maxType: number | undefined;
  /** Record type numbers the name table does not know, ascending. */
  unknownTypes: number[];
  /** What the `SHA256SUMS.sealed` envelope says, for Vault archives that have one. */
  sealEnvelope: SealEnvelope | undefined;
  /** Things an operator should know that are not errors, such as a `Size` that differs from the state. */
  warnings: string[];
}
