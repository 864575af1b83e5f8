// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { ProtoError, protoFields } from "./_protobuf.ts";
import type { SealEnvelope } from "../inspect_result.ts";

/**
 * go-kms-wrapping's AWS KMS mechanisms (wrappers/awskms); other wrappers number their
 * own mechanisms, so the name is only a hint when the key is not an AWS one.
 */
const MECHANISMS: Record<number, string> = {
  0: "AWS KMS direct encryption",
  1: "AWS KMS envelope AES-GCM",
};

/**
 * Reads Vault's `SHA256SUMS.sealed` as the protobuf `BlobInfo` (go-kms-wrapping v2;
 * `EncryptedBlobInfo` in v0 has the same field numbers) Vault's seal writes, without
 * its key: which key and mechanism sealed it, and how big each part is.
 */
export function readSealEnvelope(sealed: Uint8Array): SealEnvelope {
  const envelope: SealEnvelope = { format: "go-kms-wrapping BlobInfo", bytes: sealed.length };
  try {
    for (const f of protoFields(sealed)) {
      if (f.field === 1 && f.wire === 2) envelope.ciphertextBytes = f.length;
      else if (f.field === 2 && f.wire === 2) envelope.ivBytes = f.length;
      else if (f.field === 3 && f.wire === 2) envelope.hmacBytes = f.length;
      else if (f.field === 4 && f.wire === 0) envelope.wrapped = f.varint !== 0;
      else if (f.field === 5 && f.wire === 2) readKeyInfo(f.bytes!, envelope);
      else if (f.field <= 8 && f.wire !== 2) {
        throw new ProtoError(f.offset, `field ${f.field} has wire type ${f.wire}`);
      }
    }
  } catch (error) {
    if (!(error instanceof ProtoError)) throw error;
    return unknown(sealed, `not protobuf: ${error.message} at byte ${error.offset}`);
  }
  if (envelope.ciphertextBytes === undefined) {
    return unknown(sealed, "no ciphertext field (1): not a BlobInfo");
  }
  return envelope;
}

function readKeyInfo(bytes: Uint8Array, envelope: SealEnvelope): void {
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  for (const f of protoFields(bytes)) {
    if (f.field === 1 && f.wire === 0) {
      envelope.mechanism = f.varint;
      envelope.mechanismName = MECHANISMS[f.varint!];
    } else if (f.field === 3 && f.wire === 2) envelope.keyId = decode(f.bytes!);
    else if (f.field === 4 && f.wire === 2) envelope.hmacKeyId = decode(f.bytes!);
    else if (f.field === 5 && f.wire === 2) envelope.wrappedKeyBytes = f.length;
  }

  function decode(text: Uint8Array): string {
    try {
      return utf8.decode(text);
    } catch {
      throw new ProtoError(0, "a key id that is not UTF-8");
    }
  }
}

function unknown(sealed: Uint8Array, reason: string): SealEnvelope {
  return { format: "unknown", bytes: sealed.length, reason };
}
