// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/** Reading the SHA-256 a client announces for its upload. */

import { fromBase64, toBase64 } from "../_bytes.ts";
import { UploadError } from "./upload_error.ts";

/** A `sha-256` digest a header announced, as Go's `Checksum` writes it. */
export interface AnnouncedDigest {
  /** The header it came from. */
  header: "content-digest" | "digest";
  /** `sha-256=` + base64, normalised. */
  checksum: string;
}

/**
 * The `sha-256` members of `Content-Digest` (RFC 9530: `sha-256=:BASE64:`) and `Digest`
 * (RFC 3230 and Go's `Snapshot.Checksum`: `sha-256=BASE64`); either header takes either
 * form, and the algorithm name is matched without regard to case. Other algorithms are
 * ignored (they cannot be checked here).
 *
 * @throws {UploadError} `digest-invalid` for a `sha-256` value that is not 32 bytes of base64.
 */
export function announcedDigests(headers: Headers): AnnouncedDigest[] {
  const out: AnnouncedDigest[] = [];
  for (const header of ["content-digest", "digest"] as const) {
    const value = headers.get(header);
    if (value === null) continue;
    for (const member of value.split(",")) {
      const eq = member.indexOf("=");
      if (eq < 0) continue;
      if (member.slice(0, eq).trim().toLowerCase() !== "sha-256") continue;
      let text = member.slice(eq + 1).split(";")[0]!.trim();
      if (text.length >= 2 && text.startsWith(":") && text.endsWith(":")) text = text.slice(1, -1);
      const bytes = fromBase64(text);
      if (bytes === undefined || bytes.length !== 32) {
        throw new UploadError(
          "digest-invalid",
          `the ${header} header's sha-256 value is not 32 bytes of base64: ${
            JSON.stringify(text.slice(0, 100))
          }`,
          {
            expected: "sha-256=:BASE64: (Content-Digest) or sha-256=BASE64 (Digest)",
            found: text.slice(0, 100),
          },
        );
      }
      out.push({ header, checksum: "sha-256=" + toBase64(bytes) });
    }
  }
  return out;
}
