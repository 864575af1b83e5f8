// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { ProtoError, protoFields } from "./_protobuf.ts";

/** Vault's `StorageEntry` (sdk/plugin/pb): `key` = 1, `value` = 2, `seal_wrap` = 3. */
export interface StorageEntry {
  /** The storage path, such as `core/mounts`. */
  key: string;
  /** Bytes of the (barrier-encrypted) value. */
  valueLength: number;
  /** The value, when the message was captured whole. */
  value: Uint8Array | undefined;
  /** Whether the entry is seal-wrapped. */
  sealWrap: boolean;
}

const utf8 = new TextDecoder();

/**
 * Reads a `StorageEntry` from its message bytes, or from a prefix of them when
 * `complete` is false (the key comes first on the wire, so a prefix holds it).
 *
 * @throws {ProtoError} when the bytes are not protobuf.
 */
export function readStorageEntry(message: Uint8Array, complete: boolean): StorageEntry {
  const entry: StorageEntry = { key: "", valueLength: 0, value: undefined, sealWrap: false };
  for (const field of protoFields(message, !complete)) {
    if (field.field === 1 && field.wire === 2) {
      if (!field.bytes) {
        throw new ProtoError(field.offset, `a ${field.length}-byte key past the bytes read`);
      }
      entry.key = utf8.decode(field.bytes);
    } else if (field.field === 2 && field.wire === 2) {
      entry.valueLength = field.length!;
      entry.value = field.bytes;
    } else if (field.field === 3 && field.wire === 0) entry.sealWrap = field.varint !== 0;
  }
  return entry;
}
